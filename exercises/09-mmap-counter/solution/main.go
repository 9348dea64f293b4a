//go:build linux && (amd64 || arm64)

// Reference solution of exercise 09-mmap-counter (see ../README.md): a
// counter in a POSIX shared memory object that unrelated processes map.
// Adders add to it with an atomic add in the mapping; a waiter sleeps in
// futex(FUTEX_WAIT) on the counter itself until it reaches its target, and
// removes the name whatever ends it.
//
//	counter wait /NAME TARGET   create /NAME (mode 0600), say ready, sleep until the
//	                            counter reaches TARGET, remove the name, print the count
//	counter add /NAME K         open /NAME (this user's, nobody else may write it),
//	                            add 1 to the counter K times, wake the waiters
//
// Go has no shm_open: glibc's shm_open("/NAME") is open("/dev/shm/NAME")
// with O_NOFOLLOW|O_CLOEXEC added, and shm_unlink is unlink of that path,
// so this program makes those calls itself.
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const size = 4096

// FUTEX_WAIT and FUTEX_WAKE (linux/futex.h), not their _PRIVATE variants:
// the other side is another process, and a shared futex is known by the
// page it is on, not by an address in one process.
const (
	futexWait = 0 // mutant go-private-futex: futexWait = 128 // FUTEX_WAIT_PRIVATE
	futexWake = 1
)

func main() {
	if len(os.Args) == 4 && validName(os.Args[2]) {
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

func validName(s string) bool {
	return len(s) > 1 && len(s) < 200 && s[0] == '/' && !strings.Contains(s[1:], "/")
}

// shmPath is where glibc's shm_open looks for name.
func shmPath(name string) string { return "/dev/shm" + name }

func waitFor(name string, target uint32) {
	// Caught before the name exists: whenever a signal comes after, the
	// name is removed.
	var created atomic.Bool
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sigs
		if created.Load() {
			unix.Unlink(shmPath(name)) // mutant go-no-unlink: -
		}
		os.Exit(1)
	}()
	// shm_open(name, O_RDWR|O_CREAT|O_EXCL, 0600)
	fd, err := unix.Open(shmPath(name), unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	check("shm_open", err)
	created.Store(true)
	check("ftruncate", unix.Ftruncate(fd, size))
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	check("mmap", err)
	unix.Close(fd)
	count := (*uint32)(unsafe.Pointer(&mem[0]))
	fmt.Println("ready")
	var v uint32
	for {
		v = atomic.LoadUint32(count)
		if v >= target {
			break
		}
		// Sleep while the counter still holds v: the kernel compares and
		// sleeps as one step, so an add (and its wake) between the load
		// and this call makes it return at once (EAGAIN): no lost wake.
		futex(count, futexWait, v) // mutant go-busy-wait: -
	}
	// shm_unlink(name): the adders are done with the name (the count is
	// reached), and the memory goes with the last munmap.
	check("shm_unlink", unix.Unlink(shmPath(name))) // mutant go-no-unlink: -
	created.Store(false)
	fmt.Println(v)
	check("munmap", unix.Munmap(mem))
}

func add(name string, k uint64) {
	// shm_open(name, O_RDWR, 0)
	fd, err := unix.Open(shmPath(name), unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	check("shm_open", err)
	var st unix.Stat_t
	check("fstat", unix.Fstat(fd, &st))
	// Someone else's object, or one others may write, is not ours to trust.
	if int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 || st.Size < size {
		fmt.Fprintf(os.Stderr, "counter: %s: uid %d's, mode %04o, %d bytes: not this user's, writable by others or too small: refusing it\n",
			name, st.Uid, st.Mode&0o7777, st.Size)
		os.Exit(1)
	}
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	check("mmap", err)
	unix.Close(fd)
	count := (*uint32)(unsafe.Pointer(&mem[0]))
	for i := uint64(0); i < k; i++ {
		atomic.AddUint32(count, 1) // mutant go-load-store: atomic.StoreUint32(count, atomic.LoadUint32(count)+1)
	}
	// Wake every waiter once: each looks at the count again.
	futex(count, futexWake, math.MaxInt32)
	check("munmap", unix.Munmap(mem))
}

// futex is syscall(SYS_futex, addr, op, val, NULL, NULL, 0). A wait that
// finds the value changed (EAGAIN) or is interrupted (EINTR) returns: the
// caller looks at the counter again.
func futex(addr *uint32, op int, val uint32) {
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), uintptr(op), uintptr(val), 0, 0, 0)
	if e != 0 && e != unix.EAGAIN && e != unix.EINTR {
		check("futex", e)
	}
}

func check(what string, err error) {
	if err != nil {
		var errno unix.Errno
		if errors.As(err, &errno) {
			fmt.Fprintf(os.Stderr, "counter: %s: %s (%v)\n", what, unix.ErrnoName(errno), err)
		} else {
			fmt.Fprintf(os.Stderr, "counter: %s: %v\n", what, err)
		}
		os.Exit(1)
	}
}
