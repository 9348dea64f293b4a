//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"strings"
)

func init() {
	register(&Exercise{Name: "02-spawn", Title: "popen without a shell: feed a command and read it at once, report as pclose", Check: check02})
}

const (
	c02Pipes  = "the command's standard input and output are pipes whose other ends your program holds"
	c02Shell  = "no shell: the arguments reach the command as they are (a;b $HOME * stay as typed)"
	c02Large  = "no deadlock: 2 MB through cat come back whole"
	c02EOF    = "the command sees end of file: wc -c counts the 100000 bytes and ends"
	c02Status = "the last line on standard error is the command's wait status as pclose returns it (exit 3: 768; SIGTERM: 15)"
	c02NoCmd  = "a command that does not exist: exit status 127, and no process left"
)

// run02 runs the program with args and input to its end, and returns its
// output, standard error, how it ended, and what it left.
func run02(s *Scene, input string, args ...string) (out, stderr string, code int, left []string) {
	p := s.Start("program", Opts{Stdin: strings.NewReader(input)}, args...)
	p.Ended()
	orphans := p.Orphans()
	res, l := p.Wait()
	s.StopIfHung()
	return res.Out, res.Stderr, res.Code(), append(orphans, l...)
}

func check02(c *Checker) {
	c.Scenario([]string{c02Pipes}, func(s *Scene) {
		in, feed := s.Input()
		p := s.Start("program", Opts{Stdin: in}, "cat")
		feed.WriteString("hello\n")
		_, err := waitShape(p, s.c.guard*2/5)
		if err != nil {
			err = fmt.Errorf("%s", strings.Replace(err.Error(), "child", "command", -1))
		}
		s.Report(c02Pipes, err)
		feed.Close()
		p.Wait()
	})
	c.Scenario([]string{c02Shell}, func(s *Scene) {
		out, _, code, left := run02(s, "", "/bin/echo", "a;b", "$HOME", "*")
		switch {
		case out != "a;b $HOME *\n":
			s.Failf(c02Shell, "for /bin/echo 'a;b' '$HOME' '*' your program printed %q; echo prints %q: did a shell read the words?", clip(out, 80), "a;b $HOME *\n")
		case code != 0 || len(left) > 0:
			s.Failf(c02Shell, "exit status %d; %s", code, strings.Join(left, "; "))
		}
		s.Report(c02Shell, nil)
	})
	c.Scenario([]string{c02Large}, func(s *Scene) {
		var b strings.Builder
		for i := 0; b.Len() < 2<<20; i++ {
			fmt.Fprintf(&b, "line %d of the input to cat\n", i)
		}
		out, _, code, left := run02(s, b.String(), "cat")
		switch {
		case out != b.String():
			s.Report(c02Large, sameLines(out, b.String(), "2 MB of lines"))
		case code != 0 || len(left) > 0:
			s.Failf(c02Large, "exit status %d; %s", code, strings.Join(left, "; "))
		}
		s.Report(c02Large, nil)
	})
	c.Scenario([]string{c02EOF}, func(s *Scene) {
		out, _, code, left := run02(s, strings.Repeat("x", 100000), "wc", "-c")
		switch {
		case strings.TrimSpace(out) != "100000":
			s.Failf(c02EOF, "wc -c printed %q, want 100000", clip(out, 80))
		case code != 0 || len(left) > 0:
			s.Failf(c02EOF, "exit status %d; %s", code, strings.Join(left, "; "))
		}
		s.Report(c02EOF, nil)
	})
	c.Scenario([]string{c02Status}, func(s *Scene) {
		var bad []string
		for _, k := range []struct {
			script, want string
		}{{"exit 3", "768"}, {"kill -TERM $$", "15"}, {"exit 0", "0"}} {
			_, stderr, _, left := run02(s, "", "/bin/sh", "-c", k.script)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := strings.TrimSpace(lines[len(lines)-1])
			if last != "pclose: "+k.want {
				bad = append(bad, fmt.Sprintf("for sh -c %q the last line on standard error is %s, want \"pclose: %s\"", k.script, quote(last), k.want))
			}
			bad = append(bad, left...)
		}
		if len(bad) > 0 {
			s.Failf(c02Status, "%s", strings.Join(bad, "; "))
		}
		s.Report(c02Status, nil)
	})
	c.Scenario([]string{c02NoCmd}, func(s *Scene) {
		out, _, code, left := run02(s, "", "/no/such/command")
		switch {
		case code != 127:
			s.Failf(c02NoCmd, "for /no/such/command your program exited with status %d, want 127, the status a shell gives a command it cannot find (after popen, pclose would return 127 << 8)", code)
		case len(left) > 0:
			s.Failf(c02NoCmd, "%s", strings.Join(left, "; "))
		case out != "":
			s.Failf(c02NoCmd, "it printed %q on standard output", clip(out, 80))
		}
		s.Report(c02NoCmd, nil)
	})
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const g = "exercises/02-spawn/solution/main.go"
	selfTests = append(selfTests, exerciseTest{
		name:      "02-spawn",
		solutions: [][]string{{"-dir", "exercises/02-spawn/solution"}},
		starter: map[string]string{
			"are pipes":        "no command process",
			"no shell":         "printed \"\"",
			"no deadlock":      "no output at all",
			"sees end of file": "want 100000",
			"wait status":      "want \"pclose: 768\"",
			"does not exist":   "want 127",
		},
		mutants: []mutant{{
			name:  "the command's input is never closed",
			mark:  "command-s-input-never-closed",
			src:   g,
			fails: map[string]string{"no deadlock": "these are still open", "sees end of file": "these are still open", "wait status": "?"},
		}, {
			name:  "all the input is written before any output is read",
			mark:  "all-input-written-before-any",
			src:   g,
			fails: map[string]string{"no deadlock": "the pipe is full"},
		}, {
			name:  "through a shell",
			mark:  "through-shell",
			src:   g,
			fails: map[string]string{"are pipes": "?", "no shell": "did a shell read the words", "wait status": "?", "does not exist": ""},
		}, {
			name:  "the exit code instead of the wait status",
			mark:  "exit-code-wait-status",
			src:   g,
			fails: map[string]string{"wait status": "want \"pclose: 768\""},
		}},
	})
}
