package main

// This file is server.c of the article: make the queue, then answer the
// client, line by line, until the input ends.

import (
	"bufio"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// server is server.c's main: createMsgQueue, then recvMsg(CLIENT_TYPE),
// print, read a line, sendMsg(SERVER_TYPE), and again. It ends on end of
// input or "quit" at its turn to answer, or on SIGINT, SIGTERM or SIGHUP
// at any moment, and always removes the queue first.
func server(args []string) {
	path, proj := keyFlags("server", args)
	me := say.New("server")

	// Catch the signals that end a server before the queue exists, so
	// that no moment is left in which Ctrl-C would leak it. The article's
	// server loops forever and never reaches destroyMsgQueue: every run
	// ended with Ctrl-C left its queue in the kernel.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP)

	// int msgid = createMsgQueue();
	id := createMsgQueue(me, path, proj)
	showRow(me, id)

	// The queue goes exactly once, either here on a signal or at the end
	// of the conversation; ending holds whoever does it.
	var ending sync.Mutex
	var signalled atomic.Bool
	go func() {
		s := <-sigs
		ending.Lock()
		signalled.Store(true)
		me.Printf("caught %s: removing the queue, then exiting", unix.SignalName(s.(syscall.Signal)))
		if err := destroyMsgQueue(id); err != nil {
			me.Fatal(err)
		}
		os.Exit(0)
	}()
	// fail ends the server on an unexpected error, queue removed first.
	fail := func(err error) {
		ending.Lock()
		destroyMsgQueue(id) //nolint:errcheck // err is the story
		me.Fatal(err)
	}
	me.GoNote("msgrcv is never restarted after a signal handler (signal(7)), and a Go\n" +
		"process always has handlers: the runtime preempts goroutines with SIGURG,\n" +
		"and each exiting child brings a SIGCHLD. sysv.Msgrcv retries on EINTR; a\n" +
		"C server must loop on EINTR itself. Ctrl-C reaches this server through\n" +
		"signal.Notify, on another goroutine, which removes the queue.")
	me.Printf("waiting for messages of type %d (CLIENT_TYPE)", clientType)
	child.Ready(strconv.Itoa(id)) // in the demo: the client may start now

	in := bufio.NewReader(os.Stdin)
	for {
		// recvMsg(msgid, CLIENT_TYPE, buf);
		text, err := recvMsg(id, clientType)
		if err != nil {
			if signalled.Load() {
				select {} // the signal goroutine removed the queue and exits
			}
			fail(err)
		}
		// printf("client# %s\n", buf);
		me.Printf("client# %s", text)

		// read(0, buf, sizeof(buf)): one line of our own input.
		prompt()
		line, ok, err := readLine(in)
		if err != nil {
			fail(err)
		}
		if !ok || line == "quit" {
			// Nothing may be printed after the removal: the client, which
			// waits for a reply, wakes with EIDRM and prints at once.
			ending.Lock()
			if ok {
				me.Printf(`"quit": removing the queue; a client waiting for a reply wakes with EIDRM`)
			} else {
				me.Printf("end of input: removing the queue; a client waiting for a reply wakes with EIDRM")
			}
			if err := destroyMsgQueue(id); err != nil {
				me.Fatal(err)
			}
			return
		}
		// sendMsg(msgid, SERVER_TYPE, buf);
		if err := checkSize(line); err != nil {
			fail(err)
		}
		me.Printf("sending %q as type %d (SERVER_TYPE)", line, serverType)
		if err := sendMsg(id, serverType, line); err != nil {
			fail(err)
		}
	}
}

// readLine reads one line of input without its line end. ok is false at
// end of input; a last line without a newline still counts.
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
// lines, not when a script pipes them in.
func prompt() {
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		os.Stdout.WriteString("Please Enter# ") //nolint:errcheck
	}
}

// showRow prints the queue's line of /proc/sysvipc/msg, or that it has
// none.
func showRow(me *say.Speaker, id int) {
	r, ok, err := peek.SysVRow("msg", id)
	switch {
	case err != nil:
		me.Kernel("/proc/sysvipc/msg: %v", err)
	case !ok:
		me.Kernel("/proc/sysvipc/msg: no row with msqid %d: the queue is gone", id)
	default:
		// PID 0 in lspid or lrpid: no process has sent or received yet.
		for _, col := range []string{"lspid", "lrpid"} {
			if r[col] == "0" {
				r[col] = "none"
			}
		}
		me.Kernel("/proc/sysvipc/msg: %s", r.Format("key", "msqid", "perms", "cbytes", "qnum", "lspid", "lrpid"))
	}
}
