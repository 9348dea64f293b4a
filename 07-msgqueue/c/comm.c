/*
 * comm.c - the helpers of comm.h: ftok + msgget, msgctl(IPC_RMID), msgsnd,
 * msgrcv. See comm.h for what was corrected.
 */
#include "comm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>

int parseKeyArgs(int argc, char **argv, const char **path, int *proj)
{
	char *end;
	long n;

	*path = PATHNAME;
	*proj = PROJ_ID;
	if (argc > 3) {
		fprintf(stderr, "usage: %s [path [proj_id]]\n", argv[0]);
		return -1;
	}
	if (argc > 1)
		*path = argv[1];
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

static int commMsgQueue(const char *path, int proj, int flags)
{
	key_t key = ftok(path, proj);
	int msgid, err;

	if (key == (key_t)-1) {
		fprintf(stderr, "ftok(\"%s\", %#x): %s\n", path, proj, strerror(errno));
		return -1;
	}
	printf("ftok(\"%s\", %#x) = key 0x%08x\n", path, proj, (unsigned)key);
	msgid = msgget(key, flags);
	if (msgid < 0) {
		err = errno;
		fprintf(stderr, "msgget(key 0x%08x): %s\n", (unsigned)key, strerror(err));
		if (err == EEXIST) {
			int old = msgget(key, 0);
			fprintf(stderr, "a server is already running, or one was killed before it could "
				"remove its queue; if no server is running: ");
			if (old >= 0)
				fprintf(stderr, "ipcrm -q %d\n", old);
			else
				fprintf(stderr, "ipcrm -Q 0x%08x\n", (unsigned)key);
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
	return commMsgQueue(path, proj, 0);
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

	if (len > sizeof(buf.mtext)) {
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
	while ((n = msgrcv(msgid, &buf, sizeof(buf.mtext), recvType, 0)) < 0) {
		if (errno != EINTR) /* msgrcv is never restarted after a handler */
			return -1;
	}
	if ((size_t)n >= outsize)
		n = (ssize_t)outsize - 1;
	memcpy(out, buf.mtext, (size_t)n);
	out[n] = '\0'; /* the text has no NUL of its own */
	return 0;
}

int readLine(char *buf, size_t size)
{
	size_t len;

	if (fgets(buf, (int)size, stdin) == NULL)
		return ferror(stdin) ? -1 : 0;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len > MSGSIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	return 1;
}
