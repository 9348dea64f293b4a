//go:build linux && (amd64 || arm64)

// Starter of exercise 08-bounded: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: the producer says
// ready without making anything and reads its input, and the consumer
// takes nothing. Check it with
//
//	go run ./exercises check 08-bounded
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "producer":
		producer(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "consumer":
		consumer(os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: bb producer PATH CONSUMERS | bb consumer PATH")
		os.Exit(2)
	}
}

func producer(path, consumers string) {
	// TODO ftok(path, 'B'): sysv.Ftok (import "github.com/goipc/ipc-examples/common/sysv").
	// TODO semget(key, 4, IPC_CREAT|IPC_EXCL|0600), semctl(SETALL) {1, 8, 0, 0}:
	//      mutex, empty slots, full slots, consumers done (sysv.Semget, sysv.SemctlSetAll).
	// TODO shmget(key, 80, IPC_CREAT|IPC_EXCL|0600), shmat: 8 slots, in, out.
	_, _ = path, consumers
	fmt.Println("ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		// TODO put the number: P(empty), P(mutex), slot[in] = n, in++, V(mutex), V(full).
		_ = sc.Text()
	}
	// TODO one 0 per consumer; P(done) once per consumer; semctl(IPC_RMID), shmctl(IPC_RMID).
}

func consumer(path string) {
	// TODO semget(key, 0, 0), shmget(key, 0, 0), shmat.
	// TODO loop: P(full), P(mutex), take slot[out], out++, V(mutex), V(empty);
	//      print it, or on 0: V(done) and end.
	_ = path
}
