//go:build linux && (amd64 || arm64)

// ignore.go goes beyond the article: SIG_IGN and SIG_DFL in Go
// (signal.Ignore, Reset, Notify and Stop, Ignored), the open upstream bug
// between them, and how an ignored signal is inherited across exec.
package main

import (
	"bytes"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
	"github.com/goipc/ipc-examples/common/syserr"
)

// ignoreReset is SIG_IGN and SIG_DFL in Go, and the trap between them.
func ignoreReset(me *say.Speaker) {
	step("Ignore, Reset, Stop, Ignored: SIG_IGN and back, seen in SigIgn and SigCgt")
	view := func() {
		st := self(me)
		me.Kernel("SigIgn %s; SigCgt %s SIGUSR2; signal.Ignored(SIGUSR2) = %v",
			st.SigIgn, hasOrLacks(st.SigCgt, unix.SIGUSR2), signal.Ignored(unix.SIGUSR2))
	}
	view()
	// signal(SIGUSR2, SIG_IGN)
	signal.Ignore(unix.SIGUSR2)
	me.Printf("signal.Ignore(SIGUSR2), which is sigaction(SIGUSR2, SIG_IGN):")
	view()
	// signal(SIGUSR2, SIG_DFL): in Go, Reset. It does not undo Ignore.
	signal.Reset(unix.SIGUSR2)
	me.Printf("signal.Reset(SIGUSR2), meant to restore the default:")
	view()
	if self(me).SigIgn.IsMember(unix.SIGUSR2) {
		me.Warnf("still ignored: Reset does not undo Ignore (golang/go#46321)")
	}
	// The workaround: Notify installs the runtime's handler again, Stop
	// leaves it there.
	unignore(unix.SIGUSR2)
	me.Printf("signal.Notify(c, SIGUSR2) then signal.Stop(c), the workaround:")
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
func inherited(me *say.Speaker) {
	step("ignored signals are inherited across exec")
	// This step ignores SIGHUP itself, as nohup does: common/cleanup lets
	// go of it until the step ends (Ctrl-C, SIGTERM and a closed stdout
	// still end the program through it). A SIGHUP meanwhile is ignored:
	// that is the lesson.
	cleanup.Uncatch(unix.SIGHUP)
	defer cleanup.Catch("parent")
	if startIgn != 0 {
		me.Kernel("SigIgn when I started: %s, inherited from whoever started me", startIgn)
	}
	signal.Ignore(unix.SIGHUP, unix.SIGUSR2)
	me.Printf("signal.Ignore(SIGHUP, SIGUSR2); my SigIgn: %s", self(me).SigIgn)
	run(me, child.Command("inheritor"), nil)
	// A C program reads its own status: cat /proc/self/status.
	var out bytes.Buffer
	cat, err := exec.LookPath("cat")
	if err != nil {
		me.Fatal(err)
	}
	run(me, child.Program(cat, "/proc/self/status"), &out)
	st, err := sigset.ParseStatus(out.Bytes())
	if err != nil {
		me.Fatal(err)
	}
	me.Printf("cat, a C program started now, reads its own /proc/self/status:")
	me.Kernel("SigIgn of cat: %s", st.SigIgn)
	me.GoNote("exec resets caught signals to SIG_DFL (the handler's code is gone) but\n" +
		"keeps SIG_IGN: that is how nohup works. A C program keeps every one (cat\n" +
		"above). A Go child keeps an inherited SIG_IGN only for SIGHUP and SIGINT;\n" +
		"for the others its runtime installs its handler again (SIGUSR2 above:\n" +
		"caught, not ignored), so a parent's signal.Ignore(SIGTERM) does not\n" +
		"protect a Go child from kill -TERM.")
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
	me.Printf("signal.Notify then signal.Stop,")
	me.Printf("the workaround of the last step, for %s:", names(undo))
	me.Kernel("my SigIgn: %s; signal.Ignored(SIGHUP) = %v", self(me).SigIgn, signal.Ignored(unix.SIGHUP))
	if self(me).SigIgn.IsMember(unix.SIGHUP) && !startIgn.IsMember(unix.SIGHUP) {
		me.Warnf("SIGHUP is still ignored, though signal.Ignored says false: for SIGHUP and SIGINT,\n" +
			"Stop puts back the disposition Notify found, and Notify found SIG_IGN")
		// sigaction(SIGHUP, SIG_DFL): safe here, because after Stop the
		// runtime has no handler of its own installed for SIGHUP.
		if _, err := sigset.Sigaction(unix.SIGHUP, &sigset.Action{Handler: sigset.SIG_DFL}); err != nil {
			me.Fatal(syserr.Wrap("sigaction(SIGHUP, SIG_DFL)", err, nil))
		}
		me.Printf("sigaction(SIGHUP, SIG_DFL) with the raw system call:")
		me.Kernel("my SigIgn: %s", self(me).SigIgn)
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
	me.Kernel("my SigCgt %s SIGHUP, %s SIGUSR2", hasOrLacks(st.SigCgt, unix.SIGHUP), hasOrLacks(st.SigCgt, unix.SIGUSR2))
	me.Printf("signal.Ignored(SIGHUP) = %v, signal.Ignored(SIGUSR2) = %v",
		signal.Ignored(unix.SIGHUP), signal.Ignored(unix.SIGUSR2))
}

// run runs c to its end, its standard output into out if not nil, and
// ends the program if it fails.
func run(me *say.Speaker, c *child.Cmd, out *bytes.Buffer) {
	if out != nil {
		c.Stdout = out
	}
	if err := c.Run(); err != nil {
		if c.ProcessState != nil {
			endedEarly(me, c, c.ProcessState.Sys().(syscall.WaitStatus))
		}
		me.Fatal(syserr.Wrap("run "+c.Role, err, nil))
	}
}
