//go:build linux && (amd64 || arm64)

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
//
// The files, in reading order: fifo_read.go and fifo_write.go are the
// ports of c/fifo_read.c and c/fifo_write.c; nonblocking.go is the demo;
// modes.go checks whose FIFO it is and says what its mode means.
package main

import (
	"flag"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
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
	// there (with its missing space; the "/n" is erratum "Slash-n").
	articleFull = "The FIFO has not been read yet.Please try later"
	// pollMillis paces the reader's loop, where the article slept 1 s.
	pollMillis = 1000
	// readFlags and writeFlags are the flags of the article's two open()
	// calls; Go passes O_CLOEXEC too (see openRead). fifoMode is the mode
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

// parseFlags is cmdline.Parse, and an empty value (-path "") is a usage
// error too: it is a mistake, not a flag left out.
func parseFlags(fs *flag.FlagSet, args []string, min, max int) []string {
	rest := cmdline.Parse(fs, args, usage, min, max)
	fs.Visit(func(f *flag.Flag) {
		if f.Value.String() == "" {
			cmdline.Usage(usage, "-%s is empty: give a value, or leave the flag out", f.Name)
		}
	})
	return rest
}
