//go:build linux && (amd64 || arm64)

// Reference solution of exercise 02-spawn (see ../README.md): popen
// without a shell, in both directions. The command gets a pipe as its
// standard input and one as its standard output; the program feeds the
// first and reads the second at the same time, then reports the wait
// status as pclose(3) returns it.
//
//	spawn CMD [ARG...]
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec" // mutant through-shell: "os/exec"\n	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: spawn CMD [ARG...]")
		os.Exit(2)
	}
	// No shell: the words are the command's argv as they are.
	cmd := exec.Command(os.Args[1], os.Args[2:]...) // mutant through-shell: cmd := exec.Command("/bin/sh", "-c", strings.Join(os.Args[1:], " "))
	cmd.Stderr = os.Stderr
	// pipe() twice; after Start, the command's ends are closed here
	// (StdinPipe and StdoutPipe do both).
	in, err := cmd.StdinPipe()
	check(err)
	out, err := cmd.StdoutPipe()
	check(err)
	if err := cmd.Start(); err != nil {
		// The shell says "not found" and exits 127; so does this program.
		fmt.Fprintln(os.Stderr, "spawn:", err)
		os.Exit(127)
	}
	// Feed and read at the same time: either alone blocks for ever once
	// both pipes are full.
	go func() { // mutant all-input-written-before-any: func() {\n		io.Copy(in, os.Stdin)
		io.Copy(in, os.Stdin) // EPIPE if the command stops reading // mutant all-input-written-before-any: -
		in.Close()            // end of file for the command // mutant command-s-input-never-closed: -
	}()
	_, err = io.Copy(os.Stdout, out)
	check(err)
	err = cmd.Wait() // waitpid: the command's status, and no zombie
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		check(err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	// pclose returns the raw wait status: exit status << 8, or the signal.
	fmt.Fprintf(os.Stderr, "pclose: %d\n", uint32(ws)) // mutant exit-code-wait-status: fmt.Fprintf(os.Stderr, "pclose: %d\\n", ws.ExitStatus())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "spawn:", err)
		os.Exit(1)
	}
}
