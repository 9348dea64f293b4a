//go:build linux && (amd64 || arm64)

// Package exampletest runs an example the way a learner does, as a real
// process tree from a built binary, and checks what a learner would check:
// its output against a golden file, its exit status, and that it left
// nothing behind (files in its temporary directory, FIFOs, processes,
// System V objects).
//
// An example's main_test.go starts with
//
//	func TestMain(m *testing.M) { exampletest.Main(m) }
//
// and its tests call Run or Start. "go test ./... -update" rewrites the
// golden files in testdata/.
package exampletest

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Guard is the longest one example run may take before the harness kills
// its whole process group and fails the test with the output so far. It
// is a guard against a hang, never a way to order events: no test waits
// for a duration to pass. A run also ends 10 s before the test binary's
// own deadline (go test -timeout), so that a hang is reported as this
// run's, with its output, rather than as a panic with every goroutine's
// stack. Opts.Guard shortens it for one run.
const Guard = 30 * time.Second

// guardFor is the guard of one run: Guard, or o.Guard, cut to the test's
// deadline.
func guardFor(t testing.TB, o Opts) time.Duration {
	g := Guard
	if o.Guard > 0 {
		g = o.Guard
	}
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := d.Deadline(); ok {
			if left := time.Until(end) - 10*time.Second; left < g {
				g = left
			}
		}
	}
	if g < time.Second {
		g = time.Second
	}
	return g
}

var (
	binDir  string
	binPath string
)

// MainParallel is Main that lets up to n tests run side by side,
// whatever GOMAXPROCS says (go test's default -parallel), unless
// -parallel is given: for a package whose tests mostly wait (on a
// timer, on the processes they run, on gcc) and not on the CPU.
func MainParallel(m *testing.M, n int) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given && runtime.GOMAXPROCS(0) < n {
		if err := flag.Set("test.parallel", strconv.Itoa(n)); err != nil {
			panic(err)
		}
	}
	Main(m)
}

// Main builds the example in the current directory (the package under
// test) once, runs the tests and removes the build. It also makes the test
// process a child subreaper, so that a process an example orphans is
// reparented to the test and can be found and reaped.
func Main(m *testing.M) {
	if os.Getenv(envWatchdog) != "" {
		watchdog()
	}
	flag.Parse()
	openStdFDs()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "exampletest: PR_SET_CHILD_SUBREAPER:", err)
	}
	// Descriptors this test process inherited without close-on-exec (from
	// a shell, an editor, a CI runner) would be passed on to every example
	// and show up in its descriptor listing. Mark them all close-on-exec.
	if fds, err := peek.FDs(); err == nil {
		for _, f := range fds {
			if f.Num > 2 {
				unix.CloseOnExec(f.Num)
			}
		}
	}
	// Programs the test process starts itself (child.Command in a test)
	// inherit this: a -race binary otherwise sleeps 1 s at exit.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	code := func() int {
		dir, err := os.MkdirTemp("", "exampletest-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "exampletest:", err)
			return 1
		}
		binDir = dir
		defer os.RemoveAll(dir)
		startLifetime()
		defer stopLifetime()
		code := m.Run()
		printSkipSummary()
		return code
	}()
	os.Exit(code)
}

// openStdFDs puts /dev/null on descriptors 0, 1 and 2 where the test
// process was started without them (CI runs it with no standard input).
// Otherwise the next file the test opens (a pipe to an example) takes
// number 0, and an example started with it sees a descriptor table unlike
// a shell's: Go 1.20 ran the 07 demo that way with no stdin at all and
// lost its signals.
func openStdFDs() {
	for fd, mode := range []int{unix.O_RDONLY, unix.O_WRONLY, unix.O_WRONLY} {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			continue
		}
		nfd, err := unix.Open("/dev/null", mode, 0)
		if err != nil {
			continue
		}
		if nfd != fd {
			unix.Dup2(nfd, fd) // best effort
			unix.Close(nfd)
		}
	}
}

var buildOnce sync.Once
var buildErr error

// Binary builds the package in the current directory (with -race when the
// tests themselves run with -race) and returns the binary's path.
func Binary(t testing.TB) string {
	t.Helper()
	if binDir == "" {
		t.Fatal("exampletest: call exampletest.Main from TestMain")
	}
	countSkip(t)
	buildOnce.Do(func() {
		wd, _ := os.Getwd()
		binPath = filepath.Join(binDir, filepath.Base(wd))
		defer building()()
		if out, err := buildCmd(binPath).CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// buildCmd is "go build" of the package in the current directory into out,
// with -race when the tests run with -race, and -buildvcs=false: in a
// clone owned by another user (a shared lab checkout, a mounted
// workspace) git refuses the repository ("dubious ownership") and go
// build would fail with "error obtaining VCS status"; the examples need
// no VCS stamp. -ldflags=-w leaves out the DWARF tables, which no
// debugger reads in a test's binary: the link takes about a third less
// time (a panic's trace still names files and lines).
func buildCmd(out string) *exec.Cmd {
	args := []string{"build", "-buildvcs=false", "-ldflags=-w", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	return exec.Command(goTool(), append(args, ".")...)
}

func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

var (
	cMu    sync.Mutex
	cBuilt = map[string]*cBuild{}
)

// cBuild is one C twin's build, done once; builds of different twins run
// side by side.
type cBuild struct {
	once sync.Once
	path string
	err  error
}

// BuildC compiles a C twin from src and any more sources with gcc -Wall
// -Wextra -Werror -O2, once per test binary, and returns the binary's path.
// The test is skipped, saying why, when gcc is missing.
func BuildC(t testing.TB, src string, more ...string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		Skip(t, "gcc not found: the C twins cannot be built (apt-get install gcc)")
	}
	var srcs []string
	for _, f := range append([]string{src}, more...) {
		abs, _ := filepath.Abs(f)
		srcs = append(srcs, abs)
	}
	key := strings.Join(srcs, " ")
	cMu.Lock()
	b, ok := cBuilt[key]
	if !ok {
		b = &cBuild{}
		cBuilt[key] = b
	}
	cMu.Unlock()
	b.once.Do(func() {
		dir := binDir
		if dir == "" {
			dir, b.err = os.MkdirTemp("", "exampletest-c-")
			if b.err != nil {
				return
			}
		}
		b.path = filepath.Join(dir, "c-"+strings.TrimSuffix(filepath.Base(src), ".c"))
		flags := []string{"-Wall", "-Wextra", "-Werror", "-O2"}
		if kept := keptC(gcc, flags, srcs); kept != "" && copyExec(kept, b.path) == nil {
			return
		}
		defer building()()
		cmd := exec.Command(gcc, append(append(flags, "-o", b.path), srcs...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("gcc %s: %v\n%s", key, err, out)
			return
		}
		keepC(gcc, flags, srcs, b.path)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

var (
	buildsOn  atomic.Int32
	sayOnce   sync.Once
	sayBuilds = time.Second // how long builds may run before the line that says so
)

// building marks a build (go build of the example, gcc of a twin) as
// under way and returns what marks it done. When builds have run for a
// second, one line says so, once per test binary: a cold first "go test"
// otherwise prints nothing for a long while. go test keeps a package's
// output until the package ends (and drops it if it passes), so the line
// goes to the terminal (/dev/tty) when there is one, else to standard
// error.
func building() (done func()) {
	buildsOn.Add(1)
	sayOnce.Do(func() {
		time.AfterFunc(sayBuilds, func() {
			if buildsOn.Load() > 0 {
				wd, _ := os.Getwd()
				notice(fmt.Sprintf("exampletest: %s: building the example and its C twins (once per test binary)...\n", filepath.Base(wd)))
			}
		})
	})
	return func() { buildsOn.Add(-1) }
}

// notice writes a line for the person who runs go test.
func notice(line string) {
	if _, err := unix.IoctlGetTermios(2, unix.TCGETS); err == nil {
		os.Stderr.WriteString(line)
		return
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		tty.WriteString(line)
		tty.Close()
		return
	}
	os.Stderr.WriteString(line)
}

// Opts says how to run a program.
type Opts struct {
	Args  []string
	Env   []string  // added to the environment
	Stdin io.Reader // nil: /dev/null
	// Split keeps standard error apart from standard output. By default
	// both go into one pipe, so the order of lines is the order of writes.
	Split bool
	// TmpDir is the program's TMPDIR; empty: a fresh directory that must
	// be empty again when the program ends.
	TmpDir string
	// Survivors allows processes of the run to outlive its first process
	// (a test that kills it on purpose); they are killed and reaped.
	Survivors bool
	// Rules are extra normalisation rules (keys, ids, clock times), used
	// by Interrupts to tell a run that got to its end.
	Rules []Rule
	// Guard, if not zero, is a shorter guard than Guard for this run.
	Guard time.Duration
	// IPC, if not nil, runs the program in that private IPC namespace
	// (see NewIPCNamespace). Programs that must share a queue, a segment
	// or a semaphore set are given the same one.
	IPC *IPCNamespace
	// Credential, if not nil, runs the program as that user (the test
	// must be root); the TMPDIR made for it (TmpDir empty) is that user's.
	Credential *syscall.Credential
}

// Proc is a running program.
type Proc struct {
	t       testing.TB
	cmd     *exec.Cmd
	cancel  context.CancelFunc
	opts    Opts
	tmp     string
	outR    *os.File
	mu      sync.Mutex
	grew    *sync.Cond // signalled when a line arrives or output ends
	out     bytes.Buffer
	lines   []string // the lines of out, each whole (the last may lack its newline at the end)
	eof     bool
	cursor  int // the next line WaitFor looks at
	readErr chan struct{}
	stderr  bytes.Buffer
	sysv    map[string]map[string]bool
}

// Result is how a run ended and what it printed.
type Result struct {
	// Out is standard output, with standard error unless Opts.Split, and
	// Stderr standard error when Opts.Split.
	Out    string
	Stderr string
	Status syscall.WaitStatus
	TmpDir string
}

// Code is the exit status, or -1 if the program was killed by a signal.
func (r *Result) Code() int {
	if r.Status.Exited() {
		return r.Status.ExitStatus()
	}
	return -1
}

// RunOK runs the example under test (Binary) with o to its end, and fails
// the test unless it exits with status 0.
func RunOK(t testing.TB, o Opts) *Result {
	t.Helper()
	res := Run(t, Binary(t), o)
	if res.Code() != 0 {
		t.Fatalf("%q: exit status %d (%v), want 0; output:\n%s", o.Args, res.Code(), res.Status, res.Out)
	}
	return res
}

// Run runs the program to its end.
func Run(t testing.TB, bin string, o Opts) *Result {
	t.Helper()
	return Start(t, bin, o).Wait()
}

// Start starts the program in a process group of its own, with colour off,
// the C locale, and TMPDIR set to a directory of the run's own.
func Start(t testing.TB, bin string, o Opts) *Proc {
	t.Helper()
	p := &Proc{t: t, opts: o, readErr: make(chan struct{})}
	p.grew = sync.NewCond(&p.mu)
	p.tmp = o.TmpDir
	if p.tmp == "" {
		// Short, not under t.TempDir(): a subtest's long name in the path
		// would push a socket file past sun_path's 108 bytes.
		dir, err := os.MkdirTemp("", "run-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		p.tmp = dir
		if c := o.Credential; c != nil {
			if err := os.Chown(dir, int(c.Uid), int(c.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	guard := guardFor(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	p.cancel = cancel
	cmd := exec.CommandContext(ctx, bin, o.Args...)
	// GORACE: a -race binary otherwise sleeps 1 s at exit.
	cmd.Env = append(cleanEnv(), "NO_COLOR=1", "LC_ALL=C", "TMPDIR="+p.tmp, "GORACE=atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, o.Env...)
	cmd.Stdin = o.Stdin
	// Pdeathsig: the run dies with the test binary (see lifetime.go).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: o.Credential}
	cmd.Cancel = func() error {
		// The guard fired: the run hangs. Say so, with what it printed and
		// where each of its processes sleeps, then kill the whole group.
		t.Errorf("%s %q still running after the %v guard; killing its process group.\n%s\noutput so far:\n%s",
			filepath.Base(bin), o.Args, guard, groupMembers(cmd.Process.Pid), p.Output())
		return unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
	}
	cmd.WaitDelay = 10 * time.Second
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if o.Split {
		cmd.Stderr = &p.stderr
	} else {
		cmd.Stderr = w
	}
	p.sysv = sysvIDs()
	start := func() {
		if err = cmd.Start(); err == nil {
			addGroup(cmd.Process.Pid)
		}
	}
	if o.IPC != nil {
		o.IPC.do(start)
	} else {
		spawn(start)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	p.cmd, p.outR = cmd, r
	go p.read()
	t.Cleanup(func() {
		unix.Kill(-cmd.Process.Pid, unix.SIGKILL) // usually gone already
		dropGroup(cmd.Process.Pid)
	})
	return p
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k := kv[:strings.IndexByte(kv, '=')+1]
		switch k {
		case "NO_COLOR=", "FORCE_COLOR=", "TMPDIR=", "LC_ALL=", "LANG=":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func (p *Proc) read() {
	defer close(p.readErr)
	br := bufio.NewReaderSize(p.outR, 1<<16)
	for {
		line, err := br.ReadString('\n')
		p.mu.Lock()
		if line != "" {
			p.out.WriteString(line)
			p.lines = append(p.lines, strings.TrimSuffix(line, "\n"))
		}
		if err != nil {
			p.eof = true
		}
		p.grew.Broadcast()
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Pid is the process ID of the program (the leader of its process group).
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// TmpDir is the program's TMPDIR.
func (p *Proc) TmpDir() string { return p.tmp }

// WaitFor waits for the next output line that contains substr and returns
// it; a later WaitFor looks only at the lines after it. This is how a test
// waits for a program to be ready: the program prints after the point it
// describes. The test fails if the output ends first.
func (p *Proc) WaitFor(substr string) string {
	p.t.Helper()
	return p.waitFor(func(l string) bool { return strings.Contains(l, substr) }, fmt.Sprintf("a line containing %q", substr))
}

// Output is everything printed so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Signal sends sig to the program's first process.
func (p *Proc) Signal(sig syscall.Signal) {
	if err := unix.Kill(p.cmd.Process.Pid, sig); err != nil {
		p.t.Fatalf("kill %d: %v", p.cmd.Process.Pid, err)
	}
}

// Wait waits for the program to end, then checks it left nothing behind.
func (p *Proc) Wait() *Result {
	p.t.Helper()
	err := p.cmd.Wait()
	p.cancel()
	<-p.readErr
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			p.t.Fatalf("%s: %v", p.cmd.Path, err)
		}
	}
	res := &Result{Out: p.Output(), Stderr: p.stderr.String(), TmpDir: p.tmp,
		Status: p.cmd.ProcessState.Sys().(syscall.WaitStatus)}
	p.checkLeftovers(res)
	return res
}

func (p *Proc) checkLeftovers(res *Result) {
	t := p.t
	t.Helper()
	pgid := p.cmd.Process.Pid
	// Processes: reap any orphan of the group (we are its subreaper), then
	// see whether one is still running.
	reapGroup(pgid, unix.WNOHANG)
	if unix.Kill(-pgid, 0) == nil {
		if !p.opts.Survivors {
			t.Errorf("processes of the run outlived it (process group %d):\n%s", pgid, groupMembers(pgid))
		}
		unix.Kill(-pgid, unix.SIGKILL)
		reapGroup(pgid, 0)
	}
	dropGroup(pgid)
	// Files: the run's TMPDIR must be empty again (no FIFO, no directory).
	if p.opts.TmpDir == "" {
		var left []string
		filepath.Walk(p.tmp, func(path string, fi os.FileInfo, err error) error {
			if err == nil && path != p.tmp {
				left = append(left, fmt.Sprintf("%s %s", fi.Mode(), path))
			}
			return nil
		})
		if len(left) > 0 {
			t.Errorf("the run left files in its TMPDIR:\n%s", strings.Join(left, "\n"))
		}
	}
	// System V objects: in a private namespace, the namespace's end
	// checks them all (other programs of the test may still use them).
	// Otherwise: any object that appeared during the run and still exists,
	// and that a process of this run touched.
	if p.opts.IPC != nil {
		return
	}
	pids := pidsIn(res.Out + res.Stderr)
	pids[fmt.Sprint(pgid)] = true
	for _, l := range newSysV(p.sysv, pids) {
		t.Errorf("the run left a System V object behind: %s", l)
	}
}

// reapGroup reaps the zombies of a process group that were reparented to
// this process. With flags 0 it blocks until none is left.
func reapGroup(pgid int, flags int) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PGID, pgid, &info, unix.WEXITED|flags, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || (flags&unix.WNOHANG != 0 && pidOf(&info) == 0) {
			return
		}
	}
}

func groupMembers(pgid int) string {
	var b strings.Builder
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 2 && f[2] == fmt.Sprint(pgid) {
			cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			wchan, _ := os.ReadFile("/proc/" + e.Name() + "/wchan")
			fmt.Fprintf(&b, "  pid %s state %s (sleeping in %s): %s\n", e.Name(), f[0], wchan,
				strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return b.String()
}

// CheckUsage runs the example with each bad command line and checks what a
// user must get: exit status 2, nothing on standard output, and on standard
// error the usage, which starts with usagePrefix ("usage: 01-pipe").
func CheckUsage(t *testing.T, usagePrefix string, badArgs ...[]string) {
	t.Helper()
	for _, args := range badArgs {
		CheckBad(t, usagePrefix, Bad{Args: args})
	}
}

// Bad is a bad command line, and a phrase its error message must contain
// ("unknown signal \"FOO\""), or "" for none.
type Bad struct {
	Args []string
	Why  string
}

// CheckBad is CheckUsage that also checks each command line's reason.
func CheckBad(t *testing.T, usagePrefix string, cases ...Bad) {
	t.Helper()
	for _, c := range cases {
		res := Run(t, Binary(t), Opts{Args: c.Args, Split: true})
		if res.Code() != 2 {
			t.Errorf("%.60q: exit status %d, want 2", c.Args, res.Code())
		}
		if res.Out != "" || !strings.Contains(res.Stderr, usagePrefix) || !strings.Contains(res.Stderr, c.Why) {
			t.Errorf("%.60q: want %q and %q on stderr and nothing on stdout; stdout %q, stderr %q",
				c.Args, usagePrefix, c.Why, res.Out, res.Stderr)
		}
	}
}

// Contains checks that out contains each of want, as a learner would look
// for a line in the output, and shows the whole output when one is missing.
func Contains(t testing.TB, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q; it was:\n%s", w, out)
		}
	}
}
