//go:build linux && (amd64 || arm64)

package main

// The server as a Go program would usually be written: the same queue,
// the same loop (serve, in server.go), but its signals are caught the Go
// way. server.go ports server.c's design literally: a thread that
// sigwait()s for the blocked signals becomes a goroutine that receives
// them from signal.Notify's channel and removes the queue itself. A Go
// program needs neither the blocked mask nor the thread: signal.Notify
// already turns a signal into a channel receive, and common/cleanup (one
// mutex for everything a program made) removes whatever was registered,
// whatever ends the program, which is why every other example here ends
// this way. Run it with "07-msgqueue server-notify".

import (
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
)

// serverNotify is server with common/cleanup in place of the signal
// goroutine: cleanup.Catch calls signal.Notify for SIGINT, SIGTERM,
// SIGHUP and SIGPIPE; on one of them it removes the queue that
// createMsgQueue registered (cleanup.Make) and ends the program by the
// signal.
func serverNotify(args []string) {
	path, proj := keyFlags("server-notify", args)
	cleanup.Catch("server") // before the queue exists: no moment without a guard
	me := say.New("server")
	lock.Lock()
	msgid, queue = createMsgQueue(me, path, proj)
	lock.Unlock()
	serve(me)
}
