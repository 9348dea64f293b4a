//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// ps lists a different number of processes on every run.
var lineCount = exampletest.Rule{Re: regexp.MustCompile(`read (\d+) lines, then end of file\. ps lists`), Fixed: "N"}

var (
	tagged   = regexp.MustCompile(`^parent (\d+): (.*)$`)
	pidWord  = regexp.MustCompile(`pid \d+ `)
	fdSumm   = regexp.MustCompile(`(?m)open descriptors: 0 1 2(?:,| \(|$)`)
	readLine = regexp.MustCompile(`(?m)^parent \d+: read: (.*)$`)
)

// The default run: the article's popen("ps -ef", "r"), sort, the failing
// commands and the injection, compared with its golden output.
func TestDefault(t *testing.T) {
	t.Parallel()
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{})
	if res.Code() != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", res.Code(), res.Out)
	}
	out := res.Out
	for _, l := range []string{
		"read: UID PID PPID C STIME TTY TIME CMD",
		"pclose() = 256: pid ", " exited with status 1",
		"C:  WIFEXITED(256) is true, WEXITSTATUS(256) is 1",
		`Go: Wait() returns "exit status 1"; ExitCode() is 1`,
		"was killed by signal 15 (SIGTERM)",
		"C:  WIFSIGNALED(15) is true, WTERMSIG(15) is 15",
		`Go: Wait() returns "signal: terminated"; ExitCode() is -1`,
	} {
		if !strings.Contains(out, l) {
			t.Errorf("output lacks %q", l)
		}
	}
	if !fdSumm.MatchString(out) {
		t.Errorf("a descriptor was left open:\n%s", out)
	}

	// popen really started a child: the first process below us in ps is
	// the one popen reported, and its parent is us.
	step1 := section(out, 1)
	me := regexp.MustCompile(`(?m)^parent (\d+): `).FindStringSubmatch(step1)
	started := regexp.MustCompile(`started as pid (\d+)`).FindStringSubmatch(step1)
	first := regexp.MustCompile(`(?m)^parent \d+: PID (\d+) PPID (\d+) CMD (.*)$`).FindStringSubmatch(step1)
	if me == nil || started == nil || first == nil {
		t.Fatalf("step 1 lacks the popen pid or the ps lines:\n%s", step1)
	}
	if first[1] != started[1] || first[2] != me[1] {
		t.Errorf("ps line %q: want PID %s (popen's child) and PPID %s (this program)", first[0], started[1], me[1])
	}
	if !regexp.MustCompile(`(?m)CMD ps -ef$`).MatchString(step1) {
		t.Errorf("ps -ef does not appear among this program's processes:\n%s", step1)
	}

	// sort and grep write to our standard output themselves: untagged.
	if got := untagged(section(out, 2)); strings.Join(got, " ") != "apple fig pear" {
		t.Errorf("step 2: sort printed %q, want apple fig pear", got)
	}
	if got := untagged(section(out, 3)); strings.Join(got, " ") != "0" {
		t.Errorf("step 3: grep -c printed %q, want 0", got)
	}

	// The shell runs the injected command once; the safe forms print the
	// input as it is.
	var injected, literal int
	for _, m := range readLine.FindAllStringSubmatch(section(out, 4), -1) {
		switch m[1] {
		case "INJECTED by the shell":
			injected++
		case "hello x; echo INJECTED by the shell":
			literal++
		}
	}
	if injected != 1 || literal != 2 {
		t.Errorf("step 4: the shell ran the injected echo %d times (want 1), the safe forms printed the input literally %d times (want 2)", injected, literal)
	}

	// Whether sh -c keeps the shell as the command's parent depends on the
	// shell: dash does, bash and busybox sh exec the command in its place.
	if sh, _ := filepath.EvalSymlinks("/bin/sh"); filepath.Base(sh) != "dash" {
		t.Skipf("the golden output was recorded with dash as /bin/sh; here it is %s", sh)
	}
	exampletest.Golden(t, "default", res, lineCount)
}

// Other commands, through -r and -w: what the shell prints, in order.
func TestCommands(t *testing.T) {
	t.Parallel()
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{
		Args: []string{"-r", `printf "b\na\n"`, "-w", "sort -r"},
	})
	if res.Code() != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", res.Code(), res.Out)
	}
	if got := readLines1(res.Out); strings.Join(got, " ") != "b a" {
		t.Errorf("step 1 read %q, want b a", got)
	}
	if got := untagged(section(res.Out, 2)); strings.Join(got, " ") != "pear fig apple" {
		t.Errorf("step 2: sort -r printed %q", got)
	}
	exampletest.Golden(t, "commands", res)
}

// A command that fails is the command's problem, reported by its status;
// this program goes on and exits 0.
func TestFailingCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args   []string
		want   string
		stderr string // what the command says on standard error
	}{
		// popen() succeeds: the shell starts; it is the shell that
		// cannot find the command, and exits with 127.
		{[]string{"-r", "nosuchcommand"}, "pclose() = 32512: exited with status 127", "nosuchcommand: not found"},
		{[]string{"-r", "exit 3"}, "pclose() = 768: exited with status 3", ""},
		{[]string{"-r", "kill -KILL $$"}, "pclose() = 9: was killed by signal 9 (SIGKILL)", ""},
		// sort is told to sort a file that does not exist.
		{[]string{"-w", "sort /nonexistent"}, "pclose() = 512: exited with status 2", "/nonexistent"},
	} {
		tc := tc
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: tc.args, Split: true})
			if res.Code() != 0 {
				t.Errorf("exit status %d, want 0; stderr:\n%s", res.Code(), res.Stderr)
			}
			if got := statusLines(res.Out); !contains(got, tc.want) {
				t.Errorf("want %q among the pclose lines %q", tc.want, got)
			}
			if (tc.stderr == "") != (res.Stderr == "") || !strings.Contains(res.Stderr, tc.stderr) {
				t.Errorf("want %q on stderr, got %q", tc.stderr, res.Stderr)
			}
		})
	}
}

// When popen itself fails (here pipe() finds no free descriptor), the
// program stops with an error that names the call and the errno.
func TestPopenFails(t *testing.T) {
	t.Parallel()
	// Descriptors 0, 1 and 2 are open; a limit of 4 leaves room for the
	// dynamic loader of a -race binary, not for a pipe's two ends. (With
	// two free, the pipe would succeed and the Go runtime's poller, which
	// needs descriptors too, would fail fatally instead.)
	res := exampletest.Run(t, "/bin/sh", exampletest.Opts{
		Args:  []string{"-c", `ulimit -n 4 && exec "$0"`, exampletest.Binary(t)},
		Split: true,
	})
	want := "error: popen: pipe failed: EMFILE (too many open files): this process has no free descriptor left (popen returns NULL)"
	if res.Code() != 1 || !strings.Contains(res.Stderr, want) {
		t.Errorf("exit status %d, want 1, and %q on stderr; stderr:\n%s", res.Code(), want, res.Stderr)
	}
	if strings.Contains(res.Out, "parent") {
		t.Errorf("nothing but the step header should reach stdout:\n%s", res.Out)
	}
	// The C twin stops too (erratum "Popen failure ignored": the article
	// went on to fgets(buf, BUFSIZE, NULL) and crashed).
	c := exampletest.Run(t, "/bin/sh", exampletest.Opts{
		Args:  []string{"-c", `ulimit -n 4 && exec "$0"`, exampletest.BuildC(t, "c/popen_ps.c")},
		Split: true,
	})
	if c.Code() != 1 || !strings.Contains(c.Stderr, "popen: Too many open files") {
		t.Errorf("popen_ps: %v, want exit status 1 and \"popen: Too many open files\"; stderr:\n%s", c.Status, c.Stderr)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"extra"}, {"-nosuchflag"}, {"-r", ""}, {"-w", ""}, {"-w", " "}, {"-r"}, {"-r="}, {"-all="}} {
		res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: args, Split: true})
		if res.Code() != 2 {
			t.Errorf("%q: exit status %d, want 2", args, res.Code())
		}
		if res.Out != "" || !strings.Contains(res.Stderr, "usage: 02-popen") {
			t.Errorf("%q: want usage on stderr only; stdout %q, stderr %q", args, res.Out, res.Stderr)
		}
	}
}

// The corrected C twins, given the same command, read and write the same
// lines and get the same status from pclose() as the Go port.
func TestCTwins(t *testing.T) {
	t.Parallel()
	ps := exampletest.BuildC(t, "c/popen_ps.c")
	sort := exampletest.BuildC(t, "c/popen_sort.c")
	bin := exampletest.Binary(t)

	for _, tc := range []struct{ r, w string }{
		{`printf "b\na\n"`, "sort"},
		{"exit 3", "grep -c zebra"},
		{"kill -TERM $$", "sort -r"},
		{"echo one; echo two >&2", "tr a-z A-Z"},
	} {
		tc := tc
		t.Run(tc.r, func(t *testing.T) {
			t.Parallel()
			g := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"-r", tc.r, "-w", tc.w}, Split: true})

			// popen(tc.r, "r"): the lines read, the status, the
			// command's own standard error.
			c := exampletest.Run(t, ps, exampletest.Opts{Args: []string{tc.r}, Split: true})
			cRead, cStatus := lastApart(c.Out)
			if got := readLines1(g.Out); strings.Join(got, "\n") != strings.Join(cRead, "\n") {
				t.Errorf("popen(%q, \"r\"): C read %q, Go read %q", tc.r, cRead, got)
			}
			if got := statusLines(section(g.Out, 1)); len(got) != 1 || !strings.HasPrefix(got[0], cStatus) {
				t.Errorf("popen(%q, \"r\"): C says %q, Go says %q", tc.r, cStatus, got)
			}
			if c.Stderr != g.Stderr {
				t.Errorf("popen(%q, \"r\"): the command's stderr differs: C %q, Go %q", tc.r, c.Stderr, g.Stderr)
			}

			// popen(tc.w, "w"): what the command printed, the status.
			c = exampletest.Run(t, sort, exampletest.Opts{Args: []string{tc.w}})
			cLines, cStatus := lastApart(c.Out)
			var cOut []string
			for _, l := range cLines {
				if !strings.HasPrefix(l, "fputs: ") {
					cOut = append(cOut, l)
				}
			}
			step2 := section(g.Out, 2)
			if got := untagged(step2); strings.Join(got, " ") != strings.Join(cOut, " ") {
				t.Errorf("popen(%q, \"w\"): under C the command printed %q, under Go %q", tc.w, cOut, got)
			}
			if got := statusLines(step2); len(got) != 1 || got[0] != cStatus {
				t.Errorf("popen(%q, \"w\"): C says %q, Go says %q", tc.w, cStatus, got)
			}
		})
	}

	// The article's own command, ps -ef, through the C program.
	c := exampletest.Run(t, ps, exampletest.Opts{})
	if !strings.HasPrefix(strings.Join(strings.Fields(c.Out), " "), "UID PID PPID C STIME TTY TIME CMD") ||
		!strings.HasSuffix(c.Out, "pclose() = 0: exited with status 0\n") {
		t.Errorf("popen_ps: want the ps -ef header first and status 0 last:\n%s", c.Out)
	}
}

// lastApart splits a C twin's output into the lines before its last one
// and the last one, which is the pclose() line.
func lastApart(out string) ([]string, string) {
	l := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	return l[:len(l)-1], l[len(l)-1]
}

// section is step n of an output, from its header to the next one.
func section(out string, n int) string {
	start := strings.Index(out, "== Step "+strconv.Itoa(n)+":")
	if start < 0 {
		return ""
	}
	rest := out[start+1:]
	if end := strings.Index(rest, "\n== Step "); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// untagged are the lines of s that no process of ours printed: the
// commands' own output (step headers and blank lines left out).
func untagged(s string) []string {
	var got []string
	for _, l := range strings.Split(s, "\n")[1:] {
		if l != "" && !tagged.MatchString(l) {
			got = append(got, l)
		}
	}
	return got
}

// readLines1 are the lines step 1 read from its command.
func readLines1(out string) []string {
	var got []string
	for _, m := range readLine.FindAllStringSubmatch(section(out, 1), -1) {
		got = append(got, m[1])
	}
	return got
}

// statusLines are the pclose() lines of s, without the pid, which the C
// program cannot know: "pclose() = 256: exited with status 1".
func statusLines(s string) []string {
	var got []string
	for _, l := range strings.Split(s, "\n") {
		if m := tagged.FindStringSubmatch(l); m != nil && strings.HasPrefix(m[2], "pclose() = ") {
			got = append(got, pidWord.ReplaceAllString(m[2], ""))
		}
	}
	return got
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// Each mode, interrupted at every step header and after every popen line
// by each of Ctrl-C, SIGHUP, SIGTERM and a closed standard output: it dies
// of that signal, says no error, and leaves no process behind (neither the
// shell nor the command under it). Where the output changes from run to
// run (the number of lines ps -ef prints, or all of them; whether a write
// to "true" fails), a run that beats the signal to its end cannot be told
// from the full run, so there the points stop before step 3's second
// command: the rest of the run is then long enough for the signal to win.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args   []string
		stable bool
	}{
		{nil, false},
		{[]string{"-all"}, false},
		{[]string{"-r", `printf "b\na\n"`, "-w", "sort -r"}, true},
		{[]string{"-w", "true"}, false}, // the command goes without reading: EPIPE, or not
	} {
		tc := tc
		t.Run(strings.Join(append([]string{"args"}, tc.args...), " "), func(t *testing.T) {
			t.Parallel()
			n := exampletest.Interrupts(t, exampletest.Opts{Args: tc.args}, func(l string) bool {
				if !tc.stable && (strings.HasPrefix(l, "== Step 4:") || strings.HasPrefix(l, "== Step 5:") ||
					strings.Contains(l, "kill -TERM") || strings.Contains(l, "echo hello")) {
					return false // too near the end: the run may beat the signal to it
				}
				return exampletest.StepHeader(l) || strings.Contains(l, ": popen")
			})
			t.Logf("%q: %d interrupted runs", tc.args, n)
		})
	}
}

// A command that would run for long (sleep 30) is ended with the program:
// SIGTERM to this program alone, not to its process group, leaves neither
// the shell nor the sleep behind, and the program dies of SIGTERM. The
// check is made the moment the program has died (waitid WNOWAIT), before
// the sleep could have ended by itself.
func TestCommandEndsWithIt(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-r", "sleep 30"}, {"-w", "sleep 30"}} {
		p := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: args, Guard: 20 * time.Second})
		p.WaitFor("sleep 30\" started as pid")
		p.Signal(syscall.SIGTERM)
		var info unix.Siginfo
		for unix.Waitid(unix.P_PID, p.Pid(), &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
		}
		if live := liveInGroup(p.Pid()); len(live) > 0 {
			t.Errorf("%q: still running after the program died: %q", args, live)
		}
		res := p.Wait()
		if !res.Status.Signaled() || res.Status.Signal() != syscall.SIGTERM {
			t.Errorf("%q: %v, want killed by SIGTERM:\n%s", args, res.Status, res.Out)
		}
	}
}

// liveInGroup lists the processes of process group pgid that are not
// zombies, as "pid comm".
func liveInGroup(pgid int) []string {
	var live []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b) // pid (comm) state ppid pgrp ...
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
			live = append(live, s[:i+1])
		}
	}
	return live
}

// A full disk is a failure, not silence.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	res := exampletest.Run(t, "/bin/sh", exampletest.Opts{
		Args:  []string{"-c", `exec "$0" >/dev/full`, exampletest.Binary(t)},
		Split: true,
	})
	if res.Code() != 1 || !strings.Contains(res.Stderr, "no space left on device") {
		t.Errorf(">/dev/full: exit status %d, want 1 and ENOSPC on stderr; stderr:\n%s", res.Code(), res.Stderr)
	}
}
