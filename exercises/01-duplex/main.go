//go:build linux && (amd64 || arm64)

// Starter of exercise 01-duplex: read ../01-duplex/README.md first.
//
// It compiles and runs, but does not do the task yet: it reads its input
// and prints nothing. Check it with
//
//	go run ./exercises check 01-duplex
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		square()
		return
	}
	// TODO pipe(): a pipe for the numbers (parent writes, child reads)
	//      and one for the squares (child writes, parent reads): os.Pipe.
	// TODO fork(): Go has none that is safe; start this program again in
	//      the child role: exec.Command("/proc/self/exe", "child"), the
	//      pipe ends as its Stdin and Stdout, then cmd.Start().
	// TODO close(): the ends that are now the child's.
	// TODO write() the numbers into the first pipe and read() the squares
	//      from the second at the same time (a goroutine), then close()
	//      the numbers pipe when the input ends.
	// TODO waitpid(): cmd.Wait().
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		_ = sc.Text() // a number, which nobody squares yet
	}
}

// square is the child: it reads numbers on its standard input and writes
// their squares, one per line, on its standard output.
func square() {
	// TODO read() each number, write() its square.
	fmt.Fprintln(os.Stderr, "square: not written yet")
}
