//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

func init() {
	register(&Exercise{Name: "08-bounded", Title: "a bounded buffer in shared memory, one producer, several consumers", Check: check08})
}

const (
	proj08  = 'B'
	items08 = 3000
	cons08  = 3
)

const (
	c08Objects = "the producer makes a semaphore set and a segment with the key ftok(PATH, 'B') before it says ready"
	c08Wait    = "consumers with nothing to take wait blocked in semop (no busy loop, no sleep)"
	c08Once    = "3000 items, 3 consumers: every item is taken exactly once"
	c08End     = "at the end every process exits with status 0, and the producer has removed the set and the segment"
	c08Full    = "with no consumer, the producer waits in semop once the buffer's 8 slots are full"
	c08Undo    = "no SEM_UNDO on the counting semaphores: 5 items put by a producer that is then killed stay counted, and a consumer killed after taking them gives nothing back"
)

// inSemop reports whether a thread of pid is blocked in semop (glibc's
// semop is semtimedop on some versions and architectures).
func inSemop(pid int) bool {
	return peek.BlockedIn(pid, unix.SYS_SEMOP, -1) || peek.BlockedIn(pid, unix.SYS_SEMTIMEDOP, -1)
}

// waitInSemop waits until every one of ps is blocked in semop, watching
// /proc (a guard, not a timer), and says how the others wait if not.
func waitInSemop(ps []*Proc, guard time.Duration) error {
	deadline := time.Now().Add(guard)
	var pace pacer // watching the kernel's view, not timing
	for {
		var not []*Proc
		for _, p := range ps {
			if !inSemop(p.Pid()) {
				not = append(not, p)
			}
		}
		if len(not) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var why []string
			for _, p := range not {
				pr, ok := readProc(p.Pid())
				switch {
				case !ok || pr.state == "Z":
					why = append(why, fmt.Sprintf("the %s has ended (output %q)", p.what, clip(p.Output(), 80)))
				default:
					why = append(why, fmt.Sprintf("the %s (pid %d) %s", p.what, p.Pid(), blockedIn(p.Pid(), nil)))
				}
			}
			msg := strings.Join(why, "; ")
			if strings.Contains(msg, "sleep") || strings.Contains(msg, "running") || strings.Contains(msg, "Go runtime") {
				msg += ": a process that waits by sleeping or looping wakes late, or burns a CPU; P() on a semaphore sleeps in the kernel until a V() wakes it"
			}
			return fmt.Errorf("%s", msg)
		}
		pace.wait()
	}
}

func check08(c *Checker) {
	c.Scenario([]string{c08Objects, c08Wait, c08Once, c08End}, func(s *Scene) {
		path := keyFile(s)
		key, _ := sysv.Ftok(path, proj08)
		in, feed := s.Input()
		prod := s.Start("producer", Opts{Stdin: in}, "producer", path, strconv.Itoa(cons08))
		prod.Line("ready")
		_, sem := findKey(c, "sem", key)
		_, shm := findKey(c, "shm", key)
		if !sem || !shm {
			s.Abort("after your producer said ready, /proc/sysvipc has %s with key %s (ftok(%q, 'B'))",
				map[[2]bool]string{{false, false}: "neither a semaphore set nor a segment", {true, false}: "a semaphore set but no segment", {false, true}: "a segment but no semaphore set"}[[2]bool{sem, shm}], key, path)
		}
		s.Report(c08Objects, nil)
		var cons []*Proc
		for i := 0; i < cons08; i++ {
			cons = append(cons, s.Start(fmt.Sprintf("consumer %d", i+1), Opts{}, "consumer", path))
		}
		if err := waitInSemop(cons, s.c.guard/3); err != nil {
			s.Report(c08Wait, err)
		}
		s.Report(c08Wait, nil)
		go func() {
			var b strings.Builder
			for i := 1; i <= items08; i++ {
				fmt.Fprintf(&b, "%d\n", i)
			}
			feed.WriteString(b.String()) // a dead producer is reported below
			feed.Close()
		}()
		got := map[int]int{}
		var bad []string
		for _, p := range append([]*Proc{prod}, cons...) {
			res, left := p.Wait()
			if res.Code() != 0 {
				bad = append(bad, fmt.Sprintf("the %s %s%s", p.what, Describe(res.Status), stderrNote(res.Stderr)))
			}
			bad = append(bad, left...)
			if p == prod {
				continue
			}
			for _, l := range strings.Fields(res.Out) {
				n, err := strconv.Atoi(l)
				if err != nil {
					s.Failf(c08Once, "the %s printed %s, not an item", p.what, quote(l))
				}
				got[n]++
			}
		}
		s.StopIfHung()
		var dup, lost []string
		for i := 1; i <= items08; i++ {
			switch {
			case got[i] == 0:
				lost = append(lost, strconv.Itoa(i))
			case got[i] > 1:
				dup = append(dup, fmt.Sprintf("%d (%d times)", i, got[i]))
			}
			delete(got, i)
		}
		var extra []string
		for n := range got {
			extra = append(extra, strconv.Itoa(n))
		}
		sort.Strings(extra)
		switch {
		case len(lost)+len(dup)+len(extra) > 0:
			s.Failf(c08Once, "of %d items, %d were never taken (%s), %d more than once (%s), and %d were never produced (%s)",
				items08, len(lost), clip(strings.Join(lost, " "), 60), len(dup), clip(strings.Join(dup, " "), 60), len(extra), clip(strings.Join(extra, " "), 60))
		}
		s.Report(c08Once, nil)
		if l := c.leftovers(); len(l) > 0 {
			bad = append(bad, "still in the kernel: "+strings.Join(l, "; "))
		}
		if len(bad) > 0 {
			s.Failf(c08End, "%s", strings.Join(bad, "; "))
		}
		s.Report(c08End, nil)
	})
	c.Scenario([]string{c08Full}, func(s *Scene) {
		path := keyFile(s)
		in, feed := s.Input()
		prod := s.Start("producer", Opts{Stdin: in}, "producer", path, "1")
		prod.Line("ready")
		for i := 1; i <= 100; i++ { // 292 bytes: the pipe holds them
			fmt.Fprintf(feed, "%d\n", i)
		}
		// 8 slots, 100 items, nobody taking: it must wait in semop, with
		// its standard input still open (it is not waiting for input).
		s.Report(c08Full, waitInSemop([]*Proc{prod}, s.c.guard/3))
		prod.Signal(unix.SIGKILL)
		prod.Wait()
		feed.Close()
	})
	c.Scenario([]string{c08Undo}, func(s *Scene) {
		path := keyFile(s)
		key, _ := sysv.Ftok(path, proj08)
		in, feed := s.Input()
		prod := s.Start("producer", Opts{Stdin: in}, "producer", path, "1")
		prod.Line("ready")
		row, ok := findKey(c, "sem", key)
		if !ok {
			s.Abort("after your producer said ready there is no semaphore set with key %s in /proc/sysvipc/sem", key)
		}
		semid, _ := strconv.Atoi(row["semid"])
		feed.WriteString("1\n2\n3\n4\n5\n") // the pipe holds them
		// Put, and waiting for more input: the 5 items are in the buffer.
		deadline := time.Now().Add(s.c.guard / 3) // a guard, not a timer
		var pace pacer                            // watching /proc
		for !peek.BlockedIn(prod.Pid(), unix.SYS_READ, 0) {
			if time.Now().After(deadline) {
				s.Abort("given 5 numbers, your producer did not go back to reading its standard input: it %s", blockedIn(prod.Pid(), nil))
			}
			s.StopIfHung()
			pace.wait()
		}
		put := semValues(s, semid)
		if len(put) != 4 || put[emptySem] != 3 || put[fullSem] != 5 {
			s.Abort("with 5 items put and nobody taking, the semaphores are %s; the task's order is {mutex, free slots, full slots, done}: {1, 3, 5, 0}", semShow(put))
		}
		prod.Signal(unix.SIGKILL)
		prod.Wait() // the kernel has applied its undo records now
		if after := semValues(s, semid); !sameVals(after, put) {
			s.Failf(c08Undo, "your producer put 5 items (the semaphores were %s) and was killed; then they were %s: the kernel undid its operations when it died, "+
				"as SEM_UNDO asks, and the items still in the buffer vanished from the count (a consumer would wait for ever for them). "+
				"The free and full slots are counts that one process raises and another lowers: no SEM_UNDO on them (on the mutex it is fine: a process killed holding it gives it back)",
				semShow(put), semShow(after))
			return
		}
		cons := s.Start("consumer", Opts{}, "consumer", path)
		// It takes the 5 items: every slot free again, the mutex free.
		deadline = time.Now().Add(s.c.guard / 3)
		pace = pacer{} // watching the kernel's view
		for {
			if v := semValues(s, semid); len(v) == 4 && v[0] == 1 && v[emptySem] == 8 && v[fullSem] == 0 {
				break
			}
			if time.Now().After(deadline) {
				s.Abort("your consumer, given 5 items, did not take them all (the semaphores are %s, not {1, 8, 0, ...}): it %s", semShow(semValues(s, semid)), blockedIn(cons.Pid(), nil))
			}
			s.StopIfHung()
			pace.wait()
		}
		took := semValues(s, semid)
		cons.Signal(unix.SIGKILL)
		cons.Wait()
		if after := semValues(s, semid); !sameVals(after, took) {
			s.Failf(c08Undo, "your consumer took the 5 items (the semaphores were %s) and was killed; then they were %s: the kernel undid its operations when it died, "+
				"as SEM_UNDO asks, and the taken items came back into the count (the next consumer would take them again, or a slot vanished). "+
				"The free and full slots are counts that one process raises and another lowers: no SEM_UNDO on them (on the mutex it is fine: a process killed holding it gives it back)",
				semShow(took), semShow(after))
		}
		s.Report(c08Undo, nil)
		feed.Close()
	})
}

// The semaphores of the set, in the task's order.
const (
	emptySem = 1 // free slots
	fullSem  = 2 // full slots
)

// semValues reads the values of the set (semctl GETALL).
func semValues(s *Scene, semid int) []uint16 {
	var vals []uint16
	s.c.ns.Do(func() { vals, _ = sysv.SemctlGetAll(semid) })
	return vals
}

func sameVals(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// semShow is the values as the task writes them: {1, 8, 0, 0}.
func semShow(vals []uint16) string {
	if vals == nil {
		return "unreadable (the set is gone)"
	}
	var f []string
	for _, v := range vals {
		f = append(f, strconv.Itoa(int(v)))
	}
	return "{" + strings.Join(f, ", ") + "}"
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const c = "exercises/08-bounded/solution/c/bb.c"
	selfTests = append(selfTests, exerciseTest{
		name: "08-bounded",
		solutions: [][]string{
			{"-dir", "exercises/08-bounded/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"makes a semaphore set": "neither a semaphore set nor a segment",
			"nothing to take":       "neither",
			"exactly once":          "neither",
			"at the end":            "neither",
			"no consumer":           "blocked in read on fd 0",
			"no SEM_UNDO":           "no semaphore set with key",
		},
		mutants: []mutant{{
			name:  "the consumers sleep and look instead of waiting in semop",
			mark:  "consumers-sleep-look-waiting-in",
			src:   c,
			fails: map[string]string{"nothing to take": "sleep"},
		}, {
			name:  "the producer forgets to remove the set",
			mark:  "producer-forgets-remove-set",
			src:   c,
			fails: map[string]string{"at the end": "still in the kernel"},
		}, {
			name:  "Go: the consumers poll with time.Sleep",
			mark:  "go-consumers-poll-with-time",
			src:   "exercises/08-bounded/solution/main.go",
			fails: map[string]string{"nothing to take": "Go runtime"},
		}, {
			name: "SEM_UNDO on every operation",
			mark: "sem-undo-on-every-operation",
			src:  c,
			// the consumers' undo of their V on "done" leaves the producer
			// waiting, and their undo of P(full) can hand out items twice
			fails: map[string]string{"no SEM_UNDO": "your producer put 5 items (the semaphores were {1, 3, 5, 0}) and was killed; then they were {1, 8, 0, 0}: the kernel undid its operations",
				"exactly once": "?", "at the end": "?"},
		}, {
			name: "Go: SEM_UNDO on every operation",
			mark: "go-sem-undo-on-every-operation",
			src:  "exercises/08-bounded/solution/main.go",
			fails: map[string]string{"no SEM_UNDO": "as SEM_UNDO asks, and the items still in the buffer vanished from the count",
				"exactly once": "?", "at the end": "?"},
		}, {
			name:  "SEM_UNDO on the consumers' operations",
			mark:  "sem-undo-in-consumers",
			src:   c,
			fails: map[string]string{"no SEM_UNDO": "your consumer took the 5 items (the semaphores were {1, 8, 0, 0}) and was killed; then they were {1, 3, 5, 0}", "exactly once": "?", "at the end": "?"},
		}},
	})
}
