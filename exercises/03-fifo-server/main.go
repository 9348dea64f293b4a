//go:build linux && (amd64 || arm64)

// Starter of exercise 03-fifo-server: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: the server says
// ready without making the FIFO, and the writer writes nothing. Check it
// with
//
//	go run ./exercises check 03-fifo-server
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "server":
		server(os.Args[2])
	case len(os.Args) == 5 && os.Args[1] == "writer":
		id, _ := strconv.Atoi(os.Args[3])
		n, _ := strconv.Atoi(os.Args[4])
		writer(os.Args[2], id, n)
	default:
		fmt.Fprintln(os.Stderr, "usage: fifo server PATH | fifo writer PATH ID COUNT")
		os.Exit(2)
	}
}

func server(path string) {
	// TODO mkfifo(path, 0600): unix.Mkfifo.
	fmt.Println("ready")
	// TODO open(path, O_RDONLY), which waits for a writer; copy what you
	//      read to standard output until end of file; close; unlink(path).
	_ = path
}

func writer(path string, id, n int) {
	// TODO open(path, O_WRONLY); n records, each exactly 4096 bytes:
	//      "writer ID record I ", then the letter 'a'+ID up to 4095 bytes,
	//      then "\n", each in one write(); close.
	_, _, _ = path, id, n
}
