//go:build linux && (amd64 || arm64)

package main

// Step 8: SCM_RIGHTS. A process sends an open descriptor as ancillary
// data (sendmsg with a control message); the kernel installs a new
// descriptor in the receiver that refers to the same open file
// description: one file offset, shared. The receiver here connects by
// name and did not inherit the file: it was opened after the receiver
// started.

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func fdPass(me *say.Speaker, d *dir) {
	name := fmt.Sprintf("@10-socket-%d-fd", os.Getpid())
	ln, err := net.ListenUnix("unix", unixAddr(unix.SOCK_STREAM, name))
	if err != nil {
		me.Fatal(syserr.Wrap("listen("+name+")", err, nil))
	}
	defer ln.Close()
	rc := child.Command("receiver", name)
	start(me, rc)
	c, err := ln.AcceptUnix()
	if err != nil {
		me.Fatal(syserr.Wrap("accept", err, nil))
	}
	path := d.join("passed.txt")
	h := made(me, "file "+path, func() error {
		return os.WriteFile(path, []byte("a line passed by descriptor\n"), 0o600)
	}, func() error { return os.Remove(path) })
	f, err := os.Open(path)
	if err != nil {
		me.Fatal(syserr.Wrap("open", err, nil))
	}
	fd := connFD(f)
	me.Printf("opened %s now:", path)
	me.Printf("the receiver started before, so it cannot have inherited it")
	me.Kernel("fd %d -> %s, %s", fd, fileLink(os.Getpid(), fd), fdPos(os.Getpid(), fd))
	// sendmsg(cfd, {iov "f", cmsg SOL_SOCKET SCM_RIGHTS [fd]}, 0)
	// Said before the call: once it returns, the receiver may print
	// first, and the order of the lines would depend on the scheduler.
	rights := unix.UnixRights(fd)
	me.Printf("sendmsg(1 byte, SCM_RIGHTS [%d]): %d bytes of control data", fd, len(rights))
	if _, _, err := c.WriteMsgUnix([]byte("f"), rights, nil); err != nil {
		me.Fatal(syserr.Wrap("sendmsg(SCM_RIGHTS)", err, nil))
	}
	// The receiver reads from its copy and says where it is.
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		lost(me, rc, syserr.Wrap("read", err, nil))
	}
	rfd, _ := strconv.Atoi(strings.Fields(string(buf[:n]))[0])
	me.Kernel("fd %d -> %s, %s", fd, fileLink(os.Getpid(), fd), fdPos(os.Getpid(), fd))
	me.Printf("the receiver's read moved this process's offset")
	me.Kernel("/proc/%d/fd/%d -> %s, %s", rc.Process.Pid, rfd, fileLink(rc.Process.Pid, rfd), fdPos(rc.Process.Pid, rfd))
	me.Printf("two descriptors in two processes, one open file description (one offset)")
	c.Close()
	f.Close()
	reap(me, rc)
	_ = h.Release() // the directory goes at the end anyway
}

// receiver connects to args[0], receives a descriptor, reads 6 bytes
// from it, and tells the sender its number.
func receiver(args []string) {
	me := say.New("receiver")
	c, err := net.DialUnix("unix", nil, unixAddr(unix.SOCK_STREAM, args[0]))
	if err != nil {
		me.Fatal(syserr.Wrap("connect", err, nil))
	}
	child.Ready("")
	// recvmsg(fd, &msg, MSG_CMSG_CLOEXEC): net passes MSG_CMSG_CLOEXEC
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, flags, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		me.Fatal(syserr.Wrap("recvmsg", err, nil))
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		me.Fatal(fmt.Errorf("no control message (msg_flags %s): %v", msgFlags(flags), err))
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		me.Fatal(fmt.Errorf("no SCM_RIGHTS descriptor: %v", err))
	}
	fd := fds[0]
	me.Printf("recvmsg: SCM_RIGHTS: the kernel installed fd %d in this process", fd)
	me.GoNote("ReadMsgUnix passes MSG_CMSG_CLOEXEC")
	me.GoNote("(net/unixsock_readmsg_cmsg_cloexec.go):")
	me.GoNote("the new descriptor is close-on-exec; C gets that only by asking")
	b := make([]byte, 6)
	n, err := unix.Read(fd, b)
	if err != nil {
		me.Fatal(syserr.Wrap("read", err, nil))
	}
	me.Printf("read(%d, 6) = %d: %q", fd, n, b[:n])
	if _, err := c.Write([]byte(strconv.Itoa(fd) + "\n")); err != nil {
		me.Fatal(syserr.Wrap("write", err, nil))
	}
	// Stay until the sender has looked at our descriptor: its end of file.
	_, _ = c.Read(make([]byte, 1)) // end of file is the point
	unix.Close(fd)
}

// fileLink is /proc/PID/fd/FD's link.
func fileLink(pid, fd int) string {
	return peek.FDLinkOf(pid, fd)
}

// fdPos is the "pos" line of /proc/PID/fdinfo/FD: the file offset of the
// open file description behind the descriptor.
func fdPos(pid, fd int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return "fdinfo unreadable"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "pos:") {
			return "offset " + strings.TrimSpace(strings.TrimPrefix(l, "pos:"))
		}
	}
	return "no pos"
}
