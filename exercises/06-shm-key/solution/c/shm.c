/* Reference solution of exercise 06-shm-key in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -o bin/shm exercises/06-shm-key/solution/c/shm.c
 * Check: go run ./exercises check 06-shm-key -c exercises/06-shm-key/solution/c/shm.c
 *
 *   shm writer PATH MESSAGE   make the segment ftok(PATH, 'S'), put MESSAGE in it,
 *                             say ready, wait for end of input, remove it
 *   shm reader PATH           find it by the key, mark it removed, print the
 *                             message, wait for end of input */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#define SIZE 4096

static void die(const char *what) { perror(what); exit(1); }

static void wait_for_eof(void) {
    char buf[512];
    while (read(0, buf, sizeof buf) > 0)
        ;
}

static int writer(const char *path, const char *msg) {
    key_t key = ftok(path, 'S');
    if (key == -1) die("ftok");
    int id = shmget(key, SIZE, IPC_CREAT | IPC_EXCL | 0600);
    if (id == -1) die("shmget");
    char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) die("shmat");
    snprintf(p, SIZE, "%s", msg);
    printf("ready\n");
    fflush(stdout);
    wait_for_eof();
    /* If no reader came, nobody has marked it yet; marking it twice is
     * harmless while a process is attached. */
    if (shmctl(id, IPC_RMID, NULL) == -1 && errno != EINVAL && errno != EIDRM) die("shmctl"); /* mutant nobody-calls-ipc-rmid: - */
    if (shmdt(p) == -1) die("shmdt");
    return 0;
}

static int reader(const char *path) {
    key_t key = ftok(path, 'S');
    if (key == -1) die("ftok");
    int id = shmget(key, 0, 0);
    if (id == -1) die("shmget");
    const char *p = shmat(id, NULL, SHM_RDONLY);
    if (p == (void *)-1) die("shmat");
    /* Both attached: mark it now, so kill -9 of either leaks nothing. */
    if (shmctl(id, IPC_RMID, NULL) == -1) die("shmctl"); /* mutant reader-forgets-ipc-rmid: - */ /* mutant nobody-calls-ipc-rmid: - */
    printf("%.*s\n", (int)strnlen(p, SIZE), p);
    fflush(stdout);
    wait_for_eof();
    if (shmdt(p) == -1) die("shmdt");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "writer") == 0) return writer(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "reader") == 0) return reader(argv[2]);
    fprintf(stderr, "usage: shm writer PATH MESSAGE | shm reader PATH\n");
    return 2;
}
