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
// each time it changes (readLoop).
func readCmd(args []string) {
	// if (argc < 2 || argc > 3 || argv[1][0] == '\0') {
	// fprintf(stderr, "usage: fifo_read PATH [COUNT]\n");
	// count = strtol(argv[2], &end, 10);
	// (package flag parses -path and -n: a count that is not a number, and
	// an empty value, are usage errors, exit 2)
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	path := fs.String("path", "", "the FIFO")
	count := fs.Int("n", 0, "messages to read; 0: forever")
	parseFlags(fs, args, 0, 0)
	// if (errno != 0 || end == argv[2] || *end != '\0' || count < 0) {
	if *count < 0 {
		cmdline.Usage(usage, "-n must be 0 (forever) or more, not %d", *count)
	}
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2), nothing is buffered

	// memset(&sa, 0, sizeof sa);
	// not ported: Go has no struct sigaction; its runtime fills its own
	// sigemptyset(&sa.sa_mask);
	// not ported: the runtime's handler blocks every signal while it runs
	// (sigfillset in runtime/os_linux.go, setsig)
	// sigaction(SIGINT, &sa, NULL);
	// sigaction(SIGTERM, &sa, NULL);
	// sigaction(SIGHUP, &sa, NULL);
	// sigaction(SIGPIPE, &sa, NULL);
	// cleanup.Catch is signal.Notify for these four: its goroutine removes
	// what this reader made and ends the program as the signal would (the
	// C's flag, which ends its loop, and its raise() at the end).
	cleanup.Catch("reader")
	me := say.New("reader")
	f := &fifo{}
	// mkfifo() is in create, with the private directory and cleanup's
	// registration; open(), fstat() and the owner check in openRead.
	f.create(me, *path)
	fd := f.openRead(me)
	// printf("Preparing for reading bytes...\n");
	// (The article prints this before open(); here it comes after, so that a
	// writer started on seeing it is sure to find a reader.)
	me.Printf("Preparing for reading bytes... (%s returned fd %d)", openCall(readFlags|unix.O_CLOEXEC), fd)
	if *path == "" {
		me.Printf("in a second terminal:")
		me.Printf("go run ./03-fifo write -path %s hello", shellQuote(f.Path))
	}

	fd = readLoop(me, f, fd, *count)

	// close(fd);
	if err := unix.Close(fd); err != nil {
		me.Fatal(syserr.Wrap("close", err, nil))
	}
	// The C's "if (made) unlink", never reached in the article (after its
	// while(1)), is remove: the FIFO if this reader made it (unlink),
	// then the private directory.
	f.remove(me)
	// signal(stop_signal, SIG_DFL);
	// not ported: a caught signal never comes here (cleanup.Catch)
	// raise(stop_signal);
	// not ported: cleanup's goroutine dies of the signal itself
}

// What the reader reports when read() finds no data, or no writer.
const (
	noData   = "no data yet (EAGAIN: a writer has the FIFO open, but it is empty)"
	noWriter = "no writer (read returned 0, end of file: nobody has the FIFO open for writing)"
)

// readLoop is the C's loop: read(), report what it found, wait in poll()
// for at most pollMillis. It returns fd (a reopen keeps its number) after
// count messages, or never if count is 0: a signal ends the program.
func readLoop(me *say.Speaker, f *fifo, fd, count int) int {
	buf := make([]byte, pipeBuf) // char buf_r[PIPE_BUF];
	state := ""
	hup := false
	// for (;;) {
	for got := 0; ; {
		// nread = read(fd, buf_r, sizeof buf_r);
		n, err := unix.Read(fd, buf)
		// if (nread == -1) {
		// if (errno != EAGAIN) {
		switch {
		case err != nil && err != unix.EAGAIN:
			// perror("read");
			me.Fatal(syserr.Wrap("read", err, nil))
		case err == unix.EAGAIN:
			// report(&state, no_data);
			report(me, &state, noData)
		case n == 0:
			// report(&state, no_writer);
			report(me, &state, noWriter)
			// if (hup) {
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
		if count > 0 && got == count {
			return fd
		}
		// pfd.fd = fd; pfd.events = POLLIN; pfd.revents = 0;
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		// if (poll(&pfd, 1, 1000) == -1 && errno != EINTR) {
		// (The article's sleep(1), but it wakes as soon as a writer writes.
		// On EINTR both go round and read again: poll() is never restarted
		// after a handler, and the Go runtime sends itself SIGURG.)
		if _, err := unix.Poll(pfd, pollMillis); err != nil && err != unix.EINTR {
			// perror("poll");
			me.Fatal(syserr.Wrap("poll", err, nil))
		}
		// hup = (pfd.revents & POLLHUP) != 0;
		hup = pfd[0].Revents&unix.POLLHUP != 0
	}
}

// report prints a state when it begins, so that the terminal is not
// flooded.
func report(me *say.Speaker, state *string, now string) {
	// if (*state != now) {
	if *state != now {
		// printf("%s\n", now);
		me.Printf("%s", now)
		*state = now
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
	// nfd = open(fifo, O_RDONLY | O_NONBLOCK);
	nfd, err := unix.Open(f.Path, readFlags|unix.O_CLOEXEC, 0)
	opened := err == nil
	if opened {
		// Go checks the new descriptor as openRead checked the first: the
		// same FIFO, still this user's, and nobody else may write to it.
		var st unix.Stat_t
		if err = unix.Fstat(nfd, &st); err == nil {
			if why := f.whyNot(&st); why != "" {
				err = fmt.Errorf("refusing %s: %s", f.Path, why)
			}
		}
	}
	// if (nfd == -1 || dup2(nfd, fd) == -1) {
	// (dup3 with O_CLOEXEC: dup2 would clear fd's close-on-exec flag)
	if err == nil {
		err = unix.Dup3(nfd, fd, unix.O_CLOEXEC)
	}
	if err != nil {
		// perror("reopen");
		if opened {
			unix.Close(nfd)
		}
		me.Fatal(syserr.Wrap("reopen", err, nil))
	}
	// close(nfd);
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
	// if (mkfifo(fifo, 0600) == 0) {
	// (made = 1 is cleanup.Make's registration, in the same breath)
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
	// } else if (errno != EEXIST) {
	// (EEXIST is fine if the path is a FIFO: Go looks now, C after open)
	case err == unix.EEXIST && isFIFO(path):
		me.Printf("mkfifo(%q, %#o): EEXIST, and it is a FIFO:", path, fifoMode)
		me.Printf("using it (and leaving it there)")
	default:
		// perror("cannot create fifo");
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

// openRead is the C's open() and the checks after it, on the descriptor
// (the name may lead elsewhere a moment later): is it a FIFO, and is it
// ours? A path given with -path may hold a FIFO that another user planted
// there (in /tmp anyone may), and its owner could then write what this
// reader prints and read what our writers send.
func (f *fifo) openRead(me *say.Speaker) int {
	// fd = open(fifo, O_RDONLY | O_NONBLOCK);
	// (Go adds O_CLOEXEC: the writers this program starts get only what
	// they are handed, where C's fork() would pass this descriptor on.)
	flags := readFlags | unix.O_CLOEXEC
	fd, err := unix.Open(f.Path, flags, 0)
	// if (fd == -1) {
	if err != nil {
		// perror("open");
		// (what this reader made, cleanup removes: the C's unlink)
		me.Fatal(failure(openCall(flags), err, syserr.Meanings{
			unix.ENOENT: "no such file: the FIFO was removed",
			unix.EACCES: "no permission to read the FIFO",
		}))
	}
	// if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		// fprintf(stderr, "%s exists and is not a FIFO\n", fifo);
		unix.Close(fd)
		me.Fatal(fmt.Errorf("%s exists and is not a FIFO", f.Path))
	}
	// if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
	// (whyNot, in modes.go; Go also refuses a FIFO that has replaced the
	// one this reader made or first opened)
	if why := f.whyNot(&st); why != "" {
		// fprintf(stderr, "refusing %s: a FIFO of uid %ld, mode %03o: only a FIFO of this user (uid %ld) that nobody else may write to is used\n", fifo, (long)st.st_uid, (unsigned)(st.st_mode & 0777), (long)geteuid());
		unix.Close(fd)
		me.Fatal(fmt.Errorf("refusing %s: %s.\nRemove it, or run read without -path (a private directory)", f.Path, why))
	}
	f.remember(me, fd, &st)
	return fd
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
	// unlink(fifo);
	return unix.Unlink(f.Path)
}

// remove unlinks the FIFO and removes the directory, if this program made
// them, and says so under cleanup's lock (ReleaseThen): "removed" is
// printed if and only if it is gone, whatever signal comes in between.
func (f *fifo) remove(me *say.Speaker) {
	if f.node == nil {
		me.Printf("left %s in place: it was there before", f.Path)
	}
	// The FIFO first (unlink), then the directory.
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
