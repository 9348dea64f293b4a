//go:build linux && (amd64 || arm64)

// 06-shm ports shmadd.c, the System V shared memory program of the articles
// "Inter-process communication in Linux: shared memory" and "进程间IPC机制"
// (Linux inter-process communication): a parent makes a 1024-byte segment
// with shmget(IPC_PRIVATE), attaches it with shmat and copies its argument
// into it; its child attaches the same segment and prints
// "Client get <message>".
//
// Usage:
//
//	go run ./06-shm [-peer PROGRAM] [-hold attached|written] [-leak] [MESSAGE]
//	go run ./06-shm -attach SHMID
//
// Each step shows what the kernel holds: shmctl(IPC_STAT) (size, nattch,
// cpid, lpid, the times), the segment's row of /proc/sysvipc/shm and its
// mapping in /proc/self/maps. The segment is marked for removal
// (IPC_RMID) as soon as both processes are attached, so the kernel frees it
// at the last detach whatever happens, even kill -9.
//
// The article's child sleeps one second and hopes the parent has written
// by then: shared memory itself says nothing about when the data is ready.
// Here a pipe says it.
//
// The files: shmadd.go is the port of c/shmadd.c (the parent), and
// shm_reader.go of c/shm_reader.c (the child's side, and -attach);
// shm_fault.go is the twin of c/shm_fault.c (-fault). Beyond the article:
// endings.go (cleanup on every ending, -hold, what kill -9 leaves),
// kernel.go (IPC_STAT, /proc views), calls.go (calls printed from the
// values passed). c/shm_writer.c has no Go file: -hold written plays its
// part, a filled and marked segment held open for -attach.
package main

import (
	"flag"
	"os"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 06-shm [-peer PROGRAM] [-hold attached|written] [-leak] [MESSAGE]
       06-shm -attach SHMID
       06-shm -fault [-peer PROGRAM]

  MESSAGE          what the parent writes into the segment: one argument, 1 to 1023
                   bytes (default "hello, shared memory"); quote it if it has
                   spaces; a second argument is a usage error, and so is ''
  -peer PROGRAM    the reader is PROGRAM (the C reader, c/shm_reader.c) instead of
                   this program's child; it is run as "PROGRAM SHMID 3"
  -hold attached   stop when both are attached, before IPC_RMID, until Enter:
                   kill -9 the parent there and the segment is left behind
  -hold written    stop after IPC_RMID and the write, until Enter: kill -9 the
                   parent there and the kernel frees the segment all the same
  -leak            do as the article: never IPC_RMID; the segment outlives both
                   processes (this run then removes it, as ipcrm -m does;
                   Ctrl-C removes it too: only kill -9 leaks it)
  -attach SHMID    attach an existing segment read-only and print what it holds
  -fault           a child touches the segment after shmdt: how a Go program
                   ends (exit status 2), with GOTRACEBACK=crash (SIGABRT); with
                   -peer (c/shm_fault.c), how a C program ends (SIGSEGV)
`

func main() {
	// Go cannot fork, so the child's part is this same program started
	// again in a named role, with the shmid in its argv.
	child.Dispatch(map[string]func([]string){
		"client": client,
		"fault":  fault,
	})

	fs := flag.NewFlagSet("06-shm", flag.ContinueOnError)
	peerPath := fs.String("peer", "", "the reader program")
	hold := fs.String("hold", "", "attached or written")
	leak := fs.Bool("leak", false, "never IPC_RMID, as the article")
	attachID := fs.String("attach", "", "a shmid to read")
	faulty := fs.Bool("fault", false, "touch the segment after shmdt")
	rest := cmdline.Parse(fs, os.Args[1:], usage, 0, 1)
	// -hold '' or -attach '' is a mistake, not "no -hold": refuse it.
	fs.Visit(func(f *flag.Flag) {
		if f.Value.String() == "" {
			cmdline.Usage(usage, "-%s: an empty value", f.Name)
		}
	})
	if len(rest) == 1 && rest[0] == "" {
		cmdline.Usage(usage, "MESSAGE is empty: give one, or none for the default")
	}

	if *attachID != "" {
		cleanup.Catch("reader")
		if len(rest) > 0 || *peerPath != "" || *hold != "" || *leak || *faulty {
			cmdline.Usage(usage, "-attach takes no MESSAGE and no other flag")
		}
		id, err := strconv.Atoi(*attachID)
		if err != nil || id < 0 {
			cmdline.Usage(usage, "-attach: %q is not a shmid (a number >= 0, as ipcs -m shows)", *attachID)
		}
		readOnly(id)
		cleanup.Exit(0)
	}
	if *hold != "" && *hold != "attached" && *hold != "written" {
		cmdline.Usage(usage, "-hold must be attached or written, not %q", *hold)
	}
	if *faulty && (len(rest) > 0 || *hold != "" || *leak) {
		cmdline.Usage(usage, "-fault takes no MESSAGE, -hold or -leak")
	}
	msg := defaultMsg
	if len(rest) == 1 {
		msg = rest[0]
	}
	// strncpy(p_addr, argv[1], 1024) leaves no NUL when the argument has
	// 1024 bytes or more, and the reader's printf("%s") runs off the end
	// of the segment. Refuse such a message before anything is created.
	if len(msg) > maxMsg {
		cmdline.Usage(usage, "MESSAGE is %d bytes; the segment has %d, and the reader needs a NUL after the message: at most %d",
			len(msg), segSize, maxMsg)
	}

	// Everything this run makes (the segment, the parent's attachment,
	// the child) is registered with common/cleanup the moment it exists:
	// Ctrl-C, SIGTERM, SIGHUP, a closed standard output ("| head") or a
	// failure removes it, and the program then ends as the signal would
	// have. Only kill -9 cannot be caught: see holdOn.
	cleanup.Catch("parent")
	p := say.New("parent")
	if *peerPath != "" {
		// Checked before the segment exists, so that a typo leaves nothing.
		path, err := exec.LookPath(*peerPath)
		if err != nil {
			p.Fatal(syserr.Wrap("-peer "+*peerPath, err, syserr.Meanings{
				unix.ENOENT: "no such program (build it: gcc -Wall -Wextra -o bin/shm_reader 06-shm/c/shm_reader.c)",
				unix.EACCES: "not executable",
			}))
		}
		*peerPath = path
	}
	leftovers(p) // what kill -9 of an earlier run left (leftovers.go)
	if *faulty {
		faultDemo(p, *peerPath)
	}
	r := &run{p: p, leak: *leak}
	r.demo(msg, *peerPath, *hold)

	say.Step(7, "what this process still holds")
	p.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}
