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

	// The input goroutine reads standard input all the time, so that end
	// of input or "quit" ends an idle server at once.
	replies, ended := input(me, id, q)
	for {
		// recvMsg(msgid, CLIENT_TYPE, buf);
		_, text, err := recvMsg(id, clientType)
		pid, line, ok := strings.Cut(text, " ")
		n, perr := strconv.Atoi(pid)
		switch {
		case errors.Is(err, errForeign):
			me.Warnf("%v", err)
			continue
		case err != nil && ended.closed():
			cleanup.Exit(0) // the input goroutine removed the queue, and said why
		case err != nil:
			me.Fatal(err)
		case !ok || perr != nil || n <= clientType:
			me.Warnf("a request without the asking client's PID in front (%q): not from this chat; discarded", text)
			continue
		case n == os.Getpid():
			end(me, q, ended) // the input goroutine's wake-up call: the input is over
		}
		// printf("client# %s\n", buf);
		me.Printf("client %d# %s", n, line)

		// read(0, buf, sizeof(buf)): one line of our own input.
		prompt(me)
		reply, ok := <-replies
		if !ok {
			end(me, q, ended)
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

// end says why the input ended, removes the queue and exits 0. The
// client that waits for a reply wakes with EIDRM and prints at once, so
// a line printed after the removal could come before or after the
// client's: it is said first.
func end(me *say.Speaker, q *cleanup.Handle, ended *over) {
	<-ended.c // closed just after the wake-up was sent
	me.Printf("%s: removing the queue; a client waiting for a reply wakes with EIDRM", ended.why)
	if err := q.Release(); err != nil {
		me.Fatal(err)
	}
	cleanup.Exit(0)
}

// over is closed when the input has ended; why says how.
type over struct {
	c   chan struct{}
	why string
}

func (o *over) closed() bool {
	select {
	case <-o.c:
		return true
	default:
		return false
	}
}

// input is the goroutine that reads standard input, line by line, and
// hands each line that fits to the loop when it asks for a reply: a line
// typed ahead waits there. At end of input or "quit", with no line
// waiting, it closes replies and wakes the loop, asleep in msgrcv, with a
// request of its own: type CLIENT_TYPE, this server's PID in front. A
// wake-up through the queue is never lost: sent before the loop calls
// msgrcv, it waits in the queue; a signal could come just before the call
// and be missed. A request already in the queue comes first, and is
// answered by the end. If the queue is full (IPC_NOWAIT: EAGAIN), the
// goroutine removes the queue itself, which wakes the loop with EIDRM.
func input(me *say.Speaker, id int, q *cleanup.Handle) (<-chan string, *over) {
	replies, ended := make(chan string), &over{c: make(chan struct{})}
	go func() {
		in := bufio.NewReader(os.Stdin)
		for {
			line, ok, err := readLine(in)
			switch {
			case err != nil:
				me.Fatal(err)
			case !ok:
				ended.why = "end of input"
			case line == "quit":
				ended.why = `"quit"`
			default:
				if err := checkText(line, lineSize); err != nil {
					me.Warnf("the reply: %v; type it again", err)
				} else {
					replies <- line
				}
				continue
			}
			close(replies)
			wake := []byte(strconv.Itoa(os.Getpid()) + " ")
			if err := sysv.Msgsnd(id, clientType, wake, unix.IPC_NOWAIT); err != nil {
				me.Printf("%s: removing the queue (it is full: no wake-up fits)", ended.why)
				close(ended.c)
				if err := q.Release(); err != nil {
					me.Fatal(err)
				}
				return
			}
			close(ended.c)
			return
		}
	}()
	return replies, ended
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
