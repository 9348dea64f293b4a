//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// A pipe holds 16 pages: the bytes and the page size depend on the
// kernel's page size (4 KiB on amd64, 64 KiB on some arm64 kernels).
var pipeSize = []exampletest.Rule{
	{Re: regexp.MustCompile(`F_GETPIPE_SZ\): (\d+) bytes`), Fixed: "SIZE"},
	{Re: regexp.MustCompile(`pages of (\d+) bytes`), Fixed: "PAGE"},
}

// Each ending of the conversation, run for real and compared with its
// golden output.
func TestEndings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ending string
		lines  []string // what a learner would look for
	}{
		{"eof", []string{`10 numbers read from the pipe is "Hello Pipe"`, "exited with status 0"}},
		{"epipe", []string{"write failed: EPIPE (broken pipe)", "exited with status 0"}},
		{"sigpipe", []string{"was killed by signal 13 (SIGPIPE)"}},
	} {
		tc := tc
		t.Run(tc.ending, func(t *testing.T) {
			t.Parallel()
			// The guard fails the test quickly if the reader never sees
			// end of file (a write end left open: erratum 3).
			res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"-ending", tc.ending}, Guard: 20 * time.Second})
			if res.Code() != 0 {
				t.Fatalf("exit status %d, want 0; output:\n%s", res.Code(), res.Out)
			}
			for _, l := range tc.lines {
				if !strings.Contains(res.Out, l) {
					t.Errorf("output lacks %q", l)
				}
			}
			exampletest.Golden(t, "ending-"+tc.ending, res, pipeSize...)
		})
	}
}

// The parent's pipe and the child's fd 3 are one kernel object: the same
// inode in both /proc/<pid>/fd links.
func TestSameInode(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	for _, ending := range []string{"eof", "epipe", "sigpipe"} {
		res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"-ending", ending}})
		want := "open descriptors: 0 1 2, and the Go runtime's poller"
		if !strings.Contains(res.Out, want) {
			t.Errorf("-ending %s: want %q in output:\n%s", ending, want, res.Out)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	exampletest.CheckUsage(t, "usage: 01-pipe", []string{"extra"}, []string{"-ending", "nope"}, []string{"-nosuchflag"})
}

// The corrected C twins build cleanly and tell the same story.
func TestCTwins(t *testing.T) {
	t.Parallel()
	// The guard: a child that kept its write end open would never see
	// end of file (erratum 3). BuildC uses -Wall -Werror, so a missing
	// header (errata 2 and 7) or the article's bare annotations (erratum
	// 8) fail the build.
	c := exampletest.Run(t, exampletest.BuildC(t, "c/pipe_rw.c"), exampletest.Opts{Guard: 20 * time.Second})
	if c.Code() != 0 {
		t.Errorf("pipe_rw: exit status %d, want 0", c.Code())
	}
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
	if cc.Code() != 0 {
		t.Errorf("pipe_create: exit status %d, want 0", cc.Code())
	}
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
	t.Parallel()
	at := func(l string) bool {
		return exampletest.StepHeader(l) || strings.HasPrefix(l, "child ") || strings.Contains(l, ": waitpid: ")
	}
	for _, ending := range []string{"eof", "epipe", "sigpipe"} {
		ending := ending
		t.Run(ending, func(t *testing.T) {
			t.Parallel()
			n := exampletest.Interrupts(t, exampletest.Opts{Args: []string{"-ending", ending}}, at)
			t.Logf("-ending %s: %d interrupted runs", ending, n)
		})
	}
}

// A full disk is a failure, not silence: with standard output on
// /dev/full, every ending exits 1 and says why on standard error.
func TestFullDisk(t *testing.T) {
	t.Parallel()
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

// A pipe() that fails is reported with its errno and exit status 1 (the
// article printed a bare message, and returned -1: exit status 255). With
// RLIMIT_NOFILE at 4, descriptors 0 to 2 open and one free, pipe() needs
// two and fails with EMFILE, in C and in Go.
func TestPipeFails(t *testing.T) {
	t.Parallel()
	for _, bin := range []string{exampletest.BuildC(t, "c/pipe_create.c"), exampletest.Binary(t)} {
		res := exampletest.Run(t, "/bin/sh", exampletest.Opts{Args: []string{"-c", `ulimit -n 4 && exec "$0"`, bin}, Split: true})
		if res.Code() != 1 || !strings.Contains(res.Stderr, "pipe") || !strings.Contains(strings.ToLower(res.Stderr), "too many open files") {
			t.Errorf("%s: exit status %d, want 1 and EMFILE on stderr; stderr:\n%s", bin, res.Code(), res.Stderr)
		}
	}
}

// The capacity line tells the truth: 16 pages of the kernel's page size
// (unless this user's pipes exceed /proc/sys/fs/pipe-user-pages-soft).
func TestPipeSize(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{})
	m := regexp.MustCompile(`F_GETPIPE_SZ\): (\d+) bytes = (\d+) pages of (\d+) bytes`).FindStringSubmatch(res.Out)
	if m == nil {
		t.Fatalf("no capacity line:\n%s", res.Out)
	}
	size, _ := strconv.Atoi(m[1])
	if page := os.Getpagesize(); m[3] != strconv.Itoa(page) || size != 16*page || m[2] != "16" {
		t.Errorf("capacity line %q: want %d bytes = 16 pages of %d bytes", m[0], 16*page, page)
	}
}

// The SIGPIPE story the writer tells is the one strace sees: the raw
// write fails with EPIPE and the kernel's SIGPIPE is delivered and
// survived; the os write fails the same way, then the default action is
// put back (rt_sigaction SIG_DFL) and SIGPIPE raised (tgkill), and the
// process is killed by it.
func TestSIGPIPESequence(t *testing.T) {
	t.Parallel()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not found")
	}
	log := t.TempDir() + "/trace"
	res := exampletest.Run(t, strace, exampletest.Opts{Args: []string{"-f", "-s", "256", "-o", log, "-e", "trace=write,rt_sigaction,tgkill",
		"-e", "signal=SIGPIPE", exampletest.Binary(t), "-ending", "sigpipe"}})
	if res.Code() != 0 {
		t.Skipf("strace could not trace here (exit status %d):\n%s", res.Code(), res.Out)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`write(1, "Hello", 5)`, `= -1 EPIPE`, `--- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER`, `still alive`,
		`write(1, "Hello", 5)`, `= -1 EPIPE`, `--- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER`,
		`rt_sigaction(SIGPIPE, {sa_handler=SIG_DFL`, `tgkill(`, `+++ killed by SIGPIPE +++`,
	}
	rest := string(b)
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("strace lacks %q after the earlier steps; the trace:\n%s", w, b)
		}
		rest = rest[i+len(w):]
	}
}

// The EPIPE lesson is not swallowed by the program's own SIGPIPE handling
// (cleanup.Catch): if the kernel's SIGPIPE for that write reached it, the
// program would end as a "| head" does, often before its last lines. The
// race is lost about one time in two, so twenty runs leave it no chance.
func TestEPIPESurvives(t *testing.T) {
	t.Parallel()
	for i := 0; i < 20; i++ {
		res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"-ending", "epipe"}})
		if res.Code() != 0 || !strings.Contains(res.Out, "write failed: EPIPE") || !strings.Contains(res.Out, "== Step 3") {
			t.Fatalf("run %d: %v, want exit status 0 and the EPIPE line; output:\n%s", i+1, res.Status, res.Out)
		}
	}
}

// pipe() with a pointer the process cannot write fails with EFAULT, the
// errno the article lists for a bad pipe_fd. unix.Pipe2 always passes a
// good array, so the raw system call is made with address 1 (in the
// unmapped first page). The kernel makes both ends, fails to copy the two
// numbers out, and closes them again: no descriptor is left open.
//
// Not parallel: it counts this process's descriptors, and the other tests
// open pipes to their children.
func TestPipeEFAULT(t *testing.T) {
	before, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	_, _, errno := unix.RawSyscall(unix.SYS_PIPE2, 1, unix.O_CLOEXEC, 0)
	if errno != unix.EFAULT {
		t.Fatalf("pipe2(bad pointer): errno %v, want EFAULT", errno)
	}
	after, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) > len(before) {
		t.Errorf("pipe2(bad pointer) left descriptors open: %d before, %d after", len(before), len(after))
	}
}
