//go:build linux && (amd64 || arm64)

package main

// shm_reader.go is the Go port of c/shm_reader.c, -attach SHMID: attach a
// segment someone else made and filled (06-shm -hold written, or
// c/shm_writer.c) read-only, print what it holds, detach. The C
// program's READY_FD handshake is what the child of shmadd.c does (its
// port is shmaddChild, in shmadd.go), so -attach takes no READY_FD.

import (
	"bytes"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// shmReader is main() of shm_reader.c, for -attach ARG.
func shmReader(arg string) {
	cleanup.Catch("reader")
	me := say.New("reader")
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: common/say writes each line with one write(2), unbuffered.
	// if (argc < 2 || argc > 3)
	// usage("want SHMID and an optional READY_FD");
	// Go: main.go's flags; -attach takes one value.
	// if ((shmid = number(argv[1])) < 0)
	// usage("SHMID must be a number >= 0, as ipcs -m shows");
	shmid := number(arg)
	// if (argc == 3 && (ready = number(argv[2])) < 0)
	// usage("READY_FD must be a descriptor number");
	// not ported: no READY_FD (see below).
	if shmid < 0 {
		readerUsage("-attach: %q is not a shmid (a number >= 0, as ipcs -m shows)", arg)
	}
	// addr = shmat((int)shmid, NULL, SHM_RDONLY);
	addr, err := unix.SysvShmAttach(shmid, 0, childAtFlags)
	// if (addr == (void *)-1)
	// die("shmat");
	if err != nil {
		readerDie(me, shmatCall(strconv.Itoa(shmid), childAtFlags), err)
	}
	// if (shmctl((int)shmid, IPC_STAT, &ds) == -1) /* for the size */
	// die("shmctl(IPC_STAT)");
	// Go: len(addr) is the size; showSegment does IPC_STAT to show the rest.
	// printf("reader %d: shmat(shmid %ld, NULL, SHM_RDONLY): attached %zu bytes, read-only (a C program)\n", (int)getpid(), shmid, ds.shm_segsz);
	me.Printf("%s: attached %d bytes, read-only",
		shmatCall("shmid "+strconv.Itoa(shmid), childAtFlags), len(addr))
	showMapping(me, shmid)
	showSegment(me, shmid)
	if ds, err := stat(shmid); err == nil && ds.Perm.Mode&shmDest != 0 {
		me.Printf("the segment is marked for removal, and Linux still let me attach it")
	}
	// if (ready >= 0) {
	// if (write((int)ready, "attached\n", 9) != 9)
	// die("write(READY_FD)");
	// close((int)ready);
	// while ((n = read(0, buf, sizeof buf)) > 0)
	// if (n == -1)
	// die("read");
	// not ported: -attach reads at once. The reader that says it is attached
	// and waits for end of file is shmaddChild (shmadd.go), or this C program.

	// printf("reader %d: Client get %.*s\n", (int)getpid(), (int)strnlen(addr, ds.shm_segsz), addr);
	// Go: up to the first NUL and never past the segment.
	n := bytes.IndexByte(addr, 0)
	if n < 0 {
		n = len(addr)
	}
	me.Printf("Client get %s", string(addr[:n]))
	// if (shmdt(addr) == -1)
	// die("shmdt");
	if err := unix.SysvShmDetach(addr); err != nil {
		readerDie(me, "shmdt", err)
	}
	// printf("reader %d: shmdt: detached\n", (int)getpid());
	me.Printf("shmdt: detached (%d bytes read)", n)
	showSegment(me, shmid)
	// return 0;
	cleanup.Exit(0)
}

// number is shm_reader.c's number(): a whole decimal argument >= 0 that
// fits an int, or -1.
func number(s string) int {
	// v = strtol(s, &end, 10);
	v, err := strconv.ParseInt(s, 10, 64)
	// if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 0x7fffffff)
	if err != nil || v < 0 || v > 0x7fffffff {
		return -1
	}
	return int(v)
}

// readerDie is shm_reader.c's die(): the call, its errno by name and what
// it means here, exit 1.
func readerDie(me *say.Speaker, call string, err error) {
	// const char *name = strerrorname_np(e);
	// fprintf(stderr, "reader %d: error: %s failed: %s (%s)\n", (int)getpid(), call, name ? name : "?", strerror(e));
	// exit(1);
	// Go: say.Fatal prints it and exits 1.
	me.Fatal(syserr.Wrap(call, err, shmatMeanings))
}

// readerUsage is shm_reader.c's usage(): why, and the usage, exit 2.
func readerUsage(format string, args ...interface{}) {
	// fprintf(stderr, "shm_reader: %s\nusage: shm_reader SHMID [READY_FD]\n", why);
	// exit(2);
	cmdline.Usage(usage, format, args...)
}
