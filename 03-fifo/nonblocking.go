//go:build linux && (amd64 || arm64)

// nonblocking.go is the demo, beyond the article: one reader and three
// writers show, in an order set by readiness messages and wait() (never
// sleep()), every case of O_NONBLOCK on a FIFO: a writer with no reader
// (ENXIO), a reader with no writer (read returns 0), a writer that has not
// written yet (EAGAIN), a message, and a writer that fills the FIFO until
// write() fails with EAGAIN. The reader's calls are those of fifo_read.go,
// the writers' those of fifo_write.go.

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// demo plays the reader, and starts the writers as children: one
// function per step, in order.
func demo() {
	cleanup.Catch("reader")
	me := say.New("reader")
	f := &fifo{}

	say.Step(1, "mkfifo() gives a pipe a name in the file system (fifo_read.c)")
	makeFIFO(me, f)

	say.Step(2, "a writer with no reader: "+openCall(writeFlags)+" fails with ENXIO (fifo_write.c)")
	writerWithoutReader(me, f)

	say.Step(3, "a reader with no writer: "+openCall(readFlags)+" returns at once, read() returns 0")
	fd := readerWithoutWriter(me, f)

	say.Step(4, `a writer arrives: read() fails with EAGAIN until it writes "hello" (fifo_write.c)`)
	writerArrives(me, f, fd)

	say.Step(5, "a writer that does not wait for the reader: the FIFO fills up, write() fails with EAGAIN")
	fillAndDrain(me, f, fd)

	say.Step(6, "close(), unlink(), rmdir(): the name goes, and with the last descriptor the pipe")
	// close(fd); unlink(FIFO); (the article never reached its unlink)
	if err := unix.Close(fd); err != nil {
		me.Fatal(syserr.Wrap("close", err, nil))
	}
	me.Printf("closed fd %d", fd)
	f.remove(me)

	say.Step(7, "what this process still holds")
	me.Kernel("open descriptors: %s", peek.FDSummary())
	me.Printf("now in two terminals: go run ./03-fifo read, then the write command it prints")
}

// makeFIFO is step 1: the private directory and the FIFO in it, and how
// a signal removes them.
func makeFIFO(me *say.Speaker, f *fifo) {
	f.create(me, "")
	me.GoNote("Go delivers signals on a channel:\n"+
		"signal.Notify(%s) hands them to a goroutine\n"+
		"(common/cleanup), which removes the FIFO and its directory, then ends\n"+
		"the program as the signal would have. Press Ctrl-C at any step: nothing\n"+
		"is left behind (kill -9, which no program can catch, leaves both).", signalNames(cleanup.Signals))
}

// writerWithoutReader is step 2: the writer is started before anyone has
// the FIFO open for reading:
// fd=open(FIFO_SERVER,O_WRONLY|O_NONBLOCK,0) fails, and
// if(errno==ENXIO) printf("open error; no reading process\n");
func writerWithoutReader(me *say.Speaker, f *fifo) {
	w := writer("write", "-path", f.Path, "hello")
	w.StartOrFail(me)
	reap(me, w)
	me.GoNote("there is no fork: the writer is this program run again as\n" +
		"\"03-fifo write -path ... hello\", the very command of a second terminal.\n" +
		"os.Open sets O_CLOEXEC on every descriptor, and this port passes it to\n" +
		"unix.Open: a child gets only what it is handed, where C's fork() copies\n" +
		"all.")
}

// readerWithoutWriter is step 3: the reader opens the FIFO, which nobody
// writes, and read() returns 0. It returns the reader's descriptor.
func readerWithoutWriter(me *say.Speaker, f *fifo) int {
	// fd=open(FIFO,O_RDONLY|O_NONBLOCK,0);
	fd := f.openRead(me)
	me.Printf("%s returned fd %d at once; without O_NONBLOCK\n"+
		"it would wait here for a writer", openCall(readFlags|unix.O_CLOEXEC), fd)
	me.Kernel("/proc/self/fd/%d -> %s", fd, peek.FDLink(fd))
	me.Printf("a FIFO's descriptor names its path")
	// nread=read(fd,buf_r,100)
	expectRead(me, fd, make([]byte, pipeBuf), 0, "", nil)
	me.Printf("no writer: read() returned 0, end of file, not EAGAIN:")
	me.Printf("nobody has the FIFO open for writing, so there is nothing to wait for")
	me.GoNote("os.OpenFile would open the FIFO too, but its Read never returns\n" +
		"EAGAIN: Go parks the goroutine on its network poller until data comes.\n" +
		"unix.Open and unix.Read are the raw system calls and show what a C\n" +
		"program sees.")
	return fd
}

// writerArrives is step 4: a writer has the FIFO open but has not written
// (EAGAIN), then writes "hello" and goes (read() returns 0, POLLHUP).
func writerArrives(me *say.Speaker, f *fifo, fd int) {
	buf := make([]byte, pipeBuf)
	w := writer("cued-writer", f.Path, "hello")
	// The writer opens the FIFO, says it is ready, then waits for the end
	// of its standard input before it writes: so the reader is sure to
	// find the FIFO open and empty first.
	goAhead, err := w.StdinPipe()
	if err != nil {
		me.Fatal(syserr.Wrap("pipe", err, nil))
	}
	w.StartOrFail(me)
	w.ReadyOrFail(me)
	// if(errno==EAGAIN) printf("no data yet\n");
	err = expectRead(me, fd, buf, -1, "", func() { goAhead.Close(); reap(me, w) })
	me.Printf("no data yet: %v", failure("read", err, syserr.Meanings{
		unix.EAGAIN: "a writer has the FIFO open, but nothing is in it",
	}))
	me.Printf("telling the writer to go ahead")
	// Closing the pipe is the go-ahead. Writing to it would raise SIGPIPE
	// if a Ctrl-C had just killed the writer, and the demo would then die
	// of SIGPIPE rather than of the Ctrl-C.
	if err := goAhead.Close(); err != nil {
		me.Fatal(syserr.Wrap("close the writer's standard input", err, nil))
	}
	reap(me, w)
	// printf("read %s from FIFO\n",buf_r);
	expectRead(me, fd, buf, len("hello"), "hello", nil)
	me.Printf("read %q from FIFO", "hello")
	expectRead(me, fd, buf, 0, "", nil)
	me.Printf("then read() returned 0 again: the writer has closed its end")
	hup := pollNow(me, fd)
	me.Kernel("poll(POLLIN) returns at once with %s: the last writer hung up,\n"+
		"and it stays so. A reader that paces itself with poll() must reopen\n"+
		"the FIFO now (read does), or spin.", hup)
}

// fillAndDrain is step 5: a writer fills the FIFO until write() fails with
// EAGAIN, and goes; the reader then reads every byte it wrote.
func fillAndDrain(me *say.Speaker, f *fifo, fd int) {
	// The writer repeats write(fd,w_buf,...) until
	// if(errno==EAGAIN) printf("The FIFO has not been read yet...");
	// and tells us, in its readiness message, how many bytes it wrote.
	w := writer("filler", f.Path)
	w.StartOrFail(me)
	wrote := w.ReadyOrFail(me)
	reap(me, w)
	// The writer is gone; what it wrote is still in the FIFO, because
	// the reader still has it open.
	buf := make([]byte, pipeBuf)
	drained := 0
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			me.Fatal(syserr.Wrap("read", err, nil))
		}
		if n == 0 {
			break
		}
		drained += n
	}
	me.Printf("drained %d bytes, then read() returned 0: the writer is gone", drained)
	if strconv.Itoa(drained) != wrote {
		me.Fatal(fmt.Errorf("the writer wrote %s bytes, but %d came out", wrote, drained))
	}
	me.Printf("the same %d bytes the writer wrote: a full FIFO refuses more, it loses nothing", drained)
}

// expectRead is read(fd, buf, len(buf)) in the demo, where the outcome is
// known in advance: want bytes (text), 0 for end of file, or -1 for EAGAIN,
// which it returns. Anything else ends the demo, after first, if not nil:
// reaping the step's writer, since a writer killed by Ctrl-C is the likely
// reason, and the demo then ends as by Ctrl-C (reap), not as a failure.
func expectRead(me *say.Speaker, fd int, buf []byte, want int, text string, first func()) error {
	n, err := unix.Read(fd, buf)
	switch {
	case want < 0 && err == unix.EAGAIN:
		return err
	case err != nil:
		err = syserr.Wrap("read", err, nil)
	case n != want || string(buf[:n]) != text:
		err = fmt.Errorf("read returned %d bytes %q, want %d bytes %q", n, buf[:n], want, text)
	default:
		return nil
	}
	if first != nil {
		first()
	}
	me.Fatal(err)
	return err
}

// pollNow is poll() with a zero timeout: what the kernel reports now.
func pollNow(me *say.Speaker, fd int) string {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, 0); err != nil {
		me.Fatal(syserr.Wrap("poll", err, nil))
	}
	var s []string
	for _, e := range []struct {
		bit  int16
		name string
	}{{unix.POLLIN, "POLLIN"}, {unix.POLLHUP, "POLLHUP"}} {
		if fds[0].Revents&e.bit != 0 {
			s = append(s, e.name)
		}
	}
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, "|")
}

// cuedWriter is the writer of step 4: open, ready, wait for the go-ahead
// on standard input, write args[1], close.
func cuedWriter(args []string) {
	me := say.New("writer")
	if len(args) != 2 {
		me.Fatal(fmt.Errorf("cued-writer wants PATH MSG, got %q", args))
	}
	fd := openWriter(me, args[0])
	me.Kernel("/proc/self/fd/%d -> %s", fd, peek.FDLink(fd))
	child.Ready("")
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil { // until the reader closes it
		me.Fatal(syserr.Wrap("read the go-ahead", err, nil))
	}
	writeMsg(me, fd, args[1])
	unix.Close(fd)
}

// filler is the writer of step 5: it writes PIPE_BUF bytes at a time,
// without waiting for the reader, until the FIFO is full.
func filler(args []string) {
	me := say.New("writer")
	if len(args) != 1 {
		me.Fatal(fmt.Errorf("filler wants PATH, got %q", args))
	}
	fd := openWriter(me, args[0])
	size, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("fcntl(F_GETPIPE_SZ)", err, nil))
	}
	me.Kernel("fcntl(F_GETPIPE_SZ) = %d: the FIFO's kernel buffer holds that many bytes", size)

	chunk := bytes.Repeat([]byte("x"), pipeBuf)
	total := 0
	for {
		n, err := unix.Write(fd, chunk)
		if err == unix.EAGAIN {
			me.Printf("wrote %d bytes in writes of %d, then\n%v", total, pipeBuf, syserr.Wrap("write", err, syserr.Meanings{
				unix.EAGAIN: "the FIFO is full",
			}))
			me.Printf("(a writer without O_NONBLOCK would sleep here until the reader made room)")
			break
		}
		if err != nil {
			me.Fatal(syserr.Wrap("write", err, nil))
		}
		total += n
	}
	// printf("The FIFO has not been read yet.Please try later\n");
	me.Printf("the article's message, verbatim: %q", articleFull)
	child.Ready(strconv.Itoa(total))
	unix.Close(fd)
}

// writer prepares a writer of the demo: this program again, in role.
// Its standard error is the demo's standard output: the errors it meets
// (ENXIO in step 2) are the lesson, told in order with the rest.
func writer(role string, args ...string) *child.Cmd {
	w := child.Command(role, args...)
	w.Stderr = os.Stdout
	return w
}

// reap is w.Reap (waitpid, with the status spelled out), and then, if a
// signal that the demo catches killed the writer, the demo's end by that
// same signal (cleanup.FollowChild): a Ctrl-C or a closed terminal reaches
// the whole process group, and a closed standard output every process that
// shares it. The demo's own copy of that signal may not have been handled
// yet, and a failure reported in the meantime would be a lie. This is what
// a shell does when a command it waits for dies of SIGINT. (w.ReadyOrFail
// does the same for a writer that dies before it is ready.)
func reap(me *say.Speaker, w *child.Cmd) {
	w.Reap(me)
	if ws, ok := w.ProcessState.Sys().(syscall.WaitStatus); ok {
		cleanup.FollowChild(ws)
	}
}

// signalNames is "SIGINT, SIGTERM, ..." for a list of signals.
func signalNames(sigs []syscall.Signal) string {
	var s []string
	for _, sig := range sigs {
		s = append(s, unix.SignalName(sig))
	}
	return strings.Join(s, ", ")
}
