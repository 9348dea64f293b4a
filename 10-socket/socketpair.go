//go:build linux && (amd64 || arm64)

package main

// This file is c/socketpair.c: a parent and its child talk both ways over
// one socketpair. Where C forks, Go starts this program again in the role
// "pair" and hands it sv[1] as fd 3.

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func socketPair(me *say.Speaker) {
	// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)
	ty := unix.SOCK_STREAM | unix.SOCK_CLOEXEC
	sv, err := unix.Socketpair(unix.AF_UNIX, ty, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("socketpair", err, nil))
	}
	me.Printf("socketpair(AF_UNIX, %s) = [%d, %d]", sockType(ty), sv[0], sv[1])
	me.Kernel("%s\n%s", row(sv[0]), row(sv[1]))
	me.Printf("two sockets, connected to each other, with no name: a pipe that goes both ways")
	// pid = fork(); the child keeps sv[1] (as its fd 3), the parent sv[0]
	c := child.Command("pair")
	c.ExtraFiles = []*os.File{os.NewFile(uintptr(sv[1]), "sv[1]")}
	start(me, c)
	// close(sv[1]);
	c.ExtraFiles[0].Close()
	// write(sv[0], "ping", 4): said first, so the child's lines come after
	me.Printf(`writing "ping"`)
	if _, err := unix.Write(sv[0], []byte("ping")); err != nil {
		me.Fatal(syserr.Wrap("write", err, nil))
	}
	// n = read(sv[0], buf, sizeof buf - 1);
	buf := make([]byte, 64)
	n, err := unix.Read(sv[0], buf)
	if err != nil || n == 0 {
		lost(me, c, syserr.Wrap("read", err, nil))
	}
	me.Printf("read %d bytes: %q", n, buf[:n])
	// read again: the child closed its end
	n, err = unix.Read(sv[0], buf)
	if err != nil {
		me.Fatal(syserr.Wrap("read", err, nil))
	}
	me.Printf("read = %d: end of file, the child closed its end", n)
	unix.Close(sv[0])
	// waitpid(pid, &status, 0)
	reap(me, c)
}

// pairChild is the child's branch of socketpair.c (pid == 0).
func pairChild([]string) {
	me := say.New("child")
	me.Kernel("inherited %s", row(3))
	child.Ready("")
	// n = read(sv[1], buf, sizeof buf - 1);
	buf := make([]byte, 64)
	n, err := unix.Read(3, buf)
	if err != nil {
		me.Fatal(syserr.Wrap("read", err, nil))
	}
	me.Printf("read %d bytes: %q", n, buf[:n])
	// write(sv[1], "pong", 4)
	me.Printf(`writing "pong" on the same socket`)
	if _, err := unix.Write(3, []byte("pong")); err != nil {
		me.Fatal(syserr.Wrap("write", err, nil))
	}
	// close(sv[1]); _exit(0);
	unix.Close(3)
}
