/*
 * client.c - the chat client: connect to the server (for SOCK_DGRAM, bind
 * an address of its own first, so the server can answer), check whose
 * server it is (SO_PEERCRED; for SOCK_DGRAM, which has none, the owner of
 * the socket file, or on an abstract name SCM_CREDENTIALS on the server's
 * answer to an empty datagram), then send each line of standard input and
 * print the reply, until "quit" or the end of that input.
 *
 *   sock_client [-type stream|seqpacket|dgram] (-path PATH | -abstract NAME)
 *
 * Reconstructed: the article names sockets and prints no code. send()
 * passes MSG_NOSIGNAL: a write to a socket whose peer has gone raises
 * SIGPIPE, which would kill this client before it could say why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MSGMAX 1024

int main(int argc, char **argv)
{
	struct sockaddr_un sa, me;
	socklen_t len, ml = sizeof me;
	char line[MSGMAX + 2], reply[MSGMAX + 2], name[sizeof sa.sun_path] = "";
	int fd, i, ty = SOCK_STREAM;
	ssize_t n;
	size_t got;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-type") == 0 && i + 1 < argc) {
			i++;
			ty = strcmp(argv[i], "dgram") == 0 ? SOCK_DGRAM : strcmp(argv[i], "seqpacket") == 0 ? SOCK_SEQPACKET : strcmp(argv[i], "stream") == 0 ? SOCK_STREAM : -1;
		} else if ((strcmp(argv[i], "-path") == 0 || strcmp(argv[i], "-abstract") == 0) && i + 1 < argc && argv[i + 1][0] != '\0' && strlen(argv[i + 1]) + 1 < sizeof name) {
			snprintf(name, sizeof name, "%s%s", argv[i][1] == 'a' ? "@" : "", argv[i + 1]);
			i++;
		} else {
			ty = -1;
		}
		if (ty < 0)
			break;
	}
	if (ty < 0 || name[0] == '\0') {
		fprintf(stderr, "usage: sock_client [-type stream|seqpacket|dgram] (-path PATH | -abstract NAME) (not empty, under %zu bytes)\n", sizeof name);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, strlen(name)); /* checked: it fits with its NUL */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
	if (name[0] == '@') { /* abstract: a leading NUL, no final one */
		sa.sun_path[0] = '\0';
		len--;
	}
	/* fd = socket(AF_UNIX, type, 0); */
	fd = socket(AF_UNIX, ty | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (ty == SOCK_DGRAM) { /* autobind: the kernel picks an abstract name */
		me.sun_family = AF_UNIX;
		if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) < 0) {
			perror("bind");
			return 1;
		}
	}
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		fprintf(stderr, "client: connect(%s) failed: %s%s\n", name, strerror(errno),
			errno == ENOENT ? ": is the server running?" : errno == ECONNREFUSED ? ": nobody listens there" : "");
		return 1;
	}
	printf("client %d: socket(AF_UNIX, %s), connect(%s)\n", (int)getpid(), ty == SOCK_STREAM ? "SOCK_STREAM" : ty == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_SEQPACKET", name);
	if (ty == SOCK_DGRAM) {
		getsockname(fd, (struct sockaddr *)&me, &ml);
		printf("client %d: bound to @%.*s by the kernel (autobind)\n", (int)getpid(), (int)(ml - offsetof(struct sockaddr_un, sun_path) - 1), me.sun_path + 1);
	}
	if (ty == SOCK_DGRAM && name[0] != '@') { /* no SO_PEERCRED here: whose file is it? */
		struct stat st;
		if (lstat(name, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
			fprintf(stderr, "client: %s is not a socket file of mine (uid %d): not sending it anything\n", name, (int)geteuid());
			return 1;
		}
		printf("client %d: lstat(%s): a socket file of uid %d, mine\n", (int)getpid(), name, (int)st.st_uid);
	} else if (ty == SOCK_DGRAM) { /* an abstract name: ask, and read SCM_CREDENTIALS on the answer */
		struct ucred uc = {0, (uid_t)-1, (gid_t)-1};
		char cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = {reply, MSGMAX + 1};
		struct msghdr mh = {NULL, 0, &iov, 1, cbuf, sizeof cbuf, 0};
		struct cmsghdr *cm;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
		if (send(fd, "", 0, MSG_NOSIGNAL) < 0 || (n = recvmsg(fd, &mh, 0)) < 0) {
			fprintf(stderr, "client: asking who the server is: %s\n", strerror(errno));
			return 1;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
				memcpy(&uc, CMSG_DATA(cm), sizeof uc);
		if (uc.uid != getuid()) {
			fprintf(stderr, "client: the server's answer comes from uid %d, not mine (%d): not sending it anything\n", (int)uc.uid, (int)getuid());
			return 1;
		}
		printf("client %d: the server is pid %d uid %d gid %d (SCM_CREDENTIALS on its answer)\n", (int)getpid(), (int)uc.pid, (int)uc.uid, (int)uc.gid);
		if (n > 0) {
			reply[n] = '\0';
			printf("client %d: server# %s\n", (int)getpid(), reply);
			return strncmp(reply, "refused:", 8) == 0;
		}
	} else {
		struct ucred uc;
		socklen_t ul = sizeof uc;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) < 0) {
			perror("getsockopt(SO_PEERCRED)");
			return 1;
		}
		printf("client %d: the server is pid %d uid %d gid %d (SO_PEERCRED)\n", (int)getpid(), (int)uc.pid, (int)uc.uid, (int)uc.gid);
		if (uc.uid != getuid() && uc.uid != 0) {
			fprintf(stderr, "client: the server's uid %d is neither mine nor root's: not sending it anything\n", (int)uc.uid);
			return 1;
		}
	}
	got = 0;
	while (fgets(line, sizeof line, stdin) != NULL) {
		n = strcspn(line, "\n");
		if (line[n] != '\n' && !feof(stdin)) {
			fprintf(stderr, "client: a line over %d bytes: not sent\n", MSGMAX);
			return 1;
		}
		line[n] = '\0';
		if (strcmp(line, "quit") == 0) {
			printf("client %d: \"quit\": bye\n", (int)getpid());
			return 0;
		}
		printf("client %d: sending \"%s\"\n", (int)getpid(), line);
		if (ty == SOCK_STREAM)
			line[n++] = '\n';
		if (send(fd, line, n, MSG_NOSIGNAL) < 0) {
			printf("client %d: the server is gone (send: %s); bye\n", (int)getpid(), strerror(errno));
			return errno == EPIPE || errno == ECONNRESET ? 0 : 1;
		}
		/* n = read(fd, reply, sizeof reply): a line, or one message */
		for (;;) {
			n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
			if (n <= 0 || ty != SOCK_STREAM)
				break;
			got += n;
			reply[got] = '\0';
			if (strchr(reply, '\n') || got == sizeof reply - 1)
				break;
		}
		if (n < 0 && errno != ECONNRESET) {
			perror("recv");
			return 1;
		}
		if (n == 0 && ty == SOCK_DGRAM) {
			printf("client %d: an empty datagram: the server's goodbye; bye\n", (int)getpid());
			return 0;
		}
		if (n <= 0) {
			printf("client %d: the server closed the connection; bye\n", (int)getpid());
			return 0;
		}
		if (ty != SOCK_STREAM)
			got = n;
		reply[got] = '\0';
		reply[strcspn(reply, "\n")] = '\0';
		got = 0;
		printf("client %d: server# %s\n", (int)getpid(), reply);
		if (strncmp(reply, "refused:", 8) == 0)
			return 1;
	}
	printf("client %d: end of input: bye\n", (int)getpid());
	return 0;
}
