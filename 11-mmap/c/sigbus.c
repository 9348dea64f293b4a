/*
 * sigbus.c - a mapping outlives the end of its file: after ftruncate()
 * shrinks the file, touching a page of the mapping past the new end gets
 * SIGBUS, and the default action kills the process.
 *
 *   sigbus FILE
 *
 * FILE is made (mode 0600, O_EXCL) and removed again before the fault.
 *
 * Reconstructed: article 003 names memory-mapped files and prints no code.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	int fd;
	char *p;
	long page = sysconf(_SC_PAGESIZE);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: sigbus FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	if (unlink(argv[1]) < 0) { /* the name goes; the open file stays */
		perror("unlink");
		return 1;
	}
	if (ftruncate(fd, 2 * page) < 0) {
		perror("ftruncate");
		return 1;
	}
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	p[page] = 'x';
	printf("sigbus %d: wrote to the second page of a 2-page file\n", (int)getpid());
	if (ftruncate(fd, page) < 0) {
		perror("ftruncate");
		return 1;
	}
	printf("sigbus %d: the file is 1 page now; touching the second page again\n", (int)getpid());
	p[page] = 'y'; /* SIGBUS: the page is mapped, but no file is behind it */
	printf("sigbus %d: not reached\n", (int)getpid());
	return 0;
}
