/*
 * pclose_status.h - say what pclose() returned, for popen_ps.c and
 * popen_sort.c. The Go port prints the same words.
 *
 * pclose() returns the command's wait status, as wait4() filled it in, or
 * -1 when wait4() itself failed (ECHILD: the command was already reaped,
 * for instance because SIGCHLD is ignored). The status is not the exit
 * status: exit(1) gives 256, death by SIGTERM gives 15. The W* macros of
 * <sys/wait.h> take it apart.
 */
#include <stdio.h>
#include <sys/wait.h>

/* pclose_status prints st and returns the exit status for main: 1 if
 * pclose() itself failed, else 0 (the command's failure is reported, not
 * ours). */
static int pclose_status(int st)
{
	if (st == -1) {
		perror("pclose");
		return 1;
	}
	if (WIFEXITED(st))
		printf("pclose() = %d: exited with status %d\n", st, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("pclose() = %d: was killed by signal %d\n", st, WTERMSIG(st));
	else
		printf("pclose() = %d\n", st);
	return 0;
}
