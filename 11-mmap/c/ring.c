/*
 * ring.c - a single-producer single-consumer ring in shared memory that
 * calls the kernel only when a side must sleep: head and tail are C11
 * atomics, and a side that finds the ring empty (or full) spins a little,
 * then sleeps in futex(FUTEX_WAIT) on the other side's index. The other
 * side calls futex(FUTEX_WAKE) only for the store that moves the index the
 * sleeper registered.
 *
 *   ring [N]               fork: the child sends N messages (default 100000),
 *                          the parent receives them
 *   ring produce|consume N one side only, on the ring mapped from fd 3
 *                          (a memfd or file of RING_BYTES, zeroed, made by
 *                          whoever started it: the Go port, for one)
 *
 * Why a wake cannot be lost. The consumer, finding head == t, registers
 * cons_wait = t + 1 ("I sleep while head is t"), looks at head once more,
 * and calls FUTEX_WAIT(&head, t), which sleeps only if head is still t:
 * the kernel compares and sleeps in one step. The producer stores head,
 * then reads cons_wait and wakes if the consumer registered the value it
 * just moved head from. All four accesses are sequentially consistent, so
 * either the producer reads the registration and wakes (a wake before the
 * consumer sleeps makes FUTEX_WAIT fail with EAGAIN, as head moved), or
 * the consumer's second look sees the new head and it does not sleep.
 * A plain "sleeping" flag that the waker clears is not enough: a producer
 * delayed between storing head and reading the flag can take a flag set
 * for a later sleep, wake nobody, and leave the consumer asleep for good.
 *
 * FUTEX_WAIT, not FUTEX_WAIT_PRIVATE: the two processes map the memory at
 * different addresses, and a shared futex is known by the page it is on.
 *
 * Reconstructed: article 003 names shared memory as the fastest IPC and
 * prints no code for it; this shows what makes it fast.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS 1024 /* a power of two */
#define SLOT 64    /* bytes per message: a 4-byte sequence number, then text */
#define SPIN 2000  /* looks at the other side's index before sleeping */

struct ring {
	_Atomic uint32_t head; /* messages written (the producer's) */
	uint32_t pad0[15];
	_Atomic uint32_t tail; /* messages read (the consumer's) */
	uint32_t pad1[15];
	_Atomic uint64_t cons_wait; /* 0, or 1 + the head value the consumer sleeps on */
	uint64_t pad2[7];
	_Atomic uint64_t prod_wait; /* 0, or 1 + the tail value the producer sleeps on */
	uint64_t pad3[7];
	char slot[SLOTS][SLOT];
};

#define RING_BYTES sizeof(struct ring) /* 65792 */

static long waits, wakes;

static void futex_wait(_Atomic uint32_t *word, uint32_t seen)
{
	waits++;
	if (syscall(SYS_futex, word, FUTEX_WAIT, seen, NULL, NULL, 0) < 0 && errno != EAGAIN && errno != EINTR) {
		perror("futex(FUTEX_WAIT)");
		exit(1);
	}
}

static void futex_wake(_Atomic uint32_t *word)
{
	wakes++;
	if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0) {
		perror("futex(FUTEX_WAKE)");
		exit(1);
	}
}

static void produce(struct ring *r, uint32_t n)
{
	uint32_t h, t;
	int spin;

	for (h = 0; h < n; h++) {
		for (spin = 0; h - (t = atomic_load(&r->tail)) == SLOTS; spin++) {
			if (spin < SPIN)
				continue;
			atomic_store(&r->prod_wait, (uint64_t)t + 1);
			if (atomic_load(&r->tail) == t)
				futex_wait(&r->tail, t);
			atomic_store(&r->prod_wait, 0);
		}
		memcpy(r->slot[h % SLOTS], &h, sizeof h);
		snprintf(r->slot[h % SLOTS] + sizeof h, SLOT - sizeof h, "message %u", h);
		atomic_store(&r->head, h + 1);
		if (atomic_load(&r->cons_wait) == (uint64_t)h + 1) /* it sleeps on head == h */
			futex_wake(&r->head);
	}
}

static int consume(struct ring *r, uint32_t n)
{
	uint32_t t, h, seq;
	int spin;

	for (t = 0; t < n; t++) {
		for (spin = 0; (h = atomic_load(&r->head)) == t; spin++) {
			if (spin < SPIN)
				continue;
			atomic_store(&r->cons_wait, (uint64_t)t + 1);
			if (atomic_load(&r->head) == t)
				futex_wait(&r->head, t);
			atomic_store(&r->cons_wait, 0);
		}
		memcpy(&seq, r->slot[t % SLOTS], sizeof seq);
		if (seq != t) {
			fprintf(stderr, "ring: message %u carries %u: out of order\n", t, seq);
			return 1;
		}
		atomic_store(&r->tail, t + 1);
		if (atomic_load(&r->prod_wait) == (uint64_t)t + 1) /* it sleeps on tail == t */
			futex_wake(&r->tail);
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct ring *r;
	uint32_t n = 100000;
	pid_t pid;
	int status, bad;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && (strcmp(argv[1], "produce") == 0 || strcmp(argv[1], "consume") == 0)) {
		n = strtoul(argv[2], NULL, 10);
		r = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
		if (r == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		if (argv[1][0] == 'p') {
			produce(r, n);
			printf("producer %d: sent %u messages; futex: %ld waits, %ld wakes\n", (int)getpid(), n, waits, wakes);
			return 0;
		}
		bad = consume(r, n);
		printf("consumer %d: received %u messages in order; futex: %ld waits, %ld wakes\n", (int)getpid(), n, waits, wakes);
		return bad;
	}
	if (argc > 2 || (argc == 2 && (n = strtoul(argv[1], NULL, 10)) == 0)) {
		fprintf(stderr, "usage: ring [N] | ring produce|consume N (the ring on fd 3)\n");
		return 2;
	}
	r = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		produce(r, n);
		printf("producer %d: sent %u messages; futex: %ld waits, %ld wakes\n", (int)getpid(), n, waits, wakes);
		exit(0);
	}
	bad = consume(r, n);
	if (waitpid(pid, &status, 0) < 0) { /* first, so the producer's line comes before ours */
		perror("waitpid");
		return 1;
	}
	printf("consumer %d: received %u messages in order; futex: %ld waits, %ld wakes\n", (int)getpid(), n, waits, wakes);
	return bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}
