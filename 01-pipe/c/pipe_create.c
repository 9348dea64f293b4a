/*
 * pipe_create.c - create a pipe and close it again.
 *
 * From the article "进程间IPC机制" (Linux IPC), section 1 "管道创建与关闭".
 * Corrections against the article (see ../README.md, errata):
 *   - "/n" -> "\n" in every printf;
 *   - the error path prints errno's text with perror() instead of a bare message;
 *   - a failed pipe() exits with status 1 (the article: return -1, which
 *     is exit status 255), and main() returns 0 explicitly on success
 *     (falling off its end, as the article does, also gives 0 since C99);
 *   - the descriptors and their /proc/self/fd links are printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void show(int fd)
{
	char path[64], link[256];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof link - 1);
	if (n < 0) {
		printf("%s -> (not open)\n", path);
		return;
	}
	link[n] = '\0';
	printf("%s -> %s\n", path, link);
}

int main(void)
{
	int pipe_fd[2];

	if (pipe(pipe_fd) < 0) {
		perror("pipe create error");
		return 1;
	}
	printf("pipe create success: fd[0]=%d is the read end, fd[1]=%d the write end\n",
	       pipe_fd[0], pipe_fd[1]);
	show(pipe_fd[0]);
	show(pipe_fd[1]);

	close(pipe_fd[0]); /* the read end */
	close(pipe_fd[1]); /* the write end: with no descriptor left, the pipe is freed */
	printf("closed both ends\n");
	show(pipe_fd[0]);
	show(pipe_fd[1]);
	return 0;
}
