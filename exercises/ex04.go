//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func init() {
	register(&Exercise{Name: "04-reaper", Title: "reap every child through SIGCHLD, end them with one kill to their group", Check: check04})
}

const n04 = 20

const (
	c04Ready = "it starts 20 children, in a process group of their own, before it says ready"
	c04Reap  = "when all 20 end at once, it reaps every one through SIGCHLD and reports its exit status"
	c04Clean = "it then exits with status 0, leaving no zombie and no process behind"
	c04Term  = "one child ended, the others still running: on SIGTERM it ends them all with SIGTERM, reaps them and exits with status 0"
)

func check04(c *Checker) {
	c.Scenario([]string{c04Ready, c04Reap, c04Clean}, func(s *Scene) {
		in, feed := s.Input()
		p := s.Start("program", Opts{Stdin: in}, strconv.Itoa(n04))
		p.Line("ready")
		kids := readyChildren(s, p, c04Ready)
		// Every child reads the same standard input: closing it ends them
		// all at the same moment. The program is stopped meanwhile
		// (SIGSTOP), so that all their SIGCHLDs find it asleep and merge
		// into one pending signal, which SIGCONT then delivers: what many
		// children ending at once can always do to a parent.
		p.Signal(unix.SIGSTOP)
		waitState(s, []int{p.Pid()}, "T", "the program to stop (SIGSTOP)")
		feed.Close()
		waitState(s, kids, "Z", "the children to end at the end of their input")
		p.Signal(unix.SIGCONT)
		p.Ended()
		orphans := p.Orphans()
		orphans = append(orphans, outsiders(kids, p.Pid())...)
		res, left := p.Wait()
		s.StopIfHung()
		want := map[string]bool{}
		for i := 1; i <= n04; i++ {
			want["exited "+strconv.Itoa(i)] = true
		}
		s.Report(c04Reap, reaped(res.Out, kids, want))
		switch {
		case res.Code() != 0:
			s.Failf(c04Clean, "your program %s%s", Describe(res.Status), stderrNote(res.Stderr))
		case len(orphans) > 0:
			s.Failf(c04Clean, "%s", strings.Join(orphans, "; "))
		case len(left) > 0:
			s.Failf(c04Clean, "%s", strings.Join(left, "; "))
		}
		s.Report(c04Clean, nil)
	})
	c.Scenario([]string{c04Term}, func(s *Scene) {
		in, feed := s.Input()
		p := s.Start("program", Opts{Stdin: in}, strconv.Itoa(n04))
		p.Line("ready")
		kids := readyChildren(s, p, "")
		// One child ends while the others still run: the program reaps
		// it and must be free again for the next signal, not blocked in
		// a wait for children that have not ended.
		// (Reaped is all /proc can show: its line may sit in a stdio
		// buffer until the program exits.)
		unix.Kill(kids[0], unix.SIGKILL)
		waitGone(s, kids[0], "the program to reap the child the checker killed")
		p.Signal(unix.SIGTERM) // to the program only, not to its children
		if err := termHeard(s, p, kids[1:]); err != nil {
			s.Report(c04Term, err)
			s.Abort("not checked further: %v", err)
		}
		p.Ended()
		feed.Close()
		orphans := append(p.Orphans(), outsiders(kids, p.Pid())...)
		res, _ := p.Wait()
		s.StopIfHung()
		// the child the checker killed first, then the others
		first := fmt.Sprintf("%d killed %d", kids[0], unix.SIGKILL)
		var rest []string
		for _, l := range strings.Split(res.Out, "\n") {
			if strings.TrimSpace(l) != first {
				rest = append(rest, l)
			}
		}
		err := reaped(strings.Join(rest, "\n"), kids[1:], map[string]bool{"killed 15": true})
		if len(rest) == len(strings.Split(res.Out, "\n")) && err == nil {
			err = fmt.Errorf("your program did not report %q: the child the checker killed with SIGKILL before the SIGTERM", first)
		}
		switch {
		case err != nil:
			s.Report(c04Term, err)
		case res.Code() != 0:
			s.Failf(c04Term, "after SIGTERM your program %s", Describe(res.Status))
		case len(orphans) > 0:
			s.Failf(c04Term, "%s", strings.Join(orphans, "; "))
		}
		s.Report(c04Term, nil)
	})
}

// waitGone waits until pid is gone from /proc: ended and reaped.
func waitGone(s *Scene, pid int, what string) {
	defer s.awaiting()() // a run that stops moving ends at once (stall.go)
	var pace pacer       // watching the kernel's view, not timing
	for {
		if _, ok := readProc(pid); !ok {
			return
		}
		s.StopIfHung()
		pace.wait()
	}
}

// termHeard waits until the children still running after SIGTERM was
// sent have ended; it fails at once if the program sleeps in wait4 or
// waitid with SIGTERM pending: blocked waiting for children that have
// not ended, it cannot act on the signal until one does.
func termHeard(s *Scene, p *Proc, kids []int) error {
	defer s.awaiting()() // a run that stops moving ends at once (stall.go)
	var pace pacer       // watching the kernel's view, not timing
	for {
		alive := 0
		for _, pid := range kids {
			if q, ok := readProc(pid); ok && q.state != "Z" {
				alive++
			}
		}
		if alive == 0 {
			return nil
		}
		if termPending(p.Pid()) && inWait(p.Pid()) {
			return fmt.Errorf("after one child ended, your program stays blocked in wait while %d children still run, so the SIGTERM sent to it waits too "+
				"(pending in /proc/%d/status): a blocking wait() in or after the SIGCHLD handler waits for children that have not ended; "+
				"reap with waitpid(-1, &st, WNOHANG) until it returns 0, then go back to waiting for signals", alive, p.Pid())
		}
		s.StopIfHung()
		pace.wait()
	}
}

// termPending: SIGTERM is pending for the process or one of its threads.
func termPending(pid int) bool {
	tasks, _ := osReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t))
		for _, l := range strings.Split(string(b), "\n") {
			for _, f := range []string{"SigPnd:", "ShdPnd:"} {
				if v, ok := strings.CutPrefix(l, f); ok {
					mask, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
					if mask&(1<<(unix.SIGTERM-1)) != 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

// inWait: a thread of the process sleeps in wait4 or waitid.
func inWait(pid int) bool {
	tasks, _ := osReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		tid, _ := strconv.Atoi(t)
		if nr, _, ok := threadCall(pid, tid); ok && (nr == unix.SYS_WAIT4 || nr == unix.SYS_WAITID) {
			return true
		}
	}
	return false
}

// waitState waits until every process of pids is in state ("T" stopped,
// "Z" ended), watching /proc/PID/stat; the scene's guard ends a wait that
// never comes.
func waitState(s *Scene, pids []int, state, what string) {
	defer s.awaiting()() // a run that stops moving ends at once (stall.go)
	var pace pacer       // watching the kernel's view, not timing
	for {
		all := true
		for _, pid := range pids {
			if p, ok := readProc(pid); ok && p.state != state {
				all = false
			}
		}
		if all {
			return
		}
		s.StopIfHung()
		pace.wait()
	}
}

// readyChildren finds the program's children once it says ready, and
// checks they are n04 and in a group of their own (crit, if not "").
func readyChildren(s *Scene, p *Proc, crit string) []int {
	var kids []int
	pgids := map[int]bool{}
	ents, _ := readDirPids()
	for _, pid := range ents {
		if pr, ok := readProc(pid); ok && pr.ppid == p.Pid() {
			kids = append(kids, pid)
			pgids[pr.pgrp] = true
			s.Track(pid)
		}
	}
	sort.Ints(kids)
	var why string
	switch {
	case len(kids) != n04:
		why = fmt.Sprintf("when it said ready, your program had %d children, not %d", len(kids), n04)
	case len(pgids) != 1:
		why = fmt.Sprintf("its children are in %d process groups; put them all in one (setpgid), so one kill(-pgid, sig) reaches them all", len(pgids))
	case pgids[p.Pid()]:
		why = fmt.Sprintf("its children are in its own process group (%d): a kill to that group hits the program itself, and from a shell, the whole job; give them a group of their own (setpgid)", p.Pid())
	}
	if why != "" {
		if crit != "" {
			s.Failf(crit, "%s", why)
		}
		if len(kids) == 0 {
			s.Abort("not checked: there are no children (see above)")
		}
	}
	if crit != "" {
		s.Report(crit, nil)
	}
	return kids
}

func readDirPids() ([]int, error) {
	var pids []int
	ents, err := osReadDir("/proc")
	for _, e := range ents {
		if pid, err := strconv.Atoi(e); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, err
}

// outsiders describes children (outside the program's group) that are
// still there after it ended: running, or zombies nobody waited for.
func outsiders(kids []int, leader int) []string {
	var out []string
	for _, pid := range kids {
		p, ok := readProc(pid)
		if !ok || p.pgrp == leader {
			continue // gone, or counted by Orphans
		}
		if p.state == "Z" {
			out = append(out, fmt.Sprintf("child %d is a zombie: your program ended without waiting for it", pid))
		} else {
			out = append(out, fmt.Sprintf("child %d is still running (in %s) after your program ended", pid, wchan(pid)))
		}
	}
	return out
}

// reaped checks the program's lines "PID exited N" / "PID killed N": one
// per child, and each status one of want (each once, when more than one).
func reaped(out string, kids []int, want map[string]bool) error {
	isKid := map[string]bool{}
	for _, k := range kids {
		isKid[strconv.Itoa(k)] = true
	}
	seen := map[string]bool{}
	statuses := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		if !isKid[f[0]] {
			return fmt.Errorf("your program reported %s, but %s is not one of its children", quote(l), f[0])
		}
		if seen[f[0]] {
			return fmt.Errorf("your program reported child %s twice", f[0])
		}
		seen[f[0]] = true
		st := f[1] + " " + f[2]
		if !want[st] {
			return fmt.Errorf("your program reported %s: that is not how the child ended (want one of: %s)", quote(l), keys(want))
		}
		statuses[st]++
	}
	var missing []string
	for _, k := range kids {
		if !seen[strconv.Itoa(k)] {
			missing = append(missing, strconv.Itoa(k))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("your program reported %d of its %d children; not reaped: %s", len(seen), len(kids), strings.Join(missing, " "))
	}
	if len(want) > 1 {
		for st := range want {
			if statuses[st] != 1 {
				return fmt.Errorf("the exit statuses reported are not the children's: %q came %d times", st, statuses[st])
			}
		}
	}
	return nil
}

func keys(m map[string]bool) string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	if len(k) > 3 {
		k = append(k[:3], "...")
	}
	return strings.Join(k, ", ")
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const c = "exercises/04-reaper/solution/c/reaper.c"
	selfTests = append(selfTests, exerciseTest{
		name: "04-reaper",
		solutions: [][]string{
			{"-dir", "exercises/04-reaper/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"starts 20 children": "had 0 children",
			"when all 20 end":    "no children",
			"exits with status":  "no children",
			"on SIGTERM":         "no children",
		},
		mutants: []mutant{{
			name:  "one waitpid per SIGCHLD",
			mark:  "one-waitpid-per-sigchld",
			src:   c,
			fails: map[string]string{"when all 20 end": "zombies", "it then exits with status": "zombies", "on SIGTERM": "?"},
		}, {
			name: "the children keep the parent's SIGTERM handler",
			mark: "children-keep-parent-s-sigterm",
			src:  c,
			// A child that takes SIGTERM in the handler while it reads
			// ends otherwise than by SIGTERM; one that takes it before
			// its read() starts then sleeps in read forever (seen under
			// go test -race): both are this mistake.
			fails: map[string]string{"on SIGTERM": "that is not how the child ended | still blocked in read"},
		}, {
			name:  "a blocking waitpid once SIGCHLD came",
			mark:  "blocking-wait-after-sigchld",
			src:   c,
			fails: map[string]string{"on SIGTERM": "stays blocked in wait"},
		}, {
			name:  "kill to one child instead of the group",
			mark:  "kill-one-child-group",
			src:   c,
			fails: map[string]string{"on SIGTERM": "still blocked in read"},
		}, {
			name:  "no group of their own",
			mark:  "no-group-their-own",
			src:   c,
			fails: map[string]string{"starts 20 children": "in its own process group", "on SIGTERM": ""},
		}},
	})
}
