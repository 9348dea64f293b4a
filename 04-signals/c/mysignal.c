/* mysignal.c: signal() installs a handler for SIGINT (Ctrl-C) and SIGQUIT
 * (Ctrl-\); the program reports which arrived, then restores the defaults.
 *
 * The article names this program without printing it. This version follows
 * its text (3.1 signal()). When standard input is not a terminal (a pipe,
 * /dev/null) nobody can press the keys, so the program sends both signals
 * to itself.
 *
 * usage: mysignal
 *
 * gcc -Wall -Wextra -Werror -o mysignal mysignal.c
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t got_int, got_quit;

/* A handler may only touch volatile sig_atomic_t variables and call
 * async-signal-safe functions: printf is not one, so main prints. */
static void my_func(int sign_no)
{
	if (sign_no == SIGINT)
		got_int = 1;
	else if (sign_no == SIGQUIT)
		got_quit = 1;
}

int main(void)
{
	sigset_t both, old;
	int said_int = 0, said_quit = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (signal(SIGINT, my_func) == SIG_ERR || signal(SIGQUIT, my_func) == SIG_ERR) {
		perror("signal");
		exit(1);
	}
	/* Block both while we test the flags, and sleep in sigsuspend(),
	 * which unblocks them atomically: a pause() after the test could
	 * miss a signal that arrived in between. */
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &both, &old) < 0) {
		perror("sigprocmask");
		exit(1);
	}

	if (isatty(0)) {
		printf("main %d: Waiting for signal SIGINT or SIGQUIT: press Ctrl-C, then Ctrl-\\\n", getpid());
	} else {
		printf("main %d: standard input is not a terminal: raising SIGINT and SIGQUIT myself\n", getpid());
		raise(SIGINT);  /* blocked: stays pending */
		raise(SIGQUIT);
	}
	while (!said_int || !said_quit) {
		if (sigsuspend(&old) < 0 && errno != EINTR) {
			perror("sigsuspend");
			exit(1);
		}
		if (got_int && !said_int) {
			printf("main %d: I have get SIGINT\n", getpid());
			said_int = 1;
		}
		if (got_quit && !said_quit) {
			printf("main %d: I have get SIGQUIT\n", getpid());
			said_quit = 1;
		}
	}

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("main %d: default actions restored: Ctrl-C now ends me, Ctrl-\\ ends me with a core dump\n", getpid());
	return 0;
}
