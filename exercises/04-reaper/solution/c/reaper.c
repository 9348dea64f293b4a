/* Reference solution of exercise 04-reaper in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -o bin/reaper exercises/04-reaper/solution/c/reaper.c
 * Check: go run ./exercises check 04-reaper -c exercises/04-reaper/solution/c/reaper.c
 *
 *   reaper N   start N children (child i exits with status i at end of input),
 *              say ready, report each as it is reaped; on SIGTERM, kill the
 *              children's process group with SIGTERM
 *
 * SIGCHLD and SIGTERM stay blocked except inside sigsuspend, so the
 * handlers only set flags and no signal can slip in between the test of a
 * flag and the wait: the race pause() has. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_chld, got_term;

static void on_chld(int sig) { (void)sig; got_chld = 1; }
static void on_term(int sig) { (void)sig; got_term = 1; }

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: reaper N\n");
        return 2;
    }
    int n = atoi(argv[1]);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &block, &old) < 0) die("sigprocmask");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);

    pid_t pgid = 0;
    for (int i = 1; i <= n; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            /* The child inherits the handlers and the mask: undo them, or
             * SIGTERM would only set a flag in it. */
            signal(SIGTERM, SIG_DFL); /* mutant children-keep-parent-s-sigterm: - */
            sigprocmask(SIG_SETMASK, &old, NULL);
            setpgid(0, pgid); /* pgid 0: a new group, named by this PID */ /* mutant no-group-their-own: - */
            char buf[512];
            while (read(0, buf, sizeof buf) > 0)
                ;
            _exit(i);
        }
        setpgid(pid, pgid); /* the parent too: whoever runs first, it is done */ /* mutant no-group-their-own: - */
        if (pgid == 0) pgid = pid;
    }
    printf("ready\n");
    fflush(stdout);

    for (int reaped = 0; reaped < n;) {
        while (!got_chld && !got_term) sigsuspend(&old);
        if (got_term) {
            got_term = 0;
            if (kill(-pgid, SIGTERM) < 0) die("kill"); /* mutant kill-one-child-group: if (kill(pgid, SIGTERM) < 0) die("kill"); */
        }
        if (got_chld) {
            got_chld = 0;
            int st;
            pid_t pid;
            /* One SIGCHLD may stand for many children: reap them all. */
            while ((pid = waitpid(-1, &st, WNOHANG)) > 0) { /* mutant one-waitpid-per-sigchld: if ((pid = waitpid(-1, &st, WNOHANG)) > 0) { */ /* mutant blocking-wait-after-sigchld: while ((pid = waitpid(-1, &st, 0)) > 0) { */
                reaped++;
                if (WIFSIGNALED(st))
                    printf("%d killed %d\n", (int)pid, WTERMSIG(st));
                else
                    printf("%d exited %d\n", (int)pid, WEXITSTATUS(st));
            }
        }
    }
    return 0;
}
