//go:build linux && (amd64 || arm64)

// process.go goes beyond the article: what a signal sent to the whole
// process does in a Go program, which always has several threads; and
// ShdPnd, the signals pending for the whole process.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

// processWide sends a signal to the whole process while one thread
// blocks it: another thread takes it.
func processWide(me *say.Speaker) {
	step("a signal for the whole process: another thread takes it")
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	defer signal.Stop(c)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	old, err := sigset.SetThreadMask(unix.SIG_BLOCK, sigset.Of(unix.SIGUSR1))
	if err != nil {
		me.Fatal(syserr.Wrap("pthread_sigmask(SIG_BLOCK)", err, nil))
	}
	defer sigset.SetThreadMask(unix.SIG_SETMASK, old)
	me.Printf("pthread_sigmask(SIG_BLOCK, {SIGUSR1}) on this thread")

	// kill(getpid(), SIGUSR1): for the process, not for a thread.
	if err := unix.Kill(os.Getpid(), unix.SIGUSR1); err != nil {
		me.Fatal(syserr.Wrap("kill(getpid(), SIGUSR1)", err, nil))
	}
	me.Printf("kill(getpid(), SIGUSR1)")
	me.Printf("received %s from the channel, although this thread blocks it", sigset.Name((<-c).(syscall.Signal)))
	threadView(me, tid)
	me.GoNote("in single-threaded C, sigprocmask() blocks a signal for the whole process,\n" +
		"and kill() leaves it pending in ShdPnd until it is unblocked\n" +
		"(c/sigaction.c shows it). A Go program always has other threads that do\n" +
		"not block it, and the kernel hands a process-wide signal to any thread\n" +
		"that will take it: Go cannot block a signal for the whole process. What a\n" +
		"thread can block is what is sent to that thread.")
}

// stoppedChild shows ShdPnd: a stopped process takes no signal, so one
// sent to it waits, pending for the whole process.
func stoppedChild(me *say.Speaker) {
	step("ShdPnd: a process-wide signal waits while no thread can take it")
	c := child.Command("sleeper")
	c.StartOrFail(me)
	c.ReadyOrFail(me)
	pid := c.Process.Pid
	send(me, pid, unix.SIGSTOP)
	// waitpid(pid, &status, WUNTRACED): returns once it has stopped.
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			me.Fatal(syserr.Wrap("waitpid(WUNTRACED)", err, nil))
		}
		break
	}
	if !ws.Stopped() {
		endedEarly(me, c, syscall.WaitStatus(ws))
	}
	me.Printf("waitpid(WUNTRACED): child %d %s", pid, child.DescribeStatus(syscall.WaitStatus(ws)))
	send(me, pid, unix.SIGUSR1)
	st, err := sigset.Process(pid)
	if err != nil {
		me.Fatal(err)
	}
	me.Kernel("child %d: ShdPnd %s, SigPnd %s: pending for the whole process:\n"+
		"no thread of a stopped process takes a signal, so it waits", pid, st.ShdPnd, st.SigPnd)
	send(me, pid, unix.SIGCONT)
	c.Reap(me)
}

// sleeper catches SIGUSR1 and ends when it arrives.
func sleeper(args []string) {
	me := say.New("child")
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	me.Printf("signal.Notify(c, SIGUSR1); ready")
	child.Ready("")
	me.Printf("continued: received %s from my channel", sigset.Name((<-c).(syscall.Signal)))
}

// send is kill(pid, sig).
func send(me *say.Speaker, pid int, sig syscall.Signal) {
	me.Printf("kill(child %d, %s)", pid, sigset.Name(sig))
	if err := unix.Kill(pid, sig); err != nil {
		me.Fatal(syserr.Wrap("kill", err, syserr.Meanings{unix.ESRCH: "no such process"}))
	}
}

// endedEarly ends the program for a child that ended before its time.
func endedEarly(me *say.Speaker, c *child.Cmd, ws syscall.WaitStatus) {
	cleanup.FollowChild(ws)
	me.Fatal(fmt.Errorf("child %s (pid %d) %s before its time", c.Role, c.Process.Pid, child.DescribeStatus(ws)))
}
