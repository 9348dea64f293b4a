//go:build linux && (amd64 || arm64)

// pipe_rw.go is the Go port of c/pipe_rw.c: the parent writes "Hello" and
// " Pipe" into a pipe, its child reads them until end of file. Step 2 of
// 01-pipe with -ending eof (the default).
package main

import (
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// pipeRW is main() of pipe_rw.c: the parent's side.
func pipeRW(me *say.Speaker) {
	// memset(buf_r, 0, sizeof(buf_r));
	// Nothing to clear: the reader's buffer is make([]byte, 100), zeroed,
	// and it lives in the child (reader, below).

	// if (pipe(pipe_fd) < 0) { perror("pipe create error"); return 1; }
	// os.Pipe wraps the two ends in *os.File.
	r, w := child.Pipe(me, true)

	// pid = fork(); if (pid < 0) { perror("fork"); return 1; }
	// No fork: this program runs again as the reader, the read end as
	// its fd 3. The child says when it is ready; the article's child
	// slept two seconds instead, hoping the parent had written by then.
	c := child.Command("reader")
	c.ExtraFiles = []*os.File{r}
	c.StartOrFail(me)
	c.ReadyOrFail(me)
	me.GoNote("there is no fork: the child is this program run again, and of this pipe it\n" +
		"holds only what ExtraFiles handed it (the read end, as fd 3). A forked C\n" +
		"child inherits both ends and must close(pipe_fd[1]) itself, or it never\n" +
		"sees end of file.")

	// close(pipe_fd[0]);
	r.Close()
	me.Printf("closed my copy of the read end: I only write")

	// if (write(pipe_fd[1], "Hello", 5) != -1) printf("parent write1 success!\n"); else perror("write1");
	// if (write(pipe_fd[1], " Pipe", 5) != -1) printf("parent write2 success!\n"); else perror("write2");
	for i, s := range []string{"Hello", " Pipe"} {
		if _, err := w.WriteString(s); err != nil {
			// EPIPE: the reader is gone. If Ctrl-C or a closed terminal
			// killed it (they reach the whole group), that is the run's
			// ending, and this process follows it rather than report it.
			if errors.Is(err, syscall.EPIPE) && c.Wait() != nil && c.ProcessState != nil {
				cleanup.FollowChild(c.ProcessState.Sys().(syscall.WaitStatus))
			}
			me.Fatal(syserr.Wrap("write", err, nil))
		}
		me.Printf("parent write%d success! (%q)", i+1, s)
	}

	// fflush(stdout);
	// not ported: say writes each line at once, with one write(2); no
	// output waits in a buffer.
	// close(pipe_fd[1]); /* the child's read() returns 0 once the pipe is empty */
	// This, not a sleep, tells the child the data is complete.
	me.Printf("closing the write end: the child's read() will return 0, end of file")
	w.Close()

	// if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 1; }
	// if (WIFEXITED(status)) printf("waitpid: child exited with status %d\n", WEXITSTATUS(status));
	c.Reap(me)
}

// reader is the child's branch of pipe_rw.c, if (pid == 0) { ... }.
func reader(args []string) {
	cleanup.Catch("child")
	me := say.New("child")
	// close(pipe_fd[1]); /* or read() would never return 0 */
	// Nothing to close: this process never received the write end.
	pipe := child.File(0, "pipe read end")
	me.Kernel("fd 3 -> %s  (the same inode as the parent's pipe)", peek.FDLink(3))
	child.Ready("")

	// while ((r_num = read(pipe_fd[0], buf_r + total, sizeof(buf_r) - 1 - total)) > 0)
	//	total += r_num;
	buf := make([]byte, 100)
	var got []byte
	for {
		n, err := pipe.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		// if (r_num < 0) { perror("read"); exit(1); }
		if err != nil {
			me.Fatal(syserr.Wrap("read", err, nil))
		}
	}
	// printf("%d numbers read from the pipe is %s\n", total, buf_r);
	me.Printf("%d numbers read from the pipe is %q", len(got), got)
	me.Printf("then read() returned 0: end of file, no write end is open any more")
	me.Printf("a pipe is a byte stream: the two writes may come out of one read() or two;")
	me.Printf("only end of file says the data is complete")
	// close(pipe_fd[0]); exit(0);
	pipe.Close()
	cleanup.Exit(0)
}
