/*
 * comm.h - what the message queue server and client share.
 *
 * From the article "进程间通信（消息队列）" (interprocess communication:
 * message queuing), whose code is shown as screenshots only; this follows
 * the widely copied comm.h of that article series. Corrections (see
 * ../README.md, errata):
 *   - the path and project id are arguments (PATHNAME and PROJ_ID are the
 *     defaults), so that two runs can use two keys;
 *   - the queue is made with mode 0600, not 0666;
 *   - the client's getMsgQueue opens without IPC_CREAT;
 *   - the struct is called chatbuf: glibc's <sys/msg.h> declares its own
 *     struct msgbuf when _GNU_SOURCE is defined;
 *   - sendMsg sends the text's length, recvMsg NUL-terminates what it got,
 *     both retry on EINTR.
 */
#ifndef COMM_H
#define COMM_H

#include <stddef.h>

#define PATHNAME "."
#define PROJ_ID 0x66
#define SERVER_TYPE 1
#define CLIENT_TYPE 2
#define MSGSIZE 1024

struct chatbuf {
	long mtype;
	char mtext[MSGSIZE];
};

/* argv[1] is the path, argv[2] the project id; both optional. Returns 0,
 * or prints why not and returns -1. */
int parseKeyArgs(int argc, char **argv, const char **path, int *proj);
int createMsgQueue(const char *path, int proj);
int getMsgQueue(const char *path, int proj);
int destroyMsgQueue(int msgid);
int sendMsg(int msgid, long who, const char *msg);
int recvMsg(int msgid, long recvType, char *out, size_t outsize);
/* Reads one line of standard input into buf without its newline: 1, or 0 at
 * end of input, or -1 on error (errno set; EMSGSIZE for a line longer than
 * MSGSIZE). */
int readLine(char *buf, size_t size);

#endif
