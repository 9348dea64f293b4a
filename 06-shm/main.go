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
	"os/signal"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 06-shm [-peer PROGRAM] [-hold attached|written] [-leak] [MESSAGE]
       06-shm -attach SHMID

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
`

const (
	// segSize is the article's shmget(IPC_PRIVATE, 1024, PERM).
	segSize = 1024
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
	})

	fs := flag.NewFlagSet("06-shm", flag.ContinueOnError)
	peerPath := fs.String("peer", "", "the reader program")
	hold := fs.String("hold", "", "attached or written")
	leak := fs.Bool("leak", false, "never IPC_RMID, as the article")
	attachID := fs.String("attach", "", "a shmid to read")
	rest := say.Parse(fs, os.Args[1:], usage, 0, 1)

	if *attachID != "" {
		if len(rest) > 0 || *peerPath != "" || *hold != "" || *leak {
			say.Usage(usage, "-attach takes no MESSAGE and no other flag")
		}
		id, err := strconv.Atoi(*attachID)
		if err != nil || id < 0 {
			say.Usage(usage, "-attach: %q is not a shmid (a number >= 0, as ipcs -m shows)", *attachID)
		}
		readOnly(id)
		return
	}
	if *hold != "" && *hold != "attached" && *hold != "written" {
		say.Usage(usage, "-hold must be attached or written, not %q", *hold)
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

	p := say.New("parent")
	// Between shmget and IPC_RMID a death leaks the segment. "06-shm | head"
	// is such a death: once head has gone, the next line written to
	// standard output raises SIGPIPE, which kills a Go program writing to
	// fd 1 as it kills a C one. With SIGPIPE notified, that write fails with
	// EPIPE instead (the lines are lost), and the run goes on to remove
	// what it made.
	signal.Notify(make(chan os.Signal, 1), unix.SIGPIPE)
	if *peerPath != "" {
		// Checked before the segment exists, so that a typo leaves nothing.
		path, err := exec.LookPath(*peerPath)
		if err != nil {
			p.Fatal(syserr.Wrap("-peer "+*peerPath, err, syserr.Meanings{
				unix.ENOENT: "no such program (build it: gcc -o shm_reader c/shm_reader.c)",
				unix.EACCES: "not executable",
			}))
		}
		*peerPath = path
	}
	r := &run{p: p, leak: *leak}
	r.demo(msg, *peerPath, *hold)

	say.Step(7, "what this process still holds")
	p.Kernel("open descriptors: %s", peek.FDSummary())
}

// run is the parent's hold on the segment and on its reader, so that every
// way out removes what this run made.
type run struct {
	p      *say.Speaker
	leak   bool
	id     int
	mem    []byte     // the attached segment; nil once detached
	marked bool       // IPC_RMID done
	reader *child.Cmd // the child, or the -peer program
	name   string     // what its lines are tagged with: child or reader
	goW    *os.File   // write end of the "data is written" pipe
}

// demo is shmadd.c, step by step.
func (r *run) demo(msg, peerPath, hold string) {
	p := r.p

	say.Step(1, "shmget(IPC_PRIVATE, 1024, 0600) makes a segment")
	// if ((shmid = shmget(IPC_PRIVATE, 1024, PERM)) == -1) ...
	// IPC_PRIVATE always makes a new segment: no other shmget() can find
	// it by key, only by the id handed over.
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, segSize, 0o600)
	if err != nil {
		p.Fatal(syserr.Wrap("shmget(IPC_PRIVATE, 1024, 0600)", err, syserr.Meanings{
			unix.ENOSYS: "this kernel has no System V IPC",
			unix.ENOSPC: "all segment ids are taken (kernel.shmmni): see ipcs -m",
			unix.ENOMEM: "no memory for the segment",
		}))
	}
	r.id = id
	p.Printf("shmget: shmid %d, %d bytes, mode 0600 (only this user may attach it)", id, segSize)
	showSegment(p, id)
	p.Printf("no memory is used yet (rss=0): pages are allocated when first touched")

	say.Step(2, "shmat(shmid, 0, 0): the parent attaches")
	// p_addr = shmat(shmid, 0, 0); checked against (void *)-1, which the
	// article forgets.
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		r.fail(syserr.Wrap("shmat", err, shmatMeanings))
	}
	r.mem = mem
	p.Printf("attached: a []byte of %d bytes over the segment, where C has a char *", len(mem))
	showMapping(p, id)
	showSegment(p, id)
	p.GoNote("the slice is not Go memory: indexing it is bounds-checked, but the garbage\n" +
		"collector does not know it. Never store a Go pointer in it (no other process\n" +
		"could use it, and the collector would not see it), and never touch the slice\n" +
		"after shmdt: the mapping is gone and the program dies of SIGSEGV.")

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
		r.holdOn("attached", "both are attached and the segment is not marked for removal")
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
	for i := range r.mem {
		r.mem[i] = 0
	}
	n := copy(r.mem, msg)
	p.Printf("memset(0) and copy: %d bytes of %q, then a NUL", n, msg)
	showSegment(p, id)
	if hold == "written" {
		state := "the message is in the segment, which is marked for removal"
		if r.leak {
			state = "the message is in the segment, which is not marked for removal (-leak)"
		}
		r.holdOn("written", state)
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
	if err := unix.SysvShmDetach(r.mem); err != nil {
		r.fail(syserr.Wrap("shmdt", err, nil))
	}
	r.mem = nil // touching the old slice now would be fatal
	p.Printf("shmdt: detached")
	if r.leak {
		showSegment(p, id)
		p.Warnf("nattch=0 and the segment is still there: the article's program ends here,\n"+
			"and every run leaves one more %d-byte segment behind until a reboot\n"+
			"(ipcs -m lists them). Removing it now, as ipcrm -m %d would:", segSize, id)
		if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
			r.fail(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
		}
		r.marked = true
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
	goR, goW, err := os.Pipe()
	if err != nil {
		r.fail(syserr.Wrap("pipe", err, nil))
	}
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
	if err := r.reader.Start(); err != nil {
		r.reader = nil
		r.fail(syserr.Wrap("start reader", err, nil))
	}
	goR.Close() // the reader has its copy
	if _, err := r.reader.WaitReady(); err != nil {
		if r.reader.ProcessState != nil {
			r.reader = nil // it exited, and WaitReady has waited for it
		}
		r.fail(err)
	}
}

// markForRemoval is shmctl(shmid, IPC_RMID, NULL) while both processes
// are attached.
func (r *run) markForRemoval() {
	p := r.p
	if _, err := unix.SysvShmCtl(r.id, unix.IPC_RMID, nil); err != nil {
		r.fail(syserr.Wrap("shmctl(IPC_RMID)", err, syserr.Meanings{
			unix.EPERM: "only the segment's owner or creator may remove it",
		}))
	}
	r.marked = true
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
// a learner can look at the segment from another terminal, or kill -9 the
// parent. SIGINT and SIGTERM, unlike SIGKILL, can be caught: they end the
// run cleanly.
func (r *run) holdOn(point, state string) {
	p := r.p
	// Catch the signals first, print afterwards: whoever reads the line
	// below may signal at once.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM)
	defer signal.Stop(sigs)
	p.Printf("holding (-hold %s): %s.\n"+
		"  look at it:  ipcs -m -i %d   or   go run ./06-shm -attach %d\n"+
		"  kill -9 %d   ends this parent (then: ipcs -m; ipcrm -m %d removes what is left)\n"+
		"  Enter goes on", point, state, r.id, r.id, os.Getpid(), r.id)
	enter := make(chan struct{})
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n') //nolint:errcheck // end of file goes on too
		close(enter)
	}()
	select {
	case <-enter:
		p.Printf("going on")
	case sig := <-sigs:
		r.fail(fmt.Errorf("interrupted by %s while holding", unix.SignalName(sig.(unix.Signal))))
	}
}

// end is wait(NULL), with the status spelled out.
func (r *run) end() {
	err := r.reader.Wait()
	r.p.Printf("waitpid: %s %d %s", r.name, r.reader.Process.Pid, child.Describe(r.reader.ProcessState))
	r.reader = nil
	if err != nil {
		r.fail(fmt.Errorf("the %s failed: %v", r.name, err))
	}
}

// fail cleans up what this run made and exits with status 1. It does the
// work a deferred cleanup would do: p.Fatal calls os.Exit, which runs no
// deferred call.
func (r *run) fail(err error) {
	p := r.p
	if r.reader != nil {
		r.reader.Process.Kill() //nolint:errcheck // it may have exited already
		r.reader.Wait()         //nolint:errcheck // killed on purpose
		p.Warnf("killed and waited for the reader")
	}
	if !r.marked {
		if _, rmErr := unix.SysvShmCtl(r.id, unix.IPC_RMID, nil); rmErr == nil {
			p.Warnf("removed shmid %d (IPC_RMID) before leaving: nothing is left behind", r.id)
		}
	} else {
		p.Warnf("shmid %d is marked for removal: exiting detaches, and the kernel frees it", r.id)
	}
	p.Fatal(err)
}

// client is the child of shmadd.c. It attaches the segment whose id is its
// argument, says it is ready, and reads once its standard input ends: the
// parent's "the data is written".
func client(args []string) {
	me := say.New("child")
	// Its lines go to the parent's standard output: if that reader has
	// gone, the child carries on too (see main).
	signal.Notify(make(chan os.Signal, 1), unix.SIGPIPE)
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
	mem, err := unix.SysvShmAttach(id, 0, unix.SHM_RDONLY)
	if err != nil {
		me.Fatal(syserr.Wrap(fmt.Sprintf("shmat(%d, 0, SHM_RDONLY)", id), err, shmatMeanings))
	}
	me.Printf("shmat(shmid %d, 0, SHM_RDONLY): attached %d bytes, read-only", id, len(mem))
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
			ds.Segsz, ds.Nattch, ds.Cpid, pidOrNone(ds.Lpid), mode,
			clock(ds.Atime), clock(ds.Dtime), clock(ds.Ctime))
	}
	row, ok, rerr := peek.SysVRow("shm", id)
	switch {
	case rerr != nil:
		p.Kernel("/proc/sysvipc/shm: %v", rerr)
	case !ok:
		p.Kernel("/proc/sysvipc/shm: no row for shmid %d", id)
	default:
		p.Kernel("/proc/sysvipc/shm: %s", row.Format("key", "shmid", "perms", "size", "nattch", "rss"))
	}
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

// pidOrNone prints a PID field, which the kernel leaves 0 until a process
// sets it.
func pidOrNone(pid int32) string {
	if pid == 0 {
		return "none"
	}
	return strconv.Itoa(int(pid))
}

// clock prints a shmid_ds time (seconds since 1970; 0 = never happened).
func clock(t int64) string {
	if t == 0 {
		return "never"
	}
	return time.Unix(t, 0).Format("15:04:05")
}
