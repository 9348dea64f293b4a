/*
 * ftok.c - print glibc's ftok() for pairs of arguments: path proj_id ...
 * (proj_id in C notation: 102, 0x66, 0146). One signed decimal key a line;
 * "error ERRNO" (a number) when ftok fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		key_t k = ftok(argv[i], (int)strtol(argv[i + 1], NULL, 0));
		if (k == (key_t)-1)
			printf("error %d\n", errno);
		else
			printf("%d\n", (int)k);
	}
	return 0;
}
