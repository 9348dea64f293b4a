package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// Each ending of the conversation, run for real and compared with its
// golden output.
func TestEndings(t *testing.T) {
	for _, tc := range []struct {
		ending string
		lines  []string // what a learner would look for
	}{
		{"eof", []string{`10 numbers read from the pipe is "Hello Pipe"`, "exited with status 0"}},
		{"epipe", []string{"write failed: EPIPE (broken pipe)", "exited with status 0"}},
		{"sigpipe", []string{"was killed by signal 13 (SIGPIPE)"}},
	} {
		t.Run(tc.ending, func(t *testing.T) {
			res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"-ending", tc.ending}})
			if res.Code() != 0 {
				t.Fatalf("exit status %d, want 0; output:\n%s", res.Code(), res.Out)
			}
			for _, l := range tc.lines {
				if !strings.Contains(res.Out, l) {
					t.Errorf("output lacks %q", l)
				}
			}
			exampletest.Golden(t, "ending-"+tc.ending, res)
		})
	}
}

// The parent's pipe and the child's fd 3 are one kernel object: the same
// inode in both /proc/<pid>/fd links.
func TestSameInode(t *testing.T) {
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{})
	parent := regexp.MustCompile(`(?m)^parent \d+: \[kernel\] pipe: read end fd \d+ -> (pipe:\[\d+\])`).FindStringSubmatch(res.Out)
	child := regexp.MustCompile(`(?m)^child \d+: \[kernel\] fd 3 -> (pipe:\[\d+\])`).FindStringSubmatch(res.Out)
	if parent == nil || child == nil {
		t.Fatalf("missing fd lines in output:\n%s", res.Out)
	}
	if parent[1] != child[1] {
		t.Errorf("parent holds %s, child holds %s: not the same pipe", parent[1], child[1])
	}
}

// Nothing but the standard descriptors (and the Go runtime's own) is open
// when the example ends: every pipe end was closed.
func TestNoDescriptorLeft(t *testing.T) {
	for _, ending := range []string{"eof", "epipe", "sigpipe"} {
		res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"-ending", ending}})
		want := "open descriptors: 0 1 2, and the Go runtime's poller"
		if !strings.Contains(res.Out, want) {
			t.Errorf("-ending %s: want %q in output:\n%s", ending, want, res.Out)
		}
	}
}

func TestBadInput(t *testing.T) {
	exampletest.CheckUsage(t, "usage: 01-pipe", []string{"extra"}, []string{"-ending", "nope"}, []string{"-nosuchflag"})
}

// The corrected C twins build cleanly and tell the same story.
func TestCTwins(t *testing.T) {
	c := exampletest.Run(t, exampletest.BuildC(t, "c/pipe_rw.c"), exampletest.Opts{})
	goRes := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{})
	for _, l := range []string{"parent write1 success!", "parent write2 success!", "10 numbers read from the pipe is"} {
		if !strings.Contains(c.Out, l) || !strings.Contains(goRes.Out, l) {
			t.Errorf("%q: C has it %v, Go has it %v", l, strings.Contains(c.Out, l), strings.Contains(goRes.Out, l))
		}
	}
	if !strings.Contains(c.Out, "10 numbers read from the pipe is Hello Pipe") {
		t.Errorf("C child did not read both writes:\n%s", c.Out)
	}
	cc := exampletest.Run(t, exampletest.BuildC(t, "c/pipe_create.c"), exampletest.Opts{})
	same := regexp.MustCompile(`/proc/self/fd/3 -> (pipe:\[\d+\])\n/proc/self/fd/4 -> (pipe:\[\d+\])`).FindStringSubmatch(cc.Out)
	if same == nil || same[1] != same[2] {
		t.Errorf("pipe_create: both ends should name one pipe:\n%s", cc.Out)
	}
}

// Every ending, interrupted at every step header and after every line a
// child prints on standard output and every waitpid line (the
// conversation's own boundaries), by each of Ctrl-C, SIGHUP, SIGTERM and a
// closed standard output: it dies of that signal, says no error, and
// leaves no process behind.
func TestInterrupts(t *testing.T) {
	at := func(l string) bool {
		return exampletest.StepHeader(l) || strings.HasPrefix(l, "child ") || strings.Contains(l, ": waitpid: ")
	}
	total := 0
	for _, ending := range []string{"eof", "epipe", "sigpipe"} {
		n := exampletest.Interrupts(t, exampletest.Opts{Args: []string{"-ending", ending}}, at)
		t.Logf("-ending %s: %d interrupted runs", ending, n)
		total += n
	}
	t.Logf("%d interrupted runs in all", total)
}

// A full disk is a failure, not silence: with standard output on
// /dev/full, every ending exits 1 and says why on standard error.
func TestFullDisk(t *testing.T) {
	for _, ending := range []string{"eof", "epipe", "sigpipe"} {
		res := exampletest.Run(t, "/bin/sh", exampletest.Opts{
			Args:  []string{"-c", `exec "$0" -ending "$1" >/dev/full`, exampletest.Binary(t), ending},
			Split: true,
		})
		if res.Code() != 1 || !strings.Contains(res.Stderr, "no space left on device") {
			t.Errorf("-ending %s >/dev/full: exit status %d, want 1 and ENOSPC on stderr; stderr:\n%s", ending, res.Code(), res.Stderr)
		}
	}
}
