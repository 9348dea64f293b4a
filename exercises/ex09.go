//go:build linux && (amd64 || arm64)

package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

func init() {
	register(&Exercise{Name: "09-mmap-counter", Title: "a counter in POSIX shared memory, added to atomically, waited for in futex", Check: check09})
}

const (
	adders09 = 4
	adds09   = 5000000
	target09 = adders09 * adds09
)

const (
	c09Create  = "the waiter creates /dev/shm/NAME, this user's, mode 0600, 4096 bytes, before it says ready"
	c09Sleep   = "while the count is below its target, the waiter sleeps in futex(FUTEX_WAIT) on the counter in its mapping (no busy loop, no sleep-and-look)"
	c09Count   = "4 adders started at the same moment, 5000000 adds each: they exit with status 0 and the count is exactly 20000000 (no add lost)"
	c09Woken   = "the waiter wakes when the count reaches 20000000, prints it and exits with status 0"
	c09Left    = "once the waiter has ended, nothing is left: no /dev/shm/NAME, no process, no file"
	c09Term    = "SIGTERM to the waiter while it waits: it removes /dev/shm/NAME and ends"
	c09Refuse  = "an adder refuses (exit status 1, count untouched) a name others may write (mode 0666)"
	c09Refuse2 = "an adder refuses (exit status 1, count untouched) a name another user owns (uid 65534, mode 0600)"
)

// Futex operations (linux/futex.h) as /proc/PID/task/TID/syscall shows
// them in the second argument.
const (
	futexOpWait       = 0
	futexOpWaitBitset = 9
	futexPrivateFlag  = 128
	futexClockRT      = 256
)

var seq09 atomic.Int64

// shmName09 is a name of the scene's own: /dev/shm is the machine's (no
// IPC namespace covers it), so it must not meet another run's.
func shmName09(s *Scene) (name, path string) {
	name = fmt.Sprintf("/exercises-09-%d-%d", os.Getpid(), seq09.Add(1))
	path = "/dev/shm" + name
	s.Cleanup(func() { os.Remove(path) }) // the checker's own name: after the verdict
	return name, path
}

// gate09 holds an adder at a gate: a shell that waits for end of file on
// its standard input, then execs the student's program. The checker
// closes one pipe whose read end every adder holds, so all of them start
// adding at the same moment, whatever it cost each to start. (A shell,
// not the checker's own binary: under the race detector, leaving that
// binary by exec takes long enough to start the adders one by one.)
const gate09 = `read -r line; exec "$@"`

// mappingOf lists the address ranges where pid maps path.
func mappingOf(pid int, path string) [][2]uint64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil
	}
	defer f.Close()
	var rs [][2]uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 || (fs[5] != path) {
			continue
		}
		lo, hi, _ := strings.Cut(fs[0], "-")
		a, _ := strconv.ParseUint(lo, 16, 64)
		b, _ := strconv.ParseUint(hi, 16, 64)
		rs = append(rs, [2]uint64{a, b})
	}
	return rs
}

// cpuTicks is the CPU time pid used so far (utime + stime, in clock ticks
// of 1/100 s, the unit /proc/PID/stat uses on Linux).
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

// futexSleep looks once at every thread of pid: ok when one sleeps in a
// shared FUTEX_WAIT on an address in the mapping of path; otherwise why
// says what the threads do instead.
func futexSleep(pid int, path string) (ok bool, why string) {
	maps := mappingOf(pid, path)
	in := func(a int64) bool {
		for _, r := range maps {
			if uint64(a) >= r[0] && uint64(a) < r[1] {
				return true
			}
		}
		return false
	}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var private, elsewhere, running, other bool
	otherCall := ""
	for _, t := range tasks {
		tid, _ := strconv.Atoi(t.Name())
		nr, args, inCall := threadCall(pid, tid)
		if !inCall {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, tid))
			if strings.HasPrefix(string(b), "running") {
				running = true
			}
			continue
		}
		if nr == unix.SYS_FUTEX && len(args) > 1 {
			cmd := args[1] &^ (futexPrivateFlag | futexClockRT)
			if cmd == futexOpWait || cmd == futexOpWaitBitset {
				switch {
				case in(args[0]) && args[1]&futexPrivateFlag == 0:
					return true, ""
				case in(args[0]):
					private = true
				case args[1]&futexPrivateFlag == 0:
					elsewhere = true
				}
			}
			continue
		}
		if !runtimeCalls[nr] || nr == unix.SYS_NANOSLEEP {
			other, otherCall = true, callName(nr)
		}
	}
	switch {
	case len(maps) == 0:
		return false, "it has no mapping of " + path + " (mmap it with MAP_SHARED, and keep it mapped while it waits)"
	case private:
		return false, "it sleeps in FUTEX_WAIT_PRIVATE on the counter: a private futex is known by its address in one process, so the adders' FUTEX_WAKE, from other processes, never reaches it; use FUTEX_WAIT"
	case running:
		return false, "a thread of it is running, not in a system call: a busy loop, which burns a CPU while it waits; sleep in futex(FUTEX_WAIT) while the counter holds the value you read"
	case other:
		return false, "it is in " + otherCall + ", not in futex: a sleep-and-look wakes late, or often for nothing; futex(FUTEX_WAIT) sleeps until an adder wakes it"
	case elsewhere:
		return false, "it sleeps in FUTEX_WAIT, but on an address outside its mapping of " + path + ": wait on the counter itself"
	}
	return false, "no thread of it is in futex(FUTEX_WAIT) on its mapping of " + path + " (" + blockedIn(pid, nil) + ")"
}

// waitFutexSleep watches the waiter until it sleeps in futex on the
// mapping, within a bound (a guard, not a timer), and says what it did
// instead and how much CPU it used meanwhile.
func waitFutexSleep(p *Proc, path string, guard time.Duration) error {
	t0, c0 := time.Now(), cpuTicks(p.Pid())
	var pace pacer // watching the kernel's view, not timing
	for {
		ok, why := futexSleep(p.Pid(), path)
		if ok {
			return nil
		}
		if exited(p.Pid()) {
			return fmt.Errorf("the waiter ended before the count reached its target (output %s)", quote(clip(p.Output(), 200)))
		}
		if time.Since(t0) > guard {
			return fmt.Errorf("for %.1f s: %s; it used %.2f s of CPU meanwhile", time.Since(t0).Seconds(), why, float64(cpuTicks(p.Pid())-c0)/100)
		}
		pace.wait()
	}
}

// waitExit waits until p has exited (not reaped), within a bound.
func waitExit(p *Proc, guard time.Duration) bool {
	deadline := time.Now().Add(guard)
	var pace pacer // watching the kernel's view, not timing
	for !exited(p.Pid()) {
		if time.Now().After(deadline) {
			return false
		}
		pace.wait()
	}
	return true
}

// readCount reads the counter (the uint32 at offset 0) from the object,
// through a descriptor the checker opened while it had its name.
func readCount(f *os.File) (uint32, error) {
	var b [4]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil // amd64 and arm64 are little-endian
}

// startWaiter starts "wait NAME TARGET", waits for ready, and checks the
// object it made.
func startWaiter(s *Scene, name, path string, target int, crit string) *Proc {
	w := s.Start("waiter", Opts{}, "wait", name, strconv.Itoa(target))
	w.Line("ready")
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		s.Abort("after your waiter said ready there is no %s (%v): create it with shm_open(%q, O_RDWR|O_CREAT|O_EXCL, 0600)", path, err, name)
	}
	var bad []string
	if int(st.Uid) != os.Geteuid() {
		bad = append(bad, fmt.Sprintf("it is uid %d's, not the checker's (%d)", st.Uid, os.Geteuid()))
	}
	if m := st.Mode & 0o7777; m != 0o600 || st.Mode&unix.S_IFMT != unix.S_IFREG {
		bad = append(bad, fmt.Sprintf("its mode is %04o, not 0600: other users may read or write the counter; create it with mode 0600", m))
	}
	if st.Size != 4096 {
		bad = append(bad, fmt.Sprintf("it is %d bytes, not 4096 (ftruncate it before anyone maps it: touching a page past the end is SIGBUS)", st.Size))
	}
	if len(bad) > 0 {
		s.Failf(crit, "%s: %s", path, strings.Join(bad, "; "))
	}
	s.Report(crit, nil)
	return w
}

func check09(c *Checker) {
	c.Scenario([]string{c09Create, c09Sleep, c09Count, c09Woken, c09Left}, func(s *Scene) {
		name, path := shmName09(s)
		w := startWaiter(s, name, path, target09, c09Create)
		// Opened now: the waiter removes the name once the count is reached.
		obj, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW, 0)
		if err != nil {
			s.Abort("the checker cannot open %s: %v", path, err)
		}
		s.Cleanup(func() { obj.Close() })
		s.Report(c09Sleep, waitFutexSleep(w, path, s.c.guard/4))
		// The adders wait at a gate until they all may start.
		gateR, gateW := s.Input()
		var adders []*Proc
		for i := 0; i < adders09; i++ {
			args := append(append([]string{"gate"}, s.c.prog...), "add", name, strconv.Itoa(adds09))
			adders = append(adders, s.start(fmt.Sprintf("adder %d", i+1), []string{"/bin/sh", "-c", gate09}, Opts{Stdin: gateR}, args...))
		}
		for _, a := range adders {
			if err := peek.WaitBlocked(a.Pid(), unix.SYS_READ, 0, s.c.guard/3); err != nil {
				s.Abort("the checker's gate for the %s did not get ready: %v", a.what, err)
			}
		}
		gateW.Close()
		var bad []string
		for _, a := range adders {
			res, left := a.Wait()
			if res.Code() != 0 {
				bad = append(bad, fmt.Sprintf("the %s %s%s", a.what, Describe(res.Status), stderrNote(res.Stderr)))
			}
			bad = append(bad, left...)
		}
		s.StopIfHung()
		n, err := readCount(obj)
		switch {
		case err != nil:
			s.Failf(c09Count, "the checker cannot read the counter in %s: %v", path, err)
		case n < target09:
			bad = append(bad, fmt.Sprintf("the count is %d, not %d: %d adds were lost. Loading the counter, then storing value+1 is two steps, and another process's add between them is overwritten: use one atomic add (atomic_fetch_add in C, atomic.AddUint32 in Go)",
				n, target09, target09-n))
		case n > target09:
			bad = append(bad, fmt.Sprintf("the count is %d, more than %d adders x %d adds", n, adders09, adds09))
		}
		if len(bad) > 0 {
			s.Failf(c09Count, "%s", strings.Join(bad, "; "))
		}
		s.Report(c09Count, nil)
		switch {
		case n < target09:
			s.Failf(c09Woken, "the count stopped at %d, below %d, so the waiter can only wait", n, target09)
		case !waitExit(w, s.c.guard/4):
			s.Failf(c09Woken, "the count is %d, and the waiter is still waiting: %s", n, func() string {
				if _, why := futexSleep(w.Pid(), path); why != "" {
					return why
				}
				return "it sleeps in futex on the counter and no wake reached it: after their adds, the adders must FUTEX_WAKE the same word"
			}())
		}
		if !exited(w.Pid()) {
			// It cannot finish: ended as a user would, by SIGTERM, and
			// then judged on what it leaves.
			w.Signal(unix.SIGTERM)
			if !waitExit(w, s.c.guard/4) {
				s.Failf(c09Left, "the waiter, which could not finish, did not end on SIGTERM either: it %s", blockedIn(w.Pid(), nil))
				w.Signal(unix.SIGKILL)
			}
		}
		res, left := w.Wait()
		s.StopIfHung()
		lines := strings.Fields(res.Out)
		switch {
		case n < target09:
		case res.Code() != 0:
			s.Failf(c09Woken, "the waiter %s%s", Describe(res.Status), stderrNote(res.Stderr))
		case len(lines) == 0 || lines[len(lines)-1] != strconv.Itoa(int(n)):
			s.Failf(c09Woken, "the waiter printed %s; its last line should be the count, %d", quote(res.Out), n)
		}
		s.Report(c09Woken, nil)
		if _, err := os.Lstat(path); err == nil {
			left = append(left, path+" is still there after the waiter ended: remove it with shm_unlink once the count is reached (a name in /dev/shm stays until it is removed, or the machine reboots)")
		}
		if len(left) > 0 {
			s.Failf(c09Left, "%s", strings.Join(left, "; "))
		}
		s.Report(c09Left, nil)
	})
	c.Scenario([]string{c09Term}, func(s *Scene) {
		name, path := shmName09(s)
		w := startWaiter(s, name, path, 1, "create")
		waitFutexSleep(w, path, s.c.guard/4) // where it waits is judged above
		w.Signal(unix.SIGTERM)
		if !waitExit(w, s.c.guard/3) {
			s.Failf(c09Term, "after SIGTERM the waiter %s", blockedIn(w.Pid(), nil))
		}
		_, left := w.Wait()
		s.StopIfHung()
		if _, err := os.Lstat(path); err == nil {
			left = append([]string{path + " is still there after SIGTERM ended the waiter: catch SIGTERM (and SIGINT, SIGHUP) and remove the name before exiting"}, left...)
		}
		if len(left) > 0 {
			s.Failf(c09Term, "%s", strings.Join(left, "; "))
		}
		s.Report(c09Term, nil)
	})
	refuse := func(crit string, mode uint32, uid int, what string) {
		c.Scenario([]string{crit}, func(s *Scene) {
			name, path := shmName09(s)
			fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
			if err != nil {
				s.Abort("the checker could not create %s: %v", path, err)
			}
			err = unix.Ftruncate(fd, 4096)
			if err == nil {
				err = unix.Fchmod(fd, mode)
			}
			if err == nil && uid >= 0 {
				err = unix.Fchown(fd, uid, -1)
			}
			unix.Close(fd)
			if err != nil {
				s.Abort("the checker could not prepare %s: %v", path, err)
			}
			a := s.Start("adder", Opts{}, "add", name, "5")
			res, left := a.Wait()
			s.StopIfHung()
			obj, err := os.Open(path)
			if err != nil {
				s.Abort("the checker cannot open %s: %v", path, err)
			}
			n, _ := readCount(obj)
			obj.Close()
			var bad []string
			if n != 0 {
				bad = append(bad, fmt.Sprintf("your adder added to %s (count %d), %s: check with fstat, after shm_open, that it is this user's (st_uid) and that nobody else may write it (st_mode & 022), and refuse it otherwise", path, n, what))
			}
			if res.Code() != 1 {
				bad = append(bad, fmt.Sprintf("the adder %s, not with status 1%s", Describe(res.Status), stderrNote(res.Stderr)))
			}
			bad = append(bad, left...)
			if len(bad) > 0 {
				s.Failf(crit, "%s", strings.Join(bad, "; "))
			}
			s.Report(crit, nil)
		})
	}
	refuse(c09Refuse, 0o666, -1, "which any user may write (mode 0666)")
	if mayChownTo(65534) {
		// Only root can make an object another user owns (and not the
		// root of a user namespace where uid 65534 is not mapped: the
		// checker's own, for an ordinary user, maps only that user).
		refuse(c09Refuse2, 0o600, 65534, "which uid 65534 owns")
	}
}

// mayChownTo reports whether this process may give a file to uid: it is
// root in its user namespace, and uid is mapped there (/proc/self/uid_map:
// "inside outside count" lines).
func mayChownTo(uid int) bool {
	if os.Geteuid() != 0 {
		return false
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		var in, out, n int
		if _, err := fmt.Sscan(l, &in, &out, &n); err == nil && in <= uid && uid < in+n {
			return true
		}
	}
	return false
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const c = "exercises/09-mmap-counter/solution/c/counter.c"
	const g = "exercises/09-mmap-counter/solution/main.go"
	starter := map[string]string{
		"creates":            "there is no /dev/shm",
		"sleeps in futex":    "there is no /dev/shm",
		"at the same moment": "there is no /dev/shm",
		"wakes when":         "there is no /dev/shm",
		"nothing is left":    "there is no /dev/shm",
		"SIGTERM":            "there is no /dev/shm",
		"others may write":   "count untouched | not with status 1",
		"another user owns":  "not with status 1",
	}
	if os.Geteuid() != 0 {
		delete(starter, "another user owns")
	}
	selfTests = append(selfTests, exerciseTest{
		name: "09-mmap-counter",
		solutions: [][]string{
			{"-dir", "exercises/09-mmap-counter/solution"},
			{"-c", c},
		},
		starter: starter,
		mutants: []mutant{{
			name: "a plain load and store instead of an atomic add",
			mark: "plain-add",
			src:  c,
			// a lost add shows only when adders overlap; on a loaded
			// machine (the tests under -race, sixteen checks at once)
			// their starts can fall far enough apart that they run one
			// after the other: up to seven runs
			retries: 6,
			fails:   map[string]string{"at the same moment": "adds were lost", "wakes when": "below"},
		}, {
			name:  "the waiter spins on the counter instead of sleeping in futex",
			mark:  "busy-wait",
			src:   c,
			fails: map[string]string{"sleeps in futex": "busy loop"},
		}, {
			name:  "the name is created with mode 0666",
			mark:  "mode-0666",
			src:   c,
			fails: map[string]string{"creates": "not 0600"},
		}, {
			name:  "the name is never removed",
			mark:  "no-unlink",
			src:   c,
			fails: map[string]string{"nothing is left": "still there", "SIGTERM": "still there"},
		}, {
			name:  "the adder trusts any object it opens",
			mark:  "no-owner-check",
			src:   c,
			fails: map[string]string{"others may write": "any user may write", "another user owns": "uid 65534 owns"},
		}, {
			name:    "Go: an atomic load, then an atomic store",
			mark:    "go-load-store",
			src:     g,
			retries: 6, // as plain-add's
			fails:   map[string]string{"at the same moment": "adds were lost", "wakes when": "below"},
		}, {
			name:  "Go: the waiter spins on the counter",
			mark:  "go-busy-wait",
			src:   g,
			fails: map[string]string{"sleeps in futex": "busy loop"},
		}, {
			name:  "Go: FUTEX_WAIT_PRIVATE",
			mark:  "go-private-futex",
			src:   g,
			fails: map[string]string{"sleeps in futex": "FUTEX_WAIT_PRIVATE", "wakes when": "FUTEX_WAIT_PRIVATE"},
		}, {
			name:  "Go: the name is never removed",
			mark:  "go-no-unlink",
			src:   g,
			fails: map[string]string{"nothing is left": "still there", "SIGTERM": "still there"},
		}},
	})
}
