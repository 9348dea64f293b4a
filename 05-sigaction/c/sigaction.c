/* sigaction.c: signal sets, the signal mask, pending signals, and what the
 * fields of struct sigaction do.
 *
 * The article names this program without printing it. This version follows
 * its text (3.2, 信号集函数组): build a set with sigemptyset/sigaddset, block
 * it with sigprocmask, see the blocked signals pending with sigpending,
 * install handlers with sigaction, unblock, and watch them delivered. Then
 * one part per sigaction field, each run with and without the flag.
 *
 * usage: sigaction [PART]   PART: all (default), sets, pending, mask,
 *                           nodefer, resethand, restart, nocldstop
 *
 * gcc -Wall -Wextra -Werror -o sigaction sigaction.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *names[32] = {
	"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
	"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
	"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};

/* show formats the classic signals of a set as names into buf. */
static const char *show(const sigset_t *set, char *buf, size_t size)
{
	size_t n = 0;
	int sig, rt = 0;

	buf[0] = '\0';
	for (sig = 1; sig < 32; sig++)
		if (sigismember(set, sig) == 1)
			n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? " " : "", names[sig]);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		rt += sigismember(set, sig) == 1;
	if (rt)
		n += snprintf(buf + n, n < size ? size - n : 0, "%s%d real-time signals", n ? " and " : "", rt);
	if (n == 0)
		snprintf(buf, size, "none");
	return buf;
}

/* showlines prints the classic signals of a set eight to a line, then
 * the number of real-time ones: a full set does not fit on one line. */
static void showlines(const char *what, const sigset_t *set)
{
	char line[128];
	size_t n = 0;
	int sig, rt = 0;

	printf("main %d: %s:\n", getpid(), what);
	for (sig = 1; sig < 32; sig++) {
		if (sigismember(set, sig) == 1)
			n += snprintf(line + n, sizeof line - n, " %s", names[sig]);
		if (n > 0 && (sig % 8 == 0 || sig == 31)) {
			printf("main %d:  %s\n", getpid(), line);
			n = 0;
		}
	}
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		rt += sigismember(set, sig) == 1;
	printf("main %d:   and %d real-time signals\n", getpid(), rt);
}

/* statusline prints one line of /proc/self/status, raw and decoded. */
static void statusline(const char *key)
{
	char line[256], buf[512];
	unsigned long long v;
	sigset_t set;
	int sig;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL) {
		perror("/proc/self/status");
		exit(1);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, strlen(key)) != 0 || line[strlen(key)] != ':')
			continue;
		v = strtoull(line + strlen(key) + 1, NULL, 16);
		sigemptyset(&set);
		for (sig = 1; sig <= 64; sig++)
			if (v & (1ULL << (sig - 1)))
				sigaddset(&set, sig);
		printf("main %d: [kernel] %s %016llx = %s\n", getpid(), key, v, show(&set, buf, sizeof buf));
	}
	fclose(f);
}

/* The handlers only append to this log (write()-safe code: no stdio);
 * main prints it afterwards. */
static char eventlog[1024];
static volatile sig_atomic_t loglen;

static void note(const char *s)
{
	while (*s && loglen < (sig_atomic_t)sizeof eventlog - 1)
		eventlog[loglen++] = *s++;
}

static void printlog(void)
{
	char *line, *save = NULL;

	eventlog[loglen] = '\0';
	for (line = strtok_r(eventlog, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("main %d:   %s\n", getpid(), line);
	loglen = 0;
}

static void install(int sig, void (*h)(int), int flags, const sigset_t *mask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa); /* sa_flags and sa_mask must not be garbage */
	sa.sa_handler = h;
	sa.sa_flags = flags;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		perror("sigaction");
		exit(1);
	}
}

static void my_func(int signum)
{
	note(signum == SIGINT ? "handler: SIGINT delivered\n" : "handler: SIGQUIT delivered\n");
}

static void sets(void)
{
	sigset_t set;
	char buf[512];

	printf("\n-- signal sets\n");
	sigemptyset(&set);
	printf("main %d: sigemptyset: %s\n", getpid(), show(&set, buf, sizeof buf));
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	printf("main %d: sigaddset SIGINT, SIGQUIT: %s\n", getpid(), show(&set, buf, sizeof buf));
	printf("main %d: sigismember SIGINT: %d, SIGTERM: %d\n", getpid(), sigismember(&set, SIGINT), sigismember(&set, SIGTERM));
	sigdelset(&set, SIGINT);
	printf("main %d: sigdelset SIGINT: %s\n", getpid(), show(&set, buf, sizeof buf));
	sigfillset(&set);
	showlines("sigfillset", &set);
	if (sigaddset(&set, 65) < 0)
		printf("main %d: sigaddset(65) failed: %s\n", getpid(), strerror(errno));
}

/* The article's program: block, pending, handle, unblock, deliver. */
static void pending(void)
{
	sigset_t set, pendset;
	char buf[512];

	printf("\n-- sigprocmask, sigpending, sigaction (the article's sigaction.c)\n");
	sigemptyset(&set);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		perror("sigprocmask");
		exit(1);
	}
	printf("main %d: sigprocmask(SIG_BLOCK, {SIGINT, SIGQUIT}): blocked\n", getpid());
	statusline("SigBlk");
	raise(SIGINT);             /* to this thread */
	kill(getpid(), SIGQUIT);   /* to the whole process */
	printf("main %d: raise(SIGINT), kill(getpid(), SIGQUIT): nothing happens yet\n", getpid());
	sigpending(&pendset);
	printf("main %d: sigpending: %s\n", getpid(), show(&pendset, buf, sizeof buf));
	statusline("SigPnd");
	statusline("ShdPnd");
	/* The handlers are installed while the signals are blocked, so the
	 * pending ones are delivered to them, not to the default action. */
	install(SIGINT, my_func, 0, NULL);
	install(SIGQUIT, my_func, 0, NULL);
	printf("main %d: sigaction(SIGINT), sigaction(SIGQUIT): handlers installed\n", getpid());
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) {
		perror("sigprocmask");
		exit(1);
	}
	printf("main %d: sigprocmask(SIG_UNBLOCK): both are delivered before it returns:\n", getpid());
	printlog();
	sigpending(&pendset);
	printf("main %d: sigpending: %s\n", getpid(), show(&pendset, buf, sizeof buf));
	install(SIGINT, SIG_DFL, 0, NULL);
	install(SIGQUIT, SIG_DFL, 0, NULL);
}

/* sa_mask: what else is blocked while the handler runs. */
static sigset_t during;

static void on_usr1_mask(int sig)
{
	(void)sig;
	sigprocmask(SIG_BLOCK, NULL, &during);
	note("SIGUSR1 handler begins; raise(SIGUSR2)\n");
	raise(SIGUSR2);
	note("SIGUSR1 handler ends\n");
}

static void on_usr2(int sig)
{
	(void)sig;
	note("SIGUSR2 handler runs\n");
}

static void mask(void)
{
	sigset_t usr2;
	char buf[512];
	int with;

	printf("\n-- sa_mask: signals blocked while the handler runs\n");
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	install(SIGUSR2, on_usr2, 0, NULL);
	for (with = 1; with >= 0; with--) {
		install(SIGUSR1, on_usr1_mask, 0, with ? &usr2 : NULL);
		printf("main %d: sa_mask = %s; raise(SIGUSR1):\n", getpid(), with ? "{SIGUSR2}" : "{}");
		raise(SIGUSR1);
		printlog();
		printf("main %d:   mask inside the handler: %s\n", getpid(), show(&during, buf, sizeof buf));
	}
	install(SIGUSR1, SIG_DFL, 0, NULL);
	install(SIGUSR2, SIG_DFL, 0, NULL);
}

/* SA_NODEFER: the signal itself is not blocked in its handler. */
static volatile sig_atomic_t depth;

static void on_usr1_again(int sig)
{
	int me = ++depth;

	(void)sig;
	note(me == 1 ? "SIGUSR1 handler #1 begins; raise(SIGUSR1)\n" : "SIGUSR1 handler #2 runs\n");
	if (me == 1) {
		raise(SIGUSR1);
		note("SIGUSR1 handler #1 ends\n");
	}
}

static void nodefer(void)
{
	int with;

	printf("\n-- SA_NODEFER (SA_NOMASK): do not block the signal during its own handler\n");
	for (with = 0; with <= 1; with++) {
		depth = 0;
		install(SIGUSR1, on_usr1_again, with ? SA_NODEFER : 0, NULL);
		printf("main %d: %s; raise(SIGUSR1):\n", getpid(), with ? "SA_NODEFER" : "no flag");
		raise(SIGUSR1);
		printlog();
	}
	install(SIGUSR1, SIG_DFL, 0, NULL);
}

/* SA_RESETHAND: the handler runs once, then the default action is back. */
static void on_usr1_once(int sig)
{
	struct sigaction now;

	(void)sig;
	sigaction(SIGUSR1, NULL, &now); /* sigaction() is async-signal-safe */
	note(now.sa_handler == SIG_DFL ? "SIGUSR1 handler runs; inside it the action is already SIG_DFL\n"
	                               : "SIGUSR1 handler runs; inside it the action is still the handler\n");
}

static void resethand(void)
{
	struct sigaction old;
	pid_t pid;
	int status;

	printf("\n-- SA_RESETHAND (SA_ONESHOT): back to SIG_DFL as the handler is entered\n");
	install(SIGUSR1, on_usr1_once, SA_RESETHAND, NULL);
	printf("main %d: SA_RESETHAND; raise(SIGUSR1):\n", getpid());
	raise(SIGUSR1);
	printlog();
	sigaction(SIGUSR1, NULL, &old);
	printf("main %d: sigaction(SIGUSR1, NULL, &old) now says: %s\n", getpid(),
	       old.sa_handler == SIG_DFL ? "SIG_DFL" : "still the handler");
	/* A second SIGUSR1 takes the default action: a child shows it. */
	install(SIGUSR1, on_usr1_once, SA_RESETHAND, NULL);
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		raise(SIGUSR1);
		raise(SIGUSR1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		exit(1);
	}
	if (WIFSIGNALED(status))
		printf("main %d: a child that raised SIGUSR1 twice was killed by signal %d (%s)\n", getpid(),
		       WTERMSIG(status), names[WTERMSIG(status)]);
	else
		printf("main %d: a child that raised SIGUSR1 twice exited with status %d\n", getpid(), WEXITSTATUS(status));
	install(SIGUSR1, SIG_DFL, 0, NULL);
}

/* SA_RESTART: is a read() the handler interrupted restarted? */
static int restartpipe[2];

static void on_usr1_write(int sig)
{
	(void)sig;
	/* Put one byte in the pipe main is reading: a restarted read() gets it. */
	if (write(restartpipe[1], "x", 1) != 1)
		_exit(1);
}

/* blocked_in_read reports whether pid sleeps in a pipe read(): state S in
 * /proc/PID/stat and a wait channel of pipe_read (anon_pipe_read on newer
 * kernels; "0" when the kernel does not say). */
static int blocked_in_read(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] != 'S')
		return 0;
	snprintf(path, sizeof path, "/proc/%d/wchan", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return 1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	return strstr(buf, "pipe") != NULL || strcmp(buf, "0") == 0;
}

static void restart(void)
{
	pid_t pid, me = getpid();
	int with, status;
	ssize_t n;
	char c;

	printf("\n-- SA_RESTART: restart a system call the handler interrupted\n");
	for (with = 0; with <= 1; with++) {
		if (pipe(restartpipe) < 0) {
			perror("pipe");
			exit(1);
		}
		install(SIGUSR1, on_usr1_write, with ? SA_RESTART : 0, NULL);
		if ((pid = fork()) < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			/* Wait, without sleeping, until the parent is blocked in read(). */
			while (!blocked_in_read(me))
				;
			kill(me, SIGUSR1);
			_exit(0);
		}
		n = read(restartpipe[0], &c, 1);
		if (n < 0)
			printf("main %d: %s: read() interrupted by SIGUSR1 returned -1, errno %s\n", getpid(),
			       with ? "SA_RESTART" : "no flag", errno == EINTR ? "EINTR" : strerror(errno));
		else
			printf("main %d: %s: read() was restarted after the handler and returned %zd byte\n", getpid(),
			       with ? "SA_RESTART" : "no flag", n);
		waitpid(pid, &status, 0);
		close(restartpipe[0]);
		close(restartpipe[1]);
	}
	install(SIGUSR1, SIG_DFL, 0, NULL);
}

/* SA_NOCLDSTOP: no SIGCHLD when a child stops. */
static void on_chld(int sig)
{
	(void)sig;
}

static void nocldstop(void)
{
	sigset_t chld, old, pend;
	pid_t pid;
	int with, status;

	printf("\n-- SA_NOCLDSTOP: no SIGCHLD when a child stops, only when it ends\n");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	/* Keep SIGCHLD blocked, so sigpending() shows whether it was sent. */
	sigprocmask(SIG_BLOCK, &chld, &old);
	for (with = 0; with <= 1; with++) {
		install(SIGCHLD, on_chld, with ? SA_NOCLDSTOP : 0, NULL);
		if ((pid = fork()) < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			raise(SIGSTOP);
			_exit(0);
		}
		waitpid(pid, &status, WUNTRACED); /* returns once the child has stopped */
		sigpending(&pend);
		printf("main %d: %s: child stopped by %s; SIGCHLD pending: %s\n", getpid(), with ? "SA_NOCLDSTOP" : "no flag",
		       WIFSTOPPED(status) ? names[WSTOPSIG(status)] : "?", sigismember(&pend, SIGCHLD) ? "yes" : "no");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		sigpending(&pend);
		printf("main %d: %s: child killed by %s; SIGCHLD pending: %s\n", getpid(), with ? "SA_NOCLDSTOP" : "no flag",
		       WIFSIGNALED(status) ? names[WTERMSIG(status)] : "?", sigismember(&pend, SIGCHLD) ? "yes" : "no");
		/* Take the pending SIGCHLD: unblock (the handler runs), block again. */
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		sigprocmask(SIG_BLOCK, &chld, NULL);
	}
	install(SIGCHLD, SIG_DFL, 0, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(int argc, char *argv[])
{
	const char *part = argc > 1 ? argv[1] : "all";
	int all = strcmp(part, "all") == 0, known = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: sigaction [all|sets|pending|mask|nodefer|resethand|restart|nocldstop]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
#define PART(name)                                          \
	if (all || strcmp(part, #name) == 0) {              \
		known = 1;                                  \
		name();                                     \
	}
	PART(sets);
	PART(pending);
	PART(mask);
	PART(nodefer);
	PART(resethand);
	PART(restart);
	PART(nocldstop);
	if (!known) {
		fprintf(stderr, "usage: sigaction [all|sets|pending|mask|nodefer|resethand|restart|nocldstop]\n");
		return 2;
	}
	return 0;
}
