package main

// This file is client.c of the article: open the server's queue, then send
// a line and wait for the answer, until the input ends.

import (
	"bufio"
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
)

// client is client.c's main: getMsgQueue, then read a line,
// sendMsg(CLIENT_TYPE), recvMsg(SERVER_TYPE), print, and again. It ends on
// end of input or "quit", and cleanly when the server removes the queue
// while it waits for a reply. It never removes the queue: it is the
// server's.
func client(args []string) {
	path, proj := keyFlags("client", args)
	me := say.New("client")

	// int msgid = getMsgQueue();
	id := getMsgQueue(me, path, proj)

	in := bufio.NewReader(os.Stdin)
	for {
		prompt()
		line, ok, err := readLine(in)
		if err != nil {
			me.Fatal(err)
		}
		if !ok {
			me.Printf("end of input: bye (the queue stays: it is the server's)")
			return
		}
		if line == "quit" {
			me.Printf(`"quit": bye (the queue stays: it is the server's)`)
			return
		}
		// sendMsg(msgid, CLIENT_TYPE, buf);
		if err := checkSize(line); err != nil {
			me.Fatal(err) // nothing was sent
		}
		me.Printf("sending %q as type %d (CLIENT_TYPE), then waiting for the reply", line, clientType)
		if err := sendMsg(id, clientType, line); err != nil {
			me.Fatal(err)
		}
		// recvMsg(msgid, SERVER_TYPE, buf);
		text, err := recvMsg(id, serverType)
		if errors.Is(err, unix.EIDRM) {
			me.Printf("msgrcv: EIDRM: the server removed the queue while I waited for its reply; bye")
			return
		}
		if errors.Is(err, unix.EINVAL) {
			// The server removed the queue between our msgsnd and msgrcv.
			me.Printf("msgrcv: EINVAL: the server removed the queue before I could wait for its reply; bye")
			return
		}
		if err != nil {
			me.Fatal(err)
		}
		// printf("server# %s\n", buf);
		me.Printf("server# %s", text)
	}
}
