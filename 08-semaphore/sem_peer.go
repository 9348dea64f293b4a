//go:build linux && (amd64 || arm64)

// sem_peer.go is the Go port of c/sem_peer.c, the worker of the mutex
// part (sem.go): it attaches the segment, says it is ready, waits at the
// gate, then adds 1 to the counter LOOPS times, with P and V around each
// increment in "lock" mode. The parent starts either this role or the C
// program: the two take the same semaphore. Each line of the C twin that
// calls the kernel or libc is quoted above the Go that makes the same call.
package main

import (
	"fmt"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// The worker's operations, printed by the parent from these very values.
// SEM_UNDO on P and V: a worker killed between them gives the lock back
// (TestMutexWorkerUndo kills one there).
var (
	lockP = [1]sysv.Sembuf{{Num: semMutex, Op: -1, Flg: sysv.SEM_UNDO}}
	lockV = [1]sysv.Sembuf{{Num: semMutex, Op: +1, Flg: sysv.SEM_UNDO}}
	gateP = [1]sysv.Sembuf{{Num: semGate, Op: -1}}
)

// gateOpen is the parent's semop that lets n workers through the gate.
func gateOpen(n int) sysv.Sembuf { return sysv.Sembuf{Num: semGate, Op: int16(n)} }

// worker is main() of sem_peer.c, with "SEMID SHMID LOOPS lock|nolock" as
// its arguments; the ready descriptor is common/child's.
func worker(args []string) {
	me := say.New("worker")
	// if (argc != 5 && argc != 6)
	// usage("wrong number of arguments");
	if len(args) != 4 {
		me.Fatal(fmt.Errorf("worker: want SEMID SHMID LOOPS lock|nolock, got %q", args))
	}
	// semid = number(argv[1], 0x7fffffff);
	// shmid = number(argv[2], 0x7fffffff);
	// loops = number(argv[3], 100000000);
	semid := number(me, args[0], 0x7fffffff)
	shmid := number(me, args[1], 0x7fffffff)
	loops := number(me, args[2], 100000000)
	// if (strcmp(argv[4], "lock") != 0 && strcmp(argv[4], "nolock") != 0)
	// usage("the mode is lock or nolock");
	if args[3] != "lock" && args[3] != "nolock" {
		me.Fatal(fmt.Errorf("worker: the mode is lock or nolock, not %q", args[3]))
	}
	// locked = strcmp(argv[4], "lock") == 0;
	locked := args[3] == "lock"

	// counter = shmat((int)shmid, NULL, 0);
	mem, err := unix.SysvShmAttach(shmid, 0, 0)
	// if (counter == (void *)-1)
	// die("shmat");
	if err != nil {
		me.Fatal(syserr.Wrap(fmt.Sprintf("shmat(%d)", shmid), err, syserr.Meanings{
			unix.EINVAL: "no segment has this id (the parent is gone?)",
		}))
	}
	counter := (*int64)(unsafe.Pointer(&mem[0]))
	// if (argc == 6) {
	// int fd = (int)number(argv[5], 1024);
	// if (write(fd, "ready\n", 6) != 6)
	// die("write(READY_FD)");
	// close(fd);
	// Go: common/child's ready pipe, written and closed.
	child.Ready("")

	// sem_do((int)semid, 1, -1, 0); /* the gate */
	semDo(me, semid, gateP[:])
	// for (i = 0; i < loops; i++) {
	for i := 0; i < loops; i++ {
		// if (locked)
		// sem_do((int)semid, 0, -1, SEM_UNDO); v = *counter; sched_yield(); *counter = v + 1;
		if locked {
			semDo(me, semid, lockP[:])
		}
		v := *counter
		schedYield()
		*counter = v + 1
		// *counter = v + 1; if (locked) sem_do((int)semid, 0, +1, SEM_UNDO);
		if locked {
			semDo(me, semid, lockV[:])
		}
	}
	// if (shmdt((const void *)counter) < 0)
	// die("shmdt");
	if err := unix.SysvShmDetach(mem); err != nil {
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
	// return 0;
}

// semDo is sem_peer.c's sem_do: one semop, retried on EINTR (sysv.Semop
// does the retrying), fatal on any other error.
func semDo(me *say.Speaker, semid int, ops []sysv.Sembuf) {
	// while (semop(semid, &b, 1) < 0)
	// if (errno != EINTR)
	// die("semop");
	if err := sysv.Semop(semid, ops); err != nil {
		peerDie(me, err)
	}
}

// number is sem_peer.c's number(): a whole decimal argument from 0 to hi.
// A parent that passes anything else has a bug: exit 1 (the C: usage, 2).
func number(me *say.Speaker, s string, hi int64) int {
	// v = strtol(s, &end, 10);
	v, err := strconv.ParseInt(s, 10, 64)
	// if (errno != 0 || end == s || *end != '\0' || v < 0 || v > hi)
	// usage("not a number in range");
	if err != nil || v < 0 || v > hi {
		peerDie(me, fmt.Errorf("worker: %q is not a number from 0 to %d", s, hi))
	}
	return int(v)
}

// peerDie is sem_peer.c's die(): the call and its errno, exit 1. A
// worker's arguments come from its parent, so a bad one is the parent's
// bug: peerDie too, where sem_peer.c's usage() exits 2.
func peerDie(me *say.Speaker, err error) {
	// fprintf(stderr, "peer %d: error: %s failed: %s\n", (int)getpid(), call, strerror(errno));
	// exit(1);
	// fprintf(stderr, "sem_peer: %s\nusage: sem_peer SEMID SHMID LOOPS lock|nolock [READY_FD]\n", why);
	// exit(2);
	// Go: say.Fatal prints the error and exits 1.
	me.Fatal(err)
}
