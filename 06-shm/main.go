// 06-shm ports shmadd.c, the System V shared memory program of the articles
// "Inter-process communication in Linux: shared memory" and "进程间IPC机制"
// (Linux inter-process communication): a parent makes a 1024-byte segment
// with shmget(IPC_PRIVATE), attaches it with shmat and copies its argument
// into it; its child attaches the same segment and prints
// "Client get <message>".
//
// Usage:
//
//	go run ./06-shm [-peer PROGRAM] [-hold attached|written] [-leak] [MESSAGE]
//	go run ./06-shm -attach SHMID
//
// Each step shows what the kernel holds: shmctl(IPC_STAT) (size, nattch,
// cpid, lpid, the times), the segment's row of /proc/sysvipc/shm and its
// mapping in /proc/self/maps. The segment is marked for removal
// (IPC_RMID) as soon as both processes are attached, so the kernel frees it
// at the last detach whatever happens, even kill -9.
//
// The article's child sleeps one second and hopes the parent has written
// by then: shared memory itself says nothing about when the data is ready.
// Here a pipe says it.
//
// The C original, corrected, is c/shmadd.c; c/shm_reader.c and
// c/shm_writer.c read and write a segment from C, to show that Go and C
// share the same kernel object.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 06-shm [-peer PROGRAM] [-hold attached|written] [-leak] [MESSAGE]
       06-shm -attach SHMID
       06-shm -fault [-peer PROGRAM]

  MESSAGE          what the parent writes into the segment, at most 1023 bytes
                   (default "hello, shared memory")
  -peer PROGRAM    the reader is PROGRAM (the C reader, c/shm_reader.c) instead of
                   this program's child; it is run as "PROGRAM SHMID 3"
  -hold attached   stop when both are attached, before IPC_RMID, until Enter:
                   kill -9 the parent there and the segment is left behind
  -hold written    stop after IPC_RMID and the write, until Enter: kill -9 the
                   parent there and the kernel frees the segment all the same
  -leak            do as the article: never IPC_RMID; the segment outlives both
                   processes (this run then removes it, as ipcrm -m does)
  -attach SHMID    attach an existing segment read-only and print what it holds
  -fault           a child touches the segment after shmdt: how a Go program
                   ends (exit status 2), with GOTRACEBACK=crash (SIGABRT); with
                   -peer (c/shm_fault.c), how a C program ends (SIGSEGV)
`

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

func main() {
	// Go cannot fork, so the child's part is this same program started
	// again in a named role, with the shmid in its argv.
	child.Dispatch(map[string]func([]string){
		"client": client,
		"fault":  fault,
	})

	fs := flag.NewFlagSet("06-shm", flag.ContinueOnError)
	peerPath := fs.String("peer", "", "the reader program")
	hold := fs.String("hold", "", "attached or written")
	leak := fs.Bool("leak", false, "never IPC_RMID, as the article")
	attachID := fs.String("attach", "", "a shmid to read")
	faulty := fs.Bool("fault", false, "touch the segment after shmdt")
	rest := say.Parse(fs, os.Args[1:], usage, 0, 1)

	if *attachID != "" {
		cleanup.Catch("reader")
		if len(rest) > 0 || *peerPath != "" || *hold != "" || *leak || *faulty {
			say.Usage(usage, "-attach takes no MESSAGE and no other flag")
		}
		id, err := strconv.Atoi(*attachID)
		if err != nil || id < 0 {
			say.Usage(usage, "-attach: %q is not a shmid (a number >= 0, as ipcs -m shows)", *attachID)
		}
		readOnly(id)
		cleanup.Exit(0)
	}
	if *hold != "" && *hold != "attached" && *hold != "written" {
		say.Usage(usage, "-hold must be attached or written, not %q", *hold)
	}
	if *faulty && (len(rest) > 0 || *hold != "" || *leak) {
		say.Usage(usage, "-fault takes no MESSAGE, -hold or -leak")
	}
	msg := defaultMsg
	if len(rest) == 1 {
		msg = rest[0]
	}
	// strncpy(p_addr, argv[1], 1024) leaves no NUL when the argument has
	// 1024 bytes or more, and the reader's printf("%s") runs off the end
	// of the segment. Refuse such a message before anything is created.
	if len(msg) > maxMsg {
		say.Usage(usage, "MESSAGE is %d bytes; the segment has %d, and the reader needs a NUL after the message: at most %d",
			len(msg), segSize, maxMsg)
	}

	// Everything this run makes (the segment, the parent's attachment,
	// the child) is registered with common/cleanup the moment it exists:
	// Ctrl-C, SIGTERM, SIGHUP, a closed standard output ("| head") or a
	// failure removes it, and the program then ends as the signal would
	// have. Only kill -9 cannot be caught: see holdOn.
	cleanup.Catch("parent")
	p := say.New("parent")
	if *peerPath != "" {
		// Checked before the segment exists, so that a typo leaves nothing.
		path, err := exec.LookPath(*peerPath)
		if err != nil {
			p.Fatal(syserr.Wrap("-peer "+*peerPath, err, syserr.Meanings{
				unix.ENOENT: "no such program (build it: gcc -Wall -Wextra -o bin/shm_reader 06-shm/c/shm_reader.c)",
				unix.EACCES: "not executable",
			}))
		}
		*peerPath = path
	}
	if *faulty {
		faultDemo(p, *peerPath)
	}
	r := &run{p: p, leak: *leak}
	r.demo(msg, *peerPath, *hold)

	say.Step(7, "what this process still holds")
	p.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}

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
	p.GoNote("the slice is not Go memory: indexing it is bounds-checked, but the garbage\n" +
		"collector does not know it. Never store a Go pointer in it (no other process\n" +
		"could use it, and the collector would not see it), and never touch the slice\n" +
		"after shmdt: the mapping is gone, the access faults (SIGSEGV), and the Go\n" +
		"runtime ends the program with \"fatal error: fault\" and exit status 2, where\n" +
		"the kernel kills a C program with SIGSEGV (-fault shows both).")

	say.Step(3, "fork(): the child attaches the same segment by its id")
	r.startReader(peerPath)
	showSegment(p, id)
	if peerPath == "" {
		p.GoNote("there is no fork: the child is this program run again, and the shmid travels\n" +
			"in its argv. A forked C child would inherit the parent's attachment if the\n" +
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
	p.GoNote("shared memory gives no synchronisation, in C or Go. Go's own tools cannot be\n" +
		"put in the segment: a sync.Mutex or a channel lives in one process's runtime,\n" +
		"and the segment must hold no Go pointers. Between processes, the kernel does\n" +
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
	p.Printf("its key is now IPC_PRIVATE (ours was from the start): no shmget() can find it.\n" +
		"From here on nothing needs cleaning up: however these processes end (exit, crash,\n" +
		"kill -9), the kernel detaches them, and the last detach frees the segment.\n" +
		"Killed before this point, the segment would stay behind (try -hold attached).\n" +
		"Linux still lets a process attach a marked segment by its id; portable code\n" +
		"marks it only once everyone is attached, as here.")
	p.GoNote("defer does not run on kill -9, os.Exit or log.Fatal: a deferred\n" +
		"shmctl(IPC_RMID) is no cleanup a program can count on. Marking early is.")
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

// end is wait(NULL), with the status spelled out.
func (r *run) end() {
	err := r.reader.Wait()
	r.p.Printf("waitpid: %s %d %s", r.name, r.reader.Process.Pid, child.Describe(r.reader.ProcessState))
	if err != nil {
		r.lost(fmt.Errorf("the %s %d %s", r.name, r.reader.Process.Pid, child.Describe(r.reader.ProcessState)))
	}
}

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

var shmatMeanings = syserr.Meanings{
	unix.EINVAL: "no segment has this id (never made, or already freed)",
	unix.EACCES: "the segment's mode does not let this user attach it",
	unix.EIDRM:  "the segment was removed",
}

// stat is shmctl(shmid, IPC_STAT, &ds).
func stat(id int) (unix.SysvShmDesc, error) {
	var ds unix.SysvShmDesc
	_, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds)
	return ds, err
}

// showSegment prints what the kernel holds for the segment: the struct
// shmid_ds that IPC_STAT fills in, and the segment's row of
// /proc/sysvipc/shm, or that it is gone.
func showSegment(p *say.Speaker, id int) {
	ds, err := stat(id)
	if err != nil {
		p.Kernel("%v", syserr.Wrap("shmctl(IPC_STAT)", err, syserr.Meanings{
			unix.EINVAL: "no segment has this id any more: it is gone",
		}))
	} else {
		mode := fmt.Sprintf("%#o", ds.Perm.Mode&0o7777)
		if ds.Perm.Mode&shmDest != 0 {
			mode += " (SHM_DEST: marked for removal)"
		}
		p.Kernel("IPC_STAT: size=%d nattch=%d cpid=%d lpid=%s mode=%s\n"+
			"          atime=%s dtime=%s ctime=%s",
			ds.Segsz, ds.Nattch, ds.Cpid, peek.PID(int(ds.Lpid)), mode,
			peek.When(ds.Atime), peek.When(ds.Dtime), peek.When(ds.Ctime))
	}
	p.Kernel("%s", peek.SysVLine("shm", id, "key", "shmid", "perms", "size", "nattch", "rss"))
}

// showMapping prints this process's mappings of the segment from
// /proc/self/maps. The kernel keeps each segment as a file of an internal
// filesystem, named after the key (/SYSV00000000 for IPC_PRIVATE), with
// the shmid as its inode number. "(deleted)" means the file has no name in
// any directory, not that the segment is removed.
func showMapping(p *say.Speaker, id int) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		p.Kernel("/proc/self/maps: %v", err)
		return
	}
	found := false
	for _, l := range strings.Split(string(maps), "\n") {
		// address perms offset dev inode path
		f := strings.Fields(l)
		if len(f) >= 6 && f[4] == strconv.Itoa(id) && strings.HasPrefix(f[5], "/SYSV") {
			p.Kernel("/proc/self/maps: %s %s, inode = shmid %d", f[1], strings.Join(f[5:], " "), id)
			found = true
		}
	}
	if !found {
		p.Kernel("/proc/self/maps: no mapping of shmid %d", id)
	}
}
