//go:build linux && (amd64 || arm64)

// Package sigset is C's sigset_t in Go: a set of signals with the five
// functions of <signal.h> (sigemptyset, sigfillset, sigaddset, sigdelset,
// sigismember), printed as signal names, plus what the kernel shows about a
// process's signals in /proc.
//
// The kernel keeps a signal set as one 64-bit word on Linux: bit n-1 stands
// for signal n, so SIGINT (2) and SIGQUIT (3) are 0x6. That is the hex
// number /proc/<pid>/status prints on its five signal lines:
//
//	SigPnd  signals pending for this thread (sent with tgkill, or raise)
//	ShdPnd  signals pending for the whole process (sent with kill)
//	SigBlk  signals this thread blocks (its mask: sigprocmask, pthread_sigmask)
//	SigIgn  signals the process ignores (SIG_IGN)
//	SigCgt  signals the process catches (a handler is installed)
//
// SigPnd and SigBlk belong to one thread. In /proc/self/status they are the
// main thread's; a Go program runs its goroutines on many threads, so read
// /proc/self/task/<tid>/status (Thread) for the thread you locked.
//
//	var s sigset.Set
//	s.Empty()              // sigemptyset(&s)
//	s.Add(unix.SIGINT)     // sigaddset(&s, SIGINT)
//	s.IsMember(unix.SIGINT) // sigismember(&s, SIGINT) == 1
//	fmt.Println(s)         // SIGINT
package sigset

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// nsig is the number of signals Linux has: 1 to 64. 1-31 are the classic
// signals with names; 32-64 are the real-time signals, of which the C
// library keeps 32 and 33 for its threads, so C's SIGRTMIN is 34.
const nsig = 64

// Set is a set of signals as the kernel keeps it: bit n-1 for signal n.
// The zero value is the empty set.
type Set uint64

// Of is the set of the given signals. It panics on a number outside
// 1-64: that is a programming error, not an input error.
func Of(sigs ...syscall.Signal) Set {
	var s Set
	for _, sig := range sigs {
		if err := s.Add(sig); err != nil {
			panic(err)
		}
	}
	return s
}

// Empty empties s: sigemptyset(&s).
func (s *Set) Empty() { *s = 0 }

// Fill puts every signal, 1 to 64, into s: sigfillset(&s). The kernel
// never lets SIGKILL or SIGSTOP be blocked; it drops them from any mask
// it is given.
func (s *Set) Fill() { *s = ^Set(0) }

// Add puts sig into s: sigaddset(&s, sig). Like the C function it fails
// with EINVAL for a number that is not a signal.
func (s *Set) Add(sig syscall.Signal) error {
	if !valid(sig) {
		return syscall.EINVAL
	}
	*s |= bit(sig)
	return nil
}

// Del takes sig out of s: sigdelset(&s, sig). It fails with EINVAL for a
// number that is not a signal.
func (s *Set) Del(sig syscall.Signal) error {
	if !valid(sig) {
		return syscall.EINVAL
	}
	*s &^= bit(sig)
	return nil
}

// IsMember reports whether sig is in s: sigismember(&s, sig) == 1.
func (s Set) IsMember(sig syscall.Signal) bool {
	return valid(sig) && s&bit(sig) != 0
}

func valid(sig syscall.Signal) bool { return sig >= 1 && sig <= nsig }

func bit(sig syscall.Signal) Set { return 1 << uint(sig-1) }

// Signals lists the members of s in numeric order.
func (s Set) Signals() []syscall.Signal {
	var sigs []syscall.Signal
	for n := syscall.Signal(1); n <= nsig; n++ {
		if s.IsMember(n) {
			sigs = append(sigs, n)
		}
	}
	return sigs
}

// Len is the number of signals in s.
func (s Set) Len() int { return len(s.Signals()) }

// String names the members of s: "SIGINT SIGQUIT", or "none". A set of
// more than 32 signals is shown by what it lacks, "all but SIGKILL
// SIGSTOP", which is how a learner reads a Go program's SigCgt.
func (s Set) String() string {
	switch {
	case s == 0:
		return "none"
	case s == ^Set(0):
		return "all 64"
	case s.Len() > 32:
		return "all but " + names(^s)
	}
	return names(s)
}

func names(s Set) string {
	var b []string
	for _, sig := range s.Signals() {
		b = append(b, Name(sig))
	}
	return strings.Join(b, " ")
}

// Hex is s as /proc/<pid>/status prints it: 16 hex digits.
func (s Set) Hex() string { return fmt.Sprintf("%016x", uint64(s)) }

// Sigset converts s to the C library's sigset_t as x/sys/unix declares it
// (1024 bits, of which Linux uses the first 64), for PthreadSigmask.
func (s Set) Sigset() unix.Sigset_t {
	var ss unix.Sigset_t
	w := uint(unsafe.Sizeof(ss.Val[0]) * 8) // 64, or 32 on 32-bit systems
	for _, sig := range s.Signals() {
		n := uint(sig - 1)
		ss.Val[n/w] |= 1 << (n % w)
	}
	return ss
}

// fromSigset converts a sigset_t to a Set, keeping signals 1 to 64.
func fromSigset(ss *unix.Sigset_t) Set {
	var s Set
	w := uint(unsafe.Sizeof(ss.Val[0]) * 8)
	for n := uint(0); n < nsig; n++ {
		if ss.Val[n/w]&(1<<(n%w)) != 0 {
			s |= 1 << n
		}
	}
	return s
}

// Name is the signal's name as kill -l prints it: "SIGINT", "SIGRTMIN+3",
// "SIGRTMAX"; "SIG32" and "SIG33" for the two the C library keeps for
// itself and that have no name; "signal 99" for a number that is no
// signal.
func Name(sig syscall.Signal) string {
	switch {
	case sig >= 1 && sig <= 31:
		if n := unix.SignalName(sig); n != "" {
			return n
		}
	case sig == 32 || sig == 33:
		return fmt.Sprintf("SIG%d", int(sig))
	case sig == rtMin:
		return "SIGRTMIN"
	case sig > rtMin && sig <= rtMin+15:
		return fmt.Sprintf("SIGRTMIN+%d", int(sig-rtMin))
	case sig > rtMin+15 && sig < nsig:
		return fmt.Sprintf("SIGRTMAX-%d", int(nsig-sig))
	case sig == nsig:
		return "SIGRTMAX"
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// rtMin is the C library's SIGRTMIN.
const rtMin = 34

// aliases are the other names C accepts for a signal.
var aliases = map[string]syscall.Signal{"SIGIOT": unix.SIGABRT, "SIGPOLL": unix.SIGIO, "SIGCLD": unix.SIGCHLD}

// ParseSignal reads a signal given by name or number, as kill(1) accepts
// it: "SIGTERM", "TERM", "term", "15", "SIGRTMIN+2". Anything else is an
// error whose text lists the valid names, ready for a usage message.
func ParseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if valid(syscall.Signal(n)) {
			return syscall.Signal(n), nil
		}
		return 0, fmt.Errorf("no signal has the number %d; signals are 1 to %d, or by name: %s", n, nsig, validNames())
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig, ok := aliases[name]; ok {
		return sig, nil
	}
	for n := syscall.Signal(1); n <= nsig; n++ {
		if Name(n) == name {
			return n, nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q; valid names: %s, or a number 1 to %d", s, validNames(), nsig)
}

// validNames lists the signal names ParseSignal accepts, the classic ones
// in full and the real-time ones as a range.
func validNames() string {
	var b []string
	for n := syscall.Signal(1); n <= 31; n++ {
		b = append(b, Name(n))
	}
	return strings.Join(b, " ") + " SIGRTMIN SIGRTMIN+1 ... SIGRTMAX-1 SIGRTMAX"
}

// Status is the kernel's view of one thread's signals, from the Sig* and
// ShdPnd lines of a /proc status file.
type Status struct {
	SigPnd Set // pending for the thread
	ShdPnd Set // pending for the whole process
	SigBlk Set // blocked by the thread
	SigIgn Set // ignored by the process
	SigCgt Set // caught by the process
}

// ParseStatus decodes the signal lines of a /proc/<pid>/status file.
func ParseStatus(text []byte) (Status, error) {
	var st Status
	fields := map[string]*Set{"SigPnd": &st.SigPnd, "ShdPnd": &st.ShdPnd, "SigBlk": &st.SigBlk, "SigIgn": &st.SigIgn, "SigCgt": &st.SigCgt}
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		p := fields[key]
		if !ok || p == nil {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimSpace(val), 16, 64)
		if err != nil {
			return Status{}, fmt.Errorf("status line %s: %v", key, err)
		}
		*p = Set(v)
		found++
	}
	if found != len(fields) {
		return Status{}, fmt.Errorf("status file has %d of the 5 signal lines", found)
	}
	return st, nil
}

// ReadStatus reads and decodes a status file, /proc/<pid>/status or
// /proc/<pid>/task/<tid>/status.
func ReadStatus(path string) (Status, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Status{}, err
	}
	st, err := ParseStatus(b)
	if err != nil {
		return Status{}, fmt.Errorf("%s: %v", path, err)
	}
	return st, nil
}

// Self reads /proc/self/status. Its SigPnd and SigBlk are those of the
// process's main thread, which in Go may be running any goroutine.
func Self() (Status, error) { return ReadStatus("/proc/self/status") }

// Thread reads /proc/self/task/<tid>/status: the thread's own SigPnd and
// SigBlk, next to the process-wide ShdPnd, SigIgn and SigCgt.
func Thread(tid int) (Status, error) {
	return ReadStatus("/proc/self/task/" + strconv.Itoa(tid) + "/status")
}

// Process reads /proc/<pid>/status of another process.
func Process(pid int) (Status, error) {
	return ReadStatus("/proc/" + strconv.Itoa(pid) + "/status")
}

// Pending is sigpending(&set) for the calling thread: the signals that
// are blocked and waiting, sent to this thread or to the whole process
// (rt_sigpending(2), with the kernel's 8-byte set).
func Pending() (Set, error) {
	var s Set
	_, _, e := unix.RawSyscall(unix.SYS_RT_SIGPENDING, uintptr(unsafe.Pointer(&s)), unsafe.Sizeof(s), 0)
	if e != 0 {
		return 0, e
	}
	return s, nil
}

// SetThreadMask is pthread_sigmask(how, &set, &old) for the calling OS
// thread; how is unix.SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK. It returns
// the previous mask. A goroutine moves between threads, so call
// runtime.LockOSThread first and restore the mask before unlocking.
func SetThreadMask(how int, set Set) (old Set, err error) {
	ss := set.Sigset()
	var prev unix.Sigset_t
	if err := unix.PthreadSigmask(how, &ss, &prev); err != nil {
		return 0, err
	}
	return fromSigset(&prev), nil
}

// Handler values of Action, as in <signal.h>.
const (
	SIG_DFL = 0 // the default action
	SIG_IGN = 1 // ignore the signal
)

// The sa_flags bits of struct sigaction (Linux, <asm/signal.h>).
const (
	saNocldstop = 0x1        // no SIGCHLD when a child stops or continues
	saNocldwait = 0x2        // children do not become zombies
	saSiginfo   = 0x4        // the handler takes (sig, siginfo, context)
	SA_RESTORER = 0x04000000 // sa_restorer is set (the C library does it)
	saOnstack   = 0x08000000 // run the handler on the alternate stack
	saRestart   = 0x10000000 // restart system calls the handler interrupted
	saNodefer   = 0x40000000 // do not block the signal during its handler
	saResethand = 0x80000000 // back to SIG_DFL once the handler is entered
)

var flagNames = []syserr.Flag{
	{Bit: saNocldstop, Name: "SA_NOCLDSTOP"}, {Bit: saNocldwait, Name: "SA_NOCLDWAIT"}, {Bit: saSiginfo, Name: "SA_SIGINFO"},
	{Bit: SA_RESTORER, Name: "SA_RESTORER"}, {Bit: saOnstack, Name: "SA_ONSTACK"}, {Bit: saRestart, Name: "SA_RESTART"},
	{Bit: saNodefer, Name: "SA_NODEFER"}, {Bit: saResethand, Name: "SA_RESETHAND"},
}

// FlagNames spells out sa_flags: "SA_SIGINFO|SA_RESTART", or "0".
func FlagNames(flags uint64) string { return syserr.FlagNames(flags, flagNames, 16) }

// Action is the kernel's struct sigaction on amd64 and arm64, the layout
// rt_sigaction(2) reads and writes (not the C library's, whose sa_mask is
// 128 bytes).
type Action struct {
	Handler  uintptr // SIG_DFL, SIG_IGN or the address of a handler
	Flags    uint64  // SA_* bits
	Restorer uintptr // the return trampoline the C library supplies
	Mask     Set     // sa_mask: also blocked while the handler runs
}

// Sigaction is sigaction(sig, act, &old) as the raw system call: it
// returns the signal's current action and, if act is not nil, installs
// act. Use it to read what the Go runtime installed, or to see the kernel
// refuse SIGKILL; installing anything behind the runtime's back breaks
// os/signal. It fails with ENOSYS on architectures other than amd64 and
// arm64, whose struct differs.
func Sigaction(sig syscall.Signal, act *Action) (old Action, err error) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		return Action{}, syscall.ENOSYS
	}
	var e syscall.Errno
	if act != nil {
		_, _, e = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(&old)), unsafe.Sizeof(old.Mask), 0, 0)
	} else {
		_, _, e = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), unsafe.Sizeof(old.Mask), 0, 0)
	}
	if e != 0 {
		return Action{}, e
	}
	return old, nil
}

// Disposition says what an Action does: "SIG_DFL", "SIG_IGN", or
// "handler" for a function.
func (a Action) Disposition() string {
	switch a.Handler {
	case SIG_DFL:
		return "SIG_DFL"
	case SIG_IGN:
		return "SIG_IGN"
	}
	return "handler"
}
