//go:build linux && (amd64 || arm64)

// mysignal.go is the Go port of c/mysignal.c: signal() installs a handler
// for SIGINT (Ctrl-C) and SIGQUIT (Ctrl-\); the program says which arrived,
// then restores the default actions. When standard input is not a
// terminal nobody can press the keys, so it sends both signals to itself.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// mySignal is mysignal.c's main.
func mySignal(me *say.Speaker) {
	step("signal(): catch SIGINT (Ctrl-C) and SIGQUIT (Ctrl-\\) (mysignal.c)")
	// This step handles SIGINT itself: common/cleanup lets go of it until
	// the step ends (SIGTERM, SIGHUP and a closed stdout still end the
	// program through it).
	cleanup.Uncatch(unix.SIGINT)
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line at once, with one write(2).

	// if (signal(SIGINT, my_func) == SIG_ERR || signal(SIGQUIT, my_func) == SIG_ERR) { perror("signal"); exit(1);
	// A Notify channel stands in for the handler my_func; got stands in
	// for its flags got_int and got_quit.
	c := make(chan os.Signal, 2)
	signal.Notify(c, unix.SIGINT, unix.SIGQUIT)
	got := map[os.Signal]bool{}

	// sigemptyset(&both);
	// sigaddset(&both, SIGINT);
	// sigaddset(&both, SIGQUIT);
	// if (sigprocmask(SIG_BLOCK, &both, &old) < 0) { perror("sigprocmask"); exit(1);
	// not ported, not needed: a signal that comes before the receive
	// waits in the channel, so nothing can be missed between a test of
	// the flags and the sleep.

	// if (isatty(0)) {
	if isTerminal(0) {
		// printf("main %d: Waiting for signal SIGINT or SIGQUIT: press Ctrl-C, then Ctrl-\\\n", getpid());
		me.Printf("waiting for SIGINT and SIGQUIT: press Ctrl-C, then Ctrl-\\")
	} else {
		// printf("main %d: standard input is not a terminal: raising SIGINT and SIGQUIT myself\n", getpid());
		me.Printf("standard input is not a terminal, so nobody can press Ctrl-C:")
		me.Printf("I send SIGINT and SIGQUIT to myself, one at a time")
		// raise(SIGINT); /* blocked: stays pending */
		// raise(SIGQUIT);
		// kill(getpid(), sig) stands in for raise. Go cannot keep a signal
		// pending for the process, so each is received before the next is
		// sent: a signal that is not mine is a Ctrl-C from outside.
		for _, s := range []syscall.Signal{unix.SIGINT, unix.SIGQUIT} {
			if err := unix.Kill(os.Getpid(), s); err != nil {
				me.Fatal(syserr.Wrap("kill(getpid())", err, nil))
			}
			for r := (<-c).(syscall.Signal); r != s; r = (<-c).(syscall.Signal) {
				fromOutside(r)
			}
			got[s] = true
		}
		select { // one more, after mine: a Ctrl-C
		case r := <-c:
			fromOutside(r.(syscall.Signal))
		default:
		}
	}
	sayBoth(me, c, got)

	// if (sigaction(SIGINT, NULL, &now) < 0) { perror("sigaction"); exit(1);
	// if (now.sa_handler == my_func) printf("main %d: signal() kept the handler after SIGINT: BSD semantics (glibc's default)\n", getpid());
	// else printf("main %d: signal() put SIGINT back to SIG_DFL when it came: System V semantics (-std=c99)\n", getpid());
	// not ported: Go has no signal() of two kinds; Notify keeps the
	// runtime's handler until Reset or Stop (SigCgt, below, shows it).

	// signal(SIGINT, SIG_DFL); signal(SIGQUIT, SIG_DFL);
	signal.Reset(unix.SIGINT, unix.SIGQUIT)
	// sigprocmask(SIG_SETMASK, &old, NULL);
	// not ported, not needed: nothing was blocked.
	// printf("main %d: default actions restored: Ctrl-C now ends me, Ctrl-\\ ends me with a core dump\n", getpid());
	me.Printf("signal.Reset(SIGINT, SIGQUIT): Go's default actions are back")
	st := status(me)
	cleanup.Catch("parent") // and SIGINT is common/cleanup's again
	if st.SigCgt.IsMember(unix.SIGINT) && st.SigCgt.IsMember(unix.SIGQUIT) {
		me.Kernel("SigCgt still has SIGINT and SIGQUIT: the runtime's own handler, not SIG_DFL")
	} else {
		me.Kernel("SigCgt: %s", st.SigCgt)
	}
	me.GoNote("Go's defaults are its own. SIGINT: the runtime restores SIG_DFL and raises\n" +
		"it again, so the process dies of SIGINT as in C. SIGQUIT: it prints the\n" +
		"stack of every goroutine and exits with status 2, unless GOTRACEBACK=crash\n" +
		"(then it aborts, SIGABRT), where C dies of SIGQUIT with a core dump.")
}

// sayBoth is mysignal.c's loop: it sleeps until SIGINT and SIGQUIT have
// both come and says each once, SIGINT first when both are there.
func sayBoth(me *say.Speaker, c chan os.Signal, got map[os.Signal]bool) {
	// while (!said_int || !said_quit) {
	saidInt, saidQuit := false, false
	for !saidInt || !saidQuit {
		// if (sigsuspend(&old) < 0 && errno != EINTR) { perror("sigsuspend"); exit(1);
		// Receiving from the channel stands in for the sleep, unless both
		// have come already.
		if !got[unix.SIGINT] || !got[unix.SIGQUIT] {
			got[<-c] = true
		}
		// if (got_int && !said_int) {
		if got[unix.SIGINT] && !saidInt {
			// printf("main %d: I have get SIGINT\n", getpid());
			me.Printf("%q (the classic mysignal.c's words)", "I have get SIGINT")
			saidInt = true
		}
		// if (got_quit && !said_quit) {
		if got[unix.SIGQUIT] && !saidQuit {
			// printf("main %d: I have get SIGQUIT\n", getpid());
			me.Printf("%q (the classic mysignal.c's words)", "I have get SIGQUIT")
			saidQuit = true
		}
	}
}

// fromOutside is a signal this step did not send itself: the user's
// Ctrl-C (or Ctrl-\). The program ends as it would: nothing of the demo
// may swallow it. A Ctrl-C that comes at the very moment of the step's own
// SIGINT cannot be told apart from it (the runtime, like the kernel, keeps
// one pending SIGINT, not two), and is taken as that one.
func fromOutside(sig syscall.Signal) {
	cleanup.Die(sig)
}

// isTerminal reports whether fd is a terminal: tcgetattr() succeeds.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
