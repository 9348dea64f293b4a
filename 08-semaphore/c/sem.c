/*
 * sem.c - System V semaphores in the style of the article "进程间IPC机制"
 * (Linux IPC), which calls them the most important mechanism (信号量,
 * 最重要: PV操作, 进程间同步互斥) but prints no code for them, so this
 * program is reconstructed from that one line, not corrected from it: P and V with semop(),
 * SETVAL, and a counter in shared memory that forked children increment,
 * first without the semaphore (updates are lost), then with P and V
 * around each increment (the total is exact).
 *
 *   usage: sem [PROCS [LOOPS]]      (default 4 children, 2000 increments)
 *
 * What textbook versions of this program usually get wrong, done right here
 * (see ../README.md, "Textbook semaphore code", each under its name):
 *   - union semun is defined here: on Linux the caller must define it
 *     (glibc does not, as POSIX says), and semctl(SETVAL) takes the union
 *     itself, by value, not a pointer to it;
 *   - semop() is retried on EINTR: the kernel never restarts it after a
 *     signal handler, SA_RESTART or not;
 *   - SEM_UNDO on P and V, so that a child killed inside the critical
 *     section does not take the lock with it;
 *   - the children start together, at a gate (a second semaphore), and the
 *     parent knows they are all there from GETNCNT, not from a sleep();
 *   - every set and segment is removed: the segment is marked IPC_RMID
 *     as soon as it is attached (forked children inherit the attachment),
 *     the set with semctl(IPC_RMID) at the end, also when a call fails;
 *   - fork() failing and the children's statuses are checked.
 *
 * From the repository root:
 *
 *   gcc -Wall -Wextra -o bin/sem 08-semaphore/c/sem.c && ./bin/sem 8 1000
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux leaves union semun to the caller (semctl(2)). */
union semun {
	int val;               /* SETVAL */
	struct semid_ds *buf;  /* IPC_STAT, IPC_SET */
	unsigned short *array; /* GETALL, SETALL */
};

#define MUTEX 0 /* the lock: 1 free, 0 taken */
#define GATE 1  /* the start gate: 0 closed */

static int semid = -1;

static void fail(const char *call)
{
	int e = errno;

	fprintf(stderr, "parent %d: error: %s failed: %s\n", (int)getpid(), call, strerror(e));
	if (semid >= 0)
		semctl(semid, 0, IPC_RMID);
	exit(1);
}

/* semop, retried on EINTR. */
static int sem_do(int num, int op, int flg)
{
	struct sembuf b;

	b.sem_num = (unsigned short)num;
	b.sem_op = (short)op;
	b.sem_flg = (short)flg;
	while (semop(semid, &b, 1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int P(void) { return sem_do(MUTEX, -1, SEM_UNDO); }
static int V(void) { return sem_do(MUTEX, +1, SEM_UNDO); }

/* child: wait at the gate, then add 1 to *counter loops times. */
static void child(volatile long *counter, long loops, int locked)
{
	long i, v;

	if (sem_do(GATE, -1, 0) < 0)
		_exit(1);
	for (i = 0; i < loops; i++) {
		if (locked && P() < 0)
			_exit(1);
		v = *counter;
		sched_yield(); /* give the CPU away between the read and the write */
		*counter = v + 1;
		if (locked && V() < 0)
			_exit(1);
	}
	_exit(0);
}

static void usage(void)
{
	fprintf(stderr, "usage: sem [PROCS [LOOPS]]  (PROCS 2 to 32, LOOPS 1 to 100000)\n");
	exit(2);
}

static long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	union semun arg;
	volatile long *counter;
	long procs = 4, loops = 2000, expected, i;
	int shmid, round, status, ncnt;
	struct timespec ms = {0, 1000000};

	if (argc > 3)
		usage();
	if (argc > 1)
		procs = number(argv[1], 2, 32);
	if (argc > 2)
		loops = number(argv[2], 1, 100000);
	expected = procs * loops;

	semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	if (semid < 0)
		fail("semget");
	arg.val = 1; /* the union itself, by value */
	if (semctl(semid, MUTEX, SETVAL, arg) < 0)
		fail("semctl(SETVAL)");
	printf("parent %d: semget(IPC_PRIVATE, 2, IPC_CREAT|0600) = semid %d; SETVAL #0 to 1\n", (int)getpid(), semid);

	shmid = shmget(IPC_PRIVATE, sizeof(long), IPC_CREAT | 0600);
	if (shmid < 0)
		fail("shmget");
	counter = shmat(shmid, NULL, 0);
	if (counter == (void *)-1)
		fail("shmat");
	shmctl(shmid, IPC_RMID, NULL); /* freed at the last detach */

	for (round = 0; round < 2; round++) {
		*counter = 0;
		printf("parent %d: %s: %ld children add 1 to the counter, %ld times each\n", (int)getpid(),
		       round ? "with P and V" : "without the semaphore", procs, loops);
		fflush(stdout);
		for (i = 0; i < procs; i++) {
			pid_t pid = fork();
			if (pid < 0)
				fail("fork");
			if (pid == 0)
				child(counter, loops, round);
		}
		/* Every child waits at the gate: GETNCNT says so. */
		while ((ncnt = semctl(semid, GATE, GETNCNT)) != procs) {
			if (ncnt < 0)
				fail("semctl(GETNCNT)");
			nanosleep(&ms, NULL);
		}
		if (sem_do(GATE, (int)procs, 0) < 0)
			fail("semop(gate)");
		for (i = 0; i < procs; i++) {
			if (wait(&status) < 0)
				fail("wait");
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				errno = ECHILD;
				fail("a child");
			}
		}
		if (round == 0)
			printf("parent %d: counter = %ld, expected %ld: %ld updates lost\n", (int)getpid(), *counter,
			       expected, expected - *counter);
		else
			printf("parent %d: counter = %ld, expected %ld: %s\n", (int)getpid(), *counter, expected,
			       *counter == expected ? "exact" : "WRONG");
	}
	i = *counter;
	shmdt((const void *)counter);
	if (semctl(semid, 0, IPC_RMID) < 0)
		fail("semctl(IPC_RMID)");
	printf("parent %d: semctl(IPC_RMID): the set is removed\n", (int)getpid());
	return i == expected ? 0 : 1;
}
