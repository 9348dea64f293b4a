//go:build linux && (amd64 || arm64)

package main

// This file is c/comm.h and c/comm.c, line by line: the constants both
// sides share, the arguments that make the key, whose queue may be used
// (checkOwner), and the helpers createMsgQueue, getMsgQueue,
// destroyMsgQueue, sendMsg, recvMsg and readLine, in the C's order. What
// the Go port says beyond the C (whose queue it is, whether its server
// still runs) is in trust.go.

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// comm.h
const (
	projID     = 0x66 // #define PROJ_ID 0x66
	serverType = 1    // #define SERVER_TYPE 1: the server's mark (server.go)
	clientType = 2    // #define CLIENT_TYPE 2: requests; a reply's type is the asking client's PID
	msgSize    = 1024 // #define MSGSIZE 1024: struct chatbuf { long mtype; char mtext[MSGSIZE + 1]; }
	lineSize   = 1000 // #define LINESIZE 1000: "PID " in front must still fit (pid_max <= 4194304)
)

// parseKeyArgs is comm.c's parseKeyArgs, with flags where the C takes
// positional arguments: -path (PATHNAME; $HOME by default) and -proj.
// The article's "." made the key depend on the directory each program
// was started in; $HOME is one directory whatever the current one.
func keyFlags(name string, args []string) (path string, proj int) {
	// *path = getenv("HOME");
	home := os.Getenv("HOME")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&path, "path", home, "the path ftok() makes the key from")
	projS := fs.String("proj", fmt.Sprintf("%#x", projID), "ftok's project id, 1 to 255")
	// fprintf(stderr, "usage: %s [path [proj_id]]\n", argv[0]);
	cmdline.Parse(fs, args, usage, 0, 0) // usage on standard error, exit 2
	// if (*path == NULL || **path == '\0') {
	if path == "" {
		// fprintf(stderr, "%s: no path, and $HOME is not set\n", argv[0]);
		cmdline.Usage(usage, "-path must not be empty (and $HOME, its default, is not set)")
	}
	// n = strtol(argv[2], &end, 0);
	n, err := strconv.ParseInt(*projS, 0, 64)
	// if (errno != 0 || *end != '\0' || end == argv[2] || n < 1 || n > 0xff) {
	if err != nil || n < 1 || n > 0xff {
		// fprintf(stderr, "%s: proj_id must be a number from 1 to 255, not \"%s\"\n" "usage: %s [path [proj_id]]\n", argv[0], argv[2], argv[0]);
		// (ftok uses only the low 8 bits: 0x166 would silently be 0x66)
		cmdline.Usage(usage, "-proj must be a number from 1 to 255 (ftok uses only 8 bits), not %q", *projS)
	}
	return path, int(n)
}

// checkOwner: the queue is ours (owner and creator are our euid) and no
// other user may read or write it; another user could have made it first
// for our key ("squatting"). Read permission matters as much as write:
// msgrcv takes a message away, so a reader could steal the replies.
func checkOwner(msgid int, key sysv.Key) error {
	var ds sysv.MsqidDs
	// if (msgctl(msgid, IPC_STAT, &ds) < 0) {
	if err := sysv.Msgctl(msgid, unix.IPC_STAT, &ds); err != nil {
		// perror("msgctl(IPC_STAT): the queue is not yours");
		return syserr.Explain(err, syserr.Meanings{unix.EACCES: fmt.Sprintf(
			"not yours:\nqueue %d (key %v) does not let this user read its status; refusing it", msgid, key)})
	}
	euid := uint32(os.Geteuid())
	// if (ds.msg_perm.uid != geteuid() || ds.msg_perm.cuid != geteuid()) {
	if ds.Perm.Uid != euid || ds.Perm.Cuid != euid {
		// fprintf(stderr, "queue %d belongs to uid %u, created by uid %u, not by you (uid %u): " "refusing it; use another path or proj_id\n", msgid, (unsigned)ds.msg_perm.uid, (unsigned)ds.msg_perm.cuid, (unsigned)geteuid());
		return fmt.Errorf("queue %d (key %v) belongs to %s,\n"+
			"created by %s, not by you (%s): another user made\n"+
			"a queue with your key first, and would read and write this chat; refusing it.\n"+
			"Use another -path or -proj, on both sides", msgid, key, who(ds.Perm.Uid), who(ds.Perm.Cuid), who(euid))
	}
	// if (ds.msg_perm.mode & 077) {
	if mode := ds.Perm.Mode & 0o777; mode&0o077 != 0 {
		// fprintf(stderr, "queue %d has mode %#o: other users may read or write it; refusing it\n", msgid, ds.msg_perm.mode & 0777);
		return fmt.Errorf("queue %d (key %v) has mode %#o:\n"+
			"other users may take (read) or inject (write) its messages;\n"+
			"a server of this chat makes it 0600; refusing it", msgid, key, mode)
	}
	return nil
}

// commMsgQueue is comm.c's commMsgQueue(flags): ftok, then msgget. It
// prints the key, what it is made of, and the msqid: the numbers ipcs(1)
// shows. A queue it creates is registered with common/cleanup in the same
// breath, so that whatever ends the program removes it.
func commMsgQueue(me *say.Speaker, path string, proj, flags int) (int, *cleanup.Handle, sysv.Key, error) {
	// key_t key = ftok(path, proj);
	key, err := sysv.Ftok(path, proj)
	var st unix.Stat_t
	// if (key == (key_t)-1 || stat(path, &st) < 0) {
	if err == nil {
		err = syserr.Wrap("stat", unix.Stat(path, &st), nil)
	}
	if err != nil {
		// fprintf(stderr, "ftok(\"%s\", %#x): %s\n", path, proj, strerror(errno));
		return -1, nil, key, err
	}
	// printf("ftok(\"%s\", %#x) = key 0x%08x, from st_ino %lu and st_dev %#lx\n", path, proj, (unsigned)key, (unsigned long)st.st_ino, (unsigned long)st.st_dev);
	me.Printf("ftok(%q, %#x) = key %v,\nfrom st_ino %d and st_dev %#x: the inode, not the name", path, proj, key, st.Ino, st.Dev)
	msgid := -1
	var h *cleanup.Handle
	if flags&unix.IPC_CREAT != 0 {
		// Made and registered under one lock: a signal cannot come between.
		h, err = cleanup.Make(func() (string, func() error, error) {
			var err error
			// msgid = msgget(key, flags);
			if msgid, err = sysv.Msgget(key, flags); err != nil {
				return "", nil, err
			}
			id := msgid
			return fmt.Sprintf("message queue %d", id), func() error { return sysv.Msgctl(id, unix.IPC_RMID, nil) }, nil
		})
	} else {
		// msgid = msgget(key, flags);
		msgid, err = sysv.Msgget(key, flags)
	}
	// if (msgid < 0) {
	if err != nil {
		// fprintf(stderr, "msgget(key 0x%08x): %s\n", (unsigned)key, strerror(err));
		return -1, nil, key, whyNot(key, err)
	}
	// printf("msgget(key 0x%08x) = msqid %d\n", (unsigned)key, msgid);
	me.Printf("msgget(key %v, %s) = msqid %d", key, sysv.MsgFlags(flags), msgid)
	return msgid, h, key, nil
}

// whyNot explains msgget's EEXIST and ENOENT, as commMsgQueue does in C.
func whyNot(key sysv.Key, err error) error {
	switch syserr.Errno(err) {
	// if (err == EEXIST) {
	case unix.EEXIST:
		// old = msgget(key, 0);
		old, oerr := sysv.Msgget(key, 0)
		// if (old >= 0 && checkOwner(old, 1) == 0)
		// fprintf(stderr, "queue %d is yours: a server is running, or one was killed before " "it could remove it; if no server is running: ipcrm -q %d\n", old, old);
		// fprintf(stderr, "the queue with this key is not yours: no ipcrm suggested " "(see ipcs -q); use another path or proj_id\n");
		// Go: existing (trust.go) also tells a running server from a killed one.
		return syserr.Explain(err, syserr.Meanings{unix.EEXIST: existing(old, oerr)})
	// } else if (err == ENOENT) {
	case unix.ENOENT:
		// fprintf(stderr, "no queue has this key: start the server first\n");
		return syserr.Explain(err, syserr.Meanings{unix.ENOENT: "no queue has this key: " +
			"start the server first (with the same -path and -proj)"})
	}
	return err
}

// createMsgQueue is the server's side: a new queue or nothing. With
// IPC_CREAT|IPC_EXCL, msgget fails if the key is taken, so the server
// never shares a queue left over from someone else; EEXIST says whose it
// is (trust.go). Mode 0600: only this user may read or write it (the
// article's 0666 lets every local user read the chat and inject messages).
func createMsgQueue(me *say.Speaker, path string, proj int) (int, *cleanup.Handle) {
	// return commMsgQueue(path, proj, IPC_CREAT | IPC_EXCL | 0600);
	id, h, _, err := commMsgQueue(me, path, proj, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		me.Fatal(err)
	}
	return id, h
}

// getMsgQueue is the client's side: the server's queue, never a new one,
// and only if it is this user's own. The article's client passed
// IPC_CREAT too, so a client started first made the queue itself, and the
// server then failed with EEXIST.
func getMsgQueue(me *say.Speaker, path string, proj int) int {
	// int msgid = commMsgQueue(path, proj, 0);
	msgid, _, key, err := commMsgQueue(me, path, proj, 0)
	if err != nil {
		me.Fatal(err)
	}
	// if (msgid >= 0 && checkOwner(msgid, 0) < 0)
	if err := checkOwner(msgid, key); err != nil {
		me.Fatal(err)
	}
	return msgid
}

// destroyMsgQueue is msgctl(msgid, IPC_RMID, NULL): the queue and every
// message in it are gone at once, and every process blocked on it wakes
// with EIDRM; later calls with the id fail with EINVAL.
func destroyMsgQueue(me *say.Speaker, msgid int) error {
	// if (msgctl(msgid, IPC_RMID, NULL) < 0) {
	err := sysv.Msgctl(msgid, unix.IPC_RMID, nil)
	if err != nil {
		// perror("msgctl(IPC_RMID)");
		me.Warnf("%v", err)
	}
	return err
}

// errText is a text this chat does not carry: a NUL byte, or too long.
var errText = errors.New("not sent")

// checkText refuses what the article's strcpy would have mangled: a NUL
// byte (C's string functions stop there, so the rest was silently lost)
// and a text longer than limit (strcpy overran mtext[1024]).
func checkText(text string, limit int) error {
	if i := strings.IndexByte(text, 0); i >= 0 {
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
func sendMsg(msgid int, who int64, msg string) error {
	// size_t len = strlen(msg);
	// Go: a string carries its length; checkText refuses a NUL, which strlen would stop at
	if err := checkText(msg, msgSize); err != nil {
		return err
	}
	// memcpy(buf.mtext, msg, len);
	// not ported: sysv.Msgsnd lays out mtype and the text in a buffer of its own
	// while (msgsnd(msgid, &buf, len, 0) < 0) {
	// if (errno != EINTR) /* msgsnd is never restarted after a handler */
	return sysv.Msgsnd(msgid, who, []byte(msg), 0) // it retries on EINTR
}

// errForeign is a message no peer of this chat sends: longer than mtext,
// or with a NUL byte. It is taken off the queue and dropped.
var errForeign = errors.New("not from this chat; discarded")

// recvMsg is comm.c's recvMsg(msgid, recvType, out): it blocks until a
// message of type recvType arrives. msgsz is one byte more than mtext,
// with MSG_NOERROR: a longer message, which the article's code could not
// take (E2BIG, and it stayed at the head of the queue for ever), is cut
// by the kernel to msgsz, recognised by its length and dropped, with a
// warning, rather than ending the chat (errForeign).
func recvMsg(me *say.Speaker, msgid int, recvType int64) (string, error) {
	buf := make([]byte, msgSize+1)
	// while ((n = msgrcv(msgid, &buf, sizeof(buf.mtext), recvType, MSG_NOERROR)) < 0) {
	mtype, n, err := sysv.Msgrcv(msgid, buf, recvType, sysv.MSG_NOERROR) // it retries on EINTR
	if err != nil {
		return "", err
	}
	// if (n > MSGSIZE || memchr(buf.mtext, '\0', (size_t)n) != NULL || (size_t)n >= outsize) {
	if i := bytes.IndexByte(buf[:n], 0); n > msgSize || i >= 0 {
		// fprintf(stderr, "a message of type %ld, %zd bytes%s: not from this chat; discarded\n", buf.mtype, n, n > MSGSIZE ? " or more (cut by MSG_NOERROR)" : " with a NUL byte");
		if n > msgSize {
			me.Warnf("a message of type %d, over %d bytes (MSG_NOERROR cut it):\n%v",
				mtype, msgSize, errForeign)
		} else {
			me.Warnf("a message of type %d with a NUL byte at offset %d: %v", mtype, i, errForeign)
		}
		return "", errForeign
	}
	// memcpy(out, buf.mtext, (size_t)n);
	return string(buf[:n]), nil
}

// readLine is comm.c's readLine: one line of standard input without its
// line end: n is 1, or 0 at end of input, or -1 on error (err). A line
// with a NUL byte or longer than LINESIZE is refused with a message, and
// the next one read. A last line without a newline still counts.
func readLine(me *say.Speaker, in *bufio.Reader) (line string, n int, err error) {
	for {
		// n = getline(&line, &cap, stdin);
		line, err = in.ReadString('\n')
		if err == io.EOF && line == "" {
			return "", 0, nil
		}
		if err != nil && err != io.EOF {
			return "", -1, syserr.Wrap("read(stdin)", err, nil)
		}
		line = strings.TrimRight(line, "\r\n")
		// if (strlen(line) != (size_t)n)
		// fprintf(stderr, "a NUL byte in the line: not sent; type it again\n");
		// fprintf(stderr, "%zd bytes, at most %d: not sent; type it again\n", n, LINESIZE);
		if err := checkText(line, lineSize); err != nil {
			me.Warnf("%v; type it again", err)
			continue
		}
		// memcpy(buf, line, (size_t)n + 1);
		return line, 1, nil
	}
}

// prompt prints the article's "Please Enter# " (its callers do so only on
// a terminal). It has no line end, so it is the one write that does not go
// through say; a failed write ends the program as say's would.
func prompt(me *say.Speaker) {
	if cleanup.Stopping() {
		return
	}
	if _, err := os.Stdout.WriteString("Please Enter# "); errors.Is(err, unix.EPIPE) {
		cleanup.Die(unix.SIGPIPE)
	} else if err != nil {
		me.Fatal(err)
	}
}
