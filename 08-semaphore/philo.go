//go:build linux && (amd64 || arm64)

// philo.go is the dining philosophers the article names (哲学家进餐), with
// no C twin: both forks in one semop (no deadlock), or one fork at a time
// (-deadlock), ended by IPC_RMID. Its role: philosopher.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"

	"golang.org/x/sys/unix"
)

// Five philosophers around a table, a fork between each two: philosopher
// i eats with forks i (left) and i+1 mod 5 (right). Semaphores #0 to #4 are
// the forks, #5 a gate that starts everyone at once.
const (
	diners    = 5
	semTable  = diners // the gate
	exitEIDRM = 3      // a philosopher's exit status when the set is removed under it
	exitFreed = 4      // ... when its right fork came back after all: its neighbour died
)

// table is the shared segment: per philosopher the meals eaten and whether
// it is eating now, and a count of neighbours seen eating together (which
// the forks make impossible).
type table struct{ w []int64 }

const tableWords = 2*diners + 1

func newTable(mem []byte) table {
	return table{unsafe.Slice((*int64)(unsafe.Pointer(&mem[0])), tableWords)}
}

func (t table) meals(i int) *int64  { return &t.w[i] }
func (t table) eating(i int) *int64 { return &t.w[diners+i] }
func (t table) clashes() *int64     { return &t.w[2*diners] }

// The forks of philosopher i, as the operations it passes to semop: both
// at once, or (-deadlock) the left one, then the right one.
func bothForks(i int) []sysv.Sembuf { return append(leftFork(i), rightFork(i)...) }
func leftFork(i int) []sysv.Sembuf {
	return []sysv.Sembuf{{Num: uint16(i), Op: -1, Flg: sysv.SEM_UNDO}}
}
func rightFork(i int) []sysv.Sembuf {
	return []sysv.Sembuf{{Num: uint16((i + 1) % diners), Op: -1, Flg: sysv.SEM_UNDO}}
}

// putBoth gives both forks back.
func putBoth(i int) []sysv.Sembuf {
	ops := bothForks(i)
	for k := range ops {
		ops[k].Op = 1
	}
	return ops
}

func forkNames() []string {
	n := make([]string, diners+1)
	for i := 0; i < diners; i++ {
		n[i] = "fork " + strconv.Itoa(i)
	}
	n[diners] = "gate"
	return n
}

// philosophers is the "philosophers" part.
func (r *run) philosophers(meals int, deadlock bool) {
	me := r.me
	if deadlock {
		r.Step("five philosophers take the left fork, then the right one: deadlock")
	} else {
		r.Step(fmt.Sprintf("five philosophers, five forks, both forks in one semop: %d meals each", meals))
	}
	id, call := r.newSet(diners + 1)
	shmid, mem, _ := r.newShm(tableWords * 8)
	tab := newTable(mem)
	// Every fork on the table (1), the gate closed (0).
	me.Printf("%s = semid %d", call, id)
	me.Printf("%s:", r.setAll(id, []uint16{1, 1, 1, 1, 1, 0}))
	me.Printf("#0 to #4 are the forks, all on the table; #5 is a gate that starts everyone")
	if deadlock {
		me.Printf("philosopher i:  P(fork i); P(fork i+1);  two semops, one fork at a time,")
		me.Printf("philosopher 4: %s then %s.", semopCall(leftFork(4)), semopCall(rightFork(4)))
		me.Printf("To make the bad timing certain, each waits at the gate between the two")
	} else {
		me.Printf("philosopher i takes both forks in one semop;")
		me.Printf("philosopher 0: %s,", semopCall(bothForks(0)))
		me.Printf("philosopher 4: %s:", semopCall(bothForks(4)))
		me.Printf("one call, two operations: the kernel takes both forks or none, so nobody")
		me.Printf("ever holds one fork while waiting for the other. POSIX semaphores have no")
		me.Printf("such call: sem_wait takes one semaphore at a time")
	}
	kids := make([]*child.Cmd, diners)
	mode := "both"
	if deadlock {
		mode = "left-then-right"
	}
	for i := range kids {
		kids[i] = child.Command("philosopher", strconv.Itoa(id), strconv.Itoa(shmid), strconv.Itoa(i), strconv.Itoa(meals), mode)
		kids[i].StartOrFail(r.me)
		r.ready(kids[i])
	}
	r.waitCount(id, semTable, false, diners)
	if deadlock {
		me.Printf("all five hold their left fork and wait at the gate")
		showSet(me, id, false, forkNames()...)
	} else {
		me.Kernel("GETNCNT(#5 gate) = 5: all five are seated")
	}
	me.Printf("%s opens the gate", r.semop(id, sysv.Sembuf{Num: semTable, Op: diners}))
	if deadlock {
		r.deadlocked(id, kids)
		r.detach(mem)
		return
	}
	for i, k := range kids {
		how := r.wait(k)
		me.Printf("waitpid: philosopher #%d (pid %d) %s, after %d meals", i, k.Process.Pid, how, *tab.meals(i))
		if how != "exited with status 0" || *tab.meals(i) != int64(meals) {
			r.me.Fatal(fmt.Errorf("philosopher #%d %s after %d of %d meals", i, how, *tab.meals(i), meals))
		}
	}
	me.Printf("everyone ate %d times; neighbours seen eating at the same time: %d", meals, *tab.clashes())
	showSet(me, id, false, forkNames()...)
	me.Printf("no deadlock: a philosopher either holds both forks or none")
	r.rmSet(id)
	r.detach(mem)
}

// deadlocked shows the deadlock in the kernel's counts, then breaks it.
func (r *run) deadlocked(id int, kids []*child.Cmd) {
	me := r.me
	for i := 0; i < diners; i++ {
		r.waitCount(id, i, false, 1)
	}
	showSet(me, id, false, forkNames()...)
	me.Printf("every fork is 0 and has one waiter (semncnt=1): each philosopher waits for the fork")
	me.Printf("its neighbour holds, and nobody lets go. No semop will ever return")
	if r.hold {
		r.holdOn(id)
	}
	me.Printf("the way out from outside: semctl(IPC_RMID); every waiter wakes with EIDRM")
	r.rmSet(id)
	for i, k := range kids {
		how := r.wait(k)
		me.Printf("waitpid: philosopher #%d (pid %d) %s", i, k.Process.Pid, how)
		if how != fmt.Sprintf("exited with status %d", exitEIDRM) {
			r.me.Fatal(fmt.Errorf("philosopher #%d %s, want status %d (EIDRM)", i, how, exitEIDRM))
		}
	}
	me.Printf("status %d: the philosopher's semop failed with EIDRM. A real program avoids", exitEIDRM)
	me.Printf("the deadlock instead: both forks in one semop (the default), or one philosopher")
	me.Printf("who takes the right fork first")
}

// philosopher is one diner: think, take the forks, eat, put them back.
func philosopher(args []string) {
	me := say.New("philosopher")
	a := intArgs(me, "philosopher", args, 4)
	id, shmid, i, meals := a[0], a[1], a[2], a[3]
	mem := attach(me, shmid)
	tab := newTable(mem)
	child.Ready("")
	if len(args) > 4 && args[4] == "left-then-right" {
		philosopherNaive(me, id, i)
	}
	semop(me, id, sysv.Sembuf{Num: semTable, Op: -1})
	for m := 0; m < meals; m++ {
		schedYield() // think
		semop(me, id, bothForks(i)...)
		atomic.StoreInt64(tab.eating(i), 1)
		if atomic.LoadInt64(tab.eating((i+diners-1)%diners)) != 0 || atomic.LoadInt64(tab.eating((i+1)%diners)) != 0 {
			atomic.AddInt64(tab.clashes(), 1)
		}
		atomic.AddInt64(tab.meals(i), 1)
		schedYield() // eat
		atomic.StoreInt64(tab.eating(i), 0)
		semop(me, id, putBoth(i)...)
	}
	detachChild(me, mem)
}

// philosopherNaive takes the left fork, waits at the gate until everyone
// has done the same, then asks for the right fork, which never comes. It
// ends when the set is removed, silently (five such lines would come in
// any order), with exit status exitEIDRM.
func philosopherNaive(me *say.Speaker, id, i int) {
	semop(me, id, leftFork(i)...)
	semop(me, id, sysv.Sembuf{Num: semTable, Op: -1})
	err := sysv.Semop(id, rightFork(i))
	switch syserr.Errno(err) {
	case unix.EIDRM:
		os.Exit(exitEIDRM)
	case 0:
		// Nobody puts a fork down in this mode, but a process that dies
		// does: the kernel undoes its P (SEM_UNDO). That happens when the
		// neighbour is killed, by kill -9 or by the parent's cleanup on
		// Ctrl-C, which ends the philosophers one after the other.
		me.Printf("%s returned after all: my neighbour died, and the kernel gave its fork back (SEM_UNDO)",
			semopCall(rightFork(i)))
		os.Exit(exitFreed)
	}
	me.Fatal(fmt.Errorf("expected EIDRM: %v", err))
}

// holdOn stops until Enter (a line or end of file on standard input), so
// that a learner can look at the deadlocked set from another terminal.
// Ctrl-C, SIGTERM and SIGHUP end the run cleanly (common/cleanup); kill
// -9 leaves the set behind.
func (r *run) holdOn(id int) {
	r.me.Printf("holding (-hold): the five are deadlocked.")
	r.me.Printf("  look at it:  ipcs -s -i %d   (semncnt per semaphore)", id)
	r.me.Printf("  Enter goes on; Ctrl-C removes the set and ends the run")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // end of file goes on too
	r.me.Printf("going on")
}
