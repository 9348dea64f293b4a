//go:build linux && (amd64 || arm64)

// 09-compare answers the question every reader of this collection ends
// with: which IPC mechanism is fastest, and is Go slower than C here? It
// measures every mechanism of the tour side by side on this machine, the Go
// peers against C peers (c/ipcbench.c, built with gcc -O2), and prints the
// answer as tables and bars.
//
// Usage:
//
//	go run ./09-compare [-quick | -full] [-same-cpu] [-keep-awake] [-locked] [-json] [-runs N] [-only LIST] [-spin N]
//
// Without a flag it makes the tour-sized run (about 3 seconds on a quiet
// 2-CPU machine), which is what ./run.sh shows: the same method with fewer
// samples, shorter streams and no 4096-byte round trip. -quick makes the
// middle one (about 20 seconds), -full the full one (under two minutes).
// For each mechanism (pipe, FIFO, System V message queue, System V shared
// memory guarded by System V semaphores, 11-mmap's shared memory ring with
// futex sleeps and the same ring spinning only, signals, and a Unix domain
// socket as the reference) it measures the round trip of a 100-byte and a
// 4096-byte message (median and p99, after a warm-up), the throughput of a
// stream of 64 KiB chunks (8 KiB messages for the queue), messages a second
// of 64 bytes (shared memory), and memcpy of the same chunks. Every stream
// is judged by the spin ring, the most shared memory does between two
// CPUs; one local memcpy, whose data never leaves one CPU's cache, is
// printed as information.
//
// Every measurement is a pair of processes, both pinned (on two CPUs, or
// one with -same-cpu), made of this program run again in the role "peer"
// or of the C peer, repeated (3 runs by default) with C and Go taking
// turns to go first. Go is measured by several paths: raw system calls (as
// C makes them), *os.File, common/sysv, signal.Notify. README.md has the
// tables of a full run and explains each gap; the Go runtime's side of it
// is in peerArgs.prepare (peer.go).
package main

import (
	"fmt"
	"os"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
)

const usage = `usage: 09-compare [-quick | -full] [-same-cpu] [-keep-awake] [-locked] [-json]
                  [-runs N] [-only LIST] [-spin N]

  (no flag)   the tour-sized run, about 3 seconds (what ./run.sh shows):
              300 timed round trips of 100 B only, 32 MiB streams
  -quick      the middle run, about 20 seconds: 1000 round trips of 100 B
              and 4096 B, 128 MiB streams
  -full       the full run, under two minutes: 10000 timed round trips,
              1 GiB streams
  -same-cpu   pin both peers to one CPU instead of one CPU each
  -json       print the results as one JSON document, progress to stderr
  -runs N     runs of every measurement, C and Go taking turns to go first
              (default 3)
  -only LIST  measure only these, comma-separated:
              pipe,fifo,msg,shm,ring,spin,signal,unix,memcpy
              (ring: the shm ring with futex sleeps; spin: the same ring,
              spinning only, skipped with -same-cpu)
  -spin N     looks at the other side's index before the futex ring sleeps
              (default 100000, about 50 µs here; 11-mmap's ring.c takes 2000)
  -keep-awake run a ticker on each of the two CPUs, a process that wakes
              every millisecond, so that neither CPU sleeps deeply between
              messages (on a virtual machine this changes every round trip,
              and more for C than for Go: README.md says why)
  -locked     also measure the first version of the raw path: the goroutine
              locked to its thread, never through the scheduler, GOMAXPROCS
              left to the runtime (README.md says why it lost time)

  for the tests:
  -smoke      tiny counts: proves that every pair works, measures nothing
  -hold MECH  stop when the first pair of MECH is set up, until a signal
`

func main() {
	// Every measured Go process is this program again, in the role "peer".
	child.Dispatch(map[string]func([]string){"peer": peer, "ticker": ticker})
	opt := parseFlags(os.Args[1:])
	out := newOutput(opt.asJSON)
	me := out.me

	// Ctrl-C (SIGINT), SIGTERM, SIGHUP and a closed standard output
	// (SIGPIPE, "09-compare | head") end the peers and remove every kernel
	// object and file before the program dies of that signal. kill -9
	// cannot be caught: the peers then die with this process
	// (PR_SET_PDEATHSIG, set by common/child), the shared memory segment
	// goes with its last attachment (it is marked IPC_RMID at once), and
	// only a queue or a semaphore set of the pair in progress is left for
	// ipcrm.
	cleanup.Catch("09-compare")
	b, tmpH := newBench(opt, out)

	out.step(1, "the machine, and where the two peers run")
	mach, where, tickers := placePeers(opt, me)
	describe(out.progress, mach, where, b.plan, b.spin, measures(opt.mechs, "spin"))

	out.step(2, "build the C peer: gcc -O2 c/ipcbench.c")
	buildPeer(b, mach, out)

	out.step(3, fmt.Sprintf("measure: %s of every pair, C and Go taking turns to go first", runsText(b.plan.runs)))
	res := newResults()
	if err := b.measure(opt.mechs, res, out.progress, where); err != nil {
		me.Fatal(err) // removes the peers, tickers, objects and the directory first
	}
	for _, c := range tickers {
		stopTicker(c)
	}
	rows := res.rows()
	ts := targets(rows)
	if opt.asJSON {
		doc := document{Machine: mach, Placement: where, Mode: b.plan.name, Runs: b.plan.runs, Results: rows, Targets: ts,
			EINTR: eintrs{Go: res.eintr["go"], C: res.eintr["c"]}}
		if err := writeJSON(os.Stdout, doc); err != nil {
			me.Fatal(err)
		}
		cleanup.Exit(0)
	}

	out.step(4, "the results")
	printResults(out, rows, res, where, b.plan)

	out.step(5, "at a glance")
	printBars(out.text, rows)

	out.step(6, "the targets: Go's raw path against C (reported, never asserted)")
	printTargets(out.text, ts, where.Mode == "cross-cpu")
	if b.plan.name == "smoke" {
		fmt.Fprintln(out.text, "(a -smoke run: the counts are tiny and the numbers mean nothing)")
	}

	out.step(7, "what this process still holds")
	tmpH.Release() // a directory of our own: nothing to report
	me.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}
