/*
 * comm.h - what the message queue server and client share.
 *
 * From the article "进程间通信（消息队列）" (interprocess communication:
 * message queuing), whose code is shown as screenshots only; this
 * reconstructs the widely copied comm.h of that article series, corrected
 * (see ../README.md, errata):
 *   - the path and project id are arguments; the default path is $HOME,
 *     not ".", so that the key does not depend on the current directory;
 *   - the queue is made with mode 0600, not 0666, and a client uses it only
 *     if IPC_STAT says it is its own user's (checkOwner);
 *   - the client's getMsgQueue opens without IPC_CREAT;
 *   - a request carries the client's PID in front of its text, and the
 *     reply's type is that PID: one reply per request, to the client that
 *     asked (the article's replies, all of type SERVER_TYPE, went to
 *     whichever client asked next);
 *   - the struct is called chatbuf: glibc's <sys/msg.h> declares its own
 *     struct msgbuf when _GNU_SOURCE is defined;
 *   - sendMsg sends the text's length; recvMsg takes a message that does
 *     not fit (MSG_NOERROR) and drops it; both retry on EINTR.
 */
#ifndef COMM_H
#define COMM_H

#include <stddef.h>

#define PROJ_ID 0x66
#define SERVER_TYPE 1 /* the server's mark: see server.c */
#define CLIENT_TYPE 2 /* requests; a reply's type is the asking client's PID */
#define MSGSIZE 1024
#define LINESIZE 1000 /* "PID " in front still fits: pid_max <= 4194304 */

struct chatbuf {
	long mtype;
	char mtext[MSGSIZE + 1]; /* one more: a longer message shows by its length */
};

/* argv[1] is the path ($HOME by default), argv[2] the project id; both
 * optional. Returns 0, or prints why not and returns -1. */
int parseKeyArgs(int argc, char **argv, const char **path, int *proj);
int createMsgQueue(const char *path, int proj);
int getMsgQueue(const char *path, int proj);
int destroyMsgQueue(int msgid);
int sendMsg(int msgid, long who, const char *msg);
/* Returns the text's length, or -1: errno EBADMSG for a message no peer
 * of this chat sends (too long, or with a NUL byte), which is dropped. */
int recvMsg(int msgid, long recvType, char *out, size_t outsize);
/* Reads one line of standard input into buf without its newline: 1, or 0
 * at end of input, or -1 on error. A line with a NUL byte or longer than
 * LINESIZE is refused with a message, and the next one read. */
int readLine(char *buf, size_t size);

#endif
