//go:build linux && (amd64 || arm64)

package main

// Step 5: Linux's abstract namespace. A sun_path that starts with a NUL
// byte names no file: the name lives in the kernel, in this network
// namespace, exactly as long as the socket does. Nothing to unlink, no
// stale file after kill -9, and no file permissions either: whoever shares
// the network namespace can connect, so the server must check SO_PEERCRED
// (step 7).

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func abstract(me *say.Speaker) {
	name := fmt.Sprintf("@10-socket-%d", os.Getpid())
	ln, err := net.ListenUnix("unix", unixAddr(unix.SOCK_STREAM, name))
	if err != nil {
		me.Fatal(syserr.Wrap("listen("+name+")", err, nil))
	}
	me.Printf(`net.ListenUnix("unix", %q):`, name)
	me.Printf(`sun_path[0] = '\0', then %q; addrlen %d, no NUL at the end`, name[1:], 2+len(name))
	me.Kernel("%s", connRow(ln))
	// Without the leading NUL, bind() would make a file of that name in
	// the current directory (a relative sun_path is taken from there).
	cwd, err := os.Getwd()
	if err != nil {
		me.Fatal(syserr.Wrap("getcwd", err, nil))
	}
	me.Kernel("%s", fileMode(filepath.Join(cwd, name[1:])))
	me.Printf("where bind() would have put a path of that name: no file there")

	c := child.Command("dial", name)
	start(me, c)
	reap(me, c)
	c = child.Command("dial", name)
	c.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET // a network namespace of its own
	if err := c.Start(); err != nil {
		me.Warnf("a child in a new network namespace: %s (it needs CAP_SYS_ADMIN): not shown", syserr.Name(syserr.Errno(err)))
	} else {
		if _, err := c.WaitReady(); err != nil {
			lost(me, c, err)
		}
		reap(me, c)
	}
	me.Printf("the name is found by network namespace, not by file permissions:")
	me.Printf("any process in this one can connect, whoever it runs as;")
	me.Printf("the server must ask SO_PEERCRED (step 7)")
	ino := inodeOf(connFD(ln))
	ln.Close()
	me.Printf("close(): the last descriptor of the listening socket")
	me.Kernel("socket:[%s] %s", ino, rowOf(ino))
	failed(me, probe(unix.SOCK_STREAM, name))
}

// dial connects to the abstract name in args[0] and says what happened.
func dial(args []string) {
	me := say.New("dial")
	netns, _ := os.Readlink("/proc/self/ns/net")
	c, err := net.DialUnix("unix", nil, unixAddr(unix.SOCK_STREAM, args[0]))
	if err != nil {
		me.Printf("in network namespace %s:", netns)
		failed(me, syserr.Wrap("connect("+args[0]+")", err,
			syserr.Meanings{unix.ECONNREFUSED: "no such name in this network namespace"}))
	} else {
		me.Printf("in network namespace %s: connect(%s) = 0: connected", netns, args[0])
		c.Close()
	}
	child.Ready("")
}
