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

// describe is kill.c's describe(): how a child ended, as waitpid()
// reports it. The signal is named by unix.SignalName, not strsignal's
// words ("SIGKILL", not "Killed").
func describe(me *say.Speaker, pid int, ws syscall.WaitStatus) {
	switch {
	// if (WIFEXITED(status))
	case ws.Exited():
		// printf("parent %d: waitpid: child %d exited with status %d\n", getpid(), pid, WEXITSTATUS(status));
		me.Printf("waitpid: child %d exited with status %d", pid, ws.ExitStatus())
	// else if (WIFSIGNALED(status))
	case ws.Signaled():
		// printf("parent %d: waitpid: child %d was killed by signal %d (%s)\n", getpid(), pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
		me.Printf("waitpid: child %d was killed by signal %d (%s)", pid, int(ws.Signal()), unix.SignalName(ws.Signal()))
	// else if (WIFSTOPPED(status))
	case ws.Stopped():
		// printf("parent %d: waitpid: child %d was stopped by signal %d (%s)\n", getpid(), pid, WSTOPSIG(status), strsignal(WSTOPSIG(status)));
		me.Printf("waitpid: child %d was stopped by signal %d (%s)", pid, int(ws.StopSignal()), unix.SignalName(ws.StopSignal()))
	}
}

// stopAndKill is part 1 of kill.c.
func stopAndKill(me *say.Speaker) {
	step("kill(): the child stops itself, the parent ends it with SIGKILL (kill.c)")
	// if (argc == 3 && strcmp(argv[1], "-victim") == 0)
	// child.Dispatch in main.go stands in: this program run again in the
	// role "victim" is victim() below.
	// if (argc > 2 || (argc == 2 && (sig = atoi(argv[1])) <= 0)) {
	// fprintf(stderr, "usage: kill [SIGNAL]   (SIGNAL as a number, e.g. 10)\n");
	// main.go's -signal flag and cmdline.Usage stand in: usage on stderr,
	// exit status 2.
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line at once, with one write(2).

	// if ((pid = fork()) < 0) { perror("fork"); exit(1);
	// No fork in Go: the child is this program run again in the role
	// "stopper" (below), whose raise(SIGSTOP) is a tgkill to its own
	// thread. StartOrFail names the failure and exits 1.
	c := child.Command("stopper")
	c.StartOrFail(me)
	pid := c.Process.Pid
	// if (waitpid(pid, &status, WUNTRACED) < 0) { perror("waitpid"); exit(1);
	// It returns once the child has stopped: the stop itself is the
	// synchronisation, no sleep needed. It does not reap the child.
	var status unix.WaitStatus
	_, err := unix.Wait4(pid, &status, unix.WUNTRACED, nil)
	for err == unix.EINTR {
		_, err = unix.Wait4(pid, &status, unix.WUNTRACED, nil)
	}
	if err != nil {
		me.Fatal(syserr.Wrap("waitpid(WUNTRACED)", err, nil))
	}
	ws := syscall.WaitStatus(status)
	if !ws.Stopped() {
		endedEarly(me, c, ws)
	}
	// describe(pid, status);
	describe(me, pid, ws)
	me.GoNote("no fork: the child is this program run again in a role (see 01-pipe).")
	// if (kill(pid, SIGKILL) < 0) { perror("kill"); exit(1);
	// SIGKILL ends a stopped process too.
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		me.Fatal(syserr.Wrap("kill", err, syserr.Meanings{unix.ESRCH: "no such process"}))
	}
	// printf("parent %d: kill(%d, SIGKILL)\n", getpid(), pid);
	me.Printf("kill(child %d, SIGKILL)", pid)
	// if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); exit(1); } describe(pid, status);
	// exec.Cmd.Wait: an *exec.ExitError is a status, not a failure.
	if err := c.Wait(); c.ProcessState == nil {
		me.Fatal(syserr.Wrap("waitpid", err, nil))
	}
	describe(me, pid, c.ProcessState.Sys().(syscall.WaitStatus))
}

// stopper is kill.c's first child: it stops itself.
func stopper(args []string) {
	me := say.New("child")
	// printf("child %d: raise(SIGSTOP): stopping myself\n", getpid()); raise(SIGSTOP);
	// In a threaded C program raise() is tgkill(getpid(), gettid(), sig),
	// and SIGSTOP stops every thread of the process either way.
	me.Printf("raise(SIGSTOP): stopping myself")
	if err := unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP); err != nil {
		me.Fatal(syserr.Wrap("tgkill(SIGSTOP)", err, nil))
	}
	// printf("child %d: not reached: SIGKILL ends a stopped process too\n", getpid());
	me.Printf("not reached: SIGKILL ends a stopped process too")
	// exit(0);
	cleanup.Exit(0)
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

	// if (pipe(ready) < 0 || pipe(quit) < 0) { perror("pipe"); exit(1);
	// The ready pipe is common/child's, made by StartOrFail; quit is this.
	quitR, quitW := child.Pipe(me, false)
	// if ((pid = fork()) < 0) { perror("fork"); exit(1); } if (pid == 0) { close(ready[0]);
	// No fork: the child is this program run again as victim(), with
	// "tell" to say what it is.
	v := child.Command("victim", "wait", "tell")
	v.ExtraFiles = []*os.File{quitR}
	// close(quit[1]);
	// Nothing for the child to close: it receives only quit[0], as fd 3,
	// and the write end of its ready pipe.
	// printf("child %d: default actions; waiting in read()\n", getpid());
	// exit(victim(ready[1], quit[0], "wait"));
	// victim() prints its line and exits with what it returns.
	v.StartOrFail(me)
	pid := v.Process.Pid
	// close(ready[1]);
	// StartOrFail closed our copy of the ready pipe's write end.
	// close(quit[0]);
	quitR.Close()
	// if (read(ready[0], buf, sizeof buf) <= 0) { /* the child is ready */ perror("read"); exit(1); } close(ready[0]);
	// ReadyOrFail reads "ready", closes its end, and names a child that
	// died first.
	v.ReadyOrFail(me)
	// if (kill(pid, sig) < 0) { perror("kill"); exit(1);
	// tgkill to the thread asleep in read(): see the note below.
	tid, err := peek.WaitBlockedThread(pid, unix.SYS_READ, 3, time.Minute)
	if err != nil {
		me.Fatal(err)
	}
	if err := unix.Tgkill(pid, tid, sig); err != nil {
		me.Fatal(syserr.Wrap("tgkill", err, syserr.Meanings{unix.ESRCH: "no such process or thread"}))
	}
	// printf("parent %d: kill(%d, %d) (%s)\n", getpid(), pid, sig, strsignal(sig));
	me.Printf("kill(child %d, %s), sent with tgkill() to its thread asleep in read()", pid, name)
	me.GoNote("a Go program has many threads, and a signal sent to the process may be\n" +
		"taken by any of them: the one asleep in read() could see end of file and\n" +
		"exit 0 before another thread's handler ends the process. tgkill() to the\n" +
		"reading thread makes its handler run before read() returns, as in\n" +
		"one-threaded C.")
	// close(quit[1]); /* a child that survived reads end of file and exits 0 */
	me.Printf("closing the child's pipe: a child still alive reads end of file and exits 0")
	quitW.Close()
	// if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); exit(1); } describe(pid, status); /* 3. SIGKILL cannot be caught. */
	if err := v.Wait(); v.ProcessState == nil {
		me.Fatal(syserr.Wrap("waitpid", err, nil))
	}
	describe(me, pid, v.ProcessState.Sys().(syscall.WaitStatus))
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
	// close(readyfd);
	// child.Ready writes the line and closes the descriptor.
	child.Ready("")
	var err error
	switch mode {
	case "wait":
		// if (strcmp(mode, "wait") == 0) {
		// while ((n = read(fd, &c, 1)) != 0)
		// io.Copy reads until end of file; os retries EINTR itself.
		_, err = io.Copy(io.Discard, child.File(0, "pipe"))
	case "stdout":
		// if (write(strcmp(mode, "stdout") == 0 ? 1 : fd, "x", 1) < 0)
		// Through os.File, which raises SIGPIPE again after EPIPE on fd 1.
		_, err = os.Stdout.Write([]byte("x"))
	case "raw1":
		// if (write(strcmp(mode, "stdout") == 0 ? 1 : fd, "x", 1) < 0)
		// The system call itself, past package os.
		_, err = unix.Write(1, []byte("x"))
	case "fd3":
		// if (write(strcmp(mode, "stdout") == 0 ? 1 : fd, "x", 1) < 0)
		_, err = child.File(0, "pipe").Write([]byte("x"))
	}
	// It exits with the errno of a failed write, as the C returns it.
	if e := syserr.Errno(err); e != 0 {
		cleanup.Exit(int(e))
	}
}

// cannotCatchKill is part 3 of kill.c: SIGKILL can be neither caught nor
// ignored.
func cannotCatchKill(me *say.Speaker) {
	step("SIGKILL cannot be caught or ignored")
	// if (signal(SIGKILL, handler) == SIG_ERR) printf("parent %d: signal(SIGKILL, handler) failed: %s\n", getpid(), strerror(errno));
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
	// if (write(1, msg, strlen(msg)) < 0)
	// _exit(1);
	// not ported: Go has no handler of our own. The runtime's handler
	// queues the signal for the channel; receiving from it, below, stands
	// in for the handler's write.
	// snprintf(msg, sizeof msg, "parent %d: handler: caught SIGUSR1, inside raise()\n", getpid());
	// not ported: the receiving goroutine formats its line when it runs.
	// if (signal(SIGUSR1, handler) == SIG_ERR) { perror("signal"); exit(1);
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	defer signal.Stop(c)
	pid := os.Getpid()

	// Not in the C: kill(getpid(), SIGUSR1), what the article calls raise().
	if err := unix.Kill(pid, unix.SIGUSR1); err != nil {
		me.Fatal(syserr.Wrap("kill(getpid(), SIGUSR1)", err, nil))
	}
	me.Printf("kill(getpid(), SIGUSR1) returned")
	me.GoNote("in C, raise() returns after the handler has run. In Go the runtime's\n" +
		"handler only queues the signal for the channel: kill() may return before\n" +
		"the goroutine that receives it has run. Receiving is how to wait for it.")
	me.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))

	// printf("parent %d: raise(SIGUSR1)\n", getpid());
	me.Printf("raise(SIGUSR1), which is tgkill(getpid(), gettid(), SIGUSR1)")
	// if (raise(SIGUSR1) != 0) { perror("raise"); exit(1);
	// In a threaded C program raise() is tgkill(getpid(), gettid(),
	// SIGUSR1), a signal for the calling thread only.
	runtime.LockOSThread()
	err := unix.Tgkill(pid, unix.Gettid(), unix.SIGUSR1)
	runtime.UnlockOSThread()
	if err != nil {
		me.Fatal(syserr.Wrap("tgkill(getpid(), gettid(), SIGUSR1)", err, nil))
	}
	// printf("parent %d: raise() returned, after the handler\n", getpid());
	me.Printf("raise() returned; the channel may not have the signal yet")
	me.Printf("received %s from the channel", sigset.Name((<-c).(syscall.Signal)))
}

// send is kill(pid, sig).
func send(me *say.Speaker, pid int, sig syscall.Signal) {
	me.Printf("kill(child %d, %s)", pid, sigset.Name(sig))
	if err := unix.Kill(pid, sig); err != nil {
		me.Fatal(syserr.Wrap("kill", err, syserr.Meanings{unix.ESRCH: "no such process"}))
	}
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
