/*
 * shm_reader.c: a C process that reads a segment someone else made, by its
 * shmid: the child's side of shmadd.c as a program of its own. The Go port
 * runs it with "go run ./06-shm -peer ./bin/shm_reader", to show that C reads
 * what Go wrote: one kernel object, any language.
 *
 *   usage: shm_reader SHMID [READY_FD]
 *
 * It attaches the segment read-only. With READY_FD it then writes one line
 * ("attached") to that descriptor, closes it, and reads standard input
 * until end of file: the writer's "the data is written". Without READY_FD
 * it reads the segment at once (for a segment that is already filled, such
 * as one held by "06-shm -hold written"). It prints "Client get MESSAGE",
 * the bytes up to the first NUL and never past the segment, and detaches.
 *
 *   gcc -Wall -Wextra -o bin/shm_reader 06-shm/c/shm_reader.c
 */
#define _GNU_SOURCE /* strerrorname_np: errno by name (glibc 2.32) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static void die(const char *call)
{
	int e = errno;
	const char *name = strerrorname_np(e);

	fprintf(stderr, "reader %d: error: %s failed: %s (%s)\n", (int)getpid(), call, name ? name : "?", strerror(e));
	exit(1);
}

static void usage(const char *why)
{
	fprintf(stderr, "shm_reader: %s\nusage: shm_reader SHMID [READY_FD]\n", why);
	exit(2);
}

/* number parses a whole decimal argument >= 0, or returns -1. */
static long number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 0x7fffffff)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	struct shmid_ds ds;
	const char *addr;
	long shmid, ready = -1;
	char buf[64];
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3)
		usage("want SHMID and an optional READY_FD");
	if ((shmid = number(argv[1])) < 0)
		usage("SHMID must be a number >= 0, as ipcs -m shows");
	if (argc == 3 && (ready = number(argv[2])) < 0)
		usage("READY_FD must be a descriptor number");

	addr = shmat((int)shmid, NULL, SHM_RDONLY);
	if (addr == (void *)-1)
		die("shmat");
	if (shmctl((int)shmid, IPC_STAT, &ds) == -1) /* for the size */
		die("shmctl(IPC_STAT)");
	printf("reader %d: shmat(shmid %ld, NULL, SHM_RDONLY): attached %zu bytes, read-only (a C program)\n",
	       (int)getpid(), shmid, ds.shm_segsz);

	if (ready >= 0) {
		if (write((int)ready, "attached\n", 9) != 9)
			die("write(READY_FD)");
		close((int)ready);
		/* Shared memory says nothing about when the data is complete:
		 * end of file on standard input does. */
		while ((n = read(0, buf, sizeof buf)) > 0)
			;
		if (n == -1)
			die("read");
	}

	printf("reader %d: Client get %.*s\n", (int)getpid(), (int)strnlen(addr, ds.shm_segsz), addr);
	if (shmdt(addr) == -1)
		die("shmdt");
	printf("reader %d: shmdt: detached\n", (int)getpid());
	return 0;
}
