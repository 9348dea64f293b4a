//go:build linux && (amd64 || arm64)

// kill.go is the Go port of c/kill.c: kill() sends a signal to another
// process, raise() to yourself. In kill.c's order: (1) the child stops
// itself and the parent kills it, (2) a signal to a child with the default
// actions (and here also to one that catches it), (3) SIGKILL cannot be
// caught, (4) raise(). It is longer than kill.c by the child roles, which
// C gets from fork() for free, and by the [Go vs C] notes.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

// stopAndKill is part 1 of kill.c.
func stopAndKill(p *say.Speaker) {
	step("kill(): the child stops itself, the parent ends it with SIGKILL (kill.c)")
	// if ((pid = fork()) < 0) ... if (pid == 0) { raise(SIGSTOP); ... }
	c := child.Command("stopper")
	c.StartOrFail(p)
	// waitpid(pid, &status, WUNTRACED): returns once the child has
	// stopped; the stop itself is the synchronisation, no sleep needed.
	ws := waitUntraced(p, c)
	if !ws.Stopped() {
		endedEarly(p, c, ws)
	}
	// describe(pid, status);
	p.Printf("waitpid(WUNTRACED): child %d %s", c.Process.Pid, child.DescribeStatus(ws))
	p.GoNote("no fork: the child is this program run again in a role (see 01-pipe).")
	// kill(pid, SIGKILL): it ends a stopped process too.
	send(p, c.Process.Pid, unix.SIGKILL)
	// waitpid(pid, &status, 0); describe(pid, status);
	c.Reap(p)
}

// stopper is kill.c's first child: it stops itself.
func stopper(args []string) {
	me := say.New("child")
	// printf("child %d: raise(SIGSTOP): stopping myself\n", getpid());
	me.Printf("raise(SIGSTOP): stopping myself")
	// raise(SIGSTOP): in a threaded C program raise() is tgkill(getpid(),
	// gettid(), sig); SIGSTOP stops every thread of the process either way.
	if err := unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP); err != nil {
		me.Fatal(syserr.Wrap("tgkill(SIGSTOP)", err, nil))
	}
	me.Printf("not reached: SIGKILL ends a stopped process")
}

// waitUntraced is waitpid(pid, &status, WUNTRACED).
func waitUntraced(p *say.Speaker, c *child.Cmd) syscall.WaitStatus {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(c.Process.Pid, &ws, unix.WUNTRACED, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			p.Fatal(syserr.Wrap("waitpid(WUNTRACED)", err, nil))
		}
		return syscall.WaitStatus(ws)
	}
}

// killChildren is part 2 of kill.c: the same signal to a child that
// catches it and to one that keeps the default action.
func killChildren(p *say.Speaker, sig syscall.Signal) {
	name := sigset.Name(sig)
	step(fmt.Sprintf("kill(child, %s): a child that catches it, and one that does not", name))
	c := child.Command("catcher", name)
	c.StartOrFail(p)
	c.ReadyOrFail(p)
	send(p, c.Process.Pid, sig)
	c.Reap(p)

	// pipe(ready); pipe(quit); fork(): the child waits in read() for end
	// of file on quit[0]; if the signal does not end it, closing quit[1]
	// does, with status 0.
	quitR, quitW := child.Pipe(p, false)
	v := child.Command("victim", "wait", "tell")
	v.ExtraFiles = []*os.File{quitR}
	v.StartOrFail(p)
	quitR.Close()
	// read(ready[0], buf, sizeof buf): the child is ready
	v.ReadyOrFail(p)
	// kill(pid, sig)
	sendToReader(p, v.Process.Pid, sig)
	// close(quit[1]): a child that survived reads end of file and exits 0
	p.Printf("closing the child's pipe: a child still alive reads end of file and exits 0")
	quitW.Close()
	// waitpid(pid, &status, 0); describe(pid, status);
	v.Reap(p)
	p.GoNote("a Go program's defaults are not C's: it survives some signals that kill a\n" +
		"C program (SIGUSR1, SIGUSR2, SIGALRM), and SIGQUIT makes it print its\n" +
		"goroutines and exit with status 2 (unless GOTRACEBACK=crash). -demo table\n" +
		"shows each one.")
}

// catcher catches the signals named in args with signal.Notify, and ends
// normally when the first one arrives: the port of a C handler.
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
	st, err := sigset.Self()
	if err != nil {
		me.Fatal(err)
	}
	me.Printf("signal.Notify(c, %s): I catch it; ready", strings.Join(args, ", "))
	for _, s := range sigs {
		n := s.(syscall.Signal)
		if st.SigCgt.IsMember(n) {
			me.Kernel("my SigCgt (signals with a handler) has %s", sigset.Name(n))
		} else {
			me.Kernel("my SigCgt (signals with a handler) lacks %s: none can be installed", sigset.Name(n))
		}
	}
	// The parent sends only after this line: the child's output is
	// in order with the parent's.
	child.Ready("")
	s := <-c
	me.Printf("caught %s on my channel: exiting normally", sigset.Name(s.(syscall.Signal)))
}

// victim is kill.c's victim(): a Go process with the runtime's default
// signal handling. In mode "wait" it reads fd 3 until end of file; in
// "stdout" (os.Stdout), "raw1" (unix.Write(1, ...), past os) and "fd3" it
// writes to a pipe nobody reads. It exits 0, or with the errno of the
// failed write, as the C twin does.
func victim(args []string) {
	mode := args[0]
	if len(args) > 1 { // tell: say what it is, for the kill part
		say.New("child").Printf("no Notify: the Go runtime's default action applies; ready")
	}
	// if (write(readyfd, "ready\n", 6) != 6) return 1;
	child.Ready("")
	var err error
	switch mode {
	case "wait": // while ((n = read(fd, &c, 1)) != 0) ...
		_, err = io.Copy(io.Discard, child.File(0, "pipe"))
	case "stdout": // write(1, "x", 1), through os.File
		_, err = os.Stdout.Write([]byte("x"))
	case "raw1": // write(1, "x", 1), the system call itself
		_, err = unix.Write(1, []byte("x"))
	case "fd3": // write(fd, "x", 1)
		_, err = child.File(0, "pipe").Write([]byte("x"))
	}
	// return errno;
	if e := syserr.Errno(err); e != 0 {
		cleanup.Exit(int(e))
	}
}

// cannotCatchKill is part 3 of kill.c: SIGKILL can be neither caught nor
// ignored.
func cannotCatchKill(p *say.Speaker) {
	step("SIGKILL cannot be caught or ignored")
	// if (signal(SIGKILL, handler) == SIG_ERR) printf(... strerror(errno))
	act := sigset.Action{Handler: sigset.SIG_IGN}
	_, err := sigset.Sigaction(unix.SIGKILL, &act)
	if err == nil {
		p.Fatal(fmt.Errorf("sigaction(SIGKILL, %s) succeeded; the kernel should refuse it", act.Disposition()))
	}
	p.Printf("%v", syserr.Wrap("sigaction(SIGKILL, "+act.Disposition()+")", err, syserr.Meanings{
		unix.EINVAL: "SIGKILL and SIGSTOP can be neither caught nor ignored",
	}))
	c := child.Command("catcher", "SIGKILL")
	c.StartOrFail(p)
	c.ReadyOrFail(p)
	send(p, c.Process.Pid, unix.SIGKILL)
	c.Reap(p)
	p.GoNote("signal.Notify(c, SIGKILL) returns no error and never delivers anything.")
}

// raise is part 4 of kill.c: raise(SIGUSR1) with a handler.
func raise(p *say.Speaker) {
	step("raise(): a signal to myself")
	// signal(SIGUSR1, handler)
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	defer signal.Stop(c)
	pid := os.Getpid()

	// kill(getpid(), SIGUSR1): what the article calls raise()
	if err := unix.Kill(pid, unix.SIGUSR1); err != nil {
		p.Fatal(syserr.Wrap("kill(getpid(), SIGUSR1)", err, nil))
	}
	p.Printf("kill(getpid(), SIGUSR1) returned")
	p.GoNote("in C, raise() returns after the handler has run. In Go the runtime's\n" +
		"handler only queues the signal for the channel: kill() may return before\n" +
		"the goroutine that receives it has run. Receiving is how to wait for it.")
	p.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))

	// raise(SIGUSR1): in a threaded C program it is tgkill(getpid(),
	// gettid(), SIGUSR1), a signal for the calling thread only.
	runtime.LockOSThread()
	err := unix.Tgkill(pid, unix.Gettid(), unix.SIGUSR1)
	runtime.UnlockOSThread()
	if err != nil {
		p.Fatal(syserr.Wrap("tgkill(getpid(), gettid(), SIGUSR1)", err, nil))
	}
	p.Printf("tgkill(getpid(), gettid(), SIGUSR1), which is what raise() does, returned")
	p.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))
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
	p.GoNote("a Go program has many threads, and a signal sent to the process may be\n" +
		"taken by any of them: the one asleep in read() could see end of file and\n" +
		"exit 0 before another thread's handler ends the process. tgkill() to the\n" +
		"reading thread makes its handler run before read() returns, as in\n" +
		"one-threaded C.")
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

// endedEarly ends the program for a child that ended before its time.
func endedEarly(p *say.Speaker, c *child.Cmd, ws syscall.WaitStatus) {
	cleanup.FollowChild(ws)
	p.Fatal(fmt.Errorf("child %s (pid %d) %s before it was ready", c.Role, c.Process.Pid, child.DescribeStatus(ws)))
}
