/*
 * msg.c - one msgsnd or msgrcv from C, to check that Go and C agree on the
 * message layout (long mtype, then the text; msgsz counts the text only).
 *
 *   msg snd MSQID TYPE TEXT      sends TEXT (without its NUL) as type TYPE
 *   msg rcv MSQID MSGTYP SIZE    receives into a SIZE-byte text buffer and
 *                                prints "TYPE LENGTH TEXT"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

struct message {
	long mtype;
	char mtext[8192];
};

int main(int argc, char **argv)
{
	static struct message m;
	int id;
	ssize_t n;

	if (argc != 5) {
		fprintf(stderr, "usage: msg snd|rcv MSQID TYPE TEXT|SIZE\n");
		return 2;
	}
	id = atoi(argv[2]);
	if (strcmp(argv[1], "snd") == 0) {
		size_t len = strlen(argv[4]);
		if (len > sizeof m.mtext)
			len = sizeof m.mtext;
		m.mtype = strtol(argv[3], NULL, 0);
		memcpy(m.mtext, argv[4], len);
		while (msgsnd(id, &m, len, 0) < 0) {
			if (errno != EINTR) {
				printf("error %d\n", errno);
				return 1;
			}
		}
		return 0;
	}
	size_t size = (size_t)atoi(argv[4]);
	if (size > sizeof m.mtext)
		size = sizeof m.mtext;
	while ((n = msgrcv(id, &m, size, strtol(argv[3], NULL, 0), 0)) < 0) {
		if (errno != EINTR) {
			printf("error %d\n", errno);
			return 1;
		}
	}
	printf("%ld %zd %.*s\n", m.mtype, n, (int)n, m.mtext);
	return 0;
}
