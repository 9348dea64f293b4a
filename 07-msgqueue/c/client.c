/*
 * client.c - the message queue client: open the server's queue, send each
 * line of standard input (type CLIENT_TYPE) and print the server's reply
 * (type SERVER_TYPE), until the input ends or says "quit".
 *
 *   client [path [proj_id]]      (defaults "." and 0x66, as in comm.h)
 *
 * From the article "进程间通信（消息队列）", corrected (see comm.h and
 * ../README.md, errata):
 *   - getMsgQueue no longer passes IPC_CREAT: a client started before the
 *     server made the queue itself, and the server then failed with EEXIST;
 *   - the loop ends on end of input or "quit" (the article's never did);
 *   - the removal of the queue while the client waits for a reply (EIDRM)
 *     ends the client cleanly instead of spinning on errors;
 *   - lines are read with fgets and checked against MSGSIZE.
 */
#include "comm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path;
	int proj, msgid, r;
	char line[MSGSIZE + 2], in[MSGSIZE + 1];

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
		if (sendMsg(msgid, CLIENT_TYPE, line) < 0) {
			perror("msgsnd");
			return 1;
		}
		if (recvMsg(msgid, SERVER_TYPE, in, sizeof in) < 0) {
			if (errno == EIDRM) {
				printf("msgrcv: EIDRM: the server removed the queue; bye\n");
				return 0;
			}
			perror("msgrcv");
			return 1;
		}
		printf("server# %s\n", in);
	}
}
