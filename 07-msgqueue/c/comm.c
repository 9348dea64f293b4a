/*
 * comm.c - the helpers of comm.h: ftok + msgget, msgctl(IPC_RMID), msgsnd,
 * msgrcv. See comm.h for what was corrected.
 */
#define _GNU_SOURCE /* getline */
#include "comm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int parseKeyArgs(int argc, char **argv, const char **path, int *proj)
{
	char *end;
	long n;

	*path = getenv("HOME");
	*proj = PROJ_ID;
	if (argc > 3) {
		fprintf(stderr, "usage: %s [path [proj_id]]\n", argv[0]);
		return -1;
	}
	if (argc > 1)
		*path = argv[1];
	if (*path == NULL || **path == '\0') {
		fprintf(stderr, "%s: no path, and $HOME is not set\n", argv[0]);
		return -1;
	}
	if (argc > 2) {
		errno = 0;
		n = strtol(argv[2], &end, 0);
		if (errno != 0 || *end != '\0' || end == argv[2] || n < 1 || n > 0xff) {
			fprintf(stderr, "%s: proj_id must be a number from 1 to 255, not \"%s\"\n"
				"usage: %s [path [proj_id]]\n", argv[0], argv[2], argv[0]);
			return -1;
		}
		*proj = (int)n;
	}
	return 0;
}

/* checkOwner: the queue is ours (owner and creator are our euid) and no
 * other user may read or write it; another user could have made it first
 * for our key ("squatting"). */
static int checkOwner(int msgid, int quiet)
{
	struct msqid_ds ds;

	if (msgctl(msgid, IPC_STAT, &ds) < 0) {
		if (!quiet)
			perror("msgctl(IPC_STAT): the queue is not yours");
		return -1;
	}
	if (ds.msg_perm.uid != geteuid() || ds.msg_perm.cuid != geteuid()) {
		if (!quiet)
			fprintf(stderr, "queue %d belongs to uid %u, created by uid %u, not by you (uid %u): "
				"refusing it; use another path or proj_id\n", msgid,
				(unsigned)ds.msg_perm.uid, (unsigned)ds.msg_perm.cuid, (unsigned)geteuid());
		return -1;
	}
	if (ds.msg_perm.mode & 077) {
		if (!quiet)
			fprintf(stderr, "queue %d has mode %#o: other users may read or write it; refusing it\n",
				msgid, ds.msg_perm.mode & 0777);
		return -1;
	}
	return 0;
}

static int commMsgQueue(const char *path, int proj, int flags)
{
	key_t key = ftok(path, proj);
	struct stat st;
	int msgid, err, old;

	if (key == (key_t)-1 || stat(path, &st) < 0) {
		fprintf(stderr, "ftok(\"%s\", %#x): %s\n", path, proj, strerror(errno));
		return -1;
	}
	printf("ftok(\"%s\", %#x) = key 0x%08x, from st_ino %lu and st_dev %#lx\n", path, proj,
		(unsigned)key, (unsigned long)st.st_ino, (unsigned long)st.st_dev);
	msgid = msgget(key, flags);
	if (msgid < 0) {
		err = errno;
		fprintf(stderr, "msgget(key 0x%08x): %s\n", (unsigned)key, strerror(err));
		if (err == EEXIST) {
			old = msgget(key, 0);
			if (old >= 0 && checkOwner(old, 1) == 0)
				fprintf(stderr, "queue %d is yours: a server is running, or one was killed before "
					"it could remove it; if no server is running: ipcrm -q %d\n", old, old);
			else
				fprintf(stderr, "the queue with this key is not yours: no ipcrm suggested "
					"(see ipcs -q); use another path or proj_id\n");
		} else if (err == ENOENT) {
			fprintf(stderr, "no queue has this key: start the server first\n");
		}
		errno = err;
		return -1;
	}
	printf("msgget(key 0x%08x) = msqid %d\n", (unsigned)key, msgid);
	return msgid;
}

int createMsgQueue(const char *path, int proj)
{
	return commMsgQueue(path, proj, IPC_CREAT | IPC_EXCL | 0600);
}

int getMsgQueue(const char *path, int proj)
{
	int msgid = commMsgQueue(path, proj, 0);

	if (msgid >= 0 && checkOwner(msgid, 0) < 0)
		return -1;
	return msgid;
}

int destroyMsgQueue(int msgid)
{
	if (msgctl(msgid, IPC_RMID, NULL) < 0) {
		perror("msgctl(IPC_RMID)");
		return -1;
	}
	return 0;
}

int sendMsg(int msgid, long who, const char *msg)
{
	struct chatbuf buf;
	size_t len = strlen(msg);

	if (len > MSGSIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	buf.mtype = who;
	memcpy(buf.mtext, msg, len);
	/* msgsz counts the text only, not the long in front of it. */
	while (msgsnd(msgid, &buf, len, 0) < 0) {
		if (errno != EINTR) /* msgsnd is never restarted after a handler */
			return -1;
	}
	return 0;
}

int recvMsg(int msgid, long recvType, char *out, size_t outsize)
{
	struct chatbuf buf;
	ssize_t n;

	/* msgsz is sizeof(buf.mtext), not sizeof(buf): that would let the
	 * kernel write 8 bytes past the end of buf. */
	while ((n = msgrcv(msgid, &buf, sizeof(buf.mtext), recvType, MSG_NOERROR)) < 0) {
		if (errno != EINTR) /* msgrcv is never restarted after a handler */
			return -1;
	}
	if (n > MSGSIZE || memchr(buf.mtext, '\0', (size_t)n) != NULL || (size_t)n >= outsize) {
		fprintf(stderr, "a message of type %ld, %zd bytes%s: not from this chat; discarded\n",
			buf.mtype, n, n > MSGSIZE ? " or more (cut by MSG_NOERROR)" : " with a NUL byte");
		errno = EBADMSG;
		return -1;
	}
	memcpy(out, buf.mtext, (size_t)n);
	out[n] = '\0'; /* the text has no NUL of its own */
	return (int)n;
}

int readLine(char *buf, size_t size)
{
	static char *line;
	static size_t cap;
	ssize_t n;

	for (;;) {
		errno = 0;
		n = getline(&line, &cap, stdin);
		if (n < 0)
			return errno ? -1 : 0;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (strlen(line) != (size_t)n)
			fprintf(stderr, "a NUL byte in the line: not sent; type it again\n");
		else if (n > LINESIZE || (size_t)n >= size)
			fprintf(stderr, "%zd bytes, at most %d: not sent; type it again\n", n, LINESIZE);
		else
			break;
	}
	memcpy(buf, line, (size_t)n + 1);
	return 1;
}
