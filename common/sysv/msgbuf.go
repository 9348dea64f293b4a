//go:build linux && (amd64 || arm64)

package sysv

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// MsgBuf is a struct msgbuf that the caller keeps and reuses, as a C
// program keeps one on its stack:
//
//	struct msgbuf { long mtype; char mtext[size]; };
//
// MsgsndBuf and MsgrcvBuf pass it to the kernel as it is: no allocation and
// no copy per message. (Msgsnd and Msgrcv, which take the text as a plain
// slice, build a struct msgbuf for every call: simpler, one allocation and
// one copy more.)
//
//	b := sysv.NewMsgBuf(512)
//	b.SetType(1)
//	n := copy(b.Space(), "hello")
//	err := sysv.MsgsndBuf(id, b, n, 0)
//	...
//	n, err = sysv.MsgrcvBuf(id, b, 2, 0)
//	fmt.Printf("type %d: %q\n", b.Type(), b.Text())
type MsgBuf struct {
	raw []byte // mtype (8 bytes), then the text
	n   int    // bytes of text received last (Text)
}

// NewMsgBuf returns a buffer for messages of up to size bytes of text.
func NewMsgBuf(size int) *MsgBuf {
	if size < 0 {
		size = 0
	}
	// make() of 8 bytes or more is 8-byte aligned: mtype is a long.
	return &MsgBuf{raw: make([]byte, mtypeSize+size)}
}

// Type is mtype: the type to send, or the type of the message received.
func (b *MsgBuf) Type() int64 { return *(*int64)(unsafe.Pointer(&b.raw[0])) }

// SetType sets mtype for the next MsgsndBuf (1 or more).
func (b *MsgBuf) SetType(mtype int64) { *(*int64)(unsafe.Pointer(&b.raw[0])) = mtype }

// Space is the whole text area: write the next message into it.
func (b *MsgBuf) Space() []byte { return b.raw[mtypeSize:] }

// Text is the text of the message MsgrcvBuf received last.
func (b *MsgBuf) Text() []byte { return b.raw[mtypeSize : mtypeSize+b.n] }

// Size is how many bytes of text the buffer holds.
func (b *MsgBuf) Size() int { return len(b.raw) - mtypeSize }

// MsgsndBuf is msgsnd(2) of b's type and the first n bytes of its text
// (msgsz = n: the text only, not sizeof(struct msgbuf)). Otherwise as
// Msgsnd: it blocks on a full queue (EAGAIN under IPC_NOWAIT) and retries
// on EINTR.
func MsgsndBuf(msqid int, b *MsgBuf, n, flags int) error {
	if n < 0 || n > b.Size() {
		return fmt.Errorf("msgsnd: %d bytes of text in a buffer of %d", n, b.Size())
	}
	p := unsafe.Pointer(&b.raw[0])
	_, e := ignoringEINTR("msgsnd", func() (uintptr, unix.Errno) {
		_, _, e := unix.Syscall6(unix.SYS_MSGSND, uintptr(msqid), uintptr(p), uintptr(n), uintptr(flags), 0, 0)
		return 0, e
	})
	if e == 0 {
		return nil
	}
	return syserr.Wrap(withFlags("msgsnd", flags), e, msgsndMeanings)
}

// MsgrcvBuf is msgrcv(2) into b, with msgsz = b.Size(); it returns the
// length of the text, which Text and Type then show. msgtyp and flags are
// as for Msgrcv; it retries on EINTR.
func MsgrcvBuf(msqid int, b *MsgBuf, msgtyp int64, flags int) (int, error) {
	p := unsafe.Pointer(&b.raw[0])
	size := b.Size()
	r, e := ignoringEINTR("msgrcv", func() (uintptr, unix.Errno) {
		r, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(msqid), uintptr(p), uintptr(size), uintptr(msgtyp), uintptr(flags), 0)
		return r, e
	})
	if e != 0 {
		b.n = 0
		return 0, syserr.Wrap(withFlags("msgrcv", flags), e, msgrcvMeanings)
	}
	b.n = int(r)
	return b.n, nil
}

var msgsndMeanings = syserr.Meanings{
	unix.EAGAIN: "the queue is full (msg_qbytes) and IPC_NOWAIT was given",
	unix.EINVAL: "no such queue, a type below 1, or a text longer than msgmax",
	unix.EIDRM:  "the queue was removed while this call waited for room",
	unix.EACCES: "no write permission on the queue",
}

var msgrcvMeanings = syserr.Meanings{
	unix.ENOMSG: "no message of the wanted type is in the queue, and IPC_NOWAIT was given",
	unix.E2BIG:  "the message is longer than the buffer and MSG_NOERROR was not given; it stays in the queue",
	unix.EIDRM:  "the queue was removed while this call waited",
	unix.EINVAL: "no such queue (removed?), or a buffer size below 0",
	unix.EACCES: "no read permission on the queue",
}
