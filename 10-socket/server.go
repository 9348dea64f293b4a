//go:build linux && (amd64 || arm64)

package main

// This file is c/server.c: listen on a path (or an abstract name), check
// who each client is (SO_PEERCRED; for datagrams SCM_CREDENTIALS), print
// each line a client sends and answer it with the next line of standard
// input, until "quit" or the end of that input. As in the C, one ppoll()
// loop on bare descriptors watches the listening socket, every client and
// standard input. goroutines.go is the same server the way Go is usually
// written: a goroutine per client (server -goroutines).

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// maxClients is server.c's MAXCLIENTS.
const maxClients = 16

// pollServer holds what server.c keeps in its globals and in main.
type pollServer struct {
	me      *say.Speaker
	ty, fd  int
	path    string          // the path, or "@name"
	dir     *dir            // the private directory, if it made one
	sock    *cleanup.Handle // the socket file: removed whatever ends the server
	cl      []*pollClient
	in      []byte        // standard input read so far, one line ahead
	eof     bool          // standard input has ended
	waiting int           // the client whose answer is due, or -1
	from    unix.Sockaddr // the datagram client whose answer is due, or nil
}

// pollClient is server.c's struct client.
type pollClient struct {
	fd, pid, uid int
	spoken       bool
	buf          []byte
}

// server is server.c's main up to its loop.
func server(args []string) {
	me := say.New("server")
	// static void on_signal(int sig) { caught = sig; }
	// not ported: no handler function in Go; signal.Notify below.
	// char in[MSGMAX + 2], msg[MSGMAX + 2], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	// The buffers are made where they are used: pollServer.in, onDatagram.
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: common/say writes each line with one write(2).

	// for (i = 1; i < argc; i++) {
	//	if (strcmp(argv[i], "-type") == 0 && i + 1 < argc) {
	//		ty = strcmp(argv[i], "dgram") == 0 ? SOCK_DGRAM : strcmp(argv[i], "seqpacket") == 0 ? SOCK_SEQPACKET : strcmp(argv[i], "stream") == 0 ? SOCK_STREAM : -1;
	//	} else if ((strcmp(argv[i], "-path") == 0 || strcmp(argv[i], "-abstract") == 0) && i + 1 < argc && argv[i + 1][0] != '\0' && strlen(argv[i + 1]) + 1 < sizeof path) {
	//		snprintf(path, sizeof path, "%s%s", argv[i][1] == 'a' ? "@" : "", argv[i + 1]);
	// fprintf(stderr, "usage: sock_server [-type stream|seqpacket|dgram] [-path PATH | -abstract NAME] (not empty; PATH under %zu bytes)\n", sizeof path);
	// Package flag parses the same flags, and says what is wrong (chatproto.go).
	var goroutines bool
	ty, path, abstract := addrFlags("server", args, false, &goroutines)

	// sigemptyset(&block);
	// sigaddset(&block, SIGINT);
	// sigaddset(&block, SIGTERM);
	// sigaddset(&block, SIGHUP);
	// sigprocmask(SIG_BLOCK, &block, &orig);
	// not ported: Go cannot block a signal for the whole process, only for
	// one thread, and the kernel would deliver it through another.
	// memset(&sa, 0, sizeof sa);
	// sigaction(SIGINT, &sa, NULL);
	// sigaction(SIGTERM, &sa, NULL);
	// sigaction(SIGHUP, &sa, NULL);
	// signal.Notify, in common/cleanup: a goroutine takes SIGINT, SIGTERM
	// and SIGHUP, removes the socket file and directory, and dies of it.
	cleanup.Catch("server")
	// signal(SIGPIPE, SIG_IGN); /* a client gone: send() says EPIPE */
	// The runtime catches SIGPIPE: a send to a client that is gone says
	// EPIPE (and every send below passes MSG_NOSIGNAL anyway).
	if goroutines {
		goroutineServer(ty, path, abstract)
		return
	}
	s := &pollServer{me: me, ty: ty, path: path + abstract, waiting: -1}
	s.setUp()
	s.loop()
}

// setUp is server.c's main from the directory to the readiness line.
func (s *pollServer) setUp() {
	me := s.me
	if s.path == "" {
		// const char *tmp = getenv("TMPDIR");
		// leftovers(tmp && *tmp ? tmp : "/tmp");
		leftovers(me)
		// snprintf(dir, sizeof dir, "%s/10-socket-%d-XXXXXX", tmp && *tmp ? tmp : "/tmp", (int)getpid());
		// if (mkdtemp(dir) == NULL) {
		d, err := privateDir() // os.MkdirTemp: mode 0700, registered for removal
		if err != nil {
			// perror("mkdtemp");
			me.Fatal(err)
		}
		// if ((size_t)snprintf(path, sizeof path, "%s/sock", dir) >= sizeof path) {
		s.dir, s.path = d, d.join("sock")
		if len(s.path) >= len(unix.RawSockaddrUnix{}.Path) {
			// fprintf(stderr, "server: %s/sock is too long for sun_path\n", dir);
			me.Fatal(fmt.Errorf("%s is too long for sun_path", s.path))
		}
	}
	// fd = socket(AF_UNIX, ty | SOCK_CLOEXEC, 0);
	fd, err := unix.Socket(unix.AF_UNIX, s.ty|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("socket", err, nil))
	}
	s.fd = fd
	// if (fd < 0 || listen_on(fd) < 0) {
	if err := s.listenOn(); err != nil {
		// dir[0] != '\0' ? rmdir(dir) : 0;
		// me.Fatal removes what is registered: the directory (common/cleanup).
		me.Fatal(err)
	}
	// if (ty != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0) {
	if s.ty != unix.SOCK_DGRAM {
		if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
			// perror("listen");
			me.Fatal(syserr.Wrap("listen", err, nil))
		}
	}
	// if (ty == SOCK_DGRAM)
	//	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	// Before the readiness line: a datagram queued while SO_PASSCRED is
	// off carries no credentials (recvmsg: pid 0, the overflow uid).
	if s.ty == unix.SOCK_DGRAM {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
			me.Fatal(syserr.Wrap("setsockopt(SO_PASSCRED)", err, nil))
		}
	}
	// printf("socket(AF_UNIX, %s), bind(%s)%s\n", ty == SOCK_STREAM ? "SOCK_STREAM" : ty == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_SEQPACKET", path, ty == SOCK_DGRAM ? "" : ", listen()");
	listened := ", listen()"
	if s.ty == unix.SOCK_DGRAM {
		listened = ""
	}
	me.Printf("socket(AF_UNIX, %s), bind(%s)%s", sockType(s.ty), s.path, listened)
	me.Kernel("%s", row(fd))
	if !strings.HasPrefix(s.path, "@") {
		me.Kernel("%s", fileMode(s.path))
	}
	// printf("in another terminal: ./bin/sock_client%s%s %s %s\n", ty == SOCK_STREAM ? "" : " -type ", ty == SOCK_STREAM ? "" : ty == SOCK_DGRAM ? "dgram" : "seqpacket", path[0] == '@' ? "-abstract" : "-path", path[0] == '@' ? path + 1 : path);
	cmd := clientArgs(s.ty, s.path)
	me.Printf("in another terminal: go run ./10-socket client%s", cmd)
	me.Printf("  (or the C twin: ./bin/sock_client%s)", cmd)
	child.Ready(s.path)
}

// listenOn is server.c's listen_on: bind fd; on a stale socket file of
// this user's (EADDRINUSE, and connect() says ECONNREFUSED) remove it and
// bind again; a live one, another user's, or what is not a socket, leave
// alone. stale.go shows why.
func (s *pollServer) listenOn() error {
	// size_t n = strlen(name);
	// memset(sa, 0, sizeof *sa);
	// memcpy(sa->sun_path, name, n); /* the caller checked n < sizeof sun_path */
	// return offsetof(struct sockaddr_un, sun_path) + n;
	// return offsetof(struct sockaddr_un, sun_path) + n + 1;
	// socklen_t len = addr(&sa, path);
	// x/sys/unix fills sun_path and addrlen, and turns a leading '@' into
	// the abstract namespace's NUL (addrlen with no final NUL).
	sa := &unix.SockaddrUnix{Name: s.path}
	// if (bind(fd, (struct sockaddr *)&sa, len) == 0)
	err := s.bind(sa)
	if err == nil {
		return nil
	}
	// if (errno != EADDRINUSE || path[0] == '@') {
	if !errors.Is(err, unix.EADDRINUSE) || strings.HasPrefix(s.path, "@") {
		// fprintf(stderr, "server: bind(%s): %s\n", path, strerror(errno));
		return syserr.Wrap("bind("+s.path+")", err, syserr.Meanings{unix.EADDRINUSE: "another server holds this abstract name"})
	}
	// if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
	var st unix.Stat_t
	if err := unix.Lstat(s.path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		// fprintf(stderr, "server: %s exists and is not a socket: not removing it; choose another -path\n", path);
		return fmt.Errorf("%s exists and is not a socket (%s): not removing it; choose another -path", s.path, fileMode(s.path))
	}
	// if (st.st_uid != geteuid()) { /* in /tmp (mode 1777) it is another user's */
	if int(st.Uid) != os.Geteuid() {
		// struct passwd *pw = getpwuid(st.st_uid);
		// fprintf(stderr, "server: %s is a socket file of uid %d (%s), not this user's (uid %d): not removing it; choose another -path\n", path, (int)st.st_uid, pw ? pw->pw_name : "no name in the user database", (int)geteuid());
		return fmt.Errorf("%s is a socket file of uid %d (%s), not this user's (uid %d): not removing it; choose another -path",
			s.path, st.Uid, userName(st.Uid), os.Geteuid())
	}
	// probe = socket(AF_UNIX, ty | SOCK_CLOEXEC, 0);
	probe, err := unix.Socket(unix.AF_UNIX, s.ty|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return syserr.Wrap("socket", err, nil)
	}
	// if (connect(probe, (struct sockaddr *)&sa, len) == 0 || errno != ECONNREFUSED) {
	if err := unix.Connect(probe, sa); err == nil || !errors.Is(err, unix.ECONNREFUSED) {
		// fprintf(stderr, "server: bind(%s): EADDRINUSE: a server is listening there; not removing its socket file\n", path);
		// close(probe);
		unix.Close(probe)
		return fmt.Errorf("bind(%s): EADDRINUSE: a server is listening there (connect: %v); not removing its socket file", s.path, err)
	}
	// close(probe);
	unix.Close(probe)
	// printf("bind(%s): EADDRINUSE; connect: ECONNREFUSED: a stale socket file; removing it\n", path);
	s.me.Warnf("bind(%s): EADDRINUSE", s.path)
	s.me.Warnf("connect: ECONNREFUSED: a stale socket file")
	s.me.Warnf("nobody listens: its server was killed (kill -9) or crashed; removing it")
	// if (unlink(path) < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0) {
	err = unix.Unlink(s.path)
	if err == nil {
		err = s.bind(sa)
	}
	// fprintf(stderr, "server: bind(%s) again: %s\n", path, strerror(errno));
	return syserr.Wrap("bind("+s.path+") again", err, nil)
}

// bind binds the server's socket and registers its file with
// common/cleanup in one step, so no signal finds it made and unregistered.
func (s *pollServer) bind(sa *unix.SockaddrUnix) error {
	var err error
	s.sock, err = cleanup.Make(func() (string, func() error, error) {
		if err := unix.Bind(s.fd, sa); err != nil {
			return "", nil, err
		}
		if strings.HasPrefix(s.path, "@") {
			return "", func() error { return nil }, nil // no file: the name goes with the socket
		}
		return "socket file " + s.path, func() error { return unix.Unlink(s.path) }, nil
	})
	return err
}

// loop is server.c's for (;;): one ppoll over the listening socket, the
// clients and standard input, which is read one line ahead.
func (s *pollServer) loop() {
	for {
		// int np = 0, due = waiting >= 0 || fromlen > 0, ifd = -1, iin = -1, heard = 0;
		due := s.waiting >= 0 || s.from != nil
		ifd, iin := -1, -1
		// char *nl = memchr(in, '\n', inlen);
		nl := bytes.IndexByte(s.in, '\n')
		if s.heldLine(nl, due) {
			continue // answered
		}
		var pfd []unix.PollFd
		if !due {
			ifd = len(pfd)
			// pfd[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
			pfd = append(pfd, unix.PollFd{Fd: int32(s.fd), Events: unix.POLLIN})
			for _, c := range s.cl {
				// pfd[np++] = (struct pollfd){.fd = cl[i].fd, .events = POLLIN};
				pfd = append(pfd, unix.PollFd{Fd: int32(c.fd), Events: unix.POLLIN})
			}
		}
		if !(nl >= 0 || len(s.in) > msgMax) {
			iin = len(pfd)
			// pfd[np++] = (struct pollfd){.fd = 0, .events = POLLIN};
			pfd = append(pfd, unix.PollFd{Fd: 0, Events: unix.POLLIN})
		}
		// if (ppoll(pfd, np, NULL, &orig) < 0) {
		// No signal mask to swap in: common/cleanup's goroutine takes the
		// signals, removes what this server made and ends it.
		if _, err := unix.Ppoll(pfd, nil, nil); err != nil {
			// if (errno != EINTR) {
			if !errors.Is(err, unix.EINTR) {
				// perror("ppoll");
				s.me.Fatal(syserr.Wrap("ppoll", err, nil))
			}
			// signal(caught, SIG_DFL);
			// sigprocmask(SIG_SETMASK, &orig, NULL);
			// raise(caught); /* die of it, as without a handler */
			// not ported: common/cleanup's goroutine does it (cleanup.Die),
			// here EINTR is a signal the runtime handled: poll again.
			continue
		}
		switch {
		// if (ifd >= 0 && ty == SOCK_DGRAM && pfd[ifd].revents) { /* recvmsg: text, sender, SCM_CREDENTIALS */
		case ifd >= 0 && s.ty == unix.SOCK_DGRAM && pfd[ifd].Revents != 0:
			s.onDatagram()
		// if (ifd >= 0 && (pfd[ifd].revents & POLLIN)) { /* cfd = accept(fd); SO_PEERCRED */
		case ifd >= 0 && pfd[ifd].Revents&unix.POLLIN != 0:
			s.onAccept()
		case ifd >= 0 && s.onClients(pfd[ifd+1:]):
		// if (heard || iin < 0 || !pfd[iin].revents)
		case iin < 0 || pfd[iin].Revents == 0:
		default:
			s.readInput()
		}
	}
}

// heldLine is the top of server.c's loop: a whole line of input (or the
// last one) is "quit", or the answer that is due; the end of input ends.
// It reports whether it answered.
func (s *pollServer) heldLine(nl int, due bool) bool {
	// size_t len = nl ? (size_t)(nl - in) : inlen;
	n := len(s.in)
	if nl >= 0 {
		n = nl
	}
	// if (nl || (eof && inlen > 0) || inlen > MSGMAX) {
	if nl >= 0 || (s.eof && len(s.in) > 0) || len(s.in) > msgMax {
		line := string(s.in[:n])
		// if ((len == 4 && memcmp(in, "quit", 4) == 0) || len > MSGMAX) {
		if line == "quit" || n > msgMax {
			// printf("%s: closing the socket\n", len > MSGMAX ? "a line over the chat's 1024 bytes" : "\"quit\"");
			why := `"quit"`
			if n > msgMax {
				why = fmt.Sprintf("a line over the chat's %d bytes", msgMax)
			}
			s.me.Printf("%s: closing the socket", why)
			s.end()
		}
		if !due {
			return false
		}
		// printf("answering \"%.*s\"\n", (int)len, in);
		s.me.Printf("answering %q", line)
		// n = snprintf(msg, sizeof msg, "%.*s%s", (int)len, in, ty == SOCK_STREAM ? "\n" : "");
		msg := line
		if s.ty == unix.SOCK_STREAM {
			msg += "\n"
		}
		if s.ty == unix.SOCK_DGRAM {
			// sendto(fd, msg, n, 0, (struct sockaddr *)&from, fromlen);
			s.sendTo(msg, s.from)
		} else {
			// send(cl[waiting].fd, msg, n, MSG_NOSIGNAL);
			s.sendTo(msg, nil)
		}
		// memmove(in, in + len + (nl ? 1 : 0), inlen);
		if nl >= 0 {
			n++
		}
		s.in = s.in[n:]
		// waiting = -1; fromlen = 0;
		s.waiting, s.from = -1, nil
		return true
	}
	// } else if (eof) {
	if s.eof {
		// printf("end of input: closing the socket\n");
		s.me.Printf("end of input: closing the socket")
		s.end()
	}
	return false
}

// sendTo sends one message to the client whose answer is due: a
// datagram to its address, or on its connection. A client that has gone
// is its own business (EPIPE, ECONNREFUSED), as in the C.
func (s *pollServer) sendTo(msg string, to unix.Sockaddr) {
	fd := s.fd
	if to == nil {
		fd = s.cl[s.waiting].fd
	}
	_ = unix.Sendto(fd, []byte(msg), unix.MSG_NOSIGNAL, to)
}

// onDatagram is server.c's SOCK_DGRAM branch: no connection, no accept,
// and each datagram comes with its sender's address, to answer to, and (with
// SO_PASSCRED) its sender's credentials, as the kernel recorded them.
func (s *pollServer) onDatagram() {
	// struct ucred uc = {0, (uid_t)-1, (gid_t)-1};
	msg := make([]byte, msgMax+1)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	// n = recvmsg(fd, &mh, 0);
	n, oobn, _, from, err := unix.Recvmsg(s.fd, msg, oob, 0)
	if err != nil {
		return // if (n < 0) continue;
	}
	// for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
	//	memcpy(&uc, CMSG_DATA(cm), sizeof uc);
	uc := credsOf(oob[:oobn])
	if uc == nil {
		uc = &unix.Ucred{Uid: ^uint32(0), Gid: ^uint32(0)}
	}
	// if (mh.msg_namelen <= offsetof(struct sockaddr_un, sun_path)) {
	sender, ok := from.(*unix.SockaddrUnix)
	if !ok || sender.Name == "" {
		// printf("a datagram from pid %d without a sender address: dropped\n", (int)uc.pid);
		s.me.Warnf("a datagram from pid %d without a sender address: dropped", uc.Pid)
		return
	}
	// if (uc.uid != getuid() || n > MSGMAX) {
	if int(uc.Uid) != os.Getuid() || n > msgMax {
		// if (uc.uid != getuid())
		//	n = snprintf(msg, sizeof msg, "refused: uid %d is not the server's uid %d (SCM_CREDENTIALS)", (int)uc.uid, (int)getuid());
		// n = snprintf(msg, sizeof msg, "refused: over %d bytes", MSGMAX);
		why := fmt.Sprintf("refused: over %d bytes", msgMax)
		if int(uc.Uid) != os.Getuid() {
			why = fmt.Sprintf("refused: uid %d is not the server's uid %d (SCM_CREDENTIALS)", uc.Uid, os.Getuid())
		}
		// printf("datagram from pid %d: %s\n", (int)uc.pid, msg);
		s.me.Warnf("datagram from pid %d: %s", uc.Pid, why)
		// sendto(fd, msg, n, 0, (struct sockaddr *)&from, mh.msg_namelen);
		_ = unix.Sendto(s.fd, []byte(why), unix.MSG_NOSIGNAL, from)
		return
	}
	// if (n == 0) { /* a client asks who this server is: SCM_CREDENTIALS on the answer */
	if n == 0 {
		// printf("client %d: an empty datagram: answering with one, which carries this server's credentials\n", (int)uc.pid);
		s.me.Printf("client %d: an empty datagram: the client asks who this server is", uc.Pid)
		s.me.Printf("answering with one: the kernel puts this server's credentials on it")
		// sendto(fd, "", 0, 0, (struct sockaddr *)&from, mh.msg_namelen);
		_ = unix.Sendto(s.fd, nil, unix.MSG_NOSIGNAL, from)
		return
	}
	// printf("client %d# %s\n", (int)uc.pid, msg);
	s.me.Printf("client %d# %s", uc.Pid, msg[:n])
	// fromlen = mh.msg_namelen;
	s.from = from
}

// onAccept is server.c's accept branch: a new client, and who it is.
func (s *pollServer) onAccept() {
	// int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	cfd, _, err := unix.Accept4(s.fd, unix.SOCK_CLOEXEC)
	if err != nil {
		return
	}
	// if (cfd >= 0 && nc == MAXCLIENTS) {
	if len(s.cl) == maxClients {
		// close(cfd); /* full: the client reads end of file */
		unix.Close(cfd)
		return
	}
	// } else if (cfd >= 0 && getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0) {
	uc, err := unix.GetsockoptUcred(cfd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		unix.Close(cfd)
		return
	}
	s.cl = append(s.cl, &pollClient{fd: cfd, pid: int(uc.Pid), uid: int(uc.Uid), buf: make([]byte, 0, msgMax+2)})
}

// onClients is server.c's loop over the clients: the first one that
// spoke or hung up is heard. It reports whether one was.
func (s *pollServer) onClients(pfd []unix.PollFd) bool {
	for i, c := range s.cl {
		// if (!(pfd[ifd + 1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
		if pfd[i].Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) == 0 {
			continue
		}
		// n = recv(c->fd, c->buf + c->len, ty == SOCK_STREAM ? sizeof c->buf - 1 - c->len : MSGMAX + 1, 0);
		room := msgMax + 1
		if s.ty == unix.SOCK_STREAM {
			room = cap(c.buf) - 1 - len(c.buf)
		}
		n, _, err := unix.Recvfrom(c.fd, c.buf[len(c.buf):len(c.buf)+room], 0)
		cnl := -1
		if err == nil && n > 0 {
			c.buf = c.buf[:len(c.buf)+n]
			// cnl = strchr(c->buf, '\n');
			cnl = bytes.IndexByte(c.buf, '\n')
			if s.ty == unix.SOCK_STREAM && cnl < 0 && len(c.buf) <= msgMax {
				return true // a partial line
			}
		}
		if err != nil || n <= 0 || (s.ty == unix.SOCK_STREAM && cnl < 0) || (s.ty != unix.SOCK_STREAM && n > msgMax) {
			if n <= 0 && c.spoken {
				// printf("client pid %d: end of file: it closed the connection\n", (int)c->pid);
				s.me.Printf("client pid %d: end of file: it closed the connection", c.pid)
			}
			// close(c->fd);
			s.drop(i)
			return true
		}
		if cnl >= 0 {
			c.buf = c.buf[:cnl]
		}
		s.heard(i, c)
		return true
	}
	return false
}

// heard is the end of server.c's client branch: refuse another user, or
// print the line and make its answer due.
func (s *pollServer) heard(i int, c *pollClient) {
	// if (c->uid != getuid()) {
	if c.uid != os.Getuid() {
		// n = snprintf(msg, sizeof msg, "refused: uid %d is not the server's uid %d (SO_PEERCRED)", (int)c->uid, (int)getuid());
		msg := fmt.Sprintf("refused: uid %d is not the server's uid %d (SO_PEERCRED)", c.uid, os.Getuid())
		// printf("client pid %d uid %d: %s\n", (int)c->pid, (int)c->uid, msg);
		s.me.Warnf("client %d: %s", c.pid, msg)
		if s.ty == unix.SOCK_STREAM {
			msg += "\n"
		}
		// send(c->fd, msg, n, MSG_NOSIGNAL); close(c->fd);
		_ = unix.Sendto(c.fd, []byte(msg), unix.MSG_NOSIGNAL, nil)
		s.drop(i)
		return
	}
	if !c.spoken {
		// printf("accepted client pid %d uid %d (SO_PEERCRED)\n", (int)c->pid, (int)c->uid);
		s.me.Printf("accepted client pid %d uid %d (SO_PEERCRED: as at its connect())", c.pid, c.uid)
		s.me.Kernel("%s", row(c.fd))
	}
	c.spoken = true
	// printf("client %d# %s\n", (int)c->pid, c->buf);
	s.me.Printf("client %d# %s", c.pid, c.buf)
	prompt()
	c.buf = c.buf[:0] // one line at a time: the client waits for its answer
	s.waiting = i
}

// drop closes a client and forgets it: cl[i] = cl[--nc].
func (s *pollServer) drop(i int) {
	unix.Close(s.cl[i].fd)
	last := len(s.cl) - 1
	s.cl[i] = s.cl[last]
	s.cl = s.cl[:last]
}

// readInput is the end of server.c's loop: standard input, looked at
// last, so a client that spoke or hung up in the same instant is heard
// first.
func (s *pollServer) readInput() {
	buf := make([]byte, msgMax+1-len(s.in))
	// n = read(0, in + inlen, sizeof in - 1 - inlen);
	n, err := unix.Read(0, buf)
	if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
		return
	}
	if n <= 0 {
		s.eof = true // eof = 1;
		return
	}
	s.in = append(s.in, buf[:n]...)
}

// end is server.c's way out of its loop, and what follows it.
func (s *pollServer) end() {
	// cleanup(); /* the file goes first: then the clients are told */
	s.cleanup()
	// if (fromlen > 0) /* a datagram client waits for an answer: the goodbye */
	//	sendto(fd, "", 0, 0, (struct sockaddr *)&from, fromlen);
	if s.from != nil {
		s.me.Printf("an empty datagram to the client that waits: the goodbye")
		_ = unix.Sendto(s.fd, nil, unix.MSG_NOSIGNAL, s.from)
	}
	// for (i = 0; i < nc; i++) close(cl[i].fd);
	for _, c := range s.cl {
		unix.Close(c.fd)
	}
	// close(fd);
	unix.Close(s.fd)
	// return status;
	cleanup.Exit(0)
}

// cleanup is server.c's cleanup: remove what this server made, its socket
// file and its directory.
func (s *pollServer) cleanup() {
	// if (path[0] != '\0' && path[0] != '@' && unlink(path) == 0)
	if err := s.sock.Release(); err != nil {
		s.me.Fatal(syserr.Wrap("unlink("+s.path+")", err, nil))
	}
	if strings.HasPrefix(s.path, "@") {
		s.me.Printf("its abstract name went with the socket: nothing to unlink")
	} else {
		// fprintf(stderr, "server %d: removed socket file %s\n", (int)getpid(), path);
		s.me.Printf("unlink(%s)", s.path)
		s.me.Kernel("%s", fileMode(s.path))
	}
	// if (dir[0] != '\0' && rmdir(dir) == 0)
	//	fprintf(stderr, "server %d: removed directory %s\n", (int)getpid(), dir);
	if s.dir != nil {
		s.dir.remove(s.me)
	}
}

// leftovers is server.c's leftovers: it names what an earlier run left in
// $TMPDIR, a directory 10-socket-PID-XXXXXX of this user whose process PID
// is gone (kill -9 runs no cleanup). It removes nothing: what a live run
// holds is never touched, and a dead run's directory is the user's to
// look at. A PID reused since by another process hides a leftover; it
// never makes a live run's look dead. The demo calls it too.
func leftovers(me *say.Speaker) {
	tmp := os.TempDir()
	// DIR *d = opendir(tmp);
	// (Plain system calls, as opendir makes them: with Go 1.20, os.ReadDir
	// would start the runtime's poller here and move every descriptor
	// number the demo prints after it.)
	d, err := unix.Open(tmp, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	var names []string
	buf := make([]byte, 4096)
	// while (d != NULL && (e = readdir(d)) != NULL) {
	for err == nil {
		n, rerr := unix.ReadDirent(d, buf)
		if rerr != nil || n <= 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	for _, name := range names {
		var pid int
		var c byte
		// if (sscanf(e->d_name, "10-socket-%d-%c", &pid, &c) != 2 || pid <= 0)
		if n, _ := fmt.Sscanf(name, "10-socket-%d-%c", &pid, &c); n != 2 || pid <= 0 {
			continue
		}
		// snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
		path := filepath.Join(tmp, name)
		// if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() {
			continue // not a directory of this user's
		}
		// if (kill(pid, 0) == 0 || errno != ESRCH)
		if err := unix.Kill(pid, 0); err != unix.ESRCH {
			continue // its process lives (EPERM: another user's): a live run's
		}
		// printf("an earlier run left %s: its process %d is gone (kill -9); remove it: rm -r %s\n", p, pid, p);
		me.Warnf("an earlier run left %s: its process %d is gone (kill -9)", path, pid)
		me.Printf("remove it: rm -r %s", path)
	}
	// closedir(d);
	if err == nil {
		unix.Close(d)
	}
}
