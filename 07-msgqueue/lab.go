//go:build linux && (amd64 || arm64)

package main

// Steps 3 to 9 of the demo: what the article "004" explains about msgrcv
// and msgctl, each call made on a queue of the demo's own, each printed
// from the values passed to it.

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// row is the queue's line of /proc/sysvipc/msg, or that it is gone.
func row(id int) string {
	l := peek.SysVLine("msg", id, "key", "msqid", "perms", "cbytes", "qnum", "lspid", "lrpid")
	return strings.Replace(l, " cbytes=", "\ncbytes=", 1) // two lines: each fits in 100 columns
}

// createLab makes the queue for steps 3 to 9 with the same key. The server
// removed its queue, so the key is free again.
func createLab(me *say.Speaker, key sysv.Key) (int, *cleanup.Handle) {
	id, flags := -1, unix.IPC_CREAT|unix.IPC_EXCL|0o600
	q, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		if id, err = sysv.Msgget(key, flags); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("message queue %d", id), func() error { return sysv.Msgctl(id, unix.IPC_RMID, nil) }, nil
	})
	if err != nil {
		me.Fatal(err)
	}
	me.Printf("msgget(key %v, %s) = msqid %d: the same key, a new queue", key, sysv.MsgFlags(flags), id)
	me.Printf("with a new id: id = seq * 32768 + slot (with the default IPCMNI; booting with\n" +
		"ipcmni_extend makes it seq * 16777216 + slot), and the kernel counts seq up as\n" +
		"it reuses slots; an old msqid names a new queue again only once seq wraps\n" +
		"(65536), or if someone sets /proc/sys/kernel/msg_next_id: unlikely, not impossible")
	me.Kernel("%s", row(id))
	return id, q
}

// msgtyp fills the queue with mixed types and shows the order each msgtyp
// takes them in.
func msgtyp(me *say.Speaker, id int) {
	msgs := []struct {
		t    int64
		text string
	}{{3, "c1"}, {1, "a1"}, {2, "b1"}, {1, "a2"}, {2, "b2"}, {3, "c2"}}
	var sent []string
	for _, m := range msgs {
		if err := sysv.Msgsnd(id, m.t, []byte(m.text), unix.IPC_NOWAIT); err != nil {
			me.Fatal(err)
		}
		sent = append(sent, fmt.Sprintf("%d:%s", m.t, m.text))
	}
	me.Printf("msgsnd(IPC_NOWAIT), in this order (type:text): %s", strings.Join(sent, " "))
	me.GoNote("C fills struct msgbuf { long mtype; char mtext[1024]; } and passes\n" +
		"the text's size (not the struct's) as msgsz.\n" +
		"sysv.Msgsnd(id, mtype, text, flags) builds the same bytes, an 8-byte\n" +
		"mtype and the text, in Go memory.")
	me.Kernel("%s", row(id))
	buf := make([]byte, 16)
	for _, rq := range []struct {
		typ   int64
		flags int
		why   string
	}{
		{0, unix.IPC_NOWAIT, "the first, whatever its type"},
		{2, unix.IPC_NOWAIT, "the first message of type 2"},
		{-3, unix.IPC_NOWAIT, "the lowest type <= 3: 1 first"},
		{1, unix.IPC_NOWAIT | sysv.MSG_EXCEPT, "the first message NOT of type 1"},
		{-3, unix.IPC_NOWAIT, "again: the lowest type left"},
		{-3, unix.IPC_NOWAIT, "and 3 itself: <= |msgtyp|, not <"},
	} {
		mt, n, err := sysv.Msgrcv(id, buf, rq.typ, rq.flags)
		if err != nil {
			me.Fatal(err)
		}
		call := fmt.Sprintf("msgrcv(msgtyp %d, %s)", rq.typ, sysv.MsgFlags(rq.flags))
		me.Printf("%-39s -> %d:%s  %s", call, mt, buf[:n], rq.why)
	}
	me.Printf("MSG_EXCEPT is a Linux extension (C needs _GNU_SOURCE); msgtyp 0, > 0 and < 0\n" +
		"are POSIX. Server and client share one queue this way: each asks only for the type\n" +
		"meant for it")
}

// noWait is msgrcv with IPC_NOWAIT on an empty queue.
func noWait(me *say.Speaker, id int) {
	me.Kernel("%s", row(id))
	_, _, err := sysv.Msgrcv(id, make([]byte, 16), 0, unix.IPC_NOWAIT)
	expect(me, err, unix.ENOMSG)
	me.Printf("without IPC_NOWAIT, msgrcv sleeps until a message of the wanted type arrives,\n" +
		"as the client does while it waits for the server's reply")
}

// tooBig receives a 32-byte message into 16 bytes, without and with
// MSG_NOERROR.
func tooBig(me *say.Speaker, id int) {
	text := "sixteen bytes...and sixteen more"
	if err := sysv.Msgsnd(id, 1, []byte(text), unix.IPC_NOWAIT); err != nil {
		me.Fatal(err)
	}
	me.Printf("msgsnd: a message of %d bytes", len(text))
	buf := make([]byte, 16)
	_, _, err := sysv.Msgrcv(id, buf, 0, unix.IPC_NOWAIT)
	expect(me, syserr.Explain(err, syserr.Meanings{unix.E2BIG: "the message is longer than the buffer " +
		"and MSG_NOERROR was not given;\nit stays in the queue"}), unix.E2BIG)
	me.Kernel("%s", row(id))
	flags := unix.IPC_NOWAIT | sysv.MSG_NOERROR
	mt, n, err := sysv.Msgrcv(id, buf, 0, flags)
	if err != nil {
		me.Fatal(err)
	}
	me.Printf("msgrcv(%s) into %d bytes -> type %d, %d bytes %q", sysv.MsgFlags(flags), len(buf), mt, n, buf[:n])
	me.Kernel("%s", row(id))
	me.Printf("the other %d bytes are lost: MSG_NOERROR cuts, it does not keep the rest", len(text)-n)
}

// ipcStat prints the fields of struct msqid_ds.
func ipcStat(me *say.Speaker, id int) {
	for _, m := range []string{"one", "three"} {
		if err := sysv.Msgsnd(id, 1, []byte(m), unix.IPC_NOWAIT); err != nil {
			me.Fatal(err)
		}
	}
	me.Printf(`msgsnd: "one" and "three"`)
	ds := stat(me, id)
	me.Printf("msgctl(IPC_STAT) fills struct msqid_ds (%d bytes); its msg_* fields:", 120)
	me.Printf("  perm: key %v, mode %#o, uid %d, cuid %d", sysv.Key(ds.Perm.Key), ds.Perm.Mode&0o777, ds.Perm.Uid, ds.Perm.Cuid)
	me.Printf("  qnum=%d    messages in the queue", ds.Qnum)
	me.Printf("  cbytes=%d  bytes of text in the queue (3 + 5)", ds.Cbytes)
	me.Printf("  qbytes=%d  the most bytes of text it may hold (msgmnb, by default)", ds.Qbytes)
	me.Printf("  lspid=%s  the last process to msgsnd", peek.PID(int(ds.Lspid)))
	me.Printf("  lrpid=%s  the last process to msgrcv", peek.PID(int(ds.Lrpid)))
	me.Printf("  stime=%s  rtime=%s  ctime=%s  (last send, receive, creation)",
		peek.When(ds.Stime), peek.When(ds.Rtime), peek.When(ds.Ctime))
	me.Kernel("%s", row(id))
}

// ipcSet lowers msg_qbytes and fills the queue until msgsnd would block.
func ipcSet(me *say.Speaker, id int) {
	ds := stat(me, id)
	ds.Qbytes = 100
	if err := sysv.Msgctl(id, unix.IPC_SET, &ds); err != nil {
		me.Fatal(err)
	}
	me.Printf("msgctl(IPC_SET) with qbytes=100 (IPC_SET changes only uid, gid, mode and qbytes;")
	me.Printf("the owner may set qbytes up to msgmnb, above it only with CAP_SYS_RESOURCE)")
	chunk := make([]byte, 40)
	for {
		err := sysv.Msgsnd(id, 2, chunk, unix.IPC_NOWAIT)
		if err != nil {
			expect(me, err, unix.EAGAIN)
			break
		}
		me.Printf("msgsnd(IPC_NOWAIT) of %d bytes: ok, cbytes=%d", len(chunk), stat(me, id).Cbytes)
	}
	me.Kernel("%s", row(id))
	me.Printf("without IPC_NOWAIT, msgsnd would sleep until a reader makes room")
}

// overMsgmax sends one byte more than the system's limit for one message.
func overMsgmax(me *say.Speaker, id int) {
	b, err := os.ReadFile("/proc/sys/kernel/msgmax")
	if err != nil {
		me.Fatal(err)
	}
	msgmax, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		me.Fatal(err)
	}
	me.Kernel("/proc/sys/kernel/msgmax = %d: the most bytes of text in one message", msgmax)
	err = sysv.Msgsnd(id, 1, make([]byte, msgmax+1), unix.IPC_NOWAIT)
	me.Printf("msgsnd of msgmax+1 bytes:")
	expect(me, syserr.Explain(err, syserr.Meanings{unix.EINVAL: "the text is longer than msgmax"}), unix.EINVAL)
	me.Printf("EINVAL, not EAGAIN: such a message never fits, waiting would not help")
}

// remove is destroyMsgQueue: IPC_RMID with messages still inside.
func remove(me *say.Speaker, id int, q *cleanup.Handle) {
	ds := stat(me, id)
	// Release, then print: printed only once it is gone. (ReleaseThen
	// would print under cleanup's lock, and a print that meets a closed
	// standard output ends the program through that same lock.)
	if err := q.Release(); err != nil {
		me.Fatal(err)
	}
	me.Printf("msgctl(IPC_RMID) with %d messages (%d bytes) still inside: all gone at once", ds.Qnum, ds.Cbytes)
	me.Kernel("%s", row(id))
	err := sysv.Msgsnd(id, 1, []byte("late"), unix.IPC_NOWAIT)
	expect(me, syserr.Explain(err, syserr.Meanings{unix.EINVAL: "no queue has this msqid any more"}), unix.EINVAL)
	me.Printf("a process blocked on the queue would have woken with EIDRM; later calls get EINVAL")
}

func stat(me *say.Speaker, id int) sysv.MsqidDs {
	var ds sysv.MsqidDs
	if err := sysv.Msgctl(id, unix.IPC_STAT, &ds); err != nil {
		me.Fatal(err)
	}
	return ds
}

// expect prints an error the step provokes on purpose, and stops if the
// kernel answered anything else.
func expect(me *say.Speaker, err error, want unix.Errno) {
	if syserr.Errno(err) != want {
		if err == nil {
			err = fmt.Errorf("the call succeeded")
		}
		me.Fatal(fmt.Errorf("expected %s: %w", syserr.Name(want), err))
	}
	// The errno on one line, what it means here on the next.
	var e *syserr.Error
	if errors.As(err, &e) && e.Meaning != "" {
		me.Warnf("%s:\n%s", strings.TrimSuffix(e.Error(), ": "+e.Meaning), e.Meaning)
		return
	}
	me.Warnf("%v", err)
}
