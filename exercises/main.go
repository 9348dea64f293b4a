//go:build linux && (amd64 || arm64)

// Command exercises checks a solution of one of the graded exercises in
// this folder by running it as real processes against the kernel, and
// says, criterion by criterion, what works and what does not.
//
// Usage (from the repository root):
//
//	go run ./exercises list
//	go run ./exercises check NN-name [-dir PATH | -c FILE.c | -bin BINARY] [-guard D] [-json]
//	go run ./exercises check all [-guard D] [-json]
//
// By default it builds the Go package in exercises/NN-name/ (the starter
// you edit); -dir builds the Go main package in PATH instead, -c builds a
// C solution with gcc, -bin runs a program you built yourself. Each
// criterion prints as PASS or FAIL with one line saying why, and is worth
// one point; the last line is "Score: N/M". "check all" checks every
// exercise's folder in turn. -json prints one JSON document (score, max,
// and one object per criterion: exercise, name, pass, points, max,
// reason, seconds) for a grading system. The exit status is 0 only when
// every criterion passes (1 otherwise, 2 for a bad command line).
//
// The checker checks outcomes, not text: the bytes that come back, exit
// and wait statuses, errnos, and the kernel's state before and after (no
// System V object, FIFO, file or process left behind, also when it kills
// one of your processes on purpose). It runs in a private System V IPC
// namespace when it may (as root, or with CAP_SYS_ADMIN), so that what one
// solution leaks cannot meet another's. A solution that hangs is stopped
// after the guard (a few seconds), or after one second in which none of
// its threads ran and each slept in a call with no time limit (stall.go),
// with where each process was blocked.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
)

// Exercise is one task: its folder name and the criteria that check it.
type Exercise struct {
	Name  string // "01-duplex"
	Title string
	Check func(c *Checker)
}

var exercises = map[string]*Exercise{}

func register(e *Exercise) { exercises[e.Name] = e }

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: go run ./exercises check NN-name [-dir PATH | -c FILE.c | -bin BINARY] [-guard DURATION] [-json]\n       go run ./exercises check all [-guard DURATION] [-json]\n       go run ./exercises list\n")
}

func main() {
	child.Dispatch(helpers) // the checker's own helper processes
	// An ordinary user gets a private IPC namespace in a user namespace
	// of its own, where the kernel allows one: the checker runs again
	// there (userns.go).
	if len(os.Args) > 1 && os.Args[1] == "check" {
		if code, ran := inUserNS(os.Args[1:]); ran {
			os.Exit(code)
		}
	}
	// Ctrl-C, SIGTERM, SIGHUP or a closed output ("| head") end the
	// checker: the solution's processes (in process groups of their own,
	// so the terminal's signal does not reach them) are killed and its
	// temporary directories removed first.
	cleanup.Catch("exercises")
	// But not SIGPIPE: the checker writes into its solution's pipes, and
	// a solution it kills on purpose breaks them; a Go program that asks
	// for SIGPIPE gets it for every pipe. Its own closed output is seen
	// as EPIPE instead (epipeWriter).
	cleanup.Uncatch(unix.SIGPIPE)
	cleanup.Exit(run(os.Args[1:], epipeWriter{stdoutCopy()}, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == "list" {
		listExercises(stdout)
		return 0
	}
	if len(args) < 2 || args[0] != "check" {
		usage(stderr)
		return 2
	}
	var names []string
	name := strings.TrimSuffix(filepath.Base(args[1]), "/")
	if name == "all" {
		names = sortedNames()
	} else if _, ok := exercises[name]; ok {
		names = []string{name}
	} else {
		fmt.Fprintf(stderr, "exercises: no exercise %q\n", args[1])
		listExercises(stderr)
		return 2
	}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "build the Go main package in this directory (default exercises/NN-name)")
	csrc := fs.String("c", "", "build this C file with gcc -Wall -Wextra")
	bin := fs.String("bin", "", "run this program as it is")
	guard := fs.Duration("guard", 5*time.Second, "stop a run that has not finished after this long")
	asJSON := fs.Bool("json", false, "print one JSON document: every criterion with exercise, name, pass, points, reason, seconds")
	if err := fs.Parse(args[2:]); err != nil || fs.NArg() > 0 {
		usage(stderr)
		return 2
	}
	n := 0
	for _, s := range []string{*dir, *csrc, *bin} {
		if s != "" {
			n++
		}
	}
	switch {
	case n > 1:
		fmt.Fprintln(stderr, "exercises: give one of -dir, -c and -bin")
		return 2
	case n > 0 && len(names) > 1:
		fmt.Fprintln(stderr, "exercises: check all builds each exercise's folder: -dir, -c and -bin name one program")
		return 2
	}
	text := stdout
	if *asJSON {
		text = io.Discard
	}
	var all []result
	for _, name := range names {
		d := *dir
		if d == "" && *csrc == "" && *bin == "" {
			d = filepath.Join("exercises", name)
		}
		rs := checkOne(text, exercises[name], d, *csrc, *bin, *guard)
		all = append(all, rs...)
	}
	got, max := score(all)
	if len(names) > 1 {
		fmt.Fprintf(text, "\nsummary\n")
		for _, name := range names {
			var rs []result
			for _, r := range all {
				if r.exercise == name {
					rs = append(rs, r)
				}
			}
			g, m := score(rs)
			fmt.Fprintf(text, "  %-16s %d/%d\n", name, g, m)
		}
	}
	fmt.Fprintf(text, "Score: %d/%d\n", got, max)
	if *asJSON {
		writeJSON(stdout, all, got, max)
	}
	if got < max {
		return 1
	}
	return 0
}

func sortedNames() []string {
	var names []string
	for n := range exercises {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkOne builds and checks one exercise's program, prints each
// criterion, and returns the results.
func checkOne(w io.Writer, ex *Exercise, dir, csrc, bin string, guard time.Duration) []result {
	fmt.Fprintf(w, "check %s: %s\n", ex.Name, ex.Title)
	prog, what, cleanup, err := build(dir, csrc, bin)
	defer cleanup()
	var results []result
	if err != nil {
		// Every criterion fails, and counts: a program that does not
		// build scores nothing.
		fmt.Fprintf(w, "FAIL  it builds: %s\n", err)
		results = criteriaOf(ex, fmt.Errorf("not checked: it does not build: %v", err))
	} else {
		fmt.Fprintf(w, "      (%s)\n", what)
		fmt.Fprintf(w, "      (isolation: %s)\n", describeIsolation(privateIPC()))
		results = checkProgram(ex, prog, guard)
	}
	fails := 0
	for i, r := range results {
		results[i].exercise = ex.Name
		if r.err == nil {
			fmt.Fprintf(w, "PASS  %s\n", r.name)
		} else {
			fails++
			if !strings.HasPrefix(r.err.Error(), "not checked: it does not build") {
				fmt.Fprintf(w, "FAIL  %s\n      %s\n", r.name, r.err)
			}
		}
	}
	got, max := score(results)
	fmt.Fprintf(w, "%d criteria: %d pass, %d fail (%d/%d points)\n", len(results), len(results)-fails, fails, got, max)
	return results
}

// score adds up the points earned and the points there are.
func score(rs []result) (got, max int) {
	for _, r := range rs {
		max += r.points
		if r.err == nil {
			got += r.points
		}
	}
	return got, max
}

// writeJSON prints the results for a grading system.
func writeJSON(w io.Writer, rs []result, got, max int) {
	type criterion struct {
		Exercise string  `json:"exercise"`
		Name     string  `json:"name"`
		Pass     bool    `json:"pass"`
		Points   int     `json:"points"`
		Max      int     `json:"max"`
		Reason   string  `json:"reason"`
		Seconds  float64 `json:"seconds"`
	}
	doc := struct {
		Score     int         `json:"score"`
		Max       int         `json:"max"`
		Isolation string      `json:"isolation"`
		Criteria  []criterion `json:"criteria"`
	}{Score: got, Max: max, Isolation: describeIsolation(privateIPC()), Criteria: []criterion{}}
	for _, r := range rs {
		c := criterion{Exercise: r.exercise, Name: r.name, Pass: r.err == nil, Max: r.points, Seconds: r.seconds}
		if r.err == nil {
			c.Points = r.points
		} else {
			c.Reason = strings.TrimSpace(r.err.Error())
		}
		doc.Criteria = append(doc.Criteria, c)
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	fmt.Fprintf(w, "%s\n", b)
}

// stdoutCopy is standard output under a descriptor of its own: Go kills a
// program whose write to fd 1 fails with EPIPE at once, with no chance
// to clean up; a write to another descriptor returns the error.
func stdoutCopy() *os.File {
	fd, err := unix.Dup(1)
	if err != nil {
		return os.Stdout
	}
	unix.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "stdout")
}

// epipeWriter ends the checker as SIGPIPE would, after cleaning up, when
// its output is closed ("| head").
type epipeWriter struct{ f *os.File }

func (w epipeWriter) Write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	if errors.Is(err, unix.EPIPE) {
		cleanup.Die(unix.SIGPIPE)
	}
	return n, err
}

func listExercises(w io.Writer) {
	var names []string
	for n := range exercises {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "%-14s %s\n", n, exercises[n].Title)
	}
}

// build makes the program to check and says how it was made.
func build(dir, csrc, bin string) (prog []string, what string, cleanup func(), err error) {
	cleanup = func() {}
	if bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return nil, "", cleanup, err
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, "", cleanup, fmt.Errorf("%v", err)
		}
		return []string{abs}, "the program " + bin, cleanup, nil
	}
	tmp, done, err := tempDir("exercises-build-")
	if err != nil {
		return nil, "", cleanup, err
	}
	cleanup = done
	out := filepath.Join(tmp, "solution")
	var cmd *exec.Cmd
	var key, stamp string // for the build cache (buildcache.go)
	var command func(target string) *exec.Cmd
	if csrc != "" {
		cflags := []string{"-Wall", "-Wextra", "-O2"}
		command = func(target string) *exec.Cmd {
			return exec.Command("gcc", append(cflags, "-o", target, csrc)...)
		}
		cmd = command(out)
		what = "gcc -Wall -Wextra -O2 " + csrc
		if src, err := os.ReadFile(csrc); err == nil {
			key = "c-" + buildKey([]byte(strings.Join(cflags, " ")), src, gccVersion())
		}
	} else {
		// -buildvcs=false: a student's folder in a repository owned by
		// someone else (a shared lab checkout, a mounted workspace) would
		// otherwise fail with "error obtaining VCS status".
		// -ldflags=-w: no DWARF tables, which no debugger will read in a
		// binary removed after the check; the link takes about a third
		// less time (a panic still names the file and line).
		command = func(target string) *exec.Cmd {
			c := exec.Command(goTool(), "build", "-buildvcs=false", "-ldflags=-w", "-o", target, ".")
			c.Dir = dir
			return c
		}
		cmd = command(out)
		what = "go build -ldflags=-w in " + dir
		if abs, err := filepath.Abs(dir); err == nil {
			key = "go-" + buildKey([]byte(abs))
		}
		if os.Getenv(buildCacheEnv) != "" {
			if st, k := goStamp(dir); st != "" {
				stamp, key = st, "go-"+k
			}
		}
	}
	run := cmd.CombinedOutput
	if cache := os.Getenv(buildCacheEnv); cache != "" && key != "" {
		run = func() ([]byte, error) { return cachedBuild(cache, key, stamp, command, out, csrc == "") }
	}
	if b, err := run(); err != nil {
		hint := ""
		switch out := string(b); {
		case strings.Contains(out, "go.mod file not found") || strings.Contains(out, "cannot find main module"):
			hint = "\n      (a Go solution outside this repository needs a go.mod of its own: go mod init NAME && go mod tidy; see exercises/README.md)"
		case strings.Contains(out, "github.com/goipc/ipc-examples"):
			hint = "\n      (it imports this repository's common/: go mod edit -replace github.com/goipc/ipc-examples=/path/to/your/clone && go mod tidy)"
		case strings.Contains(out, "C source files not allowed"):
			hint = "\n      (a C file beside Go files stops go build: move it to a folder of its own and check it with -c FILE.c)"
		case strings.Contains(out, "requires go >=") || strings.Contains(out, "invalid go version"):
			hint = "\n      (the go line of its go.mod names a newer Go than this one: go mod edit -go=1.20)"
		}
		return nil, what, cleanup, fmt.Errorf("%s: %v\n%s%s", what, err, strings.TrimSpace(string(b)), hint)
	}
	return []string{out}, what, cleanup, nil
}

// tempDir makes a temporary directory that is removed by done, or by
// common/cleanup if the checker is interrupted first.
func tempDir(pattern string) (dir string, done func(), err error) {
	h, err := cleanup.Make(func() (string, func() error, error) {
		d, err := os.MkdirTemp("", pattern)
		dir = d
		return "directory " + d, func() error { return os.RemoveAll(d) }, err
	})
	if err != nil {
		return "", func() {}, err
	}
	return dir, func() { h.Release() }, nil // best effort
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// checkProgram runs the exercise's criteria against prog.
func checkProgram(ex *Exercise, prog []string, guard time.Duration) []result {
	// Processes a solution orphans, and those that escape their process
	// group or session (fork, setsid, fork again), are reparented to the
	// checker when their parent ends, so that they can be found,
	// reported, killed and reaped.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "exercises: PR_SET_CHILD_SUBREAPER: %v: a process that leaves its session is not contained\n", err)
	} else {
		subreaper = true
	}
	// If the checker is interrupted, every process it started, and every
	// process those started, dies first.
	if h, err := cleanup.Make(func() (string, func() error, error) {
		return "the processes of the program under check", func() error { killAll(); return nil }, nil
	}); err == nil {
		defer h.Forget()
	}
	self, _ := os.Executable()
	c := &Checker{prog: prog, guard: guard, self: self, before: map[string]bool{}}
	ns, err := newIPCNamespace()
	if err != nil {
		for _, l := range c.ns.Leftovers() {
			c.before[l] = true
		}
	}
	c.ns = ns
	ex.Check(c)
	c.sweep()
	ns.close()
	return c.results
}

// criteriaOf lists the exercise's criteria, each failing with err,
// without running anything.
func criteriaOf(ex *Exercise, err error) []result {
	c := &Checker{dry: err}
	ex.Check(c)
	return c.results
}
