//go:build linux && (amd64 || arm64)

package main

// What every part's parent does the same way: make a set or a segment and
// register it with common/cleanup in the same breath, start and reap the
// children, print a call from the values it passes.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// The flags of every set and segment the parent makes: only this user.
// A set has the run's key (runKey) and IPC_EXCL; a segment is IPC_PRIVATE
// (the children get the ids in their argv).
const (
	setFlags = unix.IPC_CREAT | unix.IPC_EXCL | 0o600
	shmMode  = 0o600
)

// runKey is the key of every set this run makes: 0x08, this example, in
// the high byte and the PID in the low 24 bits (pid_max is at most 2^22,
// proc(5)). A set that kill -9 leaves behind thus says which run made it,
// and the next run can tell that this run is gone (leftovers.go). With
// IPC_EXCL, a set that already has the key is refused, never shared.
func runKey() sysv.Key { return sysv.Key(0x08000000 | os.Getpid()&0xffffff) }

// run is the parent of one run: its speaker, its step count, and the sets
// it holds. Every set and every segment not yet marked for removal is
// registered with common/cleanup the moment it exists, so that Ctrl-C,
// SIGTERM, SIGHUP, a closed output or a failing call (say.Fatal) removes
// it; sets remembers the handles, so that the part can remove a set
// itself, when the lesson says so.
type run struct {
	me   *say.Speaker
	step int
	hold bool // philosophers -deadlock -hold: stop at the deadlock until Enter
	sets map[int]*cleanup.Handle
}

func newRun() *run { return &run{me: say.New("parent"), sets: map[int]*cleanup.Handle{}} }

// Step prints the next step header.
func (r *run) Step(title string) {
	r.step++
	say.Step(r.step, title)
}

// semget is semget(2), the set registered under common/cleanup's lock
// together with its creation: an interrupt cannot fall between the two.
// It returns the call as C would write it, from the values passed.
func (r *run) semget(key sysv.Key, nsems, flags int) (int, string, error) {
	var id int
	h, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		if id, err = sysv.Semget(key, nsems, flags); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("semaphore set %d", id), func() error { return sysv.SemctlRmid(id) }, nil
	})
	if err != nil {
		return -1, "", err
	}
	r.sets[id] = h
	return id, semgetCall(key, nsems, flags), nil
}

// newSet is semget(runKey(), nsems, IPC_CREAT|IPC_EXCL|0600).
func (r *run) newSet(nsems int) (int, string) {
	id, call, err := r.semget(runKey(), nsems, setFlags)
	if err != nil {
		r.me.Fatal(syserr.Explain(err, semgetMeanings))
	}
	return id, call
}

// rmSet is semctl(id, 0, IPC_RMID): every process asleep in semop on the
// set wakes with EIDRM.
func (r *run) rmSet(id int) {
	h := r.sets[id]
	delete(r.sets, id)
	if err := h.Release(); err != nil {
		r.me.Fatal(err)
	}
}

// newShm makes a segment of size bytes, attaches it and marks it for
// removal at once: from then on the kernel frees it at the last detach,
// however the processes end (06-shm shows why). Linux lets the children
// attach a marked segment by its id. Until it is marked, it is registered
// with common/cleanup like a set. It returns the shmget call, from the
// values passed.
func (r *run) newShm(size int) (int, []byte, string) {
	var id int
	h, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		if id, err = unix.SysvShmGet(unix.IPC_PRIVATE, size, shmMode); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("shared memory segment %d", id), func() error {
			_, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil)
			return err
		}, nil
	})
	call := fmt.Sprintf("shmget(IPC_PRIVATE, %d, %#o)", size, shmMode)
	if err != nil {
		r.me.Fatal(syserr.Wrap(call, err, nil))
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		r.me.Fatal(syserr.Wrap("shmat", err, nil)) // removes the segment first
	}
	if err := h.Release(); err != nil { // shmctl(IPC_RMID): marked, not yet freed
		r.me.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
	}
	return id, mem, call
}

// detach is shmdt; the slice must not be touched afterwards.
func (r *run) detach(mem []byte) {
	if err := unix.SysvShmDetach(mem); err != nil {
		r.me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
}

// semop is semop(2) for the parent; it returns the call, from the
// operations passed.
func (r *run) semop(id int, ops ...sysv.Sembuf) string {
	if err := sysv.Semop(id, ops); err != nil {
		r.me.Fatal(err)
	}
	return semopCall(ops)
}

// setVal is semctl(id, num, SETVAL, arg) with arg.val = v; it returns the
// call.
func (r *run) setVal(id, num, v int) string {
	if err := sysv.SemctlSetVal(id, num, v); err != nil {
		r.me.Fatal(err)
	}
	return fmt.Sprintf("semctl(semid, %d, SETVAL, arg) with arg.val = %d", num, v)
}

// setAll is semctl(id, 0, SETALL, arg) with arg.array = vals; it returns
// the call.
func (r *run) setAll(id int, vals []uint16) string {
	if err := sysv.SemctlSetAll(id, vals); err != nil {
		r.me.Fatal(err)
	}
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = strconv.Itoa(int(v))
	}
	return "semctl(semid, 0, SETALL, arg) with arg.array = {" + strings.Join(s, ", ") + "}"
}

// Children: c.StartOrFail(r.me) starts one, and common/child registers it
// with common/cleanup, so an interrupt kills it (and waits until it is
// dead) before the sets go. ready and wait are child's ReadyOrFail and
// Reap, but for a child killed by the signal that is ending the whole
// process group (cleanup.FollowChild), and for names like "worker #2 (C)".

// ready waits for a child's readiness message.
func (r *run) ready(c *child.Cmd) string {
	msg, err := c.WaitReady()
	if err != nil {
		cleanup.FollowChild(c.ProcessState.Sys().(syscall.WaitStatus))
		r.me.Fatal(err)
	}
	return msg
}

// wait is waitpid(pid, &status, 0); it returns how the child ended, in
// words.
func (r *run) wait(c *child.Cmd) string {
	_ = c.Wait() // the status is what we report
	cleanup.FollowChild(c.ProcessState.Sys().(syscall.WaitStatus))
	return child.Describe(c.ProcessState)
}

// end waits for a child that must exit with status 0, and says so.
func (r *run) end(c *child.Cmd, name string) {
	_ = c.Wait() // the status is checked next
	r.exited0(c, name)
}

// exited0 says how a child that has been waited for ended; anything but
// status 0 ends the run (status 1), or the signal that killed the child
// if it is the one ending the whole process group.
func (r *run) exited0(c *child.Cmd, name string) {
	cleanup.FollowChild(c.ProcessState.Sys().(syscall.WaitStatus))
	how := child.Describe(c.ProcessState)
	r.me.Printf("waitpid: %s (pid %d) %s", name, c.Process.Pid, how)
	if how != "exited with status 0" {
		r.me.Fatal(fmt.Errorf("%s %d %s", name, c.Process.Pid, how))
	}
}

// waitCount waits until GETNCNT (zero: GETZCNT) of semaphore num is want.
// A process asleep in semop cannot say so; the kernel's count of waiters
// can. Looking every millisecond is a wait for a condition, not an
// ordering by sleep; the minute is only a guard.
func (r *run) waitCount(id, num int, zero bool, want int) {
	get, what := sysv.SemctlGetNcnt, "GETNCNT"
	if zero {
		get, what = sysv.SemctlGetZcnt, "GETZCNT"
	}
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := get(id, num)
		if err != nil {
			r.me.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			r.me.Fatal(fmt.Errorf("%s of semaphore %d stayed %d, never %d", what, num, n, want))
		}
		time.Sleep(time.Millisecond)
	}
}

// finish is the last step: nothing is left.
func (r *run) finish() {
	r.Step("what this run leaves behind")
	if len(r.sets) != 0 {
		r.me.Fatal(fmt.Errorf("%d semaphore set(s) still held", len(r.sets)))
	}
	r.me.Printf("every set was removed with semctl(IPC_RMID), every segment was marked for removal")
	r.me.Kernel("open descriptors: %s", peek.FDSummary())
	r.me.Printf("a semaphore set is no file descriptor: it lives in the kernel until IPC_RMID, even")
	r.me.Printf("when no process uses it (ipcs -s lists them, ipcrm -s removes one)")
}

// semgetCall is a semget call as C writes it: "semget(IPC_PRIVATE, 2,
// IPC_CREAT|0600)".
func semgetCall(key sysv.Key, nsems, flags int) string {
	k := key.String()
	if key == sysv.IPC_PRIVATE {
		k = "IPC_PRIVATE"
	}
	return fmt.Sprintf("semget(%s, %d, %s)", k, nsems, sysv.MsgFlags(flags))
}

// semopCall is a semop call as C writes it, its operations printed by
// sysv.Sembuf.String: "semop({0, -1, SEM_UNDO})".
func semopCall(ops []sysv.Sembuf) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = o.String()
	}
	return "semop(" + strings.Join(s, ", ") + ")"
}

// showSet prints what the kernel holds for the set: its row of
// /proc/sysvipc/sem, then each semaphore's value, its waiters and, with
// withPid, the last process to operate on it (left out where several
// processes race, so that the output is the same on every run).
func showSet(me *say.Speaker, id int, withPid bool, names ...string) {
	me.Kernel("%s", peek.SysVLine("sem", id, "key", "semid", "perms", "nsems"))
	vals, err := sysv.SemctlGetAll(id)
	if err != nil {
		return // gone: the row says so
	}
	for i, v := range vals {
		n, _ := sysv.SemctlGetNcnt(id, i)
		z, _ := sysv.SemctlGetZcnt(id, i)
		pid, _ := sysv.SemctlGetPid(id, i)
		name := ""
		if i < len(names) {
			name = " " + names[i]
		}
		line := fmt.Sprintf("  #%d%s: semval=%d semncnt=%d semzcnt=%d", i, name, v, n, z)
		if withPid {
			line += " sempid=" + peek.PID(pid)
		}
		me.Kernel("%s", line)
	}
}

// otime is IPC_STAT's sem_otime, the time of the last semop: "never"
// while it is 0.
func otime(id int) string {
	var ds sysv.SemidDs
	if err := sysv.SemctlStat(id, &ds); err != nil {
		return err.Error()
	}
	return "sem_otime=" + peek.When(ds.Otime)
}

// Child side helpers.

// intArgs parses a child's numeric arguments; a parent that passes
// anything else has a bug.
func intArgs(me *say.Speaker, role string, args []string, n int) []int {
	if len(args) < n {
		me.Fatal(fmt.Errorf("%s: want %d numbers, got %q", role, n, args))
	}
	out := make([]int, n)
	for i := 0; i < n; i++ {
		v, err := strconv.Atoi(args[i])
		if err != nil {
			me.Fatal(fmt.Errorf("%s: argument %d: %v", role, i+1, err))
		}
		out[i] = v
	}
	return out
}

// attach is a child's shmat of the segment whose id it was given.
func attach(me *say.Speaker, shmid int) []byte {
	mem, err := unix.SysvShmAttach(shmid, 0, 0)
	if err != nil {
		me.Fatal(syserr.Wrap(fmt.Sprintf("shmat(%d)", shmid), err, syserr.Meanings{
			unix.EINVAL: "no segment has this id (the parent is gone?)",
		}))
	}
	return mem
}

// semop is semop(2) for a child, fatal on error.
func semop(me *say.Speaker, id int, ops ...sysv.Sembuf) {
	if err := sysv.Semop(id, ops); err != nil {
		me.Fatal(err)
	}
}

// semopSaid is semop for a child that prints the call: it returns it.
func semopSaid(me *say.Speaker, id int, ops ...sysv.Sembuf) string {
	semop(me, id, ops...)
	return semopCall(ops)
}

// detachChild is a child's shmdt.
func detachChild(me *say.Speaker, mem []byte) {
	if err := unix.SysvShmDetach(mem); err != nil {
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
}

// schedYield is sched_yield(2): give the CPU to another runnable process.
// x/sys/unix v0.30 has no wrapper. runtime.Gosched would only switch goroutines
// inside this process.
func schedYield() {
	_, _, _ = unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0) // never fails
}

const (
	defaultProcs = 4
	defaultLoops = 2000
	defaultItems = 10
	defaultSlots = 4
	defaultMeals = 100
)

// inRange is the usage check of a count flag.
func inRange(flagName string, v, lo, hi int) {
	if v < lo || v > hi {
		cmdline.Usage(usage, "%s must be %d to %d, not %d", flagName, lo, hi, v)
	}
}

// lookPeer finds the -peer program before anything is made, so that a typo
// leaves nothing behind.
func lookPeer(r *run, path string) string {
	if path == "" {
		return ""
	}
	abs, err := exec.LookPath(path)
	if err != nil {
		r.me.Fatal(syserr.Wrap("-peer "+path, err, syserr.Meanings{
			unix.ENOENT: "no such program (build it: gcc -Wall -Wextra -o bin/sem_peer 08-semaphore/c/sem_peer.c)",
			unix.EACCES: "not executable",
		}))
	}
	return abs
}

// warnErr prints an error a step provokes on purpose: the failed call and
// its errno on one line, what it means here on the next, so that each
// fits the terminal.
func warnErr(me *say.Speaker, err error) {
	var e *syserr.Error
	if errors.As(err, &e) && e.Meaning != "" {
		first := fmt.Sprintf("%s failed: %s (%s):", e.Call, syserr.Name(e.Errno), e.Errno.Error())
		if len(first) > 80 { // 100 columns less the longest tag, "survivor 1234567: "
			me.Warnf("%s failed: %s", e.Call, syserr.Name(e.Errno))
			first = fmt.Sprintf("  (%s):", e.Errno.Error())
		}
		me.Warnf("%s", first)
		me.Warnf("  %s", e.Meaning)
		return
	}
	me.Warnf("%v", err)
}
