//go:build linux && (amd64 || arm64)

// fifo_write.go is the Go port of c/fifo_write.c (printed in the article
// as fifo_read.c): open the FIFO for writing without blocking, and write
// MSG into it. It reads in the C's order, the C line as a comment above its
// Go line.

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// writeCmd is fifo_write.c (the article's fifo_read.c): open the FIFO for
// writing without blocking, check whose it is, and write MSG into it.
func writeCmd(args []string) {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	path := fs.String("path", "", "the FIFO")
	// if (argc != 3 || argv[1][0] == '\0') {
	// fprintf(stderr, "usage: fifo_write PATH MSG\n");
	// (The article printed "Please send something", went on and copied a
	// NULL pointer; any argument over 99 bytes overflowed w_buf[100].)
	rest := parseFlags(fs, args, 1, 1)
	if *path == "" {
		cmdline.Usage(usage, "write needs -path: the FIFO a reader has open")
	}
	msg := rest[0]
	// len = strlen(argv[2]);
	// if (len == 0 || len > PIPE_BUF) {
	// fprintf(stderr, "fifo_write: MSG must be 1 to %d bytes, so that one write() is atomic\n", PIPE_BUF);
	switch {
	case msg == "":
		cmdline.Usage(usage, "MSG is empty: please send something")
	case len(msg) > pipeBuf:
		cmdline.Usage(usage, "MSG is %d bytes; at most %d (PIPE_BUF) are written in one piece", len(msg), pipeBuf)
	}
	me := say.New("writer")
	fd := openWriter(me, *path)
	writeMsg(me, fd, msg)
	// close(fd); return 0;
	unix.Close(fd)
}

// openWriter opens path for writing without blocking and refuses a FIFO
// that is not this user's own (the writers of the demo open this way too).
func openWriter(me *say.Speaker, path string) int {
	// fd = open(argv[1], O_WRONLY | O_NONBLOCK);
	// (Go adds O_CLOEXEC: a child gets only what it is handed.)
	flags := writeFlags | unix.O_CLOEXEC
	fd, err := unix.Open(path, flags, 0)
	// if (fd == -1) {
	if err != nil {
		// if (errno == ENXIO)
		// fprintf(stderr, "open error; no reading process\n");
		if err == unix.ENXIO {
			me.To(os.Stderr).Warnf("open error; no reading process")
		}
		// perror("open");
		me.Fatal(failure(openCall(flags), err, syserr.Meanings{
			unix.ENXIO:  "no process has the FIFO open for reading",
			unix.ENOENT: "no such file: start the reader first (03-fifo read)",
			unix.EACCES: "no permission to write to the FIFO",
		}))
	}
	// if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		// fprintf(stderr, "%s is not a FIFO\n", argv[1]);
		unix.Close(fd)
		me.Fatal(fmt.Errorf("%s is not a FIFO", path))
	}
	// if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
	// (checked on the descriptor: the name may have been swapped since)
	if why := notOurs(&st, "read what this writer sends"); why != "" {
		// fprintf(stderr, "refusing %s: a FIFO of uid %ld, mode %03o: only a FIFO of this user (uid %ld) that nobody else may write to is used\n", argv[1], (long)st.st_uid, (unsigned)(st.st_mode & 0777), (long)geteuid());
		// close(fd);
		unix.Close(fd)
		me.Fatal(fmt.Errorf("refusing %s: %s.\nNothing was written", path, why))
	}
	me.Printf("%s returned fd %d: a reader has the FIFO open", openCall(flags), fd)
	return fd
}

// writeMsg writes msg whole, or ends the program.
func writeMsg(me *say.Speaker, fd int, msg string) {
	// nwrite = write(fd, argv[2], len);
	// (the message and nothing more: the article wrote 100 bytes whatever
	// the message's length)
	n, err := unix.Write(fd, []byte(msg))
	// if (nwrite == -1) {
	if err != nil {
		// if (errno == EAGAIN)
		// fprintf(stderr, "The FIFO has not been read yet. Please try later\n");
		if err == unix.EAGAIN {
			me.To(os.Stderr).Warnf("the article's message, verbatim: %q", articleFull)
		}
		// perror("write");
		me.Fatal(failure("write", err, syserr.Meanings{
			unix.EAGAIN: "the FIFO has no room for the whole message; nothing was written",
			unix.EPIPE:  "the reader closed the FIFO after we opened it",
		}))
	}
	if n != len(msg) { // cannot happen for len(msg) <= PIPE_BUF
		me.Fatal(fmt.Errorf("write wrote %d of %d bytes", n, len(msg)))
	}
	// printf("write \"%s\" to the FIFO\n", argv[2]);
	me.Printf("write %q to the FIFO", msg)
}

// openCall is "open(O_RDONLY|O_NONBLOCK)": the call as C writes it, from
// the flags actually passed (O_RDONLY is 0: the access mode is named
// first, the other bits through syserr.FlagNames).
func openCall(flags int) string {
	access := []string{"O_RDONLY", "O_WRONLY", "O_RDWR", "3"}[flags&unix.O_ACCMODE]
	rest := uint64(flags &^ unix.O_ACCMODE)
	if rest == 0 {
		return "open(" + access + ")"
	}
	return "open(" + access + "|" + syserr.FlagNames(rest, openFlagNames, 8) + ")"
}

// failure is syserr.Wrap with what the errno means here on a line of its
// own, under the call: a call such as open(O_WRONLY|O_NONBLOCK|O_CLOEXEC)
// and its errno fill most of a 100-column line already.
func failure(call string, err error, m syserr.Meanings) error {
	e := syserr.Wrap(call, err, nil)
	var se *syserr.Error
	if errors.As(e, &se) && m[se.Errno] != "" {
		return fmt.Errorf("%w\n%s", e, m[se.Errno])
	}
	return e
}

var openFlagNames = []syserr.Flag{
	{Bit: unix.O_NONBLOCK, Name: "O_NONBLOCK"}, {Bit: unix.O_CLOEXEC, Name: "O_CLOEXEC"},
	{Bit: unix.O_CREAT, Name: "O_CREAT"}, {Bit: unix.O_EXCL, Name: "O_EXCL"},
}
