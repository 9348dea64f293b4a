//go:build linux && (amd64 || arm64)

package main

// This file is c/server.c: make the queue, then answer each client's
// request, line by line, until the input ends.

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sysv"
)

// server is server.c's main: createMsgQueue, then recvMsg(CLIENT_TYPE),
// print, read a line, sendMsg to the client that asked, and again. It ends
// on end of input or "quit" at its turn to answer; a signal (Ctrl-C,
// SIGTERM, SIGHUP, a closed standard output) ends it at any moment. The
// queue goes either way: common/cleanup removes it, then the program dies
// of the signal. The article's server looped for ever and never reached
// destroyMsgQueue: every run, ended with Ctrl-C, left its queue behind.
func server(args []string) {
	path, proj := keyFlags("server", args)
	cleanup.Catch("server") // before the queue exists: no moment without a guard
	me := say.New("server")

	// int msgid = createMsgQueue();
	id, q := createMsgQueue(me, path, proj)
	sign(me, id)
	me.Kernel("%s", row(id))
	me.GoNote("msgrcv is never restarted after a signal handler (signal(7)), and a Go " +
		"process can be interrupted at any time: the runtime preempts goroutines " +
		"with SIGURG, and each exiting child brings a SIGCHLD. sysv.Msgrcv retries " +
		"on EINTR; a C server must loop on EINTR itself. Ctrl-C reaches this server " +
		"through signal.Notify (common/cleanup), which removes the queue first.")
	me.Printf("waiting for requests: messages of type %d (CLIENT_TYPE)", clientType)
	child.Ready(strconv.Itoa(id)) // in the demo: the client may start now

	in := bufio.NewReader(os.Stdin)
	for {
		// recvMsg(msgid, CLIENT_TYPE, buf);
		_, text, err := recvMsg(id, clientType)
		pid, line, ok := strings.Cut(text, " ")
		n, perr := strconv.Atoi(pid)
		switch {
		case errors.Is(err, errForeign):
			me.Warnf("%v", err)
			continue
		case err != nil:
			me.Fatal(err)
		case !ok || perr != nil || n <= clientType:
			me.Warnf("a request without the asking client's PID in front (%q): not from this chat; discarded", text)
			continue
		}
		// printf("client# %s\n", buf);
		me.Printf("client %d# %s", n, line)

		// read(0, buf, sizeof(buf)): one line of our own input.
		reply, ok := answer(me, in)
		if !ok {
			// answer said so before: the client that waits for a reply
			// wakes with EIDRM and prints at once, so a line printed after
			// the removal could come before or after the client's.
			if err := q.Release(); err != nil {
				me.Fatal(err)
			}
			cleanup.Exit(0)
		}
		// sendMsg(msgid, SERVER_TYPE, buf): to the client that asked.
		if unix.Kill(n, 0) == unix.ESRCH {
			me.Warnf("client %d is gone: no reply (nobody would ever take it off the queue)", n)
			continue
		}
		me.Printf("sending %q as type %d (the PID of the client that asked)", reply, n)
		if err := sendMsg(id, int64(n), reply); err != nil {
			me.Fatal(err)
		}
	}
}

// answer reads the reply: a line that fits, or the end ("quit" or end of
// input, said before the queue goes). A line that does not fit is refused
// and read again: the chat goes on.
func answer(me *say.Speaker, in *bufio.Reader) (string, bool) {
	for {
		prompt(me)
		line, ok, err := readLine(in)
		switch {
		case err != nil:
			me.Fatal(err)
		case !ok:
			me.Printf("end of input: removing the queue; a client waiting for a reply wakes with EIDRM")
			return "", false
		case line == "quit":
			me.Printf(`"quit": removing the queue; a client waiting for a reply wakes with EIDRM`)
			return "", false
		}
		if err := checkText(line, lineSize); err != nil {
			me.Warnf("the reply: %v; type it again", err)
			continue
		}
		return line, true
	}
}

// sign leaves this server's PID in the queue's msg_lspid and msg_lrpid,
// with an empty message of type SERVER_TYPE sent and taken back at once:
// the kernel keeps no creator PID for a queue (there is no msg_cpid), and
// a server started later needs it to tell a queue in use from one left by
// a killed server (trust.go).
func sign(me *say.Speaker, id int) {
	if err := sysv.Msgsnd(id, serverType, nil, unix.IPC_NOWAIT); err != nil {
		me.Fatal(err)
	}
	if _, _, err := sysv.Msgrcv(id, nil, serverType, unix.IPC_NOWAIT); err != nil {
		me.Fatal(err)
	}
	me.Printf("msgsnd and msgrcv of an empty message of type %d (SERVER_TYPE): the kernel keeps no\n"+
		"creator PID for a queue; msg_lspid and msg_lrpid now name this server", serverType)
}
