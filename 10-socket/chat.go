//go:build linux && (amd64 || arm64)

package main

// Step 2: server.c and client.c, run as two children of the demo, as two
// terminals would run them: the server listens on a socket file in a
// private directory, the client connects, they chat, the server's "quit"
// ends both.

import (
	"os"
	"strings"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func chat(p *say.Speaker, d *dir) {
	srv := child.Command("server")
	srv.Stdin = strings.NewReader("hi, client\nquit\n") // its two answers
	srv.Cleans = true
	srv.Stderr = os.Stdout // its cleanup report, in order with the rest
	path := start(p, srv)
	p.Printf("the server is listening; starting the client on %s", path)
	cl := child.Command("client", "-path", path)
	cl.Stdin = strings.NewReader("hello, server\nhow are you?\n")
	start(p, cl)
	reap(p, cl)
	reap(p, srv)
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		p.Fatal(syserr.Wrap("the server's socket file is still there: lstat", err, nil))
	}
	p.Printf("the server's socket file and directory are gone: it removed them as it ended")
}
