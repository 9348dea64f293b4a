//go:build linux && (amd64 || arm64)

package main

// Every test runs its programs in a private IPC namespace
// (exampletest.NewIPCNamespace): nothing a failing test leaks reaches the
// machine, and the namespace's end checks that nothing was left at all.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// rules normalise what changes from run to run besides PIDs: keys, ids,
// inode and device numbers, times, the ftok directory.
func rules(keyDir string) []exampletest.Rule {
	r := []exampletest.Rule{
		{Re: regexp.MustCompile(`key (0x[0-9a-f]{8})`), Class: "KEY"},
		{Re: regexp.MustCompile(`key=(-?\d+)`), Class: "KEYNUM"},
		{Re: regexp.MustCompile(`msqid[ =](\d+)`), Class: "MSQID"},
		{Re: regexp.MustCompile(`no row for id (\d+)`), Class: "MSQID"},
		{Re: regexp.MustCompile(`message queue (\d+)`), Class: "MSQID"},
		{Re: regexp.MustCompile(`st_ino (\d+)`), Class: "INO"},
		{Re: regexp.MustCompile(`st_dev (0x[0-9a-f]+)`), Class: "DEV"},
		{Re: regexp.MustCompile(`07-msgqueue-(\d+)`), Fixed: "N"},
		{Re: regexp.MustCompile(`time=(\d\d:\d\d:\d\d)`), Fixed: "HH:MM:SS"},
		{Re: regexp.MustCompile(`msgmax = (\d+)`), Fixed: "MSGMAX"},
		{Re: regexp.MustCompile(`qbytes=(\d+)  the most`), Fixed: "MSGMNB"},
		{Re: regexp.MustCompile(`\b(?:uid|cuid) (\d+)`), Class: "UID"},
		{Re: regexp.MustCompile(`type (\d+)(?: \(the PID|, my PID)`), Class: "PID"},
		{Re: regexp.MustCompile(`client (\d+)#`), Class: "PID"},
	}
	if keyDir != "" {
		r = append(r, exampletest.Rule{Re: regexp.MustCompile(`(` + regexp.QuoteMeta(keyDir) + `)`), Fixed: "$KEYDIR"})
	}
	return r
}

// keyDir is a directory of the test's own for ftok, and its key.
func keyDir(t *testing.T) (string, sysv.Key) {
	t.Helper()
	dir := t.TempDir()
	key, err := sysv.Ftok(dir, projID)
	if err != nil {
		t.Fatal(err)
	}
	return dir, key
}

// queueOf returns the msqid of the namespace's queue with this key, or -1.
func queueOf(t *testing.T, ns *exampletest.IPCNamespace, key sysv.Key) int {
	t.Helper()
	rows, err := ns.Rows("msg")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["key"] == strconv.Itoa(int(key)) {
			id, _ := strconv.Atoi(r["msqid"])
			return id
		}
	}
	return -1
}

// left is every System V object in the namespace; it must be none.
func noneLeft(t *testing.T, ns *exampletest.IPCNamespace, what string) int {
	t.Helper()
	l := ns.Leftovers()
	if len(l) > 0 {
		t.Errorf("%s: left in the namespace: %q", what, l)
		ns.Do(func() { // so that one failure does not spoil the next runs
			for _, r := range l {
				if m := regexp.MustCompile(`msqid=(\d+)`).FindStringSubmatch(r); m != nil {
					id, _ := strconv.Atoi(m[1])
					_ = sysv.Msgctl(id, unix.IPC_RMID, nil)
				}
			}
		})
	}
	return len(l)
}

func msgStat(t *testing.T, ns *exampletest.IPCNamespace, id int) (ds sysv.MsqidDs) {
	t.Helper()
	var err error
	ns.Do(func() { err = sysv.Msgctl(id, unix.IPC_STAT, &ds) })
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

var msqidRe = regexp.MustCompile(`= msqid (\d+)`)

func msqidIn(t *testing.T, line string) int {
	t.Helper()
	m := msqidRe.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no msqid in %q", line)
	}
	id, _ := strconv.Atoi(m[1])
	return id
}

// heldOpen is the read end of a pipe whose write end stays open until the
// test ends (or the test writes and closes it): an input that never ends
// by itself.
func heldOpen(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func signalled(ws syscall.WaitStatus, sig syscall.Signal) bool {
	return ws.Signaled() && ws.Signal() == sig
}

// The demo, run for real: server and client chat, then the tour of
// msgrcv and msgctl. Its output is the same on every run once PIDs, keys,
// ids and times are normalised.
func TestDemo(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{IPC: exampletest.NewIPCNamespace(t)})
	exampletest.Contains(t, res.Out,
		"# hello, server", "server# hi, client",
		"EIDRM: the queue was removed while I waited",
		"waitpid: client", "waitpid: server",
		"msgrcv(msgtyp 0, IPC_NOWAIT)            -> 3:c1",
		"msgrcv(msgtyp -3, IPC_NOWAIT)           -> 1:a1",
		"msgrcv(msgtyp 1, IPC_NOWAIT|MSG_EXCEPT) -> 2:b2",
		"msgrcv(msgtyp -3, IPC_NOWAIT)           -> 3:c2  and 3 itself",
		"msgrcv(IPC_NOWAIT) failed: ENOMSG",
		"msgrcv(IPC_NOWAIT) failed: E2BIG",
		`msgrcv(IPC_NOWAIT|MSG_NOERROR) into 16 bytes -> type 1, 16 bytes "sixteen bytes..."`,
		"msgsnd(IPC_NOWAIT) failed: EAGAIN",
		"failed: EINVAL (invalid argument):", "the text is longer than msgmax",
		"no queue has this msqid any more",
		"open descriptors: 0 1 2, and the Go runtime's poller",
	)
	if strings.Count(res.Out, "exited with status 0") != 2 {
		t.Errorf("want both children to exit with status 0:\n%s", res.Out)
	}
	// Server and client met at one queue: the same key, the same msqid.
	srv := regexp.MustCompile(`(?m)^server \d+: msgget\(key (0x\w+), IPC_CREAT\|IPC_EXCL\|0600\) = msqid (\d+)$`).FindStringSubmatch(res.Out)
	cl := regexp.MustCompile(`(?m)^client \d+: msgget\(key (0x\w+), 0\) = msqid (\d+)$`).FindStringSubmatch(res.Out)
	if srv == nil || cl == nil || srv[1] != cl[1] || srv[2] != cl[2] {
		t.Fatalf("server %q and client %q did not open the same queue", srv, cl)
	}
	// The server's reply went to the client's PID.
	c := regexp.MustCompile(`(?m)^client (\d+): sending "hello, server"`).FindStringSubmatch(res.Out)
	if c == nil || !strings.Contains(res.Out, fmt.Sprintf(`sending "hi, client" as type %s (the PID`, c[1])) {
		t.Errorf("the reply was not sent with the client's PID as its type:\n%s", res.Out)
	}
	// Each queue is gone when the demo says so.
	gone := regexp.MustCompile(`no row for id (\d+): the object is gone`).FindAllStringSubmatch(res.Out, -1)
	if len(gone) != 2 || gone[0][1] != srv[2] {
		t.Errorf("want the chat queue (msqid %s) and the lab queue reported gone, got %q", srv[2], gone)
	}
	// IPC_STAT's lspid is this process, seen in the /proc row as well.
	m := regexp.MustCompile(`(?m)^parent (\d+):   lspid=(\d+) `).FindStringSubmatch(res.Out)
	if m == nil || m[1] != m[2] {
		t.Errorf("IPC_STAT lspid should be the parent's PID: %q", m)
	}
	exampletest.Golden(t, "demo", res, rules("")...)
}

// The demo ended at every step, and at the chat's readiness lines, by
// Ctrl-C, SIGHUP, SIGTERM and a closed standard output: it dies of that
// signal, prints no error, and leaves nothing (the namespace's end checks
// the queues, the harness the ftok directory and the processes).
func TestDemoInterrupts(t *testing.T) {
	t.Parallel()
	ns := exampletest.NewIPCNamespace(t)
	at := func(l string) bool {
		return exampletest.StepHeader(l) || strings.Contains(l, "waiting for requests") ||
			strings.Contains(l, "# ") || strings.Contains(l, "sleeps in read(0): it has printed")
	}
	runs, leaks := interrupts(t, ns, at, rules(""))
	t.Logf("demo: %d interrupted runs, %d left anything", runs, leaks)
}

// The two modes from the command line, as two terminals would run them:
// the client sends, waits for each reply, and quits; the server then gets
// SIGTERM, removes its queue and dies of SIGTERM.
func TestServerAndClient(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	dir, key := keyDir(t)
	in, replies := heldOpen(t)
	_, _ = replies.WriteString("hi, client\nfine, thanks\n") // the pipe buffer takes it
	srv := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Stdin: in})
	id := msqidIn(t, srv.WaitFor("= msqid"))
	srv.WaitFor("waiting for requests")
	if got := queueOf(t, ns, key); got != id {
		t.Fatalf("/proc/sysvipc/msg: key %v has msqid %d, want %d", key, got, id)
	}
	ds := msgStat(t, ns, id)
	if ds.Perm.Mode&0o777 != 0o600 || int(ds.Lspid) != srv.Pid() || int(ds.Lrpid) != srv.Pid() {
		t.Errorf("mode %#o lspid %d lrpid %d, want 0600 and the server's PID %d (its mark)",
			ds.Perm.Mode&0o777, ds.Lspid, ds.Lrpid, srv.Pid())
	}

	cl := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir},
		Stdin: strings.NewReader("hello\nhow are you?\nquit\nnot sent\n")})
	if cl.Code() != 0 {
		t.Fatalf("client: exit status %d:\n%s", cl.Code(), cl.Out)
	}
	exampletest.Contains(t, cl.Out, "server# hi, client", "server# fine, thanks", `"quit": bye`)
	if strings.Contains(cl.Out, "not sent") {
		t.Errorf("the client went on after quit:\n%s", cl.Out)
	}
	if got := queueOf(t, ns, key); got != id {
		t.Fatalf("the queue must outlive the client (it is the server's); msqid now %d", got)
	}

	srv.Signal(syscall.SIGTERM)
	res := srv.Wait()
	if !signalled(res.Status, syscall.SIGTERM) {
		t.Errorf("server: %v, want killed by SIGTERM after cleaning up", res.Status)
	}
	exampletest.Contains(t, res.Out, "# hello", "# how are you?",
		fmt.Sprintf("SIGTERM: removed message queue %d", id))
	noneLeft(t, ns, "server and client")
	exampletest.Golden(t, "server-sigterm", res, rules(dir)...)
	exampletest.Golden(t, "client-quit", cl, rules(dir)...)
}

// proc is a program started in the namespace with a standard output the
// test can close, as "| head" does: exampletest.Start keeps its pipe to
// itself. Standard error is kept apart.
type proc struct {
	cmd    *exec.Cmd
	out    *os.File
	lines  chan string
	all    bytes.Buffer // complete once eof is closed
	eof    chan struct{}
	stderr bytes.Buffer
	waited bool
	guard  *time.Timer
	t      testing.TB
}

func startProc(t *testing.T, ns *exampletest.IPCNamespace, bin string, stdin *os.File, env []string, args ...string) *proc {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{out: r, lines: make(chan string, 10000), eof: make(chan struct{}), t: t}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(append(os.Environ(), "NO_COLOR=1", "LC_ALL=C", "GORACE=atexit_sleep_ms=0"), env...)
	p.cmd.Stdout, p.cmd.Stderr = w, &p.stderr
	if stdin != nil {
		// Not a nil *os.File in the io.Reader: exec would take it for a
		// file and start the program with no descriptor 0 at all.
		p.cmd.Stdin = stdin
	}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL} // dies with the namespace's thread at the latest
	ns.Do(func() { err = p.cmd.Start() })
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	exampletest.Own(t, p.cmd.Process.Pid) // the watchdog kills it if the test binary dies
	// The guard: a run that hangs is killed, and the test says what each
	// of its processes was doing; every wait on it then ends.
	p.guard = time.AfterFunc(exampletest.Guard, func() {
		t.Errorf("%s %q still running after the %v guard; killing its process group:\n%s",
			filepath.Base(bin), args, exampletest.Guard, doing(group(p.pid())...))
		_ = unix.Kill(-p.pid(), unix.SIGKILL)
	})
	t.Cleanup(func() { _ = unix.Kill(-p.cmd.Process.Pid, unix.SIGKILL); p.wait() })
	go func() {
		// eof first: whoever reads lines to their end may call output().
		defer close(p.lines)
		defer close(p.eof)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.all.WriteString(sc.Text() + "\n")
			p.lines <- sc.Text()
		}
	}()
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// waitFor returns the next line for which ok is true (what names it). If
// the output ends first (the program ended, or its guard killed it), the
// test fails with what the program printed.
func (p *proc) waitFor(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	for l := range p.lines {
		if ok(l) {
			return l
		}
	}
	p.wait()
	t.Fatalf("%s: output ended without %s (%v); stdout:\n%s\nstderr:\n%s", filepath.Base(p.cmd.Path), what,
		p.cmd.ProcessState, p.output(), p.stderr.String())
	return ""
}

func has(s string) func(string) bool { return func(l string) bool { return strings.Contains(l, s) } }

// wait reaps the program and returns how it ended.
func (p *proc) wait() syscall.WaitStatus {
	if !p.waited {
		_ = p.cmd.Wait() // the status is what we want
		p.guard.Stop()
		p.waited = true
	}
	return p.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// output is all it printed; only after wait, and after its standard
// output was read to its end or closed.
func (p *proc) output() string {
	select {
	case <-p.eof:
		return p.all.String()
	default:
		return "(still being read)"
	}
}

// end ends p as e says: its standard output closed, or a signal to it or
// its process group.
func (p *proc) end(e exampletest.Ending) {
	switch {
	case e.CloseStdout:
		exampletest.CloseStdout(p.t, p.out, p.pid())
	case e.Group:
		_ = unix.Kill(-p.pid(), e.Sig) // it may have ended already
	default:
		_ = unix.Kill(p.pid(), e.Sig) // as above
	}
}

// interrupts is exampletest.Interrupts with the normalising rules of this
// folder: a run that the signal reached only after its very end exits 0,
// and is accepted if its output is the full run's, which it can only be
// once keys, inodes and ids are normalised (Interrupts compares with PIDs
// and TMPDIR normalised only). It returns the number of runs. For each
// point at which at is true and each ending, it checks what Interrupts
// checks: death by that signal (or the run's end), no error on standard
// error, no process, no file in TMPDIR, no System V object left.
//
// The full run is made in ns; the interrupted runs are shared out among
// interruptWorkers parallel subtests, each with an IPC namespace of its
// own (none where ns is nil) that holds one run at a time, so that what
// is left in it after a run is that run's.
func interrupts(t *testing.T, ns *exampletest.IPCNamespace, at func(string) bool, rs []exampletest.Rule) (runs, leaks int) {
	t.Helper()
	bin := exampletest.Binary(t)
	full := exampletest.RunOK(t, exampletest.Opts{IPC: ns})
	want := exampletest.Normalize(full.Out, full.TmpDir, rs...)
	var points []string
	for _, l := range strings.Split(full.Out, "\n") {
		if at(l) {
			points = append(points, l)
		}
	}
	type job struct {
		i int
		e exampletest.Ending
	}
	jobs := make(chan job, len(points)*len(exampletest.Endings))
	for i := range points {
		for _, e := range exampletest.Endings {
			runs++
			jobs <- job{i, e}
		}
	}
	close(jobs)
	var leaked atomic.Int64
	t.Run("runs", func(t *testing.T) {
		for w := 0; w < interruptWorkers; w++ {
			t.Run(fmt.Sprintf("worker %d", w+1), func(t *testing.T) {
				t.Parallel()
				wns := ns
				if ns != nil {
					wns = exampletest.NewIPCNamespace(t)
				}
				for j := range jobs {
					leaked.Add(int64(interruptOnce(t, wns, bin, at, rs, want, points, j.i, j.e)))
				}
			})
		}
	})
	return runs, int(leaked.Load())
}

// interruptWorkers is how many interrupted runs interrupts has going at
// once: each mostly waits (for a line, for the end of the run).
const interruptWorkers = 4

// interruptOnce is one run of interrupts: started in ns, ended by e after
// the i-th point, and checked. It returns how many things it left.
func interruptOnce(t *testing.T, ns *exampletest.IPCNamespace, bin string, at func(string) bool, rs []exampletest.Rule,
	want string, points []string, i int, e exampletest.Ending) (leaks int) {
	t.Helper()
	desc := fmt.Sprintf("demo ended by %s after %q (point %d of %d)", e.Name, points[i], i+1, len(points))
	tmp := t.TempDir()
	p := startProc(t, ns, bin, nil, []string{"TMPDIR=" + tmp})
	for k := 0; k <= i; k++ {
		p.waitFor(t, "the point: "+desc, at)
	}
	p.end(e)
	ws := p.wait()
	if !e.CloseStdout {
		for range p.lines { // read to the end
		}
	}
	out := p.output()
	switch {
	case signalled(ws, e.Sig):
	case ws.Exited() && ws.ExitStatus() == 0 && (e.CloseStdout || exampletest.Normalize(out, tmp, rs...) == want):
	case ws.Exited() && ws.ExitStatus() == 0:
		t.Errorf("%s: exit 0 with another output than the full run's:\n%s", desc, firstDiff(want, exampletest.Normalize(out, tmp, rs...)))
	default:
		t.Errorf("%s: %v, want killed by %v:\nstdout:\n%s\nstderr:\n%s", desc, ws, e.Sig, out, p.stderr.String())
	}
	if s := p.stderr.String(); strings.Contains(s, "error") || strings.Contains(s, "panic") {
		t.Errorf("%s: an interrupt reported as an error:\n%s", desc, s)
	}
	reapGroup(p.pid())
	if unix.Kill(-p.pid(), 0) == nil {
		t.Errorf("%s: processes of the run outlived it", desc)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("%s: left in TMPDIR: %v", desc, ents)
		leaks++
	}
	return leaks + noneLeft(t, ns, desc)
}

// reapGroup reaps the zombies of process group pgid that were reparented
// to the test (exampletest.Main makes it a subreaper): a zombie still
// counts as a member.
func reapGroup(pgid int) {
	for {
		var info unix.Siginfo
		if err := unix.Waitid(unix.P_PGID, pgid, &info, unix.WEXITED|unix.WNOHANG, nil); err != nil {
			return
		}
		if pid := *(*int32)(unsafe.Pointer(uintptr(unsafe.Pointer(&info)) + 16)); pid == 0 { // si_pid, after signo, errno, code and padding
			return
		}
	}
}

// A server ended in each way a terminal ends it, idle or while a client
// waits for its reply: it dies of that signal after removing the queue,
// prints no error, and the waiting client wakes with EIDRM and ends
// cleanly. A closed standard output is noticed at the server's next line,
// which a client's request (idle) or the operator's reply (answering)
// brings.
func TestServerEndings(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	runs, leaks := 0, 0
	for _, c := range []struct {
		role      string
		answering bool
	}{{"server", false}, {"server", true}, {"server-notify", false}, {"server-notify", true}} {
		answering := c.answering
		for _, e := range exampletest.Endings {
			runs++
			desc := fmt.Sprintf("%s (answering %v) ended by %s", c.role, answering, e.Name)
			dir, _ := keyDir(t)
			in, reply := heldOpen(t)
			srv := startProc(t, ns, bin, in, nil, c.role, "-path", dir)
			srv.waitFor(t, "the readiness line", has("waiting for requests"))
			var cl *exampletest.Proc
			startClient := func() {
				cl = exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir},
					Stdin: strings.NewReader("anyone?\n")})
				cl.WaitFor("waiting in msgrcv")
			}
			if answering {
				startClient()
				srv.waitFor(t, "the request", has("# anyone?"))
			}
			switch {
			case e.CloseStdout:
				exampletest.CloseStdout(t, srv.out, srv.pid())
				if answering {
					_, _ = reply.WriteString("too late\n")
				} else {
					startClient()
				}
			case e.Group:
				_ = unix.Kill(-srv.pid(), e.Sig)
			default:
				_ = unix.Kill(srv.pid(), e.Sig)
			}
			ws := srv.wait()
			if !signalled(ws, e.Sig) {
				t.Errorf("%s: %v, want killed by %v", desc, ws, e.Sig)
			}
			if s := srv.stderr.String(); !strings.Contains(s, unix.SignalName(e.Sig)+": removed message queue") || strings.Contains(s, "error") {
				t.Errorf("%s: stderr %q, want the removal reported, no error", desc, s)
			}
			if cl != nil {
				res := cl.Wait()
				// EIDRM if it was already waiting, EINVAL if the queue went
				// between its msgsnd and its msgrcv: both the server's end.
				if res.Code() != 0 || !strings.Contains(res.Out, "the server has ended; bye") {
					t.Errorf("%s: client %v:\n%s", desc, res.Status, res.Out)
				}
			}
			leaks += noneLeft(t, ns, desc)
		}
	}
	t.Logf("server endings: %d runs, %d objects left", runs, leaks)
}

// A client ended while it waits for its reply: it owns nothing, so it
// just dies of the signal; the server goes on, and its reply to the dead
// client is not sent (the article's reply, of type SERVER_TYPE, went to the
// next client instead). The next client gets its own reply.
// startServer starts the Go server on dir's key with stdin in, and waits
// until it waits for requests; it returns the server and its msqid.
func startServer(t *testing.T, bin string, ns *exampletest.IPCNamespace, dir string, in *os.File) (*exampletest.Proc, int) {
	t.Helper()
	srv := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Stdin: in})
	id := msqidIn(t, srv.WaitFor("= msqid"))
	srv.WaitFor("waiting for requests")
	return srv, id
}

func TestClientEndings(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	dir, key := keyDir(t)
	in, reply := heldOpen(t)
	srv, id := startServer(t, bin, ns, dir, in)
	endings := append(exampletest.Endings, exampletest.Ending{Name: "kill -9", Sig: unix.SIGKILL})
	for _, e := range endings {
		desc := "client ended by " + e.Name
		cin, cw := heldOpen(t)
		_, _ = cw.WriteString("for the dead\n")
		cl := startProc(t, ns, bin, cin, nil, "client", "-path", dir)
		cl.waitFor(t, desc+": the line before msgrcv", has("waiting in msgrcv"))
		srv.WaitFor("# for the dead")
		switch {
		case e.CloseStdout:
			exampletest.CloseStdout(t, cl.out, cl.pid())
			_, _ = reply.WriteString("noticed at the next line\n")
		case e.Group:
			_ = unix.Kill(-cl.pid(), e.Sig)
		default:
			_ = unix.Kill(cl.pid(), e.Sig)
		}
		if ws := cl.wait(); !signalled(ws, e.Sig) {
			t.Errorf("%s: %v, want killed by %v", desc, ws, e.Sig)
		}
		if s := cl.stderr.String(); strings.Contains(s, "error") {
			t.Errorf("%s: stderr %q", desc, s)
		}
		if !e.CloseStdout {
			_, _ = reply.WriteString("to nobody\n")
			srv.WaitFor(fmt.Sprintf("client %d is gone: no reply", cl.pid()))
		} else {
			srv.WaitFor("sending \"noticed at the next line\"")
			// The reply was sent before the client died of its print;
			// nobody will take it, and the next client must not get it.
		}
	}
	next := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir},
		Stdin: strings.NewReader("mine?\n")})
	srv.WaitFor("# mine?")
	_, _ = reply.WriteString("yours\n")
	res := next.Wait()
	exampletest.Contains(t, res.Out, "server# yours")
	if strings.Contains(res.Out, "noticed") || strings.Contains(res.Out, "nobody") {
		t.Errorf("a dead client's reply reached the next client:\n%s", res.Out)
	}
	if qid := queueOf(t, ns, key); qid != id {
		t.Fatalf("the server's queue is gone: %d", qid)
	}
	srv.Signal(syscall.SIGTERM)
	srv.Wait()
	t.Logf("client endings: %d runs, %d objects left", len(endings), noneLeft(t, ns, "client endings"))
}

// A server killed with kill -9 cannot remove its queue: the queue stays,
// and a client waiting for its reply sleeps in msgrcv for ever (it said so
// when it began to wait). The next server finds the queue (EEXIST), sees
// that its users are gone but for the stranded client, and prints the
// exact command; the command removes it and wakes the client (EIDRM).
func TestServerKilledStaleQueue(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	for _, answering := range []bool{false, true} {
		dir, key := keyDir(t)
		in, _ := heldOpen(t)
		srv, id := startServer(t, bin, ns, dir, in)
		var cl *exampletest.Proc
		if answering {
			cl = exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir},
				Stdin: strings.NewReader("still there?\n")})
			cl.WaitFor("nothing will ever wake that call: end it with Ctrl-C")
			srv.WaitFor("# still there?")
		}
		srv.Signal(syscall.SIGKILL)
		if res := srv.Wait(); !signalled(res.Status, syscall.SIGKILL) {
			t.Fatalf("server: %v", res.Status)
		}
		if queueOf(t, ns, key) != id {
			t.Fatal("the queue of a server killed with -9 is gone: want it left behind")
		}
		if cl != nil {
			// nothing wakes it: it sleeps in msgrcv (it may have printed its
			// note just before it got there)
			blockedIn(t, cl.Pid(), unix.SYS_MSGRCV, id)
		}

		again := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Split: true})
		if again.Code() != 1 {
			t.Errorf("second server: exit status %d, want 1", again.Code())
		}
		exampletest.Contains(t, again.Stderr, "EEXIST", "is yours", "its server is gone", fmt.Sprintf("Remove it with: ipcrm -q %d", id))
		if cl != nil {
			exampletest.Contains(t, again.Stderr, fmt.Sprintf("clients [%d] sleep in msgrcv", cl.Pid()))
		}
		cmd := regexp.MustCompile(`ipcrm -q \d+`).FindString(again.Stderr)
		var out []byte
		var err error
		ns.Do(func() { out, err = exec.Command("sh", "-c", cmd).CombinedOutput() })
		if err != nil {
			t.Fatalf("%s: %v %s", cmd, err, out)
		}
		if cl != nil {
			res := cl.Wait()
			exampletest.Contains(t, res.Out, "EIDRM")
		}
		noneLeft(t, ns, "after the printed ipcrm")
	}
}

// A msqid is a number within one IPC namespace: the stale queue of a
// server killed here has the same msqid as the live queue of a server in
// another namespace (another container, another test run), asleep in
// msgrcv on "its" queue. The diagnosis must not take that server for this
// queue's: it says the server is gone and gives the ipcrm.
func TestStaleQueueOtherNamespace(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	other, ns := exampletest.NewIPCNamespace(t), exampletest.NewIPCNamespace(t)
	if other == nil || ns == nil {
		t.Skip("needs two private IPC namespaces (unshare(CLONE_NEWIPC))")
	}
	oin, _ := heldOpen(t)
	odir, _ := keyDir(t)
	next, oid := startServer(t, bin, other, odir, oin)
	blockedIn(t, next.Pid(), unix.SYS_MSGRCV, oid)

	in, _ := heldOpen(t)
	dir, _ := keyDir(t)
	srv, id := startServer(t, bin, ns, dir, in)
	if id != oid {
		t.Fatalf("the first queue of each new namespace: msqid %d here, %d next door; want the same number", id, oid)
	}
	srv.Signal(syscall.SIGKILL)
	srv.Wait()
	again := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Split: true})
	exampletest.Contains(t, again.Stderr, "its server is gone", fmt.Sprintf("Remove it with: ipcrm -q %d", id))
	if strings.Contains(again.Stderr, "still running") || strings.Contains(again.Stderr, strconv.Itoa(next.Pid())) {
		t.Errorf("the diagnosis names server %d of another IPC namespace:\n%s", next.Pid(), again.Stderr)
	}
	ns.Do(func() { _ = sysv.Msgctl(id, unix.IPC_RMID, nil) })
	next.Signal(syscall.SIGTERM)
	next.Wait()
}

// A live process that used the queue last and sleeps in no msgrcv on it
// may be a server reading its next reply or a client reading its next
// line: nothing in the queue tells them apart. The next server names the
// process and its command line, gives both ways out, and never says a
// server is waiting. The client's msg_lrpid is the thread it received on:
// the kernel records the receiving thread when msgsnd hands a message to
// a receiver asleep in msgrcv, and the Go client waits on whichever
// thread runs it.
func TestStaleQueueUsedLastByALiveProcess(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	for _, killed := range []string{"server", "client"} {
		dir, _ := keyDir(t)
		in, reply := heldOpen(t)
		srv, id := startServer(t, bin, ns, dir, in)
		t.Cleanup(func() { ns.Do(func() { _ = sysv.Msgctl(id, unix.IPC_RMID, nil) }) }) // left on a failure
		cin, cw := heldOpen(t)
		cl := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir}, Stdin: cin})
		var ds sysv.MsqidDs
		for i := 1; ; i++ {
			fmt.Fprintf(cw, "line %d\n", i)
			srv.WaitFor(fmt.Sprintf("# line %d", i))
			if killed == "client" {
				break // the server reads its reply; the client waits for it
			}
			fmt.Fprintf(reply, "answer %d\n", i)
			cl.WaitFor(fmt.Sprintf("server# answer %d", i))
			var err error
			ns.Do(func() { err = sysv.Msgctl(id, unix.IPC_STAT, &ds) })
			if err != nil {
				t.Fatal(err)
			}
			if int(ds.Lrpid) != cl.Pid() || i == 5 {
				break // the thread's ID, unless it received on its main thread five times
			}
		}
		live, gone := cl, srv
		if killed == "client" {
			live, gone = srv, cl
		}
		gone.Signal(syscall.SIGKILL)
		gone.Wait()

		again := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Split: true})
		if again.Code() != 1 {
			t.Errorf("second server: exit status %d, want 1", again.Code())
		}
		want := []string{
			fmt.Sprintf("PID %d used it last and runs, in no msgrcv on it; its command line:", live.Pid()),
			filepath.Base(bin) + " " + map[string]string{"server": "client", "client": "server"}[killed] + " -path",
			"Each may be a server (in msgrcv, or reading its next reply) or a client.",
			"A server among them: end it (Ctrl-C, or kill PID) and start again.",
			fmt.Sprintf("None: its server is gone; remove the queue with: ipcrm -q %d", id),
		}
		if killed == "server" && int(ds.Lrpid) != cl.Pid() {
			want = append(want, fmt.Sprintf("last msgrcv by thread %d of PID %d (still running);", ds.Lrpid, cl.Pid()))
		} else if killed == "server" {
			t.Logf("the client received on its main thread in five rounds: msg_lrpid is its PID")
		}
		exampletest.Contains(t, again.Stderr, want...)
		if strings.Contains(again.Stderr, "a server is still running") || strings.Contains(again.Stderr, "its server is gone (") {
			t.Errorf("the %s killed with -9, the live %s not weighed:\n%s", killed, map[string]string{"server": "client", "client": "server"}[killed], again.Stderr)
		}
		ns.Do(func() { _ = sysv.Msgctl(id, unix.IPC_RMID, nil) })
		cw.Close()
		reply.Close()
		live.Wait()
	}
}

// Where /proc/<pid>/task/<tid>/syscall cannot be read, a live process
// that used the queue last may well be a server asleep in msgrcv: the
// diagnosis says it cannot tell, never that the process waits in no
// msgrcv. The file needs ptrace access: Yama's ptrace_scope 1 (Ubuntu's
// default) refuses it outside one's descendants, and a process that is
// not dumpable refuses it to all without CAP_SYS_PTRACE. Here the servers run as
// nobody, from a copy of the program that nobody may execute but not
// read, which makes the kernel mark them not dumpable.
func TestStaleQueueHiddenWaiter(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the servers as another user")
	}
	ns := exampletest.NewIPCNamespace(t)
	dir, err := os.MkdirTemp("/tmp", "q07-") // short, and a path nobody may walk
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	keyDir := filepath.Join(dir, "key")
	if err := os.Chmod(dir, 0o755); err != nil || os.Mkdir(keyDir, 0o755) != nil {
		t.Fatal(err)
	}
	prog, err := os.ReadFile(exampletest.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "07-msgqueue")
	if err := os.WriteFile(bin, prog, 0o711); err != nil {
		t.Fatal(err)
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	ctx, cancel := context.WithTimeout(context.Background(), exampletest.Guard) // a guard: -h ends at once
	defer cancel()
	probe := exec.CommandContext(ctx, bin, "-h")
	probe.SysProcAttr = &syscall.SysProcAttr{Credential: nobody}
	if err := probe.Run(); err != nil && probe.ProcessState == nil {
		t.Skipf("nobody cannot run a copy in %s (noexec, or uid 65534 not mapped here): %v", dir, err)
	}
	for _, roundTrip := range []bool{false, true} {
		in, reply := heldOpen(t)
		srv := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", keyDir}, Stdin: in, Credential: nobody})
		id := msqidIn(t, srv.WaitFor("= msqid"))
		srv.WaitFor("waiting for requests")
		if st, err := os.Stat(fmt.Sprintf("/proc/%d/syscall", srv.Pid())); err != nil || st.Sys().(*syscall.Stat_t).Uid != 0 {
			srv.Signal(syscall.SIGTERM)
			srv.Wait()
			t.Skip("the server is dumpable all the same (fs.suid_dumpable): its /proc files are nobody's, not hidden")
		}
		var cl *exampletest.Proc
		var cw *os.File
		if roundTrip {
			var cin *os.File
			cin, cw = heldOpen(t)
			cl = exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", keyDir}, Stdin: cin, Credential: nobody})
			fmt.Fprintln(cw, "hello")
			srv.WaitFor("# hello")
			fmt.Fprintln(reply, "hi")
			cl.WaitFor("server# hi")
		}
		blockedIn(t, srv.Pid(), unix.SYS_MSGRCV, id) // the test, root, may read where it waits

		again := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", keyDir}, Split: true, Credential: nobody})
		if again.Code() != 1 {
			t.Errorf("second server: exit status %d, want 1", again.Code())
		}
		want := []string{
			fmt.Sprintf("PID %d used it last and runs; where it waits is hidden from this user", srv.Pid()),
			fmt.Sprintf("(/proc/%d/task/*/syscall needs ptrace access); its command line:", srv.Pid()),
			"07-msgqueue server -path ",
			"Each may be a server (in msgrcv, or reading its next reply) or a client.",
		}
		if roundTrip {
			want = append(want, fmt.Sprintf("PID %d used it last and runs; where it waits is hidden from this user", cl.Pid()),
				"07-msgqueue client -path ")
		}
		exampletest.Contains(t, again.Stderr, want...)
		if strings.Contains(again.Stderr, "in no msgrcv") || strings.Contains(again.Stderr, "its server is gone (") {
			t.Errorf("a server asleep in msgrcv, hidden from this user, said to wait in no msgrcv, or gone:\n%s", again.Stderr)
		}
		if cl != nil {
			cw.Close() // end of input: the client ends
			cl.Wait()
		}
		srv.Signal(syscall.SIGTERM)
		srv.Wait()
	}
}

// msg_lspid and msg_lrpid are PIDs as the reader's PID namespace sees
// them: 0 for a process of another one (a container sharing the IPC
// namespace). A server started there finds the live server's queue used
// by "a process of another PID namespace", and must not call it gone.
func TestStaleQueueOtherPIDNamespace(t *testing.T) {
	t.Parallel()
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and unshare(1) for a PID namespace of its own")
	}
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	dir, _ := keyDir(t)
	in, _ := heldOpen(t)
	srv, _ := startServer(t, bin, ns, dir, in)
	again := exampletest.Run(t, unshare, exampletest.Opts{IPC: ns, Split: true,
		Args: []string{"--pid", "--kill-child", "--mount-proc", bin, "server", "-path", dir}}) // --kill-child: the server dies with unshare
	if again.Code() != 1 {
		t.Errorf("second server: exit status %d, want 1:\n%s", again.Code(), again.Stderr)
	}
	exampletest.Contains(t, again.Stderr, "last msgsnd by a process of another PID namespace (0 here),",
		"a process of another PID namespace (a container?), which this one",
		"None: its server is gone; remove the queue with: ipcrm -q")
	if strings.Contains(again.Stderr, "its server is gone (") {
		t.Errorf("a live server in another PID namespace called gone:\n%s", again.Stderr)
	}
	srv.Signal(syscall.SIGTERM)
	srv.Wait()
}

// msg_lspid and msg_lrpid keep their numbers after the process is gone,
// and the kernel gives a freed number to a new process: a process that
// started after the queue's last use is said to be one, by its start time
// (field 22 of /proc/<pid>/stat) against msg_stime or msg_rtime. It stays
// on the list of the queue's possible users, with its command line: a
// clock stepped forward after the last use would make a live server look
// started later too.
func TestReusedPID(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sleep", "60")
	exampletest.StartOwned(t, cmd) // killed with the test binary
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid
	hourAgo, now := time.Now().Add(-time.Hour).Unix(), time.Now().Unix()
	if !startedAfter(pid, hourAgo) || startedAfter(pid, now) {
		t.Errorf("started after an hour ago: %v, after now: %v; want true, false", startedAfter(pid, hourAgo), startedAfter(pid, now))
	}
	if want := fmt.Sprintf("PID %d (running, but started later: a reused PID?)", pid); alive(pid, hourAgo) != want {
		t.Errorf("alive = %q, want %q", alive(pid, hourAgo), want)
	}
	if want := fmt.Sprintf("PID %d (still running)", pid); alive(pid, now) != want {
		t.Errorf("alive = %q, want %q", alive(pid, now), want)
	}
	if got, ok := running(pid, nil, ipcNS(), map[int]bool{}); !ok || got != pid {
		t.Errorf("a running process of this user not found: %d %v", got, ok)
	}
	if got, ok := running(pid, []int{pid}, ipcNS(), map[int]bool{}); ok {
		t.Errorf("a waiting client taken for a possible server: PID %d", got)
	}
}

// Erratum server-never-ends: an idle server, Go or C, ends at once when its input ends (</dev/null,
// Ctrl-D) or says "quit", with no client in sight: it reads standard input
// all the time, and wakes its own msgrcv. The queue is gone, exit 0.
func TestIdleServerEnds(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	cServer := exampletest.BuildC(t, "c/server.c", "c/comm.c")
	ns := exampletest.NewIPCNamespace(t)
	for _, c := range []struct {
		name string
		bin  string
		args func(dir string) []string
	}{
		{"Go", bin, func(dir string) []string { return []string{"server", "-path", dir} }},
		{"Go server-notify", bin, func(dir string) []string { return []string{"server-notify", "-path", dir} }},
		{"C", cServer, func(dir string) []string { return []string{dir} }},
	} {
		dir, _ := keyDir(t)
		res := exampletest.Run(t, c.bin, exampletest.Opts{IPC: ns, Args: c.args(dir)}) // stdin: /dev/null
		if res.Code() != 0 || !strings.Contains(res.Out, "end of input: removing the queue") {
			t.Errorf("%s server, stdin at end: %v:\n%s", c.name, res.Status, res.Out)
		}
		noneLeft(t, ns, c.name+" server, stdin at end")

		in, typed := heldOpen(t)
		srv := exampletest.Start(t, c.bin, exampletest.Opts{IPC: ns, Args: c.args(dir), Stdin: in})
		id := msqidIn(t, srv.WaitFor("= msqid"))
		srv.WaitFor("waiting for requests")
		blockedIn(t, srv.Pid(), unix.SYS_MSGRCV, id)
		_, _ = typed.WriteString("quit\n")
		res = srv.Wait()
		if res.Code() != 0 || !strings.Contains(res.Out, `"quit": removing the queue`) {
			t.Errorf("%s server, quit while idle: %v:\n%s", c.name, res.Status, res.Out)
		}
		noneLeft(t, ns, c.name+" server, quit while idle")
	}
}

// A second server while the first one runs: EEXIST, and the advice says a
// server is running, with no ipcrm.
func TestSecondServer(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	dir, key := keyDir(t)
	in, _ := heldOpen(t)
	first := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Stdin: in})
	id := msqidIn(t, first.WaitFor("= msqid"))
	first.WaitFor("waiting for requests")
	blockedIn(t, first.Pid(), unix.SYS_MSGRCV, id)
	res := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Split: true})
	if res.Code() != 1 {
		t.Errorf("exit status %d, want 1", res.Code())
	}
	exampletest.Contains(t, res.Stderr, "msgget(IPC_CREAT|IPC_EXCL|0600) failed: EEXIST (file exists)",
		fmt.Sprintf("a server is still running (waiting in msgrcv for type 2: [%d])", first.Pid()))
	if strings.Contains(res.Stderr, "ipcrm") || queueOf(t, ns, key) != id {
		t.Errorf("the second server must leave the first one's queue alone:\n%s", res.Stderr)
	}
	first.Signal(syscall.SIGTERM)
	first.Wait()
}

// Erratum mode-0666, and squatting: another user made a queue for our key first (here: root
// makes it and hands it to uid 65534 with IPC_SET), or our own queue is
// open to everyone (0666). The Go and C clients refuse it and send
// nothing; the server names the owner and suggests no ipcrm.
func TestSquatting(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	cClient := exampletest.BuildC(t, "c/client.c", "c/comm.c")
	ns := exampletest.NewIPCNamespace(t)
	for _, c := range []struct {
		name  string
		uid   uint32
		mode  uint32
		goMsg string
		cMsg  string
	}{
		{"another user's", 65534, 0o600, "belongs to uid 65534", "belongs to uid 65534"},
		{"open to all", uint32(os.Geteuid()), 0o666, "other users may take (read) or inject (write) its messages", "has mode 0666"},
	} {
		dir, key := keyDir(t)
		var id int
		var err error
		ns.Do(func() {
			if id, err = sysv.Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600); err != nil {
				return
			}
			var ds sysv.MsqidDs
			_ = sysv.Msgctl(id, unix.IPC_STAT, &ds)
			ds.Perm.Uid, ds.Perm.Mode = c.uid, c.mode
			err = sysv.Msgctl(id, unix.IPC_SET, &ds)
		})
		if err != nil {
			t.Fatal(err)
		}
		res := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir}, Split: true,
			Stdin: strings.NewReader("secret\n")})
		if res.Code() != 1 || strings.Contains(res.Out, "sending") {
			t.Errorf("%s: Go client exit status %d:\n%s", c.name, res.Code(), res.Out)
		}
		exampletest.Contains(t, res.Stderr, c.goMsg, "refusing it")
		cres := exampletest.Run(t, cClient, exampletest.Opts{IPC: ns, Args: []string{dir}, Split: true,
			Stdin: strings.NewReader("secret\n")})
		if cres.Code() != 1 || strings.Contains(cres.Out, "sending") {
			t.Errorf("%s: C client exit status %d:\n%s", c.name, cres.Code(), cres.Out)
		}
		exampletest.Contains(t, cres.Stderr, c.cMsg, "refusing it")
		if ds := msgStat(t, ns, id); ds.Qnum != 0 {
			t.Errorf("%s: %d messages sent to a squatted queue", c.name, ds.Qnum)
		}
		if c.uid != uint32(os.Geteuid()) {
			srv := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server", "-path", dir}, Split: true})
			exampletest.Contains(t, srv.Stderr, fmt.Sprintf("queue %d has this key, and belongs to uid 65534", id), "not yours, so no ipcrm is suggested")
			if strings.Contains(srv.Stderr, "ipcrm -q") {
				t.Errorf("the server suggests removing another user's queue:\n%s", srv.Stderr)
			}
		}
		ns.Do(func() { _ = sysv.Msgctl(id, unix.IPC_RMID, nil) })
	}
}

// What the chat does not carry is refused or dropped, and the chat goes
// on: a line with a NUL byte or too long is refused and the next one read
// (client and server); a message no peer sends (2 KB of type 2, a NUL, no
// PID in front; 2 KB of the client's type) is taken off the queue with a
// warning (MSG_NOERROR) instead of ending the chat.
func TestRefusedAndForeign(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	dir, key := keyDir(t)
	in, reply := heldOpen(t)
	srv, id := startServer(t, bin, ns, dir, in)
	ns.Do(func() {
		for _, m := range [][]byte{bytes.Repeat([]byte("x"), 2048), []byte("123 a\x00b"), []byte("no pid")} {
			if err := sysv.Msgsnd(id, clientType, m, 0); err != nil {
				t.Error(err)
			}
		}
	})
	srv.WaitFor("over 1024 bytes (MSG_NOERROR cut it):")
	srv.WaitFor("not from this chat; discarded")
	srv.WaitFor("with a NUL byte at offset 5: not from this chat; discarded")
	srv.WaitFor(`without the asking client's PID in front ("no pid")`)

	cin, cw := heldOpen(t)
	cl := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir}, Stdin: cin})
	_, _ = cw.WriteString("a\x00b\n" + strings.Repeat("z", lineSize+1) + "\nfine\n")
	cl.WaitFor("not sent: a NUL byte at offset 1")
	cl.WaitFor(fmt.Sprintf("not sent: %d bytes, at most %d; type it again", lineSize+1, lineSize))
	cl.WaitFor(`sending "fine"`)
	cl.WaitFor("waiting in msgrcv")
	srv.WaitFor("# fine")
	// A foreign message of the client's own type, while it waits.
	ns.Do(func() {
		if err := sysv.Msgsnd(id, int64(cl.Pid()), bytes.Repeat([]byte("y"), 2048), 0); err != nil {
			t.Error(err)
		}
	})
	cl.WaitFor("over 1024 bytes")
	_, _ = reply.WriteString(strings.Repeat("w", lineSize+1) + "\nthe real one\n")
	srv.WaitFor(fmt.Sprintf("not sent: %d bytes, at most %d; type it again", lineSize+1, lineSize))
	cl.WaitFor("server# the real one")
	cw.Close()
	if res := cl.Wait(); res.Code() != 0 || strings.Contains(res.Out, "server# w") || strings.Contains(res.Out, "server# y") {
		t.Errorf("client: exit status %d:\n%s", res.Code(), res.Out)
	}
	if queueOf(t, ns, key) != id || msgStat(t, ns, id).Qnum != 0 {
		t.Error("want the server's queue, empty")
	}
	srv.Signal(syscall.SIGINT)
	if res := srv.Wait(); !signalled(res.Status, syscall.SIGINT) {
		t.Errorf("server: %v", res.Status)
	}
}

// Erratum send-all-mtext: the port sends the text's own length, not all of mtext (the article's
// sizeof(mtext) put 1024 bytes in the queue whatever the line): with the
// request waiting, unread, msg_cbytes is the length of "PID text". The
// same for the C twin.
func TestRequestLength(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	cClient := exampletest.BuildC(t, "c/client.c", "c/comm.c")
	ns := exampletest.NewIPCNamespace(t)
	for _, c := range []struct {
		bin  string
		args func(dir string) []string
	}{
		{bin, func(dir string) []string { return []string{"client", "-path", dir} }},
		{cClient, func(dir string) []string { return []string{dir} }},
	} {
		dir, key := keyDir(t)
		var id int
		var err error
		ns.Do(func() { id, err = sysv.Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600) })
		if err != nil {
			t.Fatal(err)
		}
		cl := exampletest.Start(t, c.bin, exampletest.Opts{IPC: ns, Args: c.args(dir), Stdin: strings.NewReader("hello\n")})
		blockedIn(t, cl.Pid(), unix.SYS_MSGRCV, id)
		ds := msgStat(t, ns, id)
		if want := len(fmt.Sprintf("%d hello", cl.Pid())); ds.Qnum != 1 || ds.Cbytes != uint64(want) || int(ds.Lspid) != cl.Pid() {
			t.Errorf("%s: qnum %d cbytes %d lspid %d, want 1 message of %d bytes from %d", c.bin, ds.Qnum, ds.Cbytes, ds.Lspid, want, cl.Pid())
		}
		ns.Do(func() { err = sysv.Msgctl(id, unix.IPC_RMID, nil) })
		if res := cl.Wait(); res.Code() != 0 || !strings.Contains(res.Out, "EIDRM") {
			t.Errorf("%s: %v:\n%s", c.bin, res.Status, res.Out)
		}
	}
}

// Errors a learner meets, each with its errno by name, exit status 1, and
// nothing left in the kernel.
func TestErrors(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)

	t.Run("client without server: ENOENT", func(t *testing.T) {
		dir, _ := keyDir(t)
		res := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir}, Split: true})
		if res.Code() != 1 {
			t.Errorf("exit status %d, want 1", res.Code())
		}
		exampletest.Contains(t, res.Stderr, "msgget failed: ENOENT (no such file or directory): no queue has this key: start the server first")
	})

	t.Run("missing path", func(t *testing.T) {
		for _, role := range []string{"server", "client"} {
			res := exampletest.Run(t, bin, exampletest.Opts{IPC: ns, Args: []string{role, "-path", "/no/such/dir"}, Split: true})
			if res.Code() != 1 || res.Out != "" {
				t.Errorf("%s: exit status %d, stdout %q; want 1 and nothing", role, res.Code(), res.Out)
			}
			exampletest.Contains(t, res.Stderr, `ftok("/no/such/dir", 0x66) failed: ENOENT (no such file or directory): the path must exist`)
		}
	})

	t.Run("the queue vanished: EINVAL", func(t *testing.T) {
		dir, key := keyDir(t)
		var id int
		ns.Do(func() { id, _ = sysv.Msgget(key, unix.IPC_CREAT|0o600) })
		cin, cw := heldOpen(t)
		cl := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir}, Stdin: cin})
		cl.WaitFor("= msqid")
		blockedIn(t, cl.Pid(), unix.SYS_READ, 0) // past its IPC_STAT
		ns.Do(func() { _ = sysv.Msgctl(id, unix.IPC_RMID, nil) })
		_, _ = cw.WriteString("hello\n")
		res := cl.Wait()
		if res.Code() != 1 {
			t.Errorf("exit status %d, want 1", res.Code())
		}
		exampletest.Contains(t, res.Out, "msgsnd failed: EINVAL", "the queue vanished while I read my input", "the line was not sent")
	})
	noneLeft(t, ns, "errors")
}

// Bad command lines: usage on stderr, nothing on stdout, exit status 2,
// and no queue made.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dir, _ := keyDir(t)
	exampletest.CheckUsage(t, "usage: 07-msgqueue",
		[]string{"extra"},
		[]string{"-nosuchflag"},
		[]string{"server", "-proj", "abc"},
		[]string{"server", "-path", dir, "-proj", "0"},
		[]string{"client", "-path", dir, "-proj", "256"},
		[]string{"server", "-path", dir, "-proj", "0x166"},
		[]string{"server", "-path"},
		[]string{"server", "-path", ""},
		[]string{"client", "-path", dir, "extra"},
	)
	ns := exampletest.NewIPCNamespace(t)
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{IPC: ns, Args: []string{"server", "-proj", "abc"}, Split: true})
	exampletest.Contains(t, res.Stderr, `-proj must be a number from 1 to 255 (ftok uses only 8 bits), not "abc"`)
}

// Go server, C client, both with the default path ($HOME), whatever their
// current directory: the same key, the same types and text format.
func TestGoServerCClient(t *testing.T) {
	t.Parallel()
	cClient := exampletest.BuildC(t, "c/client.c", "c/comm.c")
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	dir, key := keyDir(t)
	home := []string{"HOME=" + dir}
	in, reply := heldOpen(t)
	_, _ = reply.WriteString("hi from Go\n") // the pipe buffer takes it
	srv := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"server"}, Env: home, Stdin: in})
	exampletest.Contains(t, srv.WaitFor("ftok("), fmt.Sprintf("ftok(%q, 0x66) = key %v", dir, key))
	id := msqidIn(t, srv.WaitFor("= msqid"))
	srv.WaitFor("waiting for requests")
	cl := exampletest.Run(t, cClient, exampletest.Opts{IPC: ns, Env: home, Stdin: strings.NewReader("hello from C\n")})
	if cl.Code() != 0 {
		t.Fatalf("C client: exit status %d:\n%s", cl.Code(), cl.Out)
	}
	exampletest.Contains(t, cl.Out, fmt.Sprintf("= key %v", key), fmt.Sprintf("= msqid %d\n", id), "server# hi from Go\n", "bye")
	srv.Signal(syscall.SIGTERM)
	res := srv.Wait()
	exampletest.Contains(t, res.Out, "# hello from C\n")
	if !signalled(res.Status, syscall.SIGTERM) {
		t.Errorf("Go server: %v", res.Status)
	}
}

// C server, Go client. The C server's input ends while the Go client
// waits for a reply, so the client also meets EIDRM from a C server.
func TestCServerGoClient(t *testing.T) {
	t.Parallel()
	cServer := exampletest.BuildC(t, "c/server.c", "c/comm.c")
	bin := exampletest.Binary(t)
	ns := exampletest.NewIPCNamespace(t)
	dir, _ := keyDir(t)
	in, reply := heldOpen(t)
	_, _ = reply.WriteString("hi from C\n")
	srv := exampletest.Start(t, cServer, exampletest.Opts{IPC: ns, Args: []string{dir, "102"}, Stdin: in})
	id := msqidIn(t, srv.WaitFor("= msqid"))
	srv.WaitFor("waiting for requests")
	cl := exampletest.Start(t, bin, exampletest.Opts{IPC: ns, Args: []string{"client", "-path", dir, "-proj", "102"},
		Stdin: strings.NewReader("hello from Go\nstill there?\n")})
	srv.WaitFor("# still there?")
	blockedIn(t, cl.Pid(), unix.SYS_MSGRCV, id)
	reply.Close() // the C server finds end of input and removes the queue
	cres := cl.Wait()
	if cres.Code() != 0 {
		t.Fatalf("Go client: exit status %d:\n%s", cres.Code(), cres.Out)
	}
	exampletest.Contains(t, cres.Out, fmt.Sprintf("= msqid %d\n", id), "server# hi from C\n", "EIDRM: the queue was removed while I waited")
	res := srv.Wait()
	if res.Code() != 0 {
		t.Errorf("C server: exit status %d:\n%s", res.Code(), res.Out)
	}
	exampletest.Contains(t, res.Out, fmt.Sprintf("client %d# hello from Go\n", cl.Pid()), "# still there?\n", "end of input: removing the queue")
}

// The corrected C server removes its queue on SIGINT, SIGTERM, SIGHUP and
// a closed standard output, from its sigwait thread (not a handler), then
// dies of the signal; it rejects a bad project id; the C client says to
// start the server first.
func TestCTwins(t *testing.T) {
	t.Parallel()
	cServer := exampletest.BuildC(t, "c/server.c", "c/comm.c")
	cClient := exampletest.BuildC(t, "c/client.c", "c/comm.c")
	ns := exampletest.NewIPCNamespace(t)
	for _, e := range exampletest.Endings {
		dir, key := keyDir(t)
		in, _ := heldOpen(t)
		srv := startProc(t, ns, cServer, in, nil, dir)
		srv.waitFor(t, "the readiness line", has("waiting for requests"))
		if queueOf(t, ns, key) < 0 {
			t.Fatal("the C server made no queue")
		}
		switch {
		case e.CloseStdout:
			exampletest.CloseStdout(t, srv.out, srv.pid())
			exampletest.Run(t, cClient, exampletest.Opts{IPC: ns, Args: []string{dir}, Stdin: strings.NewReader("hi\n")})
		case e.Group:
			_ = unix.Kill(-srv.pid(), e.Sig)
		default:
			_ = unix.Kill(srv.pid(), e.Sig)
		}
		if ws := srv.wait(); !signalled(ws, e.Sig) {
			t.Errorf("C server, %s: %v, want killed by %v", e.Name, ws, e.Sig)
		}
		exampletest.Contains(t, srv.stderr.String(), "removed message queue")
		noneLeft(t, ns, "C server, "+e.Name)
	}
	dir, _ := keyDir(t)
	cl := exampletest.Run(t, cClient, exampletest.Opts{IPC: ns, Args: []string{dir}, Split: true})
	if cl.Code() != 1 {
		t.Errorf("C client without server: exit status %d, want 1", cl.Code())
	}
	exampletest.Contains(t, cl.Stderr, "start the server first")
	bad := exampletest.Run(t, cServer, exampletest.Opts{IPC: ns, Args: []string{dir, "abc"}, Split: true})
	if bad.Code() != 2 {
		t.Errorf("C server with proj_id abc: exit status %d, want 2", bad.Code())
	}
}

// firstDiff shows the first line where two outputs differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, a, b)
		}
	}
	return "(no difference)"
}

// A queue leaked by kill -9 in a private IPC namespace dies with the
// namespace, once nothing refers to it. This one test makes its namespace
// itself (CLONE_NEWIPC for the server) instead of using exampletest's:
// that one is held by a thread of the test until the test ends, and the
// point here is a namespace held by nothing but one descriptor, whose
// close frees it, queue and all.
func TestNamespaceFreesLeakedQueue(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	dir, _ := keyDir(t)
	in, _ := heldOpen(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "server", "-path", dir)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.Stdin, cmd.Stdout = in, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC}
	if err := cmd.Start(); err != nil {
		t.Skipf("no IPC namespace of our own (CLONE_NEWIPC needs CAP_SYS_ADMIN): %v", err)
	}
	w.Close()
	guard := time.AfterFunc(exampletest.Guard, func() {
		t.Errorf("server still running after the %v guard; killing it:\n%s", exampletest.Guard, doing(cmd.Process.Pid))
		_ = cmd.Process.Kill()
	})
	t.Cleanup(func() { guard.Stop(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(r)
	id := -1
	for sc.Scan() && !strings.Contains(sc.Text(), "waiting for requests") {
		if m := msqidRe.FindStringSubmatch(sc.Text()); m != nil {
			id, _ = strconv.Atoi(m[1])
		}
	}
	nsPath := fmt.Sprintf("/proc/%d/ns/ipc", cmd.Process.Pid)
	link, _ := os.Readlink(nsPath)
	nsfd, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	guard.Stop()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait() // killed, as intended
	// setns moves only the calling thread, and /proc/sysvipc shows the
	// reader's namespace: look from a locked thread that joins it and
	// comes back (a locked goroutine on the main thread cannot end the
	// thread, so it must leave the namespace itself).
	found := make(chan bool)
	go func() {
		runtime.LockOSThread()
		home, err := unix.Open("/proc/thread-self/ns/ipc", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil || unix.Setns(nsfd, unix.CLONE_NEWIPC) != nil {
			found <- false
			return
		}
		_, ok, _ := peek.SysVRow("msg", id)
		if unix.Setns(home, unix.CLONE_NEWIPC) == nil {
			runtime.UnlockOSThread()
		} // else: stays locked, and its thread ends with the goroutine
		unix.Close(home)
		found <- ok
	}()
	if !<-found {
		t.Fatalf("after kill -9, queue %d is not in the server's namespace %s: want it leaked", id, link)
	}
	unix.Close(nsfd) // the last reference
	holders := func() (n int) {
		procs, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*/ns/ipc")
		fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
		for _, p := range append(procs, fds...) {
			if l, _ := os.Readlink(p); l == link {
				n++
			}
		}
		return n
	}
	// A thread that could not come back exits after its goroutine has
	// answered: wait until the kernel shows it gone (a guard, not a timing).
	pause := time.Millisecond // growing to 20 ms: a long wait does not keep a CPU busy
	for guard := time.Now().Add(exampletest.Guard); holders() != 0; time.Sleep(pause) {
		if time.Now().After(guard) {
			t.Fatalf("%s is still referred to %d times: its queue would live on", link, holders())
		}
		if pause < 20*time.Millisecond {
			pause += pause / 2
		}
	}
}

// blockedIn waits until the kernel shows process pid asleep in system call
// nr on arg0 (a msqid, a descriptor); past the guard it fails the test
// with what each thread of the process is doing.
func blockedIn(t *testing.T, pid int, nr uintptr, arg0 int) {
	t.Helper()
	if err := peek.WaitBlocked(pid, nr, int64(arg0), exampletest.Guard); err != nil {
		t.Fatalf("%v; it is:\n%s", err, doing(pid))
	}
}

// doing says what process pid and each of its threads are doing: state,
// and the system call each sleeps in, by number and first argument, as
// /proc/<pid>/task/<tid>/syscall shows (70 is msgrcv, 69 msgsnd, 0 read,
// 202 futex on amd64).
func doing(pids ...int) string {
	var b strings.Builder
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			fmt.Fprintf(&b, "  %d: gone\n", pid)
			continue
		}
		i := bytes.LastIndexByte(stat, ')')
		fmt.Fprintf(&b, "  %d %s: state %s\n", pid, stat[bytes.IndexByte(stat, '('):i+1], strings.Fields(string(stat[i+1:]))[0])
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
		for _, task := range tasks {
			sc, _ := os.ReadFile(task)
			f := strings.Fields(string(sc))
			if len(f) > 2 {
				f = f[:2]
			}
			fmt.Fprintf(&b, "    %s: syscall %s\n", filepath.Base(filepath.Dir(task)), strings.Join(f, " "))
		}
	}
	return b.String()
}

// group lists the processes of process group pgid.
func group(pgid int) []int {
	pids := []int{pgid}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:])) // state, ppid, pgrp, ...
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(st)))
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && pid != pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}
