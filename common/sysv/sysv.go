//go:build linux && (amd64 || arm64)

// Package sysv is System V IPC for Go, the parts golang.org/x/sys/unix
// lacks: ftok, message queues (msgget, msgsnd, msgrcv, msgctl; msg.go) and
// semaphores (semget, semop, semtimedop, semctl; sem.go) over raw system
// calls. Shared memory is in x/sys/unix already (SysvShmGet,
// SysvShmAttach, ...).
//
// The names follow the C calls, so a port reads like the C program it
// ports:
//
//	C                                        Go
//	key = ftok(".", 0x66);                   key, err := sysv.Ftok(".", 0x66)
//	id = msgget(key, IPC_CREAT|0600);        id, err := sysv.Msgget(key, unix.IPC_CREAT|0600)
//	msgsnd(id, &buf, len, 0);                err = sysv.Msgsnd(id, mtype, text, 0)
//	n = msgrcv(id, &buf, sizeof buf.mtext,   mtype, n, err := sysv.Msgrcv(id, text, msgtyp, 0)
//	           msgtyp, 0);
//	msgctl(id, IPC_STAT, &ds);               err = sysv.Msgctl(id, unix.IPC_STAT, &ds)
//	id = semget(IPC_PRIVATE, 1, IPC_CREAT|0600);
//	                                         id, err := sysv.Semget(sysv.IPC_PRIVATE, 1, unix.IPC_CREAT|0600)
//	semop(id, &p, 1);                        err = sysv.Semop(id, []sysv.Sembuf{p})
//	arg.val = 1; semctl(id, 0, SETVAL, arg); err = sysv.SemctlSetVal(id, 0, 1)
//
// Three things differ from C, on purpose:
//
//   - Blocking calls retry on EINTR. The kernel never restarts msgsnd,
//     msgrcv, semop and semtimedop after a signal handler ran, SA_RESTART or not (signal(7)), and
//     a Go process always has handlers: the runtime preempts goroutines
//     with SIGURG, and every exiting child brings a SIGCHLD. A C program
//     that installs no handler never sees EINTR here; a Go program would
//     see it all the time. Nothing was sent or received when EINTR comes
//     back, so retrying is always safe. The way to wake a blocked caller is
//     to remove the queue (IPC_RMID): it returns EIDRM.
//   - Errors are *syserr.Error values that name the call and its errno
//     ("msgrcv(IPC_NOWAIT) failed: ENOMSG (no message of desired type):
//     ..."), with a default meaning for the errnos each call is known to
//     return; errors.Is(err, unix.ENOMSG) still works.
//   - The C message buffer (struct msgbuf: long mtype, then the text) is
//     built by the wrapper: callers pass the type and the text separately.
//
// The struct layout (MsqidDs) is the one of 64-bit Linux, checked against
// glibc's <sys/msg.h> by the tests, hence the build constraint.
package sysv

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// Key is a System V IPC key (key_t): a signed 32-bit number that names an
// object, as a path names a file. Keys made by Ftok with a project id of
// 0x80 or more are negative.
type Key int32

// IPC_PRIVATE is the key that never names an existing object: msgget
// always creates a new queue, which only the IDs handed around can reach.
const IPC_PRIVATE Key = unix.IPC_PRIVATE

// String prints the key as ipcs(1) does: eight hex digits, unsigned.
func (k Key) String() string { return fmt.Sprintf("0x%08x", uint32(k)) }

// Flags the x/sys/unix package does not define. IPC_CREAT, IPC_EXCL,
// IPC_NOWAIT, IPC_RMID, IPC_SET and IPC_STAT are in x/sys/unix.
const (
	// MSG_NOERROR makes msgrcv truncate a message longer than the buffer
	// (the rest of the message is lost) instead of failing with E2BIG.
	MSG_NOERROR = 0o10000
	// MSG_EXCEPT makes msgrcv with msgtyp > 0 take the first message whose
	// type is NOT msgtyp.
	MSG_EXCEPT = 0o20000
	// MSG_COPY (Linux 3.8) makes msgrcv copy the message at position msgtyp
	// without removing it; it needs IPC_NOWAIT and a kernel built with
	// CONFIG_CHECKPOINT_RESTORE.
	MSG_COPY = 0o40000
)

// testHookEINTR, when set (by tests), is called each time a wrapper retries
// a call that returned EINTR.
var testHookEINTR func(call string)

// MsgFlags spells the flags of msgget, msgsnd and msgrcv the way a C
// programmer writes them: "IPC_CREAT|IPC_EXCL|0600", "IPC_NOWAIT|MSG_NOERROR",
// "0". Permission bits and unknown bits are shown in octal.
func MsgFlags(flags int) string {
	return syserr.FlagNames(uint64(uint32(flags)), msgFlagNames, 8)
}

var msgFlagNames = []syserr.Flag{
	{Bit: unix.IPC_CREAT, Name: "IPC_CREAT"}, {Bit: unix.IPC_EXCL, Name: "IPC_EXCL"}, {Bit: unix.IPC_NOWAIT, Name: "IPC_NOWAIT"},
	{Bit: MSG_NOERROR, Name: "MSG_NOERROR"}, {Bit: MSG_EXCEPT, Name: "MSG_EXCEPT"}, {Bit: MSG_COPY, Name: "MSG_COPY"},
}

// ignoringEINTR calls sys until it returns anything but EINTR, as the
// standard library's os package does with its ignoringEINTR: msgsnd,
// msgrcv, semop and semtimedop are never restarted after a signal handler
// (signal(7)), and a Go process takes signals at any time (SIGURG for
// preemption, SIGCHLD from every child). Nothing was sent, taken or done
// when EINTR comes back, so calling again is exact.
func ignoringEINTR(call string, sys func() (uintptr, unix.Errno)) (uintptr, unix.Errno) {
	for {
		r, e := sys()
		if e != unix.EINTR {
			return r, e
		}
		if testHookEINTR != nil {
			testHookEINTR(call)
		}
	}
}

// withFlags is "call" or "call(FLAGS)" when flags has bits set.
func withFlags(call string, flags int) string {
	if flags == 0 {
		return call
	}
	return call + "(" + MsgFlags(flags) + ")"
}
