//go:build linux && (amd64 || arm64)

package main

// shm_reader.go is the child's side of shmadd.c, as c/shm_reader.c is in
// C: attach read-only by the id in argv, say "attached" (READY_FD there,
// child.Ready here), wait for end of file on standard input, print
// "Client get ...", detach. Without the handshake it is -attach SHMID,
// as shm_reader.c without READY_FD.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// client is the child of shmadd.c. It attaches the segment whose id is its
// argument, says it is ready, and reads once its standard input ends: the
// parent's "the data is written".
func client(args []string) {
	// The child makes nothing: its attachment goes with the process, however
	// it ends. Catch only makes it end as the parent does (130 on Ctrl-C;
	// SIGPIPE when the shared standard output is closed).
	cleanup.Catch("child")
	me := say.New("child")
	if len(args) != 1 {
		me.Fatal(fmt.Errorf("client: want one shmid, got %q", args))
	}
	id, err := strconv.Atoi(args[0])
	if err != nil {
		me.Fatal(syserr.Wrap("client: parse shmid", err, nil))
	}
	readSegment(me, id, func() {
		child.Ready("")
		// read() until it returns 0: the parent has closed the pipe,
		// after writing. This replaces the article's sleep(1).
		if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
			me.Fatal(syserr.Wrap("read", err, nil))
		}
	})
	// Through the cleanup lock, not child.Dispatch's plain os.Exit: a
	// signal being handled keeps the lock, so it ends the child by that
	// signal rather than racing it with an exit status 0.
	cleanup.Exit(0)
}

// readOnly is -attach SHMID: read a segment someone else made and filled
// (06-shm -hold written, or c/shm_writer.c), at once.
func readOnly(id int) {
	me := say.New("reader")
	readSegment(me, id, func() { showSegment(me, id) })
	showSegment(me, id)
}

// readSegment is the child's side of shmadd.c: shmat, wait for the cue,
// printf("Client get %s\n", c_addr). The child only reads, so it attaches
// read-only: a write through the slice would fault.
func readSegment(me *say.Speaker, id int, cue func()) {
	mem, err := unix.SysvShmAttach(id, 0, childAtFlags)
	if err != nil {
		me.Fatal(syserr.Wrap(shmatCall(strconv.Itoa(id), childAtFlags), err, shmatMeanings))
	}
	me.Printf("%s: attached %d bytes, read-only", shmatCall("shmid "+strconv.Itoa(id), childAtFlags), len(mem))
	showMapping(me, id)
	if ds, err := stat(id); err == nil && ds.Perm.Mode&shmDest != 0 {
		me.Printf("the segment is marked for removal, and Linux still let me attach it")
	}
	cue()

	// The message ends at the first NUL, and never past the segment: the
	// article's printf("%s") has no such bound. string() copies the bytes
	// into Go memory, which stays valid after shmdt.
	n := bytes.IndexByte(mem, 0)
	if n < 0 {
		n = len(mem)
	}
	got := string(mem[:n])
	me.Printf("Client get %s", got)

	// shmdt(c_addr): the article leaves it to exit().
	if err := unix.SysvShmDetach(mem); err != nil {
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
	me.Printf("shmdt: detached (%d bytes read)", n)
}
