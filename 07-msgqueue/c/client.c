/*
 * client.c - the message queue client: open the server's queue, send each
 * line of standard input (type CLIENT_TYPE, the client's PID in front) and
 * print the server's reply (the type that is the client's PID), until the
 * input ends or says "quit".
 *
 *   client [path [proj_id]]      (defaults $HOME and 0x66, as in comm.h)
 *
 * From the article "进程间通信（消息队列）", reconstructed from its
 * screenshots and corrected (see comm.h and ../README.md, errata):
 *   - getMsgQueue no longer passes IPC_CREAT: a client started before the
 *     server made the queue itself, and the server then failed with EEXIST;
 *     and it uses the queue only if it is its own user's (squatting);
 *   - the loop ends on end of input or "quit" (the article's never did);
 *   - the removal of the queue while the client waits (EIDRM) ends the
 *     client cleanly; a queue gone before the call (EINVAL) is an error;
 *   - lines are read whole and checked (readLine).
 */
#include "comm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path;
	int proj, msgid, r, warned = 0;
	char line[LINESIZE + 1], in[MSGSIZE + 1], req[MSGSIZE + 1];

	if (parseKeyArgs(argc, argv, &path, &proj) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	msgid = getMsgQueue(path, proj);
	if (msgid < 0)
		return 1;
	for (;;) {
		if (isatty(0)) {
			printf("Please Enter# ");
			fflush(stdout);
		}
		r = readLine(line, sizeof line);
		if (r < 0) {
			perror("read");
			return 1;
		}
		if (r == 0 || strcmp(line, "quit") == 0) {
			printf("bye (the queue stays: it is the server's)\n");
			return 0;
		}
		printf("sending \"%s\" as type %d (CLIENT_TYPE)\n", line, CLIENT_TYPE);
		if (!warned++) /* said before msgsnd: the server's next line comes after it */
			printf("waiting in msgrcv for type %d; if the server is killed with -9, nothing "
				"wakes this call: end it with Ctrl-C\n", (int)getpid());
		snprintf(req, sizeof req, "%d %s", (int)getpid(), line);
		if (sendMsg(msgid, CLIENT_TYPE, req) < 0) {
			perror("msgsnd");
			return 1;
		}
		while (recvMsg(msgid, getpid(), in, sizeof in) < 0) {
			if (errno == EBADMSG)
				continue;
			if (errno == EIDRM) {
				printf("msgrcv: EIDRM: the queue was removed while I waited; bye\n");
				return 0;
			}
			perror(errno == EINVAL ? "msgrcv: the queue vanished" : "msgrcv");
			return 1;
		}
		printf("server# %s\n", in);
	}
}
