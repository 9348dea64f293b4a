//go:build linux && (amd64 || arm64)

// pv.go is the "pv" part, beyond the article's one line (no C twin): a set
// made with a key, the initialisation race and sem_otime (TLPI 47.5), P and
// V with a waiter in GETNCNT, wait-for-zero with one in GETZCNT, and
// SEM_UNDO at exit. Its roles: opener, waiter, undoer.
package main

import (
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// P and V are the two operations of a semaphore (Dijkstra's proberen, "try",
// and verhogen, "raise"). In System V they are one call, semop, with
// sem_op -1 and +1.
func pOp(flg int16) sysv.Sembuf { return sysv.Sembuf{Num: 0, Op: -1, Flg: flg} }
func vOp(flg int16) sysv.Sembuf { return sysv.Sembuf{Num: 0, Op: 1, Flg: flg} }

// pv is the "pv" part: a set made with a key, the initialisation race,
// P and V with a waiter in GETNCNT, wait-for-zero with a waiter in
// GETZCNT, and SEM_UNDO at exit.
func (r *run) pv() {
	me := r.me

	r.Step(fmt.Sprintf("semget(key, 1, %s): a new set is not initialised yet", sysv.MsgFlags(keyedFlags)))
	// int semid = semget(key, 1, IPC_CREAT | IPC_EXCL | 0600);
	key, id, call := r.keyedSet()
	me.Printf("%s = semid %d: IPC_EXCL says I made it", call, id)
	me.Printf("(the key of this run, 0x08 and its PID: every set here has it; two programs")
	me.Printf("usually agree on one with ftok(path, proj), see 07-msgqueue)")
	showSet(me, id, true, "lock")
	me.Kernel("IPC_STAT: %s", otime(id))
	me.Printf("Linux starts a new semaphore at 0, but POSIX leaves its value undefined: the creator")
	me.Printf("must set it (semctl SETVAL), and until then the set is not ready")

	r.Step("the initialisation race: a second process waits for sem_otime (TLPI 47.5)")
	// A second program opens the set by its key while the creator is
	// between semget and SETVAL.
	op := child.Command("opener", key.String())
	op.StartOrFail(r.me)
	r.ready(op)
	me.Printf("the opener found the set before I initialised it. Had it used the semaphore now, my")
	me.Printf("SETVAL would overwrite what it did. Nothing in the set says \"ready\" except")
	me.Printf("sem_otime, the time of the last semop, which SETVAL leaves at 0")
	// union semun arg; arg.val = 0; semctl(semid, 0, SETVAL, arg);
	me.Printf("%s", r.setVal(id, 0, 0))
	me.Kernel("GETVAL=%d, IPC_STAT: %s: SETVAL did not stamp it", getVal(me, id, 0), otime(id))
	me.GoNote("C passes union semun by value: for SETVAL the int itself travels in the")
	me.GoNote("fourth argument register; for IPC_STAT, GETALL and SETALL a pointer does.")
	me.GoNote("Go has no unions: sysv.SemctlSetVal(id, 0, v) passes the value,")
	me.GoNote("SemctlGetAll and SemctlStat a pointer.")
	// The opener prints once it sees the stamp: say it before the call.
	v := vOp(0)
	me.Printf("V: %s makes the value 1 and stamps sem_otime: the set is ready", semopCall([]sysv.Sembuf{v}))
	r.semop(id, v)
	r.end(op, "opener")
	showSet(me, id, true, "lock")
	me.Kernel("IPC_STAT: %s", otime(id))

	r.Step("P and V: semop -1 and +1; a process waiting in P shows in GETNCNT")
	// struct sembuf p = {0, -1, SEM_UNDO}; semop(semid, &p, 1);
	me.Printf("P: %s: 1 -> 0, the lock is mine", r.semop(id, pOp(sysv.SEM_UNDO)))
	w := r.asleep(id, -1)
	me.Printf("the waiter sleeps in semop until the value can drop by 1: semncnt=1. A process")
	me.Printf("asleep cannot say so itself; GETNCNT is how the others know")
	v = vOp(sysv.SEM_UNDO)
	me.Printf("V: %s: 0 -> 1, and the kernel wakes the waiter", semopCall([]sysv.Sembuf{v}))
	r.semop(id, v)
	r.end(w, "waiter")
	showSet(me, id, true, "lock")

	r.Step("wait for zero: semop 0; a process waiting for 0 shows in GETZCNT")
	z := r.asleep(id, 0)
	me.Printf("sem_op 0 waits until the value is 0: semzcnt=1")
	P := pOp(sysv.SEM_UNDO)
	me.Printf("P: %s: 1 -> 0, which lets the waiter through", semopCall([]sysv.Sembuf{P}))
	r.semop(id, P)
	r.end(z, "waiter")
	me.Printf("V: %s: 0 -> 1", r.semop(id, vOp(sysv.SEM_UNDO)))

	r.Step("SEM_UNDO: the kernel reverts the operations of a process that ends")
	u := child.Command("undoer", strconv.Itoa(id))
	u.StartOrFail(r.me)
	r.end(u, "undoer")
	showSet(me, id, true, "lock")
	me.Printf("the undoer ended holding the lock, and the value is 1 again: with SEM_UNDO the")
	me.Printf("kernel keeps, per process, the opposite of its operations (semadj) and applies it at")
	me.Printf("exit; sempid is the undoer's, for the kernel did it on its behalf. The die part")
	me.Printf("shows it for a process killed with SIGKILL, and without SEM_UNDO")

	r.Step("semctl(semid, 0, IPC_RMID) removes the set")
	r.rmSet(id)
	me.Printf("semctl(IPC_RMID): removed at once, whoever still uses it")
	showSet(me, id, true, "lock")
	_, err := sysv.SemctlGetVal(id, 0)
	expect(r, err, unix.EINVAL)
}

// asleep starts a waiter that does semop with sem_op op (-1 or 0) on the
// lock, and returns once the kernel counts it among the sleepers: in
// GETNCNT for -1, in GETZCNT for 0. Then it shows the set.
func (r *run) asleep(id, op int) *child.Cmd {
	w := child.Command("waiter", strconv.Itoa(id), strconv.Itoa(op))
	w.StartOrFail(r.me)
	r.ready(w)
	r.waitCount(id, 0, op == 0, 1)
	showSet(r.me, id, true, "lock")
	return w
}

// keyedFlags are the flags of pv's set, and of the opener's first try.
const keyedFlags = setFlags

// keyedSet makes a set of one semaphore with the run's key (runKey). It
// returns the key and the call that made it.
func (r *run) keyedSet() (sysv.Key, int, string) {
	id, call := r.newSet(1)
	return runKey(), id, call
}

// expect prints an error the step provokes on purpose, and stops if the
// kernel answered anything else.
func expect(r *run, err error, want unix.Errno) {
	if syserr.Errno(err) != want {
		if err == nil {
			err = fmt.Errorf("the call succeeded")
		}
		r.me.Fatal(fmt.Errorf("expected %s: %w", syserr.Name(want), err))
	}
	warnErr(r.me, err)
}

// opener is the second process of the initialisation race: it opens the
// set by its key, sees it is not initialised (sem_otime 0), says it is
// ready, and waits until sem_otime is set before it uses the set.
func opener(args []string) {
	me := say.New("opener")
	if len(args) != 1 {
		me.Fatal(fmt.Errorf("opener: want a key, got %q", args))
	}
	k, err := strconv.ParseUint(args[0], 0, 32)
	if err != nil {
		me.Fatal(fmt.Errorf("opener: key: %v", err))
	}
	key := sysv.Key(int32(uint32(k)))
	// Both processes run the same code: try to create, and whoever gets
	// EEXIST must not initialise.
	_, err = sysv.Semget(key, 1, keyedFlags)
	if syserr.Errno(err) != unix.EEXIST {
		me.Fatal(fmt.Errorf("expected EEXIST: %v", err))
	}
	warnErr(me, err)
	id, err := sysv.Semget(key, 0, 0)
	if err != nil {
		me.Fatal(err)
	}
	me.Printf("%s = semid %d: not mine to initialise", semgetCall(key, 0, 0), id)
	me.Kernel("IPC_STAT: %s: not initialised yet", otime(id))
	child.Ready("")
	// The minute is only a guard.
	deadline := time.Now().Add(time.Minute)
	ds, err := awaitInit(id, func() error {
		if time.Now().After(deadline) {
			return fmt.Errorf("semid %d: sem_otime still 0 after a minute", id)
		}
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil {
		me.Fatal(err)
	}
	me.Kernel("IPC_STAT: sem_otime=%s: the creator has initialised the set", peek.When(ds.Otime))
	me.Printf("P: %s passed at once, the value is %d", semopSaid(me, id, pOp(sysv.SEM_UNDO)), getVal(me, id, 0))
	me.Printf("V: %s, the value is %d", semopSaid(me, id, vOp(sysv.SEM_UNDO)), getVal(me, id, 0))
}

// awaitInit is TLPI's svsem_good_init.c loop, while (ds.sem_otime == 0)
// { IPC_STAT again }: a set is ready once a semop has stamped sem_otime,
// which SETVAL and SETALL do not. poll is called before each look but the
// first, and ends the wait with its error.
func awaitInit(id int, poll func() error) (sysv.SemidDs, error) {
	var ds sysv.SemidDs
	for {
		if err := sysv.SemctlStat(id, &ds); err != nil {
			return ds, err
		}
		if ds.Otime != 0 {
			return ds, nil
		}
		if err := poll(); err != nil {
			return ds, err
		}
	}
}

// waiter does one semop with sem_op -1 (then gives it back) or 0, which
// blocks, and says when it returns.
func waiter(args []string) {
	me := say.New("waiter")
	a := intArgs(me, "waiter", args, 2)
	id, op := a[0], int16(a[1])
	b := sysv.Sembuf{Num: 0, Op: op, Flg: sysv.SEM_UNDO}
	me.Printf("%s: waiting", semopCall([]sysv.Sembuf{b}))
	child.Ready("")
	semop(me, id, b)
	if op == 0 {
		me.Printf("semop returned: the value is 0")
		return
	}
	me.Printf("semop returned: the lock is mine; V: %s", semopSaid(me, id, vOp(sysv.SEM_UNDO)))
}

// undoer takes the lock with SEM_UNDO and exits without giving it back.
func undoer(args []string) {
	me := say.New("undoer")
	id := intArgs(me, "undoer", args, 1)[0]
	call := semopSaid(me, id, pOp(sysv.SEM_UNDO))
	me.Printf("P: %s: the value is %d; exiting without V", call, getVal(me, id, 0))
}

// getVal is GETVAL for a child.
func getVal(me *say.Speaker, id, num int) int {
	v, err := sysv.SemctlGetVal(id, num)
	if err != nil {
		me.Fatal(err)
	}
	return v
}
