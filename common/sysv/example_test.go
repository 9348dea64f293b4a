//go:build linux && (amd64 || arm64)

package sysv_test

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/sysv"
)

// A private queue: make it, send a message, take it off, remove the queue.
// IPC_PRIVATE always makes a new queue that only its id reaches; mode 0600
// lets no other user in.
func ExampleMsgsnd() {
	id, err := sysv.Msgget(sysv.IPC_PRIVATE, unix.IPC_CREAT|0o600)
	if err != nil {
		fmt.Println(err)
		return
	}
	// A queue outlives its process: remove it whatever happens next.
	defer func() {
		if err := sysv.Msgctl(id, unix.IPC_RMID, nil); err != nil {
			fmt.Println(err)
		}
	}()

	if err := sysv.Msgsnd(id, 1, []byte("hello"), 0); err != nil {
		fmt.Println(err)
		return
	}
	var ds sysv.MsqidDs
	if err := sysv.Msgctl(id, unix.IPC_STAT, &ds); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("in the queue: %d message, %d bytes\n", ds.Qnum, ds.Cbytes)

	buf := make([]byte, 64)
	mtype, n, err := sysv.Msgrcv(id, buf, 0, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("received type %d: %q\n", mtype, buf[:n])

	// The queue is empty now: with IPC_NOWAIT msgrcv says ENOMSG at once.
	_, _, err = sysv.Msgrcv(id, buf, 0, unix.IPC_NOWAIT)
	fmt.Println("again:", errors.Is(err, unix.ENOMSG))
	// Output:
	// in the queue: 1 message, 5 bytes
	// received type 1: "hello"
	// again: true
}

// The buffer API: one struct msgbuf kept for every message, no allocation
// and no copy per call.
func ExampleMsgsndBuf() {
	id, err := sysv.Msgget(sysv.IPC_PRIVATE, unix.IPC_CREAT|0o600)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := sysv.Msgctl(id, unix.IPC_RMID, nil); err != nil {
			fmt.Println(err)
		}
	}()

	b := sysv.NewMsgBuf(512)
	for i, word := range []string{"ping", "pong"} {
		b.SetType(int64(i + 1))
		if err := sysv.MsgsndBuf(id, b, copy(b.Space(), word), 0); err != nil {
			fmt.Println(err)
			return
		}
	}
	// msgtyp 2: the first message of type 2, whatever is before it.
	if _, err := sysv.MsgrcvBuf(id, b, 2, 0); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("type %d: %q\n", b.Type(), b.Text())
	if _, err := sysv.MsgrcvBuf(id, b, 0, 0); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("type %d: %q\n", b.Type(), b.Text())
	// Output:
	// type 2: "pong"
	// type 1: "ping"
}

// A semaphore as a lock: set it to 1, P takes it, a second P with
// IPC_NOWAIT finds it taken, V gives it back. SEM_UNDO makes the kernel
// give it back if the process dies holding it.
func ExampleSemop() {
	id, err := sysv.Semget(sysv.IPC_PRIVATE, 1, unix.IPC_CREAT|0o600)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := sysv.SemctlRmid(id); err != nil {
			fmt.Println(err)
		}
	}()
	if err := sysv.SemctlSetVal(id, 0, 1); err != nil {
		fmt.Println(err)
		return
	}

	p := sysv.Sembuf{Num: 0, Op: -1, Flg: sysv.SEM_UNDO}
	v := sysv.Sembuf{Num: 0, Op: 1, Flg: sysv.SEM_UNDO}
	if err := sysv.Semop(id, []sysv.Sembuf{p}); err != nil {
		fmt.Println(err)
		return
	}
	val, _ := sysv.SemctlGetVal(id, 0)
	fmt.Println("after P:", val)

	try := sysv.Sembuf{Num: 0, Op: -1, Flg: unix.IPC_NOWAIT}
	err = sysv.Semop(id, []sysv.Sembuf{try})
	fmt.Println("P again, IPC_NOWAIT:", errors.Is(err, unix.EAGAIN))

	if err := sysv.Semop(id, []sysv.Sembuf{v}); err != nil {
		fmt.Println(err)
		return
	}
	val, _ = sysv.SemctlGetVal(id, 0)
	fmt.Println("after V:", val)
	// Output:
	// after P: 0
	// P again, IPC_NOWAIT: true
	// after V: 1
}

// Ftok makes the same key from the same path and project id, in any
// process: that is how unrelated programs find one queue. The project id
// is the key's top byte; the rest comes from the path's inode and device.
func ExampleFtok() {
	dir, err := os.MkdirTemp("", "ftok-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	k1, err := sysv.Ftok(dir, 0x66)
	if err != nil {
		fmt.Println(err)
		return
	}
	k2, _ := sysv.Ftok(dir, 0x66)
	fmt.Println("same path, same id, same key:", k1 == k2)
	fmt.Printf("top byte: %#x\n", uint32(k1)>>24)

	_, err = sysv.Ftok(dir+"/missing", 0x66)
	fmt.Println("a missing path:", errors.Is(err, unix.ENOENT))
	// Output:
	// same path, same id, same key: true
	// top byte: 0x66
	// a missing path: true
}
