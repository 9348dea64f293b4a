//go:build linux && (amd64 || arm64)

package main

// endings.go goes beyond the article: every way a run can end, and what
// each leaves. The segment is registered with common/cleanup at shmget,
// so Ctrl-C, SIGTERM, SIGHUP, a closed standard output and a failure all
// remove it; a reader that dies early ends the run; -hold stops where a
// learner can kill -9 a participant and says what the kernel keeps then.

import (
	"bufio"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
)

// makeSegment is shmget(IPC_PRIVATE, 1024, 0600), registered with
// common/cleanup in the same step: from the moment the segment exists,
// every way this run ends removes it (kill -9 aside).
func makeSegment() (int, *cleanup.Handle, error) {
	var id int
	h, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		id, err = unix.SysvShmGet(segKey, segSize, segMode)
		if err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("shared memory segment %d", id), func() error { return removeSegment(id) }, nil
	})
	return id, h, err
}

// removeSegment is shmctl(shmid, IPC_RMID, NULL). A segment nobody has
// attached is freed at once; one that is still attached is only marked
// (SHM_DEST) and freed at its last detach, and removeSegment says so
// with a stillAttached error, so that nobody prints "removed" too early.
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
	r.p.Fatal(err)
}

// holdOn stops until Enter (a line or end of file on standard input), so
// a learner can look at the segment from another terminal, or kill a
// process. Ctrl-C, SIGTERM or SIGHUP there is caught (common/cleanup):
// the run removes what it made and dies of that signal. kill -9 cannot
// be caught; what it leaves is what the kernel keeps, and the hold line
// says what that is at this point.
func (r *run) holdOn(point string, marked bool) {
	p := r.p
	state := "both are attached and the segment is not marked for removal"
	if point == "written" {
		state = "the message is in the segment, which is not marked for removal (-leak)"
	}
	// What kill -9 leaves, said for each participant at this point.
	parent := fmt.Sprintf("the %s dies with it (Pdeathsig) and the segment stays,\n"+
		"      nattch 0: ipcs -m lists it; ipcrm -m %d removes it", r.name, r.id)
	if marked {
		state = "the message is in the segment, which is marked for removal"
		parent = fmt.Sprintf("the %s dies with it (Pdeathsig); the segment is marked, so\n"+
			"      their deaths are its last detaches: nothing is left (ipcs -m)", r.name)
	}
	p.Printf("holding (-hold %s): %s.\n"+
		"  look at it:  ipcs -m -i %d   or   go run ./06-shm -attach %d\n"+
		"  kill -9 %d (this parent): %s\n"+
		"  kill -9 %d (the %s): its attachment goes with it; after Enter this parent\n"+
		"      finds it dead at waitpid and exits 1, leaving nothing\n"+
		"  Enter goes on",
		point, state, r.id, r.id, os.Getpid(), parent, r.reader.Process.Pid, r.name)
	bufio.NewReader(os.Stdin).ReadString('\n') //nolint:errcheck // end of file goes on too
	p.Printf("going on")
}
