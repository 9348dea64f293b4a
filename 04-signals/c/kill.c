/* kill.c: kill() sends a signal to another process, raise() to yourself.
 *
 * The article names this program without printing it. This version follows
 * its text (2.1 kill() and raise()):
 *
 *  1. the child stops itself with raise(SIGSTOP); the parent sees it
 *     stopped with waitpid(WUNTRACED) and ends it with kill(pid, SIGKILL);
 *  2. the parent sends SIGNAL (default SIGTERM) to a child blocked in
 *     read() and reports how it ended, as waitpid() tells it;
 *  3. SIGKILL can be neither caught nor ignored: signal() fails with EINVAL;
 *  4. raise(SIGUSR1) runs the handler before raise() returns.
 *
 * usage: kill [SIGNAL]         SIGNAL is a number, e.g. 10 for SIGUSR1
 *        kill -victim MODE     the "C" column of 04-signals' default-actions
 *                              table: fd 4 gets "ready\n", then
 *                              MODE wait:   read fd 3 until end of file
 *                              MODE stdout: write to fd 1
 *                              MODE fd3:    write to fd 3
 *                              and exit 0, or with the errno of the write.
 *
 * gcc -Wall -Wextra -Werror -o kill kill.c
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* describe prints how a child ended, as waitpid() reports it. */
static void describe(pid_t pid, int status)
{
	if (WIFEXITED(status))
		printf("parent %d: waitpid: child %d exited with status %d\n", getpid(), pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("parent %d: waitpid: child %d was killed by signal %d (%s)\n", getpid(), pid,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFSTOPPED(status))
		printf("parent %d: waitpid: child %d was stopped by signal %d (%s)\n", getpid(), pid,
		       WSTOPSIG(status), strsignal(WSTOPSIG(status)));
}

/* victim is the child of part 2 and of the table: it says it is ready on
 * readyfd, then waits for end of file on fd (or writes to it). Its signal
 * dispositions are the defaults, so a signal's default action decides. */
static int victim(int readyfd, int fd, const char *mode)
{
	char c;
	ssize_t n;

	if (write(readyfd, "ready\n", 6) != 6)
		return 1;
	close(readyfd);
	if (strcmp(mode, "wait") == 0) {
		while ((n = read(fd, &c, 1)) != 0)
			if (n < 0 && errno != EINTR)
				return errno;
		return 0;
	}
	/* A write to a pipe nobody reads: SIGPIPE, or EPIPE if it is caught or ignored. */
	if (write(strcmp(mode, "stdout") == 0 ? 1 : fd, "x", 1) < 0)
		return errno;
	return 0;
}

static char msg[80]; /* formatted before the handler is installed */

static void handler(int sig)
{
	/* printf is not async-signal-safe; write() is. */
	(void)sig;
	if (write(1, msg, strlen(msg)) < 0)
		_exit(1);
}

int main(int argc, char *argv[])
{
	pid_t pid;
	int status, sig = SIGTERM;
	int ready[2], quit[2];
	char buf[8];

	if (argc == 3 && strcmp(argv[1], "-victim") == 0)
		return victim(4, 3, argv[2]);
	if (argc > 2 || (argc == 2 && (sig = atoi(argv[1])) <= 0)) {
		fprintf(stderr, "usage: kill [SIGNAL]   (SIGNAL as a number, e.g. 10)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, also into a pipe */

	/* 1. The child stops itself, the parent kills it. */
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		printf("child %d: raise(SIGSTOP): stopping myself\n", getpid());
		raise(SIGSTOP);
		printf("child %d: not reached: SIGKILL ends a stopped process too\n", getpid());
		exit(0);
	}
	/* waitpid(WUNTRACED) returns once the child has stopped: no sleep, no race. */
	if (waitpid(pid, &status, WUNTRACED) < 0) {
		perror("waitpid");
		exit(1);
	}
	describe(pid, status);
	if (kill(pid, SIGKILL) < 0) {
		perror("kill");
		exit(1);
	}
	printf("parent %d: kill(%d, SIGKILL)\n", getpid(), pid);
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		exit(1);
	}
	describe(pid, status);

	/* 2. SIGNAL to a child that waits in read() with the default actions. */
	if (pipe(ready) < 0 || pipe(quit) < 0) {
		perror("pipe");
		exit(1);
	}
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		close(ready[0]);
		close(quit[1]);
		printf("child %d: default actions; waiting in read()\n", getpid());
		exit(victim(ready[1], quit[0], "wait"));
	}
	close(ready[1]);
	close(quit[0]);
	if (read(ready[0], buf, sizeof buf) <= 0) { /* the child is ready */
		perror("read");
		exit(1);
	}
	close(ready[0]);
	if (kill(pid, sig) < 0) {
		perror("kill");
		exit(1);
	}
	printf("parent %d: kill(%d, %d) (%s)\n", getpid(), pid, sig, strsignal(sig));
	close(quit[1]); /* a child that survived reads end of file and exits 0 */
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		exit(1);
	}
	describe(pid, status);

	/* 3. SIGKILL cannot be caught. */
	if (signal(SIGKILL, handler) == SIG_ERR)
		printf("parent %d: signal(SIGKILL, handler) failed: %s\n", getpid(), strerror(errno));

	/* 4. raise(): the handler runs before raise() returns. */
	snprintf(msg, sizeof msg, "parent %d: handler: caught SIGUSR1, inside raise()\n", getpid());
	if (signal(SIGUSR1, handler) == SIG_ERR) {
		perror("signal");
		exit(1);
	}
	printf("parent %d: raise(SIGUSR1)\n", getpid());
	if (raise(SIGUSR1) != 0) {
		perror("raise");
		exit(1);
	}
	printf("parent %d: raise() returned, after the handler\n", getpid());
	return 0;
}
