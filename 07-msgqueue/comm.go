package main

// This file is comm.h and comm.c of the article: the constants both sides
// share and the five helpers createMsgQueue, getMsgQueue, destroyMsgQueue,
// sendMsg and recvMsg.

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// comm.h
const (
	pathname   = "."  // #define PATHNAME "."
	projID     = 0x66 // #define PROJ_ID 0x66
	serverType = 1    // #define SERVER_TYPE 1: messages from the server
	clientType = 2    // #define CLIENT_TYPE 2: messages from the client
	msgSize    = 1024 // struct msgbuf { long mtype; char mtext[1024]; }
)

// commMsgQueue is comm.c's commMsgQueue(flags): ftok, then msgget. It
// prints the key and the msqid, the two numbers ipcs(1) shows.
// meanings explain msgget's errnos at the caller's site.
func commMsgQueue(me *say.Speaker, path string, proj, flags int, meanings syserr.Meanings) (int, sysv.Key, error) {
	// key_t _key = ftok(PATHNAME, PROJ_ID);
	key, err := sysv.Ftok(path, proj)
	if err != nil {
		return -1, key, err
	}
	me.Printf("ftok(%q, %#x) = key %v", path, proj, key)
	// int msgid = msgget(_key, flags);
	id, err := sysv.Msgget(key, flags)
	if err != nil {
		return -1, key, syserr.Explain(err, meanings)
	}
	me.Printf("msgget(key %v, %s) = msqid %d", key, sysv.MsgFlags(flags), id)
	return id, key, nil
}

// createMsgQueue is the server's side: a new queue or nothing. With
// IPC_CREAT|IPC_EXCL, msgget fails if the key is taken, so the server
// never shares a queue left over from someone else. Mode 0600: only this
// user may read or write it (the article's 0666 lets every local user read
// the chat and inject messages).
func createMsgQueue(me *say.Speaker, path string, proj int) int {
	id, key, err := commMsgQueue(me, path, proj, unix.IPC_CREAT|unix.IPC_EXCL|0o600, nil)
	if syserr.Errno(err) == unix.EEXIST {
		// Which queue is in the way, and how to remove it.
		how := fmt.Sprintf("ipcrm -Q %v", key)
		if old, err2 := sysv.Msgget(key, 0); err2 == nil {
			how = fmt.Sprintf("ipcrm -q %d", old)
		}
		err = syserr.Explain(err, syserr.Meanings{unix.EEXIST: "a queue with this key exists: a server is " +
			"already running, or one was killed (SIGKILL) before it could remove its queue. " +
			"If no server is running, remove it with: " + how})
	}
	if err != nil {
		me.Fatal(err)
	}
	return id
}

// getMsgQueue is the client's side: the server's queue, never a new one.
// The article's client passed IPC_CREAT too, so a client started first
// made the queue itself, and the server then failed with EEXIST.
func getMsgQueue(me *say.Speaker, path string, proj int) int {
	id, _, err := commMsgQueue(me, path, proj, 0, syserr.Meanings{unix.ENOENT: "no queue has this key: " +
		"start the server first (with the same -path and -proj)"})
	if err != nil {
		me.Fatal(err)
	}
	return id
}

// destroyMsgQueue is msgctl(msgid, IPC_RMID, NULL): the queue and every
// message in it are gone at once, and every process blocked on it wakes
// with EIDRM.
func destroyMsgQueue(id int) error {
	return sysv.Msgctl(id, unix.IPC_RMID, nil)
}

// errTooLong is a message that does not fit into mtext.
var errTooLong = errors.New("message too long")

// sendMsg is comm.c's sendMsg(msgid, who, msg): one message of type who.
// It sends the text's own length: the article sent sizeof(mtext), 1024
// bytes whatever the text, with whatever followed its NUL.
func sendMsg(id int, who int64, msg string) error {
	if err := checkSize(msg); err != nil {
		return err
	}
	return sysv.Msgsnd(id, who, []byte(msg), 0)
}

// checkSize refuses a text longer than mtext. The article's strcpy into
// mtext[1024] had no such check: a longer line overran the buffer.
func checkSize(msg string) error {
	if len(msg) > msgSize {
		return fmt.Errorf("sendMsg: %w: %d bytes, and mtext holds %d", errTooLong, len(msg), msgSize)
	}
	return nil
}

// recvMsg is comm.c's recvMsg(msgid, recvType, out): it blocks until a
// message of type recvType arrives. msgsz is the size of mtext alone, not
// of the whole struct. A C peer that sends its NUL (as the article's did)
// is read up to that NUL, as C's strcpy would.
func recvMsg(id int, recvType int64) (string, error) {
	buf := make([]byte, msgSize)
	_, n, err := sysv.Msgrcv(id, buf, recvType, 0)
	if err != nil {
		return "", err
	}
	text := buf[:n]
	if i := bytes.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	return string(text), nil
}
