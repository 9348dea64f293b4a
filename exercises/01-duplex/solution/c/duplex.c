/* Reference solution of exercise 01-duplex in C (see ../../README.md).
 * Build: gcc -Wall -Wextra -o bin/duplex exercises/01-duplex/solution/c/duplex.c
 * Check: go run ./exercises check 01-duplex -c exercises/01-duplex/solution/c/duplex.c
 *
 * The parent forks a squarer (reads numbers on one pipe, writes squares on
 * the other) and a feeder (copies standard input into the numbers pipe),
 * and itself copies the squares to standard output: feeding and reading
 * happen at the same time, so no pipe stays full. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h> /* mutant parent-sleeps-instead-of-reading: #include <unistd.h>\n#include <fcntl.h> */

static void die(const char *what) { perror(what); exit(1); }

/* copy copies in to out until end of file. */
static void copy(int in, int out) {
    char buf[4096];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, n - off);
            if (w < 0) die("write");
            off += w;
        }
    }
    if (n < 0) die("read");
}

static void square(int in, int out) {
    FILE *r = fdopen(in, "r"), *w = fdopen(out, "w");
    long long n;
    if (!r || !w) die("fdopen");
    while (fscanf(r, "%lld", &n) == 1)
        fprintf(w, "%lld\n", n * n);
    if (fclose(w) != 0) die("fclose");
}

int main(void) {
    int num[2], sq[2];
    if (pipe(num) < 0 || pipe(sq) < 0) die("pipe");

    pid_t squarer = fork();
    if (squarer < 0) die("fork");
    if (squarer == 0) {
        close(num[1]); /* or it never sees end of file on num[0] */ /* mutant squarer-keeps-write-end-numbers: - */
        close(sq[0]);
        square(num[0], sq[1]);
        _exit(0);
    }
    close(num[0]);
    close(sq[1]); /* or the parent never sees end of file on sq[0] */ /* mutant parent-keeps-write-end-squares: - */

    pid_t feeder = fork(); /* mutant parent-writes-everything-before-it: pid_t feeder = -1;\n    copy(0, num[1]); */
    if (feeder < 0) die("fork"); /* mutant parent-writes-everything-before-it: - */
    if (feeder == 0) { /* mutant parent-writes-everything-before-it: - */
        close(sq[0]); /* mutant parent-writes-everything-before-it: - */
        copy(0, num[1]); /* mutant parent-writes-everything-before-it: - */
        _exit(0); /* mutant parent-writes-everything-before-it: - */
    } /* mutant parent-writes-everything-before-it: - */
    close(num[1]);

    copy(sq[0], 1); /* mutant parent-sleeps-instead-of-reading: usleep(500000);\n    fcntl(sq[0], F_SETFL, O_NONBLOCK);\n    { char b[65536]; ssize_t n = read(sq[0], b, sizeof b); if (n > 0 && write(1, b, n) != n) die("write"); } */ /* mutant parent-reads-once: { char b[65536]; ssize_t n = read(sq[0], b, sizeof b); if (n > 0 && write(1, b, n) != n) die("write"); } */
    int st1, st2;
    if (waitpid(feeder, &st1, 0) < 0 || waitpid(squarer, &st2, 0) < 0) die("waitpid"); /* mutant no-waitpid-zombies: st1 = st2 = 0; */
    return st1 == 0 && st2 == 0 ? 0 : 1;
}
