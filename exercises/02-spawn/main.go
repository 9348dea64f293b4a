//go:build linux && (amd64 || arm64)

// Starter of exercise 02-spawn: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: it reads its input
// and runs nothing. Check it with
//
//	go run ./exercises check 02-spawn
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: spawn CMD [ARG...]")
		os.Exit(2)
	}
	// TODO pipe() for the command's input and one for its output, then
	//      fork() and execvp(argv[1], argv+1), no shell: exec.Command(os.Args[1], os.Args[2:]...),
	//      cmd.StdinPipe, cmd.StdoutPipe, cmd.Start. If it cannot start: exit 127.
	// TODO copy standard input into the command and its output to
	//      standard output at the same time; close its input at the end.
	// TODO waitpid(): cmd.Wait; print "pclose: STATUS" on standard error,
	//      STATUS being the raw wait status (cmd.ProcessState.Sys()).
	io.Copy(io.Discard, os.Stdin) // nobody reads it yet
}
