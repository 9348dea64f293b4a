//go:build linux && (amd64 || arm64)

// Reference solution of exercise 05-storm (see ../README.md): a program
// that counts SIGUSR1 with a handler, and keeps doing its work while a
// storm of them interrupts its blocking calls.
//
//	storm PATH   make the queue ftok(PATH, 'T'), say ready, read one line
//	             from standard input, then receive messages until one of
//	             type 2; print "bytes N signals M", remove the queue
//
// The Go runtime installs its signal handlers with SA_RESTART, and its
// os.File methods retry EINTR themselves, so the read needs nothing. msgrcv is
// another matter: the kernel never restarts it after a handler, with or
// without SA_RESTART (signal(7)), and a raw system call returns EINTR to
// the caller. common/sysv.Msgrcv retries for you; this solution makes the
// call itself to show the loop.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/sysv"
)

// msgbuf is struct msgbuf: long mtype, then the text.
type msgbuf struct {
	mtype int64
	text  [2048]byte
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: storm PATH")
		os.Exit(2)
	}
	key, err := sysv.Ftok(os.Args[1], 'T')
	check(err)
	id, err := sysv.Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	check(err)

	// The "handler": a goroutine that counts what the channel brings.
	var count atomic.Int64
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, unix.SIGUSR1)
	go func() {
		for range sigs {
			count.Add(1)
		}
	}()
	fmt.Println("ready")

	// read(0, ...): interrupted by the storm, retried by Go.
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		check(err)
	}

	var m msgbuf
	total := 0
	for {
		// msgrcv(id, &m, sizeof m.text, 0, 0)
		n, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(id), uintptr(unsafe.Pointer(&m)), uintptr(len(m.text)), 0, 0, 0)
		if e == unix.EINTR { // mutant go-raw-msgrcv-that-gives: -
			continue // a signal came; nothing was received: call it again // mutant go-raw-msgrcv-that-gives: -
		} // mutant go-raw-msgrcv-that-gives: -
		if e != 0 {
			check(e)
		}
		if m.mtype == 2 {
			break
		}
		total += int(n)
	}
	signal.Stop(sigs)
	fmt.Printf("bytes %d signals %d\n", total, count.Load())
	check(sysv.Msgctl(id, unix.IPC_RMID, nil))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
		os.Exit(1)
	}
}
