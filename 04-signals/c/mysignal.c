/* mysignal.c: signal() installs a handler for SIGINT (Ctrl-C) and SIGQUIT
 * (Ctrl-\); the program reports which arrived, then restores the defaults.
 *
 * The article names this program without printing it. This version follows
 * its text (3.1 signal()). When standard input is not a terminal (a pipe,
 * /dev/null) nobody can press the keys, so the program sends both signals
 * to itself.
 *
 * Which signal() you get depends on how it is compiled. glibc's signal()
 * keeps the handler installed and restarts system calls (BSD semantics)
 * with its default feature macros (_DEFAULT_SOURCE); compiled with
 * -std=c99 (or any strict -std, or an explicit _POSIX_C_SOURCE without
 * _DEFAULT_SOURCE) it is the System V signal(): the action goes back to
 * SIG_DFL as the handler is entered. The program says which it got.
 *
 * usage: mysignal
 *
 * gcc -Wall -Wextra -o bin/mysignal 04-signals/c/mysignal.c             BSD
 * gcc -std=c99 -Wall -Wextra -o bin/mysignal-c99 04-signals/c/mysignal.c  System V
 */
#if defined(__STRICT_ANSI__) && !defined(_POSIX_C_SOURCE)
/* -std=c99 declares no POSIX function (sigprocmask, isatty): ask for
 * them. This does not bring _DEFAULT_SOURCE back, so signal() stays the
 * System V one that -std=c99 chose. */
#define _POSIX_C_SOURCE 200809L
#endif
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

	/* Which signal() was it? Ask the kernel what SIGINT's action is now,
	 * after one delivery. */
	{
		struct sigaction now;

		if (sigaction(SIGINT, NULL, &now) < 0) {
			perror("sigaction");
			exit(1);
		}
		if (now.sa_handler == my_func)
			printf("main %d: signal() kept the handler after SIGINT: BSD semantics (glibc's default)\n", getpid());
		else
			printf("main %d: signal() put SIGINT back to SIG_DFL when it came: System V semantics (-std=c99)\n", getpid());
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("main %d: default actions restored: Ctrl-C now ends me, Ctrl-\\ ends me with a core dump\n", getpid());
	return 0;
}
