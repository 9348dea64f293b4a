//go:build linux && (amd64 || arm64)

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
//	sets     sigemptyset, sigaddset, sigismember, sigdelset, sigfillset  (sigaction.go)
//	mask     block signals on one thread, send them, see them pending, unblock  (sigaction.go)
//	process  a signal for the whole process: what a Go program cannot block  (process.go)
//	actions  sigaction's fields and Go's Notify, Ignore, Reset, Stop, Ignored  (sigaction.go, ignore.go)
//
// The article names sigaction.c without printing it: c/sigaction.c is
// written from its text, and also shows sa_mask, SA_NODEFER, SA_RESETHAND,
// SA_RESTART and SA_NOCLDSTOP at work, each with and without the flag.
package main

import (
	"flag"
	"os"
	"strings"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
)

const usage = `usage: 05-sigaction [-part NAME] [-block SIGS]

  -part all      every part below, in order (default)
  -part sets     sigemptyset, sigaddset, sigismember, sigdelset, sigfillset
  -part mask     block signals on one thread, send them, see them pending, unblock
  -part process  a signal for the whole process: what a Go program cannot block
  -part actions  sigaction's fields and Go's Notify, Ignore, Reset, Stop, Ignored
  -block SIGS    the signals the mask part blocks, by name or number, comma-separated,
                 1 to 31 but not SIGKILL, SIGSTOP, SIGPROF or SIGURG (default SIGINT,SIGQUIT)
`

func main() {
	// Go cannot fork, so a child's part is this same program started
	// again in a named role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"sleeper":   sleeper,
		"inheritor": inheritor,
	})
	// Ctrl-C, SIGTERM, SIGHUP and a closed stdout end the program (and
	// its children) by that signal, in every step.
	cleanup.Catch("parent")

	fs := flag.NewFlagSet("05-sigaction", flag.ContinueOnError)
	part := fs.String("part", "all", "all, sets, mask, process or actions")
	blockList := fs.String("block", "SIGINT,SIGQUIT", "the signals the mask part blocks")
	cmdline.Parse(fs, os.Args[1:], usage, 0, 0)
	switch *part {
	case "all", "sets", "mask", "process", "actions":
	default:
		cmdline.Usage(usage, "-part must be all, sets, mask, process or actions, not %q", *part)
	}
	block := parseBlock(*blockList)

	me := say.New("parent")
	// What this process inherited ignored (nohup ignores SIGHUP): the
	// parts below leave those as they found them.
	startIgn = self(me).SigIgn
	all := *part == "all"
	if all || *part == "sets" {
		sets(me) // sigaction.go
	}
	if all || *part == "mask" {
		mask(me, block) // sigaction.go
	}
	if all || *part == "process" {
		processWide(me)  // process.go
		stoppedChild(me) // process.go
	}
	if all || *part == "actions" {
		runtimeAction(me) // sigaction.go
		ignoreReset(me)   // ignore.go
		inherited(me)     // ignore.go
	}

	step("what this process still holds")
	st := self(me)
	me.Kernel("SigIgn: %s (a signal left ignored would be inherited by every\n"+
		"program started later)", st.SigIgn)
	me.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}

// parseBlock reads the -block list, refusing what the mask part cannot
// show (notBlockable, in sigaction.go, says why for each).
func parseBlock(list string) sigset.Set {
	var set sigset.Set
	for _, name := range strings.Split(list, ",") {
		sig, err := sigset.ParseSignal(strings.TrimSpace(name))
		if err != nil {
			cmdline.Usage(usage, "-block: %v", err)
		}
		if why := notBlockable(sig); why != "" {
			cmdline.Usage(usage, "-block: %s %s", sigset.Name(sig), why)
		}
		_ = set.Add(sig) // ParseSignal gave a valid signal
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

func self(me *say.Speaker) sigset.Status {
	st, err := sigset.Self()
	if err != nil {
		me.Fatal(err)
	}
	return st
}
