//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/exampletest"
)

// The checker runs a student's program with common/exampletest, the
// harness the examples' own tests use: process groups, a private TMPDIR,
// captured output, the leftover checks (processes, files, System V
// objects) and the private IPC namespace. That harness reports through a
// testing.TB; tb is one that records what it is told, so that a report
// becomes a criterion's reason instead of a test failure. (A testing.TB
// cannot be implemented outside package testing except by embedding one:
// the embedded nil is never called, every method the harness uses is
// defined here.)
type tb struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
	failed   bool
}

func (t *tb) Helper()                  {}
func (t *tb) Name() string             { return "exercises-check" }
func (t *tb) Logf(string, ...any)      {}
func (t *tb) Log(...any)               {}
func (t *tb) Cleanup(f func())         { t.mu.Lock(); t.cleanups = append(t.cleanups, f); t.mu.Unlock() }
func (t *tb) Failed() bool             { t.mu.Lock(); defer t.mu.Unlock(); return t.failed }
func (t *tb) Skipped() bool            { return false }
func (t *tb) Error(args ...any)        { t.Errorf("%s", fmt.Sprint(args...)) }
func (t *tb) Fatal(args ...any)        { t.Fatalf("%s", fmt.Sprint(args...)) }
func (t *tb) Skip(args ...any)         { t.Fatalf("%s", fmt.Sprint(args...)) }
func (t *tb) Skipf(f string, a ...any) { t.Fatalf(f, a...) }
func (t *tb) Errorf(format string, args ...any) {
	t.mu.Lock()
	t.errs = append(t.errs, fmt.Sprintf(format, args...))
	t.failed = true
	t.mu.Unlock()
}

// Fatalf ends the scenario's goroutine, as testing.T.Fatalf ends a test.
func (t *tb) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	runtime.Goexit()
}

func (t *tb) TempDir() string {
	d, done, err := tempDir("exercises-check-")
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(done)
	return d
}

// takeErrs returns the reports recorded since the last call.
func (t *tb) takeErrs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.errs
	t.errs = nil
	return e
}

func (t *tb) runCleanups() {
	t.mu.Lock()
	cs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

// learner rewrites a report of common/exampletest in the words of the
// task README.
func learner(msg string) string {
	for _, r := range []struct{ from, to string }{
		{"processes of the run outlived it", "processes of your program were still running after its first process ended"},
		{"the run left files in its TMPDIR", "your program left files behind in its TMPDIR"},
		{"the run left a System V object behind", "your program left a System V object behind"},
	} {
		if strings.HasPrefix(msg, r.from) {
			return r.to + strings.TrimPrefix(msg, r.from)
		}
	}
	return msg
}

// Checker runs the criteria of one exercise against one program.
type Checker struct {
	prog    []string // the student's program: binary, then fixed arguments
	guard   time.Duration
	root    *tb
	ns      *exampletest.IPCNamespace
	results []result
	self    string          // this checker's binary, for its own helper processes
	before  map[string]bool // without a private namespace: the objects there at the start
}

type result struct {
	name string
	err  error
}

// Scene is one run of the student's program (one or more processes) that
// decides some criteria.
type Scene struct {
	c       *Checker
	t       *tb
	want    []string
	got     map[string]error
	procs   []*Proc
	tracked []int  // processes outside the scene's process groups
	hung    string // set by the guard
	guardMu sync.Mutex
}

// Proc is one process of a scene, started by exampletest.Start.
type Proc struct {
	*exampletest.Proc
	s    *Scene
	what string
}

// Scenario runs f as one scene that must report each of the named
// criteria (s.Report). If the scene hangs, the guard ends it after
// c.guard, and every criterion it had not reported yet fails, saying
// where each process is blocked.
func (c *Checker) Scenario(criteria []string, f func(s *Scene)) {
	s := &Scene{c: c, t: &tb{}, want: criteria, got: map[string]error{}}
	guard := time.AfterFunc(c.guard, s.expire)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(s)
	}()
	<-done
	guard.Stop()
	s.t.runCleanups()
	// Anything a killed scene left in the namespace is removed, so that
	// the next scene starts from an empty kernel.
	left := c.sweep()
	errs := s.t.takeErrs()
	for _, name := range criteria {
		err, ok := s.got[name]
		switch {
		case ok:
		case s.hung != "":
			err = fmt.Errorf("%s", s.hung)
		case len(errs) > 0:
			err = fmt.Errorf("%s", learner(errs[0]))
		default:
			err = fmt.Errorf("not checked (the scene ended early)")
		}
		if err == nil && len(left) > 0 && strings.Contains(name, "left") {
			err = fmt.Errorf("left in the kernel: %s", strings.Join(left, "; "))
		}
		c.results = append(c.results, result{name, err})
	}
}

// Report decides a criterion: nil passes, an error fails with its text.
func (s *Scene) Report(name string, err error) {
	if _, ok := s.got[name]; ok {
		return // the first report counts
	}
	s.guardMu.Lock()
	if s.hung != "" && err != nil && !strings.Contains(err.Error(), s.hung) {
		// what failed after the guard stopped the run failed because of it
		err = fmt.Errorf("%v; %s", err, s.hung)
	}
	s.guardMu.Unlock()
	s.got[name] = err
}

// Failf is Report with a formatted failure.
func (s *Scene) Failf(name, format string, args ...any) {
	s.Report(name, fmt.Errorf(format, args...))
}

// StopIfHung ends the scene if the guard has stopped it: what comes next
// would only check the wreck.
func (s *Scene) StopIfHung() {
	s.guardMu.Lock()
	h := s.hung
	s.guardMu.Unlock()
	if h != "" {
		s.Abort("%s", h)
	}
}

// Abort ends the scene: the criteria not reported yet fail with why.
func (s *Scene) Abort(format string, args ...any) {
	why := fmt.Sprintf(format, args...)
	for _, n := range s.want {
		s.Report(n, fmt.Errorf("%s", why))
	}
	runtime.Goexit()
}

// expire is the guard: it says where each process of the scene is
// blocked, then kills them all, so the scene's waits return.
func (s *Scene) expire() {
	s.guardMu.Lock()
	procs := append([]*Proc(nil), s.procs...)
	s.guardMu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "still not finished after %v, so the checker stopped it:", s.c.guard)
	var pgids []int
	names := map[int]string{}
	for _, p := range procs {
		pgids = append(pgids, p.Pid())
		names[p.Pid()] = p.what
	}
	s.guardMu.Lock()
	extra := append([]int(nil), s.tracked...)
	s.guardMu.Unlock()
	b.WriteString(blockedReport(pgids, names, extra...))
	for _, p := range procs {
		if out := p.Output(); out != "" {
			fmt.Fprintf(&b, "\n      output of the %s so far: %s", p.what, clip(out, 300))
		}
	}
	s.guardMu.Lock()
	s.hung = b.String()
	s.guardMu.Unlock()
	for _, pg := range pgids {
		unix.Kill(-pg, unix.SIGKILL) //nolint:errcheck // may be gone
	}
	s.killTracked()
}

// Track makes the scene responsible for a process that left the scene's
// process groups (a child the solution put in a group of its own): the
// guard and the scene's end kill it if it is still there.
func (s *Scene) Track(pid int) {
	s.guardMu.Lock()
	defer s.guardMu.Unlock()
	if len(s.tracked) == 0 {
		s.t.Cleanup(s.killTracked)
	}
	s.tracked = append(s.tracked, pid)
}

func (s *Scene) killTracked() {
	s.guardMu.Lock()
	pids := s.tracked
	s.guardMu.Unlock()
	for _, pid := range pids {
		if p, ok := readProc(pid); ok && p.state != "Z" {
			unix.Kill(pid, unix.SIGKILL) //nolint:errcheck // may be gone
		}
	}
	reapOrphans()
}

// reapOrphans reaps the zombies reparented to the checker (it is their
// subreaper), leaving its own children, which exampletest waits for.
func reapOrphans() {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok && p.ppid == os.Getpid() && p.state == "Z" && !startedByUs(pid) {
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, unix.WNOHANG, nil) //nolint:errcheck
		}
	}
}

// Opts are exampletest's.
type Opts = exampletest.Opts

// Start starts the student's program with args, in the scene's IPC
// namespace, standard error kept apart from the output checked.
func (s *Scene) Start(what string, o Opts, args ...string) *Proc {
	return s.start(what, s.c.prog, o, args...)
}

// Helper starts this checker's own helper role (a client that checks what
// the student's server sends it, say).
func (s *Scene) Helper(what, role string, o Opts, args ...string) *Proc {
	o.Env = append(o.Env, "IPC_EXAMPLE_ROLE="+role)
	return s.start(what, []string{s.c.self}, o, args...)
}

func (s *Scene) start(what string, prog []string, o Opts, args ...string) *Proc {
	o.Split = true
	o.IPC = s.c.ns
	o.Guard = s.c.guard + 5*time.Second // ours fires first
	o.Args = append(append([]string(nil), prog[1:]...), args...)
	// Started under cleanup's lock, so that an interrupt cannot fall
	// between the start and the registration: the checker would die and
	// leave the student's processes running. Nothing inside may take the
	// lock again, so the run's TMPDIR (a registered directory) is made
	// first.
	if o.TmpDir == "" {
		o.TmpDir = filepath.Join(s.t.TempDir(), "tmp")
		if err := os.Mkdir(o.TmpDir, 0o700); err != nil {
			s.Abort("mkdir: %v", err)
		}
	}
	var p *Proc
	if h, err := cleanup.Make(func() (string, func() error, error) {
		p = &Proc{Proc: exampletest.Start(s.t, prog[0], o), s: s, what: what}
		started.Store(p.Pid(), true)
		// If the checker is interrupted, its process group dies with it.
		pgid := p.Pid()
		return fmt.Sprintf("process group %d", pgid), func() error {
			unix.Kill(-pgid, unix.SIGKILL) //nolint:errcheck // it may be gone
			s.killTracked()
			// Reap them (the leader is our child, the orphans were
			// reparented to us), so that no zombie outlives the checker.
			for {
				var ws unix.WaitStatus
				if _, err := unix.Wait4(-pgid, &ws, 0, nil); err != nil && err != unix.EINTR {
					return nil
				}
			}
		}, nil
	}); err == nil {
		s.t.Cleanup(func() { h.Forget() })
	}
	s.guardMu.Lock()
	s.procs = append(s.procs, p)
	s.guardMu.Unlock()
	return p
}

// Input is a pipe for a process's standard input that the checker holds
// open (and closes to give end of file): pass r as Opts.Stdin (a file, so
// that os/exec hands it over instead of copying into it), keep w. The
// checker's copy of r is closed once the scene ends.
func (s *Scene) Input() (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		s.Abort("pipe: %v", err)
	}
	s.t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// started are the processes exampletest started (and will wait for).
var started sync.Map

func startedByUs(pid int) bool { _, ok := started.Load(pid); return ok }

// Dir is a directory of the checker's for the scene (where it puts the
// file an ftok key is made from, or where the FIFO must appear); each
// process also has a TMPDIR of its own, which must be empty when it ends.
func (s *Scene) Dir() string { return s.t.TempDir() }

// Line waits for the process's next output line that contains substr.
// If its output ends first, the scene aborts: it ended before saying so.
func (p *Proc) Line(substr string) string {
	var line string
	ok := func() bool {
		done := make(chan bool, 2)
		go func() {
			defer func() { done <- false }()
			line = p.WaitFor(substr)
			done <- true
		}()
		return <-done
	}()
	if !ok {
		p.s.t.takeErrs()
		p.s.Abort("the %s ended before printing %q; it printed: %s", p.what, substr, clip(p.Output(), 300))
	}
	return line
}

// Ended waits until the process has exited but, unlike Wait, does not
// reap it: the children it leaves are then orphans, and whether it left
// any (running, or zombies it never waited for) can be seen.
func (p *Proc) Ended() {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.Pid(), &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// Orphans are the processes of p's group other than p, once p has ended:
// children it neither waited for nor ended.
func (p *Proc) Orphans() []string { return groupProcs(p.Pid(), p.Pid()) }

// Wait reaps the process and returns how it ended and what the harness
// found it left behind (processes, files in TMPDIR).
func (p *Proc) Wait() (*exampletest.Result, []string) {
	p.s.t.takeErrs()
	res := p.Proc.Wait()
	var left []string
	for _, e := range p.s.t.takeErrs() {
		left = append(left, learner(e))
	}
	return res, left
}

// Describe says how a process ended, in wait(2)'s terms.
func Describe(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Sprintf("was killed by signal %d (%s)", int(ws.Signal()), unix.SignalName(ws.Signal()))
	}
	return fmt.Sprintf("ended with wait status %#x", uint32(ws))
}

// leftovers lists the System V objects left: in the private namespace,
// all of them; in the machine's (no right to make one), those that were
// not there when the checker started, which may include another user's.
func (c *Checker) leftovers() []string {
	all := c.ns.Leftovers() // a nil namespace reads the machine's
	if c.ns != nil {
		return all
	}
	var left []string
	for _, l := range all {
		if !c.before[l] {
			left = append(left, l)
		}
	}
	return left
}

// sweep lists the System V objects left, and removes them when they are
// in the checker's private namespace, so that the next scene starts from
// an empty kernel. In the machine's namespace it removes nothing (they
// might be someone else's): it reports each once.
func (c *Checker) sweep() []string {
	left := c.leftovers()
	if c.ns == nil {
		for _, l := range left {
			c.before[l] = true
		}
		return left
	}
	if len(left) > 0 {
		c.ns.Do(removeAllSysV)
	}
	return left
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = s[:n] + " ..."
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

// stderrNote is " (stderr: ...)" for a process that wrote on its standard
// error, "" for one that did not.
func stderrNote(stderr string) string {
	if strings.TrimSpace(stderr) == "" {
		return ""
	}
	return " (stderr: " + clip(stderr, 160) + ")"
}
