package main

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sysv"
)

// The mutex part's set: the lock, and a gate that starts every worker at
// once, so that they really run at the same time.
const (
	semMutex = 0
	semGate  = 1
)

// mutex is the "mutex" part: procs processes increment one counter in
// shared memory loops times each, first without the semaphore, then with
// P and V around each increment. With peer set, every second worker is
// that program (the C peer).
func (r *run) mutex(procs, loops int, peer string) {
	p := r.p
	r.Step(fmt.Sprintf("%d processes add 1 to one counter in shared memory, %d times each, unprotected", procs, loops))
	id := r.newSet(2)
	shmid, mem := r.newShm(4096)
	// The counter is a C long at the start of the segment. The segment is
	// not Go memory: a plain pointer into it, no Go pointer stored in it.
	cnt := (*int64)(unsafe.Pointer(&mem[0]))
	p.Printf("semget(IPC_PRIVATE, 2, IPC_CREAT|0600) = semid %d: #0 the mutex, #1 a start gate", id)
	p.Printf("shmget(IPC_PRIVATE, 4096, 0600) = shmid %d: the counter is its first 8 bytes (a C long)", shmid)
	r.setVal(id, semMutex, 1)
	p.Printf("SETVAL #0 to 1: the mutex is free; the gate (#1) stays 0: closed")
	showSet(p, id, false, "mutex", "gate")
	p.Printf("each worker does, %d times:  v = *counter; sched_yield(); *counter = v + 1;\n"+
		"the yield gives the CPU away between the read and the write, as a timer\n"+
		"interrupt may at any moment; it makes the race show on every run", loops)

	want := int64(procs * loops)
	got := r.race(id, shmid, cnt, procs, loops, "nolock", peer)
	p.Printf("counter = %d, expected %d: %d updates lost", got, want, want-got)
	p.Printf("two workers read the same value, both write value+1: one increment vanishes.\n" +
		"Shared memory itself synchronises nothing")

	r.Step("the same, with P and V around each increment")
	p.Printf("each worker now does:  P(mutex); v = *counter; sched_yield(); *counter = v + 1; V(mutex);\n" +
		"with P = semop({0, -1, SEM_UNDO}) and V = semop({0, 1, SEM_UNDO})")
	got = r.race(id, shmid, cnt, procs, loops, "lock", peer)
	p.Printf("counter = %d, expected %d: exact", got, want)
	if got != want {
		r.fatal(fmt.Errorf("the protected counter is %d, not %d", got, want))
	}
	p.Printf("the yield still hands the CPU to another worker, which now sleeps in P until\n" +
		"the V: only one process at a time is between P and V")
	p.GoNote("a sync.Mutex would not do, not even one placed in the segment: its waiters\n" +
		"sleep in the Go runtime of their own process, where an Unlock in another process\n" +
		"cannot wake them. Between processes the kernel must keep the lock: a semaphore.")
	showSet(p, id, false, "mutex", "gate")
	r.rmSet(id)
	r.detach(mem)
	p.Printf("removed the set (IPC_RMID) and detached the segment, which the kernel frees")
}

// race starts the workers, lets them wait at the gate, opens it, waits for
// them and returns the counter.
func (r *run) race(id, shmid int, cnt *int64, procs, loops int, mode, peer string) int64 {
	p := r.p
	*cnt = 0
	workers := make([]*child.Cmd, procs)
	names := make([]string, procs)
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
		r.start(workers[i])
		r.ready(workers[i])
	}
	r.waitCount(id, semGate, false, procs)
	p.Kernel("GETNCNT(#1 gate) = %d: every worker has attached the segment and waits at the gate", procs)
	// One semop of +procs lets all of them through at once.
	r.semop(id, sysv.Sembuf{Num: semGate, Op: int16(procs)})
	p.Printf("semop({1, %d, 0}) opens the gate for all %d at once", procs, procs)
	for i, w := range workers {
		r.end(w, names[i])
	}
	return *cnt
}

// worker is one process of the mutex part: attach the segment, wait at
// the gate, then increment the counter loops times, with the lock or
// without.
func worker(args []string) {
	me := say.New("worker")
	a := intArgs(me, "worker", args, 3)
	id, shmid, loops := a[0], a[1], a[2]
	lock := len(args) > 3 && args[3] == "lock"
	mem := attach(me, shmid)
	cnt := (*int64)(unsafe.Pointer(&mem[0]))
	child.Ready("")
	semop(me, id, sysv.Sembuf{Num: semGate, Op: -1})
	for i := 0; i < loops; i++ {
		if lock {
			semop(me, id, sysv.Sembuf{Num: semMutex, Op: -1, Flg: sysv.SEM_UNDO})
		}
		v := *cnt
		schedYield()
		*cnt = v + 1
		if lock {
			semop(me, id, sysv.Sembuf{Num: semMutex, Op: 1, Flg: sysv.SEM_UNDO})
		}
	}
	detachChild(me, mem)
}
