//go:build linux && (amd64 || arm64)

package main

// This file is c/client.c: connect to the server (for SOCK_DGRAM: bind an
// address of its own first, so the server can answer), check whose server
// it is (SO_PEERCRED), then send each line of standard input and print the
// reply, until "quit" or the end of that input.

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func client(args []string) {
	ty, path, abstract := addrFlags("client", args, true)
	cleanup.Catch("client") // it makes nothing to remove, but ends as the signal says
	me := say.New("client")
	name := path + abstract
	// fd = socket(AF_UNIX, type, 0); connect(fd, addr, len)
	c, err := dialChat(ty, name)
	if err != nil {
		me.Fatal(syserr.Wrap("connect("+addrName(name)+")", err, syserr.Meanings{
			unix.ENOENT:       "no such file: is the server running, and is this its -path?",
			unix.ECONNREFUSED: "nobody listens there: the server is gone (a stale socket file, or a closed abstract name)",
			unix.EACCES:       "no write permission on the socket file, or no search permission on a directory above it",
			unix.EPROTOTYPE:   "the server's socket is of another -type",
		}))
	}
	me.Printf("socket(AF_UNIX, %s), connect(%s)", sockType(ty), addrName(name))
	me.Kernel("%s", connRow(c))
	if ty == unix.SOCK_DGRAM {
		me.Printf("bound to %s by the kernel (autobind), so the server can answer", addrName(c.LocalAddr().String()))
		// No SO_PEERCRED on a datagram socket: learn whose server it is
		// before the first line, from its file or from its answer.
		if path != "" {
			ownFile(me, path)
		} else {
			whoAnswers(me, c)
		}
	} else {
		// getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len): whose server?
		cred, err := peerCred(c)
		if err != nil {
			me.Fatal(err)
		}
		me.Printf("the server is pid %d uid %d gid %d (SO_PEERCRED, as it was at listen())", cred.Pid, cred.Uid, cred.Gid)
		if int(cred.Uid) != os.Getuid() && cred.Uid != 0 {
			me.Fatal(fmt.Errorf("the server's uid %d is neither mine (%d) nor root's: not sending it anything", cred.Uid, os.Getuid()))
		}
	}
	child.Ready("") // in the demo: connected
	rd := bufio.NewReader(c)
	in := bufio.NewReader(os.Stdin)
	for {
		prompt()
		line, ok, err := readLine(in)
		if err != nil {
			me.Fatal(err)
		}
		if !ok || line == "quit" {
			if ok {
				me.Printf(`"quit": bye`)
			} else {
				me.Printf("end of input: bye")
			}
			cleanup.Exit(0)
		}
		if len(line) > msgMax {
			me.Warnf("a %d-byte line is over the chat's %d: not sent; type a shorter one", len(line), msgMax)
			continue
		}
		// write(fd, buf, len): a line on a stream, one message otherwise
		me.Printf("sending %q", line)
		msg := line
		if ty == unix.SOCK_STREAM {
			msg += "\n"
		}
		if _, err := c.Write([]byte(msg)); err != nil {
			serverGone(me, err)
		}
		// n = read(fd, buf, sizeof buf);
		reply, err := recvMsg(ty, c, rd)
		if err != nil {
			serverGone(me, err)
		}
		if ty == unix.SOCK_DGRAM && reply == "" {
			me.Printf("an empty datagram: the server's goodbye (read() = 0 is no end of file on " +
				"SOCK_DGRAM: a datagram may be empty); bye")
			cleanup.Exit(0)
		}
		me.Printf("server# %s", reply)
		refused(me, reply)
	}
}

// dialChat connects. A datagram client first binds with an empty address
// (addrlen sizeof(sa_family_t)): the kernel then picks it an abstract name
// ("autobind"), the address the server answers to. Package net has no way
// to ask for that (an empty local name means "unbound"), so it is done
// with unix.Bind and handed to net with FileConn.
func dialChat(ty int, name string) (*net.UnixConn, error) {
	if ty != unix.SOCK_DGRAM {
		return net.DialUnix(network(ty), nil, unixAddr(ty, name))
	}
	fd, err := unix.Socket(unix.AF_UNIX, ty|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "dgram")
	defer f.Close() // FileConn made its own copy
	if err := unix.Bind(fd, &unix.SockaddrUnix{}); err != nil {
		return nil, syserr.Wrap("bind", err, nil)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: name}); err != nil {
		return nil, err
	}
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}

// ownFile checks a datagram server's socket file: lstat(path), a socket
// of this user's. Another user's may be a server that reads every line.
func ownFile(me *say.Speaker, path string) {
	// if (lstat(name, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid())
	fi, err := os.Lstat(path)
	if err != nil {
		me.Fatal(syserr.Wrap("lstat("+path+")", err, nil))
	}
	uid := fi.Sys().(*syscall.Stat_t).Uid
	if fi.Mode()&os.ModeSocket == 0 || int(uid) != os.Geteuid() {
		me.Fatal(fmt.Errorf("%s is %s of uid %d (%s), not a socket file of mine (uid %d): not sending it anything",
			path, fi.Mode().Type(), uid, userName(uid), os.Geteuid()))
	}
	me.Printf("lstat(%s): a socket file of uid %d, mine: the server is this user's", path, uid)
}

// whoAnswers is the credentials handshake of a datagram client on an
// abstract name, which has no file to lstat: with SO_PASSCRED set, the
// kernel puts the sender's pid, uid and gid on every datagram this socket
// receives (SCM_CREDENTIALS); the client sends an empty datagram, the
// server answers with one, and its uid must be this user's.
func whoAnswers(me *say.Speaker, c *net.UnixConn) {
	fd := connFD(c)
	// setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		me.Fatal(syserr.Wrap("setsockopt(SO_PASSCRED)", err, nil))
	}
	// send(fd, "", 0, MSG_NOSIGNAL);
	if _, err := c.Write(nil); err != nil {
		serverGone(me, err)
	}
	// n = recvmsg(fd, &mh, 0);
	buf := make([]byte, msgMax+1)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		serverGone(me, err)
	}
	cred := credsOf(oob[:oobn])
	if cred == nil {
		me.Fatal(fmt.Errorf("the answer carries no SCM_CREDENTIALS: not sending anything"))
	}
	if int(cred.Uid) != os.Getuid() {
		me.Fatal(fmt.Errorf("the server's answer comes from uid %d (%s), not mine (%d): not sending it anything",
			cred.Uid, userName(cred.Uid), os.Getuid()))
	}
	me.Printf("the server is pid %d uid %d gid %d (SCM_CREDENTIALS on its answer)", cred.Pid, cred.Uid, cred.Gid)
	if n > 0 {
		me.Printf("server# %s", buf[:n])
		refused(me, string(buf[:n]))
	}
}

// refused ends the client with status 1 if the server refused it: the
// lesson of SO_PEERCRED, said on standard output, not a crash.
func refused(me *say.Speaker, reply string) {
	if strings.HasPrefix(reply, "refused:") {
		me.Warnf("the server refused this client; exit status 1")
		cleanup.Exit(1)
	}
}

// serverGone ends the client when the server closed the connection (end
// of file, EPIPE, ECONNRESET): a normal end, as for 07's EIDRM. Other
// errors are failures.
func serverGone(me *say.Speaker, err error) {
	if errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) || strings.Contains(err.Error(), "end of file") {
		how := "end of file"
		if e := syserr.Errno(err); e != 0 {
			how = syserr.Name(e)
		}
		me.Printf("the server closed the connection (%s); bye", how)
		cleanup.Exit(0)
	}
	me.Fatal(syserr.Explain(err, syserr.Meanings{unix.ECONNREFUSED: "the server's socket is closed: it ended"}))
}
