/*
 * posix_shm.c - POSIX shared memory: a name in /dev/shm that two unrelated
 * processes open with shm_open() and map.
 *
 *   posix_shm NAME TEXT     create NAME (mode 0600), put TEXT in it, leave it
 *   posix_shm NAME          open NAME, print its text, remove the name
 *
 * NAME is "/something" (one slash, at the start). The reader refuses an
 * object that is not this user's or that others may write.
 *
 * Reconstructed: article 003 names shared memory and memory-mapped files,
 * and prints no code for POSIX shared memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE 4096

int main(int argc, char *argv[])
{
	int fd;
	struct stat st;
	char *p;
	size_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3 || argv[1][0] != '/' || argv[1][1] == '\0' || strchr(argv[1] + 1, '/')) {
		fprintf(stderr, "usage: posix_shm /NAME [TEXT]\n");
		return 2;
	}
	if (argc == 3) {
		fd = shm_open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			perror("shm_open");
			return 1;
		}
		if (ftruncate(fd, SIZE) < 0) {
			perror("ftruncate");
			return 1;
		}
	} else {
		fd = shm_open(argv[1], O_RDWR, 0);
		if (fd < 0) {
			perror("shm_open");
			return 1;
		}
		if (fstat(fd, &st) < 0) {
			perror("fstat");
			return 1;
		}
		if (st.st_uid != geteuid() || (st.st_mode & 022) || st.st_size < SIZE) {
			fprintf(stderr, "posix_shm: %s: not this user's, writable by others or too small: refusing it\n", argv[1]);
			return 1;
		}
	}
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);
	if (argc == 3) {
		len = strlen(argv[2]);
		if (len > SIZE - 1)
			len = SIZE - 1;
		memcpy(p, argv[2], len);
		printf("posix_shm %d: shm_open(\"%s\", O_CREAT|O_EXCL, 0600), wrote \"%.*s\"\n", (int)getpid(), argv[1], (int)len, p);
	} else {
		printf("posix_shm %d: shm_open(\"%s\"), read \"%.*s\"\n", (int)getpid(), argv[1], (int)strnlen(p, SIZE), p);
		if (shm_unlink(argv[1]) < 0) {
			perror("shm_unlink");
			return 1;
		}
		printf("posix_shm %d: shm_unlink(\"%s\"): the name is gone\n", (int)getpid(), argv[1]);
	}
	if (munmap(p, SIZE) < 0) {
		perror("munmap");
		return 1;
	}
	return 0;
}
