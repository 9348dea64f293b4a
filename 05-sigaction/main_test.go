//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/sigset"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// lines returns the output lines that contain substr, in order.
func lines(out, substr string) []string {
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, substr) {
			got = append(got, l)
		}
	}
	return got
}

// threadViews are the kernel's view of the locked thread, in order:
// "SigBlk ..., SigPnd ...; ShdPnd ...".
func threadViews(out string) []string {
	var got []string
	for _, m := range regexp.MustCompile(`\[kernel\] this thread: (.*)`).FindAllStringSubmatch(out, -1) {
		got = append(got, m[1])
	}
	return got
}

// Each part, run for real and compared with its golden output.
func TestParts(t *testing.T) {
	for _, part := range []string{"all", "sets", "mask", "process", "actions"} {
		part := part
		t.Run(part, func(t *testing.T) {
			t.Parallel()
			exampletest.Golden(t, "part-"+part, exampletest.RunOK(t, exampletest.Opts{Args: []string{"-part", part}}), exampletest.TIDRule)
		})
	}
}

// Block, pending, delivered, as the kernel shows it in
// /proc/self/task/<tid>/status at each step.
func TestMaskPendingDelivered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		block []string
		set   string // as the program prints it
		own   string // taken with sigtimedwait: the signals that also end the program
		rest  string // delivered to the channel when unblocked
	}{
		{nil, "SIGINT SIGQUIT", "SIGINT", "SIGQUIT"},
		{[]string{"-block", "USR1,15,sigchld"}, "SIGUSR1 SIGTERM SIGCHLD", "SIGTERM", "SIGUSR1 SIGCHLD"},
		{[]string{"-block", "USR2"}, "SIGUSR2", "", "SIGUSR2"},
		{[]string{"-block", "HUP,PIPE"}, "SIGHUP SIGPIPE", "SIGHUP SIGPIPE", ""},
	} {
		res := exampletest.RunOK(t, exampletest.Opts{Args: append([]string{"-part", "mask"}, tc.block...)})
		want := []string{
			"SigBlk none, SigPnd none; ShdPnd none",                     // before
			"SigBlk " + tc.set + ", SigPnd none; ShdPnd none",           // blocked
			"SigBlk " + tc.set + ", SigPnd " + tc.set + "; ShdPnd none", // sent to the thread: pending
			"SigBlk none, SigPnd none; ShdPnd none",                     // taken or delivered
		}
		got := threadViews(res.Out)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%v: the thread's signal lines:\n%s\nwant:\n%s", tc.block, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		lines := []string{
			"sigpending: " + tc.set,
			"the channel is empty: a blocked signal waits in the kernel",
			"SigBlk was all but SIGKILL SIGSTOP",
		}
		if tc.rest != "" {
			lines = append(lines, "received from the channel: "+tc.rest)
		} else {
			lines = append(lines, "pthread_sigmask(SIG_UNBLOCK): nothing is left pending to deliver")
		}
		for _, s := range strings.Fields(tc.own) {
			// Its own signal, known by its siginfo: sent by tgkill from this process.
			lines = append(lines, "sigtimedwait({"+s+"}, timeout 0) returned "+s+", si_code SI_TKILL,\n")
		}
		if tc.own != "" {
			lines = append(lines, ": sent by pid ", ": the one I raised")
		}
		for _, l := range lines {
			if !strings.Contains(res.Out, l) {
				t.Errorf("%v: output lacks %q:\n%s", tc.block, l, res.Out)
			}
		}
	}
}

// A process-wide kill() reaches the channel although the locked thread
// blocks the signal; a stopped child holds it in ShdPnd until SIGCONT.
func TestProcessWide(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-part", "process"}})
	for _, l := range []string{
		"received SIGUSR1 from the channel, although this thread blocks it",
		"SigBlk SIGUSR1, SigPnd none; ShdPnd none",
		"was stopped by signal 19 (SIGSTOP)",
		"ShdPnd SIGUSR1, SigPnd none: pending for the whole process:\n",
		"continued: received SIGUSR1 from my channel",
		"exited with status 0",
	} {
		if !strings.Contains(res.Out, l) {
			t.Errorf("output lacks %q:\n%s", l, res.Out)
		}
	}
	// The child takes SIGUSR1 only after SIGCONT.
	cont, got := strings.Index(res.Out, "SIGCONT)"), strings.Index(res.Out, "continued: received SIGUSR1")
	if cont < 0 || got < cont {
		t.Errorf("the stopped child received SIGUSR1 before SIGCONT:\n%s", res.Out)
	}
}

// Ignore, Reset, Notify+Stop as SigIgn and SigCgt show them; the runtime's
// own sigaction; inheritance by a Go child and by a C program (cat).
func TestActions(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-part", "actions"}})
	views := lines(res.Out, "; SigCgt ")
	want := []string{
		"SigIgn none; SigCgt has SIGUSR2; signal.Ignored(SIGUSR2) = false",     // start
		"SigIgn SIGUSR2; SigCgt lacks SIGUSR2; signal.Ignored(SIGUSR2) = true", // Ignore
		"SigIgn SIGUSR2; SigCgt lacks SIGUSR2; signal.Ignored(SIGUSR2) = true", // Reset: golang/go#46321
		"SigIgn none; SigCgt has SIGUSR2; signal.Ignored(SIGUSR2) = false",     // Notify + Stop
	}
	if len(views) != len(want) {
		t.Fatalf("%d SigIgn/SigCgt lines, want %d:\n%s", len(views), len(want), res.Out)
	}
	for i, w := range want {
		if !strings.HasSuffix(views[i], w) {
			t.Errorf("view %d: %q, want %q", i+1, views[i], w)
		}
	}
	for _, l := range []string{
		"sa_flags: SA_SIGINFO|SA_ONSTACK|SA_RESTART",
		"Reset does not undo Ignore (golang/go#46321)",
		"child", // the Go child
		"[kernel] my SigIgn: SIGHUP\n",
		// a Go child keeps SIG_IGN for SIGHUP only: its runtime caught SIGUSR2 again
		"[kernel] my SigCgt lacks SIGHUP, has SIGUSR2\n",
		"signal.Ignored(SIGHUP) = true, signal.Ignored(SIGUSR2) = false",
		"[kernel] SigIgn of cat: SIGHUP SIGUSR2",
		"[kernel] my SigIgn: SIGHUP; signal.Ignored(SIGHUP) = false",
		"[kernel] my SigIgn: none\n",
		"[kernel] SigIgn: none (a signal left ignored",
	} {
		if !strings.Contains(res.Out, l) {
			t.Errorf("output lacks %q:\n%s", l, res.Out)
		}
	}
}

// Started with SIGHUP ignored, as nohup starts a program: the ignore comes
// in from a shell (C) across exec, the Go child and cat inherit it, and
// the program leaves it as it found it.
func TestStartedIgnoringHUP(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	res := exampletest.Run(t, "/bin/sh", exampletest.Opts{
		Args: []string{"-c", `trap "" HUP; exec "$0" -part actions`, bin}})
	if res.Code() != 0 {
		t.Fatalf("exit status %v:\n%s", res.Status, res.Out)
	}
	for _, l := range []string{
		"SigIgn when I started: SIGHUP, inherited from whoever started me",
		"child",
		"[kernel] SigIgn of cat: SIGHUP SIGUSR2",
		"the workaround of the last step, for SIGUSR2:",
		"[kernel] SigIgn: SIGHUP (a signal left ignored",
	} {
		if !strings.Contains(res.Out, l) {
			t.Errorf("output lacks %q:\n%s", l, res.Out)
		}
	}
	if strings.Contains(res.Out, "sigaction(SIGHUP, SIG_DFL)") {
		t.Errorf("the program un-ignored the SIGHUP it was started with:\n%s", res.Out)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	exampletest.CheckBad(t, "usage: 05-sigaction",
		exampletest.Bad{Args: []string{"-block", "FOO"}, Why: `unknown signal "FOO"; valid names: SIGHUP SIGINT SIGQUIT`},
		exampletest.Bad{Args: []string{"-block", "SIGINT,NOPE"}, Why: `unknown signal "NOPE"`},
		exampletest.Bad{Args: []string{"-block", ""}, Why: `unknown signal ""`},
		exampletest.Bad{Args: []string{"-block", "KILL"}, Why: "SIGKILL can never be blocked"},
		exampletest.Bad{Args: []string{"-block", "19"}, Why: "SIGSTOP can never be blocked"},
		exampletest.Bad{Args: []string{"-block", "SIGRTMIN"}, Why: "SIGRTMIN is a real-time signal"},
		exampletest.Bad{Args: []string{"-block", "32"}, Why: "is a real-time signal"},
		// A signal the part would wait for in vain: SIGPROF never reaches
		// a channel (the mask part would hang for ever), and SIGURG comes
		// from the runtime itself all the time.
		exampletest.Bad{Args: []string{"-block", "SIGPROF"}, Why: "SIGPROF never reaches a channel: the Go runtime keeps it for its profiler"},
		exampletest.Bad{Args: []string{"-block", "INT,27"}, Why: "SIGPROF never reaches a channel"},
		exampletest.Bad{Args: []string{"-block", "URG"}, Why: "SIGURG is the Go runtime's own"},
		exampletest.Bad{Args: []string{"-block", "70"}, Why: "no signal has the number 70"},
		exampletest.Bad{Args: []string{"-part", "nope"}, Why: "-part must be"},
		exampletest.Bad{Args: []string{"extra"}, Why: `unexpected argument "extra"`},
		exampletest.Bad{Args: []string{"-nosuchflag"}, Why: "flag provided but not defined"},
	)
}

// The C twin: the article's flow and each sigaction flag, with and without
// it; its output is as deterministic as the Go program's.
func TestCSigaction(t *testing.T) {
	t.Parallel()
	bin := exampletest.BuildC(t, "c/sigaction.c")
	res := exampletest.Run(t, bin, exampletest.Opts{})
	if res.Code() != 0 {
		t.Fatalf("sigaction.c: %v\n%s", res.Status, res.Out)
	}
	exampletest.Golden(t, "c-sigaction", res)
	for _, want := range [][]string{
		// raise() pends for the thread, kill() for the process.
		{"[kernel] SigPnd 0000000000000002 = SIGINT", "[kernel] ShdPnd 0000000000000004 = SIGQUIT"},
		// sa_mask: SIGUSR2 waits for the SIGUSR1 handler to end, or not.
		{"sa_mask = {SIGUSR2}", "SIGUSR1 handler ends", "SIGUSR2 handler runs", "mask inside the handler: SIGUSR1 SIGUSR2",
			"sa_mask = {}", "SIGUSR2 handler runs", "SIGUSR1 handler ends", "mask inside the handler: SIGUSR1\n"},
		// SA_NODEFER: the second handler runs inside the first.
		{"no flag; raise(SIGUSR1)", "handler #1 ends", "handler #2 runs", "SA_NODEFER; raise(SIGUSR1)", "handler #2 runs", "handler #1 ends"},
		{"now says: SIG_DFL", "raised SIGUSR1 twice was killed by signal 10 (SIGUSR1)"},
		{"no flag: read() interrupted by SIGUSR1 returned -1, errno EINTR", "SA_RESTART: read() was restarted after the handler and returned 1 byte"},
		{"no flag: child stopped by SIGSTOP; SIGCHLD pending: yes", "SA_NOCLDSTOP: child stopped by SIGSTOP; SIGCHLD pending: no",
			"SA_NOCLDSTOP: child killed by SIGKILL; SIGCHLD pending: yes"},
	} {
		// Each sequence must appear in this order.
		rest := res.Out
		for _, w := range want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("sigaction.c: %q missing or out of order in:\n%s", w, res.Out)
				break
			}
			rest = rest[i+len(w):]
		}
	}
	bad := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"nope"}, Split: true})
	if bad.Code() != 2 || !strings.Contains(bad.Stderr, "usage: sigaction") {
		t.Errorf("sigaction nope: %v, stderr %q", bad.Status, bad.Stderr)
	}
}

// Go and C agree on what the kernel shows: a pending raise() is SigPnd of
// the thread, and a blocked set reads back from /proc the same in both.
func TestSameKernelView(t *testing.T) {
	t.Parallel()
	c := exampletest.Run(t, exampletest.BuildC(t, "c/sigaction.c"), exampletest.Opts{Args: []string{"pending"}})
	g := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-part", "mask"}})
	if !strings.Contains(c.Out, "[kernel] SigBlk 0000000000000006 = SIGINT SIGQUIT") ||
		!strings.Contains(g.Out, "SigBlk SIGINT SIGQUIT, SigPnd SIGINT SIGQUIT") {
		t.Errorf("C and Go should both block SIGINT SIGQUIT:\nC:\n%s\nGo:\n%s", c.Out, g.Out)
	}
	if !strings.Contains(c.Out, "sigpending: SIGINT SIGQUIT") || !strings.Contains(g.Out, "sigpending: SIGINT SIGQUIT") {
		t.Errorf("sigpending differs:\nC:\n%s\nGo:\n%s", c.Out, g.Out)
	}
}

// An interrupt leaves nothing behind and is not swallowed: every -part ended at every step header, and in the mask part
// after each line of the block-pending-take sequence, by Ctrl-C, SIGHUP,
// SIGTERM and a closed standard output: each run must die of that signal
// (or have finished) and leave nothing. A Ctrl-C while the mask part
// holds its own SIGINT pending used to be swallowed (exit 0).
func TestInterrupts(t *testing.T) {
	t.Parallel()
	points := func(l string) bool {
		return exampletest.StepHeader(l) ||
			strings.Contains(l, "blocked on this thread") ||
			strings.Contains(l, "nothing happens yet") ||
			strings.Contains(l, "the channel is empty") ||
			strings.Contains(l, ": the one I raised") ||
			strings.Contains(l, "signal.Notify(c, SIGUSR1); ready") || // the child exists
			strings.Contains(l, "waitpid(WUNTRACED)") || // the child is stopped
			strings.Contains(l, "signal.Ignore(SIGHUP, SIGUSR2)") // SIGHUP is ignored by this step
	}
	for _, part := range []string{"sets", "mask", "process", "actions"} {
		part := part
		t.Run(part, func(t *testing.T) {
			t.Parallel()
			n := exampletest.Interrupts(t, exampletest.Opts{Args: []string{"-part", part}}, points)
			t.Logf("-part %s: %d interrupted runs", part, n)
		})
	}
}

// A Ctrl-C is never swallowed: a Ctrl-C while the mask part blocks SIGINT on its thread (and
// holds its own SIGINT pending there) used to be taken by another thread,
// forwarded to the part's channel and swallowed: exit 0. The test stops
// the program (SIGSTOP) somewhere after "blocked on this thread", and if a
// thread of it still blocks the part's set (the kernel's SigBlk says so), sends
// the Ctrl-C and SIGCONT: it must die of SIGINT.
func TestMaskCtrlC(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	hits := 0
	for round := 0; round < 20 && hits < 5; round++ {
		p := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"-part", "mask"}})
		p.WaitFor("blocked on this thread")
		pid := p.Pid()
		if unix.Kill(pid, unix.SIGSTOP) != nil {
			p.Wait()
			continue
		}
		// Wait for the kernel to show it stopped, bounded by the guard of
		// a run (the test's deadline first, if sooner).
		guard := exampletest.Guard
		if end, ok := t.Deadline(); ok && time.Until(end)-10*time.Second < guard {
			guard = time.Until(end) - 10*time.Second
		}
		deadline := time.Now().Add(guard)
		for !stopped(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("sent SIGSTOP to -part mask (pid %d) inside the mask part; it was not stopped after the %v guard.\n"+
					"this test was reading /proc/%d/stat in a loop, waiting for state T. The program's processes:\n%s\noutput so far:\n%s",
					pid, guard, pid, processStates(pid), p.Output())
			}
			runtime.Gosched()
		}
		inStep := false
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		for _, task := range tasks {
			st, err := sigset.ReadStatus(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
			// Exactly the part's set: the runtime blocks every signal
			// on a thread for a moment now and then (around clone).
			if err == nil && st.SigBlk == sigset.Of(unix.SIGINT, unix.SIGQUIT) {
				inStep = true
			}
		}
		if inStep {
			_ = unix.Kill(-pid, unix.SIGINT)
		}
		_ = unix.Kill(pid, unix.SIGCONT)
		res := p.Wait()
		if !inStep {
			continue
		}
		hits++
		if !res.Status.Signaled() || res.Status.Signal() != unix.SIGINT {
			t.Errorf("Ctrl-C while the mask part blocked SIGINT: %v, want killed by SIGINT:\n%s", res.Status, res.Out)
		}
	}
	if hits == 0 {
		t.Fatal("never stopped the program inside the mask part")
	}
	t.Logf("%d Ctrl-Cs inside the mask part", hits)
}

// processStates says what each process of the group pgid, and each of
// its threads, is doing: state and wait channel, from /proc.
func processStates(pgid int) string {
	var b strings.Builder
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		i := strings.LastIndexByte(string(st), ')')
		if err != nil || i < 0 {
			continue
		}
		f := strings.Fields(string(st)[i+1:]) // state ppid pgrp ...
		if len(f) < 3 || f[2] != fmt.Sprint(pgid) {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		fmt.Fprintf(&b, "  pid %s: %s\n", e.Name(), strings.ReplaceAll(strings.TrimRight(string(cmd), "\x00"), "\x00", " "))
		tasks, _ := os.ReadDir("/proc/" + e.Name() + "/task")
		for _, task := range tasks {
			dir := "/proc/" + e.Name() + "/task/" + task.Name()
			tst, _ := os.ReadFile(dir + "/stat")
			state := "?"
			if j := strings.LastIndexByte(string(tst), ')'); j >= 0 && j+2 < len(tst) {
				state = string(tst[j+2])
			}
			wchan, _ := os.ReadFile(dir + "/wchan")
			sys, _ := os.ReadFile(dir + "/syscall")
			fmt.Fprintf(&b, "    thread %s: state %s, wchan %q, syscall %s\n", task.Name(), state, wchan, strings.TrimSpace(string(sys)))
		}
	}
	return b.String()
}

// stopped reports whether process pid is stopped (state T), or has
// ended (Z, or gone): either way there is nothing more to wait for.
func stopped(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || strings.IndexByte("TtZX", b[i+2]) >= 0
}

// A lost write is not silent: a write to standard output that fails other
// than with EPIPE (a full disk: /dev/full) is a failure, exit 1.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	res := exampletest.Run(t, "/bin/sh", exampletest.Opts{Split: true,
		Args: []string{"-c", `exec "$0" -part sets >/dev/full`, exampletest.Binary(t)}})
	if res.Code() != 1 || !strings.Contains(res.Stderr, "no space left on device") {
		t.Errorf(">/dev/full: %v, stderr %q; want exit 1 saying why", res.Status, res.Stderr)
	}
}
