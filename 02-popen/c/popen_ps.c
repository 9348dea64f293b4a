/*
 * popen_ps.c - run a command through popen(..., "r") and print what it
 * writes, line by line; then pclose() and say how the command ended.
 *
 * From the article "进程间IPC机制" (Linux IPC), section 4 "标准流管道".
 *
 *   usage: popen_ps [COMMAND]     (default "ps -ef", the article's command)
 *
 * COMMAND is run by /bin/sh -c: pass only text you wrote yourself.
 *
 * Corrections against the article (see ../README.md, errata):
 *   - buf[BUFSIZE] = '/0' is gone. It wrote one byte past the end of buf
 *     (valid indexes are 0 to BUFSIZE-1), and '/0' is a multi-character
 *     constant ('/' and '0'), not the NUL '\0'. It was not needed either:
 *     fgets() terminates what it stores;
 *   - when popen() fails it returns NULL; the article printed perror() and
 *     went on to fgets(buf, BUFSIZE, NULL). Now it exits with status 1;
 *   - pclose()'s result, the command's wait status, was thrown away. It is
 *     the only way to learn that the command failed: it is now decoded
 *     with WIFEXITED/WEXITSTATUS and WIFSIGNALED/WTERMSIG (in
 *     pclose_status.h), and -1 (wait4 itself failed) is reported;
 *   - <unistd.h> and <fcntl.h> were not needed; <sys/wait.h> is, for the
 *     W* macros (pclose_status.h includes it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pclose_status.h"

#define BUFSIZE 1024

int main(int argc, char *argv[])
{
	FILE *fp;
	const char *cmd = argc > 1 ? argv[1] : "ps -ef";
	char buf[BUFSIZE];

	/* /bin/sh -c cmd, its standard output a pipe to fp */
	if ((fp = popen(cmd, "r")) == NULL) {
		perror("popen");
		exit(1);
	}
	/* a line longer than BUFSIZE-1 comes in pieces; printed together, they
	 * make the line again */
	while (fgets(buf, BUFSIZE, fp) != NULL)
		printf("%s", buf);
	/* waits for the shell to end and returns its wait status */
	return pclose_status(pclose(fp));
}
