//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

// TestMain lets up to six tests run side by side: most of this package's
// runs wait, on alarm()'s one-second timer or on gcc, and not on the CPU.
func TestMain(m *testing.M) { exampletest.MainParallel(m, 6) }

// Each part, run for real and compared with its golden output.
func TestDemos(t *testing.T) {
	for _, demo := range []string{"all", "kill", "raise", "alarm", "signal", "table"} {
		demo := demo
		t.Run(demo, func(t *testing.T) {
			t.Parallel()
			if demo == "all" || demo == "table" {
				// The table's C column needs gcc: without it the
				// output differs, and BuildC skips, saying why.
				exampletest.BuildC(t, "c/kill.c")
			}
			exampletest.Golden(t, "demo-"+demo, exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", demo}}), exampletest.TIDRule)
		})
	}
}

// What wait() reports for each child of the kill part.
func TestKillStatuses(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", "kill"}})
	exampletest.Contains(t, res.Out,
		"was stopped by signal 19 (SIGSTOP)",
		"caught SIGTERM on my channel: exiting normally",
		"[kernel] my SigCgt (signals with a handler) has SIGTERM",
		"[kernel] my SigCgt (signals with a handler) lacks SIGKILL",
		"sigaction(SIGKILL, SIG_IGN) failed: EINVAL")
	waits := regexp.MustCompile(`waitpid: child \d+ (.*)`).FindAllStringSubmatch(res.Out, -1)
	want := []string{
		"was stopped by signal 19 (SIGSTOP)", // waitpid(WUNTRACED)
		"was killed by signal 9 (SIGKILL)",   // stopped, then SIGKILL
		"exited with status 0",               // caught SIGTERM
		"was killed by signal 15 (SIGTERM)",  // Go's default for SIGTERM
		"was killed by signal 9 (SIGKILL)",   // Notify(SIGKILL) did nothing
	}
	if len(waits) != len(want) {
		t.Fatalf("%d waitpid lines, want %d:\n%s", len(waits), len(want), res.Out)
	}
	for i, w := range want {
		if waits[i][1] != w {
			t.Errorf("child %d: %q, want %q", i+1, waits[i][1], w)
		}
	}
}

// The -signal flag, by name and number: SIGUSR1 does not end a Go child
// that lacks Notify, SIGINT does, SIGKILL ends even the one that catches.
func TestKillSignalFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig           string
		catcher, plan string
	}{
		{"SIGUSR1", "exited with status 0", "exited with status 0"},
		{"usr2", "exited with status 0", "exited with status 0"},
		{"2", "exited with status 0", "was killed by signal 2 (SIGINT)"},
		{"KILL", "was killed by signal 9 (SIGKILL)", "was killed by signal 9 (SIGKILL)"},
	} {
		res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", "kill", "-signal", tc.sig}})
		waits := regexp.MustCompile(`waitpid: child \d+ (.*)`).FindAllStringSubmatch(res.Out, -1)
		if len(waits) != 5 || waits[2][1] != tc.catcher || waits[3][1] != tc.plan {
			t.Errorf("-signal %s: want catcher %q and plain child %q; output:\n%s", tc.sig, tc.catcher, tc.plan, res.Out)
		}
	}
	exampletest.Golden(t, "kill-usr1", exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", "kill", "-signal", "SIGUSR1"}}), exampletest.TIDRule)
}

var tableRe = regexp.MustCompile(`(?m)^parent \d+: (kill -[A-Z0-9]+|write to a broken pipe on fd \d|the same with unix.Write\(1\)) +(killed by SIG[A-Z0-9]+|survived[^ ]*(?: write\(\) got EPIPE)?|exited \d+) +(.*)$`)

// The default-actions table, cell by cell: what a learner reads off it.
func TestDefaultActionsTable(t *testing.T) {
	t.Parallel()
	exampletest.BuildC(t, "c/kill.c") // skips without gcc, as the C column would be empty
	res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", "table"}})
	got := map[string][2]string{}
	for _, m := range tableRe.FindAllStringSubmatch(res.Out, -1) {
		got[m[1]] = [2]string{m[2], m[3]}
	}
	want := map[string][2]string{
		"kill -HUP":                      {"killed by SIGHUP", "killed by SIGHUP"},
		"kill -INT":                      {"killed by SIGINT", "killed by SIGINT"},
		"kill -QUIT":                     {"killed by SIGQUIT", `exited 2 after "SIGQUIT: quit"`},
		"kill -USR1":                     {"killed by SIGUSR1", "survived"},
		"kill -USR2":                     {"killed by SIGUSR2", "survived"},
		"kill -PIPE":                     {"killed by SIGPIPE", "survived"},
		"kill -ALRM":                     {"killed by SIGALRM", "survived"},
		"kill -TERM":                     {"killed by SIGTERM", "killed by SIGTERM"},
		"kill -CHLD":                     {"survived", "survived"},
		"kill -URG":                      {"survived", "survived"},
		"write to a broken pipe on fd 1": {"killed by SIGPIPE", "killed by SIGPIPE"},
		"the same with unix.Write(1)":    {"killed by SIGPIPE", "survived: write() got EPIPE"},
		"write to a broken pipe on fd 3": {"killed by SIGPIPE", "survived: write() got EPIPE"},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: C %q, Go %q; want C %q, Go %q", k, got[k][0], got[k][1], w[0], w[1])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d table rows, want %d:\n%s", len(got), len(want), res.Out)
	}
}

// Independently of the table: this test sends a signal to the Go port and
// to the C twin while each waits for its alarm. A Go process without Notify
// for SIGUSR1 survives it and its alarm still rings; the C twin dies of it.
// SIGTERM, the control, ends the Go process too.
func TestSignalWhileWaiting(t *testing.T) {
	t.Parallel()
	goBin, cBin := exampletest.Binary(t), exampletest.BuildC(t, "c/alarm.c")
	for _, tc := range []struct {
		bin  string
		args []string
		sig  syscall.Signal
		dies bool
	}{
		{goBin, []string{"-demo", "alarm"}, unix.SIGUSR1, false},
		{cBin, nil, unix.SIGUSR1, true},
		{goBin, []string{"-demo", "alarm"}, unix.SIGTERM, true},
	} {
		p := exampletest.Start(t, tc.bin, exampletest.Opts{Args: tc.args})
		p.WaitFor("pause()")
		p.Signal(tc.sig)
		res := p.Wait()
		killed := res.Status.Signaled() && res.Status.Signal() == tc.sig
		woke := strings.Contains(res.Out, "I have been waken up by SIGALRM")
		if tc.dies && (!killed || woke) {
			t.Errorf("%s after %v: %v, want killed by it before the alarm; output:\n%s", tc.bin, tc.sig, res.Status, res.Out)
		}
		if !tc.dies && (res.Code() != 0 || !woke) {
			t.Errorf("%s after %v: %v, want exit 0 after the alarm; output:\n%s", tc.bin, tc.sig, res.Status, res.Out)
		}
	}
}

// alarm(1) really waits for the timer, about one second, and alarm()'s
// return values are those of the C twin; without a handler, SIGALRM's
// default action ends the C twin. The three run at the same time.
func TestAlarm(t *testing.T) {
	t.Parallel()
	began := time.Now()
	g := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"-demo", "alarm"}})
	c := exampletest.Start(t, exampletest.BuildC(t, "c/alarm.c"), exampletest.Opts{})
	def := exampletest.Start(t, exampletest.BuildC(t, "c/alarm.c"), exampletest.Opts{Args: []string{"-default"}})
	lines := []string{
		"alarm(5) returned 0: no alarm was set",
		"alarm(1) returned 5: the seconds left of alarm(5), which it replaces",
		"I have been waken up by SIGALRM",
		"alarm(3) returned 0: no alarm was left",
		"alarm(0) returned 3 and cancelled it",
	}
	for _, p := range []*exampletest.Proc{g, c} {
		res := p.Wait()
		if res.Code() != 0 {
			t.Errorf("exit status %v; output:\n%s", res.Status, res.Out)
		}
		exampletest.Contains(t, res.Out, lines...)
	}
	// Not a timing assertion in the flaky sense: a lower bound the kernel
	// guarantees (ITIMER_REAL never expires early), so load cannot break
	// it; it fails only if the port stopped waiting for the alarm.
	if d := time.Since(began); d < time.Second {
		t.Errorf("the alarm part took %v: it cannot have waited for alarm(1)", d)
	}
	res := def.Wait()
	if !res.Status.Signaled() || res.Status.Signal() != unix.SIGALRM {
		t.Errorf("alarm -default: %v, want killed by SIGALRM", res.Status)
	}
}

func TestAlarmFlag(t *testing.T) {
	t.Parallel()
	began := time.Now()
	res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", "alarm", "-alarm", "2"}})
	exampletest.Contains(t, res.Out, "alarm(2) returned 5", "I have been waken up by SIGALRM\" (the classic alarm.c's words), 2 s after alarm(2)")
	if d := time.Since(began); d < 2*time.Second { // a guaranteed lower bound, as above
		t.Errorf("alarm(2) rang after %v", d)
	}
}

// The signal() part, unattended (stdin is /dev/null), and what the
// kernel shows after signal.Reset.
func TestSignalUnattended(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", "signal"}})
	exampletest.Contains(t, res.Out,
		"standard input is not a terminal",
		`"I have get SIGINT" (the classic mysignal.c's words)`,
		`"I have get SIGQUIT" (the classic mysignal.c's words)`,
		"SigCgt still has SIGINT and SIGQUIT: the runtime's own handler, not SIG_DFL")
	c := exampletest.Run(t, exampletest.BuildC(t, "c/mysignal.c"), exampletest.Opts{})
	exampletest.Contains(t, c.Out, "standard input is not a terminal", "I have get SIGINT\n", "I have get SIGQUIT\n", "default actions restored")
}

// In a terminal the signal() part waits for the user; here the test plays
// the user, sending what Ctrl-C and Ctrl-\ send.
func TestSignalInTerminal(t *testing.T) {
	t.Parallel()
	for _, cmd := range [][]string{{exampletest.Binary(t), "-demo", "signal"}, {exampletest.BuildC(t, "c/mysignal.c")}} {
		bin := cmd[0]
		p := exampletest.Start(t, bin, exampletest.Opts{Args: cmd[1:], Stdin: openPTY(t)})
		p.WaitFor("press Ctrl-C, then Ctrl-\\")
		p.Signal(unix.SIGINT)
		p.WaitFor("I have get SIGINT")
		p.Signal(unix.SIGQUIT)
		p.WaitFor("I have get SIGQUIT")
		if res := p.Wait(); res.Code() != 0 {
			t.Errorf("%s: %v", bin, res.Status)
		}
	}
}

// openPTY returns the terminal end of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// raise() in Go: both kill(getpid()) and tgkill(getpid(), gettid()) reach
// the channel.
func TestRaise(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{Args: []string{"-demo", "raise"}})
	if n := strings.Count(res.Out, "received SIGUSR1 from the channel"); n != 2 {
		t.Errorf("%d SIGUSR1 received, want 2:\n%s", n, res.Out)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	exampletest.CheckBad(t, "usage: 04-signals",
		exampletest.Bad{Args: []string{"-signal", "FOO"}, Why: `unknown signal "FOO"; valid names: SIGHUP SIGINT SIGQUIT`},
		exampletest.Bad{Args: []string{"-signal", "99"}, Why: "no signal has the number 99"},
		exampletest.Bad{Args: []string{"-signal", "0"}, Why: "no signal has the number 0"},
		exampletest.Bad{Args: []string{"-signal", "STOP"}, Why: "would leave the child stopped"},
		exampletest.Bad{Args: []string{"-demo", "nope"}, Why: "-demo must be"},
		exampletest.Bad{Args: []string{"-alarm", "0"}, Why: "-alarm must be 1 to 60"},
		exampletest.Bad{Args: []string{"-alarm", "x"}, Why: "invalid value"},
		exampletest.Bad{Args: []string{"extra"}, Why: `unexpected argument "extra"`},
		exampletest.Bad{Args: []string{"-nosuchflag"}, Why: "flag provided but not defined"},
	)
}

// The corrected kill.c tells the same story as the Go port: stop, SIGKILL,
// the signal to a child with the default action, and the handler running
// inside raise().
func TestCKill(t *testing.T) {
	t.Parallel()
	bin := exampletest.BuildC(t, "c/kill.c")
	res := exampletest.Run(t, bin, exampletest.Opts{})
	exampletest.Contains(t, res.Out,
		"was stopped by signal 19",
		"was killed by signal 9",
		"was killed by signal 15",
		"signal(SIGKILL, handler) failed: Invalid argument")
	if i, j := strings.Index(res.Out, "handler: caught SIGUSR1, inside raise()"), strings.Index(res.Out, "raise() returned"); i < 0 || j < i {
		t.Errorf("in C the handler runs before raise() returns:\n%s", res.Out)
	}
	// SIGUSR1 kills the C child that has the default action.
	res = exampletest.Run(t, bin, exampletest.Opts{Args: []string{"10"}})
	exampletest.Contains(t, res.Out, "was killed by signal 10")
	res = exampletest.Run(t, bin, exampletest.Opts{Args: []string{"x"}, Split: true})
	if res.Code() != 2 || !strings.Contains(res.Stderr, "usage: kill") {
		t.Errorf("kill x: %v, stderr %q", res.Status, res.Stderr)
	}
}

// Started with SIGHUP ignored, as nohup starts a program: the shell (C)
// passes SIG_IGN across exec to the Go program, which passes it to both
// children of the table, and neither dies of SIGHUP.
func TestTableUnderNohup(t *testing.T) {
	t.Parallel()
	exampletest.BuildC(t, "c/kill.c")
	res := exampletest.Run(t, "/bin/sh", exampletest.Opts{
		Args: []string{"-c", `trap "" HUP; exec "$0" -demo table`, exampletest.Binary(t)}})
	if res.Code() != 0 {
		t.Fatalf("exit status %v:\n%s", res.Status, res.Out)
	}
	exampletest.Contains(t, res.Out, "[kernel] my SigIgn: SIGHUP (ignored signals stay ignored across exec")
	found := 0
	for _, m := range tableRe.FindAllStringSubmatch(res.Out, -1) {
		if m[1] == "kill -HUP" || m[1] == "kill -TERM" {
			found++
		}
		if m[1] == "kill -HUP" && (m[2] != "survived" || m[3] != "survived") {
			t.Errorf("kill -HUP with SIGHUP inherited ignored: C %q, Go %q; want both to survive", m[2], m[3])
		}
		if m[1] == "kill -TERM" && m[3] != "killed by SIGTERM" {
			t.Errorf("kill -TERM: Go %q", m[3])
		}
	}
	if found != 2 {
		t.Errorf("the table lacks the HUP or TERM row:\n%s", res.Out)
	}
}

// An interrupt leaves nothing behind and is not swallowed: every -demo
// ended at every step header by Ctrl-C, SIGHUP, SIGTERM and a closed
// standard output, and at the lines after which a
// child or the C build exists: each run must die of that signal (or have
// finished) and leave nothing, neither a process nor the table's build
// directory in its TMPDIR. The runs mostly wait (alarm's timer, the
// table's gcc), so each demo and each point runs beside the others.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	exampletest.BuildC(t, "c/kill.c") // the table's C column needs gcc
	points := func(l string) bool {
		return exampletest.StepHeader(l) ||
			strings.Contains(l, "built the C twin") || // the build directory exists
			strings.Contains(l, "kill -USR1 ") || // mid-table: victims come and go
			strings.Contains(l, "I catch it; ready") || // a child waits for its signal
			strings.Contains(l, "sleeps in unix.Pause()") || // a thread asleep in pause()
			strings.Contains(l, "I send SIGINT and SIGQUIT to myself") // the step that handles SIGINT itself
	}
	for _, demo := range []string{"kill", "raise", "alarm", "signal", "table"} {
		demo := demo
		t.Run(demo, func(t *testing.T) {
			t.Parallel()
			exampletest.InterruptsEach(t, exampletest.Opts{Args: []string{"-demo", demo}}, points)
		})
	}
}

// Which signal() a C program gets: glibc's signal() keeps the handler (BSD semantics) only with
// its default feature macros; gcc -std=c99 gives the System V signal(),
// which puts SIG_DFL back when the signal comes. mysignal.c, built both
// ways, says which one it got, from sigaction(SIGINT, NULL, &now).
func TestSignalSemantics(t *testing.T) {
	t.Parallel()
	bsd := exampletest.Run(t, exampletest.BuildC(t, "c/mysignal.c"), exampletest.Opts{})
	exampletest.Contains(t, bsd.Out, "signal() kept the handler after SIGINT: BSD semantics")
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	bin := filepath.Join(t.TempDir(), "mysignal-c99")
	if out, err := exec.Command(gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-o", bin, "c/mysignal.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc -std=c99: %v\n%s", err, out)
	}
	sysv := exampletest.Run(t, bin, exampletest.Opts{})
	if sysv.Code() != 0 {
		t.Fatalf("mysignal -std=c99: %v\n%s", sysv.Status, sysv.Out)
	}
	exampletest.Contains(t, sysv.Out, "signal() put SIGINT back to SIG_DFL when it came: System V semantics")
}

// A lost write is not silent: a write to standard output that fails other
// than with EPIPE (a full disk: /dev/full) is a failure, exit 1.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	res := exampletest.Run(t, "/bin/sh", exampletest.Opts{Split: true,
		Args: []string{"-c", `exec "$0" -demo raise >/dev/full`, exampletest.Binary(t)}})
	if res.Code() != 1 || !strings.Contains(res.Stderr, "no space left on device") {
		t.Errorf(">/dev/full: %v, stderr %q; want exit 1 saying why", res.Status, res.Stderr)
	}
}

// Floating-point overflow raises SIGFPE only once its exception is
// unmasked: masked (the default) 1e308 * 10 is infinity and no signal;
// after feenableexcept(FE_OVERFLOW) the same multiplication kills the
// process with SIGFPE on x86-64 (erratum 8 says so). Where the CPU cannot
// trap (feenableexcept fails, most arm64), the test says so and skips.
func TestFPEOverflow(t *testing.T) {
	t.Parallel()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		exampletest.Skip(t, "gcc not found: the floating-point experiment cannot be built")
	}
	bin := filepath.Join(t.TempDir(), "fpe_overflow")
	if out, err := exec.Command(gcc, "-Wall", "-Wextra", "-Werror", "-o", bin, "testdata/fpe_overflow.c", "-lm").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	masked := exampletest.Run(t, bin, exampletest.Opts{})
	if masked.Code() != 0 || !strings.Contains(masked.Out, "1e308 * 10 = inf, no signal") {
		t.Errorf("masked overflow: %v, want exit 0 and inf:\n%s", masked.Status, masked.Out)
	}
	trap := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"trap"}})
	if trap.Code() == 3 {
		t.Skipf("this CPU cannot trap on overflow: %s", trap.Out)
	}
	if !trap.Status.Signaled() || trap.Status.Signal() != syscall.SIGFPE {
		t.Errorf("unmasked overflow: %v, want killed by SIGFPE:\n%s", trap.Status, trap.Out)
	}
}
