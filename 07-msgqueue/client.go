//go:build linux && (amd64 || arm64)

package main

// This file is c/client.c, line by line: open the server's queue, then
// send a line and wait for the answer, until the input ends. It is longer
// than its C twin for what C cannot see: how the chat ended when a Ctrl-C
// to the group reaches this client and the server together (gone), and
// the Go error values it explains.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sysv"
)

// client is client.c's main: getMsgQueue, then read a line,
// sendMsg(CLIENT_TYPE) with this client's PID in front, recvMsg of the
// type that is its PID, print, and again. It ends on end of input or
// "quit", and when the queue goes: EIDRM if it is removed while the
// client waits (the server's way to end), EINVAL if it was gone before
// the call. It never removes the queue: it is the server's.
func client(args []string) {
	// if (parseKeyArgs(argc, argv, &path, &proj) < 0)
	path, proj := keyFlags("client", args)
	// Go only: the signals that end a program end it through common/cleanup
	// (the C client has nothing to clean up: the default actions do), and a
	// copy of them is kept to look at when the queue vanishes (gone).
	cleanup.Catch("client")
	for _, sig := range cleanup.Signals {
		if !signal.Ignored(sig) { // one ignored at start (nohup) stays ignored
			signal.Notify(caught, sig)
		}
	}
	me := say.New("client")
	pid := os.Getpid()
	if pid <= clientType { // PID 1 or 2, in a new PID namespace: its replies would be requests
		me.Fatal(fmt.Errorf("PID %d cannot be a reply's type (%d is CLIENT_TYPE): start me under a shell", pid, clientType))
	}
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2); nothing is buffered

	// msgid = getMsgQueue(path, proj);
	msgid := getMsgQueue(me, path, proj) // on failure it says why and ends: return 1
	// Go only: replies for an earlier client that had this PID would be taken as ours.
	for {
		if _, _, err := sysv.Msgrcv(msgid, nil, int64(pid), unix.IPC_NOWAIT|sysv.MSG_NOERROR); err != nil {
			break
		}
		me.Warnf("discarded a reply of type %d left for an earlier client with my PID", pid)
	}
	talk(me, msgid, pid)
}

// talk is client.c's for (;;).
func talk(me *say.Speaker, msgid, pid int) {
	in := bufio.NewReader(os.Stdin)
	warned := false
	for {
		// if (isatty(0)) {
		if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
			// printf("Please Enter# ");
			// fflush(stdout);
			prompt(me) // one write(2): nothing to flush
		}
		// r = readLine(line, sizeof line);
		line, r, err := readLine(me, in)
		// if (r < 0) {
		if r < 0 {
			// perror("read");
			me.Fatal(err)
		}
		// if (r == 0 || strcmp(line, "quit") == 0) {
		if r == 0 || line == "quit" {
			// printf("bye (the queue stays: it is the server's)\n");
			why := `"quit"`
			if r == 0 {
				why = "end of input"
			}
			me.Printf("%s: bye (the queue stays: it is the server's)", why)
			cleanup.Exit(0) // return 0;
		}
		// printf("sending \"%s\" as type %d (CLIENT_TYPE)\n", line, CLIENT_TYPE);
		me.Printf("sending %q as type %d (CLIENT_TYPE), my PID in front", line, clientType)
		// if (!warned++) /* said before msgsnd: the server's next line comes after it */
		if !warned {
			// printf("waiting in msgrcv for type %d; if the server is killed with -9, nothing " "wakes this call: end it with Ctrl-C\n", (int)getpid());
			me.Printf("then waiting in msgrcv for the reply (type %d, my PID). If the server is killed\n"+
				"with kill -9, nothing will ever wake that call: end it with Ctrl-C", pid)
			warned = true
		}
		// snprintf(req, sizeof req, "%d %s", (int)getpid(), line);
		req := fmt.Sprintf("%d %s", pid, line)
		// if (sendMsg(msgid, CLIENT_TYPE, req) < 0) {
		// perror("msgsnd");
		gone(me, sendMsg(msgid, clientType, req))
		// while (recvMsg(msgid, getpid(), in, sizeof in) < 0) {
		text, err := recvMsg(me, msgid, int64(pid))
		for ; err != nil; text, err = recvMsg(me, msgid, int64(pid)) {
			// if (errno == EBADMSG)
			if errors.Is(err, errForeign) {
				continue
			}
			// if (errno == EIDRM) {
			// printf("msgrcv: EIDRM: the queue was removed while I waited; bye\n");
			// perror(errno == EINVAL ? "msgrcv: the queue vanished" : "msgrcv");
			if errors.Is(err, unix.EINVAL) { // msgsnd had just found it: removed in between
				me.Printf("EINVAL: the queue was removed between my msgsnd and my msgrcv:\n" +
					"the server has ended; bye")
				cleanup.Exit(0)
			}
			gone(me, err)
		}
		// printf("server# %s\n", in);
		me.Printf("server# %s", text)
	}
}

// gone ends the client when the queue went: EIDRM, removed while this
// call waited (what a server does when it ends), is a normal end; EINVAL
// at msgsnd, gone while this client read its input (the server ended, or
// someone ran ipcrm), is not: the line was not sent.
//
// A Ctrl-C to the process group reaches the server and this client at
// once; the server's removal then makes this call fail, and the signal,
// already delivered, waits on the channel: it ends the client, not the
// error.
func gone(me *say.Speaker, err error) {
	if err == nil {
		return
	}
	select {
	case s := <-caught:
		cleanup.Die(s.(syscall.Signal))
	default:
	}
	switch {
	case errors.Is(err, unix.EIDRM):
		me.Printf("EIDRM: the queue was removed while I waited (a server removes it as it ends):\n" +
			"the server has ended; bye")
		cleanup.Exit(0)
	case errors.Is(err, unix.EINVAL):
		// Not a crash, the chat's other end: said on stdout, exit status 1.
		me.Warnf("%v:\nthe queue vanished while I read my input (the server ended, or someone ran ipcrm);\n"+
			"the line was not sent; bye", err)
		cleanup.Exit(1)
	}
	me.Fatal(err)
}

var caught = make(chan os.Signal, 1)
