/*
 * shm_fault.c: touch a segment after shmdt(), the mistake the Go port's
 * [Go vs C] note warns about, in C: the kernel kills the process with
 * SIGSEGV. The Go twin (06-shm/fault.go) does the same and exits with
 * status 2 instead: the Go runtime catches SIGSEGV. "go run ./06-shm
 * -fault -peer ./bin/shm_fault" runs this program in the Go child's place
 * and prints how each ended.
 *
 *   usage: shm_fault SHMID
 *
 *   gcc -Wall -Wextra -o bin/shm_fault 06-shm/c/shm_fault.c
 */
#define _GNU_SOURCE /* strerrorname_np: errno by name (glibc 2.32) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

static void die(const char *call)
{
	const char *name = strerrorname_np(errno);

	fprintf(stderr, "reader %d: error: %s failed: %s\n", (int)getpid(), call, name ? name : "?");
	exit(1);
}

int main(int argc, char **argv)
{
	volatile const char *addr; /* volatile: the compiler must do the late read */
	char *end;
	long shmid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || (shmid = strtol(argv[1], &end, 10)) < 0 || *end != '\0' || end == argv[1]) {
		fprintf(stderr, "usage: shm_fault SHMID\n");
		exit(2);
	}
	/* The demo must not leave a core file: a process that is not
	 * dumpable gets the same SIGSEGV, without the dump. */
	prctl(PR_SET_DUMPABLE, 0);

	addr = shmat((int)shmid, NULL, SHM_RDONLY);
	if (addr == (void *)-1)
		die("shmat");
	printf("reader %d: shmat: attached; addr[0] = %d\n", (int)getpid(), addr[0]);
	if (shmdt((const void *)addr) == -1)
		die("shmdt");
	printf("reader %d: shmdt: detached; now reading addr[0] again (a C program)\n", (int)getpid());
	printf("reader %d: addr[0] = %d\n", (int)getpid(), addr[0]); /* SIGSEGV: never printed */
	return 0;
}
