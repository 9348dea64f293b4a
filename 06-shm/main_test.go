//go:build linux && (amd64 || arm64)

package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/syserr"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// Normalising rules for the goldens: shmids (also in the ipcs/ipcrm/-attach
// hints), the times of shmid_ds, and the PID in the kill -9 hint.
var rules = []exampletest.Rule{
	{Re: regexp.MustCompile(`(?:shmid[ =]|-attach |ipcrm -m |ipcs -m -i |no row for id )(\d+)`), Class: "SHMID"},
	{Re: regexp.MustCompile(`\b(\d\d:\d\d:\d\d)\b`), Fixed: "HH:MM:SS"},
	{Re: regexp.MustCompile(`kill -9 (\d+)`), Class: "PID"},
	// The parent and the child attach at the same time, as in c/shmadd.c
	// (fork, then shmat in both): either may be the last, in lpid.
	{Re: regexp.MustCompile(`lpid=((?:PID)?\d+)`), Fixed: "LPID"},
}

var createdRe = regexp.MustCompile(`shmget: shmid (\d+)|shmid (\d+) holds`)

// runChecked runs a program to its end and then checks, in /proc/sysvipc/shm,
// that every segment the run created is gone. A segment left behind fails
// the test and is removed, so that a failing test leaves nothing either.
func runChecked(t *testing.T, bin string, o exampletest.Opts) *exampletest.Result {
	t.Helper()
	res := exampletest.Run(t, bin, o)
	checkGone(t, res.Out)
	return res
}

func checkGone(t *testing.T, out string) {
	t.Helper()
	for _, m := range createdRe.FindAllStringSubmatch(out, -1) {
		id, _ := strconv.Atoi(m[1] + m[2])
		row, ok, err := peek.SysVRow("shm", id)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			t.Errorf("shmid %d is still in /proc/sysvipc/shm: %s", id, row.Format("key", "shmid", "perms", "nattch", "cpid"))
			if strings.Contains(out, " "+row["cpid"]+": ") { // ours: made by a process of the run
				_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) // best effort
			}
		}
	}
}

// bin is the example's binary. It skips the test, saying why, on a kernel
// without System V IPC.
func bin(t *testing.T) string {
	t.Helper()
	sysvOnce.Do(func() {
		id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 1024, 0o600)
		if err == nil {
			_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) // a probe
		}
		sysvErr = err
	})
	if sysvErr == unix.ENOSYS {
		t.Skip("this kernel has no System V IPC (shmget: ENOSYS)")
	}
	return exampletest.Binary(t)
}

var (
	sysvOnce sync.Once
	sysvErr  error
)

// The default run and a run with the article's own argument, compared
// with their golden output.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		get  string
	}{
		{"default", nil, "hello, shared memory"},
		{"argument", []string{"zengxiaolong"}, "zengxiaolong"},
		{"leak", []string{"-leak"}, "hello, shared memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runChecked(t, bin(t), exampletest.Opts{Args: tc.args})
			if res.Code() != 0 {
				t.Fatalf("exit status %d, want 0; output:\n%s", res.Code(), res.Out)
			}
			if !regexp.MustCompile(`(?m)^child \d+: Client get ` + regexp.QuoteMeta(tc.get) + `$`).MatchString(res.Out) {
				t.Errorf("the child did not print %q:\n%s", "Client get "+tc.get, res.Out)
			}
			exampletest.Contains(t, res.Out, "waitpid: child", "exited with status 0",
				"failed: EINVAL (invalid argument): the segment is gone",
				"open descriptors: 0 1 2, and the Go runtime's poller")
			exampletest.Golden(t, tc.name, res, rules...)
		})
	}
}

// statLine is one IPC_STAT line of the parent, parsed.
type statLine struct{ nattch, mode, lpid, atime, dtime string }

var statRe = regexp.MustCompile(`(?m)^parent \d+: \[kernel\] IPC_STAT: size=1024 nattch=(\d+) cpid=\d+ lpid=(\w+) mode=(\d+).*\n.*atime=(\S+) dtime=(\S+)`)

func stats(out string) []statLine {
	var s []statLine
	for _, m := range statRe.FindAllStringSubmatch(out, -1) {
		s = append(s, statLine{nattch: m[1], lpid: m[2], mode: m[3], atime: m[4], dtime: m[5]})
	}
	return s
}

// What IPC_STAT says at each step, where c/shmadd.c shows it: create,
// both attached, marked, written, child detached; then the segment is gone.
func TestKernelStateAtEachStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args          []string
		nattch, modes string
		dtimeFrom     int // the first line with a dtime: after the child's shmdt
	}{
		{nil, "0 2 2 2 1", "0600 0600 01600 01600 01600", 4},
		// The article's way: never marked; after the last shmdt it is still
		// there with nattch 0, until this run removes it.
		{[]string{"-leak"}, "0 2 2 1 0", "0600 0600 0600 0600 0600", 3},
	} {
		res := runChecked(t, bin(t), exampletest.Opts{Args: tc.args})
		var nattch, modes []string
		st := stats(res.Out)
		for _, s := range st {
			nattch = append(nattch, s.nattch)
			modes = append(modes, s.mode)
		}
		if got := strings.Join(nattch, " "); got != tc.nattch {
			t.Errorf("%q: nattch at each step: %s, want %s", tc.args, got, tc.nattch)
		}
		if got := strings.Join(modes, " "); got != tc.modes {
			t.Errorf("%q: mode at each step: %s, want %s", tc.args, got, tc.modes)
		}
		if len(st) < 3 {
			t.Fatalf("%q: only %d IPC_STAT lines:\n%s", tc.args, len(st), res.Out)
		}
		// Nobody attached yet: no lpid, no atime. The child's shmdt sets dtime.
		if st[0].lpid != "none" || st[0].atime != "never" || st[1].atime == "never" {
			t.Errorf("%q: lpid/atime before and after the first shmat: %+v, %+v", tc.args, st[0], st[1])
		}
		for i, s := range st {
			if (s.dtime != "never") != (i >= tc.dtimeFrom) {
				t.Errorf("%q: dtime at IPC_STAT %d: %s", tc.args, i, s.dtime)
			}
		}
		// The /proc row says the same: perms 1600 once marked, and the
		// pages appear when the parent writes.
		if tc.args == nil {
			exampletest.Contains(t, res.Out, "perms=600 nattch=0 rss=0", "perms=1600 nattch=2 rss=0",
				"perms=1600 nattch=2 rss=4096", "perms=1600 nattch=1 rss=4096",
				"/proc/self/maps: rw-s /SYSV00000000 (deleted)", "/proc/self/maps: r--s /SYSV00000000 (deleted)")
		} else {
			exampletest.Contains(t, res.Out, "perms=600 nattch=0 rss=4096", "nattch=0 and the segment is still there")
		}
	}
}

// A message fills the segment but for its terminating NUL: 1023 bytes go
// through whole; 1024 are refused with a usage error before anything is
// made, by the Go port and by the C twin alike.
func TestLongMessage(t *testing.T) {
	t.Parallel()
	fit := strings.Repeat("x", 1023)
	res := runChecked(t, bin(t), exampletest.Opts{Args: []string{fit}})
	if res.Code() != 0 {
		t.Fatalf("1023 bytes: exit status %d:\n%s", res.Code(), res.Out)
	}
	exampletest.Contains(t, res.Out, "Client get "+fit+"\n", "detached (1023 bytes read)")

	c := exampletest.BuildC(t, "c/shmadd.c")
	for _, b := range []string{bin(t), c} {
		res := runChecked(t, b, exampletest.Opts{Args: []string{fit + "x"}, Split: true})
		if res.Code() != 2 || res.Out != "" || !strings.Contains(res.Stderr, "MESSAGE is 1024 bytes") || !strings.Contains(res.Stderr, "usage:") {
			t.Errorf("%s with 1024 bytes: exit %d, stdout %q, stderr %q; want 2, nothing, the reason and the usage",
				b, res.Code(), res.Out, res.Stderr)
		}
	}
	cres := runChecked(t, c, exampletest.Opts{Args: []string{fit}})
	exampletest.Contains(t, cres.Out, "Client get "+fit+"\n")
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"one", "two"},
		{"-hold", "later"},
		// An empty value is a mistake, not "not given": each flag, and MESSAGE.
		{"-hold", ""},
		{"-hold="},
		{"-attach", ""},
		{"-attach="},
		{"-peer", ""},
		{"-leak="},
		{"-fault="},
		{""},
		{"-leak", ""},
		{"-attach", "x"},
		{"-attach", "-1"},
		{"-attach", "010x"},
		{"-attach", "5", "message"},
		{"-attach", "5", "-leak"},
		{"-nosuchflag"},
	} {
		res := runChecked(t, bin(t), exampletest.Opts{Args: args, Split: true})
		if res.Code() != 2 {
			t.Errorf("%q: exit status %d, want 2", args, res.Code())
		}
		if res.Out != "" || !strings.Contains(res.Stderr, "usage: 06-shm") {
			t.Errorf("%q: want usage on stderr only; stdout %q, stderr %q", args, res.Out, res.Stderr)
		}
	}
	c := exampletest.BuildC(t, "c/shmadd.c")
	for _, args := range [][]string{{"one", "two"}, {""}} {
		if res := runChecked(t, c, exampletest.Opts{Args: args, Split: true}); res.Code() != 2 || !strings.Contains(res.Stderr, "usage:") {
			t.Errorf("C twin with %q: exit %d, stderr %q", args, res.Code(), res.Stderr)
		}
	}
}

// A failing call exits 1 and names the errno on stderr: attaching a
// segment that no longer exists, and a -peer program that does not exist
// (checked before the segment is made, so nothing is left).
func TestFailingCalls(t *testing.T) {
	t.Parallel()
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 1024, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
		t.Fatal(err)
	}
	// The id is not reused soon: the kernel adds a sequence number.
	res := runChecked(t, bin(t), exampletest.Opts{Args: []string{"-attach", strconv.Itoa(id)}, Split: true})
	if res.Code() != 1 || res.Out != "" || !strings.Contains(res.Stderr, "failed: EINVAL (invalid argument): no segment has this id") {
		t.Errorf("-attach of a removed id: exit %d, stdout %q, stderr %q", res.Code(), res.Out, res.Stderr)
	}

	res = runChecked(t, bin(t), exampletest.Opts{Args: []string{"-peer", "/nonexistent/shm_reader"}, Split: true})
	if res.Code() != 1 || res.Out != "" || !strings.Contains(res.Stderr, "ENOENT") {
		t.Errorf("-peer of a missing program: exit %d, stdout %q, stderr %q", res.Code(), res.Out, res.Stderr)
	}
	cr := exampletest.BuildC(t, "c/shm_reader.c")
	res = runChecked(t, cr, exampletest.Opts{Args: []string{strconv.Itoa(id)}, Split: true})
	if res.Code() != 1 || !strings.Contains(res.Stderr, "shmat failed: EINVAL") {
		t.Errorf("C reader of a removed id: exit %d, stderr %q", res.Code(), res.Stderr)
	}
	res = runChecked(t, cr, exampletest.Opts{Args: []string{"12x"}, Split: true})
	if res.Code() != 2 || !strings.Contains(res.Stderr, "usage: shm_reader") {
		t.Errorf("C reader with a bad id: exit %d, stderr %q", res.Code(), res.Stderr)
	}
}

// The corrected C twin tells the same story and removes its segment.
func TestCTwin(t *testing.T) {
	t.Parallel()
	c := exampletest.BuildC(t, "c/shmadd.c")
	for _, args := range [][]string{nil, {"zengxiaolong"}} {
		res := runChecked(t, c, exampletest.Opts{Args: args})
		want := "hello, shared memory"
		if args != nil {
			want = args[0]
		}
		if res.Code() != 0 {
			t.Fatalf("%q: exit status %d:\n%s", args, res.Code(), res.Out)
		}
		exampletest.Contains(t, res.Out, "Client get "+want+"\n", "mode=01600 (SHM_DEST)",
			"waitpid: child", "exited with status 0", "shmctl(IPC_STAT) failed: EINVAL: the segment is gone")
		var nattch []string
		for _, m := range regexp.MustCompile(`nattch=(\d+)`).FindAllStringSubmatch(res.Out, -1) {
			nattch = append(nattch, m[1])
		}
		if got := strings.Join(nattch, " "); got != "0 2 2 1" {
			t.Errorf("%q: nattch %s, want 0 2 2 1", args, got)
		}
	}
}

// Go writes, C reads: the C reader replaces the Go child and answers the
// same handshake.
func TestGoToC(t *testing.T) {
	t.Parallel()
	c := exampletest.BuildC(t, "c/shm_reader.c")
	res := runChecked(t, bin(t), exampletest.Opts{Args: []string{"-peer", c, "from Go"}})
	if res.Code() != 0 {
		t.Fatalf("exit status %d:\n%s", res.Code(), res.Out)
	}
	if !regexp.MustCompile(`(?m)^reader \d+: Client get from Go$`).MatchString(res.Out) {
		t.Errorf("the C reader did not print the message:\n%s", res.Out)
	}
	exampletest.Contains(t, res.Out, "attached 1024 bytes, read-only (a C program)", "waitpid: reader")
	if s := stats(res.Out); len(s) < 3 || s[2].nattch != "2" {
		t.Errorf("the C reader's attachment does not show in nattch: %+v", s)
	}
	res.Out = strings.ReplaceAll(res.Out, c, "$READER")
	exampletest.Golden(t, "peer-c", res, rules...)
}

// C writes, Go reads: c/shm_writer.c makes, fills and marks a segment and
// waits; "06-shm -attach SHMID" attaches it by id and prints it.
func TestCToGo(t *testing.T) {
	t.Parallel()
	w := exampletest.BuildC(t, "c/shm_writer.c")
	in, hold, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	writer := exampletest.Start(t, w, exampletest.Opts{Args: []string{"from C"}, Stdin: in})
	line := writer.WaitFor("waiting for end of input")
	m := regexp.MustCompile(`shmid (\d+)`).FindStringSubmatch(line)
	if m == nil {
		hold.Close()
		t.Fatalf("no shmid in %q", line)
	}
	res := runChecked(t, bin(t), exampletest.Opts{Args: []string{"-attach", m[1]}})
	hold.Close() // end of input: the writer detaches, the last one
	wres := writer.Wait()
	checkGone(t, wres.Out)
	if res.Code() != 0 || wres.Code() != 0 {
		t.Fatalf("reader exit %d, writer exit %d:\n%s\n%s", res.Code(), wres.Code(), res.Out, wres.Out)
	}
	exampletest.Contains(t, res.Out, "reader ", "Client get from C\n",
		"the segment is marked for removal, and Linux still let me attach it", "nattch=2", "nattch=1")
}

// Killed while holding, in a private IPC namespace. kill -9 of the parent
// before IPC_RMID leaves the segment behind with nattch 0 (so does -leak,
// which never marks it); after IPC_RMID the kernel frees it at the last
// detach. kill -9 of the child: the parent finds it dead at waitpid and
// exits 1, leaving nothing. SIGTERM, which can be caught, removes the
// segment and ends the parent as SIGTERM does. What the hold line says
// about each kill -9 is checked too.
func TestKilledMidRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		sig   syscall.Signal
		who   string // parent or child
		args  []string
		end   string // how the example ends
		after string // the namespace's row once everyone is gone, or "none"
		says  string // what the hold line promises for this kill
	}{
		{"KILL-parent-attached", syscall.SIGKILL, "parent", []string{"-hold", "attached"}, "was killed by signal 9 (SIGKILL)", "perms=600 nattch=0", "the segment stays"},
		{"KILL-parent-written", syscall.SIGKILL, "parent", []string{"-hold", "written"}, "was killed by signal 9 (SIGKILL)", "none", "nothing is left (ipcs -m)"},
		{"KILL-parent-leak-written", syscall.SIGKILL, "parent", []string{"-leak", "-hold", "written"}, "was killed by signal 9 (SIGKILL)", "perms=600 nattch=0", "the segment stays"},
		{"KILL-child-attached", syscall.SIGKILL, "child", []string{"-hold", "attached"}, "exited with status 1", "none", "exits 1, leaving nothing"},
		{"KILL-child-written", syscall.SIGKILL, "child", []string{"-hold", "written"}, "exited with status 1", "none", "exits 1, leaving nothing"},
		{"KILL-child-leak-written", syscall.SIGKILL, "child", []string{"-leak", "-hold", "written"}, "exited with status 1", "none", "exits 1, leaving nothing"},
		{"TERM-parent-attached", syscall.SIGTERM, "parent", []string{"-hold", "attached"}, "was killed by signal 15 (SIGTERM)", "none", ""},
		{"TERM-parent-written", syscall.SIGTERM, "parent", []string{"-hold", "written"}, "was killed by signal 15 (SIGTERM)", "none", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A private IPC namespace: what the killed example leaves
			// cannot reach the machine, and the rows are only ours.
			ns := exampletest.NewIPCNamespace(t)
			if ns == nil {
				t.Skip("the kill test needs a private IPC namespace (unshare(CLONE_NEWIPC) is not permitted here)")
			}
			enter, held := mustPipe(t) // written to (closed) only after the kill
			defer held.Close()
			p := exampletest.Start(t, bin(t), exampletest.Opts{
				Args: tc.args, Stdin: enter, IPC: ns, Split: true, Guard: 30 * time.Second,
				Survivors: true, // the orphaned child is killed with its parent, and reaped
			})
			enter.Close()
			p.WaitFor("holding")
			line := p.WaitFor("kill -9 ") // the parent's line, then the child's
			if tc.who == "child" {
				line = p.WaitFor("kill -9 ")
			}
			p.WaitFor("Enter goes on")
			pid, _ := strconv.Atoi(regexp.MustCompile(`kill -9 (\d+)`).FindStringSubmatch(line)[1])

			// Before the signal: our segment, attached by both, and nothing else.
			if got := shmRows(t, ns); !regexp.MustCompile(`^key=0 shmid=\d+ perms=1?600 nattch=2$`).MatchString(got) {
				t.Errorf("rows before %v: %q, want one segment with nattch=2", tc.sig, got)
			}
			if err := unix.Kill(pid, tc.sig); err != nil {
				t.Fatal(err)
			}
			if tc.who == "child" {
				held.Close() // Enter: the parent goes on and finds it dead
			}
			res := p.Wait() // also waits for the child, whose exit is its last detach
			if got := child.DescribeStatus(res.Status); got != tc.end {
				t.Errorf("the example %s, want %s:\n%s\n%s", got, tc.end, res.Out, res.Stderr)
			}
			if tc.says != "" && !strings.Contains(res.Out, tc.says) {
				t.Errorf("the hold line does not say %q for kill -9 of the %s:\n%s", tc.says, tc.who, res.Out)
			}
			after := shmRows(t, ns)
			if (tc.after == "none") != (after == "none") || !strings.Contains(after, tc.after) {
				t.Errorf("rows after: %q, want %q", after, tc.after)
			}
			switch {
			case tc.who == "child":
				exampletest.Contains(t, res.Stderr, "error: the child", "was killed by signal 9 (SIGKILL)")
			case tc.sig == syscall.SIGTERM && tc.args[1] == "attached":
				exampletest.Contains(t, res.Stderr, "SIGTERM: removed shared memory segment")
			case tc.sig == syscall.SIGTERM:
				if res.Stderr != "" { // marked: nothing to remove, nothing to say
					t.Errorf("stderr after SIGTERM once marked: %q, want nothing", res.Stderr)
				}
			}
			// SIGKILL before IPC_RMID leaks the segment: that is the
			// lesson. Remove it, so the namespace's own check still
			// catches anything else.
			ns.Do(func() {
				rows, _ := peek.SysVRows("shm")
				for _, r := range rows {
					id, _ := strconv.Atoi(r["shmid"])
					_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) // checked by the namespace's end
				}
			})
		})
	}
}

// shmRows is the namespace's /proc/sysvipc/shm, one segment per "; ".
func shmRows(t *testing.T, ns *exampletest.IPCNamespace) string {
	rows, err := ns.Rows("shm")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return "none"
	}
	var s []string
	for _, row := range rows {
		s = append(s, row.Format("key", "shmid", "perms", "nattch"))
	}
	return strings.Join(s, "; ")
}

func mustPipe(t *testing.T) (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	return r, w
}

// "06-shm | head" must not leave the segment behind: once the reader of
// its output has gone, the next write fails with EPIPE (Go: common/say)
// or raises SIGPIPE (C), between shmget and IPC_RMID. Go: the program
// holds before IPC_RMID, the reader leaves, and Enter lets it go on into
// the closed pipe: it removes the segment and dies of SIGPIPE, as a
// program without a handler would. C: the reader is gone before the twin
// starts; the twin ignores SIGPIPE, so its printfs fail and it runs to
// its end (exit 0), removing the segment as usual.
func TestOutputReaderGone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bin  func(t *testing.T) string
		args []string
		end  string
	}{
		{"Go", bin, []string{"-hold", "attached"}, "was killed by signal 13 (SIGPIPE)"},
		{"C", func(t *testing.T) string { return exampletest.BuildC(t, "c/shmadd.c") }, nil, "exited with status 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := exampletest.NewIPCNamespace(t)
			ctx, cancel := context.WithTimeout(context.Background(), exampletest.Guard)
			defer cancel()
			cmd := exec.CommandContext(ctx, tc.bin(t), tc.args...)
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL} // dies with the namespace's thread at the latest
			outR, outW, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			inR, inW, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer inW.Close()
			cmd.Stdout, cmd.Stdin = outW, inR
			if tc.args == nil {
				outR.Close() // no reader at all
			}
			ns.Do(func() { err = cmd.Start() })
			if err != nil {
				t.Fatal(err)
			}
			exampletest.Own(t, cmd.Process.Pid)                                 // the watchdog kills it if the test binary dies
			t.Cleanup(func() { _ = unix.Kill(-cmd.Process.Pid, unix.SIGKILL) }) // usually gone
			outW.Close()
			inR.Close()
			if tc.args != nil {
				br := bufio.NewReader(outR)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						t.Fatalf("output ended before the hold: %v", err)
					}
					if strings.Contains(line, "Enter goes on") {
						break
					}
				}
				exampletest.CloseStdout(t, outR, cmd.Process.Pid) // the reader leaves, as head does after its lines
				inW.Close()                                       // Enter
			}
			_ = cmd.Wait() // the status is checked below
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if got := child.DescribeStatus(ws); got != tc.end {
				t.Errorf("it %s, want it %s; stderr %q", got, tc.end, stderr.String())
			}
			if tc.name == "Go" && !regexp.MustCompile(`^parent \d+: SIGPIPE: removed shared memory segment \d+\n$`).MatchString(stderr.String()) {
				t.Errorf("stderr %q, want the one line that says what SIGPIPE removed", stderr.String())
			}
			if rows := shmRows(t, ns); rows != "none" {
				t.Errorf("it left a segment behind: %s", rows)
			}
		})
	}
}

// -hold goes on at end of input (here /dev/null), and the run ends as
// usual.
func TestHoldGoesOn(t *testing.T) {
	t.Parallel()
	res := runChecked(t, bin(t), exampletest.Opts{Args: []string{"-hold", "written", "held"}})
	if res.Code() != 0 {
		t.Fatalf("exit status %d:\n%s", res.Code(), res.Out)
	}
	exampletest.Contains(t, res.Out, "holding (-hold written)", "going on", "Client get held\n")
}

// interruptPoint is where TestInterrupts ends a run: after each step
// header, after each line of the child or the C reader (so the child's
// role is interrupted at every point of its own), and at a hold.
func interruptPoint(line string) bool {
	return exampletest.StepHeader(line) || strings.HasPrefix(line, "child ") ||
		strings.HasPrefix(line, "reader ") || strings.Contains(line, ": holding (-hold")
}

// Every mode, ended at every point by Ctrl-C, SIGHUP, SIGTERM and a
// closed standard output, in a private IPC namespace: it dies of that
// signal (or had already ended), prints no error, and leaves nothing (the
// namespace's check at the end, and the rows counted here). Each mode is
// a subtest with a namespace of its own; they run side by side.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	reader := exampletest.BuildC(t, "c/shm_reader.c")
	faulty := exampletest.BuildC(t, "c/shm_fault.c")
	var total atomic.Int64
	t.Run("modes", func(t *testing.T) {
		for _, args := range [][]string{
			nil,
			{"-leak"},
			{"-hold", "attached"},
			{"-hold", "written"},
			{"-leak", "-hold", "written"},
			{"-peer", reader},
			{"-fault"},
			{"-fault", "-peer", faulty},
		} {
			args := args
			name := strings.Join(args, " ")
			if name == "" {
				name = "default"
			}
			name = strings.ReplaceAll(name, reader, "reader")
			name = strings.ReplaceAll(name, faulty, "faulty")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ns := exampletest.NewIPCNamespace(t)
				if ns == nil {
					t.Skip("needs a private IPC namespace (unshare(CLONE_NEWIPC) is not permitted here)")
				}
				n := exampletest.Interrupts(t, exampletest.Opts{Args: args, IPC: ns, Rules: rules}, interruptPoint)
				left := ns.Leftovers()
				t.Logf("%q: %d interrupted runs, %d left anything: %v", args, n, len(left), left)
				total.Add(int64(n))
			})
		}
		t.Run("-attach", func(t *testing.T) {
			t.Parallel()
			// -attach reads a segment someone else made: made here, in the
			// namespace, and still there, alone, after every interrupted run.
			ns := exampletest.NewIPCNamespace(t)
			if ns == nil {
				t.Skip("needs a private IPC namespace (unshare(CLONE_NEWIPC) is not permitted here)")
			}
			var id int
			var err error
			ns.Do(func() {
				if id, err = unix.SysvShmGet(unix.IPC_PRIVATE, 1024, 0o600); err == nil {
					var mem []byte
					if mem, err = unix.SysvShmAttach(id, 0, 0); err == nil {
						copy(mem, "for -attach")
						err = unix.SysvShmDetach(mem)
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			// Interrupts runs its cases side by side, all attached to this one
			// segment: how many are attached at a run's last line varies.
			attachRules := append(rules[:len(rules):len(rules)], exampletest.Rule{Re: regexp.MustCompile(`nattch=(\d+)`), Fixed: "N"})
			n := exampletest.Interrupts(t, exampletest.Opts{Args: []string{"-attach", strconv.Itoa(id)}, IPC: ns, Rules: attachRules},
				func(l string) bool { return strings.HasPrefix(l, "reader ") })
			total.Add(int64(n))
			if got := shmRows(t, ns); !regexp.MustCompile(`^key=0 shmid=\d+ perms=600 nattch=0$`).MatchString(got) {
				t.Errorf("-attach: rows after the interrupts: %q, want the test's own segment only, detached", got)
			}
			ns.Do(func() { _, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) }) // checked by the namespace's end
			t.Logf("-attach: %d interrupted runs", n)
		})
	})
	t.Logf("%d interrupted runs in all", total.Load())
}

// Touching the slice after shmdt: the Go child exits with status 2 after
// the runtime's "fatal error: fault", GOTRACEBACK=crash makes it die of
// SIGABRT, and the C twin is killed by SIGSEGV. Nothing is left.
func TestFault(t *testing.T) {
	t.Parallel()
	ns := exampletest.NewIPCNamespace(t)
	res := runChecked(t, bin(t), exampletest.Opts{Args: []string{"-fault"}, IPC: ns})
	if res.Code() != 0 {
		t.Fatalf("exit status %d:\n%s", res.Code(), res.Out)
	}
	if !regexp.MustCompile(`(?s)Step 2.*its standard error: unexpected fault address 0x[0-9a-f]+\n` +
		`.*its standard error: fatal error: fault\n.*waitpid: child \d+ exited with status 2\n` +
		`.*Step 3.*waitpid: child \d+ was killed by signal 6 \(SIGABRT\)\n`).MatchString(res.Out) {
		t.Errorf("the Go child's ends are not exit 2 then SIGABRT:\n%s", res.Out)
	}
	c := exampletest.BuildC(t, "c/shm_fault.c")
	res = runChecked(t, bin(t), exampletest.Opts{Args: []string{"-fault", "-peer", c}, IPC: ns})
	if res.Code() != 0 {
		t.Fatalf("exit status %d:\n%s", res.Code(), res.Out)
	}
	exampletest.Contains(t, res.Out, "reader ", "shmdt: detached; now reading addr[0] again",
		"was killed by signal 11 (SIGSEGV)", "removed shmid")
	if rows := shmRows(t, ns); rows != "none" {
		t.Errorf("left: %s", rows)
	}
}

// The calls are printed from the values passed: the formatter names each
// flag, and the default run shows the article's call.
func TestCallsPrinted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flags int
		names []syserr.Flag
		want  string
	}{
		{0o600, shmgetFlagNames, "0600"},
		{unix.IPC_CREAT | unix.IPC_EXCL | 0o640, shmgetFlagNames, "IPC_CREAT|IPC_EXCL|0640"},
		{shmHugeTLB | 0o600, shmgetFlagNames, "SHM_HUGETLB|0600"},
		{0, shmatFlagNames, "0"},
		{unix.SHM_RDONLY, shmatFlagNames, "SHM_RDONLY"},
		{unix.SHM_RND | shmRemap, shmatFlagNames, "SHM_RND|SHM_REMAP"},
	} {
		if got := shmFlags(tc.flags, tc.names); got != tc.want {
			t.Errorf("shmFlags(%#o) = %q, want %q", tc.flags, got, tc.want)
		}
	}
	if got := shmgetCall(); got != "shmget(IPC_PRIVATE, 1024, 0600)" {
		t.Errorf("shmgetCall() = %q: the port no longer passes the article's values", got)
	}
	res := runChecked(t, bin(t), exampletest.Opts{})
	exampletest.Contains(t, res.Out, "== Step 1: shmget(IPC_PRIVATE, 1024, 0600) makes a segment",
		"parent", "shmat(shmid, 0, 0): attached, and so is the child", ": attached 1024 bytes, read-only",
		"shmat(shmid ", ", 0, SHM_RDONLY)")
}

// Erratum shmget-eidrm (README): the article lists EIDRM among shmget's errors. On Linux
// since 2.3.30 (shmget(2), "Linux notes"), IPC_RMID makes a still-attached
// segment's key IPC_PRIVATE, so shmget(key) no longer finds it: ENOENT
// without IPC_CREAT, a new segment with it. Never EIDRM.
func TestShmgetOnMarkedKey(t *testing.T) {
	t.Parallel()
	ns := exampletest.NewIPCNamespace(t)
	if ns == nil {
		t.Skip("needs a private IPC namespace for a fixed key")
	}
	ns.Do(func() {
		const key = 0x06060606
		id, err := unix.SysvShmGet(key, 1024, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
		if err != nil {
			t.Error(err)
			return
		}
		mem, err := unix.SysvShmAttach(id, 0, 0)
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) // checked below
		if _, err := unix.SysvShmGet(key, 1024, 0o600); err != unix.ENOENT {
			t.Errorf("shmget(key) of a marked segment: %v, want ENOENT", err)
		}
		id2, err := unix.SysvShmGet(key, 1024, unix.IPC_CREAT|0o600)
		if err != nil || id2 == id {
			t.Errorf("shmget(key, IPC_CREAT) of a marked segment: id %d (old %d), %v; want a new segment", id2, id, err)
		}
		_, _ = unix.SysvShmCtl(id2, unix.IPC_RMID, nil) // the namespace's end checks
		_ = unix.SysvShmDetach(mem)                     // frees the marked one
	})
}

// What kill -9 left, the next run names: a parent killed at -hold attached
// leaves its segment (nattch 0, its creator gone); the next start names it
// on standard error with the ipcrm command, and removes nothing. A
// segment of a run still going is not named, nor one of another user.
func TestLeftoverNamed(t *testing.T) {
	t.Parallel()
	ns := exampletest.NewIPCNamespace(t)
	if ns == nil {
		t.Skip("needs a private IPC namespace (unshare(CLONE_NEWIPC) is not permitted here)")
	}
	held := func() (*exampletest.Proc, *os.File, string) {
		enter, w := mustPipe(t)
		p := exampletest.Start(t, bin(t), exampletest.Opts{
			Args: []string{"-hold", "attached"}, Stdin: enter, IPC: ns, Split: true,
			Guard: 30 * time.Second, Survivors: true,
		})
		enter.Close()
		id := regexp.MustCompile(`shmget: shmid (\d+)`).FindStringSubmatch(p.WaitFor("shmget: shmid"))[1]
		p.WaitFor("Enter goes on")
		return p, w, id
	}
	killed, w, dead := held()
	killed.Signal(syscall.SIGKILL)
	killed.Wait()
	w.Close()
	live, enter, liveID := held()

	res := runChecked(t, bin(t), exampletest.Opts{IPC: ns, Split: true})
	if res.Code() != 0 {
		t.Fatalf("exit %d:\n%s", res.Code(), res.Stderr)
	}
	exampletest.Contains(t, res.Stderr, "shmid "+dead+" (IPC_PRIVATE, 1024 bytes, nattch 0) was left by PID",
		"ipcrm -m "+dead+" removes it")
	if strings.Contains(res.Stderr, "shmid "+liveID+" ") {
		t.Errorf("the segment of a run still going (shmid %s) is named:\n%s", liveID, res.Stderr)
	}
	if got := shmRows(t, ns); !strings.Contains(got, "shmid="+dead+" ") {
		t.Errorf("the leftover was touched: rows %q", got)
	}

	// The same segment, another user's: not named.
	id, _ := strconv.Atoi(dead)
	ns.Do(func() {
		var ds unix.SysvShmDesc
		if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds); err != nil {
			t.Error(err)
			return
		}
		ds.Perm.Uid = 65534
		if _, err := unix.SysvShmCtl(id, unix.IPC_SET, &ds); err != nil {
			t.Error(err)
		}
	})
	res = runChecked(t, bin(t), exampletest.Opts{IPC: ns, Split: true})
	if strings.Contains(res.Stderr, "left by PID") {
		t.Errorf("another user's segment is named:\n%s", res.Stderr)
	}

	enter.Close() // the live run goes on and ends cleanly
	if r := live.Wait(); r.Code() != 0 {
		t.Errorf("the held run: exit %d\n%s", r.Code(), r.Stderr)
	}
	ns.Do(func() { _, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) }) // the namespace's end checks
}

// The errnos the article lists for shmget, shmat and shmdt, each provoked
// in a namespace of the test's own: EINVAL for a size below SHMMIN (0),
// above SHMMAX (lowered in the namespace) and above an existing segment's
// for its key; ENOMEM from shmget for huge pages there are none of;
// EACCES for another user, from shmget by key and from shmat (the
// namespace's thread takes euid 65534 for a moment: setresuid as a raw
// system call changes only the calling thread); EINVAL from shmdt of an
// address where nothing is attached. EEXIST, ENOENT and EIDRM:
// TestShmgetOnMarkedKey and TestShmgetErrnos' key; ENOMEM from shmat:
// TestShmatENOMEM.
func TestShmgetErrnos(t *testing.T) {
	t.Parallel()
	ns := exampletest.NewIPCNamespace(t)
	if ns == nil {
		t.Skip("needs a private IPC namespace (to lower kernel.shmmax, and for a fixed key)")
	}
	want := func(what string, err, errno error) {
		t.Helper()
		if err != errno {
			t.Errorf("%s: %v, want %v", what, err, errno)
		}
	}
	ns.Do(func() {
		const key = 0x06060607
		_, err := unix.SysvShmGet(unix.IPC_PRIVATE, 0, 0o600)
		want("shmget(IPC_PRIVATE, 0) (below SHMMIN, 1)", err, unix.EINVAL)

		id, err := unix.SysvShmGet(key, 1024, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
		if err != nil {
			t.Error(err)
			return
		}
		defer func() { _, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) }() // the namespace's end checks
		_, err = unix.SysvShmGet(key, 2048, 0o600)
		want("shmget(key, 2048) of a 1024-byte segment", err, unix.EINVAL)
		_, err = unix.SysvShmGet(key, 1024, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
		want("shmget(key, IPC_CREAT|IPC_EXCL) twice", err, unix.EEXIST)
		_, err = unix.SysvShmGet(key+1, 1024, 0o600)
		want("shmget(unused key) without IPC_CREAT", err, unix.ENOENT)

		// No huge page to be had: ENOMEM (hugetlb pages are not per namespace).
		if free, over := meminfo(t, "HugePages_Free"), readInt(t, "/proc/sys/vm/nr_overcommit_hugepages"); free == 0 && over == 0 {
			_, err = unix.SysvShmGet(unix.IPC_PRIVATE, 2<<20, shmHugeTLB|0o600)
			want("shmget(IPC_PRIVATE, 2 MiB, SHM_HUGETLB) with no huge page free", err, unix.ENOMEM)
		}

		// kernel.shmmax is per IPC namespace: 4096 here, nowhere else.
		if err := os.WriteFile("/proc/sys/kernel/shmmax", []byte("4096\n"), 0); err != nil {
			t.Errorf("lowering kernel.shmmax in the namespace: %v", err)
		} else {
			_, err = unix.SysvShmGet(unix.IPC_PRIVATE, 8192, 0o600)
			want("shmget(IPC_PRIVATE, 8192) over kernel.shmmax 4096", err, unix.EINVAL)
		}

		// Another user: euid 65534 on this thread only, then back to 0
		// (the saved set-user-ID is still 0).
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, ^uintptr(0), 65534, ^uintptr(0)); e != 0 {
			t.Errorf("setresuid: %v", e)
			return
		}
		_, errGet := unix.SysvShmGet(key, 1024, 0o600)
		_, errAt := unix.SysvShmAttach(id, 0, unix.SHM_RDONLY)
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, ^uintptr(0), 0, ^uintptr(0)); e != 0 {
			panic("cannot take euid 0 back: " + e.Error())
		}
		want("shmget(key) of a 0600 segment, as another user", errGet, unix.EACCES)
		want("shmat of a 0600 segment, as another user", errAt, unix.EACCES)

		// shmdt of memory that is not an attached segment: Go memory.
		want("shmdt(an address where no segment is attached)", unix.SysvShmDetach(make([]byte, 4096)), unix.EINVAL)
	})
}

// shmat fails with ENOMEM when the segment does not fit in what RLIMIT_AS
// leaves of the process's address space: a 4 GiB segment (SHM_NORESERVE:
// no memory is set aside for it), read by the C reader and by -attach,
// each started by a shell that has set ulimit -v (setrlimit) first. The
// Go runtime itself reserves about 1.2 GB of address space; 2.5 GiB leaves
// it room to start and none for the segment. A -race binary needs far
// more than that to start, so the Go half is left out under -race.
func TestShmatENOMEM(t *testing.T) {
	t.Parallel()
	ns := exampletest.NewIPCNamespace(t)
	if ns == nil {
		t.Skip("needs a private IPC namespace")
	}
	var id int
	var err error
	ns.Do(func() { id, err = unix.SysvShmGet(unix.IPC_PRIVATE, 4<<30, shmNoReserve|0o600) })
	if err != nil {
		t.Skipf("no 4 GiB segment here: %v", err)
	}
	defer ns.Do(func() { _, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) }) // the namespace's end checks
	limited := func(prog string, args ...string) *exampletest.Result {
		return exampletest.Run(t, "/bin/sh", exampletest.Opts{
			Args: append([]string{"-c", `ulimit -v 2621440 && exec "$@"`, "sh", prog}, args...), IPC: ns, Split: true,
		})
	}
	res := limited(exampletest.BuildC(t, "c/shm_reader.c"), strconv.Itoa(id))
	if res.Code() != 1 || !strings.Contains(res.Stderr, "shmat failed: ENOMEM") {
		t.Errorf("C reader under ulimit -v: exit %d, stderr %q", res.Code(), res.Stderr)
	}
	if raceBuild {
		return
	}
	res = limited(bin(t), "-attach", strconv.Itoa(id))
	if res.Code() != 1 || !strings.Contains(res.Stderr, "failed: ENOMEM (cannot allocate memory): no room for it in this process's address space") {
		t.Errorf("-attach under ulimit -v: exit %d, stderr %q", res.Code(), res.Stderr)
	}
}

func readInt(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// meminfo is a field of /proc/meminfo, as a number.
func meminfo(t *testing.T, field string) int {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+)`).FindSubmatch(b)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
