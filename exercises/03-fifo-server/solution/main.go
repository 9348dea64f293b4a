//go:build linux && (amd64 || arm64)

// Reference solution of exercise 03-fifo-server (see ../README.md): a
// server reads what several writers send through one FIFO; each record
// goes in one write() of at most PIPE_BUF bytes, so records never mix.
//
//	fifo server PATH            mkfifo PATH, say ready, open it for reading
//	                            (this waits for a writer), copy everything to
//	                            standard output until end of file, unlink PATH
//	fifo writer PATH ID COUNT   open PATH for writing, write COUNT records of
//	                            4096 bytes, each with one write()
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

const size = 4096 // PIPE_BUF on Linux: the most one write() keeps whole

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "server":
		server(os.Args[2])
	case len(os.Args) == 5 && os.Args[1] == "writer":
		id, err := strconv.Atoi(os.Args[3])
		check(err)
		n, err := strconv.Atoi(os.Args[4])
		check(err)
		writer(os.Args[2], id, n)
	default:
		fmt.Fprintln(os.Stderr, "usage: fifo server PATH | fifo writer PATH ID COUNT")
		os.Exit(2)
	}
}

func server(path string) {
	// mkfifo(path, 0600)
	check(unix.Mkfifo(path, 0o600))
	fmt.Println("ready")
	// open(path, O_RDONLY): blocks until a writer opens the other end.
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	check(err)
	// read until end of file: when the last writer has closed.
	_, err = io.Copy(os.Stdout, f)
	check(err)
	f.Close()
	check(os.Remove(path))
}

func writer(path string, id, n int) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0) // waits for the reader
	check(err)
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("writer %d record %d ", id, i)
		rec := h + strings.Repeat(string(rune('a'+id)), size-len(h)-1) + "\n"
		// One write() per record, at most PIPE_BUF bytes: the kernel
		// puts it in the FIFO in one piece, whatever the other writers do.
		_, err := f.Write([]byte(rec))
		check(err)
	}
	check(f.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fifo:", err)
		os.Exit(1)
	}
}
