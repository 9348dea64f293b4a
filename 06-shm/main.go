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
// The files: shmadd.go is the port of c/shmadd.c (parent and child),
// shm_reader.go of c/shm_reader.c (-attach), shm_fault.go of
// c/shm_fault.c (the child of -fault). Beyond the article: faultdemo.go
// (the parent of -fault), endings.go (fork's stand-in, every ending,
// -hold), leftovers.go (what kill -9 of an earlier run left), kernel.go
// (IPC_STAT, /proc views), calls.go (calls printed from the values
// passed). c/shm_writer.c is an interop peer with no Go file: it fills a
// segment for -attach, as -hold written does.
package main

import (
	"flag"
	"os"
	"os/exec"

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
		"client": shmaddChild, // shmadd.go
		"fault":  shmFault,    // shm_fault.go
	})

	fs := flag.NewFlagSet("06-shm", flag.ContinueOnError)
	peerPath := fs.String("peer", "", "the reader program")
	hold := fs.String("hold", "", "attached or written")
	leak := fs.Bool("leak", false, "never IPC_RMID, as the article")
	attachID := fs.String("attach", "", "a shmid to read")
	faulty := fs.Bool("fault", false, "touch the segment after shmdt")
	rest := cmdline.Parse(fs, os.Args[1:], usage, 0, -1)
	// -hold '' or -attach '' is a mistake, not "no -hold": refuse it.
	fs.Visit(func(f *flag.Flag) {
		if f.Value.String() == "" {
			cmdline.Usage(usage, "-%s: an empty value", f.Name)
		}
	})
	if *attachID != "" {
		if len(rest) > 0 || *peerPath != "" || *hold != "" || *leak || *faulty {
			cmdline.Usage(usage, "-attach takes no MESSAGE and no other flag")
		}
		shmReader(*attachID) // shm_reader.go
	}
	if *hold != "" && *hold != "attached" && *hold != "written" {
		cmdline.Usage(usage, "-hold must be attached or written, not %q", *hold)
	}
	if *faulty && (len(rest) > 0 || *hold != "" || *leak) {
		cmdline.Usage(usage, "-fault takes no MESSAGE, -hold or -leak")
	}
	msg := message(rest) // shmadd.go: refused before anything is made

	// Everything this run makes (the segment, the parent's attachment,
	// the child) is registered with common/cleanup the moment it exists:
	// Ctrl-C, SIGTERM, SIGHUP, a closed standard output ("| head") or a
	// failure removes it, and the program then ends as the signal would
	// have. Only kill -9 cannot be caught: see holdOn.
	cleanup.Catch("parent")
	me := say.New("parent")
	*peerPath = lookPeer(me, *peerPath)
	leftovers(me) // what kill -9 of an earlier run left (leftovers.go)
	if *faulty {
		faultDemo(me, *peerPath) // faultdemo.go
	}
	r := &run{me: me, leak: *leak}
	r.shmadd(msg, *peerPath, *hold) // shmadd.go

	say.Step(6, "what this process still holds")
	me.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}

// lookPeer finds the -peer program before the segment exists, so that a
// typo leaves nothing.
func lookPeer(me *say.Speaker, peerPath string) string {
	if peerPath == "" {
		return ""
	}
	path, err := exec.LookPath(peerPath)
	if err != nil {
		me.Fatal(syserr.Wrap("-peer "+peerPath, err, syserr.Meanings{
			unix.ENOENT: "no such program (build it: gcc -Wall -Wextra -o bin/shm_reader 06-shm/c/shm_reader.c)",
			unix.EACCES: "not executable",
		}))
	}
	return path
}
