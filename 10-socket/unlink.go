//go:build linux && (amd64 || arm64)

package main

// Step 9: who removes the socket file. close(2) never does: a C server
// must unlink() its path itself, on every way out. Go's UnixListener.Close
// unlinks the file when package net made it (Listen, ListenUnix), not when
// the listener came from FileListener, and SetUnlinkOnClose changes
// either (net/unixsock_posix.go). A datagram socket (ListenUnixgram) is a
// UnixConn, whose Close never unlinks.

import (
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func unlinkOnClose(me *say.Speaker, d *dir) {
	// C: fd = socket(); bind(fd, path); listen(fd, 5); close(fd);
	cPath := d.join("c-style.sock")
	h := made(me, "socket file "+cPath, func() error {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			err = unix.Bind(fd, &unix.SockaddrUnix{Name: cPath})
		}
		if err == nil {
			err = unix.Listen(fd, 5)
		}
		unix.Close(fd)
		return syserr.Wrap("socket+bind+listen", err, nil)
	}, func() error { return os.Remove(cPath) })
	me.Printf("unix.Socket, unix.Bind, unix.Listen(5), unix.Close:")
	me.Kernel("%s", fileMode(cPath))
	_ = h.Release() // the directory goes at the end anyway
	me.Printf("unlink(%s): what a C server must do itself", cPath)

	for _, keep := range []bool{false, true} {
		path := d.join("go.sock")
		var ln *net.UnixListener
		h := made(me, "socket file "+path, func() (err error) {
			ln, err = net.ListenUnix("unix", unixAddr(unix.SOCK_STREAM, path))
			return err
		}, func() error { os.Remove(path); return nil })
		call := "ln.Close()"
		if keep {
			ln.SetUnlinkOnClose(false)
			call = "ln.SetUnlinkOnClose(false); ln.Close()"
		}
		ln.Close()
		me.Printf("net.ListenUnix, %s:", call)
		me.Kernel("%s", fileMode(path))
		_ = h.Release() // as above
	}
	gPath := d.join("dgram.sock")
	var g *net.UnixConn
	h = made(me, "socket file "+gPath, func() (err error) {
		g, err = net.ListenUnixgram("unixgram", unixAddr(unix.SOCK_DGRAM, gPath))
		return err
	}, func() error { return os.Remove(gPath) })
	g.Close()
	me.Printf("net.ListenUnixgram, Close(): a UnixConn never unlinks")
	me.Kernel("%s", fileMode(gPath))
	_ = h.Release() // as above
	me.GoNote("Close unlinks, then closes, never checking that the file is still its own:")
	me.GoNote("if another program replaced it in between, Go removes that one (so says")
	me.GoNote("the comment in net/unixsock_posix.go). A private directory avoids it.")
}
