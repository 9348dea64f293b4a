/* Reference solution of exercise 03-fifo-server in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -o bin/fifo exercises/03-fifo-server/solution/c/fifo.c
 * Check: go run ./exercises check 03-fifo-server -c exercises/03-fifo-server/solution/c/fifo.c
 *
 *   fifo server PATH            mkfifo PATH, say ready, open it for reading (this
 *                               waits for a writer), copy everything to standard
 *                               output until end of file, unlink PATH
 *   fifo writer PATH ID COUNT   open PATH for writing, write COUNT records of 4096
 *                               bytes, each with one write() */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE PIPE_BUF /* 4096 on Linux: the most one write() keeps whole */

static void die(const char *what) { perror(what); exit(1); }

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) die("write");
        p += w;
        n -= w;
    }
}

static int server(const char *path) {
    if (mkfifo(path, 0600) < 0) die("mkfifo");
    printf("ready\n");
    fflush(stdout);
    int fd = open(path, O_RDONLY); /* blocks until a writer opens it */ /* mutant server-opens-with-o-nonblock: int fd = open(path, O_RDONLY | O_NONBLOCK); */
    if (fd < 0) die("open");
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) write_all(1, buf, n);
    if (n < 0) die("read");
    close(fd);
    if (unlink(path) < 0) die("unlink"); /* mutant server-forgets-unlink-fifo: - */
    return 0;
}

static int writer(const char *path, int id, int count) {
    int fd = open(path, O_WRONLY); /* blocks until the reader opens it */
    if (fd < 0) die("open");
    char rec[SIZE];
    for (int i = 0; i < count; i++) {
        int h = snprintf(rec, sizeof rec, "writer %d record %d ", id, i);
        memset(rec + h, 'a' + id, SIZE - h - 1);
        rec[SIZE - 1] = '\n';
        /* One write() of at most PIPE_BUF bytes: it is never split. */
        if (write(fd, rec, SIZE) != SIZE) die("write"); /* mutant record-in-two-writes: write_all(fd, rec, h);\n        write_all(fd, rec + h, SIZE - h); */
    }
    if (close(fd) < 0) die("close");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) return server(argv[2]);
    if (argc == 5 && strcmp(argv[1], "writer") == 0) return writer(argv[2], atoi(argv[3]), atoi(argv[4]));
    fprintf(stderr, "usage: fifo server PATH | fifo writer PATH ID COUNT\n");
    return 2;
}
