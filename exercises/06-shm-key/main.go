//go:build linux && (amd64 || arm64)

// Starter of exercise 06-shm-key: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: the writer says
// ready without making a segment, and the reader prints nothing. Check it
// with
//
//	go run ./exercises check 06-shm-key
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "writer":
		writer(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "reader":
		reader(os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: shm writer PATH MESSAGE | shm reader PATH")
		os.Exit(2)
	}
}

func writer(path, msg string) {
	// TODO ftok(path, 'S'): sysv.Ftok (import "github.com/goipc/ipc-examples/common/sysv").
	// TODO shmget(key, 4096, IPC_CREAT|IPC_EXCL|0600): unix.SysvShmGet.
	// TODO shmat: unix.SysvShmAttach; copy msg (and a 0 byte) into it.
	_, _ = path, msg
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) // until end of input
	// TODO shmctl(IPC_RMID) if nobody did, shmdt.
}

func reader(path string) {
	// TODO ftok, shmget(key, 0, 0), shmat.
	// TODO shmctl(IPC_RMID): when, exactly? (README, "Hints")
	// TODO print the message, wait for end of input, shmdt.
	_ = path
}
