/*
 * pipe_rw.c - the parent writes "Hello" and " Pipe" into a pipe, the child
 * reads them.
 *
 * From the article "进程间IPC机制" (Linux IPC), section 2 "管道读写".
 * Corrections against the article (see ../README.md, errata):
 *   - "/n" -> "\n" in every printf;
 *   - <string.h> is included for memset(), <sys/wait.h> for waitpid()
 *     (implicit declarations, errors by default from gcc 14);
 *   - the article's annotations beside the code are comments now;
 *   - the child's sleep(2) and the parent's sleep(3) are gone: the child
 *     reads until read() returns 0 (end of file, once the parent has closed
 *     the write end), and the parent waits with waitpid(). The article's
 *     single read() after sleep(2) only usually got both writes;
 *   - the buffer keeps one byte for the terminating NUL (read 99, not 100);
 *   - fork() failing is reported: with the article's "else if (pid > 0)" it
 *     matched neither branch and main fell off its end, exit status 0;
 *   - write() errors are reported, and the child's status is printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int pipe_fd[2];
	pid_t pid;
	char buf_r[100];
	int r_num, total = 0;
	int status;

	memset(buf_r, 0, sizeof(buf_r));
	if (pipe(pipe_fd) < 0) {
		perror("pipe create error");
		return 1;
	}

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) { /* in the child: the child reads */
		close(pipe_fd[1]); /* or read() would never return 0 */
		while ((r_num = read(pipe_fd[0], buf_r + total, sizeof(buf_r) - 1 - total)) > 0)
			total += r_num;
		if (r_num < 0) {
			perror("read");
			exit(1);
		}
		printf("%d numbers read from the pipe is %s\n", total, buf_r);
		close(pipe_fd[0]);
		exit(0);
	}

	/* in the parent: the parent writes */
	close(pipe_fd[0]);
	if (write(pipe_fd[1], "Hello", 5) != -1)
		printf("parent write1 success!\n");
	else
		perror("write1");
	if (write(pipe_fd[1], " Pipe", 5) != -1)
		printf("parent write2 success!\n");
	else
		perror("write2");
	fflush(stdout);
	close(pipe_fd[1]); /* the child's read() returns 0 once the pipe is empty */

	/* wait for the child to end; pid is the child's process ID */
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (WIFEXITED(status))
		printf("waitpid: child exited with status %d\n", WEXITSTATUS(status));
	return 0;
}
