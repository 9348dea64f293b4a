/*
 * mmap_file.c - two unrelated processes share a file through
 * mmap(MAP_SHARED): what one writes into the mapping, the other reads from
 * its own mapping, with no read() or write() on the file.
 *
 *   mmap_file FILE          print the text in the file's first page
 *   mmap_file FILE TEXT     write TEXT into the first page, through the mapping
 *
 * The file is made (mode 0600) and sized to one page if it is new or
 * shorter; an existing file must be this user's and writable by nobody
 * else, or the program refuses it.
 *
 * Reconstructed: article 003 names memory-mapped files among the IPC
 * mechanisms and prints no code.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	int fd;
	struct stat st;
	char *p;
	size_t len;
	long page = sysconf(_SC_PAGESIZE);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3 || argv[1][0] == '\0' || (argc == 3 && argv[2][0] == '\0')) {
		fprintf(stderr, "usage: mmap_file FILE [TEXT]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	if (fstat(fd, &st) < 0) {
		perror("fstat");
		return 1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		fprintf(stderr, "mmap_file: %s: not a regular file of this user that only this user may write: refusing it\n", argv[1]);
		return 1;
	}
	if (st.st_size < page && ftruncate(fd, page) < 0) {
		perror("ftruncate");
		return 1;
	}
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd); /* the mapping keeps the file open */
	if (argc == 3) {
		len = strlen(argv[2]);
		if (len > (size_t)page - 1)
			len = page - 1;
		memset(p, 0, page);
		memcpy(p, argv[2], len);
		if (msync(p, page, MS_SYNC) < 0) { /* to the disk: the page cache is shared already */
			perror("msync");
			return 1;
		}
		printf("mmap_file %d: wrote \"%.*s\" into the mapping (%zu bytes)\n", (int)getpid(), (int)len, p, len);
	} else {
		printf("mmap_file %d: read \"%.*s\" from the mapping\n", (int)getpid(), (int)strnlen(p, page), p);
	}
	if (munmap(p, page) < 0) {
		perror("munmap");
		return 1;
	}
	return 0;
}
