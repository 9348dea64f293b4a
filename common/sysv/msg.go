//go:build linux && (amd64 || arm64)

package sysv

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// MsqidDs is struct msqid_ds, what msgctl(IPC_STAT) fills in: 120 bytes on
// 64-bit Linux, the same on amd64 and arm64 (the tests check every offset
// against glibc's <sys/msg.h>). Only Perm.Uid, Perm.Gid, Perm.Mode and
// Qbytes are used by IPC_SET.
type MsqidDs struct {
	Perm   unix.SysvIpcPerm // owner, creator, mode (low 9 bits) and the key; 48 bytes
	Stime  int64            // time of the last msgsnd, seconds since 1970; 0: never
	Rtime  int64            // time of the last msgrcv
	Ctime  int64            // time of creation or of the last IPC_SET
	Cbytes uint64           // bytes of text in the queue now (__msg_cbytes)
	Qnum   uint64           // messages in the queue now
	Qbytes uint64           // the most bytes of text the queue may hold (msgmnb by default)
	Lspid  int32            // PID of the last msgsnd
	Lrpid  int32            // PID of the last msgrcv
	_      uint64
	_      uint64
}

// mtypeSize is sizeof(long): the message type in front of the text of a C
// struct msgbuf. msgsz, in msgsnd and msgrcv, counts the text only.
const mtypeSize = 8

// Compile-time checks of the sizes the system calls rely on.
var (
	_ [unsafe.Sizeof(MsqidDs{}) - 120]struct{}
	_ [120 - unsafe.Sizeof(MsqidDs{})]struct{}
	_ [unsafe.Sizeof(int64(0)) - mtypeSize]struct{}
)

// Msgget is msgget(2): it returns the id (msqid) of the queue with this key,
// creating it when flags has IPC_CREAT and none exists. The low 9 bits of
// flags are the queue's mode (0600: only this user). With
// IPC_CREAT|IPC_EXCL it fails with EEXIST if the queue exists already, so
// the caller knows the queue is new. IPC_PRIVATE always makes a new queue.
func Msgget(key Key, flags int) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_MSGGET, uintptr(key), uintptr(flags), 0)
	if e != 0 {
		return -1, syserr.Wrap(withFlags("msgget", flags), e, syserr.Meanings{
			unix.EEXIST: "a queue with this key exists already, and IPC_CREAT|IPC_EXCL asks for a new one",
			unix.ENOENT: "no queue has this key, and IPC_CREAT was not given",
			unix.EACCES: "the queue's mode does not let this user in",
			unix.ENOSPC: "the limit of queues (/proc/sys/kernel/msgmni) is reached",
		})
	}
	return int(r), nil
}

// Msgsnd is msgsnd(2): it appends a message of type mtype (1 or more) with
// the bytes of text to the queue. The text may be empty and at most msgmax
// bytes (/proc/sys/kernel/msgmax). When the queue is full (its bytes would
// exceed Qbytes) it blocks until there is room, or fails with EAGAIN under
// IPC_NOWAIT. It retries on EINTR, see the package documentation.
func Msgsnd(msqid int, mtype int64, text []byte, flags int) error {
	// struct msgbuf { long mtype; char mtext[len]; }, in Go memory.
	b := NewMsgBuf(len(text))
	b.SetType(mtype)
	return MsgsndBuf(msqid, b, copy(b.Space(), text), flags)
}

// Msgrcv is msgrcv(2): it takes a message off the queue, copies its text
// into buf and returns its type and the number of bytes copied. msgtyp
// picks the message:
//
//	0   the first message in the queue, whatever its type
//	> 0 the first message of type msgtyp (with MSG_EXCEPT: of any other type)
//	< 0 the first message of the lowest type that is <= |msgtyp|
//
// With no such message it blocks, or fails with ENOMSG under IPC_NOWAIT. A
// message longer than buf fails with E2BIG and stays in the queue, unless
// MSG_NOERROR is given: then it is cut to len(buf) and the rest is lost.
// It retries on EINTR, see the package documentation; removing the queue
// wakes it with EIDRM.
func Msgrcv(msqid int, buf []byte, msgtyp int64, flags int) (mtype int64, n int, err error) {
	b := NewMsgBuf(len(buf))
	if _, err := MsgrcvBuf(msqid, b, msgtyp, flags); err != nil {
		return 0, 0, err
	}
	return b.Type(), copy(buf, b.Text()), nil
}

// Msgctl is msgctl(2) with IPC_STAT (fill buf), IPC_SET (apply buf's
// Perm.Uid, Perm.Gid, Perm.Mode and Qbytes) or IPC_RMID (remove the queue
// and the messages in it at once; buf may be nil). Removal wakes every
// process blocked on the queue with EIDRM; later calls with the id fail
// with EINVAL. Raising Qbytes above msgmnb needs CAP_SYS_RESOURCE (EPERM).
func Msgctl(msqid, cmd int, buf *MsqidDs) error {
	_, _, e := unix.Syscall(unix.SYS_MSGCTL, uintptr(msqid), uintptr(cmd), uintptr(unsafe.Pointer(buf)))
	if e != 0 {
		return syserr.Wrap("msgctl("+ctlName(cmd)+")", e, syserr.Meanings{
			unix.EINVAL: "no such queue (removed?), or an unknown command",
			unix.EPERM:  "only the owner, the creator or a privileged process may do this (raising msg_qbytes above msgmnb needs CAP_SYS_RESOURCE)",
			unix.EACCES: "IPC_STAT needs read permission on the queue",
			unix.EFAULT: "buf does not point to a struct msqid_ds",
		})
	}
	return nil
}

func ctlName(cmd int) string {
	switch cmd {
	case unix.IPC_RMID:
		return "IPC_RMID"
	case unix.IPC_SET:
		return "IPC_SET"
	case unix.IPC_STAT:
		return "IPC_STAT"
	}
	return fmt.Sprint(cmd)
}
