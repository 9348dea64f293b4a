//go:build linux && (amd64 || arm64)

package main

// endings.go goes beyond the article: how the reader is started in fork()'s
// place, every way a run can end, and what each leaves. The segment is
// registered with common/cleanup at shmget, so Ctrl-C, SIGTERM, SIGHUP, a
// closed standard output and a failure all remove it; a reader that dies
// early ends the run; -hold stops where a learner can kill -9 a
// participant and says what the kernel keeps then.

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
)

// startReader stands in for fork(): it starts the child (or the -peer
// program) with the shmid in its argv and goR, the read end of the go
// pipe, as its standard input: end of file there means "written".
func (r *run) startReader(peerPath string, goR *os.File) {
	id := strconv.Itoa(r.id)
	if peerPath == "" {
		r.reader, r.name = child.Command("client", id), "child"
	} else {
		// The C reader takes the shmid and the descriptor on which to say
		// it is attached: the ready pipe, which comes after ExtraFiles
		// (none here), so fd 3. It answers the handshake the Go child
		// answers with child.Ready.
		r.reader, r.name = child.Program(peerPath, id, "3"), "reader"
	}
	r.reader.Stdin = goR
	r.reader.StartOrFail(r.me) // registered: an interrupt kills it and waits
}

// noteAttached says, once both are attached, how the child got there.
func (r *run) noteAttached(peer bool) {
	if peer {
		r.me.Printf("a C program reads the segment Go made: one kernel object, any language")
		return
	}
	r.me.GoNote("there is no fork: the child is this program run again, and the shmid")
	r.me.GoNote("travels in its argv. A forked C child would inherit the parent's")
	r.me.GoNote("attachment if the parent attached before fork(); exec() drops them all.")
	r.me.GoNote("The slice is not Go memory: never store a Go pointer in it, never touch")
	r.me.GoNote("it after shmdt (the Go runtime then ends with exit status 2; -fault).")
}

// noteNoSync says why a pipe, and not the segment, tells the child.
func (r *run) noteNoSync() {
	r.me.GoNote("shared memory gives no synchronisation, in C or Go, and a sync.Mutex or")
	r.me.GoNote("a channel cannot live in the segment (one runtime's, and Go pointers).")
	r.me.GoNote("Between processes the kernel does it: a pipe here, a semaphore in 08.")
}

// removeSegment is shmctl(shmid, IPC_RMID, NULL), the undo registered at
// shmget. A segment nobody has attached is freed at once; one still
// attached is only marked (SHM_DEST) and freed at its last detach, and
// removeSegment says so with a stillAttached error, so that nobody prints
// "removed" too early.
func removeSegment(id int) error {
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
		return err
	}
	if ds, err := stat(id); err == nil && ds.Nattch > 0 {
		return stillAttached(ds.Nattch)
	}
	return nil
}

// stillAttached is the number of attachments that keep a marked segment.
type stillAttached uint64

func (n stillAttached) Error() string {
	return fmt.Sprintf("marked for removal (SHM_DEST), but %d attachment(s) keep it until they detach", uint64(n))
}

// lost ends the run when the reader ended before its time. The reader
// shares this program's terminal and standard output: if a Ctrl-C
// (SIGINT) or a closed terminal (SIGHUP) killed it, the same signal went
// to this process too, and if it died of SIGPIPE, this process's standard
// output is broken as well. Then this process ends the same way, after
// cleaning up, rather than report a failure that is the signal's doing.
// Any other end (kill -9 of the reader, an error) is a failure: exit 1,
// after removing the segment.
func (r *run) lost(err error) {
	if ps := r.reader.ProcessState; ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			switch ws.Signal() {
			case unix.SIGINT, unix.SIGHUP, unix.SIGPIPE:
				cleanup.Die(ws.Signal())
			}
		}
	}
	r.me.Fatal(err)
}

// holdOn stops until Enter (a line or end of file on standard input), so
// a learner can look at the segment from another terminal, or kill a
// process. Ctrl-C, SIGTERM or SIGHUP there is caught (common/cleanup):
// the run removes what it made and dies of that signal. kill -9 cannot
// be caught; what it leaves is what the kernel keeps, and the hold lines
// say what that is at this point.
func (r *run) holdOn(point string, marked bool) {
	me := r.me
	switch {
	case point == "attached":
		me.Printf("holding (-hold attached): both are attached; the segment is not marked")
	case marked:
		me.Printf("holding (-hold written): the message is in the segment, which is marked")
	default:
		me.Printf("holding (-hold written): the message is in the segment, not marked (-leak)")
	}
	me.Printf("  look at it:  ipcs -m -i %d   or   go run ./06-shm -attach %d", r.id, r.id)
	me.Printf("  kill -9 %d (this parent): the %s dies with it (Pdeathsig), and", os.Getpid(), r.name)
	if marked {
		me.Printf("      their deaths are its last detaches: nothing is left (ipcs -m)")
	} else {
		me.Printf("      the segment stays, nattch 0: ipcs -m lists it; ipcrm -m %d removes it", r.id)
	}
	me.Printf("  kill -9 %d (the %s): its attachment goes with it; after Enter", r.reader.Process.Pid, r.name)
	me.Printf("      this parent finds it dead at waitpid and exits 1, leaving nothing")
	me.Printf("  Enter goes on")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // a line or end of file: either goes on
	me.Printf("going on")
}
