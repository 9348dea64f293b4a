/*
 * sem.c - semaphores from C, to check that Go and C agree on the layouts
 * (struct semid_ds, struct sembuf), the constants, and how union semun is
 * passed to semctl.
 *
 *   sem layout                  prints "name value" lines: sizes, offsets,
 *                               constants
 *   sem setval SEMID NUM VAL    semctl(SETVAL) with the union by value
 *   sem getall SEMID            semctl(GETALL), prints the values
 *   sem op SEMID NUM OP [undo]  one semop, then exits (with SEM_UNDO: the
 *                               kernel reverts it at exit)
 *
 * Errors print "error ERRNO" and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>

/* Linux leaves union semun to the caller (semctl(2)). */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

#define OFF(s, f) printf("%s %zu\n", #f, offsetof(struct s, f))
#define CONST(c) printf("%s %d\n", #c, c)

static int fail(void)
{
	printf("error %d\n", errno);
	return 1;
}

int main(int argc, char **argv)
{
	union semun arg;
	int id;

	if (argc == 2 && strcmp(argv[1], "layout") == 0) {
		printf("sizeof_semid_ds %zu\n", sizeof(struct semid_ds));
		printf("sizeof_ipc_perm %zu\n", sizeof(struct ipc_perm));
		OFF(semid_ds, sem_perm);
		OFF(semid_ds, sem_perm.__key);
		OFF(semid_ds, sem_perm.uid);
		OFF(semid_ds, sem_perm.mode);
		OFF(semid_ds, sem_otime);
		OFF(semid_ds, sem_ctime);
		OFF(semid_ds, sem_nsems);
		printf("sizeof_sembuf %zu\n", sizeof(struct sembuf));
		OFF(sembuf, sem_num);
		OFF(sembuf, sem_op);
		OFF(sembuf, sem_flg);
		CONST(SEM_UNDO);
		CONST(GETPID);
		CONST(GETVAL);
		CONST(GETALL);
		CONST(GETNCNT);
		CONST(GETZCNT);
		CONST(SETVAL);
		CONST(SETALL);
		CONST(SEM_STAT);
		CONST(SEM_INFO);
		CONST(SEM_STAT_ANY);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: sem layout | setval SEMID NUM VAL | getall SEMID | op SEMID NUM OP [undo]\n");
		return 2;
	}
	id = atoi(argv[2]);
	if (strcmp(argv[1], "setval") == 0 && argc == 5) {
		arg.val = atoi(argv[4]);
		if (semctl(id, atoi(argv[3]), SETVAL, arg) < 0)
			return fail();
		return 0;
	}
	if (strcmp(argv[1], "getall") == 0 && argc == 3) {
		struct semid_ds ds;
		unsigned short vals[64];
		arg.buf = &ds;
		if (semctl(id, 0, IPC_STAT, arg) < 0)
			return fail();
		if (ds.sem_nsems > 64) {
			fprintf(stderr, "sem: more than 64 semaphores\n");
			return 1;
		}
		arg.array = vals;
		if (semctl(id, 0, GETALL, arg) < 0)
			return fail();
		for (unsigned long i = 0; i < ds.sem_nsems; i++)
			printf("%s%hu", i ? " " : "", vals[i]);
		printf("\n");
		return 0;
	}
	if (strcmp(argv[1], "op") == 0 && (argc == 5 || argc == 6)) {
		struct sembuf op;
		op.sem_num = (unsigned short)atoi(argv[3]);
		op.sem_op = (short)atoi(argv[4]);
		op.sem_flg = argc == 6 ? SEM_UNDO : 0;
		while (semop(id, &op, 1) < 0)
			if (errno != EINTR)
				return fail();
		return 0;
	}
	fprintf(stderr, "sem: bad arguments\n");
	return 2;
}
