//go:build linux && (amd64 || arm64)

// Starter of exercise 05-storm: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: it says ready
// without making the queue or catching SIGUSR1. Check it with
//
//	go run ./exercises check 05-storm
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: storm PATH")
		os.Exit(2)
	}
	// TODO ftok(PATH, 'T'), msgget(key, IPC_CREAT|IPC_EXCL|0600):
	//      sysv.Ftok, sysv.Msgget (import "github.com/goipc/ipc-examples/common/sysv").
	// TODO sigaction(SIGUSR1): signal.Notify, and a goroutine that counts.
	fmt.Println("ready")
	// read() one line from standard input.
	bufio.NewReader(os.Stdin).ReadString('\n') // TODO check it
	// TODO msgrcv until a message of type 2, adding up the bytes of the
	//      others; retry when it fails with EINTR (unix.Syscall6(unix.SYS_MSGRCV, ...)).
	// TODO print "bytes N signals M"; msgctl(IPC_RMID).
}
