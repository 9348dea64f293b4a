//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A student's program is not trusted to stay in the process group, or
// the session, it was started in, nor to print a sane amount.

// hostile writes a shell script that plays the student's program.
func hostile(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "prog.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// withArg lists the live processes with arg in their command line, and
// whether the test process is one of their ancestors.
func withArg(arg string) []string {
	var found []string
	for _, q := range procTable() {
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", q.pid))
		if !strings.Contains(string(cl), arg) {
			continue
		}
		ours := false
		for p, ok := q, true; ok && p.pid > 1; p, ok = readProc(p.ppid) {
			ours = ours || p.ppid == os.Getpid()
		}
		found = append(found, fmt.Sprintf("pid %d %s (state %s, ppid %d, descends from the test: %v)", q.pid,
			strings.ReplaceAll(string(cl), "\x00", " "), q.state, q.ppid, ours))
	}
	return found
}

// TestEscapedProcess: a program that forks, calls setsid() in the child
// and forks again, leaving a grandchild asleep in a session of its own,
// gets a verdict within the guard, is told what it left, and nothing of
// it survives the checker. Once with the grandchild holding the
// program's output (the checker would wait for its end), once with its
// output, input and environment cleared (found as the checker's orphan).
func TestEscapedProcess(t *testing.T) {
	t.Parallel()
	for i, redirect := range []string{"", "env -i ", "</dev/null >/dev/null 2>&1"} {
		i, redirect := i, redirect
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			// a sleep no other test runs: its argument marks it
			mark := fmt.Sprintf("1000.%d%d", os.Getpid(), i)
			cmd := "sleep " + mark
			switch {
			case strings.HasPrefix(redirect, "env"):
				cmd = redirect + cmd + " </dev/null >/dev/null 2>&1"
			default:
				cmd += " " + redirect
			}
			prog := hostile(t, "setsid sh -c '"+cmd+" & exit 0' &\nwait\n")
			v := check(t, "01-duplex", "-bin", prog, "-guard", shortGuard)
			if v.code != 1 {
				t.Errorf("exit status %d, want 1:\n%s", v.code, v.out)
			}
			if !strings.Contains(v.out, "`sleep`, in a session of its own") {
				t.Errorf("the report does not name the sleeping grandchild in a session of its own:\n%s", v.out)
			}
			if left := withArg(mark); len(left) > 0 {
				t.Errorf("processes left after the checker ended:\n%s", strings.Join(left, "\n"))
				for _, q := range procTable() {
					cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", q.pid))
					if strings.Contains(string(cl), mark) {
						syscall.Kill(q.pid, syscall.SIGKILL)
					}
				}
			}
		})
	}
}

// TestEndlessOutput: 50 MB on one line is quoted by its head and its
// tail, with how much was left out, and the checker's memory stays
// bounded.
func TestEndlessOutput(t *testing.T) {
	t.Parallel()
	prog := hostile(t, "head -c 52428800 /dev/zero | tr '\\0' x\necho\n")
	v := check(t, "01-duplex", "-bin", prog, "-guard", shortGuard)
	if v.code != 1 {
		t.Errorf("exit status %d, want 1:\n%s", v.code, clip(v.out, 4000))
	}
	if len(v.out) > 32<<10 {
		t.Errorf("the report is %d bytes, want at most 32 KiB:\n%s", len(v.out), clip(v.out, 4000))
	}
	if !strings.Contains(v.why["the squares of 1..10 come back, one per line, in order"], "bytes more ...") {
		t.Errorf("the reason does not say how much more there was:\n%s", clip(v.out, 4000))
	}
	if v.maxRSS > 200<<20 {
		t.Errorf("the checker grew to %d MiB for 50 MB of output, want at most 200", v.maxRSS>>20)
	}
}
