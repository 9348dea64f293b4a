//go:build linux && (amd64 || arm64)

// fifo_read.go is the Go port of c/fifo_read.c (printed in the article as
// fifo_write.c): make the FIFO if needed, open it without blocking, and
// report what each read() finds, each time it changes. It reads in the C's
// order, the C line as a comment above its Go line. It is about 1.5 times
// the C's length because it does two things C does not: it can make a
// private directory for the FIFO (C takes a path), and it registers each
// thing it makes with common/cleanup and removes only what it made, where
// C keeps a flag and calls unlink() (the owner check is in modes.go).

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// readCmd is fifo_read.c (the article's fifo_write.c): make the FIFO if
// needed, open it without blocking, and report what each read() finds,
// each time it changes.
func readCmd(args []string) {
	// if (argc < 2 || argc > 3 || argv[1][0] == '\0') {
	// fprintf(stderr, "usage: fifo_read PATH [COUNT]\n");
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	path := fs.String("path", "", "the FIFO")
	count := fs.Int("n", 0, "messages to read; 0: forever")
	parseFlags(fs, args, 0, 0)
	if *count < 0 {
		cmdline.Usage(usage, "-n must be 0 (forever) or more, not %d", *count)
	}

	// sigaction(SIGINT, &sa, NULL); ... SIGTERM, SIGHUP, SIGPIPE
	cleanup.Catch("reader")
	me := say.New("reader")
	f := &fifo{}
	// if (mkfifo(fifo, 0600) == 0) {
	// (in create, with the private directory and cleanup's registration)
	f.create(me, *path)
	// fd = open(fifo, O_RDONLY | O_NONBLOCK); fstat(fd, &st) ...
	fd := f.openRead(me)
	// printf("Preparing for reading bytes...\n");
	// (The article prints this before open(); here it comes after, so that a
	// writer started on seeing it is sure to find a reader.)
	me.Printf("Preparing for reading bytes... (%s returned fd %d)", openCall(readFlags|unix.O_CLOEXEC), fd)
	if *path == "" {
		me.Printf("in a second terminal:")
		me.Printf("go run ./03-fifo write -path %s hello", shellQuote(f.Path))
	}

	buf := make([]byte, pipeBuf) // char buf_r[PIPE_BUF];
	state := ""
	show := func(s string) { // report(&state, now)
		if s != state {
			me.Printf("%s", s)
			state = s
		}
	}
	hup := false
	for got := 0; ; {
		// nread = read(fd, buf_r, sizeof buf_r);
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EAGAIN: // report(&state, no_data);
			show("no data yet (EAGAIN: a writer has the FIFO open, but it is empty)")
		case err != nil:
			me.Fatal(syserr.Wrap("read", err, nil))
		case n == 0: // report(&state, no_writer); if (hup) { reopen }
			show("no writer (read returned 0, end of file: nobody has the FIFO open for writing)")
			if hup {
				fd = reopen(me, f, fd)
				hup = false
			}
		default:
			// A FIFO is a byte stream: two quick messages may come out of
			// one read(). Each read that returns data counts as one here.
			// printf("read \"%.*s\" from FIFO\n", (int)nread, buf_r);
			me.Printf("read %q from FIFO", buf[:n])
			state = ""
			got++
		}
		// if (stop_signal || (count > 0 && got >= count)) break;
		// (a signal is cleanup's: it removes the FIFO and ends the program)
		if *count > 0 && got == *count {
			break
		}
		// if (poll(&pfd, 1, 1000) == -1 && errno != EINTR) {
		// hup = (pfd.revents & POLLHUP) != 0;
		// (the article's sleep(1); pollIn retries EINTR)
		hup = pollIn(me, fd, pollMillis)
	}
	// close(fd); if (made) unlink(fifo);
	if err := unix.Close(fd); err != nil {
		me.Fatal(syserr.Wrap("close", err, nil))
	}
	// The unlink, never reached in the article (after its while(1)), is
	// remove's: it removes the FIFO if this reader made it, and the
	// private directory.
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
		// local user in. A new directory of mode 0700 does neither. Its
		// name holds this PID, so that a later reader can tell it was
		// left by a reader that is gone (leftovers.go).
		leftovers(me, os.TempDir())
		h, err := cleanup.Make(func() (string, func() error, error) {
			dir, err := os.MkdirTemp("", namePrivateDir())
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
		showFile(me, f.dir)
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
		me.Printf("mkfifo(%q, %#o): EEXIST, and it is a FIFO:", path, fifoMode)
		me.Printf("using it (and leaving it there)")
	default:
		me.Fatal(failure("mkfifo", err, syserr.Meanings{
			unix.EEXIST:       "the path exists and is not a FIFO",
			unix.ENOENT:       "a directory in the path does not exist",
			unix.ENOTDIR:      "a part of the path is not a directory",
			unix.EACCES:       "no permission to create a file in that directory",
			unix.EROFS:        "the file system is mounted read-only",
			unix.ENOSPC:       "the file system has no room for a new file (no free inode)",
			unix.ENAMETOOLONG: "a name in the path is over NAME_MAX (255) bytes, or the path over PATH_MAX (4096)",
		}))
	}
	showFile(me, path)
}

// openRead is fd=open(FIFO,O_RDONLY|O_NONBLOCK,0), and then what the
// article never asks: is this FIFO ours (trust, in modes.go)? A path given
// with -path may hold a FIFO that another user planted there (in /tmp
// anyone may), and its owner could then write what this reader prints and
// read what our writers send.
func (f *fifo) openRead(me *say.Speaker) int {
	flags := readFlags | unix.O_CLOEXEC
	fd, st, err := openFIFO(f.Path, flags)
	if err != nil {
		me.Fatal(failure(openCall(flags), err, syserr.Meanings{
			unix.ENOENT: "no such file: the FIFO was removed",
			unix.EACCES: "no permission to read the FIFO",
		}))
	}
	f.trust(me, fd, st)
	return fd
}

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
// them, and says so under cleanup's lock (ReleaseThen): "removed" is
// printed if and only if it is gone, whatever signal comes in between.
func (f *fifo) remove(me *say.Speaker) {
	if f.node == nil {
		me.Printf("left %s in place: it was there before", f.Path)
	}
	// unlink(fifo);
	f.node.ReleaseThen(func(err error) {
		if err != nil {
			me.Warnf("%v", syserr.Wrap("unlink", err, nil))
			return
		}
		me.Printf("unlink(%q): the FIFO's name is gone", f.Path)
	})
	f.dirH.ReleaseThen(func(err error) {
		if err != nil {
			me.Warnf("%v", syserr.Wrap("rmdir", err, nil))
			return
		}
		me.Printf("rmdir(%q)", f.dir)
		me.Kernel("%s: %s", f.dir, fileType(f.dir))
	})
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
