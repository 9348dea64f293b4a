/*
 * shmadd.c: the article's shared memory program, corrected.
 *
 * The parent makes a 1024-byte System V segment with shmget(IPC_PRIVATE),
 * forks, attaches it and copies MESSAGE into it; the child attaches the same
 * segment and prints "Client get MESSAGE". The corrections (see
 * 06-shm/README.md, Errata) are marked "erratum NAME" below.
 *
 *   usage: shmadd [MESSAGE]        (1 to 1023 bytes; a default without one)
 *
 *   gcc -Wall -Wextra -o bin/shmadd 06-shm/c/shmadd.c && ./bin/shmadd hello
 *
 * The article's child sleeps one second and hopes the parent has written by
 * then. Shared memory carries bytes, not events, so two pipes order the
 * processes instead: the child says "attached" on one; the parent closes the
 * other once the message is written, and the child's read() returns 0.
 */
#define _GNU_SOURCE /* strerrorname_np: errno by name (glibc 2.32) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h> /* erratum wait-include: for waitpid */
#include <unistd.h>

#define SEGSIZE 1024
#define PERM (S_IRUSR | S_IWUSR) /* 0600; erratum perm-macro: parenthesised */

static int shmid = -1;
static int must_remove; /* the segment exists and is not marked yet */

/* die reports a failed call with its errno by name and exits 1, after
 * removing the segment if it is not marked yet: exit() detaches, it does
 * not remove. */
static void die(const char *call)
{
	int e = errno;
	const char *name = strerrorname_np(e);

	fprintf(stderr, "%d: error: %s failed: %s (%s)\n", (int)getpid(), call, name ? name : "?", strerror(e));
	if (must_remove)
		shmctl(shmid, IPC_RMID, NULL);
	exit(1);
}

/* show prints what IPC_STAT says about the segment, or that it is gone. */
static void show(const char *who)
{
	struct shmid_ds ds;

	if (shmctl(shmid, IPC_STAT, &ds) == -1) {
		printf("%s %d: shmctl(IPC_STAT) failed: %s: the segment is gone\n", who, (int)getpid(), strerrorname_np(errno));
		return;
	}
	char lpid[16] = "none"; /* 0 until the first shmat or shmdt */

	if (ds.shm_lpid != 0)
		snprintf(lpid, sizeof lpid, "%d", (int)ds.shm_lpid);
	printf("%s %d: IPC_STAT: size=%zu nattch=%lu cpid=%d lpid=%s mode=%#o%s\n", who, (int)getpid(),
	       ds.shm_segsz, (unsigned long)ds.shm_nattch, (int)ds.shm_cpid, lpid,
	       (unsigned)(ds.shm_perm.mode & 07777), (ds.shm_perm.mode & SHM_DEST) ? " (SHM_DEST)" : "");
}

int main(int argc, char **argv)
{
	char *p_addr, *c_addr;
	const char *msg = "hello, shared memory";
	pid_t pid;
	int ready[2], go[2], status;
	char c;
	ssize_t n;

	/* Every line is written as soon as it ends, also into a pipe, so
	 * the order of lines is the order of printf calls, and fork() never
	 * copies unwritten output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* "shmadd | head -1" must not kill us between shmget and IPC_RMID,
	 * which would leave the segment behind: with SIGPIPE ignored, a
	 * printf to a closed pipe just fails, and the run goes on. */
	signal(SIGPIPE, SIG_IGN);

	/* erratum argc-mandatory: MESSAGE is optional; a usage error exits 2. */
	if (argc > 2) {
		fprintf(stderr, "usage: %s [MESSAGE]\n", argv[0]);
		exit(2);
	}
	if (argc == 2)
		msg = argv[1];
	if (*msg == '\0') { /* as the Go port: '' is a mistake, not "no MESSAGE" */
		fprintf(stderr, "%s: MESSAGE is empty: give one, or none for the default\nusage: %s [MESSAGE]\n", argv[0],
			argv[0]);
		exit(2);
	}
	/* erratum strncpy-nul: strncpy(p_addr, argv[1], 1024) leaves no NUL when the
	 * argument has 1024 bytes or more; refuse it before creating anything. */
	if (strlen(msg) > SEGSIZE - 1) {
		fprintf(stderr, "%s: MESSAGE is %zu bytes; at most %d fit with the terminating NUL\nusage: %s [MESSAGE]\n",
			argv[0], strlen(msg), SEGSIZE - 1, argv[0]);
		exit(2);
	}

	/* erratum id-not-key: an id is an int, not a key_t. erratum shmget-parentheses: without the
	 * parentheses, shmid = (shmget(...) == -1), that is 0 or 1. */
	if ((shmid = shmget(IPC_PRIVATE, SEGSIZE, PERM)) == -1)
		die("shmget");
	must_remove = 1;
	printf("parent %d: shmget: shmid %d, %d bytes\n", (int)getpid(), shmid, SEGSIZE);
	show("parent");

	/* erratum sleep-sync: two pipes replace sleep(1). */
	if (pipe(ready) == -1 || pipe(go) == -1)
		die("pipe");

	pid = fork();
	if (pid == -1) /* erratum fork-unchecked */
		die("fork");
	if (pid == 0) { /* erratum pid-assign: ==, not = */
		must_remove = 0; /* removing is the parent's job */
		close(ready[0]);
		close(go[1]);
		/* The child only reads: SHM_RDONLY. erratum shmat-unchecked: check for (void *)-1. */
		c_addr = shmat(shmid, NULL, SHM_RDONLY);
		if (c_addr == (void *)-1)
			die("shmat");
		printf("child %d: attached read-only\n", (int)getpid());
		if (write(ready[1], "a", 1) != 1)
			die("write");
		close(ready[1]);
		/* read() until it returns 0: the parent has written. */
		while ((n = read(go[0], &c, 1)) > 0)
			;
		if (n == -1)
			die("read");
		/* erratum strncpy-nul: never print past the segment. erratum slash-n: "\n", not "/n". */
		printf("child %d: Client get %.*s\n", (int)getpid(), (int)strnlen(c_addr, SEGSIZE), c_addr);
		if (shmdt(c_addr) == -1) /* erratum no-shmdt */
			die("shmdt");
		printf("child %d: detached\n", (int)getpid());
		exit(0);
	}

	close(ready[1]);
	close(go[0]);
	p_addr = shmat(shmid, NULL, 0);
	if (p_addr == (void *)-1) /* erratum shmat-unchecked */
		die("shmat");

	/* Wait until the child has attached too; print only then, so the
	 * lines come out in the same order on every run. */
	if (read(ready[0], &c, 1) != 1) {
		errno = ECHILD;
		die("read(ready): the child ended before it attached");
	}
	close(ready[0]);
	printf("parent %d: attached, and so is the child\n", (int)getpid());
	show("parent");

	/* erratum no-rmid: both are attached, so mark the segment for removal
	 * now. The kernel frees it at the last detach, however the two
	 * processes end, kill -9 included. */
	if (shmctl(shmid, IPC_RMID, NULL) == -1)
		die("shmctl(IPC_RMID)");
	printf("parent %d: shmctl(IPC_RMID): marked for removal\n", (int)getpid());
	must_remove = 0;
	show("parent");

	/* erratum memset-multichar: '\0', not the multi-character constant '/0'. */
	memset(p_addr, '\0', SEGSIZE);
	strncpy(p_addr, msg, SEGSIZE - 1);
	printf("parent %d: wrote %zu bytes\n", (int)getpid(), strlen(msg));
	close(go[1]); /* the child's read() returns 0: its cue */

	if (waitpid(pid, &status, 0) == -1)
		die("waitpid");
	printf("parent %d: waitpid: child %d exited with status %d\n", (int)getpid(), (int)pid,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	show("parent");

	if (shmdt(p_addr) == -1) /* erratum no-shmdt */
		die("shmdt");
	printf("parent %d: detached: the last detach frees the marked segment\n", (int)getpid());
	show("parent");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
