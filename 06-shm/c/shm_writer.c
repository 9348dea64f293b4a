/*
 * shm_writer.c: a C process that makes a segment and writes a message into
 * it, for a Go reader: the other direction of shm_reader.c.
 *
 *   usage: shm_writer [MESSAGE]        (at most 1023 bytes)
 *
 * It makes a 1024-byte segment with shmget(IPC_PRIVATE, 1024, 0600),
 * attaches it, writes MESSAGE and a NUL, marks the segment for removal at
 * once (Linux still lets others attach a marked segment by its id, and the
 * kernel frees it at the last detach, even if this process is killed), and
 * prints the shmid. It then waits for end of file on standard input (press
 * Ctrl-D) and detaches. Meanwhile, from another terminal:
 *
 *   go run ./06-shm -attach SHMID
 *
 *   gcc -Wall -Wextra -o bin/shm_writer 06-shm/c/shm_writer.c
 */
#define _GNU_SOURCE /* strerrorname_np: errno by name (glibc 2.32) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#define SEGSIZE 1024

static int shmid = -1;
static int must_remove;

static void die(const char *call)
{
	int e = errno;
	const char *name = strerrorname_np(e);

	fprintf(stderr, "writer %d: error: %s failed: %s (%s)\n", (int)getpid(), call, name ? name : "?", strerror(e));
	if (must_remove)
		shmctl(shmid, IPC_RMID, NULL);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *msg = "hello from C";
	char *addr, buf[64];
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2) {
		fprintf(stderr, "usage: shm_writer [MESSAGE]\n");
		exit(2);
	}
	if (argc == 2)
		msg = argv[1];
	if (strlen(msg) > SEGSIZE - 1) {
		fprintf(stderr, "shm_writer: MESSAGE is %zu bytes; at most %d fit with the terminating NUL\nusage: shm_writer [MESSAGE]\n",
			strlen(msg), SEGSIZE - 1);
		exit(2);
	}

	if ((shmid = shmget(IPC_PRIVATE, SEGSIZE, 0600)) == -1)
		die("shmget");
	must_remove = 1;
	addr = shmat(shmid, NULL, 0);
	if (addr == (void *)-1)
		die("shmat");
	memset(addr, '\0', SEGSIZE);
	memcpy(addr, msg, strlen(msg));
	if (shmctl(shmid, IPC_RMID, NULL) == -1)
		die("shmctl(IPC_RMID)");
	must_remove = 0;
	printf("writer %d: shmid %d holds \"%s\" and is marked for removal; waiting for end of input\n",
	       (int)getpid(), shmid, msg);

	while ((n = read(0, buf, sizeof buf)) > 0)
		;
	if (n == -1)
		die("read");
	if (shmdt(addr) == -1)
		die("shmdt");
	printf("writer %d: shmdt: detached; if no one else is attached, the segment is gone\n", (int)getpid());
	return 0;
}
