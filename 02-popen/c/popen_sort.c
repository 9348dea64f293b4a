/*
 * popen_sort.c - the other direction: popen(..., "w") feeds lines to a
 * command's standard input; the command writes to our standard output.
 * pclose() closes the pipe (the command reads end of file), waits for the
 * command and returns its wait status.
 *
 * Not in the article, which shows only "r"; written in its style, with the
 * corrections of popen_ps.c.
 *
 *   usage: popen_sort [COMMAND]   (default "sort")
 *
 * COMMAND is run by /bin/sh -c: pass only text you wrote yourself.
 * Try "grep -c zebra": no line has a zebra, grep prints 0 and exits with
 * status 1, and pclose() returns 256.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pclose_status.h"

int main(int argc, char *argv[])
{
	static const char *const fruit[] = { "pear", "apple", "fig" };
	const char *cmd = argc > 1 ? argv[1] : "sort";
	FILE *fp;
	size_t i;
	int st;

	if ((fp = popen(cmd, "w")) == NULL) {
		perror("popen");
		exit(1);
	}
	for (i = 0; i < sizeof fruit / sizeof fruit[0]; i++) {
		/* buffered in fp: nothing reaches the command before pclose() */
		if (fputs(fruit[i], fp) == EOF || fputc('\n', fp) == EOF) {
			perror("fputs");
			break;
		}
		printf("fputs: %s\n", fruit[i]);
	}
	/* our lines first: the command writes to the same standard output */
	fflush(stdout);
	/* fflush(fp), close the pipe (the command reads end of file), wait */
	st = pclose(fp);
	return pclose_status(st);
}
