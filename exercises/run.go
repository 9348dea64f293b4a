//go:build linux && (amd64 || arm64)

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// How the checker runs a student's program: each process it starts is the
// leader of a process group of its own, with its own TMPDIR, standard
// output and standard error read through pipes the checker holds, and
// SIGKILL as its parent-death signal. The checker is a child subreaper
// (PR_SET_CHILD_SUBREAPER), so a process that escapes its group or its
// session (fork, setsid, fork again) is reparented to the checker when its
// parent ends, and can still be found, named, killed and reaped.

// Opts say how to start one process.
type Opts struct {
	Stdin io.Reader // nil: /dev/null; an *os.File is handed over as it is
	Env   []string  // added to the environment
}

// Result is how a process ended and what it printed.
type Result struct {
	Out    string // standard output (bounded: see keepMax)
	Stderr string
	Status syscall.WaitStatus
}

// Code is the exit status, or -1 if the process was killed by a signal.
func (r *Result) Code() int {
	if r.Status.Exited() {
		return r.Status.ExitStatus()
	}
	return -1
}

// keepMax is how much of each output stream is kept: more than any
// exercise prints (01's largest answer is 2.3 MB). Beyond it the checker
// counts the bytes and keeps only the last tailMax, so a program that
// prints without end cannot fill the checker's memory.
const (
	keepMax = 8 << 20
	tailMax = 2 << 10
)

// capture reads one output stream of a process, to its end or until the
// checker closes it.
type capture struct {
	mu     sync.Mutex
	grew   *sync.Cond
	head   []byte // the first keepMax bytes
	tail   []byte // the last bytes past head
	more   int64  // bytes past head
	eof    bool
	cursor int // where the next WaitFor looks, in head
	r      *os.File
	done   chan struct{}
}

func newCapture(r *os.File) *capture {
	c := &capture{r: r, done: make(chan struct{})}
	c.grew = sync.NewCond(&c.mu)
	go c.read()
	return c
}

func (c *capture) read() {
	defer close(c.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := c.r.Read(buf)
		c.mu.Lock()
		b := buf[:n]
		if room := keepMax - len(c.head); room > 0 {
			k := len(b)
			if k > room {
				k = room
			}
			c.head = append(c.head, b[:k]...)
			b = b[k:]
		}
		if len(b) > 0 {
			c.more += int64(len(b))
			c.tail = append(c.tail, b...)
			if len(c.tail) > 16*tailMax {
				c.tail = append([]byte(nil), c.tail[len(c.tail)-tailMax:]...)
			}
		}
		if err != nil {
			c.eof = true
		}
		c.grew.Broadcast()
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// String is what was kept: all of it, or the first keepMax bytes, how
// many more there were, and the last of them.
func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.more == 0 {
		return string(c.head)
	}
	t := c.tail
	if len(t) > tailMax {
		t = t[len(t)-tailMax:]
	}
	return fmt.Sprintf("%s\n... %d bytes more ...\n%s", c.head, c.more-int64(len(t)), t)
}

// waitLine waits for the next complete line that contains substr; ok is
// false if the output ended (or passed keepMax) first.
func (c *capture) waitLine(substr string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for {
			i := bytes.IndexByte(c.head[c.cursor:], '\n')
			if i < 0 {
				break
			}
			line := string(c.head[c.cursor : c.cursor+i])
			c.cursor += i + 1
			if strings.Contains(line, substr) {
				return line, true
			}
		}
		if c.eof || c.more > 0 {
			return "", false
		}
		c.grew.Wait()
	}
}

// Proc is one process the checker started, and what it started.
type Proc struct {
	s      *Scene
	what   string
	cmd    *exec.Cmd
	tmp    string
	out    *capture
	errs   *capture
	stdinW *os.File // the checker's end of a pipe it copies Opts.Stdin into
	waited bool
	res    *Result
	left   []string
}

// started are the processes the checker started and has not reaped yet
// (exec.Cmd reaps them: nothing else may).
var started sync.Map

func startedByUs(pid int) bool { _, ok := started.Load(pid); return ok }

// startProc starts prog with args, in ns when it is not nil.
func startProc(ns *ipcNS, prog []string, what, tmp string, o Opts, args ...string) (*Proc, error) {
	cmd := exec.Command(prog[0], append(append([]string(nil), prog[1:]...), args...)...)
	cmd.Env = append(cleanEnv(), "NO_COLOR=1", "LC_ALL=C", "TMPDIR="+tmp, "GORACE=atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, o.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &Proc{what: what, cmd: cmd, tmp: tmp}
	var closeAfter []*os.File
	switch in := o.Stdin.(type) {
	case nil:
	case *os.File:
		cmd.Stdin = in
	default:
		// Copied by a goroutine of the checker's, whose pipe end the
		// checker closes when the process ends (a descendant that keeps
		// the read end open cannot hold the copy forever).
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		cmd.Stdin, p.stdinW = r, w
		closeAfter = append(closeAfter, r)
		go func() { io.Copy(w, in); w.Close() }() // a program may not read it all
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	closeAfter = append(closeAfter, outW, errW)
	startErr := error(nil)
	ns.Do(func() {
		startErr = cmd.Start()
		if startErr == nil {
			started.Store(cmd.Process.Pid, p)
			notePID(cmd.Process.Pid)
		}
	})
	for _, f := range closeAfter {
		f.Close()
	}
	if startErr != nil {
		outR.Close()
		errR.Close()
		if p.stdinW != nil {
			p.stdinW.Close()
		}
		return nil, startErr
	}
	p.out, p.errs = newCapture(outR), newCapture(errR)
	return p, nil
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch kv[:strings.IndexByte(kv, '=')+1] {
		case "NO_COLOR=", "FORCE_COLOR=", "TMPDIR=", "LC_ALL=", "LANG=", "IPC_EXAMPLE_ROLE=":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Pid is the process ID of the process the checker started.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Output is its standard output so far.
func (p *Proc) Output() string { return p.out.String() }

// WaitFor waits for its next output line that contains substr; ok is
// false if the output ended first.
func (p *Proc) WaitFor(substr string) (string, bool) {
	defer p.s.awaiting()()
	return p.out.waitLine(substr)
}

// Signal sends sig to the process the checker started.
func (p *Proc) Signal(sig syscall.Signal) {
	if err := unix.Kill(p.Pid(), sig); err != nil {
		p.s.Abort("kill %d: %v", p.Pid(), err)
	}
}

// Wait reaps the process and returns how it ended and what it left
// behind: processes it started that were still running (they are killed
// and reaped), files in its TMPDIR.
func (p *Proc) Wait() (*Result, []string) {
	if p.waited {
		return p.res, p.left
	}
	stopAwaiting := p.s.awaiting()
	p.cmd.Wait() // the status is in ProcessState
	stopAwaiting()
	p.waited = true
	started.Delete(p.Pid())
	if p.stdinW != nil {
		p.stdinW.Close()
	}
	var left []string
	if ps := p.outlived(); len(ps) > 0 {
		msg := "a process it started was still running after it ended: " + strings.Join(describeProcs(ps, p.Pid()), "; ")
		left = append(left, msg)
		killProcs(ps)
		// Those that left its process group fail the scene even where
		// the scene looks no further (the group's are the scene's to judge).
		var out []proc
		for _, q := range ps {
			if q.pgrp != p.Pid() {
				out = append(out, q)
			}
		}
		if p.s != nil && len(out) > 0 {
			p.s.mu.Lock()
			p.s.outlived = append(p.s.outlived, fmt.Sprintf("the %s: a process it started was still running after it ended: %s",
				p.what, strings.Join(describeProcs(out, p.Pid()), "; ")))
			p.s.mu.Unlock()
		}
	}
	// Every process that could hold the output pipes is gone: they end
	// now. (A guard all the same: a process no scan found may hold them.)
	for _, c := range []*capture{p.out, p.errs} {
		select {
		case <-c.done:
		case <-time.After(2 * time.Second):
			c.r.Close()
			<-c.done
		}
	}
	if files := filesIn(p.tmp); len(files) > 0 {
		left = append(left, "your program left files behind in its TMPDIR: "+strings.Join(files, ", "))
	}
	p.res = &Result{Out: p.out.String(), Stderr: p.errs.String(), Status: p.cmd.ProcessState.Sys().(syscall.WaitStatus)}
	p.left = left
	return p.res, left
}

// outlived are the processes that come from p and still exist after p
// ended: the members of its process group, the processes that hold its
// output pipes, that have its TMPDIR in their environment, and those
// reparented to the checker (whose parent ended) and what they started.
func (p *Proc) outlived() []proc {
	all := ourProcs()
	self := os.Getpid()
	pick := map[int]bool{}
	outInodes := map[string]bool{}
	for _, f := range []*os.File{p.out.r, p.errs.r} {
		var st unix.Stat_t
		if unix.Fstat(int(f.Fd()), &st) == nil {
			outInodes[fmt.Sprintf("pipe:[%d]", st.Ino)] = true
		}
	}
	// As a subreaper, the checker has under it every process that came
	// from p: only its descendants need their descriptors and environment
	// read (reading those of every process on a busy machine costs more
	// than the rest of a run).
	under := map[int]bool{self: true}
	for changed := true; changed; {
		changed = false
		for _, q := range all {
			if !under[q.pid] && under[q.ppid] {
				under[q.pid], changed = true, true
			}
		}
	}
	for _, q := range all {
		if q.pid == self || startedByUs(q.pid) || subreaper && !under[q.pid] {
			continue
		}
		switch {
		case q.pgrp == p.Pid(), q.ppid == self:
			pick[q.pid] = true
		case holdsAny(q.pid, outInodes), hasEnv(q.pid, "TMPDIR="+p.tmp):
			pick[q.pid] = true
		}
	}
	// and everything those started
	for changed := true; changed; {
		changed = false
		for _, q := range all {
			if !pick[q.pid] && pick[q.ppid] && !startedByUs(q.pid) {
				pick[q.pid], changed = true, true
			}
		}
	}
	var ps []proc
	for _, q := range all {
		if pick[q.pid] {
			ps = append(ps, q)
		}
	}
	return ps
}

// subreaper is true once the checker is a child subreaper.
var subreaper bool

// ourProcs are the processes the checker needs to look at: as a
// subreaper, its descendants (whatever came from the programs it ran
// stays under it), read from the children files of its own subtree;
// otherwise every process of the machine.
func ourProcs() []proc {
	if subreaper {
		if ps, ok := walkDescendants(func(int) bool { return false }); ok {
			return ps
		}
	}
	return procTable()
}

// walkDescendants reads the checker's subtree from
// /proc/PID/task/TID/children, leaving out the processes in skip and
// what they started: a few files instead of every process's stat. ok is
// false where the kernel has no children files (CONFIG_PROC_CHILDREN).
func walkDescendants(skip func(pid int) bool) (ps []proc, ok bool) {
	queue := []int{os.Getpid()}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		tids, err := osReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		if err != nil {
			continue // it ended
		}
		for _, t := range tids {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t + "/children")
			if os.IsNotExist(err) && pid == os.Getpid() {
				return nil, false
			}
			for _, f := range strings.Fields(string(b)) {
				c, err := strconv.Atoi(f)
				if err != nil || skip(c) {
					continue
				}
				if q, ok := readProc(c); ok {
					notePID(c)
					ps = append(ps, q)
					queue = append(queue, c)
				}
			}
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].pid < ps[j].pid })
	return ps, true
}

// procTable reads every process of the machine, by PID.
func procTable() []proc {
	var ps []proc
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if q, ok := readProc(pid); ok {
			ps = append(ps, q)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].pid < ps[j].pid })
	return ps
}

// descendants are the checker's descendants, leaving out the processes
// in skip and what they started.
func descendants(skip func(pid int) bool) []proc {
	if ps, ok := walkDescendants(skip); ok && len(ps) > 0 {
		return ps
	}
	// None found that way, or no children files: one scan of /proc
	// makes sure (a process created or reparented while its parent's
	// children file was read may be missing from it).
	all := procTable()
	in := map[int]bool{os.Getpid(): true}
	var ps []proc
	for changed := true; changed; {
		changed = false
		for _, q := range all {
			if !in[q.pid] && in[q.ppid] && !skip(q.pid) {
				in[q.pid], changed = true, true
				notePID(q.pid)
				ps = append(ps, q)
			}
		}
	}
	return ps
}

func holdsAny(pid int, links map[string]bool) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	fds, _ := osReadDir(dir)
	for _, fd := range fds {
		if l, err := os.Readlink(dir + fd); err == nil && links[l] {
			return true
		}
	}
	return false
}

func hasEnv(pid int, kv string) bool {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	for _, e := range bytes.Split(b, []byte{0}) {
		if string(e) == kv {
			return true
		}
	}
	return false
}

// describeProcs says, for the learner, what each process is and where:
// "in a session of its own" is one that left the checker's session
// (setsid), whether or not it leads it.
func describeProcs(ps []proc, leader int) []string {
	var out []string
	ours, _ := unix.Getsid(0)
	for _, q := range ps {
		where := fmt.Sprintf("in process group %d", q.pgrp)
		switch {
		case q.session != ours:
			where = "in a session of its own"
		case q.pgrp == q.pid:
			where = "in a process group of its own"
		case q.pgrp == leader:
			where = "in its process group"
		}
		if q.state == "Z" {
			out = append(out, fmt.Sprintf("pid %d, `%s`, a zombie: it ended and nobody waited for it", q.pid, q.comm))
		} else {
			out = append(out, fmt.Sprintf("pid %d, `%s`, %s", q.pid, q.comm, where))
		}
	}
	return out
}

// killProcs kills the processes (with SIGKILL, whatever their group or
// session) and reaps those that are, or become, the checker's children.
func killProcs(ps []proc) {
	for _, q := range ps {
		unix.Kill(q.pid, unix.SIGKILL) // it may be gone
	}
	for _, q := range ps {
		reapIfOurs(q.pid)
	}
}

// reapIfOurs waits for pid if it is (or becomes, once its parent is
// gone) a child of the checker that exec.Cmd does not wait for.
func reapIfOurs(pid int) {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		q, ok := readProc(pid)
		if !ok || startedByUs(pid) {
			return
		}
		if q.ppid == os.Getpid() {
			var ws unix.WaitStatus
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err != unix.EINTR {
				return
			}
			continue
		}
		time.Sleep(time.Millisecond) // its parent is being killed: a guard above
	}
}

// killAll kills every descendant of the checker, whatever its group or
// session, and reaps those exec.Cmd does not wait for. It repeats while
// new ones appear (a process may fork while it is being killed), within
// a bound. It returns the processes found the first time.
func killAll() []proc {
	var first []proc
	for i := 0; i < 50; i++ {
		ps := descendants(func(int) bool { return false })
		if i == 0 {
			first = ps
		}
		if len(ps) == 0 {
			break
		}
		for _, q := range ps {
			unix.Kill(q.pid, unix.SIGKILL) // it may be gone
		}
		for _, q := range ps {
			if q.ppid == os.Getpid() && !startedByUs(q.pid) {
				var ws unix.WaitStatus
				unix.Wait4(q.pid, &ws, 0, nil) // one that is gone is gone
			}
		}
		if onlyStartedZombies(ps) {
			break
		}
	}
	return first
}

// onlyStartedZombies: what is left are processes exec.Cmd will reap.
func onlyStartedZombies(ps []proc) bool {
	for _, q := range descendants(func(int) bool { return false }) {
		if !startedByUs(q.pid) || q.state != "Z" {
			return false
		}
	}
	return true
}

func filesIn(dir string) []string {
	var left []string
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && path != dir {
			left = append(left, fmt.Sprintf("%s %s", fi.Mode(), path))
		}
		return nil
	})
	return left
}
