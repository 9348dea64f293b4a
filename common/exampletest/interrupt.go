//go:build linux && (amd64 || arm64)

package exampletest

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Ending is one way a user ends a program before its end.
type Ending struct {
	Name  string
	Sig   syscall.Signal // the signal the program must die of
	Group bool           // sent to the whole process group, as a terminal does
	// CloseStdout closes the read end of the program's standard output
	// instead of sending a signal ("| head" after its first lines): the
	// next write fails with EPIPE.
	CloseStdout bool
}

// Endings are the ways a learner ends an example early: Ctrl-C, closing
// the terminal, kill PID from another terminal, and a pipe into head.
var Endings = []Ending{
	{Name: "Ctrl-C (SIGINT to the process group)", Sig: unix.SIGINT, Group: true},
	{Name: "the terminal closed (SIGHUP to the process group)", Sig: unix.SIGHUP, Group: true},
	{Name: "kill PID (SIGTERM to the first process)", Sig: unix.SIGTERM},
	{Name: "| head (standard output closed)", Sig: unix.SIGPIPE, CloseStdout: true},
}

// StepHeader is the usual interrupt point: a step header ("== Step 3: ...").
func StepHeader(line string) bool { return strings.HasPrefix(line, "== Step ") }

// Interrupts checks that the example ends cleanly whenever it is ended
// early. It runs it once to its end (it must exit 0) to find the lines for
// which at is true, its step boundaries; then, for each boundary and each
// of Endings, it runs it again, waits for that line (the program prints it
// after the point it describes, so this is a point in its run, not a
// time), ends it that way, and checks:
//
//   - it died of that very signal, after cleaning up, as a program without
//     a handler would (the shell shows 128+N), or, if the rest of the run
//     was quicker than the signal, it ran to its end and printed its last
//     line (normalised with o.Rules)
//     (with a closed standard output: it exited 0, having written all the
//     rest into the pipe before the close);
//   - it printed no error: an interrupt is not a failure;
//   - it left nothing behind: no process, no file in its TMPDIR, no System
//     V object (with o.IPC, the namespace's own check at the test's end).
//
// It returns the number of interrupted runs, for the test's log.
func Interrupts(t *testing.T, o Opts, at func(line string) bool) int {
	t.Helper()
	o.Split = true
	full := Run(t, Binary(t), o)
	if full.Code() != 0 {
		t.Fatalf("%q: exit status %d, want 0:\n%s", o.Args, full.Code(), full.Out)
	}
	return interruptsAfter(t, o, at, full)
}

// interruptsAfter is Interrupts once the full run (with o.Split) is done.
func interruptsAfter(t *testing.T, o Opts, at func(line string) bool, full *Result) int {
	t.Helper()
	bin := Binary(t)
	var points []string
	for _, l := range strings.Split(full.Out, "\n") {
		if at(l) {
			points = append(points, l)
		}
	}
	if len(points) == 0 {
		t.Fatalf("%q: no interrupt point in its output:\n%s", o.Args, full.Out)
	}
	// The runs share nothing but the binary (and o.IPC's namespace, where
	// each run's objects are its own): they run side by side, a few at a
	// time, each a subtest of its own.
	type run struct {
		i     int
		point string
		e     Ending
	}
	var todo []run
	for i, point := range points {
		for _, e := range Endings {
			todo = append(todo, run{i, point, e})
		}
	}
	slots := make(chan struct{}, interruptsAtOnce)
	var wg sync.WaitGroup
	for _, r := range todo {
		r := r
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			t.Run(fmt.Sprintf("point %d of %d, %s", r.i+1, len(points), r.e.Name), func(t *testing.T) {
				interruptOnce(t, bin, o, at, full, r.i, len(points), r.point, r.e)
			})
		}()
	}
	wg.Wait()
	runs := len(todo)
	return runs
}

// interruptsAtOnce is how many interrupted runs Interrupts has going at
// once: each mostly waits (for a line, for the program's end), so more
// than the CPUs, but few enough that a loaded machine does not turn every
// run into a guard's timeout.
const interruptsAtOnce = 4

// interruptOnce is one run of Interrupts: started, ended by e after the
// i-th point (of n), and checked.
func interruptOnce(t *testing.T, bin string, o Opts, at func(string) bool, full *Result, i, n int, point string, e Ending) {
	t.Helper()
	desc := fmt.Sprintf("%q ended by %s after %q (point %d of %d)", o.Args, e.Name, point, i+1, n)
	p := Start(t, bin, o)
	for k := 0; k <= i; k++ { // the i-th point; a line may recur
		p.waitFor(at, "the interrupt point")
	}
	switch {
	case e.CloseStdout:
		p.CloseStdout()
	case e.Group:
		unix.Kill(-p.Pid(), e.Sig) // it may have ended already
	default:
		unix.Kill(p.Pid(), e.Sig) // as above
	}
	res := p.Wait()
	ws := res.Status
	switch {
	case ws.Signaled() && ws.Signal() == e.Sig:
	case ws.Exited() && ws.ExitStatus() == 0 && !e.CloseStdout && lastLine(res, o.Rules) == lastLine(full, o.Rules):
		// it was at its very end: it printed its last line
	case ws.Exited() && ws.ExitStatus() == 0 && e.CloseStdout:
		// it had written all the rest into the pipe before the
		// close, so no write failed: legitimate, if it left
		// nothing behind
	default:
		t.Errorf("%s: it %s, want it killed by %v:\nstdout:\n%s\nstderr:\n%s", desc, describe(ws), e.Sig, res.Out, res.Stderr)
	}
	if strings.Contains(res.Stderr, "error") || strings.Contains(res.Stderr, "panic") {
		t.Errorf("%s: an interrupt reported as an error:\n%s", desc, res.Stderr)
	}
}

// waitFor waits for the next output line for which ok is true (what
// names it in the failure message).
func (p *Proc) waitFor(ok func(string) bool, what string) string {
	p.t.Helper()
	p.mu.Lock()
	for {
		for p.cursor < len(p.lines) {
			line := p.lines[p.cursor]
			if ok(line) {
				p.cursor++
				p.mu.Unlock()
				return line
			}
			p.cursor++
		}
		if p.eof {
			break
		}
		p.grew.Wait()
	}
	p.mu.Unlock()
	p.t.Fatalf("output ended without %s; it was:\n%s", what, p.Output())
	return ""
}

// lastLine is the last line of a run's standard output, normalised: the
// line that says the run got to its end (the values before it may differ
// from run to run: times, counts, ids).
func lastLine(r *Result, rules []Rule) string {
	out := strings.TrimRight(r.Out, "\n")
	return Normalize(out[strings.LastIndexByte(out, '\n')+1:], r.TmpDir, rules...)
}

func describe(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Sprintf("was killed by %v", ws.Signal())
	}
	return fmt.Sprintf("ended with wait status %#x", uint32(ws))
}
