//go:build linux && (amd64 || arm64)

package main

// This file is c/client.c: connect to the server (for SOCK_DGRAM: bind an
// address of its own first, so the server can answer), learn whose server
// it is, then send each line of standard input and print the reply, until
// "quit" or the end of that input. Like the C, it calls the socket API on
// a bare descriptor: no package net.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// client is client.c's main up to the chat: arguments, socket, connect,
// and whose server it is.
func client(args []string) {
	cleanup.Catch("client") // it makes nothing to remove, but ends as the signal says
	me := say.New("client")
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: common/say writes each line with one write(2).

	// for (i = 1; i < argc; i++) {
	//	if (strcmp(argv[i], "-type") == 0 && i + 1 < argc) {
	//		ty = strcmp(argv[i], "dgram") == 0 ? SOCK_DGRAM : strcmp(argv[i], "seqpacket") == 0 ? SOCK_SEQPACKET : strcmp(argv[i], "stream") == 0 ? SOCK_STREAM : -1;
	//	} else if ((strcmp(argv[i], "-path") == 0 || strcmp(argv[i], "-abstract") == 0) && i + 1 < argc && argv[i + 1][0] != '\0' && strlen(argv[i + 1]) + 1 < sizeof name) {
	//		snprintf(name, sizeof name, "%s%s", argv[i][1] == 'a' ? "@" : "", argv[i + 1]);
	// fprintf(stderr, "usage: sock_client [-type stream|seqpacket|dgram] (-path PATH | -abstract NAME) (not empty, under %zu bytes)\n", sizeof name);
	// Package flag parses the same flags, and says what is wrong (chatproto.go).
	ty, path, abstract := addrFlags("client", args, true, nil)
	name := path + abstract

	// memset(&sa, 0, sizeof sa);
	// memcpy(sa.sun_path, name, strlen(name)); /* checked: it fits with its NUL */
	// len = offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
	// x/sys/unix fills sun_path and addrlen, and turns a leading '@' into
	// the abstract namespace's NUL, with no final NUL.
	sa := &unix.SockaddrUnix{Name: name}

	// fd = socket(AF_UNIX, ty | SOCK_CLOEXEC, 0);
	fd, err := unix.Socket(unix.AF_UNIX, ty|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		// perror("socket");
		me.Fatal(syserr.Wrap("socket", err, nil))
	}
	if ty == unix.SOCK_DGRAM {
		// if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) < 0) {
		// An empty SockaddrUnix is addrlen sizeof(sa_family_t): autobind.
		if err := unix.Bind(fd, &unix.SockaddrUnix{}); err != nil {
			// perror("bind");
			me.Fatal(syserr.Wrap("bind", err, nil))
		}
	}
	// if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
	if err := unix.Connect(fd, sa); err != nil {
		// fprintf(stderr, "client: connect(%s) failed: %s%s\n", name, strerror(errno), errno == ENOENT ? ": is the server running?" : errno == ECONNREFUSED ? ": nobody listens there" : "");
		me.Fatal(syserr.Wrap("connect("+addrName(name)+")", err, connectMeanings))
	}
	// printf("client %d: socket(AF_UNIX, %s), connect(%s)\n", (int)getpid(), ty == SOCK_STREAM ? "SOCK_STREAM" : ty == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_SEQPACKET", name);
	me.Printf("socket(AF_UNIX, %s), connect(%s)", sockType(ty), addrName(name))
	me.Kernel("%s", row(fd))
	whoseServer(me, fd, ty, name)
	child.Ready("") // in the demo: connected
	chatLines(me, fd, ty)
}

// connectMeanings say what connect's errors mean to this client.
var connectMeanings = syserr.Meanings{
	unix.ENOENT:       "no such file: is the server running, and is this its -path?",
	unix.ECONNREFUSED: "nobody listens there: a stale socket file, or a closed abstract name",
	unix.EACCES:       "no write permission on the socket file, or no search permission above it",
	unix.EPROTOTYPE:   "the server's socket is of another -type",
}

// whoseServer is the part of client.c that learns whose server it is,
// before it sends any line: SO_PEERCRED on a connection; for SOCK_DGRAM,
// which has none, the socket file's owner, or on an abstract name (no
// file) the credentials the kernel puts on the server's answer.
func whoseServer(me *say.Speaker, fd, ty int, name string) {
	if ty == unix.SOCK_DGRAM {
		// getsockname(fd, (struct sockaddr *)&me, &ml);
		sa, err := unix.Getsockname(fd)
		if err != nil {
			me.Fatal(syserr.Wrap("getsockname", err, nil))
		}
		// printf("client %d: bound to @%.*s by the kernel (autobind)\n", (int)getpid(), (int)(ml - offsetof(struct sockaddr_un, sun_path) - 1), me.sun_path + 1);
		me.Printf("bound to %s by the kernel (autobind), so the server can answer", addrName(sa.(*unix.SockaddrUnix).Name))
	}
	switch {
	case ty == unix.SOCK_DGRAM && !strings.HasPrefix(name, "@"):
		// if (lstat(name, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		var st unix.Stat_t
		err := unix.Lstat(name, &st)
		if err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK || int(st.Uid) != os.Geteuid() {
			// fprintf(stderr, "client: %s is not a socket file of mine (uid %d): not sending it anything\n", name, (int)geteuid());
			me.Fatal(fmt.Errorf("%s is not a socket file of mine (uid %d): not sending it anything (%s)",
				name, os.Geteuid(), fileMode(name)))
		}
		// printf("client %d: lstat(%s): a socket file of uid %d, mine\n", (int)getpid(), name, (int)st.st_uid);
		me.Printf("lstat(%s): a socket file of uid %d, mine", name, st.Uid)
	case ty == unix.SOCK_DGRAM:
		whoAnswers(me, fd)
	default:
		// if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) < 0) {
		uc, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
		if err != nil {
			// perror("getsockopt(SO_PEERCRED)");
			me.Fatal(syserr.Wrap("getsockopt(SO_PEERCRED)", err, nil))
		}
		// printf("client %d: the server is pid %d uid %d gid %d (SO_PEERCRED)\n", (int)getpid(), (int)uc.pid, (int)uc.uid, (int)uc.gid);
		me.Printf("the server is pid %d uid %d gid %d (SO_PEERCRED: as at its listen())", uc.Pid, uc.Uid, uc.Gid)
		// if (uc.uid != getuid() && uc.uid != 0) {
		if int(uc.Uid) != os.Getuid() && uc.Uid != 0 {
			// fprintf(stderr, "client: the server's uid %d is neither mine nor root's: not sending it anything\n", (int)uc.uid);
			me.Fatal(fmt.Errorf("the server's uid %d is neither mine (%d) nor root's: not sending it anything", uc.Uid, os.Getuid()))
		}
	}
}

// whoAnswers is the credentials handshake of a datagram client on an
// abstract name: with SO_PASSCRED set, the kernel puts the sender's pid,
// uid and gid on every datagram this socket receives (SCM_CREDENTIALS),
// and the client sends an empty datagram, the server answers with one, and its
// uid must be this user's.
func whoAnswers(me *say.Speaker, fd int) {
	// char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	reply := make([]byte, msgMax+1)
	// setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		me.Fatal(syserr.Wrap("setsockopt(SO_PASSCRED)", err, nil))
	}
	// if (send(fd, "", 0, MSG_NOSIGNAL) < 0 || (n = recvmsg(fd, &mh, 0)) < 0) {
	err := unix.Sendto(fd, nil, unix.MSG_NOSIGNAL, nil)
	var n, oobn int
	if err == nil {
		n, oobn, _, _, err = unix.Recvmsg(fd, reply, oob, 0)
	}
	if err != nil {
		// fprintf(stderr, "client: asking who the server is: %s\n", strerror(errno));
		me.Fatal(syserr.Wrap("asking who the server is", err, nil))
	}
	// for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
	//	memcpy(&uc, CMSG_DATA(cm), sizeof uc);
	uc := credsOf(oob[:oobn])
	// if (uc.uid != getuid()) {
	if uc == nil || int(uc.Uid) != os.Getuid() {
		// fprintf(stderr, "client: the server's answer comes from uid %d, not mine (%d): not sending it anything\n", (int)uc.uid, (int)getuid());
		who := "no SCM_CREDENTIALS"
		if uc != nil {
			who = fmt.Sprintf("uid %d (%s)", uc.Uid, userName(uc.Uid))
		}
		me.Fatal(fmt.Errorf("the answer is from %s, not mine (%d): not sending it anything", who, os.Getuid()))
	}
	// printf("client %d: the server is pid %d uid %d gid %d (SCM_CREDENTIALS on its answer)\n", (int)getpid(), (int)uc.pid, (int)uc.uid, (int)uc.gid);
	me.Printf("the server is pid %d uid %d gid %d (SCM_CREDENTIALS on its answer)", uc.Pid, uc.Uid, uc.Gid)
	if n > 0 {
		// printf("client %d: server# %s\n", (int)getpid(), reply); return strncmp(reply, "refused:", 8) == 0;
		me.Printf("server# %s", reply[:n])
		refused(me, string(reply[:n]))
	}
}

// chatLines is client.c's loop: a line of input out, a reply in.
func chatLines(me *say.Speaker, fd, ty int) {
	in := bufio.NewReader(os.Stdin)
	reply := make([]byte, msgMax+2)
	for {
		// while (fgets(line, sizeof line, stdin) != NULL) {
		prompt()
		line, ok, err := readLine(in)
		if err != nil {
			me.Fatal(err)
		}
		if !ok {
			endOfInput(me)
		}
		// n = strcspn(line, "\n");
		// if (line[n] != '\n' && !feof(stdin)) {
		if len(line) > msgMax {
			// fprintf(stderr, "client: a line over %d bytes: not sent\n", MSGMAX);
			me.Fatal(fmt.Errorf("a line over %d bytes: not sent", msgMax))
		}
		// if (strcmp(line, "quit") == 0) {
		if line == "quit" {
			// printf("client %d: \"quit\": bye\n", (int)getpid());
			me.Printf(`"quit": bye`)
			cleanup.Exit(0)
		}
		// printf("client %d: sending \"%s\"\n", (int)getpid(), line);
		me.Printf("sending %q", line)
		if ty == unix.SOCK_STREAM {
			line += "\n"
		}
		// if (send(fd, line, n, MSG_NOSIGNAL) < 0) {
		if err := unix.Sendto(fd, []byte(line), unix.MSG_NOSIGNAL, nil); err != nil {
			// printf("client %d: the server is gone (send: %s); bye\n", (int)getpid(), strerror(errno));
			me.Printf("the server is gone (send: %s); bye", syserr.Name(syserr.Errno(err)))
			if errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) {
				cleanup.Exit(0)
			}
			cleanup.Exit(1)
		}
		got := recvReply(me, fd, ty, reply)
		// reply[strcspn(reply, "\n")] = '\0';
		text, _, _ := strings.Cut(string(reply[:got]), "\n")
		// got = 0; printf("client %d: server# %s\n", (int)getpid(), reply);
		me.Printf("server# %s", text)
		// if (strncmp(reply, "refused:", 8) == 0)
		refused(me, text)
	}
}

// endOfInput is the end of client.c, after its loop.
func endOfInput(me *say.Speaker) {
	// printf("client %d: end of input: bye\n", (int)getpid());
	me.Printf("end of input: bye")
	cleanup.Exit(0)
}

// recvReply is client.c's read of one reply: up to a newline on a stream,
// one message otherwise. It ends the client when the server has gone.
func recvReply(me *say.Speaker, fd, ty int, reply []byte) int {
	got, n := 0, 0
	var err error
	for {
		// n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
		n, _, err = unix.Recvfrom(fd, reply[got:len(reply)-1], 0)
		if err != nil || n <= 0 || ty != unix.SOCK_STREAM {
			break
		}
		got += n
		// if (strchr(reply, '\n') || got == sizeof reply - 1)
		if strings.IndexByte(string(reply[:got]), '\n') >= 0 || got == len(reply)-1 {
			break
		}
	}
	if err != nil && !errors.Is(err, unix.ECONNRESET) {
		// perror("recv");
		me.Fatal(syserr.Wrap("recv", err, syserr.Meanings{unix.ECONNREFUSED: "the server's socket is closed: it ended"}))
	}
	if err == nil && n == 0 && ty == unix.SOCK_DGRAM {
		// printf("client %d: an empty datagram: the server's goodbye; bye\n", (int)getpid());
		me.Printf("an empty datagram: the server's goodbye; bye")
		me.Printf("(read() = 0 is no end of file on SOCK_DGRAM: a datagram may be empty)")
		cleanup.Exit(0)
	}
	if err != nil || n == 0 {
		// printf("client %d: the server closed the connection; bye\n", (int)getpid());
		how := "end of file"
		if err != nil {
			how = syserr.Name(syserr.Errno(err))
		}
		me.Printf("the server closed the connection (%s); bye", how)
		cleanup.Exit(0)
	}
	if ty != unix.SOCK_STREAM {
		got = n
	}
	return got
}

// refused ends the client with status 1 if the server refused it: the
// lesson of SO_PEERCRED, said on standard output, not a crash.
func refused(me *say.Speaker, reply string) {
	if strings.HasPrefix(reply, "refused:") {
		me.Warnf("the server refused this client; exit status 1")
		cleanup.Exit(1)
	}
}
