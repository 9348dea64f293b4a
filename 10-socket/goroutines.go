//go:build linux && (amd64 || arm64)

package main

// The chat server the way Go is usually written (server -goroutines): the
// same protocol as server.go, which ports c/server.c's ppoll loop line by
// line, but a goroutine per client, one more reading standard input, and
// package net, whose poller (epoll) does the watching. It differs because
// in Go a blocked goroutine costs little and the runtime multiplexes them,
// so the code reads top to bottom per client, with no loop that keeps
// every client's state; the price is locks (one answer at a time) where
// the C's single thread needs none.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// chatServer is one server: its input, its clients, its end.
type chatServer struct {
	me    *say.Speaker
	ty    int
	in    *bufio.Reader
	lines chan string // standard input, one line ahead (watchInput)
	turn  sync.Mutex  // one answer at a time: the input is shared
	ln    *cleanup.Handle
	name  string      // the path, or "@name"
	dir   *dir        // the private directory, if the server made one
	done  atomic.Bool // "quit" or end of input: the server is ending
	endMu sync.Mutex  // taken by end for good; guards bye
	bye   func() error
}

// endpoint is a listener (stream, seqpacket) or a bound datagram socket.
type endpoint interface {
	syscall.Conn
	Close() error
}

func goroutineServer(ty int, path, abstract string) {
	// The signals that end a server remove what it made: its directory and
	// its socket file. The C server blocks them and takes them in ppoll().
	cleanup.Catch("server")
	s := &chatServer{me: say.New("server"), ty: ty, in: bufio.NewReader(os.Stdin), lines: make(chan string)}
	name := path + abstract
	if name == "" { // a socket in a private directory (mode 0700)
		leftovers(s.me)
		d, err := privateDir()
		if err != nil {
			s.me.Fatal(err)
		}
		s.dir, name = d, d.join("sock")
	}
	s.name = name
	// fd = socket(AF_UNIX, type, 0); bind(fd, addr); listen(fd, SOMAXCONN);
	ep, err := s.listen(name)
	if errors.Is(err, unix.EADDRINUSE) && abstract == "" {
		ep, err = s.staleOrLive(name) // stale.go shows why
	}
	if err != nil {
		s.me.Fatal(syserr.Explain(err, syserr.Meanings{unix.EADDRINUSE: "another server holds this abstract name"}))
	}
	if ty == unix.SOCK_DGRAM {
		// setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one)
		// Before the server says it is ready: a datagram queued while
		// SO_PASSCRED is off carries no credentials, and recvmsg then
		// reports pid 0 and the overflow uid (65534).
		rc, _ := ep.(*net.UnixConn).SyscallConn()
		_ = rc.Control(func(fd uintptr) { // only fails when closed
			if err := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
				s.me.Fatal(syserr.Wrap("setsockopt(SO_PASSCRED)", err, nil))
			}
		})
	}
	listened := ", listen()"
	if ty == unix.SOCK_DGRAM {
		listened = ""
	}
	s.me.Printf("socket(AF_UNIX, %s), bind(%s)%s", sockType(ty), addrName(name), listened)
	s.me.Kernel("%s", connRow(ep))
	if abstract == "" {
		s.me.Kernel("%s", fileMode(name))
	}
	switch {
	case ty == unix.SOCK_DGRAM:
		s.me.GoNote("net.ListenUnixgram is socket+bind in one call; its Close does not unlink the file " +
			"(a UnixConn never does, step 9): this server removes it itself. One loop reads every client.")
	case abstract != "":
		s.me.GoNote("net.ListenUnix is socket+bind+listen in one call; an abstract name has no file to " +
			"unlink: it goes with the last descriptor. Each client gets a goroutine where C's server polls.")
	default:
		s.me.GoNote("net.ListenUnix is socket+bind+listen in one call; its Close unlinks the file, " +
			"which close(2) never does. Each client gets a goroutine where C's server polls.")
	}
	cmd := clientArgs(ty, name)
	s.me.Printf("in another terminal: go run ./10-socket client%s", cmd)
	s.me.Printf("  (or the C twin: ./bin/sock_client%s)", cmd)
	child.Ready(name)
	go s.watchInput()
	if ty == unix.SOCK_DGRAM {
		s.datagrams(ep.(*net.UnixConn))
	} else {
		s.accept(ep.(*net.UnixListener))
	}
}

// listen makes the server's socket, registered with common/cleanup: a
// file on a path is removed whatever ends the server.
func (s *chatServer) listen(name string) (endpoint, error) {
	var ep endpoint
	var err error
	s.ln, err = cleanup.Make(func() (string, func() error, error) {
		var err error
		if s.ty == unix.SOCK_DGRAM {
			ep, err = net.ListenUnixgram("unixgram", unixAddr(s.ty, name))
		} else {
			ep, err = net.ListenUnix(network(s.ty), unixAddr(s.ty, name))
		}
		if err != nil {
			return "", nil, err
		}
		if strings.HasPrefix(name, "@") {
			return "", ep.Close, nil // nothing to remove: the name goes with the socket
		}
		if s.ty == unix.SOCK_DGRAM { // net unlinks only a listener's file; the socket
			// itself stays open for the goodbye and closes with the process
			return "socket file " + name, func() error { return os.Remove(name) }, nil
		}
		return "socket file " + name, ep.Close, nil // Close unlinks the file
	})
	return ep, err
}

// accept is server.c's poll loop, Go's way: accept() blocks this
// goroutine (the runtime parks it in epoll), and each client is served on
// a goroutine of its own.
func (s *chatServer) accept(ln *net.UnixListener) {
	for {
		// cfd = accept(fd, NULL, NULL);
		c, err := ln.AcceptUnix()
		if err != nil {
			if s.done.Load() { // quit closed the listener
				select {}
			}
			s.me.Fatal(syserr.Wrap("accept", err, nil))
		}
		go s.serve(c)
	}
}

// serve is one client: check its credentials, then answer its lines.
func (s *chatServer) serve(c *net.UnixConn) {
	// getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len)
	cred, err := peerCred(c)
	if err != nil {
		s.me.Fatal(err)
	}
	rd := bufio.NewReader(c)
	first := true
	for {
		// n = read(cfd, buf, sizeof buf): a line, or one message
		text, err := s.recv(c, rd)
		if err != nil {
			s.turn.Lock()
			if !s.done.Load() && !first { // one that hung up without a word (a probe) goes unsaid
				s.me.Printf("client pid %d: %v", cred.Pid, err)
			}
			s.turn.Unlock()
			c.Close()
			return
		}
		if first { // said once the client has spoken, so the lines come in order
			first = false
			if int(cred.Uid) != os.Getuid() {
				why := fmt.Sprintf("refused: uid %d is not the server's uid %d (SO_PEERCRED)", cred.Uid, os.Getuid())
				s.turn.Lock()
				if !s.done.Load() {
					s.me.Warnf("client %d: %s", cred.Pid, why)
				}
				s.turn.Unlock()
				s.send(c, nil, why)
				c.Close()
				return
			}
			s.turn.Lock()
			s.me.Printf("accepted client pid %d uid %d gid %d (SO_PEERCRED: as at its connect())", cred.Pid, cred.Uid, cred.Gid)
			s.me.Kernel("%s", connRow(c))
			s.turn.Unlock()
		}
		s.answer(cred.Pid, text, func(reply string) { s.send(c, nil, reply) }, c.Close)
	}
}

// answer prints a client's line and sends it the server's next input
// line, which watchInput holds. bye is the goodbye for a client that will
// see no end of file (a datagram client), should the server end while
// this client waits.
func (s *chatServer) answer(pid int32, text string, reply func(string), bye func() error) {
	s.turn.Lock()
	defer s.turn.Unlock()
	if s.done.Load() {
		return
	}
	s.setBye(bye) // before the line is seen: a "quit" typed after it says goodbye
	s.me.Printf("client %d# %s", pid, text)
	prompt()
	line := <-s.lines // end may end the process meanwhile
	s.setBye(nil)
	s.me.Printf("answering %q", line)
	reply(line)
}

func (s *chatServer) setBye(bye func() error) {
	s.endMu.Lock()
	s.bye = bye
	s.endMu.Unlock()
}

// watchInput reads standard input all the time, one line ahead: a line is
// held until a client asks for it, and "quit" or the end of input ends the
// server at once, even while no client asks.
func (s *chatServer) watchInput() {
	for {
		line, ok, err := readLine(s.in)
		if err != nil {
			s.me.Fatal(err)
		}
		if ok && line != "quit" && len(line) <= msgMax {
			s.lines <- line
			continue
		}
		if ok && line != "quit" {
			s.me.Warnf("a %d-byte line is over the chat's %d: not sent, ending", len(line), msgMax)
		}
		s.end(ok)
	}
}

// end closes the listener (unlinking its file), says goodbye to a
// datagram client that waits for an answer, and ends the server; the
// other clients' sockets close with the process: end of file.
func (s *chatServer) end(quit bool) {
	s.endMu.Lock() // for good: the server ends here
	s.done.Store(true)
	why := "end of input"
	if quit {
		why = `"quit"`
	}
	if s.bye != nil && s.ty == unix.SOCK_DGRAM {
		_ = s.bye() // before the socket closes; the client may be gone
	}
	if err := s.ln.Release(); err != nil { // not ReleaseThen: see dir.remove
		s.me.Fatal(err)
	}
	switch {
	case s.ty == unix.SOCK_DGRAM && !strings.HasPrefix(s.name, "@"):
		s.me.Printf("%s: unlink(%s): %s", why, s.name, fileMode(s.name))
	case s.ty == unix.SOCK_DGRAM:
		s.me.Printf("%s: closing the socket; its abstract name goes with it", why)
	case strings.HasPrefix(s.name, "@"):
		s.me.Printf("%s: closed the socket; its abstract name went with it", why)
	default:
		s.me.Printf("%s: closed the socket; %s", why, fileMode(s.name))
	}
	if s.dir != nil {
		s.dir.remove(s.me)
	}
	if s.bye != nil && s.ty == unix.SOCK_DGRAM {
		s.me.Printf("an empty datagram went to the client that waits: the goodbye")
	}
	cleanup.Exit(0)
}

// datagrams is server.c's SOCK_DGRAM loop: no connection, no accept; each
// datagram comes with its sender's address, to answer to, and (with
// SO_PASSCRED) its sender's credentials, checked by the kernel.
func (s *chatServer) datagrams(c *net.UnixConn) {
	buf := make([]byte, msgMax+1)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	for {
		// n = recvmsg(fd, &msg, 0): the text, the sender, SCM_CREDENTIALS
		n, oobn, flags, from, err := c.ReadMsgUnix(buf, oob)
		if err != nil {
			s.turn.Lock()
			s.me.Fatal(syserr.Wrap("recvmsg", err, nil))
		}
		cred := credsOf(oob[:oobn])
		if cred == nil || from == nil || from.Name == "" {
			s.me.Warnf("a datagram without credentials or without a sender address: dropped")
			continue
		}
		reply := func(text string) { s.send(c, from, text) }
		switch {
		case n == 0 && int(cred.Uid) == os.Getuid() && flags&unix.MSG_TRUNC == 0:
			// A client asks who this server is: the kernel puts this
			// process's credentials on the answer (SCM_CREDENTIALS).
			s.me.Printf("client %d: an empty datagram: the client asks who this server is", cred.Pid)
			s.me.Printf("answering with one: the kernel puts this server's credentials on it")
			reply("")
		case int(cred.Uid) != os.Getuid():
			why := fmt.Sprintf("refused: uid %d is not the server's uid %d (SCM_CREDENTIALS)", cred.Uid, os.Getuid())
			s.me.Warnf("datagram from pid %d uid %d at %s: %s", cred.Pid, cred.Uid, addrName(from.Name), why)
			reply(why)
		case flags&unix.MSG_TRUNC != 0 || n > msgMax:
			s.me.Warnf("datagram from pid %d: over %d bytes (%s): refused", cred.Pid, msgMax, msgFlags(flags))
			reply(fmt.Sprintf("refused: over %d bytes", msgMax))
		default:
			s.answer(cred.Pid, string(buf[:n]), reply, func() error { s.send(c, from, ""); return nil })
		}
	}
}

// send sends one chat message: a line ending in a newline on a stream,
// one datagram or one record otherwise (an empty datagram is the dgram
// server's goodbye). A client that is gone is the client's business.
func (s *chatServer) send(c *net.UnixConn, to *net.UnixAddr, text string) {
	var err error
	switch {
	case s.ty == unix.SOCK_STREAM:
		_, err = c.Write([]byte(text + "\n"))
	case to != nil:
		_, err = c.WriteToUnix([]byte(text), to)
	default:
		_, err = c.Write([]byte(text))
	}
	if err != nil && !errors.Is(err, unix.EPIPE) && !errors.Is(err, unix.ECONNRESET) { // gone: its business
		s.me.Warnf("could not answer: %v", err)
	}
}

// recv reads one chat message: a line from a stream, a record from a
// SOCK_SEQPACKET connection.
func (s *chatServer) recv(c *net.UnixConn, rd *bufio.Reader) (string, error) {
	return recvMsg(s.ty, c, rd)
}

// recvMsg is the chat's receive, shared by the server and the client.
func recvMsg(ty int, c *net.UnixConn, rd *bufio.Reader) (string, error) {
	if ty == unix.SOCK_STREAM {
		line, err := rd.ReadString('\n')
		if err == io.EOF && line == "" {
			return "", errors.New("end of file: it closed the connection")
		}
		if err != nil && err != io.EOF {
			return "", syserr.Wrap("read", err, nil)
		}
		return strings.TrimSuffix(line, "\n"), nil
	}
	buf := make([]byte, msgMax+1)
	n, _, flags, _, err := c.ReadMsgUnix(buf, nil)
	switch {
	case errors.Is(err, io.EOF) && ty == unix.SOCK_SEQPACKET: // net's name for recvmsg() = 0 there
		return "", errors.New("end of file: it closed the connection")
	case err != nil:
		return "", syserr.Wrap("recvmsg", err, nil)
	case n == 0 && ty == unix.SOCK_SEQPACKET:
		return "", errors.New("end of file: it closed the connection")
	case flags&unix.MSG_TRUNC != 0:
		return "", fmt.Errorf("a message over %d bytes (%s)", msgMax, msgFlags(flags))
	}
	return string(buf[:n]), nil
}
