/*
 * fifo_read.c - make a FIFO, open it without blocking and report what each
 * read() finds: no writer, no data yet, or the bytes a writer sent.
 *
 *     usage: fifo_read PATH [COUNT]
 *
 * PATH is made with mode 0600 if it does not exist (and then removed at the
 * end); COUNT messages are read before the program ends (default 0: forever,
 * until Ctrl-C, SIGTERM, SIGHUP or a closed standard output, which also
 * remove the FIFO).
 *
 * From the article "进程间IPC机制" (Linux IPC), section 5 "命名管道(FIFO)",
 * where this program is printed under the name fifo_write.c: the article
 * swapped the two names. Corrections against the article (see ../README.md,
 * errata):
 *   - named for what it does: this program reads;
 *   - mkfifo(FIFO, O_CREAT|O_EXCL) passed open()'s flags as the mode (0300):
 *     the mode is 0600; an existing path is used only if it is a FIFO of
 *     this user that nobody else may write to (fstat after open(): another
 *     user may have planted it), and it is never removed;
 *   - the fixed /tmp/myfifo is replaced by a path on the command line;
 *   - "/n" -> "\n" in every printf, and stdout is line-buffered, so that a
 *     pipe sees each line as it is printed;
 *   - "Preparing for reading bytes..." is printed after open() succeeds,
 *     when a writer can really find the reader;
 *   - "read %s from FIFO" was printed after every read(), also after EAGAIN
 *     (an empty string) and on end of file; now each state is reported once
 *     when it begins, and only bytes actually read are printed;
 *   - read() is given the buffer's size, and the bytes are printed by count
 *     (the article read 100 bytes into a 100-byte buffer, then printed it as
 *     a string with no room for the terminating NUL);
 *   - sleep(1) is replaced by poll() with a 1000 ms timeout, which wakes as
 *     soon as data arrives; after the last writer leaves, poll() reports
 *     POLLHUP at once, every time, so the FIFO is then reopened;
 *   - the endless loop made unlink() unreachable: the loop ends after COUNT
 *     messages or on SIGINT, SIGTERM, SIGHUP (the terminal closed) or SIGPIPE
 *     (standard output closed: "| head"), and the FIFO is unlinked if we
 *     made it;
 *   - main() is declared int and returns a status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* report prints a state when it begins, so that the terminal is not flooded. */
static void report(const char **state, const char *now)
{
	if (*state != now) {
		printf("%s\n", now);
		*state = now;
	}
}

int main(int argc, char **argv)
{
	static const char no_data[] = "no data yet";
	static const char no_writer[] = "no writer";
	const char *fifo, *state = NULL;
	char buf_r[PIPE_BUF], *end;
	long count = 0, got = 0;
	int fd, nfd, made = 0, hup = 0, status = 0;
	ssize_t nread;
	struct stat st;
	struct sigaction sa;
	struct pollfd pfd;

	if (argc < 2 || argc > 3 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: fifo_read PATH [COUNT]\n");
		return 2;
	}
	fifo = argv[1];
	if (argc == 3) {
		errno = 0;
		count = strtol(argv[2], &end, 10);
		if (errno != 0 || end == argv[2] || *end != '\0' || count < 0) {
			fprintf(stderr, "usage: fifo_read PATH [COUNT]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* No SA_RESTART: a signal makes poll() return EINTR, and the loop ends.
	 * SIGPIPE comes from a printf() into a closed standard output. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	if (mkfifo(fifo, 0600) == 0) {
		made = 1;
	} else if (errno != EEXIST) {
		perror("cannot create fifo");
		return 1;
	}

	fd = open(fifo, O_RDONLY | O_NONBLOCK);
	if (fd == -1) {
		perror("open");
		if (made)
			unlink(fifo);
		return 1;
	}
	/* The file really opened, whatever the path names now. */
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "%s exists and is not a FIFO\n", fifo);
		return 1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr, "refusing %s: a FIFO of uid %ld, mode %03o: only a FIFO of this user (uid %ld) that nobody else may write to is used\n",
			fifo, (long)st.st_uid, (unsigned)(st.st_mode & 0777), (long)geteuid());
		return 1; /* not ours: never unlinked, even if we had made one there */
	}
	printf("Preparing for reading bytes...\n");

	for (;;) {
		nread = read(fd, buf_r, sizeof buf_r);
		if (nread == -1) {
			if (errno != EAGAIN) {
				perror("read");
				status = 1;
				break;
			}
			report(&state, no_data); /* a writer has it open, it is empty */
		} else if (nread == 0) {
			report(&state, no_writer); /* end of file: nobody writes */
			if (hup) {
				/* A fresh open() reports POLLHUP only after a new
				 * writer has come and gone. Open it before closing
				 * the old one, so the FIFO always has a reader. */
				nfd = open(fifo, O_RDONLY | O_NONBLOCK);
				if (nfd == -1 || dup2(nfd, fd) == -1) {
					perror("reopen");
					status = 1;
					break;
				}
				close(nfd);
				hup = 0;
			}
		} else {
			printf("read \"%.*s\" from FIFO\n", (int)nread, buf_r);
			state = NULL;
			got++;
		}
		if (stop_signal || (count > 0 && got >= count))
			break;
		/* A signal between the test above and poll() is seen after at
		 * most 1000 ms; ppoll() with a signal mask would close that gap. */
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR) {
			perror("poll");
			status = 1;
			break;
		}
		hup = (pfd.revents & POLLHUP) != 0;
		if (stop_signal)
			break;
	}

	close(fd);
	if (made)
		unlink(fifo);
	if (stop_signal) {
		/* die of the signal, as the shell expects */
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return status;
}
