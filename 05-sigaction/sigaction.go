//go:build linux && (amd64 || arm64)

// sigaction.go is the Go port of c/sigaction.c: the five set functions,
// then the article's program (block a set, raise its signals, see them
// pending, unblock, see them delivered), then the fields of struct
// sigaction as the Go runtime fills them. c/sigaction.c also runs each
// sa_flags bit with and without it; Go has no handler of its own to run
// them on, so runtimeAction quotes those parts and says what Go offers for
// each instead.
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
	// c/sigaction.c's show() and showlines() format a set as names:
	// if (sigismember(set, sig) == 1)
	// n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? " " : "", names[sig]);
	// rt += sigismember(set, sig) == 1;
	// n += snprintf(buf + n, n < size ? size - n : 0, "%s%d real-time signals", n ? " and " : "", rt);
	// snprintf(buf, size, "none");
	// printf("main %d: %s:\n", getpid(), what);
	// for (sig = 1; sig < 32; sig++) { if (sigismember(set, sig) == 1)
	// n += snprintf(line + n, sizeof line - n, " %s", names[sig]);
	// printf("main %d: %s\n", getpid(), line);
	// } for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++) rt += sigismember(set, sig) == 1;
	// printf("main %d: and %d real-time signals\n", getpid(), rt);
	// not ported: sigset.Set's String method stands in ("all 64" for a
	// full set, the hex beside it).

	// printf("\n-- signal sets\n"); sigemptyset(&set);
	step("signal sets: sigemptyset, sigaddset, sigismember, sigdelset, sigfillset")
	var set sigset.Set
	set.Empty()
	// printf("main %d: sigemptyset: %s\n", getpid(), show(&set, buf, sizeof buf));
	me.Printf("sigemptyset(&set): %s, %s", set, set.Hex())
	// sigaddset(&set, SIGINT);
	if err := set.Add(unix.SIGINT); err != nil {
		me.Fatal(syserr.Wrap("sigaddset", err, nil))
	}
	// sigaddset(&set, SIGQUIT);
	if err := set.Add(unix.SIGQUIT); err != nil {
		me.Fatal(syserr.Wrap("sigaddset", err, nil))
	}
	// printf("main %d: sigaddset SIGINT, SIGQUIT: %s\n", getpid(), show(&set, buf, sizeof buf));
	me.Printf("sigaddset SIGINT, SIGQUIT: %s, %s", set, set.Hex())
	me.Printf("(in the hex, bit n-1 stands for signal n)")
	// printf("main %d: sigismember SIGINT: %d, SIGTERM: %d\n", getpid(), sigismember(&set, SIGINT), sigismember(&set, SIGTERM));
	me.Printf("sigismember SIGINT: %v, SIGTERM: %v", set.IsMember(unix.SIGINT), set.IsMember(unix.SIGTERM))
	// sigdelset(&set, SIGINT);
	if err := set.Del(unix.SIGINT); err != nil {
		me.Fatal(syserr.Wrap("sigdelset", err, nil))
	}
	// printf("main %d: sigdelset SIGINT: %s\n", getpid(), show(&set, buf, sizeof buf));
	me.Printf("sigdelset SIGINT: %s, %s", set, set.Hex())
	// sigfillset(&set);
	set.Fill()
	// showlines("sigfillset", &set);
	me.Printf("sigfillset: %s, %s", set, set.Hex())
	// if (sigaddset(&set, 65) < 0)
	err := set.Add(65)
	// printf("main %d: sigaddset(65) failed: %s\n", getpid(), strerror(errno));
	me.Printf("%v", syserr.Wrap("sigaddset(&set, 65)", err, nil))
	if syserr.Errno(err) == unix.EINVAL {
		me.Printf("Linux has signals 1 to 64 only")
	}
	me.GoNote("sigset.Set is the kernel's 64-bit mask, the hex that /proc prints. glibc's\n" +
		"sigset_t is 1024 bits, and its sigfillset() leaves out 32 and 33, which\n" +
		"glibc keeps for its threads.")
}

// notBlockable says why the mask part cannot show sig, or "". Each reason
// is printed after "-block: SIGNAME" in a usage message.
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
	// c/sigaction.c's printlog() prints what the handlers noted, and
	// install() is sigaction() with a cleared struct:
	// for (line = strtok_r(eventlog, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) printf("main %d: %s\n", getpid(), line);
	// memset(&sa, 0, sizeof sa); /* sa_flags and sa_mask must not be garbage */
	// sigemptyset(&sa.sa_mask);
	// if (sigaction(sig, &sa, NULL) < 0) {
	// perror("sigaction"); exit(1);
	// not ported: signal.Notify, below, stands in for install(), and the
	// channel for the handlers' log.

	// printf("\n-- sigprocmask, sigpending, sigaction (the article's sigaction.c)\n");
	step("block, pending, delivered: sigprocmask and sigpending on one thread (sigaction.c)")
	// sigemptyset(&set); sigaddset(&set, SIGQUIT); sigaddset(&set, SIGINT);
	// The set is -block (SIGINT,SIGQUIT unless told otherwise). The
	// signals that also end this program (Ctrl-C is SIGINT) are taken
	// from the pending set with sigtimedwait, below; the others are
	// delivered when unblocked, to a channel.
	var ends, rest sigset.Set
	for _, s := range block.Signals() {
		if cleanup.IsEnding(s) {
			_ = ends.Add(s) // a valid signal
		} else {
			_ = rest.Add(s) // a valid signal
		}
	}

	// A mask belongs to a thread, and a goroutine moves between threads.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	me.GoNote("a signal mask belongs to one thread, and the Go scheduler moves goroutines\n" +
		"between threads: runtime.LockOSThread() keeps this goroutine on its thread\n" +
		"until we unlock.")
	threadView(me, tid)

	// if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) { perror("sigprocmask"); exit(1);
	old, err := sigset.SetThreadMask(unix.SIG_BLOCK, block)
	if err != nil {
		me.Fatal(syserr.Wrap("pthread_sigmask(SIG_BLOCK)", err, nil))
	}
	// Restore the mask before the thread is unlocked: another goroutine
	// would inherit a thread that blocks signals.
	defer sigset.SetThreadMask(unix.SIG_SETMASK, old)
	// printf("main %d: sigprocmask(SIG_BLOCK, {SIGINT, SIGQUIT}): blocked\n", getpid());
	me.Printf("pthread_sigmask(SIG_BLOCK, {%s}): blocked on this thread", block)
	// statusline("SigBlk");
	threadView(me, tid)

	raiseBlocked(me, block, tid)

	// install(SIGINT, my_func, 0, NULL); install(SIGQUIT, my_func, 0, NULL);
	// In Go, Notify: installed while the signals are blocked, so that,
	// once unblocked, they reach the channel and not their default action.
	var sigs []os.Signal
	for _, s := range rest.Signals() {
		sigs = append(sigs, s)
	}
	c := make(chan os.Signal, len(sigs)+1)
	if len(sigs) > 0 {
		signal.Notify(c, sigs...)
		// printf("main %d: sigaction(SIGINT), sigaction(SIGQUIT): handlers installed\n", getpid());
		me.Printf("signal.Notify(c, %s): installed while the signals are blocked", rest)
	}
	select {
	case s := <-c: // not one of mine: they are blocked on this thread
		me.Warnf("%s came from outside while this thread blocked it:", sigset.Name(s.(syscall.Signal)))
		me.Warnf("another thread took it (-part process shows why)")
	default:
		me.Printf("the channel is empty: a blocked signal waits in the kernel")
	}

	if ends != 0 {
		takeOwn(me, ends)
	}

	deliver(me, c, block, rest, tid)
	fillMask(me, tid, old)
}

// deliver is the end of sigaction.c's pending(): unblock, and the
// signals left pending are delivered, here to the channel c.
func deliver(me *say.Speaker, c chan os.Signal, block, rest sigset.Set, tid int) {
	// if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) { perror("sigprocmask"); exit(1);
	if _, err := sigset.SetThreadMask(unix.SIG_UNBLOCK, block); err != nil {
		me.Fatal(syserr.Wrap("pthread_sigmask(SIG_UNBLOCK)", err, nil))
	}
	// printf("main %d: sigprocmask(SIG_UNBLOCK): both are delivered before it returns:\n", getpid());
	if rest == 0 {
		me.Printf("pthread_sigmask(SIG_UNBLOCK): nothing is left pending to deliver")
	} else {
		me.Printf("pthread_sigmask(SIG_UNBLOCK): the kernel delivers the rest to this thread at once")
		// printlog();
		var got sigset.Set
		for got != rest {
			_ = got.Add((<-c).(syscall.Signal)) // a valid signal
		}
		me.Printf("received from the channel: %s", got)
	}
	// printlog(); sigpending(&pendset); printf("main %d: sigpending: %s\n", getpid(), show(&pendset, buf, sizeof buf));
	threadView(me, tid)
	// install(SIGINT, SIG_DFL, 0, NULL); install(SIGQUIT, SIG_DFL, 0, NULL);
	signal.Stop(c)
	me.GoNote("sigprocmask() is for single-threaded programs; with threads it is\n" +
		"pthread_sigmask(), which is what unix.PthreadSigmask calls\n" +
		"(rt_sigprocmask, for the calling thread only).")
}

// raiseBlocked sends each blocked signal to this thread and shows it
// pending, not delivered: the middle of sigaction.c's pending().
func raiseBlocked(me *say.Speaker, block sigset.Set, tid int) {
	// raise(SIGINT); /* to this thread */
	// kill(getpid(), SIGQUIT); /* to the whole process */
	// Each goes to this thread, with tgkill, which is what raise() does:
	// another thread of this process, which does not block it, would
	// take a signal sent with kill() (-part process shows that).
	for _, s := range block.Signals() {
		if err := unix.Tgkill(os.Getpid(), tid, s); err != nil {
			me.Fatal(syserr.Wrap("tgkill", err, nil))
		}
	}
	// printf("main %d: raise(SIGINT), kill(getpid(), SIGQUIT): nothing happens yet\n", getpid());
	me.Printf("tgkill(getpid(), gettid(), sig) for each, which is raise(sig): nothing happens yet")
	// sigpending(&pendset);
	pend, err := sigset.Pending()
	if err != nil {
		me.Fatal(syserr.Wrap("sigpending", err, nil))
	}
	// printf("main %d: sigpending: %s\n", getpid(), show(&pendset, buf, sizeof buf));
	me.Printf("sigpending: %s", pend)
	// statusline("SigPnd"); statusline("ShdPnd");
	threadView(me, tid)
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
	me.GoNote("common/cleanup catches %s to end this program. Unblocked, mine would\n"+
		"look exactly like a Ctrl-C from outside: os/signal says neither who sent\n"+
		"a signal nor how many came. sigtimedwait() takes mine off this thread's\n"+
		"pending set, with its siginfo; one from outside goes to another thread\n"+
		"meanwhile and ends the program.", set)
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

// threadView prints the kernel's view of one thread's signals: it stands
// in for sigaction.c's statusline(), which reads /proc/self/status.
func threadView(me *say.Speaker, tid int) {
	// FILE *f = fopen("/proc/self/status", "r");
	// perror("/proc/self/status");
	// exit(1);
	// while (fgets(line, sizeof line, f) != NULL) {
	// if (strncmp(line, key, strlen(key)) != 0 || line[strlen(key)] != ':')
	// v = strtoull(line + strlen(key) + 1, NULL, 16);
	// sigemptyset(&set);
	// sigaddset(&set, sig);
	// printf("main %d: [kernel] %s %016llx = %s\n", getpid(), key, v, show(&set, buf, sizeof buf));
	// fclose(f);
	// sigset.Thread reads /proc/self/task/<tid>/status (this thread's
	// SigBlk and SigPnd, the process's ShdPnd) and decodes the hex.
	st, err := sigset.Thread(tid)
	if err != nil {
		me.Fatal(err)
	}
	me.Kernel("this thread: SigBlk %s, SigPnd %s; ShdPnd %s", st.SigBlk, st.SigPnd, st.ShdPnd)
}

// runtimeAction reads back the struct sigaction the Go runtime installed,
// and maps each field to what Go offers. c/sigaction.c's mask(),
// nodefer(), resethand(), restart() and nocldstop() show them in C, each
// with and without the flag: they are quoted at the row that answers them.
func runtimeAction(me *say.Speaker) {
	step("struct sigaction as the Go runtime fills it, and what Go offers for each field")
	// Not in the C: sigaction(SIGUSR1, NULL, &oact), the runtime's own.
	a, err := sigset.Sigaction(unix.SIGUSR1, nil)
	if err != nil {
		me.Fatal(syserr.Wrap("sigaction(SIGUSR1, NULL, &oact)", err, nil))
	}
	me.Printf("sigaction(SIGUSR1, NULL, &oact), before any Notify:")
	me.Kernel("sa_handler: %s (the runtime's, for nearly every signal)", a.Disposition())
	me.Kernel("sa_flags: %s", sigset.FlagNames(a.Flags&^sigset.SA_RESTORER))
	classic := sigset.Set(1<<31 - 1)
	if (a.Mask|sigset.Of(unix.SIGKILL, unix.SIGSTOP))&classic == classic {
		me.Kernel("sa_mask: every signal a mask can hold, blocked while the handler runs")
	} else {
		me.Kernel("sa_mask: %s", a.Mask)
	}
	// A table: each row is kept under 84 columns (a tag with a 7-digit PID
	// takes 16 of the 100).
	me.Printf("sa_handler      Notify(c, sig): the runtime's handler forwards the signal")
	me.Printf("                to the channel; your code runs in an ordinary goroutine,")
	me.Printf("                free of async-signal-safety rules")

	saMaskRow(me)
	nodeferRow(me)
	resethandRow(me)
	restartRow(me)
	nocldstopRow(me)
	me.GoNote("c/sigaction.c shows sa_mask, SA_NODEFER, SA_RESETHAND, SA_RESTART and\n" +
		"SA_NOCLDSTOP in C, each with and without the flag.")

	// c/sigaction.c's main() picks the parts by argv[1]:
	// int all = strcmp(part, "all") == 0, known = 0;
	// fprintf(stderr, "usage: sigaction [all|sets|pending|mask|nodefer|resethand|restart|nocldstop]\n");
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// if (all || strcmp(part, #name) == 0) { \
	// name(); \ }
	// if (!known) { fprintf(stderr, "usage: sigaction [all|sets|pending|mask|nodefer|resethand|restart|nocldstop]\n");
	// not ported: main.go's -part flag and cmdline.Usage stand in (usage
	// on stderr, exit status 2), and say writes each line at once.
}

// saMaskRow is the sa_mask row, against the C that shows it.
// sa_mask: what else is blocked while the handler runs.
func saMaskRow(me *say.Speaker) {
	// c/sigaction.c's mask() and its handlers on_usr1_mask() and on_usr2():
	// sigprocmask(SIG_BLOCK, NULL, &during);
	// note("SIGUSR1 handler begins; raise(SIGUSR2)\n");
	// raise(SIGUSR2);
	// printf("\n-- sa_mask: signals blocked while the handler runs\n");
	// sigemptyset(&usr2);
	// sigaddset(&usr2, SIGUSR2);
	// printf("main %d: sa_mask = %s; raise(SIGUSR1):\n", getpid(), with ? "{SIGUSR2}" : "{}");
	// raise(SIGUSR1);
	// printf("main %d: mask inside the handler: %s\n", getpid(), show(&during, buf, sizeof buf));
	// not ported: Go runs no handler of its own to block signals in.
	me.Printf("sa_mask         nothing to set: the runtime's handler blocks everything,")
	me.Printf("                and a goroutine receives one signal at a time")
}

// nodeferRow is the SA_NODEFER row, against the C that shows it.
// SA_NODEFER: the signal itself is not blocked in its handler.
func nodeferRow(me *say.Speaker) {
	// c/sigaction.c's nodefer() and its handler on_usr1_again():
	// note(me == 1 ? "SIGUSR1 handler #1 begins; raise(SIGUSR1)\n" : "SIGUSR1 handler #2 runs\n");
	// if (me == 1) { raise(SIGUSR1);
	// printf("\n-- SA_NODEFER (SA_NOMASK): do not block the signal during its own handler\n");
	// printf("main %d: %s; raise(SIGUSR1):\n", getpid(), with ? "SA_NODEFER" : "no flag"); raise(SIGUSR1);
	// not ported: a goroutine that receives a signal never runs inside itself.
	me.Printf("SA_NODEFER      nothing: a goroutine never runs inside itself")
}

// resethandRow is the SA_RESETHAND row, against the C that shows it.
// SA_RESETHAND: the handler runs once, then the default action is back.
func resethandRow(me *say.Speaker) {
	// c/sigaction.c's resethand() and its handler on_usr1_once():
	// sigaction(SIGUSR1, NULL, &now); /* sigaction() is async-signal-safe */
	// printf("\n-- SA_RESETHAND (SA_ONESHOT): back to SIG_DFL as the handler is entered\n");
	// printf("main %d: SA_RESETHAND; raise(SIGUSR1):\n", getpid()); raise(SIGUSR1);
	// sigaction(SIGUSR1, NULL, &old);
	// printf("main %d: sigaction(SIGUSR1, NULL, &old) now says: %s\n", getpid(), old.sa_handler == SIG_DFL ? "SIG_DFL" : "still the handler");
	// if ((pid = fork()) < 0) {
	// perror("fork"); exit(1);
	// if (pid == 0) { raise(SIGUSR1);
	// raise(SIGUSR1); raise(SIGUSR1);
	// _exit(0);
	// if (waitpid(pid, &status, 0) < 0) {
	// perror("waitpid"); exit(1);
	// if (WIFSIGNALED(status))
	// printf("main %d: a child that raised SIGUSR1 twice was killed by signal %d (%s)\n", getpid(), WTERMSIG(status), names[WTERMSIG(status)]);
	// printf("main %d: a child that raised SIGUSR1 twice exited with status %d\n", getpid(), WEXITSTATUS(status));
	// not ported: Go's counterpart is the row below.
	me.Printf("SA_RESETHAND    receive once, then signal.Reset(sig)")
}

// restartRow is the SA_RESTART row, against the C that shows it.
// SA_RESTART: is a system call the handler interrupted restarted?
func restartRow(me *say.Speaker) {
	// c/sigaction.c's restart(), its handler on_usr1_write() and
	// blocked_in_read(), which reads /proc/PID/stat and /proc/PID/wchan:
	// if (write(restartpipe[1], "x", 1) != 1)
	// _exit(1);
	// snprintf(path, sizeof path, "/proc/%d/stat", pid);
	// if ((fd = open(path, O_RDONLY)) < 0)
	// n = read(fd, buf, sizeof buf - 1);
	// close(fd);
	// if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] != 'S')
	// snprintf(path, sizeof path, "/proc/%d/wchan", pid); if ((fd = open(path, O_RDONLY)) < 0) return 1;
	// return 1; n = read(fd, buf, sizeof buf - 1); close(fd);
	// return strstr(buf, "pipe") != NULL || strcmp(buf, "0") == 0;
	// pid_t pid, me = getpid();
	// printf("\n-- SA_RESTART: restart a system call the handler interrupted\n");
	// if (pipe(restartpipe) < 0) {
	// perror("pipe"); exit(1);
	// install(SIGUSR1, on_usr1_write, with ? SA_RESTART : 0, NULL); if ((pid = fork()) < 0) { perror("fork"); exit(1);
	// kill(me, SIGUSR1); _exit(0);
	// n = read(restartpipe[0], &c, 1);
	// printf("main %d: %s: read() interrupted by SIGUSR1 returned -1, errno %s\n", getpid(), with ? "SA_RESTART" : "no flag", errno == EINTR ? "EINTR" : strerror(errno));
	// printf("main %d: %s: read() was restarted after the handler and returned %zd byte\n", getpid(), with ? "SA_RESTART" : "no flag", n);
	// waitpid(pid, &status, 0);
	// close(restartpipe[0]);
	// close(restartpipe[1]);
	// not ported: the runtime always sets SA_RESTART.
	me.Printf("SA_RESTART      always set; the os package retries EINTR too. msgrcv, semop")
	me.Printf("                and pause are never restarted (signal(7)): retry them on")
	me.Printf("                EINTR (07-msgqueue)")
}

// nocldstopRow is the SA_NOCLDSTOP row, against the C that shows it.
// SA_NOCLDSTOP: no SIGCHLD when a child stops.
func nocldstopRow(me *say.Speaker) {
	// c/sigaction.c's nocldstop() and its handler on_chld():
	// printf("\n-- SA_NOCLDSTOP: no SIGCHLD when a child stops, only when it ends\n");
	// sigemptyset(&chld);
	// sigaddset(&chld, SIGCHLD);
	// sigprocmask(SIG_BLOCK, &chld, &old);
	// install(SIGCHLD, on_chld, with ? SA_NOCLDSTOP : 0, NULL); if ((pid = fork()) < 0) { perror("fork"); exit(1);
	// raise(SIGSTOP); _exit(0);
	// waitpid(pid, &status, WUNTRACED); /* returns once the child has stopped */
	// sigpending(&pend);
	// printf("main %d: %s: child stopped by %s; SIGCHLD pending: %s\n", getpid(), with ? "SA_NOCLDSTOP" : "no flag", WIFSTOPPED(status) ? names[WSTOPSIG(status)] : "?", sigismember(&pend, SIGCHLD) ? "yes" : "no");
	// kill(pid, SIGKILL); waitpid(pid, &status, 0);
	// waitpid(pid, &status, 0); sigpending(&pend);
	// printf("main %d: %s: child killed by %s; SIGCHLD pending: %s\n", getpid(), with ? "SA_NOCLDSTOP" : "no flag", WIFSIGNALED(status) ? names[WTERMSIG(status)] : "?", sigismember(&pend, SIGCHLD) ? "yes" : "no");
	// sigprocmask(SIG_UNBLOCK, &chld, NULL);
	// sigprocmask(SIG_BLOCK, &chld, NULL);
	// sigprocmask(SIG_SETMASK, &old, NULL);
	// not ported: Go cannot choose SA_NOCLDSTOP.
	me.Printf("SA_NOCLDSTOP    nothing: Notify(c, SIGCHLD) delivers stops and exits alike")
}

// fillMask blocks every signal for a moment, to show the two the kernel
// refuses, then puts the old mask back. Not in the C.
func fillMask(me *say.Speaker, tid int, old sigset.Set) {
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
