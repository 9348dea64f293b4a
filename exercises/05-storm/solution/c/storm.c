/* Reference solution of exercise 05-storm in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -o bin/storm exercises/05-storm/solution/c/storm.c
 * Check: go run ./exercises check 05-storm -c exercises/05-storm/solution/c/storm.c
 *
 *   storm PATH   make the queue ftok(PATH, 'T'), say ready, read one line from
 *                standard input, then receive messages until one of type 2;
 *                print "bytes N signals M", remove the queue
 *
 * SA_RESTART makes the kernel restart the read after the handler; it never
 * restarts msgrcv (signal(7)), so that loop retries EINTR itself. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void on_usr1(int sig) {
    (void)sig;
    count++;
}

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: storm PATH\n");
        return 2;
    }
    key_t key = ftok(argv[1], 'T');
    if (key == -1) die("ftok");
    int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    if (id == -1) die("msgget");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART; /* read() goes on after the handler */ /* mutant no-sa-restart: - */
    if (sigaction(SIGUSR1, &sa, NULL) == -1) die("sigaction"); /* mutant no-handler-sigusr1-kills: - */
    printf("ready\n");
    fflush(stdout);

    char line[256];
    if (fgets(line, sizeof line, stdin) == NULL) die("fgets");

    struct {
        long mtype;
        char text[2048];
    } m;
    long total = 0;
    for (;;) {
        ssize_t n = msgrcv(id, &m, sizeof m.text, 0, 0);
        if (n == -1 && errno == EINTR) continue; /* never restarted: retry */ /* mutant msgrcv-not-retried-on-eintr: - */
        if (n == -1) die("msgrcv");
        if (m.mtype == 2) break;
        total += n;
    }
    printf("bytes %ld signals %d\n", total, (int)count);
    fflush(stdout);
    if (msgctl(id, IPC_RMID, NULL) == -1) die("msgctl"); /* mutant queue-not-removed: - */
    return 0;
}
