//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// rules normalise what changes from run to run besides PIDs: ids, the pv
// key, times, and how many updates the unprotected run lost.
var rules = []exampletest.Rule{
	{Re: regexp.MustCompile(`(?:semid[ =]|no row for id )(\d+)`), Class: "SEMID"},
	{Re: regexp.MustCompile(`shmid[ =](\d+)`), Class: "SHMID"},
	{Re: regexp.MustCompile(`(0x08[0-9a-f]{6})`), Class: "KEY"},
	{Re: regexp.MustCompile(`key=([1-9]\d*)`), Class: "KEYNUM"},
	{Re: regexp.MustCompile(`sem_otime=(\d\d:\d\d:\d\d)`), Fixed: "HH:MM:SS"},
	{Re: regexp.MustCompile(`counter = (\d+), expected \d+: \d+ updates lost`), Fixed: "N"},
	{Re: regexp.MustCompile(`counter = \S+, expected \d+: (\d+) updates lost`), Fixed: "M"},
}

// runOK runs the example in a private IPC namespace of the test's own, so
// that its sets meet no other test's and anything left behind fails the
// test (the namespace checks itself at the end), and wants exit status 0.
func runOK(t *testing.T, args ...string) *exampletest.Result {
	t.Helper()
	return exampletest.RunOK(t, exampletest.Opts{Args: args, IPC: exampletest.NewIPCNamespace(t)})
}

// Each part alone, and the demo with all of them, compared with its golden
// output.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"demo", nil},
		{"pv", []string{"pv"}},
		{"mutex", []string{"mutex"}},
		{"prodcons", []string{"prodcons"}},
		{"philosophers", []string{"philosophers"}},
		{"deadlock", []string{"philosophers", "-deadlock"}},
		{"die", []string{"die"}},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runOK(t, tc.args...)
			exampletest.Contains(t, res.Out, "every set was removed with semctl(IPC_RMID)",
				"open descriptors: 0 1 2, and the Go runtime's poller")
			exampletest.Golden(t, tc.name, res, rules...)
		})
	}
}

var counterRe = regexp.MustCompile(`counter = (\d+), expected (\d+): (exact|\d+ updates lost)`)

// counters returns the unprotected and the protected totals and what was
// expected.
func counters(t *testing.T, out string) (unprotected, protected, want int) {
	t.Helper()
	m := counterRe.FindAllStringSubmatch(out, -1)
	if len(m) != 2 || m[1][3] != "exact" {
		t.Fatalf("want an unprotected and an exact count, got %q in:\n%s", m, out)
	}
	unprotected, _ = strconv.Atoi(m[0][1])
	protected, _ = strconv.Atoi(m[1][1])
	want, _ = strconv.Atoi(m[1][2])
	return
}

// With P and V the total is exact, whatever the number of processes.
// Without, updates are lost: how many varies, so the golden hides the
// number, and this test checks that some are (the start gate and the
// sched_yield between read and write make it certain with several
// processes and many loops), so that a lock sneaking into the unprotected
// run would not go unnoticed.
func TestMutexExactTotal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ procs, loops int }{{4, 5000}, {2, 1}, {16, 500}} {
		tc := tc
		t.Run(fmt.Sprintf("%d procs %d loops", tc.procs, tc.loops), func(t *testing.T) {
			t.Parallel()
			mutexExactTotal(t, tc.procs, tc.loops)
		})
	}
}

// mutexExactTotal is one case of TestMutexExactTotal.
func mutexExactTotal(t *testing.T, procs, loops int) {
	t.Helper()
	res := runOK(t, "mutex", "-procs", strconv.Itoa(procs), "-loops", strconv.Itoa(loops))
	un, got, want := counters(t, res.Out)
	if want != procs*loops || got != want {
		t.Errorf("-procs %d -loops %d: protected counter %d, expected %d (printed %d)", procs, loops, got, procs*loops, want)
	}
	if un > want {
		t.Errorf("-procs %d -loops %d: unprotected counter %d above %d", procs, loops, un, want)
	}
	if procs > 1 && loops > 1 && un >= want {
		t.Errorf("-procs %d -loops %d: the unprotected run lost no update (%d of %d): the race is not shown", procs, loops, un, want)
	}
	if n := strings.Count(res.Out, "exited with status 0"); n != 2*procs {
		t.Errorf("-procs %d: %d workers exited with status 0, want %d", procs, n, 2*procs)
	}
}

// Go workers and the C peer (c/sem_peer.c) take turns on one counter under
// one semaphore: the total is exact.
func TestMutexWithCPeer(t *testing.T) {
	t.Parallel()
	peer := exampletest.BuildC(t, "c/sem_peer.c")
	res := runOK(t, "mutex", "-procs", "6", "-loops", "3000", "-peer", peer)
	_, got, _ := counters(t, res.Out)
	if got != 18000 {
		t.Errorf("Go and C workers: protected counter %d, want 18000", got)
	}
	for i := 1; i <= 6; i++ {
		name := fmt.Sprintf("worker #%d (pid", i)
		if i%2 == 0 {
			name = fmt.Sprintf("worker #%d (C) (pid", i)
		}
		if strings.Count(res.Out, name) != 2 {
			t.Errorf("%q should end twice (unprotected and protected):\n%s", name, res.Out)
		}
	}
}

// The producer's items reach the consumer each exactly once, in order,
// with the buffer full on the way (more items than slots) or not.
func TestProdconsExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ items, slots int }{{50, 3}, {2, 4}, {7, 1}} {
		res := runOK(t, "prodcons", "-items", strconv.Itoa(tc.items), "-slots", strconv.Itoa(tc.slots))
		var took []int
		for _, m := range regexp.MustCompile(`(?m)^consumer \d+: took item (\d+) from slot (\d+)$`).FindAllStringSubmatch(res.Out, -1) {
			item, _ := strconv.Atoi(m[1])
			slot, _ := strconv.Atoi(m[2])
			if slot != (len(took))%tc.slots {
				t.Errorf("item %d from slot %d, want slot %d", item, slot, len(took)%tc.slots)
			}
			took = append(took, item)
		}
		if len(took) != tc.items {
			t.Fatalf("-items %d: the consumer took %d items:\n%s", tc.items, len(took), res.Out)
		}
		for i, it := range took {
			if it != i+1 {
				t.Errorf("-items %d: item %d taken as number %d: not once each in order (%v)", tc.items, it, i+1, took)
				break
			}
		}
		exampletest.Contains(t, res.Out, fmt.Sprintf("%d items, 1 to %d, each exactly once, in order", tc.items, tc.items))
		if tc.items > tc.slots {
			exampletest.Contains(t, res.Out, "#1 empty: semval=0 semncnt=1 semzcnt=0\nparent",
				fmt.Sprintf("#2 full: semval=%d semncnt=0", tc.slots))
		}
	}
}

// Five philosophers eat many times without a deadlock, never two
// neighbours at once. The run must end well within the guard.
func TestPhilosophersNoDeadlock(t *testing.T) {
	t.Parallel()
	ns := exampletest.NewIPCNamespace(t)
	p := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"philosophers", "-meals", "3000"}, IPC: ns})
	done := make(chan *exampletest.Result, 1)
	go func() { done <- p.Wait() }()
	var res *exampletest.Result
	select {
	case res = <-done:
	case <-time.After(time.Minute): // a guard: 15000 meals take well under a second
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
		<-done
		t.Fatalf("philosophers still running after a minute: deadlock?\n%s", p.Output())
	}
	if res.Code() != 0 {
		t.Fatalf("exit status %d:\n%s", res.Code(), res.Out)
	}
	if n := strings.Count(res.Out, "exited with status 0, after 3000 meals"); n != 5 {
		t.Errorf("%d philosophers ate 3000 times, want 5:\n%s", n, res.Out)
	}
	exampletest.Contains(t, res.Out, "neighbours seen eating at the same time: 0")
}

// One fork at a time deadlocks for sure (the gate sees to it): every fork
// is taken and has one waiter; IPC_RMID ends it with EIDRM for all five.
func TestPhilosophersDeadlock(t *testing.T) {
	t.Parallel()
	res := runOK(t, "philosophers", "-deadlock")
	for i := 0; i < 5; i++ {
		exampletest.Contains(t, res.Out, fmt.Sprintf("#%d fork %d: semval=0 semncnt=1 semzcnt=0", i, i))
	}
	if n := strings.Count(res.Out, "exited with status 3"); n != 5 {
		t.Errorf("%d philosophers ended by EIDRM (status 3), want 5:\n%s", n, res.Out)
	}
}

// semvals lists the "#0 lock" values and sempids the parent printed, in
// order.
func semvals(out string) []string {
	var v []string
	for _, m := range regexp.MustCompile(`(?m)^parent \d+: \[kernel\]   #0 lock: semval=(\d+) semncnt=(\d+) semzcnt=(\d+)`).FindAllStringSubmatch(out, -1) {
		v = append(v, m[1]+"/"+m[2]+"/"+m[3])
	}
	return v
}

// A holder killed with SIGKILL inside the critical section: with SEM_UNDO
// the value comes back to 1 and a survivor gets the lock at once; without,
// it stays 0, a timed survivor gives up with EAGAIN, and a waiting one
// wakes only when the set is removed, with EIDRM.
func TestDieSemUndo(t *testing.T) {
	t.Parallel()
	res := runOK(t, "die")
	// semval/semncnt/semzcnt: undo: holding, after the kill; no undo:
	// holding, after the kill, the survivor waiting.
	want := "0/0/0 1/0/0 0/0/0 0/0/0 0/1/0"
	if got := strings.Join(semvals(res.Out), " "); got != want {
		t.Errorf("the lock's values: %s, want %s\n%s", got, want, res.Out)
	}
	if n := strings.Count(res.Out, "was killed by signal 9 (SIGKILL)"); n != 2 {
		t.Errorf("%d holders killed by SIGKILL, want 2", n)
	}
	exampletest.Contains(t, res.Out, "the lock is mine at once, value 0",
		"failed: EAGAIN\n", "(resource temporarily unavailable):\n", "  the timeout expired",
		"failed: EIDRM (identifier removed):\n", "  the set was removed while this call waited")
	// After the kill with SEM_UNDO, sempid is the dead holder's.
	m := regexp.MustCompile(`(?m)^holder (\d+): P: semop\(\{0, -1, SEM_UNDO\}\)[^\n]*\n(?:.*\n)*?.*semval=1 semncnt=0 semzcnt=0 sempid=(\d+)`).FindStringSubmatch(res.Out)
	if m == nil || m[1] != m[2] {
		t.Errorf("after the undo, sempid should be the killed holder's: %q", m)
	}
}

// What the kernel shows in pv: sem_otime 0 until the first semop, a waiter
// in GETNCNT and one in GETZCNT, SEM_UNDO at exit.
func TestPVKernelState(t *testing.T) {
	t.Parallel()
	res := runOK(t, "pv")
	want := "0/0/0 1/0/0 0/1/0 1/0/0 1/0/1 1/0/0"
	if got := strings.Join(semvals(res.Out), " "); got != want {
		t.Errorf("the lock's values: %s, want %s\n%s", got, want, res.Out)
	}
	exampletest.Contains(t, res.Out, "failed: EEXIST (file exists)",
		"GETVAL=0, IPC_STAT: sem_otime=never: SETVAL did not stamp it",
		"the creator has initialised the set",
		"semctl(GETVAL) failed: EINVAL",
		"the undoer ended holding the lock, and the value is 1 again")
	if i, j := strings.Index(res.Out, "sem_otime=never: not initialised yet"), strings.Index(res.Out, "V: semop({0, 1, 0}) makes the value 1"); i < 0 || j < i {
		t.Errorf("the opener should see sem_otime 0 before the V:\n%s", res.Out)
	}
}

// The C twin in the article's style: lost updates without the semaphore,
// an exact total with it, and its set removed.
func TestCTwin(t *testing.T) {
	t.Parallel()
	c := exampletest.BuildC(t, "c/sem.c")
	ns := exampletest.NewIPCNamespace(t)
	res := exampletest.Run(t, c, exampletest.Opts{Args: []string{"4", "3000"}, IPC: ns})
	if res.Code() != 0 {
		t.Fatalf("exit status %d:\n%s", res.Code(), res.Out)
	}
	_, got, _ := counters(t, res.Out)
	if got != 12000 {
		t.Errorf("C twin: protected counter %d, want 12000", got)
	}
	exampletest.Contains(t, res.Out, "semctl(IPC_RMID): the set is removed")
	for _, args := range [][]string{{"1"}, {"x"}, {"4", "0"}, {"4", "5", "6"}} {
		res := exampletest.Run(t, c, exampletest.Opts{Args: args, IPC: ns, Split: true})
		if res.Code() != 2 || !strings.Contains(res.Stderr, "usage: sem") || res.Out != "" {
			t.Errorf("C twin %q: exit %d, stdout %q, stderr %q; want 2 and the usage", args, res.Code(), res.Out, res.Stderr)
		}
	}
	peer := exampletest.BuildC(t, "c/sem_peer.c")
	for _, args := range [][]string{{}, {"1", "2", "3", "maybe"}, {"x", "2", "3", "lock"}} {
		res := exampletest.Run(t, peer, exampletest.Opts{Args: args, IPC: ns, Split: true})
		if res.Code() != 2 || !strings.Contains(res.Stderr, "usage: sem_peer") {
			t.Errorf("sem_peer %q: exit %d, stderr %q; want 2 and the usage", args, res.Code(), res.Stderr)
		}
	}
	res = exampletest.Run(t, peer, exampletest.Opts{Args: []string{"999999", "999999", "1", "lock"}, IPC: ns, Split: true})
	if res.Code() != 1 || !strings.Contains(res.Stderr, "shmat failed") {
		t.Errorf("sem_peer on no segment: exit %d, stderr %q; want 1, shmat failed", res.Code(), res.Stderr)
	}
}

// Bad counts get the usage and exit 2 before anything is made; a failing
// call (a -peer that does not exist) exits 1 with the errno named.
func TestBadInput(t *testing.T) {
	t.Parallel()
	// They make nothing, so they need no namespace of their own.
	exampletest.CheckBad(t, "usage: 08-semaphore",
		exampletest.Bad{Args: []string{"nosuchpart"}, Why: `unknown part "nosuchpart"`},
		exampletest.Bad{Args: []string{"pv", "extra"}, Why: `unexpected argument "extra"`},
		exampletest.Bad{Args: []string{"die", "-x"}, Why: "flag provided but not defined: -x"},
		exampletest.Bad{Args: []string{"mutex", "-procs", "x"}, Why: `invalid value "x" for flag -procs`},
		exampletest.Bad{Args: []string{"mutex", "-procs", "1"}, Why: "-procs must be 2 to 32, not 1"},
		exampletest.Bad{Args: []string{"mutex", "-procs", "33"}, Why: "-procs must be 2 to 32, not 33"},
		exampletest.Bad{Args: []string{"mutex", "-loops", "0"}, Why: "-loops must be 1 to 100000, not 0"},
		exampletest.Bad{Args: []string{"mutex", "-loops", "100001"}, Why: "-loops must be 1 to 100000"},
		exampletest.Bad{Args: []string{"mutex", "-loops", "1e3"}, Why: `invalid value "1e3" for flag -loops`},
		exampletest.Bad{Args: []string{"prodcons", "-items", "0"}, Why: "-items must be 1 to 1000, not 0"},
		exampletest.Bad{Args: []string{"prodcons", "-items", "1001"}, Why: "-items must be 1 to 1000"},
		exampletest.Bad{Args: []string{"prodcons", "-slots", "65"}, Why: "-slots must be 1 to 64, not 65"},
		exampletest.Bad{Args: []string{"prodcons", "-slots", "-1"}, Why: "-slots must be 1 to 64, not -1"},
		exampletest.Bad{Args: []string{"philosophers", "-meals", "0"}, Why: "-meals must be 1 to 100000, not 0"},
		exampletest.Bad{Args: []string{"philosophers", "-meals", "many"}, Why: `invalid value "many" for flag -meals`},
		exampletest.Bad{Args: []string{"philosophers", "-deadlock=maybe"}, Why: "-deadlock"},
		exampletest.Bad{Args: []string{"philosophers", "-hold"}, Why: "-hold goes with -deadlock"},
		exampletest.Bad{Args: []string{"-procs", "4"}, Why: "flag provided but not defined: -procs"},
		exampletest.Bad{Args: []string{"--", "pv"}, Why: `unexpected argument "pv"`},
		// An empty value is a mistake, not "not given".
		exampletest.Bad{Args: []string{"mutex", "-peer", ""}, Why: "-peer: an empty value"},
		exampletest.Bad{Args: []string{"mutex", "-peer="}, Why: "-peer: an empty value"},
		exampletest.Bad{Args: []string{"mutex", "-procs", ""}, Why: `invalid value "" for flag -procs`},
		exampletest.Bad{Args: []string{"mutex", "-loops="}, Why: `invalid value "" for flag -loops`},
		exampletest.Bad{Args: []string{"prodcons", "-items", ""}, Why: `invalid value "" for flag -items`},
		exampletest.Bad{Args: []string{"prodcons", "-slots", ""}, Why: `invalid value "" for flag -slots`},
		exampletest.Bad{Args: []string{"philosophers", "-meals", ""}, Why: `invalid value "" for flag -meals`},
		exampletest.Bad{Args: []string{"philosophers", "-deadlock="}, Why: "-deadlock"},
		exampletest.Bad{Args: []string{"philosophers", "-deadlock", "-hold="}, Why: "-hold"},
		exampletest.Bad{Args: []string{""}, Why: `unknown part ""`},
	)
	ns := exampletest.NewIPCNamespace(t)
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"mutex", "-peer", "/nonexistent/sem_peer"}, IPC: ns, Split: true})
	if res.Code() != 1 || res.Out != "" || !strings.Contains(res.Stderr, "failed: ENOENT") {
		t.Errorf("-peer of a missing program: exit %d, stdout %q, stderr %q", res.Code(), res.Out, res.Stderr)
	}
}

// Ctrl-C, SIGTERM or SIGHUP while the philosophers are deadlocked (-hold):
// the parent kills them, removes the set, says so on standard error and
// dies of that signal; nothing is left in the namespace. SIGKILL cannot
// be caught: the kernel keeps the set, as the README says, but not the
// segment (marked for removal from the start, it goes with the last
// attachment) nor the philosophers (PR_SET_PDEATHSIG kills them).
func TestInterrupted(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		sig := sig
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel() // each in a namespace of its own
			ns := needNS(t)
			enter, held, err := os.Pipe() // never written: -hold waits for Enter
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()
			p := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{
				Args: []string{"philosophers", "-deadlock", "-hold"}, IPC: ns, Stdin: enter, Split: true,
				Survivors: sig == syscall.SIGKILL, // the philosophers die of PDEATHSIG, a moment later
			})
			enter.Close()
			p.WaitFor("holding (-hold)")
			p.Signal(sig)
			res := p.Wait()
			if !res.Status.Signaled() || res.Status.Signal() != sig {
				t.Errorf("%v: wait status %v, want killed by %v", sig, res.Status, sig)
			}
			sem, err := ns.Rows("sem")
			if err != nil {
				t.Fatal(err)
			}
			if shm, _ := ns.Rows("shm"); len(shm) != 0 {
				t.Errorf("segments left after %v: %v", sig, shm)
			}
			if sig == syscall.SIGKILL {
				if len(sem) != 1 {
					t.Errorf("SIGKILL: sets left %v; want the one set, as the README says", sem)
				}
				removeSets(ns, sem)
				return
			}
			if len(sem) != 0 {
				t.Errorf("sets left after %v: %v", sig, sem)
			}
			exampletest.Contains(t, res.Stderr, fmt.Sprintf("parent %d: %s: removed semaphore set ", p.Pid(), unix.SignalName(sig)))
			if strings.Contains(res.Stderr, "error") {
				t.Errorf("%v reported as an error:\n%s", sig, res.Stderr)
			}
		})
	}
}

// needNS is a private IPC namespace, or a skip where there is none.
func needNS(t *testing.T) *exampletest.IPCNamespace {
	t.Helper()
	ns := exampletest.NewIPCNamespace(t)
	if ns == nil {
		t.Skip("needs a private IPC namespace (unshare(CLONE_NEWIPC) is not permitted here)")
	}
	return ns
}

// removeSets removes sets a test left on purpose, so that the namespace's
// own check at the end sees nothing else.
func removeSets(ns *exampletest.IPCNamespace, rows []peek.SysV) {
	ns.Do(func() {
		for _, r := range rows {
			id, _ := strconv.Atoi(r["semid"])
			_ = sysv.SemctlRmid(id) // checked by the namespace's end
		}
	})
}

// removeSegments is removeSets for segments.
func removeSegments(ns *exampletest.IPCNamespace, rows []peek.SysV) {
	ns.Do(func() {
		for _, r := range rows {
			id, _ := strconv.Atoi(r["shmid"])
			_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) // as above
		}
	})
}

// interruptPoint is where TestInterrupts ends a run: every step header,
// and every line that follows a point in the parent's story where it has
// just made a set or a segment (the window between making an object and
// registering it for removal), or
// reaped a child.
func interruptPoint(line string) bool {
	if exampletest.StepHeader(line) {
		return true
	}
	if !strings.HasPrefix(line, "parent ") {
		return false
	}
	return strings.Contains(line, " = semid ") || strings.Contains(line, " = shmid ") || strings.Contains(line, ": waitpid: ")
}

// kill -9 of the parent at every step of the demo: what the kernel keeps
// is at most the one set the parent held at that moment and, if the kill
// fell between shmget and shmctl(IPC_RMID), a segment nobody will ever
// attach; never a process (the children die of PR_SET_PDEATHSIG). The
// harness kills and reaps what is left of the process group; the test
// then reads the namespace.
func TestKill9Parent(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("one run per step")
	}
	full := exampletest.RunOK(t, exampletest.Opts{IPC: needNS(t)})
	steps := 0
	for _, l := range strings.Split(full.Out, "\n") {
		if exampletest.StepHeader(l) {
			steps++
		}
	}
	var sets, segs atomic.Int32
	// Each step is a subtest with a namespace of its own, so what is
	// left in it is what that run left; they run side by side.
	t.Run("steps", func(t *testing.T) {
		for i := 0; i < steps; i++ {
			i := i
			t.Run(fmt.Sprintf("after step %d", i+1), func(t *testing.T) {
				t.Parallel()
				ns := needNS(t)
				p := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{IPC: ns, Survivors: true})
				for k := 0; k <= i; k++ {
					p.WaitFor("== Step ")
				}
				p.Signal(syscall.SIGKILL)
				p.Wait()
				sem, _ := ns.Rows("sem")
				shm, _ := ns.Rows("shm")
				if len(sem) > 1 || len(shm) > 1 {
					t.Errorf("kill -9 after step %d: want at most one set and one segment, got %v and %v", i+1, sem, shm)
				}
				for _, r := range shm {
					if r["nattch"] != "0" {
						t.Errorf("kill -9 after step %d: a segment still attached: %v", i+1, r)
					}
				}
				sets.Add(int32(len(sem)))
				segs.Add(int32(len(shm)))
				removeSets(ns, sem)
				removeSegments(ns, shm)
			})
		}
	})
	t.Logf("kill -9 after each of %d steps: %d runs kept a set, %d an unmarked segment, none a process", steps, sets.Load(), segs.Load())
}

// mutexObjects makes, in the namespace, what the mutex part's parent
// makes: a set {mutex = 1, gate = 0} and a segment for the counter, marked
// for removal once attached. It returns the ids, the counter, and the
// test's own view of the set.
func mutexObjects(t *testing.T, ns *exampletest.IPCNamespace) (semid, shmid int, cnt *int64) {
	t.Helper()
	var err error
	ns.Do(func() {
		if semid, err = sysv.Semget(sysv.IPC_PRIVATE, 2, unix.IPC_CREAT|0o600); err != nil {
			return
		}
		if err = sysv.SemctlSetVal(semid, semMutex, 1); err != nil {
			return
		}
		if shmid, err = unix.SysvShmGet(unix.IPC_PRIVATE, 4096, 0o600); err != nil {
			return
		}
		var mem []byte
		if mem, err = unix.SysvShmAttach(shmid, 0, 0); err != nil {
			return
		}
		_, _ = unix.SysvShmCtl(shmid, unix.IPC_RMID, nil) // freed at the last detach
		cnt = (*int64)(unsafe.Pointer(&mem[0]))
		t.Cleanup(func() { _ = unix.SysvShmDetach(mem) })
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Do(func() { _ = sysv.SemctlRmid(semid) }) })
	return semid, shmid, cnt
}

// semAt is GETVAL or GETNCNT of one semaphore, read in the namespace.
func semAt(t *testing.T, ns *exampletest.IPCNamespace, get func(int, int) (int, error), semid, num int) int {
	t.Helper()
	var v int
	var err error
	ns.Do(func() { v, err = get(semid, num) })
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// until polls cond, every millisecond at first, then less and less often
// (up to every 20 ms), so that a long wait does not keep a CPU busy; the
// minute is only a guard.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	pause := time.Millisecond
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(pause) {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after a minute", what)
		}
		if pause < 20*time.Millisecond {
			pause += pause / 2
		}
	}
}

// stopped says whether every thread of pid is in a stop (state T).
func stopped(pid int) bool {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			return false
		}
		s := string(stat)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) == 0 || (f[0] != "T" && f[0] != "t") {
			return false
		}
	}
	return true
}

// workerAtGate runs a mutex worker on objects of the test's own, in a
// namespace of its own: the Go role (sem_peer.go) or the C peer
// (c/sem_peer.c), with the same arguments, and returns once it waits at
// the gate.
func workerAtGate(t *testing.T, lang string, loops int) (*exampletest.IPCNamespace, int, *int64, *exampletest.Proc) {
	t.Helper()
	ns := needNS(t)
	semid, shmid, cnt := mutexObjects(t, ns)
	args := []string{strconv.Itoa(semid), strconv.Itoa(shmid), strconv.Itoa(loops), "lock"}
	var w *exampletest.Proc
	if lang == "C" {
		w = exampletest.Start(t, exampletest.BuildC(t, "c/sem_peer.c"), exampletest.Opts{Args: args, IPC: ns})
	} else {
		w = exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: args, IPC: ns, Env: []string{child.RoleEnv("worker")}})
	}
	until(t, "at the gate", func() bool { return semAt(t, ns, sysv.SemctlGetNcnt, semid, semGate) == 1 })
	return ns, semid, cnt, w
}

// A worker killed with SIGKILL between its P and its V gives the lock
// back, because its P and V carry SEM_UNDO: the kernel applies the dead
// process's semadj as it exits. The test stops the worker (SIGSTOP) until
// it catches it holding the lock (the mutex at 0: nobody else takes it),
// kills it there, and wants the mutex at 1 again. Take SEM_UNDO out of
// lockP in sem_peer.go (or out of c/sem_peer.c) and the mutex stays 0.
func TestMutexWorkerUndo(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"Go", "C"} {
		t.Run(lang, func(t *testing.T) {
			ns, semid, cnt, w := workerAtGate(t, lang, 100000000)
			ns.Do(func() { _ = sysv.Semop(semid, []sysv.Sembuf{gateOpen(1)}) }) // checked below
			pid := w.Pid()
			caught := false
			for try := 0; try < 1000 && !caught; try++ {
				before := atomic.LoadInt64(cnt)
				_ = unix.Kill(pid, unix.SIGSTOP)
				until(t, "stopped", func() bool { return stopped(pid) })
				if semAt(t, ns, sysv.SemctlGetVal, semid, semMutex) == 0 {
					caught = true
					break
				}
				_ = unix.Kill(pid, unix.SIGCONT)
				until(t, "counting again", func() bool { return atomic.LoadInt64(cnt) != before })
			}
			if !caught {
				t.Fatal("never caught the worker between P and V")
			}
			_ = unix.Kill(pid, unix.SIGKILL)
			res := w.Wait()
			if res.Status.Signal() != syscall.SIGKILL {
				t.Fatalf("worker: %v, want killed by SIGKILL", res.Status)
			}
			if v := semAt(t, ns, sysv.SemctlGetVal, semid, semMutex); v != 1 {
				t.Errorf("%s worker killed holding the mutex: semval %d, want 1 (its SEM_UNDO given back)", lang, v)
			}
		})
	}
}

// Stopped and continued while it sleeps at the gate (Ctrl-Z, fg), a
// worker's semop fails with EINTR, even in the C peer, which has no
// signal handler (signal(7): semop is one of the calls a stop signal
// interrupts). Both retry, so both wait at the gate again and then do
// their work: exit status 0. Without the retry in sem_do (c/sem_peer.c)
// or in sysv.Semop, the worker would exit 1 with "Interrupted system call".
func TestWorkerRetriesEINTR(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"Go", "C"} {
		t.Run(lang, func(t *testing.T) {
			ns, semid, cnt, w := workerAtGate(t, lang, 100)
			_ = unix.Kill(w.Pid(), unix.SIGSTOP)
			until(t, "stopped", func() bool { return stopped(w.Pid()) })
			if n := semAt(t, ns, sysv.SemctlGetNcnt, semid, semGate); n != 0 {
				t.Errorf("stopped worker: GETNCNT %d; the stop should have taken it out of semop (EINTR)", n)
			}
			_ = unix.Kill(w.Pid(), unix.SIGCONT)
			ended := make(chan *exampletest.Result, 1)
			go func() { ended <- w.Wait() }()
			var res *exampletest.Result
			until(t, "back at the gate or gone", func() bool {
				select {
				case res = <-ended:
					return true
				default:
				}
				return semAt(t, ns, sysv.SemctlGetNcnt, semid, semGate) == 1
			})
			if res != nil {
				t.Fatalf("%s worker ended after SIGSTOP/SIGCONT instead of retrying: %v\n%s", lang, res.Status, res.Out)
			}
			ns.Do(func() { _ = sysv.Semop(semid, []sysv.Sembuf{gateOpen(1)}) }) // the worker's end says
			if res = <-ended; res.Code() != 0 || *cnt != 100 {
				t.Errorf("%s worker: exit %v, counter %d; want 0 and 100\n%s", lang, res.Status, *cnt, res.Out)
			}
		})
	}
}

// The opener's wait (awaitInit) ends only once a semop has stamped
// sem_otime: not at once, and not after SETVAL, which sets the value but
// leaves sem_otime at 0. The poll hook plays the creator: nothing at the
// first poll, SETVAL at the second, the V at the third.
func TestOpenerWaitsForOtime(t *testing.T) {
	t.Parallel()
	var polls int
	var ds sysv.SemidDs
	withSet(t, 1, func(id int) (err error) {
		ds, err = awaitInit(id, func() error {
			polls++
			switch polls {
			case 2:
				return sysv.SemctlSetVal(id, 0, 1)
			case 3:
				return sysv.Semop(id, []sysv.Sembuf{vOp(0)})
			case 4:
				return fmt.Errorf("still waiting after the V")
			}
			return nil
		})
		return err
	})
	if polls != 3 || ds.Otime == 0 {
		t.Errorf("awaitInit returned after %d polls with sem_otime %d; want 3 polls (after the V) and sem_otime set", polls, ds.Otime)
	}
}

// sempid after SETALL: Linux sets it to the caller's PID from 4.6 on
// (semctl(2), "The sempid value"); before, SETALL left it alone, unlike
// SETVAL. The README's table says so; this checks the half that this
// kernel shows.
func TestSetallSempid(t *testing.T) {
	t.Parallel()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	var major, minor int
	_, _ = fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor)
	from46 := major > 4 || major == 4 && minor >= 6
	var pid int
	withSet(t, 2, func(id int) (err error) {
		if err = sysv.SemctlSetAll(id, []uint16{1, 2}); err == nil {
			pid, err = sysv.SemctlGetPid(id, 1)
		}
		return err
	})
	want := 0
	if from46 {
		want = os.Getpid()
	}
	if pid != want {
		t.Errorf("kernel %d.%d: GETPID after SETALL = %d, want %d", major, minor, pid, want)
	}
}

// withSet runs f with a new set of nsems semaphores in a namespace of the
// test's own, on the namespace's thread, then removes the set; an error of
// f fails the test.
func withSet(t *testing.T, nsems int, f func(id int) error) {
	t.Helper()
	ns := needNS(t)
	var err error
	ns.Do(func() {
		var id int
		if id, err = sysv.Semget(sysv.IPC_PRIVATE, nsems, unix.IPC_CREAT|0o600); err != nil {
			return
		}
		defer func() { _ = sysv.SemctlRmid(id) }() // the namespace checks at the end
		err = f(id)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// What kill -9 left, the next run names: the set of a parent killed while
// its philosophers are deadlocked (-deadlock -hold) has the run's key, so
// the next start names it on standard error with the ipcrm command, and
// removes nothing. The set of a run still going is not named, nor one of
// another user.
func TestLeftoverNamed(t *testing.T) {
	t.Parallel()
	ns := needNS(t)
	held := func() (*exampletest.Proc, *os.File, string) {
		enter, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		p := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{
			Args: []string{"philosophers", "-deadlock", "-hold"}, Stdin: enter, IPC: ns, Split: true,
			Guard: 30 * time.Second, Survivors: true,
		})
		enter.Close()
		id := regexp.MustCompile(`= semid (\d+)`).FindStringSubmatch(p.WaitFor("= semid "))[1]
		p.WaitFor("Enter goes on")
		return p, w, id
	}
	killed, w, dead := held()
	killed.Signal(syscall.SIGKILL)
	killed.Wait()
	w.Close()
	live, enter, liveID := held()

	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"die"}, IPC: ns, Split: true})
	if res.Code() != 0 {
		t.Fatalf("exit %d:\n%s", res.Code(), res.Stderr)
	}
	exampletest.Contains(t, res.Stderr, "semid "+dead+" (key 0x08", "6 semaphores) was left by PID",
		"ipcrm -s "+dead+" removes it")
	if strings.Contains(res.Stderr, "semid "+liveID+" ") {
		t.Errorf("the set of a run still going (semid %s) is named:\n%s", liveID, res.Stderr)
	}
	id, _ := strconv.Atoi(dead)
	if got := semAt(t, ns, sysv.SemctlGetVal, id, 5); got != 0 {
		t.Errorf("the leftover's gate is %d, want 0 (untouched)", got)
	}

	// The same set, another user's: not named.
	ns.Do(func() {
		var ds sysv.SemidDs
		err := sysv.SemctlStat(id, &ds)
		if err == nil {
			ds.Perm.Uid = 65534
			// semctl(id, 0, IPC_SET, &ds); IPC_SET is 1.
			_, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), 0, unix.IPC_SET, uintptr(unsafe.Pointer(&ds)), 0, 0)
			if e != 0 {
				err = e
			}
		}
		if err != nil {
			t.Error(err)
		}
	})
	res = exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"die"}, IPC: ns, Split: true})
	if strings.Contains(res.Stderr, "left by PID") {
		t.Errorf("another user's set is named:\n%s", res.Stderr)
	}

	enter.Close() // the live run goes on and ends cleanly
	if r := live.Wait(); r.Code() != 0 {
		t.Errorf("the held run: exit %d\n%s", r.Code(), r.Stderr)
	}
	ns.Do(func() { _ = sysv.SemctlRmid(id) })
}
