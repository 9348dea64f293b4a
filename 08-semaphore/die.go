//go:build linux && (amd64 || arm64)

// die.go is the "die" part, beyond the article (no C twin): a process
// killed with SIGKILL inside the critical section, with SEM_UNDO and
// without, and what the survivors see. Its roles: holder, survivor.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// survivorTimeout is how long the patient survivor's semtimedop waits for
// a lock that will never come back. It only has to expire; nothing is
// timed by it.
const survivorTimeout = 100 * time.Millisecond

// die is the "die" part: a process killed with SIGKILL inside the critical
// section, with SEM_UNDO and without.
func (r *run) die() {
	me := r.me
	r.Step("killed inside the critical section, holding the lock with SEM_UNDO")
	id, call := r.newSet(1)
	me.Printf("%s = semid %d,", call, id)
	me.Printf("%s: the lock is free", r.setVal(id, 0, 1))
	r.killHolder(id, true)
	showSet(me, id, true, "lock")
	me.Printf("the kernel applied the holder's semadj as it died: the value is 1 again, and sempid")
	me.Printf("is the dead holder's. kill -9 runs no handler, no defer, no atexit; SEM_UNDO is done")
	me.Printf("by the kernel, so it survives even that")
	s := child.Command("survivor", strconv.Itoa(id), "nowait")
	s.StartOrFail(r.me)
	r.ready(s)
	r.end(s, "survivor")

	r.Step("the same without SEM_UNDO: the lock dies with its holder")
	r.killHolder(id, false)
	showSet(me, id, true, "lock")
	me.Printf("nothing gave the lock back: the value stays 0, for good")
	t := child.Command("survivor", strconv.Itoa(id), "timed")
	t.StartOrFail(r.me)
	r.ready(t)
	r.end(t, "survivor")
	w := child.Command("survivor", strconv.Itoa(id), "wait")
	w.StartOrFail(r.me)
	r.ready(w)
	r.waitCount(id, 0, false, 1)
	showSet(me, id, true, "lock")
	me.Printf("semncnt=1: the second survivor sleeps in P and would sleep forever; the lock's only")
	me.Printf("owner is dead. Removing the set is the way to wake it")
	me.Printf("semctl(IPC_RMID): the survivor's semop fails with EIDRM")
	r.rmSet(id)
	r.end(w, "survivor")
	showSet(me, id, true, "lock")
	me.GoNote("the same holds for a Go program: a deferred V does not run on SIGKILL (nor")
	me.GoNote("on os.Exit or log.Fatal). Only the kernel can clean up after kill -9: take")
	me.GoNote("locks with SEM_UNDO.")
}

// killHolder starts a holder that takes the lock (with SEM_UNDO or not)
// and stays inside, then kills it with SIGKILL.
func (r *run) killHolder(id int, undo bool) {
	me := r.me
	mode := "noundo"
	if undo {
		mode = "undo"
	}
	h := child.Command("holder", strconv.Itoa(id), mode)
	// Its standard input is a pipe nobody writes to: it reads it, inside
	// the critical section, until it is killed.
	in, hold, err := os.Pipe()
	if err != nil {
		r.me.Fatal(syserr.Wrap("pipe", err, nil))
	}
	h.Stdin = in
	h.StartOrFail(r.me)
	in.Close()
	r.ready(h)
	showSet(me, id, true, "lock")
	me.Printf("kill(pid %d, SIGKILL) while it holds the lock", h.Process.Pid)
	if err := h.Process.Signal(unix.SIGKILL); err != nil {
		r.me.Fatal(syserr.Wrap("kill", err, nil))
	}
	how := r.wait(h)
	hold.Close()
	me.Printf("waitpid: holder (pid %d) %s", h.Process.Pid, how)
}

// holder takes the lock and stays in the critical section until its
// standard input ends, or it is killed.
func holder(args []string) {
	me := say.New("holder")
	if len(args) != 2 {
		me.Fatal(fmt.Errorf("holder: want SEMID undo|noundo, got %q", args))
	}
	id := intArgs(me, "holder", args, 1)[0]
	var flg int16
	if args[1] == "undo" {
		flg = sysv.SEM_UNDO
	}
	call := semopSaid(me, id, pOp(flg))
	me.Printf("P: %s: the lock is mine, value %d;", call, getVal(me, id, 0))
	me.Printf("working inside the critical section")
	child.Ready("")
	_, _ = io.Copy(io.Discard, os.Stdin) // only its end matters
	semop(me, id, vOp(flg))
	me.Printf("V: done")
}

// survivor wants the lock after the holder died: "nowait" asks with
// IPC_NOWAIT (the lock must be free), "wait" blocks in semop, "timed"
// gives up after survivorTimeout with semtimedop.
func survivor(args []string) {
	me := say.New("survivor")
	if len(args) != 2 {
		me.Fatal(fmt.Errorf("survivor: want SEMID nowait|wait|timed, got %q", args))
	}
	id := intArgs(me, "survivor", args, 1)[0]
	b := pOp(sysv.SEM_UNDO)
	if args[1] == "timed" {
		me.Printf("semtimedop(%v, %v): waiting, for a while", b, survivorTimeout)
		child.Ready("")
		err := sysv.Semtimedop(id, []sysv.Sembuf{b}, survivorTimeout)
		if syserr.Errno(err) != unix.EAGAIN {
			me.Fatal(fmt.Errorf("expected EAGAIN: %v", err))
		}
		warnErr(me, err)
		me.Printf("giving up: semtimedop is how a process can notice a lock that never comes back")
		return
	}
	if args[1] == "nowait" {
		b.Flg |= unix.IPC_NOWAIT
	}
	me.Printf("P: %s", semopCall([]sysv.Sembuf{b}))
	child.Ready("")
	err := sysv.Semop(id, []sysv.Sembuf{b})
	switch syserr.Errno(err) {
	case 0:
		v := getVal(me, id, 0)
		me.Printf("the lock is mine at once, value %d; V: %s", v, semopSaid(me, id, vOp(sysv.SEM_UNDO)))
	case unix.EIDRM:
		warnErr(me, err)
	default:
		me.Fatal(err)
	}
}
