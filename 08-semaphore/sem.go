//go:build linux && (amd64 || arm64)

// sem.go is the Go port of c/sem.c, the mutex part: a counter in shared
// memory that N processes increment M times each, first without the
// semaphore (updates are lost), then with P and V around each increment
// (the total is exact). Each line of the C twin that calls the kernel or
// libc is quoted above the Go that makes the same call, in the C's order.
// Where C forks, Go starts this program again as a "worker" (sem_peer.go,
// the port of c/sem_peer.c, which is sem.c's child() as a program of its own).
package main

import (
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// #define MUTEX 0 /* the lock: 1 free, 0 taken */
// #define GATE 1  /* the start gate: 0 closed */
const (
	semMutex = 0
	semGate  = 1
	// shmget's size: sizeof(long), the counter.
	counterSize = 8
)

// mutex is main() of sem.c: procs workers, loops increments each; with
// peer set, every second worker is that program (the C peer). main.go
// checks -procs and -loops with semNumber, sem.c's number().
func (r *run) mutex(procs, loops int, peer string) {
	r.Step(fmt.Sprintf("%d processes add 1 to one counter in shared memory, %d times each", procs, loops))
	semid, set := r.mutexSet()
	shmid, mem, counter := r.counterSegment()
	r.rounds(semid, shmid, counter, procs, loops, peer)
	r.mutexEnd(semid, set, mem)
}

// mutexSet is sem.c's set: made, with the mutex free (SETVAL 1).
func (r *run) mutexSet() (int, *cleanup.Handle) {
	me := r.me
	// semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	// Go: the run's key, not IPC_PRIVATE, so that a set kill -9 leaves says
	// which run made it (leftovers.go); registered with common/cleanup in
	// the same breath, so that every other ending removes it.
	var semid int
	set, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		if semid, err = sysv.Semget(runKey(), 2, setFlags); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("semaphore set %d", semid), func() error { return sysv.SemctlRmid(semid) }, nil
	})
	// if (semid < 0)
	// fail("semget");
	if err != nil {
		me.Fatal(syserr.Explain(err, semgetMeanings))
	}
	// arg.val = 1; /* the union itself, by value */
	// if (semctl(semid, MUTEX, SETVAL, arg) < 0)
	// fail("semctl(SETVAL)");
	if err := sysv.SemctlSetVal(semid, semMutex, 1); err != nil {
		me.Fatal(err)
	}
	// printf("parent %d: semget(IPC_PRIVATE, 2, IPC_CREAT|0600) = semid %d; SETVAL #0 to 1\n", (int)getpid(), semid);
	me.Printf("%s = semid %d:", semgetCall(runKey(), 2, setFlags), semid)
	me.Printf("#0 the mutex, #1 a start gate")
	me.Printf("semctl(semid, %d, SETVAL, arg) with arg.val = 1: the mutex is free;", semMutex)
	me.Printf("the gate (#1) stays 0: closed")
	showSet(me, semid, false, "mutex", "gate")
	return semid, set
}

// counterSegment is sem.c's segment: made, attached, marked for removal.
// It returns the shmid, the attachment and the counter at its start.
func (r *run) counterSegment() (int, []byte, *int64) {
	me := r.me
	// shmid = shmget(IPC_PRIVATE, sizeof(long), IPC_CREAT | 0600);
	var shmid int
	seg, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		if shmid, err = unix.SysvShmGet(unix.IPC_PRIVATE, counterSize, unix.IPC_CREAT|shmMode); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("shared memory segment %d", shmid), func() error {
			_, err := unix.SysvShmCtl(shmid, unix.IPC_RMID, nil)
			return err
		}, nil
	})
	// if (shmid < 0)
	// fail("shmget");
	shmCall := fmt.Sprintf("shmget(IPC_PRIVATE, %d, %s)", counterSize, sysv.MsgFlags(unix.IPC_CREAT|shmMode))
	if err != nil {
		me.Fatal(syserr.Wrap(shmCall, err, nil))
	}
	// counter = shmat(shmid, NULL, 0);
	mem, err := unix.SysvShmAttach(shmid, 0, 0)
	// if (counter == (void *)-1)
	// fail("shmat");
	if err != nil {
		me.Fatal(syserr.Wrap("shmat", err, nil)) // removes the segment first
	}
	// The counter is a C long at the start of the segment: a plain pointer
	// into memory that is not Go's; no Go pointer is stored in it.
	counter := (*int64)(unsafe.Pointer(&mem[0]))
	// shmctl(shmid, IPC_RMID, NULL); /* freed at the last detach */
	if _, err := unix.SysvShmCtl(shmid, unix.IPC_RMID, nil); err != nil {
		me.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
	}
	seg.Forget() // marked: the kernel frees it at the last detach
	me.Printf("%s = shmid %d: the counter, a C long", shmCall, shmid)
	me.Printf("attached and marked for removal at once (IPC_RMID): freed at the last detach")
	return shmid, mem, counter
}

// rounds is sem.c's loop: unprotected, then with P and V.
func (r *run) rounds(semid, shmid int, counter *int64, procs, loops int, peer string) {
	want := int64(procs * loops)
	var got int64
	// for (round = 0; round < 2; round++) {
	for round := 0; round < 2; round++ {
		// *counter = 0;
		*counter = 0
		// printf("parent %d: %s: %ld children add 1 to the counter, %ld times each\n", (int)getpid(), round ? "with P and V" : "without the semaphore", procs, loops);
		// fflush(stdout);
		r.roundSays(round, loops)
		got = r.race(semid, shmid, counter, procs, loops, round, peer)
		// if (round == 0)
		// printf("parent %d: counter = %ld, expected %ld: %ld updates lost\n", (int)getpid(), *counter, expected, expected - *counter);
		// printf("parent %d: counter = %ld, expected %ld: %s\n", (int)getpid(), *counter, expected, *counter == expected ? "exact" : "WRONG");
		r.roundResult(round, got, want)
	}
}

// race is one round of sem.c's loop: start the workers, let them wait at
// the gate, open it, wait for them, and return the counter.
func (r *run) race(semid, shmid int, counter *int64, procs, loops, round int, peer string) int64 {
	me := r.me
	mode := "nolock"
	if round == 1 {
		mode = "lock"
	}
	workers := make([]*child.Cmd, procs)
	names := make([]string, procs)
	// for (i = 0; i < procs; i++) {
	for i := range workers {
		// pid_t pid = fork();
		// if (pid < 0)
		// fail("fork");
		// if (pid == 0)
		// child(counter, loops, round);
		workers[i], names[i] = r.forkWorker(i, semid, shmid, loops, mode, peer)
	}
	// while ((ncnt = semctl(semid, GATE, GETNCNT)) != procs) {
	deadline := time.Now().Add(time.Minute) // only a guard
	for {
		ncnt, err := sysv.SemctlGetNcnt(semid, semGate)
		// if (ncnt < 0)
		// fail("semctl(GETNCNT)");
		if err != nil {
			me.Fatal(err)
		}
		if ncnt == procs {
			break
		}
		if time.Now().After(deadline) {
			me.Fatal(fmt.Errorf("GETNCNT of the gate stayed %d, never %d", ncnt, procs))
		}
		// nanosleep(&ms, NULL);
		time.Sleep(time.Millisecond)
	}
	me.Kernel("GETNCNT(#1 gate) = %d: every worker has attached and waits at the gate", procs)
	// if (sem_do(GATE, (int)procs, 0) < 0)
	// fail("semop(gate)");
	open := []sysv.Sembuf{gateOpen(procs)}
	semParentSemop(me, semid, open)
	me.Printf("%s opens the gate for all %d at once", semopCall(open), procs)
	// for (i = 0; i < procs; i++) { if (wait(&status) < 0)
	for i, w := range workers {
		// if (wait(&status) < 0)
		// fail("wait");
		_ = w.Wait() // the status is checked next
		// if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		// errno = ECHILD;
		// fail("a child");
		r.exited0(w, names[i])
	}
	return *counter
}

// forkWorker stands in for fork() and child(): Go cannot fork, so worker
// i is this program run again in the role "worker" (sem_peer.go), or with
// peer set every second one is the C peer; each gets the ids in its argv
// and says when it has attached the segment. What child() does, the
// worker does, in sem_peer.c's words:
func (r *run) forkWorker(i, semid, shmid, loops int, mode, peer string) (*child.Cmd, string) {
	// static int P(void) { return sem_do(MUTEX, -1, SEM_UNDO); }
	// static int V(void) { return sem_do(MUTEX, +1, SEM_UNDO); }
	// if (sem_do(GATE, -1, 0) < 0)
	// _exit(1);
	// for (i = 0; i < loops; i++) {
	// if (locked && P() < 0)
	// sched_yield(); /* give the CPU away between the read and the write */
	// if (locked && V() < 0)
	// _exit(0);
	// Go: the worker runs these lines; P and V are lockP and lockV there.
	args := []string{strconv.Itoa(semid), strconv.Itoa(shmid), strconv.Itoa(loops), mode}
	name := fmt.Sprintf("worker #%d", i+1)
	var w *child.Cmd
	if peer != "" && i%2 == 1 {
		// The C peer's ready descriptor comes after ExtraFiles (none): fd 3.
		w = child.Program(peer, append(args, "3")...)
		name += " (C)"
	} else {
		w = child.Command("worker", args...)
	}
	w.StartOrFail(r.me)
	r.ready(w)
	return w, name
}

// mutexEnd is the end of sem.c: detach the counter, remove the set.
func (r *run) mutexEnd(semid int, set *cleanup.Handle, mem []byte) {
	me := r.me
	showSet(me, semid, false, "mutex", "gate")
	// i = *counter;
	// shmdt((const void *)counter);
	if err := unix.SysvShmDetach(mem); err != nil {
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
	// if (semctl(semid, 0, IPC_RMID) < 0)
	// fail("semctl(IPC_RMID)");
	if err := sysv.SemctlRmid(semid); err != nil {
		me.Fatal(err)
	}
	set.Forget() // removed: nothing left for cleanup
	// printf("parent %d: semctl(IPC_RMID): the set is removed\n", (int)getpid());
	me.Printf("shmdt: the marked segment is freed; semctl(IPC_RMID): the set is removed")
	// return i == expected ? 0 : 1;
	// Go: roundResult has ended the run with status 1 if the total was wrong.
}

// roundSays is what the parent says before a round.
func (r *run) roundSays(round, loops int) {
	me := r.me
	if round == 0 {
		me.Printf("without the semaphore: each worker does, %d times:", loops)
		me.Printf("  v = *counter; sched_yield(); *counter = v + 1;")
		me.Printf("the yield gives the CPU away between the read and the write, as a timer")
		me.Printf("interrupt may at any moment; it makes the race show on every run")
		return
	}
	r.Step("the same, with P and V around each increment")
	me.Printf("with P and V: each worker now does, %d times:", loops)
	me.Printf("  P(mutex); v = *counter; sched_yield(); *counter = v + 1; V(mutex);")
	me.Printf("with P = %s and V = %s", semopCall(lockP[:]), semopCall(lockV[:]))
}

// roundResult says what a round left in the counter; a protected round
// that is not exact ends the run with status 1.
func (r *run) roundResult(round int, got, want int64) {
	me := r.me
	if round == 0 {
		me.Printf("counter = %d, expected %d: %d updates lost", got, want, want-got)
		me.Printf("two workers read the same value, both write value+1: one increment")
		me.Printf("vanishes. Shared memory itself synchronises nothing")
		return
	}
	me.Printf("counter = %d, expected %d: exact", got, want)
	if got != want {
		me.Fatal(fmt.Errorf("the protected counter is %d, not %d", got, want))
	}
	me.Printf("the yield still hands the CPU to another worker, which now sleeps in P")
	me.Printf("until the V: only one process at a time is between P and V")
	me.GoNote("a sync.Mutex would not do, not even one placed in the segment: its")
	me.GoNote("waiters sleep in the Go runtime of their own process, where an Unlock in")
	me.GoNote("another process cannot wake them. Between processes the kernel must keep")
	me.GoNote("the lock: a semaphore.")
}

// semFail is sem.c's fail(): the call and its errno, the set removed,
// exit 1.
func semFail(me *say.Speaker, err error) {
	// fprintf(stderr, "parent %d: error: %s failed: %s\n", (int)getpid(), call, strerror(e));
	// semctl(semid, 0, IPC_RMID);
	// exit(1);
	// Go: say.Fatal prints it; common/cleanup removes the set (and what else
	// is registered), then exit(1).
	me.Fatal(err)
}

// semParentSemop is sem.c's sem_do() for the parent: one semop, retried
// on EINTR (sysv.Semop does the retrying).
func semParentSemop(me *say.Speaker, semid int, ops []sysv.Sembuf) {
	// while (semop(semid, &b, 1) < 0)
	// if (errno != EINTR)
	if err := sysv.Semop(semid, ops); err != nil {
		semFail(me, err)
	}
}

// semUsage is sem.c's usage(): the usage on standard error, exit 2.
func semUsage(format string, args ...interface{}) {
	// fprintf(stderr, "usage: sem [PROCS [LOOPS]]  (PROCS 2 to 32, LOOPS 1 to 100000)\n");
	// exit(2);
	cmdline.Usage(usage, format, args...)
}

// semNumber is sem.c's number(), for -procs and -loops (main.go): a value
// out of range is a usage error. sem.c's main() calls it for PROCS (2 to
// 32) and LOOPS (1 to 100000), after usage() if there are more arguments.
func semNumber(flagName string, v, lo, hi int) {
	// v = strtol(s, &end, 10);
	// Go: the flag package parsed it (no number at all is refused there).
	// if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) usage();
	if v < lo || v > hi {
		semUsage("%s must be %d to %d, not %d", flagName, lo, hi, v)
	}
}

var semgetMeanings = syserr.Meanings{
	unix.ENOSYS: "this kernel has no System V IPC",
	unix.EEXIST: "a set has this run's key: left by a run that had this PID, or another user's (ipcs -s)",
}
