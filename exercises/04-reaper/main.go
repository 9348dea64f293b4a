//go:build linux && (amd64 || arm64)

// Starter of exercise 04-reaper: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: it says ready
// without starting any child. Check it with
//
//	go run ./exercises check 04-reaper
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "child" {
		io.Copy(io.Discard, os.Stdin) // until end of input
		code, _ := strconv.Atoi(os.Args[2])
		os.Exit(code)
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: reaper N")
		os.Exit(2)
	}
	// TODO ask for SIGCHLD and SIGTERM (signal.Notify), before any child exists.
	// TODO fork() N children: exec.Command("/proc/self/exe", "child", "i"),
	//      standard input shared, all in one new process group
	//      (SysProcAttr Setpgid, Pgid: the first child's PID).
	fmt.Println("ready")
	// TODO on SIGCHLD: waitpid(-1, &status, WNOHANG) until it returns 0,
	//      printing "PID exited N" or "PID killed SIG" for each child.
	// TODO on SIGTERM: kill(-pgid, SIGTERM).
	// TODO exit once all N are reaped.
}
