// 01-pipe ports the pipe programs of the article "进程间IPC机制"
// (Linux inter-process communication): pipe_create, which makes a pipe and
// closes it, and pipe_rw.c, where a parent writes "Hello" and " Pipe" into
// a pipe and its child reads them.
//
// Usage:
//
//	go run ./01-pipe [-ending eof|epipe|sigpipe]
//
// The -ending flag picks how the conversation ends:
//
//	eof      the writer closes its end; the reader's read() returns 0 (default)
//	epipe    the reader leaves first; the writer's write() fails with EPIPE
//	sigpipe  the same on standard output, where the writer is killed by SIGPIPE
//
// The C originals, corrected, are in c/.
package main

import (
	"flag"
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 01-pipe [-ending eof|epipe|sigpipe]

  -ending eof      the writer closes its end, the reader sees end of file (default)
  -ending epipe    the reader leaves first, the writer's write() fails with EPIPE
  -ending sigpipe  the same on standard output: the writer is killed by SIGPIPE
`

func main() {
	// Go cannot fork, so the child's part is this same program started
	// again in a named role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"reader":        reader,
		"quitter":       quitter,
		"stdout-writer": stdoutWriter,
	})

	// Ctrl-C, SIGTERM, SIGHUP and a closed standard output end this
	// program as the signal would, after ending its children.
	cleanup.Catch("parent")

	fs := flag.NewFlagSet("01-pipe", flag.ContinueOnError)
	ending := fs.String("ending", "eof", "eof, epipe or sigpipe")
	say.Parse(fs, os.Args[1:], usage, 0, 0)
	if *ending != "eof" && *ending != "epipe" && *ending != "sigpipe" {
		say.Usage(usage, "-ending must be eof, epipe or sigpipe, not %q", *ending)
	}

	p := say.New("parent")

	say.Step(1, "pipe() makes a pipe, close() destroys it (pipe_create)")
	createAndClose(p)

	switch *ending {
	case "eof":
		say.Step(2, `parent writes "Hello" and " Pipe", child reads until end of file (pipe_rw.c)`)
		writeThenClose(p)
	case "epipe":
		say.Step(2, "the reader leaves first: write() fails with EPIPE")
		readerLeaves(p)
	case "sigpipe":
		say.Step(2, "the reader leaves first, and the writer writes to standard output: SIGPIPE")
		readerLeavesStdout(p)
	}

	say.Step(3, "what this process still holds")
	p.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}

// createAndClose is pipe_create: pipe(), show both ends, close() both.
func createAndClose(p *say.Speaker) {
	// int pipe_fd[2]; pipe(pipe_fd);
	// Go's own calls open every descriptor close-on-exec, so that a child
	// started later receives only what it is handed; pipe2(O_CLOEXEC) does
	// the same here.
	var fd [2]int
	if err := unix.Pipe2(fd[:], unix.O_CLOEXEC); err != nil {
		p.Fatal(syserr.Wrap("pipe", err, syserr.Meanings{
			unix.EMFILE: "this process has no free descriptor left",
			unix.ENFILE: "the system-wide file table is full",
		}))
	}
	p.Printf("pipe create success: fd[0]=%d is the read end, fd[1]=%d the write end", fd[0], fd[1])
	p.Kernel("/proc/self/fd/%d -> %s", fd[0], peek.FDLink(fd[0]))
	p.Kernel("/proc/self/fd/%d -> %s  (one pipe, two ends, one inode)", fd[1], peek.FDLink(fd[1]))

	// close(pipe_fd[0]); close(pipe_fd[1]);
	for _, n := range fd {
		if err := unix.Close(n); err != nil {
			p.Fatal(syserr.Wrap("close", err, nil))
		}
	}
	p.Printf("closed both ends")
	p.Kernel("/proc/self/fd/%d -> %s, /proc/self/fd/%d -> %s", fd[0], peek.FDLink(fd[0]), fd[1], peek.FDLink(fd[1]))
	p.Printf("the pipe lived only in the kernel: with no descriptor left, it is gone")
}

// writeThenClose is pipe_rw.c: the parent writes, the child reads.
func writeThenClose(p *say.Speaker) {
	// pipe(pipe_fd): os.Pipe wraps the two ends in *os.File.
	r, w := child.Pipe(p, true)

	// fork(): start this program again as the reader, with the read end
	// as its descriptor 3.
	c := child.Command("reader")
	c.ExtraFiles = []*os.File{r}
	c.StartOrFail(p)

	// The C child sleeps two seconds to let the parent write first. Here
	// the child shows its end of the pipe and says it is ready; it will
	// then read until end of file, which no timing can break.
	readyOrEnd(p, c)
	p.GoNote("there is no fork: the child is this program run again, and it holds only\n" +
		"what ExtraFiles handed it (the read end, as fd 3). A forked C child inherits\n" +
		"both ends and must close(pipe_fd[1]) itself, or it never sees end of file.")

	// close(pipe_fd[0]): the parent only writes.
	r.Close()
	p.Printf("closed my copy of the read end: I only write")

	// write(pipe_fd[1], "Hello", 5); write(pipe_fd[1], " Pipe", 5);
	for i, s := range []string{"Hello", " Pipe"} {
		if _, err := w.WriteString(s); err != nil {
			p.Fatal(syserr.Wrap("write", err, nil))
		}
		p.Printf("parent write%d success! (%q)", i+1, s)
	}

	// close(pipe_fd[1]): once the pipe is empty, the reader's read()
	// returns 0. This, not a sleep, tells the child the data is complete.
	p.Printf("closing the write end: the child's read() will return 0, end of file")
	w.Close()

	// waitpid(pid, NULL, 0). The C parent first sleeps three seconds, for
	// nothing: waitpid already blocks until the child has ended.
	c.Reap(p)
}

// reader is the child of pipe_rw.c. It holds the read end as fd 3.
func reader(args []string) {
	cleanup.Catch("child")
	me := say.New("child")
	pipe := child.File(0, "pipe read end")
	me.Kernel("fd 3 -> %s  (the same inode as the parent's pipe)", peek.FDLink(3))
	child.Ready("")

	// read(pipe_fd[0], buf_r, 100), until it returns 0.
	buf := make([]byte, 100)
	var got []byte
	for {
		n, err := pipe.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			me.Fatal(syserr.Wrap("read", err, nil))
		}
	}
	me.Printf("%d numbers read from the pipe is %q", len(got), got)
	me.Printf("then read() returned 0: end of file, no write end is open any more")
	me.Printf("a pipe is a byte stream: the two writes may come out of one read() or two;\n" +
		"only end of file says the data is complete")
	// close(pipe_fd[0]); exit(0);
	pipe.Close()
	cleanup.Exit(0)
}

// readerLeaves shows EPIPE: a write to a pipe nobody can read any more.
func readerLeaves(p *say.Speaker) {
	r, w := child.Pipe(p, true)
	c := child.Command("quitter")
	c.ExtraFiles = []*os.File{r}
	c.StartOrFail(p)
	readyOrEnd(p, c)
	r.Close()
	p.Printf("closed my copy of the read end")
	// wait() makes sure the last read end is gone before we write.
	c.Reap(p)

	// With SIGPIPE caught (cleanup.Catch), the kernel's SIGPIPE for this
	// write would end the program: it is the lesson, so it is let through
	// to the runtime's own handling for this one write.
	cleanup.Uncatch(unix.SIGPIPE)
	_, err := w.WriteString("Hello")
	cleanup.Catch("parent")
	p.Warnf("%v", syserr.Wrap("write", err, syserr.Meanings{
		unix.EPIPE: "no process has the pipe open for reading any more",
	}))
	if syserr.Errno(err) != unix.EPIPE {
		p.Fatal(syserr.Wrap("write (expected EPIPE)", err, nil))
	}
	p.GoNote("in C the kernel also sends SIGPIPE, whose default action kills the writer\n" +
		"before write() can return. The Go runtime ignores SIGPIPE for descriptors other\n" +
		"than 1 and 2, so the write just fails. Try -ending sigpipe for standard output.")
	w.Close()
}

// quitter is a reader that leaves without reading.
func quitter(args []string) {
	cleanup.Catch("child")
	me := say.New("child")
	me.Printf("closing fd 3, the read end, without reading, and exiting")
	child.Ready("")
	child.File(0, "pipe read end").Close()
	cleanup.Exit(0)
}

// readerLeavesStdout shows SIGPIPE: the same broken pipe, on fd 1.
func readerLeavesStdout(p *say.Speaker) {
	r, w := child.Pipe(p, true)
	// The reader is gone before the writer even starts.
	r.Close()
	p.Printf("closed the read end: this pipe has no reader")

	c := child.Command("stdout-writer")
	c.Stdout = w // the child's standard output is the pipe
	// It tells its story on its standard error, which is our standard
	// output, so the story stays one stream, in order, wherever it goes.
	c.Stderr = os.Stdout
	c.StartOrFail(p)
	w.Close()
	c.Reap(p)
	p.Printf("a write to a broken pipe raises SIGPIPE; its default action ends the process")
	p.GoNote("Go lets SIGPIPE kill the process only for writes to fd 1 and 2, so that\n" +
		"\"prog | head\" behaves as in C; on any other descriptor write() returns EPIPE.")
}

// stdoutWriter writes to its standard output, which is a pipe nobody reads.
func stdoutWriter(args []string) {
	// SIGPIPE is left to the Go runtime: how it ends this process is the
	// lesson. The other signals end it as everywhere else.
	cleanup.Catch("child")
	cleanup.Uncatch(unix.SIGPIPE)
	me := say.New("child").To(os.Stderr) // stdout is the pipe under study
	me.Printf("my fd 1 -> %s; writing \"Hello\" to it", peek.FDLink(1))
	_, err := os.Stdout.WriteString("Hello")
	// Not reached when SIGPIPE kills us, as it should.
	me.Printf("still alive after write: %v", err)
}

// readyOrEnd is c.ReadyOrFail(p), except for a child that a signal of
// cleanup.Signals killed before it was ready: that is the user ending the
// run (Ctrl-C to the group, a closed standard output that the child wrote
// to first), not a failure, so this program ends the same way.
// TODO(common/child): ReadyOrFail could do this itself.
func readyOrEnd(p *say.Speaker, c *child.Cmd) {
	if _, err := c.WaitReady(); err != nil {
		if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			for _, sig := range cleanup.Signals {
				if ws.Signal() == sig {
					cleanup.Die(sig)
				}
			}
		}
		p.Fatal(err)
	}
}
