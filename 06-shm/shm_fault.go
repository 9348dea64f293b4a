//go:build linux && (amd64 || arm64)

package main

// shm_fault.go is the Go port of c/shm_fault.c, the child of -fault: attach
// a segment, read it, detach it, read it again. The mapping is gone, so
// the last read faults (SIGSEGV) in Go as in C, but the two do not end the
// same way: the kernel kills the C program with SIGSEGV, while the Go
// runtime catches the signal, prints "unexpected fault address ... fatal
// error: fault" and exits with status 2 (sigpanic in runtime/signal_unix.go,
// fatalthrow in runtime/panic.go); with GOTRACEBACK=crash it raises SIGABRT
// instead. The parent that runs either and shows how it ended is in
// faultdemo.go.

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// shmFault is main() of shm_fault.c, the role "fault".
func shmFault(args []string) {
	cleanup.Catch("child")
	me := say.New("child")
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: common/say writes each line with one write(2), unbuffered.
	// if (argc != 2 || (shmid = strtol(argv[1], &end, 10)) < 0 || *end != '\0' || end == argv[1]) {
	// fprintf(stderr, "usage: shm_fault SHMID\n");
	// exit(2);
	// Go: the parent passes the argument; a wrong one is its bug (exit 1).
	shmid := shmidArg(me, args)
	// prctl(PR_SET_DUMPABLE, 0);
	// No core file from this demo (GOTRACEBACK=crash would ask for one): a
	// process that is not dumpable gets the same signal, without the dump.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		me.Fatal(syserr.Wrap("prctl(PR_SET_DUMPABLE)", err, nil))
	}
	// addr = shmat((int)shmid, NULL, SHM_RDONLY);
	addr, err := unix.SysvShmAttach(shmid, 0, childAtFlags)
	// if (addr == (void *)-1)
	// die("shmat");
	if err != nil {
		faultDie(me, shmatCall(strconv.Itoa(shmid), childAtFlags), err)
	}
	// printf("reader %d: shmat: attached; addr[0] = %d\n", (int)getpid(), addr[0]);
	me.Printf("%s: attached; addr[0] = %d", shmatCall("shmid "+strconv.Itoa(shmid), childAtFlags), addr[0])
	// if (shmdt((const void *)addr) == -1)
	// die("shmdt");
	if err := unix.SysvShmDetach(addr); err != nil {
		faultDie(me, "shmdt", err)
	}
	// printf("reader %d: shmdt: detached; now reading addr[0] again (a C program)\n", (int)getpid());
	me.Printf("shmdt: detached; now reading addr[0] again (the slice still has len %d)", len(addr))
	// printf("reader %d: addr[0] = %d\n", (int)getpid(), addr[0]); /* SIGSEGV: never printed */
	me.Printf("addr[0] = %d", addr[0]) // faults: never printed
	// return 0;
	cleanup.Exit(0) // not reached
}

// faultDie is shm_fault.c's die(): the call, its errno by name, exit 1.
func faultDie(me *say.Speaker, call string, err error) {
	// const char *name = strerrorname_np(errno);
	// fprintf(stderr, "reader %d: error: %s failed: %s\n", (int)getpid(), call, name ? name : "?");
	// exit(1);
	// Go: say.Fatal prints it, with what the errno means here, and exits 1.
	me.Fatal(syserr.Wrap(call, err, shmatMeanings))
}
