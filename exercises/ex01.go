//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

func init() {
	register(&Exercise{Name: "01-duplex", Title: "two pipes: a child squares what its parent sends", Check: check01})
}

const (
	c01Squares = "the squares of 1..10 come back, one per line, in order"
	c01Child   = "a child process computes them: it reads the numbers from one pipe and writes the squares into a second pipe that the parent reads"
	c01EOF     = "when the input ends, both sides see end of file: the program exits with status 0 after waiting for its child, and leaves nothing behind"
	c01Large   = "no deadlock with 200000 numbers (1.3 MB in, 2.3 MB out: far more than a pipe holds)"
)

func check01(c *Checker) {
	shapeGuard := c.guard * 2 / 5
	c.Scenario([]string{c01Squares, c01Child, c01EOF}, func(s *Scene) {
		in, feed := s.Input()
		p := s.Start("program", Opts{Stdin: in})
		for i := 1; i <= 10; i++ { // 21 bytes: the pipe holds them
			fmt.Fprintf(feed, "%d\n", i)
		}
		// While the checker keeps its input open, the program must be
		// waiting for more: its processes and pipes are in place.
		child, shape := waitShape(p, shapeGuard)
		s.Report(c01Child, shape)
		// The other side made slow: the child is stopped until the
		// program waits for it, so no sleep is ever long enough.
		// (held for up to 3/5 of the guard, 3 s by default: longer than
		// any sleep a program puts before its reads in a 5 s run)
		held := ""
		if shape == nil {
			held = holdChild(p.Pid(), child, feed, c.guard*3/5)
		}
		feed.Close()
		p.Ended()
		orphans := p.Orphans()
		res, left := p.Wait()
		var want strings.Builder
		for i := 1; i <= 10; i++ {
			fmt.Fprintf(&want, "%d\n", i*i)
		}
		if err := sameLines(res.Out, want.String(), "numbers 1 to 10"); err != nil && held != "" {
			s.Failf(c01Squares, "%v: it did not wait for the squares (see the criterion on end of file)", err)
		} else {
			s.Report(c01Squares, err)
		}
		switch {
		case held != "":
			s.Failf(c01EOF, "%s", held)
		case res.Code() != 0:
			s.Failf(c01EOF, "your program %s%s", Describe(res.Status), stderrNote(res.Stderr))
		case len(orphans) > 0:
			s.Failf(c01EOF, "your program ended without waiting for its child (waitpid): %s", strings.Join(orphans, "; "))
		case len(left) > 0:
			s.Failf(c01EOF, "%s", strings.Join(left, "; "))
		case shape != nil:
			s.Failf(c01EOF, "it exited, but there was no child and pipes to close and wait for (see above)")
		}
		s.Report(c01EOF, nil)
	})
	c.Scenario([]string{c01Large}, func(s *Scene) {
		var in, want strings.Builder
		for i := 0; i < 200000; i++ {
			n := int64(i) * 7919 % 1000003
			in.WriteString(strconv.FormatInt(n, 10) + "\n")
			want.WriteString(strconv.FormatInt(n*n, 10) + "\n")
		}
		p := s.Start("program", Opts{Stdin: strings.NewReader(in.String())})
		ended := make(chan struct{})
		go func() { p.Ended(); close(ended) }()
		if why := watchReading(p.Pid(), ended); why != "" {
			out := p.Output()
			s.Failf(c01Large, "your program did not read until end of file: %s; it printed %d of %d lines (%d of %d bytes)",
				why, strings.Count(out, "\n"), 200000, len(out), want.Len())
			return
		}
		res, _ := p.Wait()
		if err := sameLines(res.Out, want.String(), "200000 numbers"); err != nil {
			s.Report(c01Large, err)
		}
		if res.Code() != 0 {
			s.Failf(c01Large, "your program %s", Describe(res.Status))
		}
		s.Report(c01Large, nil)
	})
}

// sameLines compares output with the expected lines, and says where the
// first difference is, in the learner's terms.
func sameLines(got, want, input string) error {
	if got == want {
		return nil
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	if got == "" {
		return fmt.Errorf("for the %s it sent, the checker got no output at all; it expects %d lines", input, len(w)-1)
	}
	for i := range w {
		if i >= len(g) || g[i] != w[i] {
			gl := "nothing (the output ended)"
			if i < len(g) {
				gl = quote(g[i])
			}
			return fmt.Errorf("for the %s it sent, line %d is %s; the checker expected %q (%d lines in all, you printed %d)",
				input, i+1, gl, w[i], len(w)-1, len(g)-1)
		}
	}
	return fmt.Errorf("for the %s it sent, you printed %d lines; the checker expected %d", input, len(g)-1, len(w)-1)
}

// waitShape waits until the program has a child that reads one pipe and
// writes another that the first process reads, watching /proc (a guard,
// not a timer: it returns as soon as the shape is there).
// It returns the child's PID.
func waitShape(p *Proc, guard time.Duration) (int, error) {
	deadline := time.Now().Add(guard)
	var last string
	var pace pacer // watching the kernel's view, not timing
	for {
		child, why := duplexShape(p.Pid())
		if child != 0 {
			return child, nil
		}
		last = why
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("with its input still open, the checker looked at your processes and pipes: %s", last)
		}
		pace.wait()
	}
}

func duplexShape(leader int) (int, string) {
	ps := members(leader)
	var pids []int
	for _, p := range ps {
		pids = append(pids, p.pid)
	}
	if len(ps) < 2 {
		return 0, "your program has no child process"
	}
	ends := pipeEnds(pids)
	for _, ch := range ps {
		if ch.pid == leader {
			continue
		}
		var readsNumbers, writesSquares bool
		for _, es := range ends {
			var chR, chW, otherW, leaderR bool
			for _, e := range es {
				switch {
				case e.pid == ch.pid && !e.write:
					chR = true
				case e.pid == ch.pid && e.write:
					chW = true
				case e.write:
					otherW = true
				}
				if e.pid == leader && !e.write {
					leaderR = true
				}
			}
			if chR && otherW {
				readsNumbers = true
			}
			if chW && leaderR {
				writesSquares = true
			}
		}
		switch {
		case readsNumbers && writesSquares:
			return ch.pid, ""
		case !readsNumbers:
			return 0, fmt.Sprintf("child %d reads no pipe that another process of your program writes", ch.pid)
		default:
			return 0, fmt.Sprintf("child %d writes no pipe that your first process (%d) reads", ch.pid, leader)
		}
	}
	return 0, "no child"
}

// holdChild makes the other side slow. It stops the child (SIGSTOP), gives
// the program end of file on its input, and lets the child go on
// (SIGCONT) once the program waits for it: a process of it blocked reading
// the pipe the child writes, or in poll on it. A program that goes on to
// waitpid instead, or ends, while the child is stopped and still holds the
// write end of that pipe has not read until end of file: whatever it
// sleeps, the stop lasts longer. It returns why, or "" (waited, or
// undecided within guard, which then leaves the verdict to the rest).
func holdChild(leader, child int, feed *os.File, guard time.Duration) string {
	if unix.Kill(child, unix.SIGSTOP) != nil {
		return ""
	}
	defer unix.Kill(child, unix.SIGCONT)
	deadline := time.Now().Add(guard)
	var pace pacer // watching /proc for the stop
	for {
		q, ok := readProc(child)
		if !ok || q.state == "Z" || time.Now().After(deadline) {
			return ""
		}
		if q.state == "T" {
			break
		}
		pace.wait()
	}
	feed.Close()
	pace = pacer{} // watching /proc, not timing
	// Waiting must be seen for a while, not in one look: a Go program
	// between two of its runtime's sleeps may show, for an instant, no
	// thread with a timer due (stall.go's wakesSoon) while a time.Sleep runs.
	var waitingSince time.Time
	for {
		if q, ok := readProc(leader); !ok || q.state == "Z" {
			return fmt.Sprintf("the checker stopped your child (pid %d, SIGSTOP) when the input ended, to let it go on once your program waited for it; "+
				"your program ended instead, while the child still held the write end of the squares pipe: it did not wait for the other side "+
				"(a sleep is never long enough for sure): read the squares until read returns 0 (end of file), then waitpid for the child", child)
		}
		why, waiting := stoppedReading(leader, child)
		if why != "" {
			return fmt.Sprintf("the checker stopped your child (pid %d, SIGSTOP) when the input ended, to let it go on once your program waited for it; "+
				"instead %s: it did not wait for the other side (a sleep is never long enough for sure): read the squares until read returns 0 (end of file), then waitpid", child, why)
		}
		switch {
		case !waiting:
			waitingSince = time.Time{}
		case waitingSince.IsZero():
			waitingSince = time.Now()
		case time.Since(waitingSince) >= 50*time.Millisecond:
			return ""
		}
		if time.Now().After(deadline) {
			return ""
		}
		pace.wait()
	}
}

// watchReading waits until ended is closed, watching the program: if a
// process of it goes on to waitpid while a pipe it reads still has a
// writer in the program, it has stopped reading before end of file (and
// the writer waits for ever once the pipe is full): it returns why.
func watchReading(leader int, ended chan struct{}) string {
	var pace pacer // watching /proc, not timing
	for {
		select {
		case <-ended:
			return ""
		default:
		}
		// The full look (every process of the group, every pipe) only
		// once the first process or one of its children is in waitpid:
		// it costs the checker time it needs for reading the output.
		if inWaitpid(leader) {
			if why, _ := stoppedReading(leader, 0); why != "" {
				return why
			}
		}
		pace.wait()
	}
}

// stoppedReading looks at the pipes between the processes of the program
// (group leader) that writer writes (any of them: 0): why is set when a
// process that holds the read end of a pipe another one of them writes is
// blocked in waitpid, not reading it; waiting is true when such a reader
// is blocked reading it (read, or poll, select, epoll with no timeout:
// how a Go program waits on a pipe).
// inWaitpid reports whether a thread of pid or of one of its children
// is blocked in waitpid (wait4 or waitid).
func inWaitpid(pid int) bool {
	pids := []int{pid}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				pids = append(pids, c)
			}
		}
	}
	for _, p := range pids {
		if peek.BlockedIn(p, unix.SYS_WAIT4, -1) || peek.BlockedIn(p, unix.SYS_WAITID, -1) {
			return true
		}
	}
	return false
}

func stoppedReading(leader, writer int) (why string, waiting bool) {
	var pids []int
	for _, q := range members(leader) {
		if q.state != "Z" {
			pids = append(pids, q.pid)
		}
	}
	for _, es := range pipeEnds(pids) {
		for _, r := range es {
			if r.write {
				continue
			}
			if r.pid == writer {
				continue // the stopped child reads nothing
			}
			wpid, wfd := 0, 0
			for _, w := range es {
				if w.write && w.pid != r.pid && (writer == 0 || w.pid == writer) {
					wpid, wfd = w.pid, w.fd
				}
			}
			if wpid == 0 {
				continue
			}
			reads, polls, waits := readerCalls(r.pid, r.fd)
			switch {
			case waits != "" && !reads:
				who := fmt.Sprintf("process %d", r.pid)
				if r.pid == leader {
					who = fmt.Sprintf("your first process (pid %d)", r.pid)
				}
				state := ""
				if peek.BlockedIn(wpid, unix.SYS_WRITE, int64(wfd)) {
					state = ", blocked in write: the pipe is full and nobody reads it"
				}
				return fmt.Sprintf("%s went on to %s while pid %d still held the write end of the pipe it reads (fd %d)%s", who, waits, wpid, r.fd, state), false
			case reads || polls && !wakesSoon(r.pid):
				// (a Go program's netpoller waits with no timeout in
				// epoll for every descriptor it polls: it waits on this
				// pipe only if no thread of it is due to wake by itself,
				// as one is while a time.Sleep runs)
				waiting = true
			}
		}
	}
	return "", waiting
}

// readerCalls says what the threads of pid are blocked in: read on fd,
// a wait with no timeout for a descriptor, waitpid (its name).
func readerCalls(pid, fd int) (reads, polls bool, waits string) {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		nr, args, ok := threadCall(pid, tid)
		if !ok {
			continue
		}
		switch {
		case (nr == unix.SYS_READ || nr == unix.SYS_READV) && len(args) > 0 && args[0] == int64(fd):
			reads = true
		case nr == unix.SYS_WAIT4 || nr == unix.SYS_WAITID:
			waits = "waitpid (" + strings.TrimPrefix(strings.TrimSuffix(callName(nr), ")"), "wait (") + ")"
		case untimedWait[nr] != nil && untimedWait[nr](args):
			polls = true
		}
	}
	return
}

// untimedWait tells, for the calls that wait for descriptors, whether
// this call waits with no timeout (syscalls_amd64.go adds poll, select
// and epoll_wait).
var untimedWait = map[uintptr]func(args []int64) bool{
	unix.SYS_PPOLL:        func(a []int64) bool { return len(a) > 2 && a[2] == 0 },
	unix.SYS_PSELECT6:     func(a []int64) bool { return len(a) > 4 && a[4] == 0 },
	unix.SYS_EPOLL_PWAIT:  func(a []int64) bool { return len(a) > 3 && int32(a[3]) == -1 },
	unix.SYS_EPOLL_PWAIT2: func(a []int64) bool { return len(a) > 3 && a[3] == 0 },
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	selfTests = append(selfTests, exerciseTest{
		name: "01-duplex",
		solutions: [][]string{
			{"-dir", "exercises/01-duplex/solution"},
			{"-c", "exercises/01-duplex/solution/c/duplex.c"},
		},
		starter: map[string]string{
			"squares of 1..10": "no output at all",
			"a child process":  "no child process",
			"both sides":       "no child",
			"no deadlock":      "no output at all",
		},
		mutants: []mutant{{
			name: "the squarer keeps the write end of the numbers pipe",
			mark: "squarer-keeps-write-end-numbers",
			src:  "exercises/01-duplex/solution/c/duplex.c",
			fails: map[string]string{
				"squares of 1..10": "still open",
				"both sides":       "still blocked in read",
				"no deadlock":      "still blocked in read",
			},
		}, {
			name:  "the parent keeps the write end of the squares pipe",
			mark:  "parent-keeps-write-end-squares",
			src:   "exercises/01-duplex/solution/c/duplex.c",
			fails: map[string]string{"both sides": "these are still open", "no deadlock": "still blocked in read"},
		}, {
			name:  "no waitpid: zombies",
			mark:  "no-waitpid-zombies",
			src:   "exercises/01-duplex/solution/c/duplex.c",
			fails: map[string]string{"both sides": "zombie"},
		}, {
			name:  "the parent writes everything before it reads",
			mark:  "parent-writes-everything-before-it",
			src:   "exercises/01-duplex/solution/c/duplex.c",
			fails: map[string]string{"both sides": "waitpid", "no deadlock": "the pipe is full"},
		}, {
			name:  "Go: the parent keeps its copy of the child's end of the squares pipe",
			mark:  "go-parent-keeps-copy-child",
			src:   "exercises/01-duplex/solution/main.go",
			fails: map[string]string{"both sides": "still", "no deadlock": "still"},
		}, {
			name: "the parent sleeps, then takes what the squares pipe holds",
			mark: "parent-sleeps-instead-of-reading",
			src:  "exercises/01-duplex/solution/c/duplex.c",
			// Held for 3/5 of the tests' short guard (1.5 s; 3.6 s under -race):
			// under heavy load, the start-up and the half-second sleep can outlast it.
			retries: 2,
			fails: map[string]string{
				"squares of 1..10": "did not wait for the squares",
				"both sides":       "went on to waitpid (wait4) while pid",
				"no deadlock":      "did not read until end of file",
			},
		}, {
			name: "Go: the parent sleeps, then takes what the squares pipe holds",
			mark: "go-parent-sleeps-instead-of-reading",
			src:  "exercises/01-duplex/solution/main.go",
			// Held for 3/5 of the tests' short guard (1.5 s; 3.6 s under -race):
			// under heavy load, the start-up and the half-second sleep can outlast it.
			retries: 2,
			fails: map[string]string{
				"squares of 1..10": "did not wait for the squares",
				"both sides":       "went on to waitpid (waitid) while pid",
				"no deadlock":      "did not read until end of file",
			},
		}, {
			name:  "the parent reads the squares once",
			mark:  "parent-reads-once",
			src:   "exercises/01-duplex/solution/c/duplex.c",
			fails: map[string]string{"no deadlock": "did not read until end of file: your first process"},
		}},
	})
}
