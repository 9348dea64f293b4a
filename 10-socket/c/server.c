/*
 * server.c - a chat server on a Unix domain socket: listen on a path (or
 * an abstract name), check who each client is (SO_PEERCRED; for datagrams
 * SCM_CREDENTIALS), print each line a client sends and answer it with the
 * next line of standard input, until "quit" or the end of that input.
 * One ppoll() loop watches the listening socket, every client and
 * standard input, which it reads one line ahead: "quit" or the end of
 * input ends the server at once, even while no client asks.
 *
 *   sock_server [-type stream|seqpacket|dgram] [-path PATH | -abstract NAME]
 *
 * Without -path or -abstract the socket is $TMPDIR/10-socket-PID-XXXXXX/sock,
 * in a directory of its own (mode 0700). The protocol, shared with the Go
 * server: a stream carries lines ending in '\n'; a datagram or a
 * SOCK_SEQPACKET record is one line without it; a client of another uid
 * gets "refused: ..." and is closed; an empty datagram is a client asking
 * who the server is, answered with an empty datagram (the client reads
 * SCM_CREDENTIALS on it); the datagram server's goodbye is an empty
 * datagram.
 *
 * Reconstructed: the article names sockets and prints no code. Signals are
 * blocked except inside ppoll(), so a SIGINT, SIGTERM or SIGHUP can only
 * arrive there, and the loop then removes the socket file and dies of the
 * same signal: no unsafe call in a handler, no window between the check
 * and the wait.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MSGMAX 1024
#define MAXCLIENTS 16

static volatile sig_atomic_t caught;
static void on_signal(int sig) { caught = sig; }

static char path[sizeof(((struct sockaddr_un *)0)->sun_path)], dir[4096];
static int ty = SOCK_STREAM;

/* cleanup removes what this server made: its socket file, its directory. */
static void cleanup(void)
{
	if (path[0] != '\0' && path[0] != '@' && unlink(path) == 0)
		fprintf(stderr, "server %d: removed socket file %s\n", (int)getpid(), path);
	if (dir[0] != '\0' && rmdir(dir) == 0)
		fprintf(stderr, "server %d: removed directory %s\n", (int)getpid(), dir);
}

/* leftovers names what an earlier run left in tmp: a directory
 * 10-socket-PID-XXXXXX of this user whose process PID is gone (kill -9
 * runs no cleanup). It removes nothing: what a live run holds is never
 * touched, and a dead run's directory is the user's to look at. */
static void leftovers(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	struct stat st;
	char p[4096], c;
	int pid;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (sscanf(e->d_name, "10-socket-%d-%c", &pid, &c) != 2 || pid <= 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue; /* not a directory of this user's */
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* its process lives (EPERM: another user's): a live run's */
		printf("an earlier run left %s: its process %d is gone (kill -9); remove it: rm -r %s\n", p, pid, p);
	}
	if (d != NULL)
		closedir(d);
}

/* addr fills a sockaddr_un for a path or an "@name", and returns its length. */
static socklen_t addr(struct sockaddr_un *sa, const char *name)
{
	size_t n = strlen(name);
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, n); /* the caller checked n < sizeof sun_path */
	if (name[0] == '@') {
		sa->sun_path[0] = '\0'; /* abstract: a leading NUL, no final one */
		return offsetof(struct sockaddr_un, sun_path) + n;
	}
	return offsetof(struct sockaddr_un, sun_path) + n + 1;
}

/* listen_on binds fd; on a stale socket file (EADDRINUSE, and connect()
 * says ECONNREFUSED) it removes the file and binds again; a live one it
 * leaves alone. */
static int listen_on(int fd)
{
	struct sockaddr_un sa;
	socklen_t len = addr(&sa, path);
	struct stat st;
	int probe;

	if (bind(fd, (struct sockaddr *)&sa, len) == 0)
		return 0;
	if (errno != EADDRINUSE || path[0] == '@') {
		fprintf(stderr, "server: bind(%s): %s\n", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "server: %s exists and is not a socket: not removing it; choose another -path\n", path);
		return -1;
	}
	if (st.st_uid != geteuid()) { /* in /tmp (mode 1777) it is another user's */
		struct passwd *pw = getpwuid(st.st_uid);
		fprintf(stderr, "server: %s is a socket file of uid %d (%s), not this user's (uid %d): not removing it; choose another -path\n",
			path, (int)st.st_uid, pw ? pw->pw_name : "no name in the user database", (int)geteuid());
		return -1;
	}
	probe = socket(AF_UNIX, ty | SOCK_CLOEXEC, 0);
	if (connect(probe, (struct sockaddr *)&sa, len) == 0 || errno != ECONNREFUSED) {
		fprintf(stderr, "server: bind(%s): EADDRINUSE: a server is listening there; not removing its socket file\n", path);
		close(probe);
		return -1;
	}
	close(probe);
	printf("bind(%s): EADDRINUSE; connect: ECONNREFUSED: a stale socket file; removing it\n", path);
	if (unlink(path) < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0) {
		fprintf(stderr, "server: bind(%s) again: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct client {
	int fd;
	pid_t pid;
	uid_t uid;
	int spoken;
	char buf[MSGMAX + 2];
	size_t len;
};

int main(int argc, char **argv)
{
	struct client cl[MAXCLIENTS];
	struct pollfd pfd[MAXCLIENTS + 2];
	struct sigaction sa;
	sigset_t block, orig;
	struct sockaddr_un from;
	socklen_t fromlen = 0;
	char in[MSGMAX + 2], msg[MSGMAX + 2], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	size_t inlen = 0;
	int fd, i, n, nc = 0, waiting = -1, status = 0, one = 1, eof = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-type") == 0 && i + 1 < argc) {
			i++;
			ty = strcmp(argv[i], "dgram") == 0 ? SOCK_DGRAM : strcmp(argv[i], "seqpacket") == 0 ? SOCK_SEQPACKET : strcmp(argv[i], "stream") == 0 ? SOCK_STREAM : -1;
		} else if ((strcmp(argv[i], "-path") == 0 || strcmp(argv[i], "-abstract") == 0) && i + 1 < argc && argv[i + 1][0] != '\0' && strlen(argv[i + 1]) + 1 < sizeof path) {
			snprintf(path, sizeof path, "%s%s", argv[i][1] == 'a' ? "@" : "", argv[i + 1]);
			i++;
		} else {
			ty = -1;
		}
		if (ty < 0) {
			fprintf(stderr, "usage: sock_server [-type stream|seqpacket|dgram] [-path PATH | -abstract NAME] (not empty; PATH under %zu bytes)\n", sizeof path);
			return 2;
		}
	}
	/* Block the signals that end a server; ppoll() lets them in. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a client gone: send() says EPIPE */

	if (path[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		leftovers(tmp && *tmp ? tmp : "/tmp");
		snprintf(dir, sizeof dir, "%s/10-socket-%d-XXXXXX", tmp && *tmp ? tmp : "/tmp", (int)getpid());
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		if ((size_t)snprintf(path, sizeof path, "%s/sock", dir) >= sizeof path) {
			fprintf(stderr, "server: %s/sock is too long for sun_path\n", dir);
			cleanup();
			return 1;
		}
	}
	/* fd = socket(AF_UNIX, type, 0); bind(); listen() */
	fd = socket(AF_UNIX, ty | SOCK_CLOEXEC, 0);
	if (fd < 0 || listen_on(fd) < 0) {
		dir[0] != '\0' ? rmdir(dir) : 0;
		return 1;
	}
	if (ty != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0) {
		perror("listen");
		cleanup();
		return 1;
	}
	if (ty == SOCK_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	printf("socket(AF_UNIX, %s), bind(%s)%s\n", ty == SOCK_STREAM ? "SOCK_STREAM" : ty == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_SEQPACKET", path, ty == SOCK_DGRAM ? "" : ", listen()");
	printf("in another terminal: ./bin/sock_client%s%s %s %s\n", ty == SOCK_STREAM ? "" : " -type ", ty == SOCK_STREAM ? "" : ty == SOCK_DGRAM ? "dgram" : "seqpacket",
	       path[0] == '@' ? "-abstract" : "-path", path[0] == '@' ? path + 1 : path);

	for (;;) {
		int np = 0, due = waiting >= 0 || fromlen > 0, ifd = -1, iin = -1, heard = 0;
		char *nl = memchr(in, '\n', inlen);
		size_t len = nl ? (size_t)(nl - in) : inlen;
		/* a whole line of input (or the last one): quit, or the answer */
		if (nl || (eof && inlen > 0) || inlen > MSGMAX) {
			if ((len == 4 && memcmp(in, "quit", 4) == 0) || len > MSGMAX) {
				printf("%s: closing the socket\n", len > MSGMAX ? "a line over the chat's 1024 bytes" : "\"quit\"");
				break;
			}
			if (due) {
				printf("answering \"%.*s\"\n", (int)len, in);
				n = snprintf(msg, sizeof msg, "%.*s%s", (int)len, in, ty == SOCK_STREAM ? "\n" : "");
				if (ty == SOCK_DGRAM)
					sendto(fd, msg, n, 0, (struct sockaddr *)&from, fromlen);
				else
					send(cl[waiting].fd, msg, n, MSG_NOSIGNAL);
				/* keep what follows the line for the next answer */
				inlen -= nl ? len + 1 : len;
				memmove(in, in + len + (nl ? 1 : 0), inlen);
				waiting = -1;
				fromlen = 0;
				continue;
			}
		} else if (eof) {
			printf("end of input: closing the socket\n");
			break;
		}
		/* Standard input is watched all the time, one line ahead: "quit"
		 * or its end ends an idle server at once. While an answer is due,
		 * only standard input; the clients wait for their turn. */
		if (!due) {
			ifd = np;
			pfd[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
			for (i = 0; i < nc; i++)
				pfd[np++] = (struct pollfd){.fd = cl[i].fd, .events = POLLIN};
		}
		if (!(nl || inlen > MSGMAX)) {
			iin = np;
			pfd[np++] = (struct pollfd){.fd = 0, .events = POLLIN};
		}
		if (ppoll(pfd, np, NULL, &orig) < 0) {
			if (errno != EINTR) {
				perror("ppoll");
				status = 1;
				break;
			}
			if (caught) {
				cleanup();
				signal(caught, SIG_DFL);
				sigprocmask(SIG_SETMASK, &orig, NULL);
				raise(caught); /* die of it, as without a handler */
			}
			continue;
		}
		if (ifd >= 0 && ty == SOCK_DGRAM && pfd[ifd].revents) { /* recvmsg: text, sender, SCM_CREDENTIALS */
			struct iovec iov = {msg, MSGMAX + 1};
			struct msghdr mh = {&from, sizeof from, &iov, 1, cbuf, sizeof cbuf, 0};
			struct cmsghdr *cm;
			struct ucred uc = {0, (uid_t)-1, (gid_t)-1};
			n = recvmsg(fd, &mh, 0);
			if (n < 0)
				continue;
			for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
					memcpy(&uc, CMSG_DATA(cm), sizeof uc);
			if (mh.msg_namelen <= offsetof(struct sockaddr_un, sun_path)) {
				printf("a datagram from pid %d without a sender address: dropped\n", (int)uc.pid);
				continue; /* no address to answer to */
			}
			if (uc.uid != getuid() || n > MSGMAX) {
				if (uc.uid != getuid())
					n = snprintf(msg, sizeof msg, "refused: uid %d is not the server's uid %d (SCM_CREDENTIALS)", (int)uc.uid, (int)getuid());
				else
					n = snprintf(msg, sizeof msg, "refused: over %d bytes", MSGMAX);
				printf("datagram from pid %d: %s\n", (int)uc.pid, msg);
				sendto(fd, msg, n, 0, (struct sockaddr *)&from, mh.msg_namelen);
				continue;
			}
			if (n == 0) { /* a client asks who this server is: SCM_CREDENTIALS on the answer */
				printf("client %d: an empty datagram: answering with one, which carries this server's credentials\n", (int)uc.pid);
				sendto(fd, "", 0, 0, (struct sockaddr *)&from, mh.msg_namelen);
				continue;
			}
			msg[n] = '\0';
			printf("client %d# %s\n", (int)uc.pid, msg);
			fromlen = mh.msg_namelen;
			continue;
		}
		if (ifd >= 0 && (pfd[ifd].revents & POLLIN)) { /* cfd = accept(fd); SO_PEERCRED */
			struct ucred uc;
			socklen_t ul = sizeof uc;
			int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0 && nc == MAXCLIENTS) {
				close(cfd); /* full: the client reads end of file */
			} else if (cfd >= 0 && getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0) {
				cl[nc] = (struct client){.fd = cfd, .pid = uc.pid, .uid = uc.uid};
				nc++;
			}
			continue;
		}
		for (i = 0; ifd >= 0 && i < nc; i++) { /* a client spoke, or hung up */
			struct client *c = &cl[i];
			char *cnl = NULL;
			if (!(pfd[ifd + 1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			heard = 1;
			n = recv(c->fd, c->buf + c->len, ty == SOCK_STREAM ? sizeof c->buf - 1 - c->len : MSGMAX + 1, 0);
			if (n > 0) {
				c->len += n;
				c->buf[c->len] = '\0';
				cnl = strchr(c->buf, '\n');
				if (ty == SOCK_STREAM && cnl == NULL && c->len <= MSGMAX)
					break; /* a partial line */
			}
			if (n <= 0 || (ty == SOCK_STREAM && cnl == NULL) || (ty != SOCK_STREAM && n > MSGMAX)) {
				if (n <= 0 && c->spoken)
					printf("client pid %d: end of file: it closed the connection\n", (int)c->pid);
				close(c->fd);
				cl[i] = cl[--nc];
				break;
			}
			if (cnl)
				*cnl = '\0';
			if (c->uid != getuid()) {
				n = snprintf(msg, sizeof msg, "refused: uid %d is not the server's uid %d (SO_PEERCRED)", (int)c->uid, (int)getuid());
				printf("client pid %d uid %d: %s\n", (int)c->pid, (int)c->uid, msg);
				if (ty == SOCK_STREAM)
					msg[n++] = '\n';
				send(c->fd, msg, n, MSG_NOSIGNAL);
				close(c->fd);
				cl[i] = cl[--nc];
				break;
			}
			if (!c->spoken)
				printf("accepted client pid %d uid %d (SO_PEERCRED)\n", (int)c->pid, (int)c->uid);
			c->spoken = 1;
			printf("client %d# %s\n", (int)c->pid, c->buf);
			c->len = 0; /* one line at a time: the client waits for its answer */
			waiting = i;
			break;
		}
		if (heard || iin < 0 || !pfd[iin].revents)
			continue;
		/* standard input, looked at last: a client that spoke or hung up
		 * in the same instant is heard first */
		n = read(0, in + inlen, sizeof in - 1 - inlen);
		if (n <= 0)
			eof = 1;
		else
			inlen += n;
	}
	cleanup(); /* the file goes first: then the clients are told */
	if (fromlen > 0) /* a datagram client waits for an answer: the goodbye */
		sendto(fd, "", 0, 0, (struct sockaddr *)&from, fromlen);
	for (i = 0; i < nc; i++)
		close(cl[i].fd);
	close(fd);
	return status;
}
