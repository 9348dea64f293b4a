/*
 * ipcbench.c - the C peers of 09-compare: one process of a measured pair.
 *
 * 09-compare starts two processes of this program for every C measurement
 * (two of the Go port, its own binary in the role "peer", for every Go one),
 * hands them the kernel objects, and reads what they print. The protocol,
 * the buffers and the arguments are the same in both languages, so that the
 * only difference measured is the language and its runtime.
 *
 *   usage: ipcbench KEY=VALUE ...
 *
 *     mech=pipe|fifo|unix|msg|shm|ring|spin|signal|memcpy
 *     role=a|b         a pings or sends and takes the time; b answers or receives
 *     metric=rtt|tput  round trips, or a stream of chunks
 *     size=N           bytes per message (rtt) or per chunk (tput, memcpy)
 *     count=N          timed round trips (rtt), or bytes in all (tput, memcpy)
 *     warm=N           round trips before the timed ones (rtt)
 *     cpu=N            pin this process to CPU N (-1: leave it free)
 *     ctl=FD           09-compare writes "go PID TID" (the peer) here to start
 *     ready=FD         this program writes "PID TID" here once set up
 *     rfd=FD wfd=FD    pipe: the ends to read and to write; unix: rfd, the socket
 *     ab=PATH ba=PATH  fifo: the FIFO from a to b, and the one from b to a
 *     msqid=N          msg: the queue; a sends type 1 and b type 2
 *     shmid=N semid=N slots=N slotsize=N
 *                      shm: the segment holds two rings (a to b, then b to a)
 *                      of N slots; semaphore 2d is "full", 2d+1 "empty" for
 *                      direction d (a to b is 0)
 *     rfd=FD slots=N slotsize=N
 *                      ring, spin: rfd is a memfd holding two rings (a to b,
 *                      then b to a) of N slots (a power of two) of slotsize
 *                      bytes, laid out as struct ring below; ring sleeps in
 *                      futex(2) when it must wait, spin never calls the kernel
 *     spin=N           ring: looks at the other side's index before sleeping
 *     (signal)         SIGUSR1, blocked, taken by sigwaitinfo, sent with
 *                      tgkill to the thread named on the start line
 *
 * Output (standard output, at the end): "rtt N" and N round-trip times in
 * nanoseconds, one a line (role a, rtt); "tput BYTES NANOSECONDS" (role a,
 * tput and memcpy); "eintr N", the system calls retried after EINTR.
 *
 * Buffers are page-aligned (posix_memalign). A round trip stamps its number
 * in the first 8 bytes and the answer must carry it back; a stream stamps
 * each chunk with its sequence number and the receiver checks it: a broken
 * protocol fails instead of measuring nonsense.
 *
 *   gcc -Wall -Wextra -Werror -O2 -o ipcbench ipcbench.c
 */
#define _GNU_SOURCE /* sched_setaffinity, gettid, strerrorname_np (glibc 2.32) */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static unsigned long eintr; /* calls retried after EINTR */

static void die(const char *call)
{
	int e = errno;
	const char *name = strerrorname_np(e);

	fprintf(stderr, "ipcbench %d: error: %s failed: %s (%s)\n", (int)getpid(), call, name ? name : "?", strerror(e));
	exit(1);
}

static void fail(const char *why)
{
	fprintf(stderr, "ipcbench %d: error: %s\n", (int)getpid(), why);
	exit(1);
}

static void usage(const char *why, const char *arg)
{
	fprintf(stderr, "ipcbench: %s %s\nusage: ipcbench mech=M role=a|b metric=rtt|tput size=N count=N ... (see ipcbench.c)\n", why, arg);
	exit(2);
}

static void *page_alloc(size_t n)
{
	void *p;
	int err = posix_memalign(&p, PAGE, n ? n : 1);

	if (err != 0) {
		errno = err;
		die("posix_memalign");
	}
	memset(p, 0x5a, n); /* touch every page before the clock runs */
	return p;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The arguments, as KEY=VALUE. */
static const char *mech = "", *role = "", *metric = "", *fifo_ab = "", *fifo_ba = "";
static long size, count, warm, cpu = -1, ctl_fd = -1, ready_fd = -1, rfd = -1, wfd = -1;
static long msqid = -1, shmid = -1, semid = -1, slots = 1, slotsize, spin_limit = -1;

static long number(const char *arg, const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s)
		usage("not a number:", arg);
	return n;
}

static void parse(int argc, char **argv)
{
	static const struct {
		const char *key;
		const char **str;
		long *num;
	} keys[] = {
		{"mech", &mech, NULL}, {"role", &role, NULL}, {"metric", &metric, NULL},
		{"ab", &fifo_ab, NULL}, {"ba", &fifo_ba, NULL},
		{"size", NULL, &size}, {"count", NULL, &count}, {"warm", NULL, &warm},
		{"cpu", NULL, &cpu}, {"ctl", NULL, &ctl_fd}, {"ready", NULL, &ready_fd},
		{"rfd", NULL, &rfd}, {"wfd", NULL, &wfd}, {"msqid", NULL, &msqid},
		{"shmid", NULL, &shmid}, {"semid", NULL, &semid}, {"slots", NULL, &slots},
		{"slotsize", NULL, &slotsize}, {"spin", NULL, &spin_limit},
	};
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (eq == NULL)
			usage("not KEY=VALUE:", argv[i]);
		for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			if (strlen(keys[k].key) == (size_t)(eq - argv[i]) && strncmp(argv[i], keys[k].key, eq - argv[i]) == 0)
				break;
		}
		if (k == sizeof keys / sizeof keys[0])
			usage("unknown key:", argv[i]);
		if (keys[k].str)
			*keys[k].str = eq + 1;
		else
			*keys[k].num = number(argv[i], eq + 1);
	}
	if (strcmp(role, "a") != 0 && strcmp(role, "b") != 0)
		usage("role must be a or b:", role);
	if (size < 0 || count < 0 || warm < 0 || slots < 1)
		usage("negative size, count or warm, or no slot:", "");
}

/* ---- the links: one end of a two-way channel over each mechanism ---- */

/*
 * The ring of 11-mmap (11-mmap/c/ring.c), in the same layout, with its slot
 * count and slot size given at run time: a single-producer single-consumer
 * ring whose head and tail are C11 atomics, each index and each wait word
 * on a cache line of its own, then slots x slotsize bytes. With slots 1024
 * and slotsize 64 it is ring.c's struct ring byte for byte.
 *
 * mech=ring waits as ring.c does: it looks at the other side's index SPIN
 * times, then registers the index value it sleeps on (cons_wait = t + 1),
 * looks once more and sleeps in futex(FUTEX_WAIT) on the index, which the
 * kernel compares and sleeps on in one step; the other side, after storing
 * the index, wakes it only if the registration is the value it moved the
 * index from. ring.c's header says why no wake can be lost (and why a plain
 * "sleeping" flag cleared by the waker is not enough). mech=spin looks and
 * looks again, never calls the kernel: the limit of shared memory between
 * two CPUs on this machine.
 */
struct ring {
	_Atomic uint32_t head; /* messages written (the producer's) */
	uint32_t pad0[15];
	_Atomic uint32_t tail; /* messages read (the consumer's) */
	uint32_t pad1[15];
	_Atomic uint64_t cons_wait; /* 0, or 1 + the head value the consumer sleeps on */
	uint64_t pad2[7];
	_Atomic uint64_t prod_wait; /* 0, or 1 + the tail value the producer sleeps on */
	uint64_t pad3[7];
	char slot[]; /* slots x slotsize */
};

#define SPIN 2000 /* looks at the other side's index before sleeping: ring.c's, unless spin=N */

static size_t ring_bytes(void)
{
	return sizeof(struct ring) + (size_t)slots * (size_t)slotsize;
}

/*
 * send() sends the first n bytes of sbuf as one message; recv() receives
 * one message of n bytes (for a byte stream: exactly n bytes) and returns
 * where they are.
 */
struct link {
	char *sbuf;
	void (*send)(struct link *l, size_t n);
	char *(*recv)(struct link *l, size_t n);
	char *rbuf;
	int rfd, wfd;                   /* pipe, fifo, unix */
	struct msg { long mtype; char mtext[]; } *smsg, *rmsg; /* msg */
	long stype, rtype;
	char *ring[2];                  /* shm: my sending ring, my receiving ring */
	int sdir, rdir;
	unsigned long sidx, ridx;
	pid_t peer, peer_tid;           /* signal */
	sigset_t set;
	struct ring *rs, *rr;           /* ring, spin: the ring I send on, the one I receive from */
	uint32_t head, tail;            /* my copies of my ends' indexes */
	int spin_only;                  /* spin: never sleep */
};

static void fd_send(struct link *l, size_t n)
{
	const char *p = l->sbuf;

	while (n > 0) {
		ssize_t w = write(l->wfd, p, n);

		if (w < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (w < 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

static char *fd_recv(struct link *l, size_t n)
{
	char *p = l->rbuf;

	while (n > 0) {
		ssize_t r = read(l->rfd, p, n);

		if (r < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (r < 0)
			die("read");
		if (r == 0)
			fail("read: end of file: the peer is gone");
		p += r;
		n -= (size_t)r;
	}
	return l->rbuf;
}

static void msg_send(struct link *l, size_t n)
{
	while (msgsnd((int)msqid, l->smsg, n, 0) < 0) {
		if (errno != EINTR)
			die("msgsnd");
		eintr++;
	}
}

static char *msg_recv(struct link *l, size_t n)
{
	ssize_t r;

	while ((r = msgrcv((int)msqid, l->rmsg, n, l->rtype, 0)) < 0) {
		if (errno != EINTR)
			die("msgrcv");
		eintr++;
	}
	if ((size_t)r != n)
		fail("msgrcv: a message of the wrong size");
	return l->rmsg->mtext;
}

/* semaphore op on semaphore num of the set, retried after EINTR. */
static void sem(int num, int op)
{
	struct sembuf b = {(unsigned short)num, (short)op, 0};

	while (semop((int)semid, &b, 1) < 0) {
		if (errno != EINTR)
			die("semop");
		eintr++;
	}
}

static void shm_send(struct link *l, size_t n)
{
	sem(2 * l->sdir + 1, -1); /* P(empty): wait for a free slot */
	memcpy(l->ring[0] + (l->sidx % (unsigned long)slots) * (size_t)slotsize, l->sbuf, n);
	l->sidx++;
	sem(2 * l->sdir, 1); /* V(full) */
}

static char *shm_recv(struct link *l, size_t n)
{
	sem(2 * l->rdir, -1); /* P(full): wait for a filled slot */
	memcpy(l->rbuf, l->ring[1] + (l->ridx % (unsigned long)slots) * (size_t)slotsize, n);
	l->ridx++;
	sem(2 * l->rdir + 1, 1); /* V(empty) */
	return l->rbuf;
}

/* FUTEX_WAIT, not FUTEX_WAIT_PRIVATE: the peers map the ring at different
 * addresses, and a shared futex is known by the page it is on. */
static void futex_wait(_Atomic uint32_t *word, uint32_t seen)
{
	if (syscall(SYS_futex, word, FUTEX_WAIT, seen, NULL, NULL, 0) < 0) {
		if (errno == EINTR)
			eintr++; /* the caller looks again, as after a wake */
		else if (errno != EAGAIN) /* EAGAIN: the word moved before the sleep */
			die("futex(FUTEX_WAIT)");
	}
}

static void futex_wake(_Atomic uint32_t *word)
{
	if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0)
		die("futex(FUTEX_WAKE)");
}

/* ring_send is produce() of ring.c for one message: wait for a free slot,
 * copy the message in, publish it. */
static void ring_send(struct link *l, size_t n)
{
	struct ring *r = l->rs;
	uint32_t h = l->head, t;
	long spin;

	for (spin = 0; h - (t = atomic_load(&r->tail)) == (uint32_t)slots; spin++) {
		if (l->spin_only || spin < spin_limit)
			continue;
		atomic_store(&r->prod_wait, (uint64_t)t + 1);
		if (atomic_load(&r->tail) == t)
			futex_wait(&r->tail, t);
		atomic_store(&r->prod_wait, 0);
	}
	memcpy(r->slot + (size_t)(h % (uint32_t)slots) * (size_t)slotsize, l->sbuf, n);
	atomic_store(&r->head, h + 1);
	if (!l->spin_only && atomic_load(&r->cons_wait) == (uint64_t)h + 1) /* it sleeps on head == h */
		futex_wake(&r->head);
	l->head = h + 1;
}

/* ring_recv is consume() of ring.c for one message: wait for a full slot,
 * copy the message out, free the slot. */
static char *ring_recv(struct link *l, size_t n)
{
	struct ring *r = l->rr;
	uint32_t t = l->tail;
	long spin;

	for (spin = 0; atomic_load(&r->head) == t; spin++) {
		if (l->spin_only || spin < spin_limit)
			continue;
		atomic_store(&r->cons_wait, (uint64_t)t + 1);
		if (atomic_load(&r->head) == t)
			futex_wait(&r->head, t);
		atomic_store(&r->cons_wait, 0);
	}
	memcpy(l->rbuf, r->slot + (size_t)(t % (uint32_t)slots) * (size_t)slotsize, n);
	atomic_store(&r->tail, t + 1);
	if (!l->spin_only && atomic_load(&r->prod_wait) == (uint64_t)t + 1) /* it sleeps on tail == t */
		futex_wake(&r->tail);
	l->tail = t + 1;
	return l->rbuf;
}

static void sig_send(struct link *l, size_t n)
{
	(void)n;
	/* To the peer's thread, as the Go peer must do (see links.go); for
	 * a single-threaded C peer it is the same as kill(). */
	while (tgkill(l->peer, l->peer_tid, SIGUSR1) < 0) {
		if (errno != EINTR)
			die("tgkill");
		eintr++;
	}
}

static char *sig_recv(struct link *l, size_t n)
{
	siginfo_t info;

	(void)n;
	while (sigwaitinfo(&l->set, &info) < 0) {
		if (errno != EINTR)
			die("sigwaitinfo");
		eintr++;
	}
	return NULL;
}

/* setup gets everything ready that needs no peer: buffers, attachments. */
static void setup(struct link *l)
{
	size_t max = (size_t)(size > 8 ? size : 8);
	int a = strcmp(role, "a") == 0;

	memset(l, 0, sizeof *l);
	l->sbuf = page_alloc(max);
	l->rbuf = page_alloc(max);
	l->rfd = (int)rfd;
	l->wfd = (int)wfd;
	if (strcmp(mech, "pipe") == 0 || strcmp(mech, "fifo") == 0) {
		l->send = fd_send;
		l->recv = fd_recv;
	} else if (strcmp(mech, "unix") == 0) {
		l->wfd = l->rfd; /* one socket, both ways */
		l->send = fd_send;
		l->recv = fd_recv;
	} else if (strcmp(mech, "msg") == 0) {
		l->smsg = page_alloc(sizeof(long) + max);
		l->rmsg = page_alloc(sizeof(long) + max);
		l->stype = a ? 1 : 2;
		l->rtype = a ? 2 : 1;
		l->smsg->mtype = l->stype;
		l->sbuf = l->smsg->mtext;
		l->send = msg_send;
		l->recv = msg_recv;
	} else if (strcmp(mech, "shm") == 0) {
		char *seg = shmat((int)shmid, NULL, 0);

		if (seg == (void *)-1)
			die("shmat");
		if ((size_t)slotsize < max)
			fail("slotsize is smaller than the message");
		l->sdir = a ? 0 : 1;
		l->rdir = a ? 1 : 0;
		l->ring[0] = seg + (size_t)l->sdir * (size_t)slots * (size_t)slotsize;
		l->ring[1] = seg + (size_t)l->rdir * (size_t)slots * (size_t)slotsize;
		l->send = shm_send;
		l->recv = shm_recv;
	} else if (strcmp(mech, "ring") == 0 || strcmp(mech, "spin") == 0) {
		/* MAP_POPULATE: the pages are mapped now, no fault in the timed loop. */
		char *mem = mmap(NULL, 2 * ring_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)rfd, 0);

		if (mem == MAP_FAILED)
			die("mmap(ring)");
		if ((size_t)slotsize < max)
			fail("slotsize is smaller than the message");
		if ((slots & (slots - 1)) != 0)
			usage("slots must be a power of two (the indexes wrap at 2^32):", "");
		l->rs = (struct ring *)(mem + (a ? 0 : ring_bytes()));
		l->rr = (struct ring *)(mem + (a ? ring_bytes() : 0));
		l->spin_only = strcmp(mech, "spin") == 0;
		if (spin_limit < 0)
			spin_limit = SPIN;
		l->send = ring_send;
		l->recv = ring_recv;
	} else if (strcmp(mech, "signal") == 0) {
		/* Blocked, so that it stays pending until sigwaitinfo takes it:
		 * no handler runs, nothing interrupts. */
		sigemptyset(&l->set);
		sigaddset(&l->set, SIGUSR1);
		if (sigprocmask(SIG_BLOCK, &l->set, NULL) < 0)
			die("sigprocmask");
		l->send = sig_send;
		l->recv = sig_recv;
	} else if (strcmp(mech, "memcpy") != 0) {
		usage("unknown mech:", mech);
	}
}

/* connect does what needs the peer running: open the FIFOs (open blocks
 * until the other end is opened too), learn the peer's PID. */
static void connect_peer(struct link *l, pid_t peer, pid_t peer_tid)
{
	int a = strcmp(role, "a") == 0;
	const char *first = fifo_ab, *second = fifo_ba;
	int fd;

	l->peer = peer;
	l->peer_tid = peer_tid;
	if (strcmp(mech, "fifo") != 0)
		return;
	/* Both open a-to-b first, so neither waits for an open the other
	 * has not reached. */
	while ((fd = open(first, a ? O_WRONLY : O_RDONLY)) < 0) {
		if (errno != EINTR)
			die("open(fifo a-to-b)");
		eintr++;
	}
	if (a)
		l->wfd = fd;
	else
		l->rfd = fd;
	while ((fd = open(second, a ? O_RDONLY : O_WRONLY)) < 0) {
		if (errno != EINTR)
			die("open(fifo b-to-a)");
		eintr++;
	}
	if (a)
		l->rfd = fd;
	else
		l->wfd = fd;
}

static void stamp(char *buf, size_t n, uint64_t v)
{
	if (n >= 8)
		memcpy(buf, &v, 8);
}

static void check(const char *buf, size_t n, uint64_t want)
{
	uint64_t got;

	if (n < 8 || buf == NULL)
		return;
	memcpy(&got, buf, 8);
	if (got != want) {
		fprintf(stderr, "ipcbench %d: error: message %llu arrived as %llu\n", (int)getpid(),
			(unsigned long long)want, (unsigned long long)got);
		exit(1);
	}
}

static void ping(struct link *l)
{
	int64_t *samples = page_alloc(sizeof(int64_t) * (size_t)(count ? count : 1));
	long i;

	for (i = 0; i < warm + count; i++) {
		int64_t t0, t1;
		char *r;

		stamp(l->sbuf, (size_t)size, (uint64_t)i);
		t0 = now_ns();
		l->send(l, (size_t)size);
		r = l->recv(l, (size_t)size);
		t1 = now_ns();
		check(r, (size_t)size, (uint64_t)i);
		if (i >= warm)
			samples[i - warm] = t1 - t0;
	}
	printf("rtt %ld\n", count);
	for (i = 0; i < count; i++)
		printf("%lld\n", (long long)samples[i]);
}

static void pong(struct link *l)
{
	long i;

	for (i = 0; i < warm + count; i++) {
		check(l->recv(l, (size_t)size), (size_t)size, (uint64_t)i);
		stamp(l->sbuf, (size_t)size, (uint64_t)i);
		l->send(l, (size_t)size);
	}
}

/* send_stream: wait for the receiver's "ready", then time the chunks until
 * its acknowledgement of the last one. */
static void send_stream(struct link *l)
{
	uint64_t seq = 0;
	long sent;
	int64_t t0, t1;

	l->recv(l, 1); /* the handshake: the receiver is waiting */
	t0 = now_ns();
	for (sent = 0; sent < count; sent += size) {
		stamp(l->sbuf, (size_t)size, seq++);
		l->send(l, (size_t)size);
	}
	l->recv(l, 1); /* the acknowledgement: everything arrived */
	t1 = now_ns();
	printf("tput %ld %lld\n", count, (long long)(t1 - t0));
}

static void recv_stream(struct link *l)
{
	uint64_t seq = 0;
	long got;

	l->sbuf[0] = 1;
	l->send(l, 1);
	for (got = 0; got < count; got += size)
		check(l->recv(l, (size_t)size), (size_t)size, seq++);
	l->send(l, 1);
}

/* memcpy_bandwidth copies count bytes in chunks of size from one buffer
 * into a ring of slots, as one side of the shared memory stream does,
 * with no peer and no semaphore: the speed limit of that stream. */
static void memcpy_bandwidth(void)
{
	char *src = page_alloc((size_t)size);
	char *ring = page_alloc((size_t)size * (size_t)slots);
	long done, i = 0;
	int64_t t0, t1;

	for (i = 0; i < slots; i++) /* once round the ring, untimed */
		memcpy(ring + (size_t)i * (size_t)size, src, (size_t)size);
	__asm__ volatile("" : : "r"(ring) : "memory");
	i = 0;
	t0 = now_ns();
	for (done = 0; done < count; done += size, i++) {
		memcpy(ring + (size_t)(i % slots) * (size_t)size, src, (size_t)size);
		__asm__ volatile("" : : "r"(ring) : "memory"); /* keep every copy */
	}
	t1 = now_ns();
	printf("tput %ld %lld\n", count, (long long)(t1 - t0));
}

/* read_start reads "go PID TID\n" from the control pipe. */
static void read_start(pid_t *peer, pid_t *peer_tid)
{
	char line[64];
	size_t n = 0;
	long pid, tid;

	while (n < sizeof line - 1) {
		ssize_t r = read((int)ctl_fd, line + n, 1);

		if (r < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (r < 0)
			die("read(ctl)");
		if (r == 0)
			fail("the control pipe closed before the start line");
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (sscanf(line, "go %ld %ld", &pid, &tid) != 2)
		fail("a malformed start line");
	close((int)ctl_fd);
	*peer = (pid_t)pid;
	*peer_tid = (pid_t)tid;
}

int main(int argc, char **argv)
{
	struct link l;
	pid_t peer, peer_tid;
	int a;

	parse(argc, argv);
	a = strcmp(role, "a") == 0;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0)
			die("sched_setaffinity");
	}
	setup(&l);
	if (ready_fd >= 0) {
		if (dprintf((int)ready_fd, "%d %d\n", (int)getpid(), (int)gettid()) < 0)
			die("write(ready)");
		close((int)ready_fd);
	}
	read_start(&peer, &peer_tid);
	if (strcmp(mech, "memcpy") == 0) {
		memcpy_bandwidth();
	} else {
		connect_peer(&l, peer, peer_tid);
		if (strcmp(metric, "rtt") == 0)
			a ? ping(&l) : pong(&l);
		else if (strcmp(metric, "tput") == 0)
			a ? send_stream(&l) : recv_stream(&l);
		else
			usage("metric must be rtt or tput:", metric);
	}
	printf("eintr %lu\n", eintr);
	if (fflush(stdout) != 0)
		die("write(stdout)");
	return 0;
}
