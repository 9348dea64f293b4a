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
func stopAndKill(me *say.Speaker) {
	step("kill(): the child stops itself, the parent ends it with SIGKILL (kill.c)")
	// if ((pid = fork()) < 0) {
	// No fork in Go: the child is this program run again in the role
	// "stopper", whose raise(SIGSTOP) is a tgkill to its own thread.
	c := child.Command("stopper")
	c.StartOrFail(me)
	// waitpid(pid, &status, WUNTRACED): returns once the child has
	// stopped; the stop itself is the synchronisation, no sleep needed.
	ws := waitUntraced(me, c)
	if !ws.Stopped() {
		endedEarly(me, c, ws)
	}
	// describe(pid, status);
	me.Printf("waitpid(WUNTRACED): child %d %s", c.Process.Pid, child.DescribeStatus(ws))
	me.GoNote("no fork: the child is this program run again in a role (see 01-pipe).")
	// kill(pid, SIGKILL): it ends a stopped process too.
	send(me, c.Process.Pid, unix.SIGKILL)
	// if (waitpid(pid, &status, 0) < 0) {
	// Reap is exec.Cmd.Wait, then the status as the C's describe() prints it.
	c.Reap(me)
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
func waitUntraced(me *say.Speaker, c *child.Cmd) syscall.WaitStatus {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(c.Process.Pid, &ws, unix.WUNTRACED, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			me.Fatal(syserr.Wrap("waitpid(WUNTRACED)", err, nil))
		}
		return syscall.WaitStatus(ws)
	}
}

// killChildren is part 2 of kill.c: the same signal to a child that
// catches it and to one that keeps the default action.
func killChildren(me *say.Speaker, sig syscall.Signal) {
	name := sigset.Name(sig)
	step(fmt.Sprintf("kill(child, %s): a child that catches it, and one that does not", name))
	c := child.Command("catcher", name)
	c.StartOrFail(me)
	c.ReadyOrFail(me)
	send(me, c.Process.Pid, sig)
	c.Reap(me)

	// pipe(ready); pipe(quit); fork(): the child waits in read() for end
	// of file on quit[0]; if the signal does not end it, closing quit[1]
	// does, with status 0.
	quitR, quitW := child.Pipe(me, false)
	v := child.Command("victim", "wait", "tell")
	v.ExtraFiles = []*os.File{quitR}
	v.StartOrFail(me)
	quitR.Close()
	// read(ready[0], buf, sizeof buf): the child is ready
	v.ReadyOrFail(me)
	// kill(pid, sig)
	sendToReader(me, v.Process.Pid, sig)
	// close(quit[1]): a child that survived reads end of file and exits 0
	me.Printf("closing the child's pipe: a child still alive reads end of file and exits 0")
	quitW.Close()
	// if (waitpid(pid, &status, 0) < 0) {
	// Reap is exec.Cmd.Wait, then the status as the C's describe() prints it.
	v.Reap(me)
	me.GoNote("a Go program's defaults are not C's: it survives some signals that kill a\n" +
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
func cannotCatchKill(me *say.Speaker) {
	step("SIGKILL cannot be caught or ignored")
	// if (signal(SIGKILL, handler) == SIG_ERR)
	// Go's signal.Notify reports no error: the raw sigaction shows EINVAL.
	act := sigset.Action{Handler: sigset.SIG_IGN}
	_, err := sigset.Sigaction(unix.SIGKILL, &act)
	if err == nil {
		me.Fatal(fmt.Errorf("sigaction(SIGKILL, %s) succeeded; the kernel should refuse it", act.Disposition()))
	}
	me.Printf("%v", syserr.Wrap("sigaction(SIGKILL, "+act.Disposition()+")", err, nil))
	if syserr.Errno(err) == unix.EINVAL {
		me.Printf("SIGKILL and SIGSTOP can be neither caught nor ignored")
	}
	c := child.Command("catcher", "SIGKILL")
	c.StartOrFail(me)
	c.ReadyOrFail(me)
	send(me, c.Process.Pid, unix.SIGKILL)
	c.Reap(me)
	me.GoNote("signal.Notify(c, SIGKILL) returns no error and never delivers anything.")
}

// raise is part 4 of kill.c: raise(SIGUSR1) with a handler.
func raise(me *say.Speaker) {
	step("raise(): a signal to myself")
	// signal(SIGUSR1, handler)
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	defer signal.Stop(c)
	pid := os.Getpid()

	// kill(getpid(), SIGUSR1): what the article calls raise()
	if err := unix.Kill(pid, unix.SIGUSR1); err != nil {
		me.Fatal(syserr.Wrap("kill(getpid(), SIGUSR1)", err, nil))
	}
	me.Printf("kill(getpid(), SIGUSR1) returned")
	me.GoNote("in C, raise() returns after the handler has run. In Go the runtime's\n" +
		"handler only queues the signal for the channel: kill() may return before\n" +
		"the goroutine that receives it has run. Receiving is how to wait for it.")
	me.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))

	// raise(SIGUSR1): in a threaded C program it is tgkill(getpid(),
	// gettid(), SIGUSR1), a signal for the calling thread only.
	runtime.LockOSThread()
	err := unix.Tgkill(pid, unix.Gettid(), unix.SIGUSR1)
	runtime.UnlockOSThread()
	if err != nil {
		me.Fatal(syserr.Wrap("tgkill(getpid(), gettid(), SIGUSR1)", err, nil))
	}
	me.Printf("tgkill(getpid(), gettid(), SIGUSR1), which is what raise() does, returned")
	me.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))
}

// send is kill(pid, sig).
func send(me *say.Speaker, pid int, sig syscall.Signal) {
	me.Printf("kill(child %d, %s)", pid, sigset.Name(sig))
	if err := unix.Kill(pid, sig); err != nil {
		me.Fatal(syserr.Wrap("kill", err, syserr.Meanings{unix.ESRCH: "no such process"}))
	}
}

// sendToReader is kill(pid, sig) for a child that sleeps in read() until
// end of file, aimed at the thread that sleeps there.
func sendToReader(me *say.Speaker, pid int, sig syscall.Signal) {
	me.Printf("kill(child %d, %s), sent with tgkill() to its thread asleep in read()", pid, sigset.Name(sig))
	if err := toReader(pid, sig); err != nil {
		me.Fatal(err)
	}
	me.GoNote("a Go program has many threads, and a signal sent to the process may be\n" +
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
func endedEarly(me *say.Speaker, c *child.Cmd, ws syscall.WaitStatus) {
	cleanup.FollowChild(ws)
	me.Fatal(fmt.Errorf("child %s (pid %d) %s before it was ready", c.Role, c.Process.Pid, child.DescribeStatus(ws)))
}
