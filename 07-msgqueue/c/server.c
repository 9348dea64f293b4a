/*
 * server.c - the message queue server: create the queue, then answer each
 * client's request (type CLIENT_TYPE, "PID text") with a line of standard
 * input, sent with the asking client's PID as its type, until the input
 * ends or says "quit".
 *
 *   server [path [proj_id]]      (defaults $HOME and 0x66, as in comm.h)
 *
 * From the article "进程间通信（消息队列）", reconstructed from its
 * screenshots and corrected (see comm.h and ../README.md, errata):
 *   - the article's while(1) never ended, so destroyMsgQueue was never
 *     reached and every Ctrl-C left the queue in the kernel. The server now
 *     ends on end of input or "quit", and SIGINT, SIGTERM, SIGHUP and
 *     SIGPIPE remove the queue, then end it as the signal would have;
 *   - the signals are not handled in a handler: msgctl is not
 *     async-signal-safe (signal-safety(7)), and a flag checked by the main
 *     loop would miss a signal that comes just before msgrcv, which then
 *     sleeps for ever (04's sigsuspend closes that gap for pause(); there is
 *     no msgrcv that unblocks signals as it sleeps). They stay blocked in
 *     every thread, and one thread takes them with sigwait(), an ordinary
 *     thread where any call is allowed;
 *   - the article read standard input only when a request had come, so an
 *     idle server never noticed "quit" or end of input (</dev/null, Ctrl-D).
 *     A second thread reads standard input all the time and hands each line
 *     to the loop when it needs a reply; at the end of the input it wakes the
 *     loop, asleep in msgrcv, with a request of its own (its own PID in
 *     front), which cannot be lost as a signal just before msgrcv could;
 *   - read(0, buf, sizeof(buf)) then buf[s-1] = 0 cut the last character of
 *     a line without a newline; lines are read whole (readLine);
 *   - errors of recvMsg and sendMsg were ignored, so the loop spun on a
 *     removed queue;
 *   - stdout is line buffered, so the lines appear in order when piped, and
 *     a write to a closed stdout ends the server as SIGPIPE would, queue
 *     removed first.
 */
#define _GNU_SOURCE /* strsignal */
#include "comm.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* guards all below */
static pthread_cond_t moved = PTHREAD_COND_INITIALIZER;  /* a line put or taken */
static int msgid = -1;
static sigset_t sigs;
static char reply[MSGSIZE + 2]; /* the line the input thread hands over */
static int full;                /* reply holds a line not yet taken */
static const char *ended;       /* why the input ended, or NULL */

/* The signal thread: remove the queue, say so, die of the signal. */
static void *onSignals(void *arg)
{
	int sig;

	(void)arg;
	while (sigwait(&sigs, &sig) != 0)
		;
	pthread_mutex_lock(&lock); /* never unlocked: the process ends here */
	if (msgid >= 0 && msgctl(msgid, IPC_RMID, NULL) == 0)
		fprintf(stderr, "server %d: %s: removed message queue %d\n", (int)getpid(), strsignal(sig), msgid);
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* say is printf that notices a closed stdout (EPIPE): SIGPIPE is blocked,
 * so the write fails instead of killing us; the signal thread ends us. */
static void say(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	if ((r < 0 || fflush(stdout) == EOF) && errno == EPIPE) {
		kill(getpid(), SIGPIPE);
		for (;;)
			pause();
	}
}

/* The input thread: read standard input all the time; hand each line to
 * the loop when it asks (a line typed ahead waits in reply); at the end of
 * the input, with no line waiting, wake the loop with a request of our
 * own: type CLIENT_TYPE, our PID in front. If the queue is full, remove it
 * instead: the loop then wakes with EIDRM. */
static void *onInput(void *arg)
{
	char line[MSGSIZE + 2];
	struct chatbuf wake = { .mtype = CLIENT_TYPE };
	int n, len;

	(void)arg;
	for (;;) {
		n = readLine(line, sizeof line);
		if (n < 0)
			perror("read");
		pthread_mutex_lock(&lock); /* the reply slot */
		while (full)
			pthread_cond_wait(&moved, &lock); /* until the loop took it */
		if (n <= 0 || strcmp(line, "quit") == 0)
			break;
		strcpy(reply, line);
		full = 1;
		pthread_cond_broadcast(&moved); /* a line is there */
		pthread_mutex_unlock(&lock); /* read the next line */
	}
	ended = n < 0 ? "read error" : n == 0 ? "end of input" : "\"quit\"";
	pthread_cond_broadcast(&moved); /* the input has ended */
	len = snprintf(wake.mtext, sizeof wake.mtext, "%d ", (int)getpid());
	if (msgid >= 0 && msgsnd(msgid, &wake, (size_t)len, IPC_NOWAIT) < 0 && msgctl(msgid, IPC_RMID, NULL) == 0)
		msgid = -1;
	pthread_mutex_unlock(&lock); /* the input thread ends */
	return NULL;
}

/* nextLine waits for the input thread's next line: 1, or 0 if the input
 * has ended. */
static int nextLine(char *line)
{
	int r = 0;

	pthread_mutex_lock(&lock); /* the reply slot, from the loop's side */
	while (!full && !ended)
		pthread_cond_wait(&moved, &lock); /* until a line or the end */
	if (full) {
		strcpy(line, reply);
		full = 0;
		r = 1;
		pthread_cond_broadcast(&moved); /* the slot is free */
	}
	pthread_mutex_unlock(&lock); /* the line is ours */
	return r;
}

int main(int argc, char **argv)
{
	const char *path;
	int proj, status = 0;
	long pid;
	char line[MSGSIZE + 2], in[MSGSIZE + 1], *text;
	const char *why;
	pthread_t t, r;

	if (parseKeyArgs(argc, argv, &path, &proj) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Blocked before the thread and the queue exist: no gap. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	pthread_create(&t, NULL, onSignals, NULL);

	pthread_mutex_lock(&lock); /* made and known to the thread at once */
	msgid = createMsgQueue(path, proj);
	pthread_mutex_unlock(&lock); /* the queue is known */
	if (msgid < 0)
		return 1;
	/* The kernel keeps no creator PID: leave ours in msg_lspid/msg_lrpid. */
	if (msgsnd(msgid, &(struct chatbuf){ .mtype = SERVER_TYPE }, 0, IPC_NOWAIT) < 0 ||
	    msgrcv(msgid, &(struct chatbuf){ 0 }, 0, SERVER_TYPE, IPC_NOWAIT) < 0)
		perror("msgsnd/msgrcv of the server's mark");
	say("waiting for requests: messages of type %d (CLIENT_TYPE)\n", CLIENT_TYPE);
	pthread_create(&r, NULL, onInput, NULL);

	for (;;) {
		if (recvMsg(msgid, CLIENT_TYPE, in, sizeof in) < 0) {
			if (errno == EBADMSG)
				continue;
			pthread_mutex_lock(&lock); /* did the input thread remove it? */
			why = msgid < 0 ? ended : NULL;
			pthread_mutex_unlock(&lock); /* the answer is in why */
			if (why) { /* the input thread removed it: the queue was full */
				say("%s: removed the queue\n", why);
				return 0;
			}
			perror("msgrcv");
			status = 1;
			break;
		}
		pid = strtol(in, &text, 10);
		if (pid <= CLIENT_TYPE || *text != ' ') {
			fprintf(stderr, "a request without the client's PID in front: discarded\n");
			continue;
		}
		if (pid == getpid()) /* the input thread's wake-up */
			break;
		say("client %ld# %s\n", pid, text + 1);
		if (isatty(0))
			say("Please Enter# ");
		if (!nextLine(line))
			break;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			fprintf(stderr, "client %ld is gone: no reply\n", pid);
			continue;
		}
		say("sending \"%s\" as type %ld (the PID of the client that asked)\n", line, pid);
		if (sendMsg(msgid, pid, line) < 0) {
			perror("msgsnd");
			status = 1;
			break;
		}
	}
	pthread_mutex_lock(&lock); /* why did the loop end? */
	why = ended;
	pthread_mutex_unlock(&lock); /* said outside the lock: say may block */
	if (why) /* said before the removal: the waiting client prints at once */
		say("%s: removing the queue\n", why);
	if (why && strcmp(why, "read error") == 0)
		status = 1;
	pthread_mutex_lock(&lock); /* a signal now waits, and finds no queue */
	if (destroyMsgQueue(msgid) < 0)
		return 1;
	msgid = -1;
	return status;
}
