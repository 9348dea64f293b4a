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
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

// mySignal is mysignal.c's main.
func mySignal(me *say.Speaker) {
	step("signal(): catch SIGINT (Ctrl-C) and SIGQUIT (Ctrl-\\) (mysignal.c)")
	// This step handles SIGINT itself: common/cleanup lets go of it until
	// the step ends (SIGTERM, SIGHUP and a closed stdout still end the
	// program through it).
	cleanup.Uncatch(unix.SIGINT)
	// if (signal(SIGINT, my_func) == SIG_ERR || signal(SIGQUIT, my_func) == SIG_ERR) {
	// A Notify channel stands in for the handler my_func.
	c := make(chan os.Signal, 2)
	signal.Notify(c, unix.SIGINT, unix.SIGQUIT)
	// printf("I have get SIGINT\n"), the classic mysignal.c's words
	report := func(s os.Signal) {
		me.Printf("%q (the classic mysignal.c's words)", "I have get "+sigset.Name(s.(syscall.Signal)))
	}
	// if (isatty(0)) {
	if isTerminal(0) {
		me.Printf("waiting for SIGINT and SIGQUIT: press Ctrl-C, then Ctrl-\\")
		seen := map[os.Signal]bool{}
		for len(seen) < 2 {
			s := <-c
			seen[s] = true
			report(s)
		}
	} else {
		me.Printf("standard input is not a terminal, so nobody can press Ctrl-C: I send SIGINT and\n" +
			"SIGQUIT to myself, one at a time")
		// raise(SIGINT);  /* blocked: stays pending */
		// raise(SIGQUIT);
		// kill(getpid(), sig) stands in for raise, one signal at a time: a Go
		// channel receives what the C's handler would have flagged.
		for _, s := range []syscall.Signal{unix.SIGINT, unix.SIGQUIT} {
			if err := unix.Kill(os.Getpid(), s); err != nil {
				me.Fatal(syserr.Wrap("kill(getpid())", err, nil))
			}
			for got := (<-c).(syscall.Signal); ; got = (<-c).(syscall.Signal) {
				if got == s {
					report(got)
					break
				}
				fromOutside(got)
			}
		}
		select { // one more, after mine: a Ctrl-C
		case got := <-c:
			fromOutside(got.(syscall.Signal))
		default:
		}
	}
	// signal(SIGINT, SIG_DFL); signal(SIGQUIT, SIG_DFL);
	signal.Reset(unix.SIGINT, unix.SIGQUIT)
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
