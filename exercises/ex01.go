//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
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
		shape := waitShape(p, shapeGuard)
		s.Report(c01Child, shape)
		feed.Close()
		p.Ended()
		orphans := p.Orphans()
		res, left := p.Wait()
		var want strings.Builder
		for i := 1; i <= 10; i++ {
			fmt.Fprintf(&want, "%d\n", i*i)
		}
		s.Report(c01Squares, sameLines(res.Out, want.String(), "numbers 1 to 10"))
		switch {
		case res.Code() != 0:
			s.Failf(c01EOF, "your program %s%s", Describe(res.Status), stderrNote(res.Stderr))
		case len(orphans) > 0:
			s.Failf(c01EOF, "your program ended without waiting for its child: %s", strings.Join(orphans, "; "))
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
		p.Ended()
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
func waitShape(p *Proc, guard time.Duration) error {
	deadline := time.Now().Add(guard)
	var last string
	var pace pacer // watching the kernel's view, not timing
	for {
		ok, why := duplexShape(p.Pid())
		if ok {
			return nil
		}
		last = why
		if time.Now().After(deadline) {
			return fmt.Errorf("with its input still open, the checker looked at your processes and pipes: %s", last)
		}
		pace.wait()
	}
}

func duplexShape(leader int) (bool, string) {
	ps := members(leader)
	var pids []int
	for _, p := range ps {
		pids = append(pids, p.pid)
	}
	if len(ps) < 2 {
		return false, "your program has no child process"
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
			return true, ""
		case !readsNumbers:
			return false, fmt.Sprintf("child %d reads no pipe that another process of your program writes", ch.pid)
		default:
			return false, fmt.Sprintf("child %d writes no pipe that your first process (%d) reads", ch.pid, leader)
		}
	}
	return false, "no child"
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
		}},
	})
}
