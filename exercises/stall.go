//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A hung run is most often a deadlock: every process of it asleep in a
// call that has no time limit (a read of a pipe whose other end waits
// too, a wait for a child that waits for its parent), and nothing will
// ever change. The checker need not sit out its guard to see that. While
// it waits for the program (Proc.Wait, Ended, Line), it looks at /proc
// every stallLook; when, for stallAfter, no thread of the run has run at
// all (/proc/PID/task/TID/schedstat unchanged) and each one sleeps in a
// call with no time limit (not runnable, not stopped, not in a sleep, a
// poll or a futex given a timeout), it stops the run and says where each
// process waits, as the guard would.
const (
	stallLook  = 100 * time.Millisecond
	stallAfter = time.Second
	// A time limit this far off counts as none: the Go runtime's sysmon
	// thread of an idle program sleeps in a futex for up to 60 s.
	stallFar = 10 * time.Second
)

// watchStall looks at the run's processes until stop is closed, and calls
// stalled once if they stop moving while the checker waits for them.
func (s *Scene) watchStall(stop <-chan struct{}, stalled func(header string)) {
	t := time.NewTicker(stallLook)
	defer t.Stop()
	last, since := "", time.Time{}
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if s.waiting.Load() == 0 {
			last = ""
			continue
		}
		snap, still := stillness()
		switch {
		case !still || snap != last:
			last, since = "", time.Time{}
			if still {
				last, since = snap, time.Now()
			}
		case time.Since(since) >= stallAfter:
			stalled(fmt.Sprintf("nothing moved for %.1f s: every process of the run sleeps in a call with no time limit, so the checker stopped it:",
				time.Since(since).Seconds()))
			return
		}
	}
}

// awaiting marks the checker as waiting for the run's processes (only
// then can the run be called stalled) and returns what unmarks it. Not
// for a wait with a bound of its own, which expects that the program may
// be stuck and has something to say about it (or more to check) then.
func (s *Scene) awaiting() func() {
	if s == nil {
		return func() {}
	}
	s.waiting.Add(1)
	return func() { s.waiting.Add(-1) }
}

// stillness reads every thread of the checker's descendants: snap says
// how far each has run and where it sleeps; still is false when one of
// them may move by itself (runnable, stopped, in disk sleep, in a call
// with a time limit) or there is no process to look at.
func stillness() (snap string, still bool) {
	pids := descendantPIDs()
	var b strings.Builder
	n := 0
	for _, pid := range pids {
		tids, err := osReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		if err != nil {
			continue // it ended and was reaped
		}
		for _, t := range tids {
			tid, _ := strconv.Atoi(t)
			dir := fmt.Sprintf("/proc/%d/task/%d/", pid, tid)
			st, err := os.ReadFile(dir + "stat")
			if err != nil {
				continue
			}
			state := statState(string(st))
			if state == "Z" || state == "X" {
				continue
			}
			if state != "S" {
				return "", false // running, runnable, stopped, in disk sleep
			}
			nr, args, ok := threadCall(pid, tid)
			if !ok || wakesBySelf(pid, nr, args) {
				return "", false
			}
			ran, _ := os.ReadFile(dir + "schedstat")
			fmt.Fprintf(&b, "%d/%d %d %s|", pid, tid, nr, strings.Fields(string(ran) + " ?")[0])
			n++
		}
	}
	return b.String(), n > 0
}

func statState(stat string) string {
	j := strings.LastIndexByte(stat, ')')
	if j < 0 {
		return "?"
	}
	f := strings.Fields(stat[j+1:])
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// descendantPIDs are the checker's descendants (the checker is a child
// subreaper: what its children leave behind stays under it).
func descendantPIDs() []int {
	var out []int
	for _, q := range descendants(func(int) bool { return false }) {
		out = append(out, q.pid)
	}
	return out
}

// wakesSoon reports whether a thread of pid sleeps in a call that ends by
// itself before stallFar (wakesBySelf): a timer of the process is due.
func wakesSoon(pid int) bool {
	tids, _ := osReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, t := range tids {
		tid, _ := strconv.Atoi(t)
		if nr, args, ok := threadCall(pid, tid); ok && wakesBySelf(pid, nr, args) {
			return true
		}
	}
	return false
}

// How a blocking call is given its time limit.
type limitKind int

const (
	sleeps limitKind = iota + 1 // a sleep: it ends by itself
	msArg                       // milliseconds in the argument, < 0 for none
	relTS                       // a pointer to a relative timespec, NULL for none
	relTV                       // a pointer to a relative timeval (select)
	absTS                       // a pointer to an absolute CLOCK_REALTIME timespec
)

type limit struct {
	arg  int
	kind limitKind
}

// limits are the calls that may wake by themselves; every other call a
// thread sleeps in waits for another process (futex: see wakesBySelf).
var limits = map[uintptr]limit{
	unix.SYS_NANOSLEEP: {0, sleeps}, unix.SYS_CLOCK_NANOSLEEP: {0, sleeps},
	unix.SYS_EPOLL_PWAIT: {3, msArg}, unix.SYS_EPOLL_PWAIT2: {3, relTS},
	unix.SYS_PPOLL: {2, relTS}, unix.SYS_PSELECT6: {4, relTS},
	unix.SYS_RT_SIGTIMEDWAIT: {2, relTS}, unix.SYS_SEMTIMEDOP: {3, relTS},
	unix.SYS_MQ_TIMEDRECEIVE: {4, absTS}, unix.SYS_MQ_TIMEDSEND: {4, absTS},
}

// wakesBySelf reports whether a thread of pid asleep in call nr with args
// will wake by itself before stallFar: a sleep, or a wait given a time
// limit (read from the process's memory where the call takes a pointer;
// what cannot be read counts as a limit).
func wakesBySelf(pid int, nr uintptr, args []int64) bool {
	l, ok := limits[nr]
	if nr == unix.SYS_FUTEX && len(args) > 3 {
		const cmdMask, realtime = 0x7f, 256
		switch args[1] & cmdMask {
		case 0: // FUTEX_WAIT: relative
			l, ok = limit{3, relTS}, true
		case 9, 11: // FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI: absolute
			clock := unix.CLOCK_MONOTONIC
			if args[1]&realtime != 0 {
				clock = unix.CLOCK_REALTIME
			}
			return args[3] != 0 && untilAbs(pid, args[3], clock) < stallFar
		case 6, 13: // FUTEX_LOCK_PI, FUTEX_LOCK_PI2: absolute, realtime
			return args[3] != 0 && untilAbs(pid, args[3], unix.CLOCK_REALTIME) < stallFar
		}
	}
	if !ok || len(args) <= l.arg {
		return false
	}
	a := args[l.arg]
	switch l.kind {
	case sleeps:
		return true
	case msArg:
		ms := int32(a)
		return ms >= 0 && time.Duration(ms)*time.Millisecond < stallFar
	case relTS, relTV:
		if a == 0 {
			return false
		}
		sec, frac, ok := readPair(pid, a)
		if !ok {
			return true
		}
		unit := time.Nanosecond
		if l.kind == relTV {
			unit = time.Microsecond
		}
		return time.Duration(sec)*time.Second+time.Duration(frac)*unit < stallFar
	case absTS:
		return a != 0 && untilAbs(pid, a, unix.CLOCK_REALTIME) < stallFar
	}
	return false
}

// untilAbs is how long until the absolute timespec at addr in pid's
// memory, on clock (0 if it cannot be read: counted as near).
func untilAbs(pid int, addr int64, clock int) time.Duration {
	sec, nsec, ok := readPair(pid, addr)
	if !ok {
		return 0
	}
	var now unix.Timespec
	if unix.ClockGettime(int32(clock), &now) != nil {
		return 0
	}
	return time.Duration(sec-now.Sec)*time.Second + time.Duration(nsec-now.Nsec)
}

// readPair reads two int64 (a timespec or a timeval on a 64-bit
// machine) at addr in pid's memory: the checker is its ancestor, which
// process_vm_readv allows under Yama's ptrace_scope 1.
func readPair(pid int, addr int64) (a, b int64, ok bool) {
	var v [2]int64
	local := []unix.Iovec{{Base: (*byte)(unsafe.Pointer(&v[0])), Len: 16}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: 16}}
	n, err := unix.ProcessVMReadv(pid, local, remote, 0)
	if err != nil || n != 16 {
		return 0, 0, false
	}
	return v[0], v[1], true
}
