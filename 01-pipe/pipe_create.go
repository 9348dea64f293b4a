//go:build linux && (amd64 || arm64)

// pipe_create.go is the Go port of c/pipe_create.c: make a pipe, show both
// ends, close them. Step 1 of 01-pipe.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// show is show() of pipe_create.c: what /proc/self/fd/N points at.
func show(me *say.Speaker, fd int) {
	// snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	// n = readlink(path, link, sizeof link - 1);
	link, err := os.Readlink(path)
	if err != nil {
		// printf("%s -> (not open)\n", path);
		me.Kernel("%s -> (not open)", path)
		return
	}
	// printf("%s -> %s\n", path, link);
	me.Kernel("%s -> %s", path, link)
}

// pipeCreate is main() of pipe_create.c.
func pipeCreate(me *say.Speaker) {
	// int pipe_fd[2];
	var fd [2]int

	// if (pipe(pipe_fd) < 0) { perror("pipe create error"); return 1; }
	// Go's own calls open every descriptor close-on-exec, so that a child
	// started later receives only what it is handed; pipe2(O_CLOEXEC)
	// does the same here.
	if err := unix.Pipe2(fd[:], unix.O_CLOEXEC); err != nil {
		me.Fatal(syserr.Wrap("pipe", err, syserr.Meanings{
			unix.EMFILE: "this process has no free descriptor left",
			unix.ENFILE: "the system-wide file table is full",
		}))
	}
	// printf("pipe create success: fd[0]=%d is the read end, fd[1]=%d the write end\n", pipe_fd[0], pipe_fd[1]);
	me.Printf("pipe create success: fd[0]=%d is the read end, fd[1]=%d the write end", fd[0], fd[1])

	// show(pipe_fd[0]); show(pipe_fd[1]);
	show(me, fd[0])
	show(me, fd[1])
	me.Printf("one pipe, two ends, one inode")

	// Not in the C: how much the pipe holds before a writer blocks. The
	// default is 16 pages, so it depends on the page size (4 KiB on
	// amd64; 64 KiB on some arm64 kernels).
	size, err := unix.FcntlInt(uintptr(fd[0]), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("fcntl(F_GETPIPE_SZ)", err, nil))
	}
	page := os.Getpagesize()
	me.Kernel("capacity (fcntl F_GETPIPE_SZ): %d bytes = %d pages of %d bytes", size, size/page, page)

	// close(pipe_fd[0]); /* the read end */
	if err := unix.Close(fd[0]); err != nil {
		me.Fatal(syserr.Wrap("close", err, nil))
	}
	// close(pipe_fd[1]); /* the write end: with no descriptor left, the pipe is freed */
	if err := unix.Close(fd[1]); err != nil {
		me.Fatal(syserr.Wrap("close", err, nil))
	}
	// printf("closed both ends\n"); show(pipe_fd[0]); show(pipe_fd[1]);
	me.Printf("closed both ends")
	show(me, fd[0])
	show(me, fd[1])
	me.Printf("the pipe lived only in the kernel: with no descriptor left, it is gone")
	// return 0;
}
