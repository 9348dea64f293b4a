//go:build linux && (amd64 || arm64)

// Reference solution of exercise 01-duplex (see ../README.md): a parent
// sends numbers to a child through one pipe, the child sends their squares
// back through another.
//
// Go cannot fork without exec, so the child is this program again, started
// with the argument "child": the pipes are its standard input and output.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv" // mutant go-parent-sleeps-instead-of-reading: "strconv"\n	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		square()
		return
	}
	// pipe(numbers): the parent writes, the child reads.
	numR, numW, err := os.Pipe()
	check(err)
	// pipe(squares): the child writes, the parent reads.
	sqR, sqW, err := os.Pipe()
	check(err)
	cmd := exec.Command("/proc/self/exe", "child")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = numR, sqW, os.Stderr
	check(cmd.Start())
	// The child has its own copies now. Ours must go: while any process
	// holds a write end, the reader of that pipe never sees end of file.
	numR.Close()
	sqW.Close() // mutant go-parent-keeps-copy-child: -

	// Feed and read at the same time: a pipe holds 64 KiB; if the parent
	// wrote everything before reading, the child would block writing
	// squares nobody reads, stop reading, and both would wait forever.
	go func() {
		w := bufio.NewWriter(numW)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Fprintln(w, sc.Text())
		}
		check(w.Flush())
		numW.Close() // end of file for the child
	}()
	_, err = io.Copy(os.Stdout, sqR) // until the child closes its end // mutant go-parent-sleeps-instead-of-reading: time.Sleep(500 * time.Millisecond)\n	sqR.SetReadDeadline(time.Now())\n	io.Copy(os.Stdout, sqR)
	check(err)
	check(cmd.Wait()) // reap it: no zombie, and its status
}

// square reads numbers from standard input and writes their squares.
func square() {
	sc := bufio.NewScanner(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	for sc.Scan() {
		n, err := strconv.ParseInt(sc.Text(), 10, 64)
		check(err)
		fmt.Fprintln(w, n*n)
	}
	check(w.Flush())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "duplex:", err)
		os.Exit(1)
	}
}
