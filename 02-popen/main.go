//go:build linux && (amd64 || arm64)

// 02-popen ports the popen program of the article "进程间IPC机制" (Linux
// inter-process communication), section 4 "标准流管道": popen("ps -ef", "r")
// starts a command and reads its output line by line, pclose() waits for it.
// It adds the other direction, popen("sort", "w"), what pclose() returns for
// a command that fails or is killed, and the shell that popen runs underneath:
// why untrusted text must never be pasted into it, and the form that runs no
// shell at all.
//
// Usage:
//
//	go run ./02-popen [-r COMMAND] [-all] [-w COMMAND]
//
//	-r COMMAND  the command to read from in step 1 (default "ps -ef")
//	-all        print every line ps -ef writes, as the article does
//	-w COMMAND  the command to write to in step 2 (default "sort")
//
// By default step 1 prints, of all the processes ps lists, only the ones
// this program started: the shell that popen runs and the command under it.
// Files: popen_ps.go, popen_sort.go and pclose_status.go are the twins of
// c/popen_ps.c (the article's program, corrected), c/popen_sort.c and
// c/pclose_status.h; popen.go is popen() and pclose() for Go; ps_mine.go
// picks this program's processes out of ps -ef; injection.go is step 4.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
)

const usage = `usage: 02-popen [-r COMMAND] [-all] [-w COMMAND]

  -r COMMAND  popen(COMMAND, "r") in step 1: read what it writes (default "ps -ef")
  -all        print every line of ps -ef, as the article does (default: only
              the processes this program started)
  -w COMMAND  popen(COMMAND, "w") in step 2: write lines it reads (default "sort")

COMMAND is run by /bin/sh -c, as popen does: pass only text you wrote yourself.
`

func main() {
	// Ctrl-C, SIGTERM, SIGHUP and a closed standard output end this
	// program as the signal would, after ending every command it started.
	cleanup.Catch("parent")
	endCommandsOnInterrupt()

	fs := flag.NewFlagSet("02-popen", flag.ContinueOnError)
	readCmd := fs.String("r", "ps -ef", "the command to read from")
	all := fs.Bool("all", false, "print every line of ps -ef")
	writeCmd := fs.String("w", "sort", "the command to write to")
	cmdline.Parse(fs, os.Args[1:], usage, 0, 0)
	if strings.TrimSpace(*readCmd) == "" || strings.TrimSpace(*writeCmd) == "" {
		cmdline.Usage(usage, "-r and -w need a command")
	}

	me := say.New("parent")

	say.Step(1, fmt.Sprintf("popen(%q, \"r\"): read what the command writes (the article's program)", *readCmd))
	readFrom(me, *readCmd, *all)

	say.Step(2, fmt.Sprintf("popen(%q, \"w\"): write what the command reads", *writeCmd))
	writeTo(me, *writeCmd)

	say.Step(3, "what pclose() returns: the command's wait status")
	failing(me)

	say.Step(4, "the shell underneath: never paste untrusted input into sh -c")
	injection(me)

	say.Step(5, "what this process still holds")
	me.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}
