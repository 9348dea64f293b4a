/* Reference solution of exercise 07-echo in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -pthread -o bin/echo exercises/07-echo/solution/c/echo.c
 * (glibc 2.34 and later link pthread without -pthread, as the checker builds it)
 * Check: go run ./exercises check 07-echo -c exercises/07-echo/solution/c/echo.c
 *
 *   echo server PATH        make the queue ftok(PATH, 'M'), answer until SIGTERM
 *   echo client PATH TEXT   send "PID TEXT" with type 1, print the answer of type PID */
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#define REQUEST 1

struct msg {
    long mtype;
    char mtext[1024];
};

static int qid = -1;

static void die(const char *what) { perror(what); exit(1); }

/* SIGTERM and SIGINT are blocked in every thread; this thread takes them
 * with sigwait and removes the queue. It is an ordinary thread, not a
 * signal handler, so msgctl (not async-signal-safe) is allowed, and no
 * signal is missed: the main loop's msgrcv fails with EIDRM if it is
 * blocked there, and its next call fails with EINVAL if it is not. */
static void *on_term(void *arg) {
    sigset_t *set = arg;
    int sig;
    if (sigwait(set, &sig) == 0) msgctl(qid, IPC_RMID, NULL); /* mutant no-ipc-rmid-on-sigterm: if (sigwait(set, &sig) == 0) _exit(0); */
    return NULL;
}

static int server(const char *path) {
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* blocked before the queue exists: a SIGTERM from now on waits for sigwait */
    if ((errno = pthread_sigmask(SIG_BLOCK, &set, NULL)) != 0) die("pthread_sigmask");
    key_t key = ftok(path, 'M');
    if (key == -1) die("ftok");
    qid = msgget(key, IPC_CREAT | IPC_EXCL | 0600); /* mutant queue-mode-0666: qid = msgget(key, IPC_CREAT | IPC_EXCL | 0666); */
    if (qid == -1) die("msgget");
    pthread_t th;
    if ((errno = pthread_create(&th, NULL, on_term, &set)) != 0) {
        msgctl(qid, IPC_RMID, NULL);
        die("pthread_create");
    }
    printf("ready\n");
    fflush(stdout);

    struct msg m;
    for (;;) {
        ssize_t n = msgrcv(qid, &m, sizeof m.mtext - 1, REQUEST, MSG_NOERROR); /* mutant server-receives-8-bytes-no-noerror: ssize_t n = msgrcv(qid, &m, 8, REQUEST, 0); */
        if (n == -1 && errno == EINTR) continue;
        if (n == -1 && (errno == EIDRM || errno == EINVAL)) return 0; /* removed */
        if (n == -1) die("msgrcv");
        m.mtext[n] = '\0';
        char *text = strchr(m.mtext, ' ');
        long pid = atol(m.mtext);
        if (!text || pid <= 0) {
            fprintf(stderr, "server: bad request\n");
            continue;
        }
        text++;
        struct msg reply;
        reply.mtype = pid; /* the client waits for messages of its PID's type */ /* mutant answer-sent-with-requests-type: reply.mtype = REQUEST; */ /* mutant answer-sent-with-type-2: reply.mtype = 2; */
        size_t len = strlen(text);
        for (size_t i = 0; i < len; i++) reply.mtext[i] = toupper((unsigned char)text[i]);
        while (msgsnd(qid, &reply, len, 0) == -1) { /* mutant msgsz-whole-mtext-array: while (msgsnd(qid, &reply, sizeof reply.mtext, 0) == -1) { */
            if (errno == EINTR) continue;
            if (errno == EIDRM || errno == EINVAL) return 0;
            die("msgsnd");
        }
    }
}

static int client(const char *path, const char *text) {
    key_t key = ftok(path, 'M');
    if (key == -1) die("ftok");
    int id = msgget(key, 0); /* ENOENT when no server made it */ /* mutant client-creates-queue: int id = msgget(key, IPC_CREAT | 0600); */
    if (id == -1) die("msgget");
    struct msg m;
    m.mtype = REQUEST;
    int len = snprintf(m.mtext, sizeof m.mtext, "%ld %s", (long)getpid(), text);
    if (msgsnd(id, &m, len, 0) == -1) die("msgsnd");
    ssize_t n = msgrcv(id, &m, sizeof m.mtext - 1, getpid(), MSG_NOERROR);
    if (n == -1) die("msgrcv");
    printf("%.*s\n", (int)n, m.mtext);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) return server(argv[2]);
    if (argc == 4 && strcmp(argv[1], "client") == 0) return client(argv[2], argv[3]);
    fprintf(stderr, "usage: echo server PATH | echo client PATH TEXT\n");
    return 2;
}
