/*
 * sem_peer.c - a C worker for a set and a segment made by someone else (the
 * Go port): it does what the Go worker of "08-semaphore mutex" does, so Go
 * and C processes increment one counter under one semaphore.
 *
 *   usage: sem_peer SEMID SHMID LOOPS lock|nolock [READY_FD]
 *
 * It attaches the segment (the counter is the C long at its start), writes
 * a line to READY_FD and closes it (the Go parent's readiness handshake),
 * waits at the gate (semaphore #1), then LOOPS times adds 1 to the counter:
 * v = *counter; sched_yield(); *counter = v + 1; with "lock" between
 * P = semop({0, -1, SEM_UNDO}) and V = semop({0, 1, SEM_UNDO}). It prints
 * nothing unless a call fails (exit 1); bad arguments exit 2.
 *
 * From the repository root:
 *
 *   gcc -Wall -Wextra -o bin/sem_peer 08-semaphore/c/sem_peer.c
 *   go run ./08-semaphore mutex -peer ./bin/sem_peer
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

static void die(const char *call)
{
	fprintf(stderr, "peer %d: error: %s failed: %s\n", (int)getpid(), call, strerror(errno));
	exit(1);
}

static void usage(const char *why)
{
	fprintf(stderr, "sem_peer: %s\nusage: sem_peer SEMID SHMID LOOPS lock|nolock [READY_FD]\n", why);
	exit(2);
}

static long number(const char *s, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > hi)
		usage("not a number in range");
	return v;
}

/* semop of one operation, retried on EINTR. */
static void sem_do(int semid, int num, int op, int flg)
{
	struct sembuf b;

	b.sem_num = (unsigned short)num;
	b.sem_op = (short)op;
	b.sem_flg = (short)flg;
	while (semop(semid, &b, 1) < 0)
		if (errno != EINTR)
			die("semop");
}

int main(int argc, char **argv)
{
	volatile long *counter;
	long semid, shmid, loops, i, v;
	int locked;

	if (argc != 5 && argc != 6)
		usage("wrong number of arguments");
	semid = number(argv[1], 0x7fffffff);
	shmid = number(argv[2], 0x7fffffff);
	loops = number(argv[3], 100000000);
	if (strcmp(argv[4], "lock") != 0 && strcmp(argv[4], "nolock") != 0)
		usage("the mode is lock or nolock");
	locked = strcmp(argv[4], "lock") == 0;

	counter = shmat((int)shmid, NULL, 0);
	if (counter == (void *)-1)
		die("shmat");
	if (argc == 6) {
		int fd = (int)number(argv[5], 1024);
		if (write(fd, "ready\n", 6) != 6)
			die("write(READY_FD)");
		close(fd);
	}

	sem_do((int)semid, 1, -1, 0); /* the gate */
	for (i = 0; i < loops; i++) {
		if (locked)
			sem_do((int)semid, 0, -1, SEM_UNDO);
		v = *counter;
		sched_yield();
		*counter = v + 1;
		if (locked)
			sem_do((int)semid, 0, +1, SEM_UNDO);
	}
	if (shmdt((const void *)counter) < 0)
		die("shmdt");
	return 0;
}
