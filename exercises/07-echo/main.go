//go:build linux && (amd64 || arm64)

// Starter of exercise 07-echo: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: the server says
// ready and waits for a signal without making a queue, and the client
// prints nothing. Check it with
//
//	go run ./exercises check 07-echo
package main

import (
	"fmt"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "server":
		server(os.Args[2])
	case len(os.Args) == 4 && os.Args[1] == "client":
		client(os.Args[2], os.Args[3])
	default:
		fmt.Fprintln(os.Stderr, "usage: echo server PATH | echo client PATH TEXT")
		os.Exit(2)
	}
}

func server(path string) {
	// TODO ftok(path, 'M'): sysv.Ftok (import "github.com/goipc/ipc-examples/common/sysv").
	// TODO msgget(key, IPC_CREAT|IPC_EXCL|0600): sysv.Msgget.
	// TODO on SIGTERM: msgctl(id, IPC_RMID): sysv.Msgctl.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGTERM)
	fmt.Println("ready")
	// TODO loop: msgrcv a request of type 1 ("PID TEXT"), msgsnd the
	//      answer (TEXT in capitals) with type PID.
	<-sigs
}

func client(path, text string) {
	// TODO ftok, msgget(key, 0), msgsnd "PID TEXT" with type 1,
	//      msgrcv of type PID, print the answer.
	_, _ = path, text
}
