//go:build linux && (amd64 || arm64)

// 09-compare answers the question every reader of this collection ends
// with: which IPC mechanism is fastest, and is Go slower than C here? It
// measures every mechanism of the tour side by side on this machine, the Go
// peers against C peers (c/ipcbench.c, built with gcc -O2), and prints the
// answer as tables and bars.
//
// Usage:
//
//	go run ./09-compare [-quick | -full] [-same-cpu] [-keep-awake] [-locked] [-json] [-runs N] [-only LIST]
//
// Without a flag it makes the tour-sized run (about 3 seconds on a quiet
// 2-CPU machine), which is what ./run.sh shows: the same method with fewer
// samples, shorter streams and no 4096-byte round trip. -quick makes the
// middle one (about 13 seconds), -full the full one (under two minutes).
// For each
// mechanism (pipe, FIFO, System V message queue, System V shared memory
// guarded by System V semaphores, signals, and a Unix domain socket as the
// reference) it measures:
//
//   - the round trip (ping-pong) of a 100-byte and a 4096-byte message:
//     the median and the p99 of the timed round trips, after a warm-up;
//   - the throughput of a stream of 64 KiB chunks (8 KiB messages for the
//     queue), timed from a handshake to the receiver's acknowledgement;
//   - memcpy of the same chunks, the limit shared memory is judged by.
//
// Every measurement is a pair of processes, both pinned (on two CPUs, or
// one with -same-cpu), made of this program run again in the role "peer"
// or of the C peer. Each is repeated (3 runs by default), C and Go taking
// turns to go first; a table shows the median of the runs and their range.
// Go is measured by several paths: raw system calls (as C makes them),
// *os.File (through the runtime's poller), common/sysv, signal.Notify.
// README.md has a table from a real run and explains each gap; the Go
// runtime's side of it is in peerArgs.prepare (peer.go).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
)

const usage = `usage: 09-compare [-quick | -full] [-same-cpu] [-keep-awake] [-locked] [-json]
                  [-runs N] [-only LIST]

  (no flag)   the tour-sized run, about 3 seconds (what ./run.sh shows):
              300 timed round trips of 100 B only, 32 MiB streams
  -quick      the middle run, about 13 seconds: 1000 round trips of 100 B
              and 4096 B, 128 MiB streams
  -full       the full run, under two minutes: 10000 timed round trips,
              1 GiB streams
  -same-cpu   pin both peers to one CPU instead of one CPU each
  -json       print the results as one JSON document, progress to stderr
  -runs N     runs of every measurement, C and Go taking turns to go first
              (default 3)
  -only LIST  measure only these, comma-separated:
              pipe,fifo,msg,shm,signal,unix,memcpy
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

	fs := flag.NewFlagSet("09-compare", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "")
	full := fs.Bool("full", false, "")
	smoke := fs.Bool("smoke", false, "")
	sameCPU := fs.Bool("same-cpu", false, "")
	asJSON := fs.Bool("json", false, "")
	runs := fs.Int("runs", 0, "")
	only := fs.String("only", "", "")
	hold := fs.String("hold", "", "")
	locked := fs.Bool("locked", false, "")
	keepAwake := fs.Bool("keep-awake", false, "")
	cmdline.Parse(fs, os.Args[1:], usage, 0, 0)

	pl := plans["tour"]
	switch {
	case *quick && !*full && !*smoke:
		pl = plans["quick"]
	case *quick && *full, *smoke && (*quick || *full):
		cmdline.Usage(usage, "choose one of -quick, -full and -smoke")
	case *full:
		pl = plans["full"]
	case *smoke:
		pl = plans["smoke"]
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "runs" {
			if *runs < 1 {
				cmdline.Usage(usage, "-runs must be 1 or more, not %d", *runs)
			}
			pl.runs = *runs
		}
	})
	mechs := mechanisms
	if *only != "" {
		mechs = nil
		for _, name := range strings.Split(*only, ",") {
			m := mechanismNamed(strings.TrimSpace(name))
			if m == nil {
				cmdline.Usage(usage, "-only: no mechanism %q", name)
			}
			mechs = append(mechs, m)
		}
	}
	if *hold != "" && mechanismNamed(*hold) == nil {
		cmdline.Usage(usage, "-hold: no mechanism %q", *hold)
	}
	if *locked {
		for _, m := range mechanisms {
			switch m.name {
			case "pipe", "fifo", "msg", "shm", "unix":
				m.goPaths = append(m.goPaths, "locked")
			}
		}
	}

	p := say.New("bench")
	text := os.Stdout // the story and the tables
	progress := io.Writer(os.Stdout)
	step := say.Step
	if *asJSON {
		text = nil
		progress = os.Stderr
		p = p.To(os.Stderr) // standard output is the JSON document alone
		step = func(n int, title string) { fmt.Fprintf(os.Stderr, "== Step %d: %s\n", n, title) }
	}

	// Ctrl-C (SIGINT), SIGTERM, SIGHUP and a closed standard output
	// (SIGPIPE, "09-compare | head") end the peers and remove every kernel
	// object and file before the program dies of that signal. kill -9
	// cannot be caught: the peers then die with this process
	// (PR_SET_PDEATHSIG, set by common/child), the shared memory segment
	// goes with its last attachment (it is marked IPC_RMID at once), and
	// only a queue or a semaphore set of the pair in progress is left for
	// ipcrm.
	cleanup.Catch("09-compare")

	b := &bench{plan: pl, hold: *hold, guard: time.Minute}
	b.onHold = func() {
		fmt.Fprintf(progress, "holding: the first %s pair is set up; waiting for a signal\n", *hold)
		select {}
	}
	tmpH, err := cleanup.Make(func() (string, func() error, error) {
		dir, err := os.MkdirTemp("", "09-compare-")
		b.tmp = dir
		return "directory " + dir, func() error { return os.RemoveAll(dir) }, err
	})
	if err != nil {
		p.Fatal(err)
	}
	fail := p.Fatal // removes the peers, tickers, objects and the directory first

	step(1, "the machine, and where the two peers run")
	mach := describeMachine(gccVersion())
	cpus := allowedCPUs()
	where := placement{Mode: "cross-cpu", CPUA: cpus[0], CPUB: cpus[0]}
	if len(cpus) > 1 && !*sameCPU {
		where.CPUB = cpus[1]
	} else {
		where.Mode = "same-cpu"
		if !*sameCPU {
			p.Warnf("only one CPU is allowed to this process: both peers share CPU %d", cpus[0])
		}
	}
	var tickers []*child.Cmd
	if *keepAwake {
		for i, cpu := range []int{where.CPUA, where.CPUB} {
			if i == 1 && where.CPUB == where.CPUA {
				break
			}
			h, err := startTicker(cpu)
			if err != nil {
				fail(err)
			}
			tickers = append(tickers, h)
		}
		where.KeepAwake = true
	}
	describe(progress, mach, where, pl)

	step(2, "build the C peer: gcc -O2 c/ipcbench.c")
	bin, err := buildC(b.tmp)
	switch {
	case err == errNoGCC:
		p.Warnf("%v", err)
	case err != nil:
		fail(err)
	default:
		b.cbin = bin
		fmt.Fprintf(progress, "built ipcbench with gcc %s\n", mach.GCC)
	}

	step(3, fmt.Sprintf("measure: %s of every pair, C and Go taking turns to go first", runsText(pl.runs)))
	res := newResults()
	if err := b.measure(mechs, res, progress, where); err != nil {
		fail(err)
	}
	for _, c := range tickers {
		stopTicker(c)
	}

	rows := res.rows()
	ts := targets(rows)
	if *asJSON {
		doc := document{Machine: mach, Placement: where, Mode: pl.name, Runs: pl.runs, Results: rows, Targets: ts,
			EINTR: eintrs{Go: res.eintr["go"], C: res.eintr["c"]}}
		if err := writeJSON(os.Stdout, doc); err != nil {
			fail(err)
		}
		cleanup.Exit(0)
	}

	step(4, "the results")
	whereText := "cross-CPU"
	if where.Mode == "same-cpu" {
		whereText = "same CPU"
	}
	printTables(text, rows, whereText, pl.runs)
	fmt.Fprintf(text, "\nEINTR, retried and counted: Go %d, C %d\n(the *os.File, signal.Notify and common/sysv paths retry inside and do not count)\n",
		res.eintr["go"], res.eintr["c"])
	notes(p)

	step(5, "at a glance")
	printBars(text, rows)

	step(6, "the targets: Go's raw path against C (reported, never asserted)")
	printTargets(text, ts, where.Mode == "cross-cpu")
	if pl.name == "smoke" {
		fmt.Fprintln(text, "(a -smoke run: the counts are tiny and the numbers mean nothing)")
	}

	step(7, "what this process still holds")
	tmpH.Release() // a directory of our own: nothing to report
	p.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}

// describe prints the machine, the placement and the method.
func describe(w io.Writer, m machine, where placement, pl plan) {
	gcc := m.GCC
	if gcc == "" {
		gcc = "none"
	}
	fmt.Fprintf(w, "machine    %s, %d CPUs online, Linux %s %s,\n           %s, gcc %s\n", m.CPU, m.CPUs, m.Kernel, m.Arch, m.Go, gcc)
	fmt.Fprintf(w, "load       %s (1, 5, 15 min): other work on the machine moves every number\n", m.Load)
	if where.Mode == "cross-cpu" {
		fmt.Fprintf(w, "placement  cross-CPU: peer a (ping, sender) pinned to CPU %d, peer b (pong, receiver) to CPU %d\n", where.CPUA, where.CPUB)
	} else {
		fmt.Fprintf(w, "placement  same CPU: both peers pinned to CPU %d\n", where.CPUA)
	}
	if where.KeepAwake {
		fmt.Fprintf(w, "           -keep-awake: a ticker process on each CPU wakes every millisecond\n")
	}
	fmt.Fprintf(w, "method     %s run: %d warm-up then %d timed round trips; streams of %s in 64 KiB chunks\n",
		pl.name, pl.warm, pl.rtts, sizeText(pl.total))
	fmt.Fprintf(w, "           (msgqueue: 8 KiB messages); %s each, C and Go alternating which goes first\n", runsText(pl.runs))
	if pl.maxSize > 0 {
		fmt.Fprintf(w, "           tour-sized: round trips of %d B only, few samples, rough numbers;\n", pl.maxSize)
		fmt.Fprintf(w, "           -quick (about 13 s) or -full (under two minutes) for findings\n")
	}
	fmt.Fprintf(w, "buffers    raw paths page-aligned in both languages; pipe buffer %s, socket buffer %s,\n           msgmax %d, msgmnb %d,",
		sizeText(m.PipeBuffer), sizeText(m.SockBuffer), m.MsgMax, m.MsgMnb)
	fmt.Fprintf(w, " shm ring of %d x 64 KiB slots each way\n", shmSlots)
}

func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

func sizeText(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// measure runs every job of every mechanism plan.runs times with each side.
func (b *bench) measure(mechs []*mechanism, res *results, progress io.Writer, where placement) error {
	b.cpuA, b.cpuB = where.CPUA, where.CPUB
	for _, m := range mechs {
		t0 := time.Now()
		fmt.Fprintf(progress, "%-12s", m.label)
		for _, j := range m.jobs() {
			if !b.plan.keeps(j) {
				continue
			}
			var sides []side
			if b.cbin != "" {
				sides = append(sides, side{lang: "c"})
			}
			for _, p := range m.goPaths {
				sides = append(sides, side{lang: "go", path: p})
			}
			for r := 0; r < b.plan.runs; r++ {
				for _, s := range runOrder(sides, r) {
					o, err := b.runPair(m, j, s)
					if err != nil {
						fmt.Fprintln(progress)
						return err
					}
					res.record(m, j, s, o)
				}
			}
			if j.metric == "rtt" && j.size > 0 {
				fmt.Fprintf(progress, " round trip %d B,", j.size)
			} else if j.metric == "rtt" {
				fmt.Fprintf(progress, " round trip,")
			} else if m.name == "memcpy" {
				fmt.Fprintf(progress, " %s in %s copies,", sizeText(b.plan.copied), sizeText(j.size))
			} else {
				fmt.Fprintf(progress, " %s in %s chunks,", sizeText(b.plan.total), sizeText(j.size))
			}
		}
		fmt.Fprintf(progress, " done in %.1f s\n", time.Since(t0).Seconds())
	}
	return nil
}

// runOrder is the order of the sides in run r: C first in even runs, last
// in odd ones, so that neither language always runs on a machine the other
// has just warmed up (or heated).
func runOrder(sides []side, r int) []side {
	o := make([]side, len(sides))
	for k := range sides {
		if r%2 == 1 {
			o[k] = sides[len(sides)-1-k]
		} else {
			o[k] = sides[k]
		}
	}
	return o
}

// notes says where Go differs from C in what was just measured.
func notes(p *say.Speaker) {
	p.GoNote("unix.Read/Write, raw semop, raw msgsnd/msgrcv and sigwaitinfo make C's system calls one for " +
		"one, with buffers reused; the goroutine passes through the scheduler every 16 messages, or " +
		"sysmon would take its P away at every tick (README.md: the first version lost 30 percent there).")
	p.GoNote("on a virtual machine a CPU that sleeps between messages is slow to wake, and a Go peer's " +
		"sysmon wakes its CPU now and then where a C peer's CPU just sleeps: -keep-awake evens that.")
	p.GoNote("*os.File makes the descriptor non-blocking and parks the goroutine in the runtime's poller: " +
		"read() says EAGAIN, epoll_wait wakes it, read() again: more system calls and a wake-up per message.")
	p.GoNote("common/sysv: the path measured is its MsgBuf API (MsgsndBuf, MsgrcvBuf): one buffer kept " +
		"each way, no allocation and no copy per message, so it differs from the raw path only by the " +
		"wrapper's EINTR retry and error naming. Its Msgsnd and Msgrcv, which take plain slices, build " +
		"struct msgbuf in a new buffer on every call (go test -bench Msg -benchmem ./common/sysv).")
	p.GoNote("signal.Notify: the runtime's handler queues the signal, a runtime goroutine forwards it to " +
		"the channel, and the receiving goroutine is woken: hand-offs C does not have. sigwaitinfo on " +
		"a locked thread that blocks the signal, sent there by tgkill, skips them all.")
}
