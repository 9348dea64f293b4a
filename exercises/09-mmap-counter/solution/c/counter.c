/* Reference solution of exercise 09-mmap-counter in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -o bin/counter exercises/09-mmap-counter/solution/c/counter.c
 * Check: go run ./exercises check 09-mmap-counter -c exercises/09-mmap-counter/solution/c/counter.c
 *
 *   counter wait /NAME TARGET   create the POSIX shared memory object /NAME (mode 0600),
 *                               say ready, sleep in futex until its counter reaches
 *                               TARGET, remove the name, print the count
 *   counter add /NAME K         open /NAME (this user's, nobody else may write it),
 *                               add 1 to the counter K times, wake the waiters */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIZE 4096

static void die(const char *what) { perror(what); exit(1); }

/* What the signal handler removes: "/dev/shm/NAME", set once it is ours. */
static char shm_path[PATH_MAX];
static volatile sig_atomic_t created;

/* shm_unlink is not async-signal-safe (signal-safety(7)); unlink is, and
 * glibc's shm_unlink("/NAME") is unlink("/dev/shm/NAME"). */
static void on_signal(int sig) {
    (void)sig;
    if (created) unlink(shm_path); /* mutant no-unlink: - */
    _exit(1);
}

static int wait_for(const char *name, unsigned long target) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* before the name exists: a signal at any moment after removes it */
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGHUP, &sa, NULL) == -1) die("sigaction");
    snprintf(shm_path, sizeof shm_path, "/dev/shm%s", name);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600); /* mutant mode-0666: int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0666); */
    if (fd == -1) die("shm_open");
    created = 1;
    if (ftruncate(fd, SIZE) == -1) die("ftruncate");
    void *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    close(fd);
    _Atomic uint32_t *count = p;
    printf("ready\n");
    fflush(stdout);
    uint32_t v;
    for (;;) {
        v = atomic_load(count);
        if (v >= target) break;
        /* Sleep while the counter still holds v. The kernel compares and
         * sleeps as one step, so an add (and its wake) between the load
         * and this call makes it return at once (EAGAIN): no lost wake.
         * FUTEX_WAIT, not FUTEX_WAIT_PRIVATE: the adders are other
         * processes, and a shared futex is known by its page. */
        if (syscall(SYS_futex, count, FUTEX_WAIT, v, NULL, NULL, 0) == -1 && errno != EAGAIN && errno != EINTR) die("futex(FUTEX_WAIT)"); /* mutant busy-wait: - */
    }
    if (shm_unlink(name) == -1) die("shm_unlink"); /* mutant no-unlink: - */
    created = 0;
    printf("%lu\n", (unsigned long)v);
    fflush(stdout);
    if (munmap(p, SIZE) == -1) die("munmap");
    return 0;
}

static int add(const char *name, unsigned long k) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1) die("shm_open");
    struct stat st;
    if (fstat(fd, &st) == -1) die("fstat");
    /* Someone else's object, or one others may write, is not ours to trust. */
    if (st.st_uid != geteuid() || (st.st_mode & 022) || st.st_size < SIZE) { /* mutant no-owner-check: if (st.st_size < SIZE) { */
        fprintf(stderr, "counter: %s: uid %d's, mode %04o, %lld bytes: not this user's, writable by others or too small: refusing it\n",
                name, (int)st.st_uid, (unsigned)(st.st_mode & 07777), (long long)st.st_size);
        return 1;
    }
    void *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    close(fd);
    _Atomic uint32_t *count = p;
    for (unsigned long i = 0; i < k; i++)
        atomic_fetch_add(count, 1); /* mutant plain-add: { volatile uint32_t *c = (volatile uint32_t *)count; *c = *c + 1; } */
    /* Wake every waiter once: each looks at the count again. */
    if (syscall(SYS_futex, count, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == -1) die("futex(FUTEX_WAKE)");
    if (munmap(p, SIZE) == -1) die("munmap");
    return 0;
}

static int valid_name(const char *s) {
    return s[0] == '/' && s[1] != '\0' && strchr(s + 1, '/') == NULL && strlen(s) < 200;
}

static int number(const char *s, unsigned long *n) {
    char *end;
    errno = 0;
    *n = strtoul(s, &end, 10);
    return s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0 && *n <= UINT32_MAX;
}

int main(int argc, char **argv) {
    unsigned long n;
    if (argc == 4 && valid_name(argv[2]) && number(argv[3], &n)) {
        if (strcmp(argv[1], "wait") == 0) return wait_for(argv[2], n);
        if (strcmp(argv[1], "add") == 0) return add(argv[2], n);
    }
    fprintf(stderr, "usage: counter wait /NAME TARGET | counter add /NAME K\n");
    return 2;
}
