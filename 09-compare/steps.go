//go:build linux && (amd64 || arm64)

package main

// The steps of main, in its order: the flags, the output, the placement of
// the peers, the C build, the measurement, the report.

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
	"github.com/goipc/ipc-examples/common/say"
)

// options are the command line, checked.
type options struct {
	plan                       plan
	mechs                      []*mechanism
	sameCPU, asJSON, keepAwake bool
	hold                       string
	spin                       int
}

// parseFlags reads the command line; a usage error exits 2.
func parseFlags(args []string) options {
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
	spin := fs.Int("spin", ringSpinDefault, "")
	cmdline.Parse(fs, args, usage, 0, 0)

	opt := options{plan: plans["tour"], mechs: mechanisms, sameCPU: *sameCPU, asJSON: *asJSON, keepAwake: *keepAwake, hold: *hold,
		spin: *spin}
	if *spin < 0 {
		cmdline.Usage(usage, "-spin must be 0 or more, not %d", *spin)
	}
	switch {
	case *quick && *full, *smoke && (*quick || *full):
		cmdline.Usage(usage, "choose one of -quick, -full and -smoke")
	case *quick:
		opt.plan = plans["quick"]
	case *full:
		opt.plan = plans["full"]
	case *smoke:
		opt.plan = plans["smoke"]
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "runs" {
			if *runs < 1 {
				cmdline.Usage(usage, "-runs must be 1 or more, not %d", *runs)
			}
			opt.plan.runs = *runs
		}
	})
	if *only == "" && opt.plan.name == "tour" {
		// The tour leaves the spin ring out: on a busy machine a spinner
		// waits out other processes' time slices (37 s of a 75 s tour at a
		// load of 28, where the futex ring took 10). -only brings it in.
		opt.mechs = nil
		for _, m := range mechanisms {
			if m.name != "spin" {
				opt.mechs = append(opt.mechs, m)
			}
		}
	}
	if *only != "" {
		opt.mechs = nil
		for _, name := range strings.Split(*only, ",") {
			m := mechanismNamed(strings.TrimSpace(name))
			if m == nil {
				cmdline.Usage(usage, "-only: no mechanism %q", name)
			}
			opt.mechs = append(opt.mechs, m)
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
	return opt
}

// output is where each kind of line goes: with -json, standard output is
// the JSON document alone, and the story goes to standard error.
type output struct {
	me       *say.Speaker
	text     io.Writer // the tables; nil with -json
	progress io.Writer
	step     func(n int, title string)
}

func newOutput(asJSON bool) output {
	out := output{me: say.New("bench"), text: os.Stdout, progress: os.Stdout, step: say.Step}
	if asJSON {
		out.text, out.progress = nil, os.Stderr
		out.me = out.me.To(os.Stderr)
		out.step = func(n int, title string) { fmt.Fprintf(os.Stderr, "== Step %d: %s\n", n, title) }
	}
	return out
}

// newBench makes the comparison and its directory (FIFOs, the C build),
// registered for removal.
func newBench(opt options, out output) (*bench, *cleanup.Handle) {
	b := &bench{plan: opt.plan, hold: opt.hold, guard: time.Minute, spin: opt.spin}
	b.onHold = func() {
		fmt.Fprintf(out.progress, "holding: the first %s pair is set up; waiting for a signal\n", opt.hold)
		select {}
	}
	tmpH, err := cleanup.Make(func() (string, func() error, error) {
		dir, err := os.MkdirTemp("", "09-compare-")
		b.tmp = dir
		return "directory " + dir, func() error { return os.RemoveAll(dir) }, err
	})
	if err != nil {
		out.me.Fatal(err)
	}
	return b, tmpH
}

// placePeers says which CPU each peer gets, and starts the tickers of
// -keep-awake.
func placePeers(opt options, me *say.Speaker) (machine, placement, []*child.Cmd) {
	mach := describeMachine(gccVersion())
	cpus := allowedCPUs()
	where := placement{Mode: "cross-cpu", CPUA: cpus[0], CPUB: cpus[0]}
	if len(cpus) > 1 && !opt.sameCPU {
		where.CPUB = cpus[1]
	} else {
		where.Mode = "same-cpu"
		if !opt.sameCPU {
			me.Warnf("only one CPU is allowed to this process: both peers share CPU %d", cpus[0])
		}
	}
	var tickers []*child.Cmd
	if !opt.keepAwake {
		return mach, where, nil
	}
	for i, cpu := range []int{where.CPUA, where.CPUB} {
		if i == 1 && where.CPUB == where.CPUA {
			break
		}
		h, err := startTicker(cpu)
		if err != nil {
			me.Fatal(err)
		}
		tickers = append(tickers, h)
	}
	where.KeepAwake = true
	return mach, where, tickers
}

// buildPeer builds the C peer; without gcc only Go is measured.
func buildPeer(b *bench, mach machine, out output) {
	bin, err := buildC(b.tmp)
	switch {
	case err == errNoGCC:
		out.me.Warnf("%v", err)
	case err != nil:
		out.me.Fatal(err)
	default:
		b.cbin = bin
		fmt.Fprintf(out.progress, "built ipcbench with gcc %s\n", mach.GCC)
	}
}

// printResults prints the tables, the EINTR count and where Go differs.
func printResults(out output, rows []row, res *results, where placement, pl plan) {
	whereText := "cross-CPU"
	if where.Mode == "same-cpu" {
		whereText = "same CPU"
	}
	printTables(out.text, rows, whereText, pl.runs)
	fmt.Fprintf(out.text, "\nEINTR, retried and counted: Go %d, C %d\n", res.eintr["go"], res.eintr["c"])
	fmt.Fprintln(out.text, "(the *os.File, signal.Notify and common/sysv paths retry inside and do not count)")
	notes(out.me)
}

// describe prints the machine, the placement and the method.
func describe(w io.Writer, m machine, where placement, pl plan, spin int, spinRing bool) {
	gcc := m.GCC
	if gcc == "" {
		gcc = "none"
	}
	fmt.Fprintf(w, "machine    %s, %d CPUs online, Linux %s %s,\n", m.CPU, m.CPUs, m.Kernel, m.Arch)
	fmt.Fprintf(w, "           %s, gcc %s\n", m.Go, gcc)
	fmt.Fprintf(w, "load       %s (1, 5, 15 min): other work on the machine moves every number\n", m.Load)
	if where.Mode == "cross-cpu" {
		fmt.Fprintf(w, "placement  cross-CPU: peer a (ping, sender) pinned to CPU %d,\n", where.CPUA)
		fmt.Fprintf(w, "           peer b (pong, receiver) to CPU %d\n", where.CPUB)
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
		fmt.Fprintf(w, "           -quick (about 20 s) or -full (under two minutes) for findings\n")
	}
	if !spinRing {
		fmt.Fprintf(w, "           the spin ring is left out (a spinner on a busy machine is slow): -quick, -full\n")
		fmt.Fprintf(w, "           or -only ...,spin measure it, and judge every stream by it\n")
	}
	fmt.Fprintf(w, "buffers    raw paths page-aligned in both languages; pipe buffer %s, socket buffer %s,\n",
		sizeText(m.PipeBuffer), sizeText(m.SockBuffer))
	fmt.Fprintf(w, "           msgmax %d, msgmnb %d, shm ring of %d x 64 KiB slots each way\n", m.MsgMax, m.MsgMnb, shmSlots)
	if pl.msgs == 0 {
		return
	}
	msgSlots, _ := ringGeometry(msgSize)
	fmt.Fprintf(w, "rings      11-mmap's ring, a message a slot, two copies as shm+sem: %d x %d B slots for\n", msgSlots, msgSize)
	fmt.Fprintf(w, "           %d-byte messages (%d a stream; shm+sem %d), %d x 64 KiB for 64 KiB chunks;\n",
		msgSize, pl.msgs, pl.msgs/mechanismNamed("shm").msgs, shmSlots)
	fmt.Fprintf(w, "           futex ring: %d looks (-spin), then it sleeps; the spin ring never calls the kernel\n", spin)
	if spinRing {
		fmt.Fprintf(w, "yardstick  every stream against the spin ring, not one local memcpy: a stream between two\n")
		fmt.Fprintf(w, "           CPUs moves each line from one CPU's cache to the other's, a memcpy never does\n")
	}
}

func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

// measures says whether mechs has the mechanism named name.
func measures(mechs []*mechanism, name string) bool {
	for _, m := range mechs {
		if m.name == name {
			return true
		}
	}
	return false
}

// countText is n as 20k or 1M when it is a round number of them.
func countText(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%dM", n/1e6)
	case n >= 1e3 && n%1e3 == 0:
		return fmt.Sprintf("%dk", n/1e3)
	}
	return fmt.Sprint(n)
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
		if m.name == "spin" && where.Mode == "same-cpu" {
			fmt.Fprintf(progress, "%-17s skipped: on one CPU a spinner only burns its time slice\n", m.label)
			continue
		}
		t0 := time.Now()
		fmt.Fprintf(progress, "%-17s", m.label)
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
			if j.metric == "rtt" && j.size > 0 && j.size != m.sizes[0] {
				fmt.Fprintf(progress, " %d B,", j.size) // "round trip 100 B, 4096 B,"
			} else if j.metric == "rtt" && j.size > 0 {
				fmt.Fprintf(progress, " round trip %d B,", j.size)
			} else if j.metric == "rtt" {
				fmt.Fprintf(progress, " round trip,")
			} else if j.metric == "msgs" {
				fmt.Fprintf(progress, " %s x %d B,", countText(b.plan.msgs/m.msgs), j.size)
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

// notes says where Go differs from C in what was just measured. Each
// source line is a printed line.
func notes(me *say.Speaker) {
	me.GoNote("unix.Read/Write, raw semop, raw msgsnd/msgrcv and sigwaitinfo make C's\n" +
		"system calls one for one, with buffers reused; the goroutine passes\n" +
		"through the scheduler every 16 messages, or sysmon would take its P away\n" +
		"at every tick (README.md: the first version lost 30 percent there).")
	me.GoNote("on a virtual machine a CPU that sleeps between messages is slow to wake,\n" +
		"and a Go peer's sysmon wakes its CPU now and then where a C peer's CPU\n" +
		"just sleeps: -keep-awake evens that.")
	me.GoNote("*os.File makes the descriptor non-blocking and parks the goroutine in\n" +
		"the runtime's poller: read() says EAGAIN, epoll_wait wakes it, read()\n" +
		"again: more system calls and a wake-up per message.")
	me.GoNote("common/sysv: the path measured is its MsgBuf API (MsgsndBuf, MsgrcvBuf):\n" +
		"one buffer kept each way, no allocation and no copy per message, so it\n" +
		"differs from the raw path only by the wrapper's EINTR retry and error\n" +
		"naming. Its Msgsnd and Msgrcv, which take plain slices, build struct\n" +
		"msgbuf in a new buffer on every call (go test -bench Msg ./common/sysv).")
	me.GoNote("signal.Notify: the runtime's handler queues the signal, a runtime\n" +
		"goroutine forwards it to the channel, and the receiving goroutine is\n" +
		"woken: hand-offs C does not have. sigwaitinfo on a locked thread that\n" +
		"blocks the signal, sent there by tgkill, skips them all.")
}
