/*
 * server.c - the message queue server: create the queue, then answer each
 * client message (type CLIENT_TYPE) with a line of standard input (sent as
 * SERVER_TYPE), until the input ends or says "quit".
 *
 *   server [path [proj_id]]      (defaults "." and 0x66, as in comm.h)
 *
 * From the article "进程间通信（消息队列）", corrected (see comm.h and
 * ../README.md, errata):
 *   - the article's while(1) never ended, so destroyMsgQueue was never
 *     reached and every Ctrl-C left the queue in the kernel. The server now
 *     ends on end of input or "quit", and SIGINT, SIGTERM and SIGHUP remove
 *     the queue too;
 *   - read(0, buf, sizeof(buf)) then buf[s-1] = 0 cut the last character of
 *     a line without a newline and could leave a 1024-byte text without a
 *     NUL; lines are read with fgets, and a line longer than MSGSIZE is an
 *     error, not an overflow;
 *   - errors of recvMsg and sendMsg were ignored, so the loop spun on a
 *     removed queue;
 *   - stdout is line buffered, so the lines appear in order when piped.
 */
#include "comm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

static volatile sig_atomic_t msgid = -1;
static volatile sig_atomic_t caught;

/* The handler removes the queue itself: msgctl is a plain system call, and
 * a removal wakes the main loop wherever it waits (msgrcv returns EIDRM, or
 * EINTR and then EINVAL; fgets returns NULL with EINTR). Setting a flag
 * alone would race: a signal just before msgrcv would leave it waiting. */
static void on_signal(int sig)
{
	caught = sig;
	if (msgid >= 0)
		msgctl(msgid, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
	const char *path;
	int proj;
	char line[MSGSIZE + 2], in[MSGSIZE + 1];
	struct sigaction sa;
	int status = 0, r;

	if (parseKeyArgs(argc, argv, &path, &proj) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The handler goes in first, so no signal finds the queue unguarded.
	 * No SA_RESTART: fgets must return when a signal arrives. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	msgid = createMsgQueue(path, proj);
	if (msgid < 0)
		return 1;
	if (caught) { /* a signal came before the handler knew the queue */
		destroyMsgQueue(msgid);
		return 0;
	}
	printf("waiting for messages of type %d (CLIENT_TYPE)\n", CLIENT_TYPE);

	for (;;) {
		if (recvMsg(msgid, CLIENT_TYPE, in, sizeof in) < 0) {
			if (!caught) {
				perror("msgrcv");
				status = 1;
			}
			break;
		}
		printf("client# %s\n", in);
		if (isatty(0)) {
			printf("Please Enter# ");
			fflush(stdout);
		}
		r = readLine(line, sizeof line);
		if (r < 0 && !caught) {
			perror("read");
			status = 1;
		}
		if (r <= 0 || strcmp(line, "quit") == 0) {
			if (r == 0)
				printf("end of input: removing the queue\n");
			else if (r > 0)
				printf("\"quit\": removing the queue\n");
			break;
		}
		printf("sending \"%s\" as type %d (SERVER_TYPE)\n", line, SERVER_TYPE);
		if (sendMsg(msgid, SERVER_TYPE, line) < 0) {
			if (!caught) {
				perror("msgsnd");
				status = 1;
			}
			break;
		}
	}
	if (caught) {
		printf("caught signal %d (%s): the queue is removed\n", (int)caught, strsignal(caught));
		return 0;
	}
	if (destroyMsgQueue(msgid) < 0)
		return 1;
	return status;
}
