//go:build linux && (amd64 || arm64)

// endings.go shows the two endings the article does not: the reader
// leaves first, and the writer's write() fails with EPIPE (-ending epipe)
// or, on standard output, the writer is killed by SIGPIPE (-ending sigpipe).
//
// The kernel sends SIGPIPE on every write to a pipe with no reader,
// whatever the descriptor, and its default action ends the process before
// write() returns: that is what a C writer sees. The Go runtime catches
// SIGPIPE (it is in SigCgt, not in SigIgn), and its handler drops it
// (runtime/signal_unix.go, sighandler), so write() returns EPIPE. Only
// package os, after EPIPE on fd 1 or 2, puts back the default action and
// raises SIGPIPE again (os/file_unix.go, epipecheck; runtime/signal_unix.go,
// sigpipe and dieFromSignal), so that "prog | head" ends as in C. A raw
// unix.Write to fd 1 returns EPIPE and the process lives on.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

var epipe = syserr.Meanings{unix.EPIPE: "no process has the pipe open for reading any more"}

// readerLeaves shows EPIPE: a write to a pipe nobody can read any more.
func readerLeaves(me *say.Speaker) {
	r, w := child.Pipe(me, true)
	c := child.Command("quitter")
	c.ExtraFiles = []*os.File{r}
	c.StartOrFail(me)
	c.ReadyOrFail(me)
	r.Close()
	me.Printf("closed my copy of the read end")
	// wait() makes sure the last read end is gone before we write.
	c.Reap(me)

	me.Kernel("%s", sigpipeDisposition())
	// The kernel's SIGPIPE for this write is the lesson: for this one
	// write it is left to the Go runtime, which drops it. Caught by
	// cleanup.Catch, it would end the program as a "| head" does.
	cleanup.Uncatch(unix.SIGPIPE)
	_, err := w.WriteString("Hello")
	cleanup.Catch("parent")
	me.Warnf("%v", syserr.Wrap("write", err, epipe))
	if syserr.Errno(err) != unix.EPIPE {
		me.Fatal(syserr.Wrap("write (expected EPIPE)", err, nil))
	}
	me.GoNote("in C the kernel's SIGPIPE, whose default action ends the process, kills\n" +
		"the writer before write() returns. The kernel sent it here too, but the Go\n" +
		"runtime catches SIGPIPE and drops it, so write() returns EPIPE. Only\n" +
		"package os raises it again, and only for fd 1 and 2: try -ending sigpipe.")
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
func readerLeavesStdout(me *say.Speaker) {
	r, w := child.Pipe(me, true)
	// The reader is gone before the writer even starts.
	r.Close()
	me.Printf("closed the read end: this pipe has no reader")

	c := child.Command("stdout-writer")
	c.Stdout = w // the child's standard output is the pipe
	// It tells its story on its standard error, which is our standard
	// output, so the story stays one stream, in order, wherever it goes.
	c.Stderr = os.Stdout
	c.StartOrFail(me)
	w.Close()
	c.Reap(me)
	me.GoNote("in C the kernel's SIGPIPE kills the writer at its first write, whatever\n" +
		"the descriptor. In Go it is package os that ends the writer, after EPIPE\n" +
		"on fd 1 or 2, so that \"prog | head\" ends as in C; a raw write, or\n" +
		"another descriptor, gets EPIPE.")
}

// stdoutWriter writes to its standard output, a pipe nobody reads: first
// raw, then through package os.
func stdoutWriter(args []string) {
	// SIGPIPE is left to the Go runtime: how it ends this process is the
	// lesson. The other signals end it as everywhere else.
	cleanup.Catch("child")
	cleanup.Uncatch(unix.SIGPIPE)
	me := say.New("child").To(os.Stderr) // fd 1 is the pipe under study
	me.Printf("my fd 1 -> %s, a pipe with no reader", peek.FDLink(1))
	me.Kernel("%s", sigpipeDisposition())

	fd, msg := 1, []byte("Hello")
	n, err := unix.Write(fd, msg)
	ret := fmt.Sprint(n)
	if e := syserr.Errno(err); e != 0 {
		ret = fmt.Sprintf("-1 %s (%v)", syserr.Name(e), e)
	}
	me.Printf("write(%d, %q, %d) = %s: a raw unix.Write", fd, msg, len(msg), ret)
	me.Printf("I am still alive: the kernel sent SIGPIPE, the Go runtime caught it and dropped it")
	me.Printf("now os.Stdout.Write(%q): package os sees EPIPE on fd 1, puts back SIGPIPE's", msg)
	me.Printf("default action and raises it")
	_, err = os.Stdout.Write(msg)
	// Not reached when SIGPIPE kills us, as it should.
	me.Printf("still alive after os.Stdout.Write: %v", err)
}

// sigpipeDisposition says what /proc/self/status shows for SIGPIPE.
func sigpipeDisposition() string {
	st, err := sigset.Self()
	if err != nil {
		return fmt.Sprintf("/proc/self/status: %v", err)
	}
	return fmt.Sprintf("SIGPIPE in /proc/self/status: caught (SigCgt) %s, ignored (SigIgn) %s",
		yesNo(st.SigCgt.IsMember(unix.SIGPIPE)), yesNo(st.SigIgn.IsMember(unix.SIGPIPE)))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
