//go:build linux && (amd64 || arm64)

package main

// Step 2: server.c and client.c, run as two children of the demo, as two
// terminals would run them: the server listens on a socket file in a
// private directory, the client connects, they chat, the server's "quit"
// ends both. The server reads its input all the time, so "quit" is typed
// only once the client's last line has arrived: both children write into
// one pipe that this process copies to its standard output, in the order
// they wrote, and the demo waits there for the server's line.

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func chat(me *say.Speaker, d *dir) {
	out, w := child.Pipe(me, false)
	lines := relay(out)
	in, answers := child.Pipe(me, false)
	srv := child.Command("server")
	srv.Stdin, srv.Stdout, srv.Stderr = in, w, w
	srv.Cleans = true
	answers.WriteString("hi, client\n") // its first answer; "quit" comes later
	path := start(me, srv)
	in.Close()
	awaitLine(me, srv, lines, "(or the C twin: ./bin/sock_client")
	me.Printf("the server is listening; starting the client on %s", path)
	cl := child.Command("client", "-path", path)
	cl.Stdin = strings.NewReader("hello, server\nhow are you?\n")
	cl.Stdout, cl.Stderr = w, w
	start(me, cl)
	w.Close()
	awaitLine(me, srv, lines, "# how are you?")
	me.Printf(`typing "quit" on the server's standard input`)
	answers.WriteString("quit\n")
	answers.Close()
	for range lines { // the rest, until both children have closed the pipe
	}
	reap(me, cl)
	reap(me, srv)
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		me.Fatal(syserr.Wrap("the server's socket file is still there: lstat", err, nil))
	}
	me.Printf("the server's socket file and directory are gone: it removed them as it ended")
}

// relay copies the children's lines to standard output and hands each to
// the demo, which takes them all.
func relay(r *os.File) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		defer r.Close()
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				os.Stdout.WriteString(line)
				ch <- line
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// awaitLine takes relayed lines until one contains want.
func awaitLine(me *say.Speaker, c *child.Cmd, lines <-chan string, want string) {
	for l := range lines {
		if strings.Contains(l, want) {
			return
		}
	}
	lost(me, c, errors.New("the chat ended before a line with "+strconv.Quote(want)))
}
