//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

// Checker runs the criteria of one exercise against one program.
type Checker struct {
	prog    []string // the student's program: binary, then fixed arguments
	guard   time.Duration
	ns      *ipcNS // nil: the machine's namespace
	results []result
	self    string          // this checker's binary, for its own helper processes
	before  map[string]bool // without a private namespace: the objects there at the start
	dry     error           // not nil: list the criteria, each failing with dry, and run nothing
}

type result struct {
	exercise string
	name     string
	err      error
	points   int     // what the criterion is worth
	seconds  float64 // from the start of its scene to its verdict
}

// Scene is one run of the student's program (one or more processes) that
// decides some criteria.
type Scene struct {
	c        *Checker
	want     []string
	got      map[string]error
	mu       sync.Mutex // guards procs, tracked, hung, cleanups
	procs    []*Proc
	tracked  []int        // processes outside the scene's process groups
	hung     string       // set by the guard
	waiting  atomic.Int32 // > 0 while the checker waits for the run's processes
	outlived []string     // what Proc.Wait found still running, and killed
	cleanups []func()
	began    time.Time
	at       map[string]time.Duration // when each criterion was decided
}

// Scenario runs f as one scene that must report each of the named
// criteria (s.Report). If the scene hangs, the guard ends it after
// c.guard, and every criterion it had not reported yet fails, saying
// where each process is blocked. When the scene ends, every process it
// started, and every process those started (whatever they did to their
// process group or session), is killed and reaped.
func (c *Checker) Scenario(criteria []string, f func(s *Scene)) {
	if c.dry != nil {
		for _, name := range criteria {
			c.results = append(c.results, result{name: name, err: c.dry, points: 1})
		}
		return
	}
	s := &Scene{c: c, want: criteria, got: map[string]error{}, at: map[string]time.Duration{}, began: time.Now()}
	// The guard, or the watch for a run that stopped moving (stall.go),
	// whichever comes first, ends a hung run.
	var once sync.Once
	expired := make(chan struct{})
	stopRun := func(header string) { once.Do(func() { defer close(expired); s.expire(header) }) }
	guard := time.AfterFunc(c.guard, func() {
		stopRun(fmt.Sprintf("still not finished after %v, so the checker stopped it:", c.guard))
	})
	stopWatch, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		s.watchStall(stopWatch, stopRun)
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(s)
	}()
	<-done
	close(stopWatch)
	<-watched
	if !guard.Stop() {
		<-expired
	}
	escaped := s.end()
	// Anything a killed scene left in the namespace is removed, so that
	// the next scene starts from an empty kernel.
	left := c.sweep()
	last := ""
	for _, name := range criteria {
		if strings.Contains(name, "left") || strings.Contains(name, "leaves nothing") {
			last = name
		}
	}
	if last == "" {
		last = criteria[len(criteria)-1]
	}
	for _, name := range criteria {
		err, ok := s.got[name]
		switch {
		case ok:
		case s.hung != "":
			err = fmt.Errorf("%s", s.hung)
		default:
			err = fmt.Errorf("not checked (the scene ended early)")
		}
		if err == nil && len(left) > 0 && strings.Contains(name, "left") {
			err = fmt.Errorf("left in the kernel: %s", strings.Join(left, "; "))
		}
		if err == nil && len(escaped) > 0 && name == last {
			err = fmt.Errorf("a process your program started was still running when the checker ended the run: %s", strings.Join(escaped, "; "))
		}
		if err == nil && len(s.outlived) > 0 && name == last {
			err = fmt.Errorf("%s", strings.Join(s.outlived, "; "))
		}
		at, ok := s.at[name]
		if !ok {
			at = time.Since(s.began)
		}
		c.results = append(c.results, result{name: name, err: err, points: 1, seconds: at.Seconds()})
	}
}

// end kills every process of the scene that is left, reaps them, and
// runs the scene's cleanups; it returns the processes nobody had
// accounted for (escaped from the processes the checker waited for).
func (s *Scene) end() []string {
	found := killAll()
	var escaped []proc
	for _, q := range found {
		if !startedByUs(q.pid) && q.state != "Z" {
			escaped = append(escaped, q)
		}
	}
	s.mu.Lock()
	procs := append([]*Proc(nil), s.procs...)
	s.mu.Unlock()
	for _, p := range procs {
		p.Wait()
	}
	killAll() // what a dying process started in between
	s.mu.Lock()
	cs := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
	var out []string
	if len(escaped) > 0 {
		out = describeProcs(escaped, 0)
	}
	return out
}

// Cleanup registers f to run when the scene ends.
func (s *Scene) Cleanup(f func()) {
	s.mu.Lock()
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
}

// Report decides a criterion: nil passes, an error fails with its text.
func (s *Scene) Report(name string, err error) {
	if _, ok := s.got[name]; ok {
		return // the first report counts
	}
	s.mu.Lock()
	if s.hung != "" && err != nil && !strings.Contains(err.Error(), s.hung) {
		// what failed after the guard stopped the run failed because of it
		err = fmt.Errorf("%v; %s", err, s.hung)
	}
	s.mu.Unlock()
	s.got[name] = err
	s.at[name] = time.Since(s.began)
}

// Failf is Report with a formatted failure.
func (s *Scene) Failf(name, format string, args ...any) {
	s.Report(name, fmt.Errorf(format, args...))
}

// StopIfHung ends the scene if the guard has stopped it: what comes next
// would only check the wreck.
func (s *Scene) StopIfHung() {
	s.mu.Lock()
	h := s.hung
	s.mu.Unlock()
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

// expire ends a hung run (the guard, or a stall): after header, it says
// where each process of the scene is blocked, then kills them all, so the
// scene's waits return.
func (s *Scene) expire(header string) {
	s.mu.Lock()
	procs := append([]*Proc(nil), s.procs...)
	extra := append([]int(nil), s.tracked...)
	s.mu.Unlock()
	var b strings.Builder
	b.WriteString(header)
	var pgids []int
	names := map[int]string{}
	for _, p := range procs {
		pgids = append(pgids, p.Pid())
		names[p.Pid()] = p.what
	}
	// and the processes that escaped the groups (setsid, setpgid)
	// (once each: a child the scene tracks is reparented to the checker
	// when its parent ends)
	seen := map[int]bool{}
	for _, pid := range extra {
		seen[pid] = true
	}
	for _, q := range descendants(func(int) bool { return false }) {
		if q.ppid == os.Getpid() && !startedByUs(q.pid) && !seen[q.pid] {
			extra = append(extra, q.pid)
		}
	}
	b.WriteString(blockedReport(pgids, names, extra...))
	for _, p := range procs {
		if out := p.Output(); out != "" {
			fmt.Fprintf(&b, "\n      output of the %s so far: %s", p.what, clip(out, 300))
		}
	}
	s.mu.Lock()
	s.hung = b.String()
	s.mu.Unlock()
	killAll()
}

// Track makes the scene responsible for a process that left the scene's
// process groups (a child the solution put in a group of its own): the
// guard names where it is blocked.
func (s *Scene) Track(pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tracked = append(s.tracked, pid)
}

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
	tmp := filepath.Join(s.Dir(), "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		s.Abort("mkdir: %v", err)
	}
	p, err := startProc(s.c.ns, prog, what, tmp, o, args...)
	if err != nil {
		s.Abort("the checker could not start the %s: %v", what, err)
	}
	p.s = s
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return p
}

// Input is a pipe for a process's standard input that the checker holds
// open (and closes to give end of file): pass r as Opts.Stdin (a file, so
// that it is handed over instead of copied into), keep w. The checker's
// copy of r is closed once the scene ends.
func (s *Scene) Input() (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		s.Abort("pipe: %v", err)
	}
	s.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// Dir is a directory of the checker's for the scene (where it puts the
// file an ftok key is made from, or where the FIFO must appear); each
// process also has a TMPDIR of its own, which must be empty when it ends.
func (s *Scene) Dir() string {
	d, done, err := tempDir("exercises-check-")
	if err != nil {
		s.Abort("%v", err)
	}
	s.Cleanup(done)
	return d
}

// Line waits for the process's next output line that contains substr.
// If its output ends first, the scene aborts: it ended before saying so.
func (p *Proc) Line(substr string) string {
	line, ok := p.WaitFor(substr)
	if !ok {
		p.s.Abort("the %s ended before printing %q; it printed: %s", p.what, substr, clip(p.Output(), 300))
	}
	return line
}

// Ended waits until the process has exited but, unlike Wait, does not
// reap it: the children it leaves are then orphans, and whether it left
// any (running, or zombies it never waited for) can be seen.
func (p *Proc) Ended() {
	defer p.s.awaiting()()
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.Pid(), &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// exited reports whether a process the checker started has exited (it
// is not reaped: Wait does that).
func exited(pid int) bool {
	p, ok := readProc(pid)
	return ok && p.state == "Z"
}

// Orphans are the processes of p's group other than p, once p has ended:
// children it neither waited for nor ended.
func (p *Proc) Orphans() []string { return groupProcs(p.Pid(), p.Pid()) }

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
// all of them; in the machine's (no right to make one), those of this run
// (see ours in sharedns.go), never another's.
func (c *Checker) leftovers() []string {
	if c.ns != nil {
		return c.ns.Leftovers()
	}
	var left []string
	for _, kind := range []string{"msg", "sem", "shm"} {
		rows, _ := peek.SysVRows(kind)
		for _, r := range rows {
			l := fmt.Sprintf("/proc/sysvipc/%s: %s", kind, r.Format("key", sysvIDCol[kind], "perms"))
			if !c.before[l] && ours(kind, r) {
				left = append(left, l)
			}
		}
	}
	return left
}

// sweep lists the System V objects of this run that are left and removes
// them, so that the next scene starts from an empty kernel: all of them
// in the checker's private namespace, only the run's in the machine's.
func (c *Checker) sweep() []string {
	left := c.leftovers()
	if len(left) > 0 {
		if c.ns == nil {
			removeOurs()
		} else {
			c.ns.Do(removeAllSysV)
		}
	}
	return left
}

// clip quotes at most n bytes of s on one line: its head and its tail,
// and how many bytes were left out between them (counting those the
// checker never kept, see capture.String).
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		head, tail := s[:n*2/3], s[len(s)-n/3:]
		skipped := int64(len(s) - len(head) - len(tail))
		for _, m := range moreRe.FindAllStringSubmatch(s[len(head):len(s)-len(tail)], -1) {
			k, _ := strconv.ParseInt(m[1], 10, 64)
			skipped += k - int64(len(m[0]))
		}
		s = fmt.Sprintf("%s ... %d bytes more ... %s", head, skipped, tail)
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

var moreRe = regexp.MustCompile(`\.\.\. (\d+) bytes more \.\.\.`)

// quote is strconv.Quote of at most a few KiB of s (head and tail).
func quote(s string) string {
	const n = 2 << 10
	if len(s) <= n {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:n*2/3]) + fmt.Sprintf(" ... %d bytes more ... ", len(s)-n*2/3-n/3) + strconv.Quote(s[len(s)-n/3:])
}

// stderrNote is " (stderr: ...)" for a process that wrote on its standard
// error, "" for one that did not.
func stderrNote(stderr string) string {
	if strings.TrimSpace(stderr) == "" {
		return ""
	}
	return " (stderr: " + clip(stderr, 160) + ")"
}

// pacer spaces the looks at /proc of a loop that waits for a state to
// show: 1 ms at first, so that the verdict comes as soon as the state is
// there, then half as long again each time up to 20 ms, so that a long
// wait does not spend a CPU reading /proc (one scan of every process's
// stat takes milliseconds on a busy machine).
type pacer struct{ d time.Duration }

func (p *pacer) wait() {
	if p.d == 0 {
		p.d = time.Millisecond
	}
	time.Sleep(p.d)
	if p.d = p.d * 3 / 2; p.d > 20*time.Millisecond {
		p.d = 20 * time.Millisecond
	}
}
