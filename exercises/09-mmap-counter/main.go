//go:build linux && (amd64 || arm64)

// Starter of exercise 09-mmap-counter: read README.md in this folder first.
//
// It compiles and runs, but does not do the task yet: the waiter says
// ready without creating the name, and the adder adds nothing. Check it
// with
//
//	go run ./exercises check 09-mmap-counter
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) == 4 && len(os.Args[2]) > 1 && os.Args[2][0] == '/' {
		n, err := strconv.ParseUint(os.Args[3], 10, 32)
		if err == nil && os.Args[1] == "wait" {
			waitFor(os.Args[2], uint32(n))
			return
		}
		if err == nil && os.Args[1] == "add" {
			add(os.Args[2], n)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "usage: counter wait /NAME TARGET | counter add /NAME K")
	os.Exit(2)
}

func waitFor(name string, target uint32) {
	// TODO catch SIGINT, SIGTERM and SIGHUP (os/signal): remove the name, exit.
	// TODO shm_open(name, O_RDWR|O_CREAT|O_EXCL, 0600): Go has none; glibc's is
	//      unix.Open("/dev/shm"+name, flags|O_NOFOLLOW|O_CLOEXEC, 0o600).
	// TODO ftruncate to 4096 bytes, unix.Mmap(MAP_SHARED); the counter is the
	//      uint32 at offset 0: (*uint32)(unsafe.Pointer(&mem[0])).
	_, _ = name, target
	fmt.Println("ready")
	// TODO until the counter reaches target: sleep in futex(FUTEX_WAIT)
	//      (unix.Syscall6(unix.SYS_FUTEX, ...)) while it holds the value you read.
	// TODO shm_unlink (unix.Unlink of the path), print the count, munmap.
}

func add(name string, k uint64) {
	// TODO shm_open(name, O_RDWR, 0), fstat: refuse (exit 1) an object that is
	//      not this user's or that others may write.
	// TODO mmap, then k times add 1 to the counter so that no add is lost
	//      (sync/atomic), then futex(FUTEX_WAKE) the waiters.
	_, _ = name, k
}
