//go:build linux && (amd64 || arm64)

// sigaction.go is the Go port of c/sigaction.c: the five set functions,
// then the article's program (block a set, raise its signals, see them
// pending, unblock, see them delivered), then the fields of struct
// sigaction as the Go runtime fills them. c/sigaction.c also runs each
// sa_flags bit with and without it; Go has no handler of its own to run
// them on, so runtimeAction says what Go offers for each instead.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

// sets is sigaction.c's sets().
func sets(me *say.Speaker) {
	step("signal sets: sigemptyset, sigaddset, sigismember, sigdelset, sigfillset")
	// sigemptyset(&set);
	var set sigset.Set
	set.Empty()
	me.Printf("sigemptyset(&set): %s, %s", set, set.Hex())
	// sigaddset(&set, SIGINT); sigaddset(&set, SIGQUIT);
	for _, sig := range []syscall.Signal{unix.SIGINT, unix.SIGQUIT} {
		if err := set.Add(sig); err != nil {
			me.Fatal(syserr.Wrap("sigaddset", err, nil))
		}
	}
	me.Printf("sigaddset SIGINT, SIGQUIT: %s, %s", set, set.Hex())
	me.Printf("(in the hex, bit n-1 stands for signal n)")
	// sigismember(&set, SIGINT), sigismember(&set, SIGTERM)
	me.Printf("sigismember SIGINT: %v, SIGTERM: %v", set.IsMember(unix.SIGINT), set.IsMember(unix.SIGTERM))
	// sigdelset(&set, SIGINT);
	if err := set.Del(unix.SIGINT); err != nil {
		me.Fatal(syserr.Wrap("sigdelset", err, nil))
	}
	me.Printf("sigdelset SIGINT: %s, %s", set, set.Hex())
	// sigfillset(&set);
	set.Fill()
	me.Printf("sigfillset: %s, %s", set, set.Hex())
	// if (sigaddset(&set, 65) < 0)
	err := set.Add(65)
	me.Printf("%v", syserr.Wrap("sigaddset(&set, 65)", err, nil))
	if syserr.Errno(err) == unix.EINVAL {
		me.Printf("Linux has signals 1 to 64 only")
	}
	me.GoNote("sigset.Set is the kernel's 64-bit mask, the hex that /proc prints. glibc's\n" +
		"sigset_t is 1024 bits, and its sigfillset() leaves out 32 and 33, which\n" +
		"glibc keeps for its threads.")
}

// notBlockable says why the mask part cannot show sig, or "".
func notBlockable(sig syscall.Signal) string {
	switch {
	case sig == unix.SIGKILL || sig == unix.SIGSTOP:
		return "can never be blocked (the kernel drops it from any mask; -part mask shows that)"
	case sig == unix.SIGPROF:
		return "never reaches a channel: the Go runtime keeps it for its profiler (runtime/signal_unix.go), so the mask part would wait for it for ever"
	case sig == unix.SIGURG:
		return "is the Go runtime's own: it sends SIGURG to its threads all the time to preempt goroutines, so the channel would get ones the mask part never sent"
	case sig > 31:
		return "is a real-time signal; the Go runtime and glibc keep some of them (32, 33, 34), use 1 to 31"
	}
	return ""
}

// mask is sigaction.c's pending(), the article's program.
func mask(me *say.Speaker, block sigset.Set) {
	step("block, pending, delivered: sigprocmask and sigpending on one thread (sigaction.c)")
	// The signals that also end this program (Ctrl-C is SIGINT) are
	// taken from the pending set with sigtimedwait, below; the others
	// are delivered when unblocked, to this channel.
	var ends, rest sigset.Set
	for _, s := range block.Signals() {
		if cleanup.IsEnding(s) {
			_ = ends.Add(s) // a valid signal
		} else {
			_ = rest.Add(s) // a valid signal
		}
	}
	// sigaction(SIGINT, &action, NULL) ...: in Go, Notify. It comes first,
	// so that the signals, once unblocked, reach the channel and not
	// their default action.
	var sigs []os.Signal
	for _, s := range rest.Signals() {
		sigs = append(sigs, s)
	}
	c := make(chan os.Signal, len(sigs)+1)
	if len(sigs) > 0 {
		signal.Notify(c, sigs...)
		defer signal.Stop(c)
	}

	// A mask belongs to a thread, and a goroutine moves between threads.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	me.GoNote("a signal mask belongs to one thread, and the Go scheduler moves goroutines\n" +
		"between threads: runtime.LockOSThread() keeps this goroutine on its thread\n" +
		"until we unlock.")
	threadView(me, tid)

	// sigprocmask(SIG_BLOCK, &set, NULL)
	old, err := sigset.SetThreadMask(unix.SIG_BLOCK, block)
	if err != nil {
		me.Fatal(syserr.Wrap("pthread_sigmask(SIG_BLOCK)", err, nil))
	}
	// Restore the mask before the thread is unlocked: another goroutine
	// would inherit a thread that blocks signals.
	defer sigset.SetThreadMask(unix.SIG_SETMASK, old)
	me.Printf("pthread_sigmask(SIG_BLOCK, {%s}): blocked on this thread", block)
	threadView(me, tid)

	raiseBlocked(me, block, tid, c)

	if ends != 0 {
		takeOwn(me, ends)
	}

	// sigprocmask(SIG_UNBLOCK, &set, NULL)
	if _, err := sigset.SetThreadMask(unix.SIG_UNBLOCK, block); err != nil {
		me.Fatal(syserr.Wrap("pthread_sigmask(SIG_UNBLOCK)", err, nil))
	}
	if rest == 0 {
		me.Printf("pthread_sigmask(SIG_UNBLOCK): nothing is left pending to deliver")
	} else {
		me.Printf("pthread_sigmask(SIG_UNBLOCK): the kernel delivers the rest to this thread at once")
		var got sigset.Set
		for got != rest {
			_ = got.Add((<-c).(syscall.Signal)) // a valid signal
		}
		me.Printf("received from the channel: %s", got)
	}
	threadView(me, tid)
	me.GoNote("sigprocmask() is for single-threaded programs; with threads it is\n" +
		"pthread_sigmask(), which is what unix.PthreadSigmask calls\n" +
		"(rt_sigprocmask, for the calling thread only).")

	fillMask(me, tid, old)
}

// takeOwn takes the pending signals of set off this thread with
// sigtimedwait, each with the siginfo that says who sent it.
func takeOwn(me *say.Speaker, set sigset.Set) {
	for _, s := range set.Signals() {
		// sigtimedwait(&{s}, &info, &{0, 0}): do not wait, take it if pending
		got, info, err := sigtimedwait(sigset.Of(s))
		if err != nil {
			me.Fatal(syserr.Wrap(fmt.Sprintf("sigtimedwait({%s}, 0)", sigset.Name(s)), err, nil))
		}
		if info.code != siTkill || info.pid != os.Getpid() { // cannot happen: see below
			cleanup.Die(got)
		}
		me.Printf("sigtimedwait({%s}, timeout 0) returned %s, si_code %s,", sigset.Name(s), sigset.Name(got), info.codeName())
		me.Printf("sent by pid %d: the one I raised", info.pid)
	}
	me.GoNote("%s also ends this program: common/cleanup catches SIGINT (Ctrl-C),\n"+
		"SIGTERM, SIGHUP\n"+
		"and SIGPIPE. Unblocked, my own %s would reach the runtime's\n"+
		"handler and look exactly like\n"+
		"one from outside (os/signal says neither who sent a signal nor how\n"+
		"many came: two pending\n"+
		"merge into one), so a Ctrl-C or a kill at that moment could be\n"+
		"swallowed. sigtimedwait()\n"+
		"takes it off this thread's pending set (the thread's own queue\n"+
		"comes first), with its\n"+
		"siginfo; one from outside meanwhile goes to another thread and\n"+
		"ends the program.", set, set)
}

// sigInfo is what the mask part reads of a siginfo_t.
type sigInfo struct {
	code int32
	pid  int
}

// si_code values (<asm-generic/siginfo.h>).
const (
	siUser   = 0    // kill()
	siKernel = 0x80 // the kernel (a terminal's Ctrl-C)
	siQueue  = -1   // sigqueue()
	siTkill  = -6   // tgkill(), raise()
)

func (i sigInfo) codeName() string {
	switch i.code {
	case siUser:
		return "SI_USER"
	case siKernel:
		return "SI_KERNEL"
	case siQueue:
		return "SI_QUEUE"
	case siTkill:
		return "SI_TKILL"
	}
	return fmt.Sprint(i.code)
}

// sigtimedwait is rt_sigtimedwait(set, &info, &{0, 0}, 8) for the calling
// thread: it takes one pending signal of set without running a handler,
// or fails with EAGAIN if none is pending. x/sys/unix has no wrapper.
func sigtimedwait(set sigset.Set) (syscall.Signal, sigInfo, error) {
	ss := set.Sigset()
	var info unix.Siginfo
	var ts unix.Timespec
	r, _, e := unix.Syscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&ss)), uintptr(unsafe.Pointer(&info)),
		uintptr(unsafe.Pointer(&ts)), 8, 0, 0)
	if e != 0 {
		return 0, sigInfo{}, e
	}
	// si_pid is the int32 after si_signo, si_errno, si_code and padding:
	// offset 16 on 64-bit Linux.
	pid := *(*int32)(unsafe.Pointer(uintptr(unsafe.Pointer(&info)) + 16))
	return syscall.Signal(r), sigInfo{code: info.Code, pid: int(pid)}, nil
}

// threadView prints the kernel's view of one thread's signals.
func threadView(me *say.Speaker, tid int) {
	st, err := sigset.Thread(tid)
	if err != nil {
		me.Fatal(err)
	}
	me.Kernel("this thread: SigBlk %s, SigPnd %s; ShdPnd %s", st.SigBlk, st.SigPnd, st.ShdPnd)
}

// runtimeAction reads back the struct sigaction the Go runtime installed,
// and maps each field to what Go offers: c/sigaction.c's mask(),
// nodefer(), resethand(), restart() and nocldstop() show them in C.
func runtimeAction(me *say.Speaker) {
	step("struct sigaction as the Go runtime fills it, and what Go offers for each field")
	// sigaction(SIGUSR1, NULL, &oact)
	a, err := sigset.Sigaction(unix.SIGUSR1, nil)
	if err != nil {
		me.Fatal(syserr.Wrap("sigaction(SIGUSR1, NULL, &oact)", err, nil))
	}
	me.Printf("sigaction(SIGUSR1, NULL, &oact), before any Notify:")
	me.Kernel("sa_handler: %s (the runtime's, for nearly every signal)", a.Disposition())
	me.Kernel("sa_flags: %s", sigset.FlagNames(a.Flags&^sigset.SA_RESTORER))
	classic := sigset.Set(1<<31 - 1)
	if (a.Mask|sigset.Of(unix.SIGKILL, unix.SIGSTOP))&classic == classic {
		me.Kernel("sa_mask: every signal a mask can hold: the handler runs with all of them\n" +
			"blocked")
	} else {
		me.Kernel("sa_mask: %s", a.Mask)
	}
	// A table: each row is kept under 84 columns (a tag with a 7-digit PID
	// takes 16 of the 100), so that common/say never wraps it.
	me.Printf("sa_handler      Notify(c, sig): the runtime's handler forwards the signal\n" +
		"                to the channel; your code runs in an ordinary goroutine,\n" +
		"                free of async-signal-safety rules")
	me.Printf("sa_mask         nothing to set: the runtime's handler blocks everything,\n" +
		"                and a goroutine receives one signal at a time")
	me.Printf("SA_RESTART      always set; the os package retries EINTR too. msgrcv, semop\n" +
		"                and pause are never restarted (signal(7)): retry them on\n" +
		"                EINTR (07-msgqueue)")
	me.Printf("SA_RESETHAND    receive once, then signal.Reset(sig)")
	me.Printf("SA_NODEFER      nothing: a goroutine never runs inside itself")
	me.Printf("SA_NOCLDSTOP    nothing: Notify(c, SIGCHLD) delivers stops and exits alike")
	me.GoNote("c/sigaction.c shows sa_mask, SA_NODEFER, SA_RESETHAND, SA_RESTART and\n" +
		"SA_NOCLDSTOP in C, each with and without the flag.")
}

// raiseBlocked sends each blocked signal to this thread and shows it
// pending, not delivered: the middle of sigaction.c's mask part.
func raiseBlocked(me *say.Speaker, block sigset.Set, tid int, c chan os.Signal) {
	// raise(SIGINT); ...: tgkill, a signal to this thread.
	for _, s := range block.Signals() {
		if err := unix.Tgkill(os.Getpid(), tid, s); err != nil {
			me.Fatal(syserr.Wrap("tgkill", err, nil))
		}
	}
	me.Printf("tgkill(getpid(), gettid(), sig) for each, which is raise(sig): nothing happens yet")
	// sigpending(&pendset);
	pend, err := sigset.Pending()
	if err != nil {
		me.Fatal(syserr.Wrap("sigpending", err, nil))
	}
	me.Printf("sigpending: %s", pend)
	threadView(me, tid)
	select {
	case s := <-c: // not one of mine: they are blocked on this thread
		me.Warnf("%s came from outside while this thread blocked it: another thread took it\n"+
			"(step 3 shows why)", sigset.Name(s.(syscall.Signal)))
	default:
		me.Printf("the channel is empty: a blocked signal waits in the kernel")
	}
}

// fillMask blocks every signal for a moment, to show the two the kernel
// refuses, then puts the old mask back.
func fillMask(me *say.Speaker, tid int, old sigset.Set) {
	// sigfillset(&all); sigprocmask(SIG_SETMASK, &all, NULL)
	var all sigset.Set
	all.Fill()
	if _, err := sigset.SetThreadMask(unix.SIG_SETMASK, all); err != nil {
		me.Fatal(syserr.Wrap("pthread_sigmask(SIG_SETMASK)", err, nil))
	}
	st, err := sigset.Thread(tid)
	if _, err := sigset.SetThreadMask(unix.SIG_SETMASK, old); err != nil {
		me.Fatal(syserr.Wrap("pthread_sigmask(SIG_SETMASK)", err, nil))
	}
	if err != nil {
		me.Fatal(err)
	}
	me.Printf("pthread_sigmask(SIG_SETMASK, sigfillset), then the old mask back:")
	me.Kernel("SigBlk was %s:", st.SigBlk)
	me.Printf("the kernel never lets SIGKILL or SIGSTOP be blocked")
}
