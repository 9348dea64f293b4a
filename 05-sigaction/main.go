// 05-sigaction ports sigaction.c of the article "进程间IPC机制" (Linux
// inter-process communication), section 信号集函数组 (signal sets): build a
// signal set, block it with sigprocmask, see the blocked signals pending
// with sigpending, unblock them and see them delivered; and the fields of
// struct sigaction. At every step it prints what the kernel shows in
// /proc (SigBlk, SigPnd, ShdPnd, SigIgn, SigCgt), decoded into signal
// names, and where Go cannot do what C does, it says so and shows why.
//
// Usage:
//
//	go run ./05-sigaction [-part all|sets|mask|process|actions] [-block SIGS]
//
// The -part flag picks one part (default: all of them, in this order):
//
//	sets     sigemptyset, sigaddset, sigismember, sigdelset, sigfillset
//	mask     block signals on one thread, send them, see them pending, unblock
//	process  a signal for the whole process: what a Go program cannot block
//	actions  sigaction's fields and Go's Notify, Ignore, Reset, Stop, Ignored
//
// The C original, written out from the article's text and corrected, is
// c/sigaction.c; it also shows sa_mask, SA_NODEFER, SA_RESETHAND,
// SA_RESTART and SA_NOCLDSTOP at work, each with and without the flag.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 05-sigaction [-part NAME] [-block SIGS]

  -part all      every part below, in order (default)
  -part sets     sigemptyset, sigaddset, sigismember, sigdelset, sigfillset
  -part mask     block signals on one thread, send them, see them pending, unblock
  -part process  a signal for the whole process: what a Go program cannot block
  -part actions  sigaction's fields and Go's Notify, Ignore, Reset, Stop, Ignored
  -block SIGS    the signals the mask part blocks, by name or number, comma-separated,
                 1 to 31 but not SIGKILL or SIGSTOP (default SIGINT,SIGQUIT)
`

func main() {
	// Go cannot fork, so a child's part is this same program started
	// again in a named role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"sleeper":   sleeper,
		"inheritor": inheritor,
	})

	fs := flag.NewFlagSet("05-sigaction", flag.ContinueOnError)
	part := fs.String("part", "all", "all, sets, mask, process or actions")
	blockList := fs.String("block", "SIGINT,SIGQUIT", "the signals the mask part blocks")
	say.Parse(fs, os.Args[1:], usage, 0, 0)
	switch *part {
	case "all", "sets", "mask", "process", "actions":
	default:
		say.Usage(usage, "-part must be all, sets, mask, process or actions, not %q", *part)
	}
	block := parseBlock(*blockList)

	p := say.New("parent")
	// What this process inherited ignored (nohup ignores SIGHUP): the
	// parts below leave those as they found them.
	startIgn = self(p).SigIgn
	all := *part == "all"
	if all || *part == "sets" {
		sets(p)
	}
	if all || *part == "mask" {
		mask(p, block)
	}
	if all || *part == "process" {
		processWide(p)
		stoppedChild(p)
	}
	if all || *part == "actions" {
		runtimeAction(p)
		ignoreReset(p)
		inherited(p)
	}

	step("what this process still holds")
	st := self(p)
	p.Kernel("SigIgn: %s (a signal left ignored would be inherited by every program started later)", st.SigIgn)
	p.Kernel("open descriptors: %s", peek.FDSummary())
}

// parseBlock reads the -block list.
func parseBlock(list string) sigset.Set {
	var set sigset.Set
	for _, name := range strings.Split(list, ",") {
		sig, err := sigset.ParseSignal(strings.TrimSpace(name))
		if err != nil {
			say.Usage(usage, "-block: %v", err)
		}
		switch {
		case sig == unix.SIGKILL || sig == unix.SIGSTOP:
			say.Usage(usage, "-block: %s can never be blocked (the kernel drops it from any mask; -part mask shows that)", sigset.Name(sig))
		case sig > 31:
			say.Usage(usage, "-block: %s is a real-time signal; the Go runtime uses some of them, use 1 to 31", sigset.Name(sig))
		}
		set.Add(sig) //nolint:errcheck // ParseSignal gave a valid signal
	}
	return set
}

var (
	steps    int
	startIgn sigset.Set // SigIgn when the program started
)

// step prints the next step header; the numbers follow the parts shown.
func step(title string) {
	steps++
	say.Step(steps, title)
}

// sets is the first part of sigaction.c: the five set functions.
func sets(p *say.Speaker) {
	step("signal sets: sigemptyset, sigaddset, sigismember, sigdelset, sigfillset")
	// sigset_t set; sigemptyset(&set);
	var set sigset.Set
	set.Empty()
	p.Printf("sigemptyset(&set): %s, %s", set, set.Hex())
	// sigaddset(&set, SIGINT); sigaddset(&set, SIGQUIT);
	for _, sig := range []syscall.Signal{unix.SIGINT, unix.SIGQUIT} {
		if err := set.Add(sig); err != nil {
			p.Fatal(syserr.Wrap("sigaddset", err, nil))
		}
	}
	p.Printf("sigaddset SIGINT, SIGQUIT: %s, %s: bit n-1 stands for signal n", set, set.Hex())
	// sigismember(&set, SIGINT)
	p.Printf("sigismember SIGINT: %v, SIGTERM: %v", set.IsMember(unix.SIGINT), set.IsMember(unix.SIGTERM))
	// sigdelset(&set, SIGINT)
	if err := set.Del(unix.SIGINT); err != nil {
		p.Fatal(syserr.Wrap("sigdelset", err, nil))
	}
	p.Printf("sigdelset SIGINT: %s, %s", set, set.Hex())
	// sigfillset(&set)
	set.Fill()
	p.Printf("sigfillset: %s, %s", set, set.Hex())
	err := set.Add(65)
	p.Printf("%v", syserr.Wrap("sigaddset(&set, 65)", err, syserr.Meanings{
		unix.EINVAL: "Linux has signals 1 to 64 only",
	}))
	p.GoNote("sigset.Set is the kernel's 64-bit mask, the hex that /proc prints. glibc's sigset_t\n" +
		"is 1024 bits, and its sigfillset() leaves out 32 and 33, which glibc keeps for its threads.")
}

// mask is the heart of sigaction.c: block the set, raise its signals,
// see them pending, unblock, see them delivered.
func mask(p *say.Speaker, block sigset.Set) {
	step("block, pending, delivered: sigprocmask and sigpending on one thread (sigaction.c)")
	// sigaction(SIGINT, &action, NULL) and so on: in Go, Notify. It comes
	// first, so that the signals, once unblocked, reach the channel and
	// not their default action.
	var sigs []os.Signal
	for _, s := range block.Signals() {
		sigs = append(sigs, s)
	}
	c := make(chan os.Signal, len(sigs))
	signal.Notify(c, sigs...)
	defer signal.Stop(c)

	// A mask belongs to a thread, and a goroutine moves between threads.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	p.GoNote("a signal mask belongs to one thread, and the Go scheduler moves goroutines between\n"+
		"threads: runtime.LockOSThread() keeps this goroutine on thread tid %d until we unlock.", tid)
	threadView(p, tid)

	// sigprocmask(SIG_BLOCK, &set, NULL)
	old, err := sigset.SetThreadMask(unix.SIG_BLOCK, block)
	if err != nil {
		p.Fatal(syserr.Wrap("pthread_sigmask(SIG_BLOCK)", err, nil))
	}
	// Restore the mask before the thread is unlocked: another goroutine
	// would inherit a thread that blocks signals.
	defer sigset.SetThreadMask(unix.SIG_SETMASK, old) //nolint:errcheck
	p.Printf("pthread_sigmask(SIG_BLOCK, {%s}): blocked on this thread", block)
	threadView(p, tid)

	// raise(sig) for each: tgkill, a signal to this thread.
	for _, s := range block.Signals() {
		if err := unix.Tgkill(os.Getpid(), tid, s); err != nil {
			p.Fatal(syserr.Wrap("tgkill", err, nil))
		}
	}
	p.Printf("tgkill(getpid(), tid %d, sig) for each, which is raise(sig): nothing happens yet", tid)
	// sigpending(&pendset)
	pend, err := sigset.Pending()
	if err != nil {
		p.Fatal(syserr.Wrap("sigpending", err, nil))
	}
	p.Printf("sigpending: %s", pend)
	threadView(p, tid)
	select {
	case s := <-c:
		p.Fatal(fmt.Errorf("%v reached the channel while blocked", s))
	default:
		p.Printf("the channel is empty: a blocked signal waits in the kernel")
	}

	// sigprocmask(SIG_UNBLOCK, &set, NULL)
	if _, err := sigset.SetThreadMask(unix.SIG_UNBLOCK, block); err != nil {
		p.Fatal(syserr.Wrap("pthread_sigmask(SIG_UNBLOCK)", err, nil))
	}
	p.Printf("pthread_sigmask(SIG_UNBLOCK): the kernel delivers them to this thread at once")
	var got sigset.Set
	for range sigs {
		got.Add((<-c).(syscall.Signal)) //nolint:errcheck // a valid signal
	}
	p.Printf("received from the channel: %s", got)
	threadView(p, tid)
	p.GoNote("sigprocmask() is for single-threaded programs; with threads it is pthread_sigmask(),\n" +
		"which is what unix.PthreadSigmask calls (rt_sigprocmask, for the calling thread only).")

	// sigfillset(&all); sigprocmask(SIG_SETMASK, &all, NULL)
	var all sigset.Set
	all.Fill()
	if _, err := sigset.SetThreadMask(unix.SIG_SETMASK, all); err != nil {
		p.Fatal(syserr.Wrap("pthread_sigmask(SIG_SETMASK)", err, nil))
	}
	st, err := sigset.Thread(tid)
	if _, err := sigset.SetThreadMask(unix.SIG_SETMASK, old); err != nil {
		p.Fatal(syserr.Wrap("pthread_sigmask(SIG_SETMASK)", err, nil))
	}
	if err != nil {
		p.Fatal(err)
	}
	p.Printf("pthread_sigmask(SIG_SETMASK, sigfillset), then the old mask back:")
	p.Kernel("SigBlk was %s: the kernel never lets SIGKILL or SIGSTOP be blocked", st.SigBlk)
}

// threadView prints the kernel's view of one thread's signals.
func threadView(p *say.Speaker, tid int) {
	st, err := sigset.Thread(tid)
	if err != nil {
		p.Fatal(err)
	}
	p.Kernel("thread tid %d: SigBlk %s, SigPnd %s; process: ShdPnd %s", tid, st.SigBlk, st.SigPnd, st.ShdPnd)
}

func self(p *say.Speaker) sigset.Status {
	st, err := sigset.Self()
	if err != nil {
		p.Fatal(err)
	}
	return st
}

// processWide sends a signal to the whole process while one thread
// blocks it: another thread takes it.
func processWide(p *say.Speaker) {
	step("a signal for the whole process: another thread takes it")
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	defer signal.Stop(c)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	old, err := sigset.SetThreadMask(unix.SIG_BLOCK, sigset.Of(unix.SIGUSR1))
	if err != nil {
		p.Fatal(syserr.Wrap("pthread_sigmask(SIG_BLOCK)", err, nil))
	}
	defer sigset.SetThreadMask(unix.SIG_SETMASK, old) //nolint:errcheck
	p.Printf("pthread_sigmask(SIG_BLOCK, {SIGUSR1}) on thread tid %d", tid)

	// kill(getpid(), SIGUSR1): for the process, not for a thread.
	if err := unix.Kill(os.Getpid(), unix.SIGUSR1); err != nil {
		p.Fatal(syserr.Wrap("kill(getpid(), SIGUSR1)", err, nil))
	}
	p.Printf("kill(getpid(), SIGUSR1)")
	p.Printf("received %s from the channel, although thread tid %d blocks it", sigset.Name((<-c).(syscall.Signal)), tid)
	threadView(p, tid)
	p.GoNote("in single-threaded C, sigprocmask() blocks a signal for the whole process, and\n" +
		"kill() leaves it pending in ShdPnd until it is unblocked (c/sigaction.c shows it).\n" +
		"A Go program always has other threads that do not block it, and the kernel hands\n" +
		"a process-wide signal to any thread that will take it: Go cannot block a signal\n" +
		"for the whole process. What a thread can block is what is sent to that thread.")
}

// stoppedChild shows ShdPnd: a stopped process takes no signal, so one
// sent to it waits, pending for the whole process.
func stoppedChild(p *say.Speaker) {
	step("ShdPnd: a process-wide signal waits while no thread can take it")
	c := child.Command("sleeper")
	if err := c.Start(); err != nil {
		p.Fatal(syserr.Wrap("start child", err, nil))
	}
	if _, err := c.WaitReady(); err != nil {
		p.Fatal(err)
	}
	pid := c.Process.Pid
	send(p, pid, unix.SIGSTOP)
	// waitpid(pid, &status, WUNTRACED): returns once it has stopped.
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			p.Fatal(syserr.Wrap("waitpid(WUNTRACED)", err, nil))
		}
		break
	}
	p.Printf("waitpid(WUNTRACED): child %d %s", pid, child.DescribeStatus(syscall.WaitStatus(ws)))
	send(p, pid, unix.SIGUSR1)
	st, err := sigset.Process(pid)
	if err != nil {
		p.Fatal(err)
	}
	p.Kernel("child %d: ShdPnd %s, SigPnd %s: no thread of a stopped process takes a signal,\n"+
		"so it waits, pending for the whole process", pid, st.ShdPnd, st.SigPnd)
	send(p, pid, unix.SIGCONT)
	c.Wait() //nolint:errcheck // the status is what we report
	p.Printf("waitpid: child %d %s", pid, child.Describe(c.ProcessState))
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

// runtimeAction reads back the struct sigaction the Go runtime installed,
// and maps each field to what Go offers.
func runtimeAction(p *say.Speaker) {
	step("struct sigaction as the Go runtime fills it, and what Go offers for each field")
	// sigaction(SIGUSR1, NULL, &oact)
	a, err := sigset.Sigaction(unix.SIGUSR1, nil)
	if err != nil {
		p.Fatal(syserr.Wrap("sigaction(SIGUSR1, NULL, &oact)", err, nil))
	}
	p.Printf("sigaction(SIGUSR1, NULL, &oact), before any Notify:")
	p.Kernel("sa_handler: %s (the runtime's, for nearly every signal)", a.Disposition())
	p.Kernel("sa_flags: %s", sigset.FlagNames(a.Flags&^sigset.SA_RESTORER))
	classic := sigset.Set(1<<31 - 1)
	if (a.Mask|sigset.Of(unix.SIGKILL, unix.SIGSTOP))&classic == classic {
		p.Kernel("sa_mask: every signal a mask can hold: the handler runs with all of them blocked")
	} else {
		p.Kernel("sa_mask: %s", a.Mask)
	}
	p.Printf("sa_handler      Notify(c, sig): the runtime's handler forwards the signal to the channel;\n" +
		"                your code runs in an ordinary goroutine, free of async-signal-safety rules")
	p.Printf("sa_mask         nothing to set: the runtime's handler blocks everything, and a goroutine\n" +
		"                receives one signal at a time")
	p.Printf("SA_RESTART      always set; the os package retries EINTR too. msgrcv, semop and pause are\n" +
		"                never restarted (signal(7)): retry them on EINTR (07-msgqueue)")
	p.Printf("SA_RESETHAND    receive once, then signal.Reset(sig)")
	p.Printf("SA_NODEFER      nothing: a goroutine never runs inside itself")
	p.Printf("SA_NOCLDSTOP    nothing: Notify(c, SIGCHLD) delivers stops and exits alike")
	p.GoNote("c/sigaction.c shows sa_mask, SA_NODEFER, SA_RESETHAND, SA_RESTART and SA_NOCLDSTOP\n" +
		"in C, each with and without the flag.")
}

// ignoreReset is SIG_IGN and SIG_DFL in Go, and the trap between them.
func ignoreReset(p *say.Speaker) {
	step("Ignore, Reset, Stop, Ignored: SIG_IGN and back, seen in SigIgn and SigCgt")
	view := func() {
		st := self(p)
		p.Kernel("SigIgn %s; SigCgt %s SIGUSR2; signal.Ignored(SIGUSR2) = %v",
			st.SigIgn, hasOrLacks(st.SigCgt, unix.SIGUSR2), signal.Ignored(unix.SIGUSR2))
	}
	view()
	// signal(SIGUSR2, SIG_IGN)
	signal.Ignore(unix.SIGUSR2)
	p.Printf("signal.Ignore(SIGUSR2), which is sigaction(SIGUSR2, SIG_IGN):")
	view()
	// signal(SIGUSR2, SIG_DFL): in Go, Reset. It does not undo Ignore.
	signal.Reset(unix.SIGUSR2)
	p.Printf("signal.Reset(SIGUSR2), meant to restore the default:")
	view()
	if self(p).SigIgn.IsMember(unix.SIGUSR2) {
		p.Warnf("still ignored: Reset does not undo Ignore (golang/go#46321)")
	}
	// The workaround: Notify installs the runtime's handler again, Stop
	// leaves it there.
	unignore(unix.SIGUSR2)
	p.Printf("signal.Notify(c, SIGUSR2) then signal.Stop(c), the workaround:")
	view()
}

// unignore undoes signal.Ignore: Notify reinstalls the runtime's handler
// (and clears its "ignored" mark), Stop keeps that handler.
func unignore(sigs ...os.Signal) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	signal.Stop(c)
}

func names(sigs []os.Signal) string {
	var b []string
	for _, s := range sigs {
		b = append(b, sigset.Name(s.(syscall.Signal)))
	}
	return strings.Join(b, " and ")
}

func hasOrLacks(s sigset.Set, sig syscall.Signal) string {
	if s.IsMember(sig) {
		return "has"
	}
	return "lacks"
}

// inherited shows that SIG_IGN survives exec, in a Go child and in a C
// program.
func inherited(p *say.Speaker) {
	step("ignored signals are inherited across exec")
	if startIgn != 0 {
		p.Kernel("SigIgn when I started: %s, inherited from whoever started me", startIgn)
	}
	signal.Ignore(unix.SIGHUP, unix.SIGUSR2)
	p.Printf("signal.Ignore(SIGHUP, SIGUSR2); my SigIgn: %s", self(p).SigIgn)
	c := child.Command("inheritor")
	if err := c.Run(); err != nil {
		p.Fatal(syserr.Wrap("run child", err, nil))
	}
	// A C program reads its own status: cat /proc/self/status.
	out, err := exec.Command("cat", "/proc/self/status").Output()
	if err != nil {
		p.Fatal(syserr.Wrap("cat /proc/self/status", err, nil))
	}
	st, err := sigset.ParseStatus(out)
	if err != nil {
		p.Fatal(err)
	}
	p.Printf("cat, a C program started now, reads its own /proc/self/status:")
	p.Kernel("SigIgn of cat: %s", st.SigIgn)
	p.GoNote("exec resets caught signals to SIG_DFL (the handler's code is gone) but keeps SIG_IGN:\n" +
		"that is how nohup works. A Go child keeps an inherited SIG_IGN only for SIGHUP and\n" +
		"SIGINT; for the others its runtime installs its handler again (SIGUSR2 above).")
	// Undo only what this step did: a signal ignored since the start
	// stays ignored.
	var undo []os.Signal
	for _, s := range []syscall.Signal{unix.SIGHUP, unix.SIGUSR2} {
		if !startIgn.IsMember(s) {
			undo = append(undo, s)
		}
	}
	if len(undo) == 0 {
		return
	}
	unignore(undo...)
	p.Printf("signal.Notify then signal.Stop, the workaround of the last step, for %s:", names(undo))
	p.Kernel("my SigIgn: %s; signal.Ignored(SIGHUP) = %v", self(p).SigIgn, signal.Ignored(unix.SIGHUP))
	if self(p).SigIgn.IsMember(unix.SIGHUP) && !startIgn.IsMember(unix.SIGHUP) {
		p.Warnf("SIGHUP is still ignored, though signal.Ignored says false: for SIGHUP and SIGINT,\n" +
			"Stop puts back the disposition Notify found, and Notify found SIG_IGN")
		// sigaction(SIGHUP, SIG_DFL): safe here, because after Stop the
		// runtime has no handler of its own installed for SIGHUP.
		if _, err := sigset.Sigaction(unix.SIGHUP, &sigset.Action{Handler: sigset.SIG_DFL}); err != nil {
			p.Fatal(syserr.Wrap("sigaction(SIGHUP, SIG_DFL)", err, nil))
		}
		p.Printf("sigaction(SIGHUP, SIG_DFL) with the raw system call:")
		p.Kernel("my SigIgn: %s", self(p).SigIgn)
	}
}

// inheritor reports what it inherited.
func inheritor(args []string) {
	me := say.New("child")
	st, err := sigset.Self()
	if err != nil {
		me.Fatal(err)
	}
	me.Kernel("my SigIgn: %s", st.SigIgn)
	me.Printf("signal.Ignored(SIGHUP) = %v, signal.Ignored(SIGUSR2) = %v",
		signal.Ignored(unix.SIGHUP), signal.Ignored(unix.SIGUSR2))
}

// send is kill(pid, sig).
func send(p *say.Speaker, pid int, sig syscall.Signal) {
	p.Printf("kill(child %d, %s)", pid, sigset.Name(sig))
	if err := unix.Kill(pid, sig); err != nil {
		p.Fatal(syserr.Wrap("kill", err, syserr.Meanings{unix.ESRCH: "no such process"}))
	}
}
