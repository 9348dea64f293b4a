/*
 * socketpair.c - a parent and its child talk both ways over one socketpair:
 * the parent sends "ping", the child answers "pong" on the same socket.
 * With a pipe (01-pipe) that takes two pipes, one per direction.
 *
 *   socketpair
 *
 * Reconstructed: the article names sockets as its sixth mechanism and
 * prints no code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int sv[2], status;
	char buf[64];
	ssize_t n;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		return 1;
	}
	printf("parent %d: socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC) = [%d, %d]\n", (int)getpid(), sv[0], sv[1]);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]); /* the child keeps sv[1] */
		n = read(sv[1], buf, sizeof buf - 1);
		if (n < 0) {
			perror("read");
			_exit(1);
		}
		buf[n] = 0;
		printf("child %d: read %zd bytes: \"%s\"\n", (int)getpid(), n, buf);
		printf("child %d: writing \"pong\" on the same socket\n", (int)getpid());
		if (write(sv[1], "pong", 4) != 4) {
			perror("write");
			_exit(1);
		}
		close(sv[1]);
		_exit(0);
	}
	close(sv[1]); /* the parent keeps sv[0] */
	printf("parent %d: writing \"ping\"\n", (int)getpid());
	if (write(sv[0], "ping", 4) != 4) {
		perror("write");
		return 1;
	}
	n = read(sv[0], buf, sizeof buf - 1);
	if (n < 0) {
		perror("read");
		return 1;
	}
	buf[n] = 0;
	printf("parent %d: read %zd bytes: \"%s\"\n", (int)getpid(), n, buf);
	n = read(sv[0], buf, sizeof buf); /* the child closed its end */
	printf("parent %d: read = %zd: end of file, the child closed its end\n", (int)getpid(), n);
	close(sv[0]); /* the parent is done with its end */
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	printf("parent %d: waitpid: child %d exited with status %d\n", (int)getpid(), (int)pid, WEXITSTATUS(status));
	return 0;
}
