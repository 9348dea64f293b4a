//go:build linux && (amd64 || arm64)

package main

// connect()'s errors, and the stale socket file a killed server leaves:
// bind() then fails with EADDRINUSE, and the only safe test of "is it
// stale?" is to connect to it. ECONNREFUSED: nobody listens, the file can
// go. A connection: another server lives there, and deleting its file
// would cut it off from every new client while it still runs.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// staleOrLive is the server's answer to EADDRINUSE on a path.
func (s *chatServer) staleOrLive(name string) (endpoint, error) {
	fi, err := os.Lstat(name)
	if err != nil {
		return nil, syserr.Wrap("lstat "+name, err, nil)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return nil, errors.New(name + " exists and is not a socket (" + fi.Mode().String() + "): not removing it; choose another -path")
	}
	// Only this user's socket file may go: in a shared directory (/tmp,
	// mode 1777) the file of another user's server, stale or not, is theirs.
	if uid := fi.Sys().(*syscall.Stat_t).Uid; int(uid) != os.Geteuid() {
		return nil, fmt.Errorf("%s is a socket file of uid %d (%s), not this user's (uid %d): not removing it; choose another -path", name, uid, userName(uid), os.Geteuid())
	}
	err = probe(s.ty, name)
	switch {
	case err == nil:
		return nil, errors.New("bind(" + name + "): EADDRINUSE: a server is listening there (connect succeeded); not removing its socket file")
	case !errors.Is(err, unix.ECONNREFUSED):
		return nil, err
	}
	// A second server starting at this very moment could pass the same
	// test; one that binds between our connect and our unlink would lose
	// its file. A lock file (flock) beside the socket closes that window.
	s.me.Warnf("bind(%s): EADDRINUSE", name)
	s.me.Warnf("connect: ECONNREFUSED: a stale socket file: nobody listens; removing it")
	if err := os.Remove(name); err != nil {
		return nil, syserr.Wrap("unlink", err, nil)
	}
	return s.listen(name)
}

// userName is the login name of uid, as ls -l shows it.
func userName(uid uint32) string {
	u, err := user.LookupId(strconv.Itoa(int(uid)))
	if err != nil {
		return "no name in the user database"
	}
	return u.Username
}

// failed prints a failed call on two lines: the call, then its errno and
// what it means here.
func failed(me *say.Speaker, err error) {
	var e *syserr.Error
	if !errors.As(err, &e) || e.Errno == 0 {
		me.Warnf("%v", err)
		return
	}
	me.Warnf("%s = -1", e.Call)
	me.Warnf("  %s (%s): %s", syserr.Name(e.Errno), e.Errno.Error(), e.Meaning)
}

// probe connects to name and hangs up: nil if something accepts there.
func probe(ty int, name string) error {
	c, err := net.DialUnix(network(ty), nil, unixAddr(ty, name))
	if err != nil {
		m := syserr.Meanings{
			unix.ENOENT:       "no server made it",
			unix.ECONNREFUSED: "a socket file, but nobody listens on it",
			unix.EPROTOTYPE:   "a socket of another type listens there",
		}
		if name[0] == '@' {
			m[unix.ECONNREFUSED] = "no socket has this abstract name"
		}
		return syserr.Wrap("connect("+addrName(name)+")", err, m)
	}
	c.Close()
	return nil
}

// stale is the demo's step 3: connect's two errors, then a server killed
// with kill -9, the file it leaves, and how the next server tells a stale
// file from a live one.
func stale(me *say.Speaker, d *dir) {
	missing := d.join("none.sock")
	failed(me, probe(unix.SOCK_STREAM, missing))

	// A socket file with no listener: bind() without listen(), then close().
	bound := d.join("bound.sock")
	var fd int
	h := made(me, "socket file "+bound, func() error {
		var err error
		if fd, err = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err == nil {
			err = unix.Bind(fd, &unix.SockaddrUnix{Name: bound})
		}
		return syserr.Wrap("socket+bind", err, nil)
	}, func() error { return os.Remove(bound) })
	me.Printf("socket(), bind(%s), no listen()", bound)
	failed(me, probe(unix.SOCK_STREAM, bound))
	unix.Close(fd)
	me.Printf("close(fd): the file outlives the socket")
	me.Kernel("%s", fileMode(bound))
	_ = h.Release() // the directory goes at the end anyway

	// kill -9 of a server: nothing runs, nothing unlinks.
	path := d.join("chat.sock")
	srv := child.Command("server", "-path", path)
	srv.Cleans = true
	srv.Stderr = os.Stdout // its cleanup report, in order with the rest
	in, done := quietInput(me)
	defer done()
	srv.Stdin = in
	start(me, srv)
	signal(me, srv, syscall.SIGKILL, " (kill -9): no handler runs")
	reap(me, srv, syscall.SIGKILL)
	me.Kernel("%s", fileMode(path))
	me.Kernel("/proc/net/unix rows with that path: %d: a stale file", len(rowsWithPath(path)))
	_, err := net.ListenUnix("unix", unixAddr(unix.SOCK_STREAM, path))
	me.Warnf("net.ListenUnix(%s): %s", path, syserr.Name(syserr.Errno(err)))
	me.Printf("bind() fails on any existing file")
	me.Printf("a new server on the same path connects first: is the file live?")
	srv = child.Command("server", "-path", path)
	srv.Cleans = true
	srv.Stderr = os.Stdout // its cleanup report, in order with the rest
	srv.Stdin = in
	start(me, srv)
	if err := probe(unix.SOCK_STREAM, path); err != nil {
		me.Fatal(err)
	}
	me.Printf("connect(%s) succeeds now: a live server.", path)
	me.Printf("The tutorials' unlink() before bind() would delete its file,")
	me.Printf("and no new client could reach it while it runs")
	signal(me, srv, syscall.SIGTERM, " (kill): its handler unlinks the file")
	reap(me, srv, syscall.SIGTERM)
	me.Kernel("%s", fileMode(path))
}
