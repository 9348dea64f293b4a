/*
 * fifo_write.c - open a FIFO for writing without blocking, and write a
 * message into it.
 *
 *     usage: fifo_write PATH MSG
 *
 * From the article "进程间IPC机制" (Linux IPC), section 5 "命名管道(FIFO)",
 * where this program is printed under the name fifo_read.c: the article
 * swapped the two names. Corrections against the article (see ../README.md,
 * errata):
 *   - named for what it does: this program writes;
 *   - fd was tested for -1 (and errno for ENXIO) before open() was called;
 *     the test now follows open(), and any failure ends the program;
 *   - with no argument it printed "Please send something" and then went on
 *     to strcpy(w_buf, argv[1]), a NULL pointer: now it prints usage and
 *     exits with status 2;
 *   - strcpy into w_buf[100] overflowed for a message of 100 bytes or more:
 *     the message is written straight from argv, and one longer than
 *     PIPE_BUF (4096) is refused, since only up to PIPE_BUF bytes are
 *     written atomically;
 *   - write(fd, w_buf, 100) sent 100 bytes whatever the message's length
 *     (garbage after the string): now strlen(MSG) bytes;
 *   - the fixed /tmp/myfifo is replaced by a path on the command line; a
 *     path that is not a FIFO is refused, and so is a FIFO of another user
 *     or one that others may write to (fstat after open(): the name may
 *     have been swapped between a check and the open);
 *   - "/n" -> "\n"; errors go to stderr with perror(); main() is declared
 *     int and returns a status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;
	size_t len;
	ssize_t nwrite;
	struct stat st;

	if (argc != 3 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: fifo_write PATH MSG\n");
		return 2;
	}
	len = strlen(argv[2]);
	if (len == 0 || len > PIPE_BUF) {
		fprintf(stderr, "fifo_write: MSG must be 1 to %d bytes, so that one write() is atomic\n", PIPE_BUF);
		return 2;
	}

	fd = open(argv[1], O_WRONLY | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENXIO)
			fprintf(stderr, "open error; no reading process\n");
		perror("open");
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "%s is not a FIFO\n", argv[1]);
		return 1;
	}
	/* The file really opened: another user's FIFO, or one that others may
	 * write to, is refused, and nothing is written into it. */
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr, "refusing %s: a FIFO of uid %ld, mode %03o: only a FIFO of this user (uid %ld) that nobody else may write to is used\n",
			argv[1], (long)st.st_uid, (unsigned)(st.st_mode & 0777), (long)geteuid());
		close(fd);
		return 1;
	}

	nwrite = write(fd, argv[2], len);
	if (nwrite == -1) {
		if (errno == EAGAIN)
			fprintf(stderr, "The FIFO has not been read yet. Please try later\n");
		perror("write");
		return 1;
	}
	printf("write \"%s\" to the FIFO\n", argv[2]);
	close(fd);
	return 0;
}
