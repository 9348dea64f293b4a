// 03-fifo ports the FIFO programs of the article "进程间IPC机制" (Linux
// inter-process communication): a reader that makes a named pipe with
// mkfifo() and reads it without blocking, and a writer that opens the same
// name and writes the message given on its command line. The article swapped
// the two file names (its fifo_write.c reads, its fifo_read.c writes); here
// and in c/ each is named for what it does.
//
// Usage:
//
//	go run ./03-fifo                           the demo: one reader, three writers
//	go run ./03-fifo read [-path P] [-n N]     the reader, for a first terminal
//	go run ./03-fifo write -path P MSG         the writer, for a second terminal
//
// The demo plays both parts, in an order set by readiness messages and
// wait(), never by sleep(): a writer with no reader (ENXIO), a reader with
// no writer (read returns 0), a writer that has not written yet (EAGAIN),
// a message, and a writer that fills the FIFO until write() fails with
// EAGAIN.
//
// Without -path, read makes the FIFO in a new private directory under
// $TMPDIR and prints the exact write command for a second terminal. It
// removes what it made when it ends, also on Ctrl-C, SIGTERM, SIGHUP or a
// closed standard output (common/cleanup). The C originals, corrected, are
// in c/.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 03-fifo                        the demo: one reader, three writers
       03-fifo read [-path P] [-n N]  read a FIFO without blocking (fifo_read.c)
       03-fifo write -path P MSG      write MSG into the FIFO P (fifo_write.c)

  -path P  the FIFO. read makes it if it does not exist (and removes it at the
           end); without -path it makes one in a private directory under $TMPDIR
  -n N     read: end after N messages (default 0: read forever, like the article)
  MSG      1 to 4096 bytes (PIPE_BUF): the kernel writes it in one piece
`

const (
	// pipeBuf is PIPE_BUF from <limits.h>. A write of at most this many
	// bytes to a pipe or FIFO is atomic: its bytes are never interleaved
	// with another writer's, and with O_NONBLOCK it is written whole or
	// fails with EAGAIN, never in part.
	pipeBuf = 4096
	// fifoName is the FIFO's name in its private directory; the article
	// used /tmp/myfifo.
	fifoName = "myfifo"
	// articleFull is the article's printf text for a full FIFO, as printed
	// there (with its missing space; the "/n" is erratum 3).
	articleFull = "The FIFO has not been read yet.Please try later"
	// pollMillis paces the reader's loop, where the article slept 1 s.
	pollMillis = 1000
	// readFlags and writeFlags are the flags of the article's two open()
	// calls; Go passes O_CLOEXEC too (see openFIFO). fifoMode is the mode
	// mkfifo is given, where the article passed O_CREAT|O_EXCL (0300).
	readFlags  = unix.O_RDONLY | unix.O_NONBLOCK
	writeFlags = unix.O_WRONLY | unix.O_NONBLOCK
	fifoMode   = 0o600
)

func main() {
	// Go cannot fork, so each writer of the demo is this same program
	// started again in a named role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"write":       writeCmd, // exactly what "03-fifo write" runs
		"cued-writer": cuedWriter,
		"filler":      filler,
	})

	fs := flag.NewFlagSet("03-fifo", flag.ContinueOnError)
	rest := cmdline.Parse(fs, os.Args[1:], usage, 0, -1)
	// The demo and the reader make a FIFO (and a directory), so they call
	// cleanup.Catch first thing. The writers make nothing, and a write to a
	// FIFO whose reader has gone must stay what it is in Go, EPIPE (the
	// runtime drops the kernel's SIGPIPE for a descriptor other than 1 and
	// 2): so they do not catch SIGPIPE.
	switch {
	case len(rest) == 0:
		demo()
	case rest[0] == "read":
		readCmd(rest[1:])
	case rest[0] == "write":
		writeCmd(rest[1:])
	default:
		cmdline.Usage(usage, "unknown command %q", rest[0])
	}
	cleanup.Exit(0)
}

// demo plays the reader, and starts the writers as children.
func demo() {
	cleanup.Catch("reader")
	r := say.New("reader")
	f := &fifo{}

	say.Step(1, "mkfifo() gives a pipe a name in the file system (fifo_read.c)")
	f.create(r, "")
	r.GoNote("Go delivers signals on a channel: signal.Notify(%s)\n"+
		"hands them to a goroutine (common/cleanup), which removes the FIFO and its\n"+
		"directory, then ends the program as the signal would have. Press Ctrl-C at\n"+
		"any step: nothing is left behind (kill -9, which no program can catch, leaves both).", signalNames(cleanup.Signals))

	say.Step(2, "a writer with no reader: "+openCall(writeFlags)+" fails with ENXIO (fifo_write.c)")
	// The writer is started before anyone has the FIFO open for reading:
	// fd=open(FIFO_SERVER,O_WRONLY|O_NONBLOCK,0) fails, and
	// if(errno==ENXIO) printf("open error; no reading process\n");
	w := writer("write", "-path", f.Path, "hello")
	w.StartOrFail(r)
	reap(r, w)
	r.GoNote("there is no fork: the writer is this program run again as\n" +
		"\"03-fifo write -path ... hello\", the very command of a second terminal.\n" +
		"os.Open sets O_CLOEXEC on every descriptor, and this port passes it to\n" +
		"unix.Open: a child gets only what it is handed, where C's fork() copies all.")

	say.Step(3, "a reader with no writer: "+openCall(readFlags)+" returns at once, read() returns 0")
	// fd=open(FIFO,O_RDONLY|O_NONBLOCK,0);
	fd := f.openRead(r)
	r.Printf("%s returned fd %d at once; without O_NONBLOCK\n"+
		"it would wait here for a writer", openCall(readFlags|unix.O_CLOEXEC), fd)
	r.Kernel("/proc/self/fd/%d -> %s  (a FIFO's descriptor names its path)", fd, peek.FDLink(fd))
	buf := make([]byte, pipeBuf)
	// nread=read(fd,buf_r,100)
	expectRead(r, fd, buf, 0, "", nil)
	r.Printf("no writer: read() returned 0, end of file, not EAGAIN: nobody has the FIFO open\n" +
		"for writing, so there is nothing to wait for")
	r.GoNote("os.OpenFile would open the FIFO too, but its Read never returns EAGAIN: Go\n" +
		"parks the goroutine on its network poller until data comes. unix.Open and\n" +
		"unix.Read are the raw system calls and show what a C program sees.")

	say.Step(4, `a writer arrives: read() fails with EAGAIN until it writes "hello" (fifo_write.c)`)
	w = writer("cued-writer", f.Path, "hello")
	// The writer opens the FIFO, says it is ready, then waits for the end
	// of its standard input before it writes: so the reader is sure to
	// find the FIFO open and empty first.
	goAhead, err := w.StdinPipe()
	if err != nil {
		r.Fatal(syserr.Wrap("pipe", err, nil))
	}
	w.StartOrFail(r)
	ready(r, w)
	// if(errno==EAGAIN) printf("no data yet\n");
	err = expectRead(r, fd, buf, -1, "", func() { goAhead.Close(); reap(r, w) })
	r.Printf("no data yet: %v", syserr.Wrap("read", err, syserr.Meanings{
		unix.EAGAIN: "a writer has the FIFO open,\nbut nothing is in it",
	}))
	r.Printf("telling the writer to go ahead")
	// Closing the pipe is the go-ahead. Writing to it would raise SIGPIPE
	// if a Ctrl-C had just killed the writer, and the demo would then die
	// of SIGPIPE rather than of the Ctrl-C.
	if err := goAhead.Close(); err != nil {
		r.Fatal(syserr.Wrap("close the writer's standard input", err, nil))
	}
	reap(r, w)
	// printf("read %s from FIFO\n",buf_r);
	expectRead(r, fd, buf, len("hello"), "hello", nil)
	r.Printf("read %q from FIFO", "hello")
	expectRead(r, fd, buf, 0, "", nil)
	r.Printf("then read() returned 0 again: the writer has closed its end")
	hup := pollNow(r, fd)
	r.Kernel("poll(POLLIN) returns at once with %s: the last writer hung up, and it stays so.\n"+
		"A reader that paces itself with poll() must reopen the FIFO now (read does), or spin.", hup)

	say.Step(5, "a writer that does not wait for the reader: the FIFO fills up, write() fails with EAGAIN")
	// The writer repeats write(fd,w_buf,...) until
	// if(errno==EAGAIN) printf("The FIFO has not been read yet...");
	// and tells us, in its readiness message, how many bytes it wrote.
	w = writer("filler", f.Path)
	w.StartOrFail(r)
	wrote := ready(r, w)
	reap(r, w)
	// The writer is gone; what it wrote is still in the FIFO, because
	// the reader still has it open.
	drained := 0
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			r.Fatal(syserr.Wrap("read", err, nil))
		}
		if n == 0 {
			break
		}
		drained += n
	}
	r.Printf("drained %d bytes, then read() returned 0: the writer is gone", drained)
	if strconv.Itoa(drained) != wrote {
		r.Fatal(fmt.Errorf("the writer wrote %s bytes, but %d came out", wrote, drained))
	}
	r.Printf("the same %d bytes the writer wrote: a full FIFO refuses more, it loses nothing", drained)

	say.Step(6, "close(), unlink(), rmdir(): the name goes, and with the last descriptor the pipe")
	// close(fd); unlink(FIFO); (the article never reached its unlink)
	if err := unix.Close(fd); err != nil {
		r.Fatal(syserr.Wrap("close", err, nil))
	}
	r.Printf("closed fd %d", fd)
	f.remove(r)

	say.Step(7, "what this process still holds")
	r.Kernel("open descriptors: %s", peek.FDSummary())
	r.Printf("now in two terminals: go run ./03-fifo read, then the write command it prints")
}

// expectRead is read(fd, buf, len(buf)) in the demo, where the outcome is
// known in advance: want bytes (text), 0 for end of file, or -1 for EAGAIN,
// which it returns. Anything else ends the demo, after first, if not nil:
// reaping the step's writer, since a writer killed by Ctrl-C is the likely
// reason, and the demo then ends as by Ctrl-C (sameEnd), not as a failure.
func expectRead(r *say.Speaker, fd int, buf []byte, want int, text string, first func()) error {
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
	r.Fatal(err)
	return err
}

// pollNow is poll() with a zero timeout: what the kernel reports now.
func pollNow(r *say.Speaker, fd int) string {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, 0); err != nil {
		r.Fatal(syserr.Wrap("poll", err, nil))
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
	me.Kernel("fcntl(F_GETPIPE_SZ) = %d: the FIFO's buffer in the kernel holds that many bytes", size)

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

// readCmd is fifo_read.c (the article's fifo_write.c): make the FIFO if
// needed, open it without blocking, and report what each read() finds,
// each time it changes.
func readCmd(args []string) {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	path := fs.String("path", "", "the FIFO")
	count := fs.Int("n", 0, "messages to read; 0: forever")
	cmdline.Parse(fs, args, usage, 0, 0)
	if *count < 0 {
		cmdline.Usage(usage, "-n must be 0 (forever) or more, not %d", *count)
	}

	cleanup.Catch("reader")
	me := say.New("reader")
	f := &fifo{}
	f.create(me, *path)
	fd := f.openRead(me)
	// The article prints this before open(); here it comes after, so that a
	// writer started on seeing it is sure to find a reader.
	me.Printf("Preparing for reading bytes... (%s returned fd %d)", openCall(readFlags|unix.O_CLOEXEC), fd)
	if *path == "" {
		me.Printf("in a second terminal: go run ./03-fifo write -path %s hello", shellQuote(f.Path))
	}

	buf := make([]byte, pipeBuf)
	state := ""
	show := func(s string) {
		if s != state {
			me.Printf("%s", s)
			state = s
		}
	}
	hup := false
	for got := 0; ; {
		// if((nread=read(fd,buf_r,100))==-1) ...
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EAGAIN:
			show("no data yet (EAGAIN: a writer has the FIFO open, but it is empty)")
		case err != nil:
			me.Fatal(syserr.Wrap("read", err, nil))
		case n == 0:
			show("no writer (read returned 0, end of file: nobody has the FIFO open for writing)")
			if hup {
				fd = reopen(me, f, fd)
				hup = false
			}
		default:
			// A FIFO is a byte stream: two quick messages may come out of
			// one read(). Each read that returns data counts as one here.
			me.Printf("read %q from FIFO", buf[:n])
			state = ""
			got++
		}
		if *count > 0 && got == *count {
			break
		}
		// sleep(1);
		hup = pollIn(me, fd, pollMillis)
	}
	if err := unix.Close(fd); err != nil {
		me.Fatal(syserr.Wrap("close", err, nil))
	}
	// unlink(FIFO); (never reached in the article, after while(1))
	f.remove(me)
}

// pollIn waits until fd has data or its last writer hangs up, for at most
// ms milliseconds: the article's sleep(1), but it wakes as soon as a writer
// writes. It reports whether poll() said POLLHUP.
func pollIn(me *say.Speaker, fd int, ms int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			// poll() is never restarted after a signal handler, and the
			// Go runtime sends itself SIGURG to preempt goroutines.
			continue
		}
		if err != nil {
			me.Fatal(syserr.Wrap("poll", err, nil))
		}
		return fds[0].Revents&unix.POLLHUP != 0
	}
}

// reopen replaces fd with a fresh open of the FIFO, after its last writer
// hung up. Once a writer has come and gone, poll() reports POLLHUP on this
// open file at once, every time, until the reader closes it: the loop
// would spin. A fresh open() reports POLLHUP only after a new writer has
// come and gone. The new descriptor is opened before the old one is closed
// (dup3 does both in one step, keeping the number), so the FIFO always has a
// reader: a writer arriving in between neither gets ENXIO nor loses its
// message.
func reopen(me *say.Speaker, f *fifo, fd int) int {
	nfd := f.openRead(me)
	if err := unix.Dup3(nfd, fd, unix.O_CLOEXEC); err != nil {
		me.Fatal(syserr.Wrap("dup3", err, nil))
	}
	unix.Close(nfd)
	return fd
}

// writeCmd is fifo_write.c (the article's fifo_read.c): open the FIFO for
// writing without blocking, and write MSG into it.
func writeCmd(args []string) {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	path := fs.String("path", "", "the FIFO")
	rest := cmdline.Parse(fs, args, usage, 1, 1)
	// if(argc==1) printf("Please send something\n"); strcpy(w_buf,argv[1]);
	// The article went on after that message and copied a NULL pointer,
	// and any argument over 99 bytes overflowed w_buf[100].
	msg := rest[0]
	switch {
	case *path == "":
		cmdline.Usage(usage, "write needs -path: the FIFO a reader has open")
	case msg == "":
		cmdline.Usage(usage, "MSG is empty: please send something")
	case len(msg) > pipeBuf:
		cmdline.Usage(usage, "MSG is %d bytes; at most %d (PIPE_BUF) are written in one piece", len(msg), pipeBuf)
	}
	me := say.New("writer")
	fd := openWriter(me, *path)
	writeMsg(me, fd, msg)
	unix.Close(fd)
}

// openWriter is fd=open(FIFO_SERVER,O_WRONLY|O_NONBLOCK,0), with the
// article's ENXIO message. The article tested fd before calling open().
func openWriter(me *say.Speaker, path string) int {
	flags := writeFlags | unix.O_CLOEXEC
	fd, _, err := openFIFO(path, flags)
	if syserr.Errno(err) == unix.ENXIO {
		me.To(os.Stderr).Warnf("open error; no reading process")
	}
	if err != nil {
		me.Fatal(syserr.Wrap(openCall(flags), err, syserr.Meanings{
			unix.ENXIO:  "no process has the FIFO open for reading",
			unix.ENOENT: "no such file: start the reader first (03-fifo read)",
			unix.EACCES: "no permission to write to the FIFO",
		}))
	}
	me.Printf("%s returned fd %d: a reader has the FIFO open", openCall(flags), fd)
	return fd
}

// writeMsg is write(fd,w_buf,strlen(w_buf)): the message and nothing more,
// where the article wrote 100 bytes whatever the message's length.
func writeMsg(me *say.Speaker, fd int, msg string) {
	n, err := unix.Write(fd, []byte(msg))
	if syserr.Errno(err) == unix.EAGAIN {
		me.To(os.Stderr).Warnf("the article's message, verbatim: %q", articleFull)
	}
	if err != nil {
		me.Fatal(syserr.Wrap("write", err, syserr.Meanings{
			unix.EAGAIN: "the FIFO has no room for the whole message; nothing was written",
			unix.EPIPE:  "the reader closed the FIFO after we opened it",
		}))
	}
	if n != len(msg) { // cannot happen for len(msg) <= PIPE_BUF
		me.Fatal(fmt.Errorf("write wrote %d of %d bytes", n, len(msg)))
	}
	me.Printf("write %q to the FIFO", msg)
}

// openRead is fd=open(FIFO,O_RDONLY|O_NONBLOCK,0), and then what the
// article never asks: is this FIFO ours? A path given with -path may hold a
// FIFO that another user planted there (in /tmp anyone may), and its owner
// could then write what this reader prints and read what our writers send.
// So, on the descriptor (fstat: the file really opened, not whatever the
// path names a moment later), it must belong to this user, be writable by
// nobody else, and, when reopened, be the same FIFO as before.
func (f *fifo) openRead(me *say.Speaker) int {
	flags := readFlags | unix.O_CLOEXEC
	fd, st, err := openFIFO(f.Path, flags)
	if err != nil {
		me.Fatal(syserr.Wrap(openCall(flags), err, syserr.Meanings{
			unix.ENOENT: "no such file: the FIFO was removed",
			unix.EACCES: "no permission to read the FIFO",
		}))
	}
	id, perm := devIno{uint64(st.Dev), st.Ino}, os.FileMode(st.Mode&0o777)
	var refuse string
	switch {
	case f.id != (devIno{}) && id != f.id:
		refuse = "it is no longer the FIFO this reader opened first: someone replaced it"
	case int(st.Uid) != os.Geteuid():
		refuse = fmt.Sprintf("it belongs to uid %d, not to this user (uid %d): its owner could write\n"+
			"what this reader prints and read what writers send", st.Uid, os.Geteuid())
	case perm&0o022 != 0:
		refuse = fmt.Sprintf("its mode %s lets %s write into it", os.ModeNamedPipe|perm, writers(perm))
	}
	if refuse != "" {
		unix.Close(fd)
		me.Fatal(fmt.Errorf("refusing %s: %s.\nRemove it, or run read without -path (a private directory)", f.Path, refuse))
	}
	if f.node == nil && f.id == (devIno{}) {
		me.Kernel("fstat(%d): a FIFO of uid %d (this user), %s: nobody else may write into it", fd, st.Uid, os.ModeNamedPipe|perm)
	}
	f.id = id
	return fd
}

// writers names who other than the owner may write, from mode bits.
func writers(perm os.FileMode) string {
	switch perm & 0o022 {
	case 0o022:
		return "its group and every other user"
	case 0o020:
		return "its group"
	}
	return "every other user"
}

// devIno names a file for good: a path can be made to name another.
type devIno struct{ dev, ino uint64 }

// openFIFO opens path with flags and checks it is a FIFO: a regular file
// at that path would be read or overwritten instead. O_CLOEXEC keeps the
// descriptor from the writers this program starts (C's fork would hand it
// to them).
func openFIFO(path string, flags int) (int, *unix.Stat_t, error) {
	fd, err := unix.Open(path, flags, 0)
	if err != nil {
		return -1, nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		unix.Close(fd)
		return -1, nil, fmt.Errorf("%s is not a FIFO", path)
	}
	return fd, &st, nil
}

// openCall is "open(O_RDONLY|O_NONBLOCK)": the call as C writes it, from
// the flags actually passed.
func openCall(flags int) string {
	names := []string{[]string{"O_RDONLY", "O_WRONLY", "O_RDWR", "3"}[flags&unix.O_ACCMODE]}
	flags &^= unix.O_ACCMODE
	for _, f := range []struct {
		bit  int
		name string
	}{{unix.O_NONBLOCK, "O_NONBLOCK"}, {unix.O_CLOEXEC, "O_CLOEXEC"}, {unix.O_CREAT, "O_CREAT"}, {unix.O_EXCL, "O_EXCL"}} {
		if flags&f.bit != 0 {
			names = append(names, f.name)
			flags &^= f.bit
		}
	}
	if flags != 0 {
		names = append(names, fmt.Sprintf("%#o", flags))
	}
	return "open(" + strings.Join(names, "|") + ")"
}

// fifo is the FIFO this program uses, and what of it this program made:
// each made thing is registered with common/cleanup the moment it exists
// (the directory first, the FIFO second, so that undoing, newest first,
// removes the FIFO and then the directory), and removed at the end, on a
// signal or on a failure. What it did not make it never removes.
type fifo struct {
	Path string
	dir  string          // the private directory this program made, or ""
	dirH *cleanup.Handle // its removal
	node *cleanup.Handle // the FIFO's removal, if this program made it
	id   devIno          // the FIFO this program made, or first opened
}

// create is if((mkfifo(FIFO,O_CREAT|O_EXCL)<0)&&(errno!=EEXIST)), with the
// mode the article meant: 0600, only the owner may read and write. (It
// passed open()'s flags O_CREAT|O_EXCL as the mode, 0300 in octal.) With
// path "" it first makes a private directory under $TMPDIR.
func (f *fifo) create(me *say.Speaker, path string) {
	if path == "" {
		// A fixed /tmp/myfifo collides with a second run and lets any
		// local user in. A new directory of mode 0700 does neither.
		h, err := cleanup.Make(func() (string, func() error, error) {
			dir, err := os.MkdirTemp("", "03-fifo-")
			if err != nil {
				return "", nil, err
			}
			f.dir = dir
			return "directory " + dir, func() error { return unix.Rmdir(dir) }, nil
		})
		if err != nil {
			me.Fatal(syserr.Wrap("mkdtemp", err, nil))
		}
		f.dirH = h
		path = filepath.Join(f.dir, fifoName)
		me.Printf("made the private directory %s", f.dir)
		me.Kernel("%s is %s", f.dir, describeFile(f.dir))
	}
	f.Path = path
	var err error
	f.node, err = cleanup.Make(func() (string, func() error, error) {
		if err := unix.Mkfifo(path, fifoMode); err != nil {
			return "", nil, err
		}
		var st unix.Stat_t
		if unix.Lstat(path, &st) == nil {
			f.id = devIno{uint64(st.Dev), st.Ino}
		}
		return "FIFO " + path, func() error { return f.unlink() }, nil
	})
	switch {
	case err == nil:
		me.Printf("mkfifo(%q, %#o) made the FIFO", path, fifoMode)
	case err == unix.EEXIST && isFIFO(path):
		me.Printf("mkfifo(%q, %#o): EEXIST, and it is a FIFO: using it (and leaving it there)", path, fifoMode)
	default:
		me.Fatal(syserr.Wrap("mkfifo", err, syserr.Meanings{
			unix.EEXIST:       "the path exists and is not a FIFO",
			unix.ENOENT:       "a directory in the path does not exist",
			unix.ENOTDIR:      "a part of the path is not a directory",
			unix.EACCES:       "no permission to create a file in that directory",
			unix.EROFS:        "the file system is read-only",
			unix.ENOSPC:       "the file system is full",
			unix.ENAMETOOLONG: "the path is too long",
		}))
	}
	me.Kernel("%s is %s", path, describeFile(path))
}

// unlink is unlink(FIFO) for the FIFO this program made, and only that:
// if the name now leads elsewhere (someone with write access to the
// directory renamed ours and put another file there), it is left alone.
func (f *fifo) unlink() error {
	var st unix.Stat_t
	if err := unix.Lstat(f.Path, &st); err != nil {
		return err
	}
	if (devIno{uint64(st.Dev), st.Ino}) != f.id {
		return fmt.Errorf("%s is no longer the FIFO this program made: left in place", f.Path)
	}
	return unix.Unlink(f.Path)
}

// remove unlinks the FIFO and removes the directory, if this program made
// them, and then says so. The line comes after the removal, never before:
// a signal in between loses the line, not the truth. (It is not printed
// inside ReleaseThen: that holds cleanup's lock, and a write that fails
// there, standard output closed, ends the program through cleanup, which
// waits for that same lock for ever.)
func (f *fifo) remove(me *say.Speaker) {
	if f.node == nil {
		me.Printf("left %s in place: it was there before", f.Path)
	} else if err := f.node.Release(); err != nil { // unlink(FIFO);
		me.Warnf("%v", syserr.Wrap("unlink", err, nil))
	} else {
		me.Printf("unlink(%q): the FIFO's name is gone", f.Path)
	}
	if f.dirH == nil {
		return
	}
	if err := f.dirH.Release(); err != nil {
		me.Warnf("%v", syserr.Wrap("rmdir", err, nil))
		return
	}
	me.Printf("rmdir(%q)", f.dir)
	me.Kernel("%s: %s", f.dir, fileType(f.dir))
}

// signalNames is "SIGINT, SIGTERM, ..." for a list of signals.
func signalNames(sigs []syscall.Signal) string {
	var s []string
	for _, sig := range sigs {
		s = append(s, unix.SignalName(sig))
	}
	return strings.Join(s, ", ")
}

// fileType is what ls -l shows for path's type and mode, or that it is gone.
func fileType(path string) string {
	t, err := peek.FileType(path)
	if errors.Is(err, os.ErrNotExist) {
		return "gone (no such file or directory)"
	}
	if err != nil {
		return err.Error()
	}
	return t
}

// describeFile is what ls -l shows for path, and what it means: its type
// and who may do what, read from the mode bits ("prw-r--r--: p for a FIFO
// (named pipe), rw for its owner, r for its group and others").
func describeFile(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileType(path)
	}
	kind := "a file of type " + fi.Mode().Type().String()
	switch {
	case fi.Mode()&os.ModeNamedPipe != 0:
		kind = "p for a FIFO (named pipe)"
	case fi.IsDir():
		kind = "d for a directory"
	}
	return fmt.Sprintf("%s: %s, %s", fi.Mode(), kind, access(fi.Mode().Perm()))
}

// access says who may do what, from permission bits: 0600 "rw for its
// owner only", 0644 "rw for its owner, r for its group and others".
func access(perm os.FileMode) string {
	rwx := func(b os.FileMode) string {
		s := ""
		for i, c := range "rwx" {
			if b&(4>>i) != 0 {
				s += string(c)
			}
		}
		if s == "" {
			return "nothing"
		}
		return s
	}
	u, g, o := rwx(perm>>6&7), rwx(perm>>3&7), rwx(perm&7)
	switch {
	case g == "nothing" && o == "nothing":
		return u + " for its owner only"
	case g == o:
		return fmt.Sprintf("%s for its owner, %s for its group and others", u, g)
	}
	return fmt.Sprintf("%s for its owner, %s for its group, %s for others", u, g, o)
}

func isFIFO(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}

// shellQuote quotes s for a POSIX shell, if it needs it, so that the
// printed command can be pasted as is.
func shellQuote(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+=:,@%", c)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// writer prepares a writer of the demo: this program again, in role.
// Its standard error is the demo's standard output: the errors it meets
// (ENXIO in step 2) are the lesson, told in order with the rest.
func writer(role string, args ...string) *child.Cmd {
	w := child.Command(role, args...)
	w.Stderr = os.Stdout
	return w
}

// ready is w.ReadyOrFail, and reap is w.Reap (waitpid, with the status
// spelled out), both followed by sameEnd.
func ready(r *say.Speaker, w *child.Cmd) string {
	msg, err := w.WaitReady()
	if err != nil {
		sameEnd(w)
		r.Fatal(err)
	}
	return msg
}

func reap(r *say.Speaker, w *child.Cmd) {
	w.Reap(r)
	sameEnd(w)
}

// sameEnd ends the demo as a writer was ended, if a signal that the demo
// catches killed it: a Ctrl-C or a closed terminal reaches the whole
// process group, and a closed standard output every process that shares
// it. The demo's own copy of that signal may not have been handled yet,
// and a failure reported in the meantime (the writer "died before it was
// ready") would be a lie. This is what a shell does when a command it
// waits for dies of SIGINT: it ends itself by SIGINT.
func sameEnd(w *child.Cmd) {
	ws, ok := w.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return
	}
	for _, sig := range cleanup.Signals {
		if ws.Signal() == sig {
			cleanup.Die(sig)
		}
	}
}
