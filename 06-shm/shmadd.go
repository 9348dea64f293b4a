//go:build linux && (amd64 || arm64)

package main

// shmadd.go is the Go port of c/shmadd.c, the article's program: the
// parent's part (shmget, shmat, fork, the write, wait, shmdt), in the C's
// order, the C line as a comment above its Go line. The child's part is
// in shm_reader.go (the C program that plays it is c/shm_reader.c).
//
// Each step also prints what the kernel holds (kernel.go) and why, where
// it happens; how each way of ending is handled is in endings.go.

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const (
	// The article's shmget(IPC_PRIVATE, 1024, PERM), PERM being
	// S_IRUSR|S_IWUSR: the values passed, and printed (shmgetCall).
	segKey  = unix.IPC_PRIVATE
	segSize = 1024
	segMode = 0o600
	// shmat's flags: the parent writes, the child only reads.
	parentAtFlags = 0
	childAtFlags  = unix.SHM_RDONLY
	// maxMsg leaves room for the NUL byte that tells the reader where the
	// message ends.
	maxMsg = segSize - 1
	// shmDest is SHM_DEST from <linux/shm.h> (x/sys/unix lacks it): the
	// bit IPC_RMID sets in shm_perm.mode of a segment that is still
	// attached. /proc/sysvipc/shm shows it as perms 1600.
	shmDest = 0o1000
	// defaultMsg is written when no MESSAGE is given (the article requires
	// one).
	defaultMsg = "hello, shared memory"
)

// run is what the parent holds: the segment and its attachment, both
// registered with common/cleanup, and the reader.
type run struct {
	p      *say.Speaker
	leak   bool
	id     int
	seg    *cleanup.Handle // the segment, until IPC_RMID
	att    *cleanup.Handle // the parent's attachment, until shmdt
	mem    []byte          // the attached segment; nil once detached
	reader *child.Cmd      // the child, or the -peer program
	name   string          // what its lines are tagged with: child or reader
	goW    *os.File        // write end of the "data is written" pipe
}

// demo is shmadd.c, step by step.
func (r *run) demo(msg, peerPath, hold string) {
	p := r.p

	say.Step(1, shmgetCall()+" makes a segment")
	// if ((shmid = shmget(IPC_PRIVATE, 1024, PERM)) == -1) ...
	// IPC_PRIVATE always makes a new segment: no other shmget() can find
	// it by key, only by the id handed over.
	id, seg, err := makeSegment()
	if err != nil {
		p.Fatal(syserr.Wrap(shmgetCall(), err, syserr.Meanings{
			unix.ENOSYS: "this kernel has no System V IPC",
			unix.ENOSPC: "all segment ids are taken (kernel.shmmni): see ipcs -m",
			unix.ENOMEM: "no memory for the segment",
		}))
	}
	r.id, r.seg = id, seg
	p.Printf("shmget: shmid %d, %d bytes, mode %#o (only this user may attach it)", id, segSize, segMode)
	showSegment(p, id)
	p.Printf("no memory is used yet (rss=0): pages are allocated when first touched")

	say.Step(2, shmatCall("shmid", parentAtFlags)+": the parent attaches")
	// p_addr = shmat(shmid, 0, 0); checked against (void *)-1, which the
	// article forgets.
	att, err := cleanup.Make(func() (string, func() error, error) {
		mem, err := unix.SysvShmAttach(id, 0, parentAtFlags)
		if err != nil {
			return "", nil, err
		}
		r.mem = mem
		// Detached first when the run is cut short, so that the
		// segment's removal that follows frees it at once. Silent: a
		// detach is no object left behind.
		return "", func() error { return unix.SysvShmDetach(mem) }, nil
	})
	if err != nil {
		p.Fatal(syserr.Wrap("shmat", err, shmatMeanings))
	}
	r.att = att
	mem := r.mem
	p.Printf("attached: a []byte of %d bytes over the segment, where C has a char *", len(mem))
	showMapping(p, id)
	showSegment(p, id)
	p.GoNote("the slice is not Go memory: indexing it is bounds-checked, but the garbage " +
		"collector does not know it. Never store a Go pointer in it (no other process " +
		"could use it, and the collector would not see it), and never touch the slice " +
		"after shmdt: the mapping is gone, the access faults (SIGSEGV), and the Go " +
		"runtime ends the program with \"fatal error: fault\" and exit status 2, where " +
		"the kernel kills a C program with SIGSEGV (-fault shows both).")

	say.Step(3, "fork(): the child attaches the same segment by its id")
	r.startReader(peerPath)
	showSegment(p, id)
	if peerPath == "" {
		p.GoNote("there is no fork: the child is this program run again, and the shmid travels " +
			"in its argv. A forked C child would inherit the parent's attachment if the " +
			"parent attached before fork(); exec() drops every attachment.")
	} else {
		p.Printf("a C program reads the segment Go made: one kernel object, any language")
	}
	if hold == "attached" {
		r.holdOn("attached", false)
	}

	if r.leak {
		// The article never removes its segment.
		say.Step(4, "no shmctl(IPC_RMID), as in the article (-leak)")
		p.Printf("the segment is not marked: it will outlive every attachment")
	} else {
		say.Step(4, "shmctl(IPC_RMID) as soon as both are attached")
		r.markForRemoval()
	}

	say.Step(5, "the parent writes, then tells the child; the child reads (memset, strncpy)")
	// memset(p_addr, '\0', 1024); strncpy(p_addr, argv[1], 1023);
	// A Go 1.20 loop zeroes the slice (clear() came in Go 1.21), copy()
	// writes the message; the NUL after it is one of the zeroes.
	// Under the cleanup lock: an interrupt now waits until the write is
	// done, so it cannot detach the slice from under this loop.
	var n int
	cleanup.Locked(func() {
		for i := range r.mem {
			r.mem[i] = 0
		}
		n = copy(r.mem, msg)
	})
	p.Printf("memset(0) and copy: %d bytes of %q, then a NUL", n, msg)
	showSegment(p, id)
	if hold == "written" {
		r.holdOn("written", !r.leak)
	}
	// The article's child sleep(1)s and hopes the parent has written by
	// then. Shared memory carries bytes, not events: a write is visible to
	// the other process at once, but nothing tells it that the write is
	// complete. Closing the pipe does: the child's read() returns 0 only
	// after this point.
	p.Printf("closing the pipe: the child's read() returns 0, its cue to read the segment")
	p.GoNote("shared memory gives no synchronisation, in C or Go. Go's own tools cannot be " +
		"put in the segment: a sync.Mutex or a channel lives in one process's runtime, " +
		"and the segment must hold no Go pointers. Between processes, the kernel does " +
		"it: a pipe here, a System V semaphore in 08-semaphore.")
	r.goW.Close()
	r.goW = nil
	r.end()
	showSegment(p, id)

	say.Step(6, "shmdt(p_addr): the last detach")
	// The article never calls shmdt; exit() detaches too, but only when
	// the process ends.
	if err := r.att.Release(); err != nil {
		p.Fatal(syserr.Wrap("shmdt", err, nil))
	}
	r.mem = nil // touching the old slice now would be fatal
	p.Printf("shmdt: detached")
	if r.leak {
		showSegment(p, id)
		p.Warnf("nattch=0 and the segment is still there: the article's program ends here,\n"+
			"and every run leaves one more %d-byte segment behind until a reboot\n"+
			"(ipcs -m lists them). Removing it now, as ipcrm -m %d would:", segSize, id)
		if err := r.seg.Release(); err != nil {
			p.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
		}
		p.Printf("shmctl(IPC_RMID) on a segment nobody has attached frees it at once")
	} else {
		p.Printf("the segment was marked and this was the last attachment: the kernel frees it")
	}
	showSegment(p, id)
}

// startReader is the fork() of shmadd.c: it starts the child (or the
// -peer program) with the shmid in its argv and waits until it has
// attached the segment.
func (r *run) startReader(peerPath string) {
	goR, goW := child.Pipe(r.p, false)
	r.goW = goW
	id := strconv.Itoa(r.id)
	if peerPath == "" {
		r.reader, r.name = child.Command("client", id), "child"
	} else {
		// The C reader takes the shmid and the descriptor on which to say
		// it is attached: the readiness pipe, which comes after
		// ExtraFiles (none here), so fd 3. The C program answers the same
		// handshake the Go child does with child.Ready.
		r.reader, r.name = child.Program(peerPath, id, "3"), "reader"
	}
	// Its standard input is the read end of a pipe: end of file there
	// means "the data is written".
	r.reader.Stdin = goR
	r.reader.StartOrFail(r.p) // registered: an interrupt kills it and waits
	goR.Close()               // the reader has its copy
	if _, err := r.reader.WaitReady(); err != nil {
		r.lost(err)
	}
}

// markForRemoval is shmctl(shmid, IPC_RMID, NULL) while both processes
// are attached.
func (r *run) markForRemoval() {
	p := r.p
	if err := r.seg.Release(); err != nil {
		if _, ok := err.(stillAttached); !ok {
			p.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, syserr.Meanings{
				unix.EPERM: "only the segment's owner or creator may remove it",
			}))
		}
	}
	p.Printf("shmctl(IPC_RMID): still attached, so the segment is only marked (SHM_DEST)")
	showSegment(p, r.id)
	p.Printf("its key is now IPC_PRIVATE (ours was from the start): no shmget() can find it. " +
		"From here on nothing needs cleaning up: however these processes end (exit, crash, " +
		"kill -9), the kernel detaches them, and the last detach frees the segment. " +
		"Killed before this point, the segment would stay behind (try -hold attached). " +
		"Linux still lets a process attach a marked segment by its id; portable code " +
		"marks it only once everyone is attached, as here.")
	p.GoNote("defer does not run on kill -9, os.Exit or log.Fatal: a deferred " +
		"shmctl(IPC_RMID) is no cleanup a program can count on. Marking early is.")
}

// end is wait(NULL), with the status spelled out.
func (r *run) end() {
	err := r.reader.Wait()
	r.p.Printf("waitpid: %s %d %s", r.name, r.reader.Process.Pid, child.Describe(r.reader.ProcessState))
	if err != nil {
		r.lost(fmt.Errorf("the %s %d %s", r.name, r.reader.Process.Pid, child.Describe(r.reader.ProcessState)))
	}
}

var shmatMeanings = syserr.Meanings{
	unix.EINVAL: "no segment has this id (never made, or already freed)",
	unix.EACCES: "the segment's mode does not let this user attach it",
	unix.EIDRM:  "the segment was removed",
	unix.ENOMEM: "no room for it in this process's address space (RLIMIT_AS, ulimit -v)",
}
