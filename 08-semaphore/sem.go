//go:build linux && (amd64 || arm64)

// sem.go is the Go port of c/sem.c: a counter in shared memory that N
// processes increment M times each, first without the semaphore (updates
// are lost), then with P and V around each increment (the total is
// exact). The C line is the comment above its Go line; where C forks, Go
// starts this program again as a "worker" (sem_peer.go, the port of
// c/sem_peer.c, which is the same child as a program of its own).
package main

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/goipc/ipc-examples/common/child"
)

// #define MUTEX 0 /* the lock: 1 free, 0 taken */
// #define GATE 1  /* the start gate: 0 closed */
const (
	semMutex = 0
	semGate  = 1
)

// mutex is sem.c's main: procs workers, loops increments each; with peer
// set, every second worker is that program (the C peer).
func (r *run) mutex(procs, loops int, peer string) {
	p := r.p
	r.Step(fmt.Sprintf("%d processes add 1 to one counter in shared memory, %d times each, unprotected", procs, loops))
	// semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	id, call := r.newSet(2)
	// arg.val = 1; semctl(semid, MUTEX, SETVAL, arg);
	setval := r.setVal(id, semMutex, 1)
	// shmid = shmget(IPC_PRIVATE, sizeof(long), IPC_CREAT | 0600);
	// counter = shmat(shmid, NULL, 0); shmctl(shmid, IPC_RMID, NULL);
	// (A page here; any size of at least 8 bytes would do.)
	shmid, mem, shmCall := r.newShm(4096)
	// The counter is a C long at the start of the segment. The segment is
	// not Go memory: a plain pointer into it, no Go pointer stored in it.
	cnt := (*int64)(unsafe.Pointer(&mem[0]))
	// printf("semget(IPC_PRIVATE, 2, IPC_CREAT|0600) = semid %d; SETVAL #0 to 1\n", ...);
	p.Printf("%s = semid %d: #0 the mutex, #1 a start gate", call, id)
	p.Printf("%s = shmid %d: the counter is its first 8 bytes (a C long)", shmCall, shmid)
	p.Printf("%s: the mutex is free; the gate (#1) stays 0: closed", setval)
	showSet(p, id, false, "mutex", "gate")
	p.Printf("each worker does, %d times:  v = *counter; sched_yield(); *counter = v + 1;\n"+
		"the yield gives the CPU away between the read and the write, as a timer\n"+
		"interrupt may at any moment; it makes the race show on every run", loops)

	// for (round = 0; round < 2; round++) {
	want := int64(procs * loops)
	got := r.race(id, shmid, cnt, procs, loops, "nolock", peer)
	p.Printf("counter = %d, expected %d: %d updates lost", got, want, want-got)
	p.Printf("two workers read the same value, both write value+1: one increment vanishes. " +
		"Shared memory itself synchronises nothing")

	r.Step("the same, with P and V around each increment")
	p.Printf("each worker now does:  P(mutex); v = *counter; sched_yield(); *counter = v + 1; V(mutex);\n"+
		"with P = %s and V = %s", semopCall(lockP[:]), semopCall(lockV[:]))
	got = r.race(id, shmid, cnt, procs, loops, "lock", peer)
	p.Printf("counter = %d, expected %d: exact", got, want)
	if got != want {
		r.p.Fatal(fmt.Errorf("the protected counter is %d, not %d", got, want))
	}
	p.Printf("the yield still hands the CPU to another worker, which now sleeps in P until " +
		"the V: only one process at a time is between P and V")
	p.GoNote("a sync.Mutex would not do, not even one placed in the segment: its waiters " +
		"sleep in the Go runtime of their own process, where an Unlock in another process " +
		"cannot wake them. Between processes the kernel must keep the lock: a semaphore.")
	showSet(p, id, false, "mutex", "gate")
	// shmdt((const void *)counter); semctl(semid, 0, IPC_RMID);
	r.rmSet(id)
	r.detach(mem)
	p.Printf("removed the set (IPC_RMID) and detached the segment, which the kernel frees")
}

// race is one round of sem.c's loop: start the workers, let them wait at
// the gate, open it, wait for them, and return the counter.
func (r *run) race(id, shmid int, cnt *int64, procs, loops int, mode, peer string) int64 {
	p := r.p
	// *counter = 0;
	*cnt = 0
	workers := make([]*child.Cmd, procs)
	names := make([]string, procs)
	// for (i = 0; i < procs; i++) { pid_t pid = fork(); ... child(counter, loops, round); }
	for i := range workers {
		args := []string{strconv.Itoa(id), strconv.Itoa(shmid), strconv.Itoa(loops), mode}
		names[i] = fmt.Sprintf("worker #%d", i+1)
		if peer != "" && i%2 == 1 {
			// The C peer's readiness descriptor comes after ExtraFiles
			// (none): fd 3.
			workers[i] = child.Program(peer, append(args, "3")...)
			names[i] += " (C)"
		} else {
			workers[i] = child.Command("worker", args...)
		}
		workers[i].StartOrFail(r.p)
		r.ready(workers[i])
	}
	// while ((ncnt = semctl(semid, GATE, GETNCNT)) != procs) nanosleep(&ms, NULL);
	r.waitCount(id, semGate, false, procs)
	p.Kernel("GETNCNT(#1 gate) = %d: every worker has attached the segment and waits at the gate", procs)
	// sem_do(GATE, (int)procs, 0): one semop of +procs lets all of them through at once.
	call := r.semop(id, gateOpen(procs))
	p.Printf("%s opens the gate for all %d at once", call, procs)
	// for (i = 0; i < procs; i++) { wait(&status); ... }
	for i, w := range workers {
		r.end(w, names[i])
	}
	return *cnt
}
