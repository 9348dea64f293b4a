//go:build linux && (amd64 || arm64)

package main

// This file is c/comm.h and c/comm.c: the constants both sides share and
// the five helpers createMsgQueue, getMsgQueue, destroyMsgQueue, sendMsg
// and recvMsg, in the C's order. Who may be trusted with a queue
// (squatting, stale queues) is in trust.go.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// comm.h
const (
	projID     = 0x66 // #define PROJ_ID 0x66
	serverType = 1    // #define SERVER_TYPE 1: the server's mark (server.go)
	clientType = 2    // #define CLIENT_TYPE 2: requests; a reply's type is the asking client's PID
	msgSize    = 1024 // struct chatbuf { long mtype; char mtext[MSGSIZE]; }
	lineSize   = 1000 // #define LINESIZE 1000: "PID " in front must still fit (pid_max <= 4194304)
)

// defaultPath is PATHNAME. The article's "." made the key depend on the
// directory each program was started in (a server started in 07-msgqueue/
// and a client started in the repository root never met); $HOME is one
// directory whatever the current one, and another user's is another key.
func defaultPath() string { return os.Getenv("HOME") }

// commMsgQueue is comm.c's commMsgQueue(flags): ftok, then msgget. It
// prints the key, what it is made of, and the msqid: the numbers ipcs(1)
// shows. A queue it creates is registered with common/cleanup in the same
// breath, so that whatever ends the program removes it.
func commMsgQueue(me *say.Speaker, path string, proj, flags int) (int, *cleanup.Handle, sysv.Key, error) {
	// key_t _key = ftok(PATHNAME, PROJ_ID);
	key, err := sysv.Ftok(path, proj)
	if err != nil {
		return -1, nil, key, err
	}
	var st unix.Stat_t
	unix.Stat(path, &st) //nolint:errcheck // ftok has just stat'ed it
	me.Printf("ftok(%q, %#x) = key %v, from st_ino %d and st_dev %#x: the inode, not the name", path, proj, key, st.Ino, st.Dev)
	// int msgid = msgget(_key, flags);
	id := -1
	var h *cleanup.Handle
	if flags&unix.IPC_CREAT != 0 {
		// Made and registered under one lock: a signal cannot come between.
		h, err = cleanup.Make(func() (string, func() error, error) {
			var err error
			if id, err = sysv.Msgget(key, flags); err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("message queue %d", id), func() error { return destroyMsgQueue(id) }, nil
		})
	} else {
		id, err = sysv.Msgget(key, flags)
	}
	if err != nil {
		return -1, nil, key, err
	}
	me.Printf("msgget(key %v, %s) = msqid %d", key, sysv.MsgFlags(flags), id)
	return id, h, key, nil
}

// createMsgQueue is the server's side: a new queue or nothing. With
// IPC_CREAT|IPC_EXCL, msgget fails if the key is taken, so the server
// never shares a queue left over from someone else; EEXIST says whose it
// is (trust.go). Mode 0600: only this user may read or write it (the
// article's 0666 lets every local user read the chat and inject messages).
func createMsgQueue(me *say.Speaker, path string, proj int) (int, *cleanup.Handle) {
	id, h, key, err := commMsgQueue(me, path, proj, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if syserr.Errno(err) == unix.EEXIST {
		err = syserr.Explain(err, syserr.Meanings{unix.EEXIST: existing(key)})
	}
	if err != nil {
		me.Fatal(err)
	}
	return id, h
}

// getMsgQueue is the client's side: the server's queue, never a new one,
// and only if it is this user's own (trust.go). The article's client
// passed IPC_CREAT too, so a client started first made the queue itself,
// and the server then failed with EEXIST.
func getMsgQueue(me *say.Speaker, path string, proj int) int {
	id, _, key, err := commMsgQueue(me, path, proj, 0)
	if e, ok := err.(*syserr.Error); ok && e.Call == "msgget" {
		err = syserr.Explain(err, syserr.Meanings{unix.ENOENT: "no queue has this key: " +
			"start the server first (with the same -path and -proj)"})
	}
	if err != nil {
		me.Fatal(err)
	}
	if err := trusted(id, key); err != nil {
		me.Fatal(err)
	}
	return id
}

// destroyMsgQueue is msgctl(msgid, IPC_RMID, NULL): the queue and every
// message in it are gone at once, and every process blocked on it wakes
// with EIDRM; later calls with the id fail with EINVAL.
func destroyMsgQueue(id int) error {
	return sysv.Msgctl(id, unix.IPC_RMID, nil)
}

// errText is a text this chat does not carry: a NUL byte, or too long.
var errText = errors.New("not sent")

// checkText refuses what the article's strcpy would have mangled: a NUL
// byte (C's string functions stop there, so the rest was silently lost)
// and a text longer than limit (strcpy overran mtext[1024]).
func checkText(text string, limit int) error {
	if i := bytes.IndexByte([]byte(text), 0); i >= 0 {
		return fmt.Errorf("%w: a NUL byte at offset %d (C's strcpy would cut the text there)", errText, i)
	}
	if len(text) > limit {
		return fmt.Errorf("%w: %d bytes, at most %d", errText, len(text), limit)
	}
	return nil
}

// sendMsg is comm.c's sendMsg(msgid, who, msg): one message of type who.
// It sends the text's own length: the article sent sizeof(mtext), 1024
// bytes whatever the text, with whatever followed its NUL.
func sendMsg(id int, who int64, msg string) error {
	if err := checkText(msg, msgSize); err != nil {
		return err
	}
	return sysv.Msgsnd(id, who, []byte(msg), 0)
}

// errForeign is a message no peer of this chat sends: longer than mtext,
// or with a NUL byte. It is taken off the queue and dropped.
var errForeign = errors.New("not from this chat; discarded")

// recvMsg is comm.c's recvMsg(msgid, recvType, out): it blocks until a
// message of type recvType arrives. msgsz is one byte more than mtext,
// with MSG_NOERROR: a longer message, which the article's code could not
// take (E2BIG, and it stayed at the head of the queue for ever), is cut
// by the kernel to msgsz, recognised by its length and dropped, rather
// than ending the chat.
func recvMsg(id int, recvType int64) (mtype int64, text string, err error) {
	buf := make([]byte, msgSize+1)
	mtype, n, err := sysv.Msgrcv(id, buf, recvType, sysv.MSG_NOERROR)
	if err != nil {
		return 0, "", err
	}
	if n > msgSize {
		return mtype, "", fmt.Errorf("a message of type %d longer than %d bytes (MSG_NOERROR cut it, the rest is lost): %w",
			mtype, msgSize, errForeign)
	}
	if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
		return mtype, "", fmt.Errorf("a message of type %d with a NUL byte at offset %d: %w", mtype, i, errForeign)
	}
	return mtype, string(buf[:n]), nil
}

// readLine is comm.c's readLine: one line of standard input without its
// line end. ok is false at end of input; a last line without a newline
// still counts.
func readLine(in *bufio.Reader) (line string, ok bool, err error) {
	line, err = in.ReadString('\n')
	if err == io.EOF && line == "" {
		return "", false, nil
	}
	if err != nil && err != io.EOF {
		return "", false, syserr.Wrap("read(stdin)", err, nil)
	}
	return strings.TrimRight(line, "\r\n"), true, nil
}

// prompt prints the article's "Please Enter# " when a person types the
// lines, not when a script pipes them in. It has no line end, so it is
// the one write that does not go through say; a failed write ends the
// program as say's would.
func prompt(me *say.Speaker) {
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err != nil || cleanup.Stopping() {
		return
	}
	if _, err := os.Stdout.WriteString("Please Enter# "); errors.Is(err, unix.EPIPE) {
		cleanup.Die(unix.SIGPIPE)
	} else if err != nil {
		me.Fatal(err)
	}
}
