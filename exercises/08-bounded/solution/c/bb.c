/* Reference solution of exercise 08-bounded in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -o bin/bb exercises/08-bounded/solution/c/bb.c
 * Check: go run ./exercises check 08-bounded -c exercises/08-bounded/solution/c/bb.c
 *
 *   bb producer PATH CONSUMERS   make the set and the segment ftok(PATH, 'B'),
 *                                say ready, put every number read from standard
 *                                input, then one 0 per consumer; wait until every
 *                                consumer is done, remove both
 *   bb consumer PATH             take items and print them until a 0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/shm.h> /* mutant consumers-sleep-look-waiting-in: #include <sys/shm.h>\n#include <unistd.h> */

#define SLOTS 8
enum { MUTEX, EMPTY, FULL, DONE };

struct ring {
    long slot[SLOTS];
    long in, out; /* the next slot to fill, to empty */
};

union semun { int val; struct semid_ds *buf; unsigned short *array; };

static void die(const char *what) { perror(what); exit(1); }

static void op(int semid, unsigned short num, short delta) {
    struct sembuf b = {num, delta, 0}; /* mutant sem-undo-on-every-operation: struct sembuf b = {num, delta, SEM_UNDO}; */
    while (semop(semid, &b, 1) == -1)
        if (errno != EINTR) die("semop");
}

static int producer(const char *path, int consumers) {
    key_t key = ftok(path, 'B');
    if (key == -1) die("ftok");
    int semid = semget(key, 4, IPC_CREAT | IPC_EXCL | 0600);
    if (semid == -1) die("semget");
    unsigned short init[4] = {1, SLOTS, 0, 0};
    union semun arg = {.array = init};
    if (semctl(semid, 0, SETALL, arg) == -1) die("semctl SETALL");
    int shmid = shmget(key, sizeof(struct ring), IPC_CREAT | IPC_EXCL | 0600);
    if (shmid == -1) die("shmget");
    struct ring *r = shmat(shmid, NULL, 0);
    if (r == (void *)-1) die("shmat");
    printf("ready\n");
    fflush(stdout);

    long v;
    int ends = 0;
    for (;;) {
        if (scanf("%ld", &v) != 1) {
            if (ends == consumers) break;
            v = 0; /* one end mark for each consumer */
            ends++;
        }
        op(semid, EMPTY, -1); /* P(empty): wait for a free slot */
        op(semid, MUTEX, -1);
        r->slot[r->in] = v;
        r->in = (r->in + 1) % SLOTS;
        op(semid, MUTEX, 1);
        op(semid, FULL, 1); /* V(full): one more item */
    }
    op(semid, DONE, -consumers); /* all have taken their end mark */
    if (semctl(semid, 0, IPC_RMID) == -1) die("semctl IPC_RMID"); /* mutant producer-forgets-remove-set: - */
    if (shmdt(r) == -1) die("shmdt");
    if (shmctl(shmid, IPC_RMID, NULL) == -1) die("shmctl IPC_RMID");
    return 0;
}

static int consumer(const char *path) {
    key_t key = ftok(path, 'B');
    if (key == -1) die("ftok");
    int semid = semget(key, 0, 0);
    if (semid == -1) die("semget");
    int shmid = shmget(key, 0, 0);
    if (shmid == -1) die("shmget");
    struct ring *r = shmat(shmid, NULL, 0);
    if (r == (void *)-1) die("shmat");
    for (;;) {
        op(semid, FULL, -1); /* P(full): sleep until there is an item */ /* mutant sem-undo-in-consumers: semop(semid, &(struct sembuf){FULL, -1, SEM_UNDO}, 1); */ /* mutant consumers-sleep-look-waiting-in: while (semctl(semid, FULL, GETVAL) == 0) usleep(1000);\n        op(semid, FULL, -1); */
        op(semid, MUTEX, -1);
        long v = r->slot[r->out];
        r->out = (r->out + 1) % SLOTS;
        op(semid, MUTEX, 1);
        op(semid, EMPTY, 1); /* V(empty): one more free slot */ /* mutant sem-undo-in-consumers: semop(semid, &(struct sembuf){EMPTY, 1, SEM_UNDO}, 1); */
        if (v == 0) break;
        printf("%ld\n", v);
    }
    if (fflush(stdout) != 0) die("fflush");
    if (shmdt(r) == -1) die("shmdt");
    op(semid, DONE, 1); /* last: the producer may remove everything now */
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "producer") == 0) return producer(argv[2], atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "consumer") == 0) return consumer(argv[2]);
    fprintf(stderr, "usage: bb producer PATH CONSUMERS | bb consumer PATH\n");
    return 2;
}
