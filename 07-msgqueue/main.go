//go:build linux && (amd64 || arm64)

// 07-msgqueue ports the message queue programs of the article
// "进程间通信（消息队列）" (interprocess communication: message queuing):
// comm.h and comm.c (comm.go), which wrap ftok, msgget, msgsnd, msgrcv and
// msgctl, and server.c (server.go) and client.c (client.go), which chat
// through one System V message queue. The demo then walks through what
// the article "004" explains (lab.go): msgrcv's msgtyp, IPC_NOWAIT, E2BIG
// and MSG_NOERROR, msgctl's IPC_STAT, IPC_SET and IPC_RMID, and msgmax.
// Whose queue may be trusted, and what a killed server leaves, is in
// trust.go; the demo's chat in chat.go; the server with Go's usual
// signal handling in notify.go.
//
// Usage:
//
//	go run ./07-msgqueue                                  the demo
//	go run ./07-msgqueue server [-path DIR] [-proj 0x66]  in one terminal
//	go run ./07-msgqueue client [-path DIR] [-proj 0x66]  in another
//
// The server and the client read lines from standard input and print what
// they receive ("client 4242# ...", "server# ..."); they end on end of
// input or a line "quit". The server removes the queue when it ends, also
// on Ctrl-C. The key comes from ftok(path, proj), path $HOME by default:
// two programs that pass the same path and project id meet at the same
// queue, whatever language they are in (the C twins are in c/) and
// whatever their current directory.
package main

import (
	"flag"
	"os"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
)

const usage = `usage: 07-msgqueue [server|server-notify|client [-path PATH] [-proj ID]]

  (no arguments)  the demo: a server and a client chat through one queue, then
                  msgrcv's types, IPC_NOWAIT, E2BIG, IPC_STAT, IPC_SET, msgmax
                  and IPC_RMID, step by step
  server          create the queue (IPC_CREAT|IPC_EXCL|0600) and answer each
                  client's request with a line of standard input; the queue is
                  removed when the server ends (end of input, "quit", Ctrl-C)
  server-notify   the same server, its signals caught the Go way (notify.go)
  client          open the server's queue (only if it is yours), send each line
                  of standard input and print the reply; ends on end of input
                  or "quit"

  -path PATH      the existing path ftok() makes the key from (default $HOME)
  -proj ID        ftok's project id, 1 to 255, as 102, 0x66 or 0146 (default 0x66)
`

func main() {
	// Go cannot fork: the demo's server and client are this program run
	// again in a role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){"server": server, "client": client, "server-notify": serverNotify})

	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "server":
			server(os.Args[2:])
			cleanup.Exit(0)
		case "client":
			client(os.Args[2:])
			cleanup.Exit(0)
		case "server-notify":
			serverNotify(os.Args[2:])
			cleanup.Exit(0)
		}
	}
	cmdline.Parse(flag.NewFlagSet("07-msgqueue", flag.ContinueOnError), os.Args[1:], usage, 0, 0)
	cleanup.Catch("parent")
	demo()
	cleanup.Exit(0)
}

// demo runs the server and the client (chat.go), then takes a queue of
// its own through the calls of the article "004" (lab.go).
func demo() {
	me := say.New("parent")

	say.Step(1, "ftok() makes a key from a path and a project id (comm.c)")
	dir, dirH, key := keyPath(me)

	say.Step(2, "the server creates the queue, the client opens it, they chat (server.c, client.c)")
	chat(me, dir)

	say.Step(3, "msgrcv's msgtyp picks the message: 0, > 0, < 0")
	id, q := createLab(me, key)
	msgtyp(me, id)

	say.Step(4, "IPC_NOWAIT on an empty queue: ENOMSG instead of waiting")
	noWait(me, id)

	say.Step(5, "a message longer than the buffer: E2BIG, or MSG_NOERROR cuts it")
	tooBig(me, id)

	say.Step(6, "msgctl(IPC_STAT): what the kernel keeps about the queue")
	ipcStat(me, id)

	say.Step(7, "msgctl(IPC_SET) lowers msg_qbytes: the queue is full sooner, IPC_NOWAIT gives EAGAIN")
	ipcSet(me, id)

	say.Step(8, "a message over msgmax: EINVAL")
	overMsgmax(me, id)

	say.Step(9, "msgctl(IPC_RMID) removes the queue and the messages in it (destroyMsgQueue)")
	remove(me, id, q)

	say.Step(10, "what this process still holds")
	if err := dirH.Release(); err != nil { // then print: see remove in lab.go
		me.Fatal(err)
	}
	me.Printf("removed %s, the path of the key", dir)
	me.Kernel("open descriptors: %s", peek.FDSummary())
	me.Printf("a System V queue is no file descriptor: it is found by key or msqid, not in\n" +
		"/proc/self/fd, and lives until IPC_RMID (or the end of its IPC namespace)")
}
