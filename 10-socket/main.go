//go:build linux && (amd64 || arm64)

// 10-socket shows Unix domain sockets, the sixth mechanism of the article
// "进程间IPC机制" (Linux inter-process communication), which only names
// them: "(6) 套接字(socket)". It prints no code, so the C twins in c/ are
// reconstructed: socketpair.c (a parent and its child on one socketpair),
// server.c and client.c (a chat over a socket on a path or an abstract
// name, like 07's message queue chat). The demo then shows what the
// earlier folders could not: the socket file and its stale leftover,
// sun_path's 108 bytes, the abstract namespace, message boundaries,
// SO_PEERCRED, and a descriptor passed to another process (SCM_RIGHTS).
//
// Usage:
//
//	go run ./10-socket                                          the demo
//	go run ./10-socket server [-type T] [-path P | -abstract N] [-goroutines]
//	go run ./10-socket client [-type T] (-path P | -abstract N)
//
// The server prints the exact client command. Both read lines from
// standard input: the client sends each line and prints the reply, the
// server answers each client line with its next input line; "quit" or the
// end of input ends either, and Ctrl-C, SIGTERM or SIGHUP end them with
// nothing left behind. T is stream (default), seqpacket or dgram.
//
// Files: socketpair.go, server.go and client.go are the ports of
// c/socketpair.c, c/server.c and c/client.c (chatproto.go holds what the
// last two share); goroutines.go is the server the Go way, a goroutine
// per client (server -goroutines); chat.go, stale.go,
// sunpath.go, abstract.go, boundaries.go, peercred.go, fdpass.go and
// unlink.go are the demo's steps, named for what they show; kernel.go
// reads /proc/net/unix; roles.go starts and ends the demo's children.
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

const usage = `usage: 10-socket [server|client [-type stream|seqpacket|dgram] [-path PATH | -abstract NAME]]
       10-socket server -goroutines [...]

  (no arguments)  the demo: socketpair, a server and a client on a path, the
                  errors and the stale socket file, sun_path's 108 bytes, the
                  abstract namespace, message boundaries, SO_PEERCRED and
                  SCM_RIGHTS, step by step
  server          listen on PATH (default: a socket in a new private
                  directory under $TMPDIR) or on the abstract NAME, and answer
                  each client line with a line of standard input; ends on
                  "quit", end of input or Ctrl-C, at once even while no
                  client asks, removing its socket file; names a directory
                  that a killed earlier run left
  client          connect to the server, send each line of standard input and
                  print the reply; ends on "quit" or end of input; a dgram
                  client first checks that the server is this user's

  -type T         stream (SOCK_STREAM, default), seqpacket or dgram
  -path PATH      the socket file, 1 to 107 bytes
  -abstract NAME  a name in Linux's abstract namespace (no file), shown as @NAME,
                  1 to 107 bytes
  -goroutines     (server) a goroutine per client (goroutines.go) instead of the
                  C's ppoll loop (server.go)
`

func main() {
	// Go cannot fork: the demo's children are this program run again in a
	// role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"pair":      pairChild, // socketpair.go
		"server":    server,    // server.go
		"client":    client,    // client.go
		"dial":      dial,      // abstract.go
		"as-nobody": asNobody,  // peercred.go
		"receiver":  receiver,  // fdpass.go
	})
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "server":
			server(os.Args[2:])
		case "client":
			client(os.Args[2:])
		}
	}
	cleanup.Catch("parent")
	cmdline.Parse(flag.NewFlagSet("10-socket", flag.ContinueOnError), os.Args[1:], usage, 0, 0)
	me := say.New("parent")
	d := demoDir(me)

	say.Step(1, "socketpair(): one socket pair, both ways, between a parent and its child (socketpair.c)")
	socketPair(me)

	say.Step(2, "a stream server on a path: socket, bind, listen, accept; a client connects")
	chat(me, d)

	say.Step(3, "connect(): ENOENT, ECONNREFUSED; kill -9 leaves a stale socket file: EADDRINUSE")
	stale(me, d)

	say.Step(4, "sun_path holds 108 bytes: what Go, the kernel and strncpy do with a longer path")
	sunPath(me, d)

	say.Step(5, "the abstract namespace: @name, no file, gone with the last descriptor")
	abstract(me)

	say.Step(6, "message boundaries: STREAM merges writes, DGRAM and SEQPACKET keep them; MSG_TRUNC")
	boundaries(me)

	say.Step(7, "SO_PEERCRED: the kernel says who connected; the server refuses another user")
	peerCreds(me)

	say.Step(8, "SCM_RIGHTS: an open file passed to another process, which reads from it")
	fdPass(me, d)

	say.Step(9, "Go vs C: net's listener unlinks its socket file on Close, close(2) does not")
	unlinkOnClose(me, d)

	say.Step(10, "what this process still holds")
	d.remove(me)
	me.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}
