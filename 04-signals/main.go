// 04-signals ports the signal programs of the article "进程间IPC机制"
// (Linux inter-process communication), section 信号机制 (signals): kill.c
// (kill() and raise()), alarm.c (alarm() and pause()) and mysignal.c
// (signal() catching SIGINT and SIGQUIT). Then it finds out, by
// experiment, what each signal's default action does to a C process and to
// a Go process: they differ.
//
// Usage:
//
//	go run ./04-signals [-demo all|kill|raise|alarm|signal|table] [-signal SIG] [-alarm N]
//
// The -demo flag picks one part (default: all of them, in this order):
//
//	kill    a child stops itself and is killed; a child that catches -signal
//	        and one that does not; SIGKILL cannot be caught
//	raise   a signal to this process itself
//	alarm   alarm(N), then wait for SIGALRM (the only part that waits: N s)
//	signal  catch SIGINT and SIGQUIT; in a terminal, press Ctrl-C and Ctrl-\
//	table   the default action of each signal, for a C and a Go process
//
// The C originals, written out from the article's text and corrected, are
// in c/; the table builds and runs c/kill.c with gcc when gcc is there.
package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 04-signals [-demo NAME] [-signal SIG] [-alarm N]

  -demo all     every part below, in order (default)
  -demo kill    kill(): a child stopped and killed; a child that catches -signal
                and one that does not; SIGKILL cannot be caught
  -demo raise   raise(): a signal to this process itself
  -demo alarm   alarm() and pause(): waits N seconds for a real SIGALRM
  -demo signal  signal(): catch SIGINT and SIGQUIT (Ctrl-C and Ctrl-\ in a terminal)
  -demo table   the default action of each signal, for a C and a Go process
  -signal SIG   the signal the kill part sends, by name or number (default SIGTERM)
  -alarm N      the seconds of alarm(N), 1 to 60 (default 1)
`

//go:embed c/kill.c
var killC []byte

func main() {
	// Go cannot fork, so a child's part is this same program started
	// again in a named role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"stopper": stopper,
		"catcher": catcher,
		"victim":  victim,
	})

	fs := flag.NewFlagSet("04-signals", flag.ContinueOnError)
	demo := fs.String("demo", "all", "all, kill, raise, alarm, signal or table")
	sigName := fs.String("signal", "SIGTERM", "the signal of the kill part")
	secs := fs.Int("alarm", 1, "seconds for alarm()")
	say.Parse(fs, os.Args[1:], usage, 0, 0)
	parts := map[string]bool{"all": true, "kill": true, "raise": true, "alarm": true, "signal": true, "table": true}
	if !parts[*demo] {
		say.Usage(usage, "-demo must be all, kill, raise, alarm, signal or table, not %q", *demo)
	}
	sig, err := sigset.ParseSignal(*sigName)
	if err != nil {
		say.Usage(usage, "-signal: %v", err)
	}
	switch sig {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		say.Usage(usage, "-signal %s would leave the child stopped, not ended; the kill part shows SIGSTOP itself", sigset.Name(sig))
	}
	if *secs < 1 || *secs > 60 {
		say.Usage(usage, "-alarm must be 1 to 60 seconds, not %d", *secs)
	}

	p := say.New("parent")
	all := *demo == "all"
	if all || *demo == "kill" {
		stopAndKill(p)
		killChildren(p, sig)
		cannotCatchKill(p)
	}
	if all || *demo == "raise" {
		raise(p)
	}
	if all || *demo == "alarm" {
		alarmPause(p, uint(*secs))
	}
	if all || *demo == "signal" {
		mySignal(p)
	}
	if all || *demo == "table" {
		table(p)
	}

	step("what this process still holds")
	st := status(p)
	p.Kernel("SigIgn: %s (a signal left ignored would be inherited by every program started later)", st.SigIgn)
	p.Kernel("open descriptors: %s", peek.FDSummary())
}

var steps int

// step prints the next step header; the numbers follow the parts shown.
func step(title string) {
	steps++
	say.Step(steps, title)
}

// stopAndKill is the first half of kill.c: the child stops itself with
// raise(SIGSTOP), the parent sees it stopped and sends SIGKILL.
func stopAndKill(p *say.Speaker) {
	step("kill(): the child stops itself, the parent ends it with SIGKILL (kill.c)")
	// pid = fork(); in the child: raise(SIGSTOP)
	c := child.Command("stopper")
	start(p, c)
	// waitpid(pid, &status, WUNTRACED) returns once the child has stopped:
	// the stop itself is the synchronisation, no sleep needed.
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(c.Process.Pid, &ws, unix.WUNTRACED, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			p.Fatal(syserr.Wrap("waitpid(WUNTRACED)", err, nil))
		}
		break
	}
	p.Printf("waitpid(WUNTRACED): child %d %s", c.Process.Pid, child.DescribeStatus(syscall.WaitStatus(ws)))
	p.GoNote("there is no fork: the child is this program run again in a role (see 01-pipe).")
	// kill(pid, SIGKILL): it ends a stopped process too.
	send(p, c.Process.Pid, unix.SIGKILL)
	end(p, c)
}

// stopper is the child of kill.c: it stops itself.
func stopper(args []string) {
	me := say.New("child")
	// raise() in a threaded C program is tgkill(getpid(), gettid(), sig);
	// SIGSTOP stops every thread of the process either way.
	me.Printf("raise(SIGSTOP): stopping myself")
	if err := unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP); err != nil {
		me.Fatal(syserr.Wrap("tgkill(SIGSTOP)", err, nil))
	}
	me.Printf("not reached: SIGKILL ends a stopped process")
}

// killChildren is the second half of kill.c: the same signal to a child
// that catches it and to one that keeps the default action.
func killChildren(p *say.Speaker, sig syscall.Signal) {
	name := sigset.Name(sig)
	step(fmt.Sprintf("kill(child, %s): a child that catches it, and one that does not", name))
	c := child.Command("catcher", name)
	start(p, c)
	ready(p, c)
	send(p, c.Process.Pid, sig)
	end(p, c)

	// The same signal to a child that keeps the default action. It
	// waits for end of file on a pipe: if the signal does not end it,
	// closing the pipe does, with status 0.
	quitR, quitW := newPipe(p)
	v := child.Command("victim", "wait", "tell")
	v.ExtraFiles = []*os.File{quitR}
	start(p, v)
	quitR.Close()
	ready(p, v)
	sendToReader(p, v.Process.Pid, sig)
	p.Printf("closing the child's pipe: a child still alive reads end of file and exits 0")
	quitW.Close()
	end(p, v)
	p.GoNote("a Go program's defaults are not C's: it survives some signals that kill a C\n" +
		"program (SIGUSR1, SIGUSR2, SIGALRM), and SIGQUIT makes it print its goroutines\n" +
		"and exit with status 2. -demo table shows each one, observed.")
}

// catcher catches the signals named in args with signal.Notify, and ends
// normally when the first one arrives.
func catcher(args []string) {
	me := say.New("child")
	var sigs []os.Signal
	for _, a := range args {
		s, err := sigset.ParseSignal(a)
		if err != nil {
			me.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	// signal(sig, handler): in Go the runtime's handler forwards the
	// signal to a channel. The channel must be buffered: Notify never
	// blocks, it drops a signal the channel has no room for.
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	me.Printf("signal.Notify(c, %s): I catch it; ready", strings.Join(args, ", "))
	st, err := sigset.Self()
	if err != nil {
		me.Fatal(err)
	}
	for _, s := range sigs {
		n := s.(syscall.Signal)
		if st.SigCgt.IsMember(n) {
			me.Kernel("my SigCgt (signals with a handler) has %s", sigset.Name(n))
		} else {
			me.Kernel("my SigCgt (signals with a handler) lacks %s: no handler could be installed", sigset.Name(n))
		}
	}
	child.Ready("")
	s := <-c
	me.Printf("caught %s on my channel: exiting normally", sigset.Name(s.(syscall.Signal)))
}

// cannotCatchKill shows that SIGKILL can be neither caught nor ignored.
func cannotCatchKill(p *say.Speaker) {
	step("SIGKILL cannot be caught or ignored")
	// signal(SIGKILL, SIG_IGN): the kernel refuses.
	_, err := sigset.Sigaction(unix.SIGKILL, &sigset.Action{Handler: sigset.SIG_IGN})
	if err == nil {
		p.Fatal(fmt.Errorf("sigaction(SIGKILL, SIG_IGN) succeeded; the kernel should refuse it"))
	}
	p.Printf("%v", syserr.Wrap("sigaction(SIGKILL, SIG_IGN)", err, syserr.Meanings{
		unix.EINVAL: "SIGKILL and SIGSTOP can be neither caught nor ignored",
	}))
	c := child.Command("catcher", "SIGKILL")
	start(p, c)
	ready(p, c)
	send(p, c.Process.Pid, unix.SIGKILL)
	end(p, c)
	p.GoNote("signal.Notify(c, SIGKILL) returns no error; it just never delivers anything.")
}

// raise is raise(SIGUSR1): a signal to this process.
func raise(p *say.Speaker) {
	step("raise(): a signal to myself")
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	defer signal.Stop(c)
	pid := os.Getpid()

	// kill(getpid(), SIGUSR1)
	if err := unix.Kill(pid, unix.SIGUSR1); err != nil {
		p.Fatal(syserr.Wrap("kill(getpid(), SIGUSR1)", err, nil))
	}
	p.Printf("kill(getpid(), SIGUSR1) returned")
	p.GoNote("in C, raise() returns after the handler has run. In Go the runtime's handler\n" +
		"only queues the signal for the channel: kill() may return before the goroutine\n" +
		"that receives it has run. Receiving is how to wait for it.")
	p.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))

	// raise(SIGUSR1) in a threaded C program is tgkill(getpid(), gettid(),
	// SIGUSR1): a signal for the calling thread only.
	runtime.LockOSThread()
	tid := unix.Gettid()
	err := unix.Tgkill(pid, tid, unix.SIGUSR1)
	runtime.UnlockOSThread()
	if err != nil {
		p.Fatal(syserr.Wrap("tgkill(getpid(), gettid(), SIGUSR1)", err, nil))
	}
	p.Printf("tgkill(getpid(), tid %d, SIGUSR1), which is what raise() does, returned", tid)
	p.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))
}

// alarmPause is alarm.c: alarm(5), alarm(N) returns what was left of the
// first, then sleep until SIGALRM arrives.
func alarmPause(p *say.Speaker, secs uint) {
	step("alarm() and pause(): wait for SIGALRM (alarm.c)")
	// signal(SIGALRM, handler) comes first, so the alarm cannot ring
	// before we listen. Buffered: the runtime never blocks to deliver.
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGALRM)
	defer signal.Stop(c)

	// alarm(5)
	p.Printf("alarm(5) returned %d: no alarm was set", alarm(p, 5))
	// alarm(N): one alarm per process; the new one replaces the old.
	start := time.Now()
	p.Printf("alarm(%d) returned %d: the seconds left of alarm(5), which it replaces", secs, alarm(p, secs))
	p.GoNote("there is no unix.Alarm on arm64: the kernel has no alarm system call there.\n" +
		"alarm(n) is setitimer(ITIMER_REAL, n s), as here; the old timer's value, rounded to\n" +
		"whole seconds, is alarm()'s return value.")

	// pause(): sleep until a signal has been caught.
	p.Printf("pause(): waiting for SIGALRM on the channel")
	<-c
	p.Printf("I have been waken up by SIGALRM, %d s after alarm(%d)", int(time.Since(start)/time.Second), secs)
	p.GoNote("the literal port, unix.Alarm(1) then unix.Pause(), fails: pause() sleeps on the\n" +
		"thread running this goroutine, but the kernel hands SIGALRM to whichever thread of\n" +
		"the process can take it, and without Notify the Go runtime drops SIGALRM. pause()\n" +
		"may never return, and the alarm does not end the process as it ends a C program.")

	// alarm(0) cancels an alarm and returns what was left of it.
	p.Printf("alarm(3) returned %d: no alarm was left", alarm(p, 3))
	p.Printf("alarm(0) returned %d and cancelled it", alarm(p, 0))
}

// alarm is alarm(2) for every architecture: setitimer(ITIMER_REAL) with
// the old timer's value rounded to whole seconds, as the kernel does.
func alarm(p *say.Speaker, secs uint) uint {
	it := unix.Itimerval{Value: unix.NsecToTimeval(int64(secs) * int64(time.Second))}
	old, err := unix.Setitimer(unix.ItimerReal, it)
	if err != nil {
		p.Fatal(syserr.Wrap("setitimer(ITIMER_REAL)", err, nil))
	}
	left := uint(old.Value.Sec)
	if old.Value.Usec >= 500000 || (left == 0 && old.Value.Usec > 0) {
		left++
	}
	return left
}

// mySignal is mysignal.c: catch SIGINT and SIGQUIT, report each, restore
// the defaults.
func mySignal(p *say.Speaker) {
	step("signal(): catch SIGINT (Ctrl-C) and SIGQUIT (Ctrl-\\) (mysignal.c)")
	// signal(SIGINT, my_func); signal(SIGQUIT, my_func);
	c := make(chan os.Signal, 2)
	signal.Notify(c, unix.SIGINT, unix.SIGQUIT)
	report := func(s os.Signal) { p.Printf("I have get %s", sigset.Name(s.(syscall.Signal))) }
	if isTerminal(0) {
		p.Printf("waiting for SIGINT and SIGQUIT: press Ctrl-C, then Ctrl-\\")
		seen := map[os.Signal]bool{}
		for len(seen) < 2 {
			s := <-c
			seen[s] = true
			report(s)
		}
	} else {
		p.Printf("standard input is not a terminal, so nobody can press Ctrl-C:\n" +
			"I send SIGINT and SIGQUIT to myself, one at a time")
		for _, s := range []syscall.Signal{unix.SIGINT, unix.SIGQUIT} {
			if err := unix.Kill(os.Getpid(), s); err != nil {
				p.Fatal(syserr.Wrap("kill(getpid())", err, nil))
			}
			report(<-c)
		}
	}
	// signal(SIGINT, SIG_DFL); signal(SIGQUIT, SIG_DFL);
	signal.Reset(unix.SIGINT, unix.SIGQUIT)
	p.Printf("signal.Reset(SIGINT, SIGQUIT): Go's default actions are back")
	st := status(p)
	if st.SigCgt.IsMember(unix.SIGINT) && st.SigCgt.IsMember(unix.SIGQUIT) {
		p.Kernel("SigCgt still has SIGINT and SIGQUIT: the runtime's own handler, not SIG_DFL")
	} else {
		p.Kernel("SigCgt: %s", st.SigCgt)
	}
	p.GoNote("Go's defaults are its own. SIGINT: the runtime restores SIG_DFL and raises it\n" +
		"again, so the process dies of SIGINT as in C. SIGQUIT: it prints the stack of every\n" +
		"goroutine and exits with status 2, where C dies of SIGQUIT with a core dump.")
}

// isTerminal reports whether fd is a terminal: tcgetattr() succeeds.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// A row of the default-actions table: a signal sent with kill(), or a
// write to a pipe nobody reads (sig 0).
type row struct {
	what string
	sig  syscall.Signal
	mode string // victim mode: wait, stdout or fd3
}

var rows = []row{
	{"kill -HUP", unix.SIGHUP, "wait"},
	{"kill -INT", unix.SIGINT, "wait"},
	{"kill -QUIT", unix.SIGQUIT, "wait"},
	{"kill -USR1", unix.SIGUSR1, "wait"},
	{"kill -USR2", unix.SIGUSR2, "wait"},
	{"kill -PIPE", unix.SIGPIPE, "wait"},
	{"kill -ALRM", unix.SIGALRM, "wait"},
	{"kill -TERM", unix.SIGTERM, "wait"},
	{"kill -CHLD", unix.SIGCHLD, "wait"},
	{"kill -URG", unix.SIGURG, "wait"},
	{"write to a broken pipe on fd 1", 0, "stdout"},
	{"write to a broken pipe on fd 3", 0, "fd3"},
}

// table observes each signal's default action on a C process (the C twin
// c/kill.c in its -victim mode) and on a Go process without Notify.
func table(p *say.Speaker) {
	step("default actions, observed: a C process and a Go process without Notify")
	st := status(p)
	p.Kernel("my SigIgn: %s (ignored signals stay ignored across exec: children inherit them)", st.SigIgn)
	// A C process killed by SIGQUIT dumps core: not here.
	lim := unix.Rlimit{Cur: 0, Max: 0}
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err == nil {
		lim.Cur = 0
		unix.Setrlimit(unix.RLIMIT_CORE, &lim) //nolint:errcheck // only spares a core file
	}
	cbin, cleanup, why := buildC()
	defer cleanup()
	if cbin != "" {
		p.Printf("built the C twin c/kill.c with gcc; each C process is kill -victim")
	} else {
		p.Warnf("no C column: %s", why)
	}
	p.Printf("each process says it is ready, gets the signal, then end of file on a pipe:")
	p.Printf("a process that survived the signal exits 0 there")
	p.Printf("%-32s %-28s %s", "what happens", "C process", "Go process, no Notify")
	for _, r := range rows {
		cCell := "(not observed)"
		if cbin != "" {
			cCell = observe(p, r, cbin)
		}
		p.Printf("%-32s %-28s %s", r.what, cCell, observe(p, r, ""))
	}
	p.GoNote("the Go runtime catches nearly every signal at start (SigCgt). Without Notify:\n" +
		"SIGHUP, SIGINT and SIGTERM end the process as in C (the runtime restores SIG_DFL and\n" +
		"raises the signal again, so wait() sees it); SIGQUIT prints the goroutines' stacks and\n" +
		"exits 2; SIGUSR1, SIGUSR2, SIGALRM, SIGURG and a SIGPIPE sent with kill are dropped.\n" +
		"A write to a broken pipe raises SIGPIPE only on fd 1 and 2; elsewhere it fails with EPIPE.")
}

// observe runs one victim, C (cbin) or Go (cbin == ""), for one row and
// says how it ended.
func observe(p *say.Speaker, r row, cbin string) string {
	pr, pw := newPipe(p)
	var childEnd, myEnd *os.File
	var stdout *os.File
	switch r.mode {
	case "wait": // it reads fd 3 until end of file
		childEnd, myEnd = pr, pw
	case "fd3": // it writes to fd 3, a pipe with no reader
		pr.Close()
		childEnd = pw
	case "stdout": // it writes to fd 1, a pipe with no reader
		pr.Close()
		childEnd, stdout = pw, pw
	}
	var stderr bytes.Buffer
	var v victimProc
	if cbin != "" {
		v = startC(p, cbin, r.mode, childEnd, stdout)
	} else {
		c := child.Command("victim", r.mode)
		c.ExtraFiles = []*os.File{childEnd}
		if stdout != nil {
			c.Stdout = stdout
		}
		c.Stderr = &stderr // where SIGQUIT's goroutine dump goes
		// GOTRACEBACK=crash would turn the SIGQUIT dump into an abort.
		c.Env = append(c.Env, "GOTRACEBACK=single")
		start(p, c)
		v = goVictim{c}
	}
	childEnd.Close()
	if _, err := v.waitReady(); err != nil {
		p.Fatal(err)
	}
	if r.sig != 0 {
		if err := toReader(v.pid(), r.sig); err != nil {
			p.Fatal(err)
		}
	}
	if myEnd != nil {
		myEnd.Close()
	}
	return cell(v.wait(), stderr.String())
}

// cell is a short account of a wait status.
func cell(ws syscall.WaitStatus, stderr string) string {
	switch {
	case ws.Signaled():
		return "killed by " + sigset.Name(ws.Signal())
	case ws.Exited() && ws.ExitStatus() == 0:
		return "survived"
	case ws.Exited() && ws.ExitStatus() == int(unix.EPIPE):
		return "survived: write() got EPIPE"
	case ws.Exited():
		s := fmt.Sprintf("exited %d", ws.ExitStatus())
		if first, _, _ := strings.Cut(stderr, "\n"); first != "" {
			s += fmt.Sprintf(" after printing %q and stacks", first)
		}
		return s
	}
	return child.DescribeStatus(ws)
}

// victimProc is a process of the table, C or Go.
type victimProc interface {
	pid() int
	waitReady() (string, error)
	wait() syscall.WaitStatus
}

type goVictim struct{ c *child.Cmd }

func (g goVictim) pid() int                   { return g.c.Process.Pid }
func (g goVictim) waitReady() (string, error) { return g.c.WaitReady() }
func (g goVictim) wait() syscall.WaitStatus {
	g.c.Wait() //nolint:errcheck // the status is what we report
	return g.c.ProcessState.Sys().(syscall.WaitStatus)
}

// cVictim is the C twin in -victim mode: fd 3 is its pipe, fd 4 its
// readiness pipe.
type cVictim struct {
	cmd   *exec.Cmd
	ready *os.File
}

func startC(p *say.Speaker, cbin, mode string, pipeEnd, stdout *os.File) cVictim {
	r, w := newPipe(p)
	cmd := exec.Command(cbin, "-victim", mode)
	cmd.ExtraFiles = []*os.File{pipeEnd, w}
	cmd.Stdout = os.Stdout
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.Fatal(syserr.Wrap("start "+filepath.Base(cbin), err, nil))
	}
	w.Close()
	return cVictim{cmd, r}
}

func (c cVictim) pid() int { return c.cmd.Process.Pid }
func (c cVictim) waitReady() (string, error) {
	defer c.ready.Close()
	line, err := bufio.NewReader(c.ready).ReadString('\n')
	if err != nil {
		c.cmd.Wait() //nolint:errcheck
		return "", fmt.Errorf("the C victim (pid %d) %s before it was ready", c.pid(), child.Describe(c.cmd.ProcessState))
	}
	return strings.TrimSpace(line), nil
}
func (c cVictim) wait() syscall.WaitStatus {
	c.cmd.Wait() //nolint:errcheck // the status is what we report
	return c.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// victim is a Go process with the runtime's default signal handling. In
// mode "wait" it reads fd 3 until end of file; in "stdout" and "fd3" it
// writes to a pipe nobody reads. It exits 0, or with the errno of the
// failed write, as the C twin does.
func victim(args []string) {
	mode := args[0]
	if len(args) > 1 { // tell: say what it is, for the kill part
		say.New("child").Printf("no Notify: the Go runtime's default action applies; ready")
	}
	child.Ready("")
	var err error
	switch mode {
	case "wait":
		_, err = io.Copy(io.Discard, child.File(0, "pipe"))
	case "stdout":
		_, err = os.Stdout.Write([]byte("x"))
	case "fd3":
		_, err = child.File(0, "pipe").Write([]byte("x"))
	}
	if e := syserr.Errno(err); e != 0 {
		os.Exit(int(e))
	}
}

// buildC compiles the embedded c/kill.c into a temporary directory. It
// returns the binary and a cleanup, or "" and why not.
func buildC() (bin string, cleanup func(), why string) {
	cleanup = func() {}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", cleanup, "gcc not found (apt-get install gcc)"
	}
	dir, err := os.MkdirTemp("", "04-signals-")
	if err != nil {
		return "", cleanup, err.Error()
	}
	cleanup = func() { os.RemoveAll(dir) }
	src := filepath.Join(dir, "kill.c")
	bin = filepath.Join(dir, "kill")
	if err := os.WriteFile(src, killC, 0o600); err != nil {
		return "", cleanup, err.Error()
	}
	if out, err := exec.Command(gcc, "-Wall", "-Wextra", "-Werror", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		return "", cleanup, fmt.Sprintf("gcc: %v: %s", err, out)
	}
	return bin, cleanup, ""
}

func status(p *say.Speaker) sigset.Status {
	st, err := sigset.Self()
	if err != nil {
		p.Fatal(err)
	}
	return st
}

func newPipe(p *say.Speaker) (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		p.Fatal(syserr.Wrap("pipe", err, nil))
	}
	return r, w
}

func start(p *say.Speaker, c *child.Cmd) {
	if err := c.Start(); err != nil {
		p.Fatal(syserr.Wrap("start child", err, nil))
	}
}

func ready(p *say.Speaker, c *child.Cmd) {
	if _, err := c.WaitReady(); err != nil {
		p.Fatal(err)
	}
}

// send is kill(pid, sig).
func send(p *say.Speaker, pid int, sig syscall.Signal) {
	p.Printf("kill(child %d, %s)", pid, sigset.Name(sig))
	if err := unix.Kill(pid, sig); err != nil {
		p.Fatal(syserr.Wrap("kill", err, syserr.Meanings{unix.ESRCH: "no such process"}))
	}
}

// sendToReader is kill(pid, sig) for a child that sleeps in read() until
// end of file, aimed at the thread that sleeps there.
func sendToReader(p *say.Speaker, pid int, sig syscall.Signal) {
	p.Printf("kill(child %d, %s), sent with tgkill() to its thread asleep in read()", pid, sigset.Name(sig))
	if err := toReader(pid, sig); err != nil {
		p.Fatal(err)
	}
	p.GoNote("a Go program has many threads, and a signal sent to the process may be taken by\n" +
		"any of them: the one asleep in read() could see end of file and exit 0 before\n" +
		"another thread's handler ends the process. tgkill() to the reading thread makes\n" +
		"its handler run before read() returns, as in one-threaded C.")
}

// toReader waits until a thread of pid sleeps in read(3, ...) and sends
// sig to that thread (tgkill). Its handler then runs before read() can
// return: a fatal signal ends the process first, a dropped one lets the
// read go on to end of file. Sent with kill(), the signal could be taken by
// another thread of a Go victim, racing the reader's end of file.
func toReader(pid int, sig syscall.Signal) error {
	tid, err := peek.WaitBlockedThread(pid, unix.SYS_READ, 3, time.Minute)
	if err != nil {
		return err
	}
	return syserr.Wrap("tgkill", unix.Tgkill(pid, tid, sig), syserr.Meanings{unix.ESRCH: "no such process or thread"})
}

// end is waitpid(pid, &status, 0), with the status spelled out.
func end(p *say.Speaker, c *child.Cmd) {
	c.Wait() //nolint:errcheck // the status is what we report
	p.Printf("waitpid: child %d %s", c.Process.Pid, child.Describe(c.ProcessState))
}
