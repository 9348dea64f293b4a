//go:build linux && (amd64 || arm64)

package main

// This file is c/client.c: open the server's queue, then send a line and
// wait for the answer, until the input ends. It is longer than its C twin
// (about 1.7 times) for what C cannot see: how the chat ended when a
// Ctrl-C to the group reaches this client and the server together (gone),
// and the Go error values it explains.

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
	path, proj := keyFlags("client", args)
	cleanup.Catch("client")
	// A copy of the signals cleanup catches, to look at when the queue
	// vanishes (gone).
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

	// int msgid = getMsgQueue();
	id := getMsgQueue(me, path, proj)
	// Replies for an earlier client that had this PID would be taken as ours.
	for {
		if _, _, err := sysv.Msgrcv(id, nil, int64(pid), unix.IPC_NOWAIT|sysv.MSG_NOERROR); err != nil {
			break
		}
		me.Warnf("discarded a reply of type %d left for an earlier client with my PID", pid)
	}

	in := bufio.NewReader(os.Stdin)
	warned := false
	for {
		prompt(me)
		line, ok, err := readLine(in)
		switch {
		case err != nil:
			me.Fatal(err)
		case !ok:
			me.Printf("end of input: bye (the queue stays: it is the server's)")
			cleanup.Exit(0)
		case line == "quit":
			me.Printf(`"quit": bye (the queue stays: it is the server's)`)
			cleanup.Exit(0)
		}
		if err := checkText(line, lineSize); err != nil {
			me.Warnf("%v; type it again", err)
			continue
		}
		// sendMsg(msgid, CLIENT_TYPE, buf);
		me.Printf("sending %q as type %d (CLIENT_TYPE), my PID in front", line, clientType)
		if !warned { // said before msgsnd, so that it comes before the server's line
			me.Printf("then waiting in msgrcv for the reply (type %d, my PID). If the server is killed\n"+
				"with kill -9, nothing will ever wake that call: end it with Ctrl-C", pid)
			warned = true
		}
		gone(me, sendMsg(id, clientType, fmt.Sprintf("%d %s", pid, line)))
		// recvMsg(msgid, SERVER_TYPE, buf);
		for {
			_, text, err := recvMsg(id, int64(pid))
			if errors.Is(err, errForeign) {
				me.Warnf("%v", err)
				continue
			}
			if errors.Is(err, unix.EINVAL) { // msgsnd had just found it: removed in between
				me.Printf("EINVAL: the queue was removed between my msgsnd and my msgrcv: the server has ended; bye")
				cleanup.Exit(0)
			}
			gone(me, err)
			// printf("server# %s\n", buf);
			me.Printf("server# %s", text)
			break
		}
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
		me.Printf("EIDRM: the queue was removed while I waited (a server removes it as it ends): the server has ended; bye")
		cleanup.Exit(0)
	case errors.Is(err, unix.EINVAL):
		// Not a crash, the chat's other end: said on stdout, exit status 1.
		me.Warnf("%v: the queue vanished while I read my input (the server ended, or someone ran ipcrm); "+
			"the line was not sent; bye", err)
		cleanup.Exit(1)
	}
	me.Fatal(err)
}

var caught = make(chan os.Signal, 1)
