//go:build linux && (amd64 || arm64)

// 01-pipe ports the pipe programs of the article "进程间IPC机制"
// (Linux inter-process communication): pipe_create.c, which makes a pipe
// and closes it, and pipe_rw.c, where a parent writes "Hello" and " Pipe"
// into a pipe and its child reads them.
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
// Files: pipe_create.go and pipe_rw.go are the ports of c/pipe_create.c and
// c/pipe_rw.c (the article's code, corrected); endings.go shows the two
// endings the article does not (EPIPE, SIGPIPE).
package main

import (
	"flag"
	"os"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
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
		"reader":        reader,       // pipe_rw.go
		"quitter":       quitter,      // endings.go
		"stdout-writer": stdoutWriter, // endings.go
	})
	// Ctrl-C, SIGTERM, SIGHUP and a closed standard output end this
	// program as the signal would, after ending its children.
	cleanup.Catch("parent")

	fs := flag.NewFlagSet("01-pipe", flag.ContinueOnError)
	ending := fs.String("ending", "eof", "eof, epipe or sigpipe")
	cmdline.Parse(fs, os.Args[1:], usage, 0, 0)
	if *ending != "eof" && *ending != "epipe" && *ending != "sigpipe" {
		cmdline.Usage(usage, "-ending must be eof, epipe or sigpipe, not %q", *ending)
	}
	me := say.New("parent")

	say.Step(1, "pipe() makes a pipe, close() destroys it (pipe_create)")
	pipeCreate(me)

	switch *ending {
	case "eof":
		say.Step(2, `parent writes "Hello" and " Pipe", child reads until end of file (pipe_rw.c)`)
		pipeRW(me)
	case "epipe":
		say.Step(2, "the reader leaves first: write() fails with EPIPE")
		readerLeaves(me)
	case "sigpipe":
		say.Step(2, "the reader leaves first, and the writer writes to standard output: SIGPIPE")
		readerLeavesStdout(me)
	}

	say.Step(3, "what this process still holds")
	me.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}
