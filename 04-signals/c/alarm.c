/* alarm.c: alarm() arms the process's one alarm clock; when it rings the
 * kernel sends SIGALRM. pause() sleeps until a signal has been caught.
 *
 * The article names this program without printing it. This version follows
 * its text (2.2 alarm() and pause()): the return value of alarm() is what
 * was left of the previous alarm, which the new one replaces; alarm(0)
 * cancels; an uncaught SIGALRM ends the process.
 *
 * usage: alarm            catch SIGALRM and wake up (waits about 1 s)
 *        alarm -default   no handler: SIGALRM's default action kills us
 *
 * gcc -Wall -Wextra -Werror -o alarm alarm.c
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t rang;

static void on_alarm(int sig)
{
	(void)sig;
	rang = 1;
}

int main(int argc, char *argv[])
{
	unsigned int left;
	sigset_t alrm, old;
	int catch = 1;

	if (argc == 2 && strcmp(argv[1], "-default") == 0) {
		catch = 0;
	} else if (argc != 1) {
		fprintf(stderr, "usage: alarm [-default]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (catch && signal(SIGALRM, on_alarm) == SIG_ERR) {
		perror("signal");
		exit(1);
	}
	/* pause() after alarm() has a race: if the alarm rang in between,
	 * pause() would sleep for ever. Block SIGALRM first, and let
	 * sigsuspend() unblock it and sleep in one step. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	if (sigprocmask(SIG_BLOCK, &alrm, &old) < 0) {
		perror("sigprocmask");
		exit(1);
	}

	left = alarm(5);
	printf("main %d: alarm(5) returned %u: no alarm was set\n", getpid(), left);
	left = alarm(1);
	printf("main %d: alarm(1) returned %u: the seconds left of alarm(5), which it replaces\n", getpid(), left);
	printf("main %d: pause(): sleeping until a signal is caught%s\n", getpid(),
	       catch ? "" : " (none will be: SIGALRM is not caught)");

	/* pause(), without the race: sleep with the old mask. */
	while (!rang)
		if (sigsuspend(&old) < 0 && errno != EINTR) {
			perror("sigsuspend");
			exit(1);
		}
	printf("main %d: I have been waken up by SIGALRM: pause() returned -1, errno EINTR\n", getpid());

	left = alarm(3);
	printf("main %d: alarm(3) returned %u: no alarm was left\n", getpid(), left);
	left = alarm(0);
	printf("main %d: alarm(0) returned %u and cancelled it\n", getpid(), left);
	return 0;
}
