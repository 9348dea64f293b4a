//go:build linux && (amd64 || arm64)

// sem_peer.go is the Go port of c/sem_peer.c, the worker of the mutex
// part (sem.go): it attaches the segment, says it is ready, waits at the
// gate, then adds 1 to the counter LOOPS times, with P and V around each
// increment in "lock" mode. The parent starts either this role or the C
// program: the two take the same semaphore.
package main

import (
	"unsafe"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sysv"
)

// The worker's operations, printed by the parent from these very values.
// SEM_UNDO on P and V: a worker killed between them gives the lock back
// (TestMutexWorkerUndo kills one there).
var (
	lockP = [1]sysv.Sembuf{{Num: semMutex, Op: -1, Flg: sysv.SEM_UNDO}} // sem_do(semid, 0, -1, SEM_UNDO)
	lockV = [1]sysv.Sembuf{{Num: semMutex, Op: +1, Flg: sysv.SEM_UNDO}} // sem_do(semid, 0, +1, SEM_UNDO)
	gateP = [1]sysv.Sembuf{{Num: semGate, Op: -1}}                      // sem_do(semid, 1, -1, 0)
)

// gateOpen is the parent's semop that lets n workers through the gate.
func gateOpen(n int) sysv.Sembuf { return sysv.Sembuf{Num: semGate, Op: int16(n)} }

// worker is sem_peer's main, with "SEMID SHMID LOOPS lock|nolock" as its
// arguments; the readiness descriptor is common/child's.
func worker(args []string) {
	me := say.New("worker")
	// semid = number(argv[1]); shmid = number(argv[2]); loops = number(argv[3]);
	a := intArgs(me, "worker", args, 3)
	id, shmid, loops := a[0], a[1], a[2]
	// locked = strcmp(argv[4], "lock") == 0;
	lock := len(args) > 3 && args[3] == "lock"
	// counter = shmat((int)shmid, NULL, 0);
	mem := attach(me, shmid)
	cnt := (*int64)(unsafe.Pointer(&mem[0]))
	// write(fd, "ready\n", 6); close(fd);
	child.Ready("")
	// sem_do((int)semid, 1, -1, 0); /* the gate */
	semop(me, id, gateP[:]...)
	// for (i = 0; i < loops; i++) {
	for i := 0; i < loops; i++ {
		// if (locked) sem_do((int)semid, 0, -1, SEM_UNDO);
		if lock {
			semop(me, id, lockP[:]...)
		}
		// v = *counter; sched_yield(); *counter = v + 1;
		v := *cnt
		schedYield()
		*cnt = v + 1
		// if (locked) sem_do((int)semid, 0, +1, SEM_UNDO);
		if lock {
			semop(me, id, lockV[:]...)
		}
	}
	// if (shmdt((const void *)counter) < 0) die("shmdt");
	detachChild(me, mem)
}
