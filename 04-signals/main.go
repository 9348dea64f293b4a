//go:build linux && (amd64 || arm64)

// 04-signals ports the signal programs of the article "进程间IPC机制"
// (Linux inter-process communication), section 信号机制 (signals): kill.c
// (kill() and raise()), alarm.c (alarm() and pause()) and mysignal.c
// (signal() catching SIGINT and SIGQUIT). Then it finds out, by
// experiment, what each signal's default action does to a C process and to
// a Go process: they differ.
//
// Usage:
//
//	go run ./04-signals [-demo all|kill|raise|alarm|signal|table] [-signal SIG] [-alarm N]
//
// The -demo flag picks one part (default: all of them, in this order):
//
//	kill    a child stops itself and is killed; a child that catches -signal
//	        and one that does not; SIGKILL cannot be caught   (kill.go)
//	raise   a signal to this process itself                    (kill.go)
//	alarm   alarm(N), then wait for SIGALRM (waits N s); then the literal
//	        port, alarm() and unix.Pause(), on two threads     (alarm.go, pause.go)
//	signal  catch SIGINT and SIGQUIT; in a terminal, press Ctrl-C and Ctrl-\  (mysignal.go)
//	table   the default action of each signal, for a C and a Go process  (defaults.go)
//
// The article names these programs without printing them: the C in c/ is
// written from its text (README, errata). The table builds c/kill.c with
// gcc at run time when gcc is there.
package main

import (
	"flag"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
)

const usage = `usage: 04-signals [-demo NAME] [-signal SIG] [-alarm N]

  -demo all     every part below, in order (default)
  -demo kill    kill(): a child stopped and killed; a child that catches -signal
                and one that does not; SIGKILL cannot be caught
  -demo raise   raise(): a signal to this process itself
  -demo alarm   alarm() and pause(): waits N seconds for a real SIGALRM
  -demo signal  signal(): catch SIGINT and SIGQUIT (Ctrl-C and Ctrl-\ in a terminal)
  -demo table   the default action of each signal, for a C and a Go process
  -signal SIG   the signal the kill part sends, by name or number (default SIGTERM)
  -alarm N      the seconds of alarm(N), 1 to 60 (default 1)
`

// The main goroutine stays on the main thread, the one the kernel prefers
// for a signal sent to the process: pause.go shows why that matters.
func init() { runtime.LockOSThread() }

func main() {
	// Go cannot fork, so a child's part is this same program started
	// again in a named role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"stopper": stopper,
		"catcher": catcher,
		"victim":  victim,
	})
	// Ctrl-C, SIGTERM, SIGHUP and a closed stdout remove what this
	// program made (the table's build directory, its children) and end it
	// by that signal.
	cleanup.Catch("parent")

	fs := flag.NewFlagSet("04-signals", flag.ContinueOnError)
	demo := fs.String("demo", "all", "all, kill, raise, alarm, signal or table")
	sigName := fs.String("signal", "SIGTERM", "the signal of the kill part")
	secs := fs.Int("alarm", 1, "seconds for alarm()")
	cmdline.Parse(fs, os.Args[1:], usage, 0, 0)
	parts := map[string]bool{"all": true, "kill": true, "raise": true, "alarm": true, "signal": true, "table": true}
	if !parts[*demo] {
		cmdline.Usage(usage, "-demo must be all, kill, raise, alarm, signal or table, not %q", *demo)
	}
	sig, err := sigset.ParseSignal(*sigName)
	if err != nil {
		cmdline.Usage(usage, "-signal: %v", err)
	}
	switch sig {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		cmdline.Usage(usage, "-signal %s would leave the child stopped, not ended; the kill part shows SIGSTOP itself", sigset.Name(sig))
	}
	if *secs < 1 || *secs > 60 {
		cmdline.Usage(usage, "-alarm must be 1 to 60 seconds, not %d", *secs)
	}

	me := say.New("parent")
	all := *demo == "all"
	if all || *demo == "kill" {
		stopAndKill(me)       // kill.go
		killChildren(me, sig) // kill.go
		cannotCatchKill(me)   // kill.go
	}
	if all || *demo == "raise" {
		raise(me) // kill.go
	}
	if all || *demo == "alarm" {
		alarmPause(me, uint(*secs)) // alarm.go
		literalPause(me)            // pause.go
	}
	if all || *demo == "signal" {
		mySignal(me) // mysignal.go
	}
	if all || *demo == "table" {
		table(me) // defaults.go
	}

	step("what this process still holds")
	st := status(me)
	me.Kernel("SigIgn: %s (a signal left ignored would be inherited by every\n"+
		"program started later)", st.SigIgn)
	me.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}

var steps int

// step prints the next step header; the numbers follow the parts shown.
func step(title string) {
	steps++
	say.Step(steps, title)
}

func status(me *say.Speaker) sigset.Status {
	st, err := sigset.Self()
	if err != nil {
		me.Fatal(err)
	}
	return st
}
