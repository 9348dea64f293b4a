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

// socketPair is the parent's part of socketpair.c's main.
func socketPair(me *say.Speaker) {
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: common/say writes each line with one write(2).

	// if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
	//	perror("socketpair");
	ty := unix.SOCK_STREAM | unix.SOCK_CLOEXEC
	sv, err := unix.Socketpair(unix.AF_UNIX, ty, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("socketpair", err, nil))
	}
	// printf("parent %d: socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC) = [%d, %d]\n", (int)getpid(), sv[0], sv[1]);
	me.Printf("socketpair(AF_UNIX, %s) = [%d, %d]", sockType(ty), sv[0], sv[1])
	me.Kernel("%s", row(sv[0]))
	me.Kernel("%s", row(sv[1]))
	me.Printf("two sockets, connected to each other, with no name: a pipe that goes both ways")

	// pid = fork(); if (pid < 0) { perror("fork"); return 1; }
	// Go cannot fork: this program runs again in the role "pair" and gets
	// sv[1] as its fd 3 (the child's branch is pairChild, below).
	c := child.Command("pair")
	c.ExtraFiles = []*os.File{os.NewFile(uintptr(sv[1]), "sv[1]")}
	start(me, c)

	// close(sv[1]); /* the parent keeps sv[0] */
	c.ExtraFiles[0].Close()

	// printf("parent %d: writing \"ping\"\n", (int)getpid());
	me.Printf(`writing "ping"`)
	// if (write(sv[0], "ping", 4) != 4) { perror("write"); return 1; }
	if n, err := unix.Write(sv[0], []byte("ping")); err != nil || n != 4 {
		me.Fatal(syserr.Wrap("write", err, nil))
	}

	// n = read(sv[0], buf, sizeof buf - 1); if (n < 0) { perror("read"); return 1; }
	buf := make([]byte, 64)
	n, err := unix.Read(sv[0], buf[:len(buf)-1])
	if err != nil || n == 0 {
		lost(me, c, syserr.Wrap("read", err, nil))
	}
	// printf("parent %d: read %zd bytes: \"%s\"\n", (int)getpid(), n, buf);
	me.Printf("read %d bytes: %q", n, buf[:n])

	// n = read(sv[0], buf, sizeof buf); /* the child closed its end */
	n, err = unix.Read(sv[0], buf)
	if err != nil {
		me.Fatal(syserr.Wrap("read", err, nil))
	}
	// printf("parent %d: read = %zd: end of file, the child closed its end\n", (int)getpid(), n);
	me.Printf("read = %d: end of file, the child closed its end", n)

	// close(sv[0]); /* the parent is done with its end */
	unix.Close(sv[0])

	// if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 1; }
	// printf("parent %d: waitpid: child %d exited with status %d\n", (int)getpid(), (int)pid, WEXITSTATUS(status));
	reap(me, c)
}

// pairChild is the child's branch of socketpair.c (pid == 0).
func pairChild([]string) {
	me := say.New("child")
	// close(sv[0]); /* the child keeps sv[1] */
	// Nothing to close: this process was given sv[1] only, as fd 3.
	me.Kernel("inherited %s", row(3))
	child.Ready("")

	// n = read(sv[1], buf, sizeof buf - 1); if (n < 0) { perror("read"); _exit(1); }
	buf := make([]byte, 64)
	n, err := unix.Read(3, buf[:len(buf)-1])
	if err != nil {
		me.Fatal(syserr.Wrap("read", err, nil))
	}
	// printf("child %d: read %zd bytes: \"%s\"\n", (int)getpid(), n, buf);
	me.Printf("read %d bytes: %q", n, buf[:n])

	// printf("child %d: writing \"pong\" on the same socket\n", (int)getpid());
	me.Printf(`writing "pong" on the same socket`)
	// if (write(sv[1], "pong", 4) != 4) { perror("write"); _exit(1); }
	if n, err := unix.Write(3, []byte("pong")); err != nil || n != 4 {
		me.Fatal(syserr.Wrap("write", err, nil))
	}

	// close(sv[1]);
	unix.Close(3)
	// _exit(0);
	// Returning ends the role: child.Dispatch exits with status 0.
}
