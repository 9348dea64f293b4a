/*
 * shm_anon.c - anonymous shared memory across fork(): a mapping made with
 * MAP_SHARED | MAP_ANONYMOUS before fork() is the same memory in the
 * parent and the child. The child counts to 1000 in it; the parent waits
 * for the child and reads the count.
 *
 *   shm_anon
 *
 * Reconstructed: article 003 names memory-mapped files and shared memory,
 * and prints no code for mmap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int *count, status, i;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	count = mmap(NULL, sizeof *count, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (count == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	*count = 0;
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		for (i = 0; i < 1000; i++)
			(*count)++;
		printf("child %d: counted to %d in the shared mapping\n", (int)getpid(), *count);
		exit(0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	printf("parent %d: the count is %d: the child's mapping was mine\n", (int)getpid(), *count);
	if (munmap(count, sizeof *count) < 0) {
		perror("munmap");
		return 1;
	}
	return 0;
}
