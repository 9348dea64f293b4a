//go:build linux && (amd64 || arm64)

package main

// shmadd.go is the Go port of c/shmadd.c: each line of the C twin that
// calls the kernel or libc is quoted above the Go that makes the same
// call, in the C's order (shmget, pipe, fork, shmat, IPC_RMID, the write,
// waitpid, shmdt). The child's branch of fork() is shmaddChild, this
// program run again in the role "client". What goes beyond the C (the
// kernel's view at each step, -hold, -leak) is in kernel.go and endings.go.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const (
	// #define SEGSIZE 1024
	// #define PERM (S_IRUSR | S_IWUSR) /* 0600; erratum perm-macro: parenthesised */
	segKey  = unix.IPC_PRIVATE
	segSize = 1024
	segMode = 0o600
	// shmat's flags: the parent writes, the child only reads.
	parentAtFlags = 0
	childAtFlags  = unix.SHM_RDONLY
	// maxMsg leaves room for the NUL that tells the reader where the
	// message ends.
	maxMsg = segSize - 1
	// shmDest is SHM_DEST from <linux/shm.h> (x/sys/unix lacks it): the
	// bit IPC_RMID sets in shm_perm.mode of a segment still attached.
	// /proc/sysvipc/shm shows it as perms 1600.
	shmDest = 0o1000
	// const char *msg = "hello, shared memory";
	defaultMsg = "hello, shared memory"
)

// run is what the parent holds: the segment and its attachment, both
// registered with common/cleanup, and the reader.
type run struct {
	me     *say.Speaker
	leak   bool
	id     int
	seg    *cleanup.Handle // the segment, until IPC_RMID
	att    *cleanup.Handle // the parent's attachment, until shmdt
	mem    []byte          // the attached segment; nil once detached
	reader *child.Cmd      // the child, or the -peer program
	name   string          // what its lines are tagged with: child or reader
	goW    *os.File        // write end of the go pipe: closed means "written"
}

// message is shmadd.c's check of its arguments: rest is what remains of
// the command line once main.go has parsed the flags.
func message(rest []string) string {
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: common/say writes each line with one write(2), unbuffered.
	// signal(SIGPIPE, SIG_IGN);
	// Go: common/cleanup (main.go) catches SIGPIPE and a write's EPIPE: the
	// run removes its segment, then dies of SIGPIPE as a C program would.

	// if (argc > 2) {
	// fprintf(stderr, "usage: %s [MESSAGE]\n", argv[0]);
	// exit(2);
	if len(rest) > 1 {
		cmdline.Usage(usage, "unexpected argument %q", rest[1])
	}
	msg := defaultMsg
	// if (argc == 2)
	if len(rest) == 1 {
		msg = rest[0]
	}
	// if (*msg == '\0') { /* as the Go port: '' is a mistake, not "no MESSAGE" */
	// fprintf(stderr, "%s: MESSAGE is empty: give one, or none for the default\nusage: %s [MESSAGE]\n", argv[0], argv[0]);
	if msg == "" {
		cmdline.Usage(usage, "MESSAGE is empty: give one, or none for the default")
	}
	// if (strlen(msg) > SEGSIZE - 1) {
	// fprintf(stderr, "%s: MESSAGE is %zu bytes; at most %d fit with the terminating NUL\nusage: %s [MESSAGE]\n", argv[0], strlen(msg), SEGSIZE - 1, argv[0]);
	if len(msg) > maxMsg {
		cmdline.Usage(usage, "MESSAGE is %d bytes; at most %d fit with the terminating NUL", len(msg), maxMsg)
	}
	return msg
}

// shmadd is main() of shmadd.c, the parent's side, after the arguments.
func (r *run) shmadd(msg, peerPath, hold string) {
	me := r.me

	say.Step(1, shmgetCall()+" makes a segment")
	// if ((shmid = shmget(IPC_PRIVATE, SEGSIZE, PERM)) == -1)
	// Go: registered with common/cleanup in the same breath, so that every
	// ending but kill -9 removes it (must_remove = 1 in the C).
	seg, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		if r.id, err = unix.SysvShmGet(segKey, segSize, segMode); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("shared memory segment %d", r.id), func() error { return removeSegment(r.id) }, nil
	})
	// die("shmget");
	if err != nil {
		me.Fatal(syserr.Wrap(shmgetCall(), err, shmgetMeanings))
	}
	r.seg = seg
	// printf("parent %d: shmget: shmid %d, %d bytes\n", (int)getpid(), shmid, SEGSIZE);
	me.Printf("shmget: shmid %d, %d bytes, mode %#o (only this user may attach it)", r.id, segSize, segMode)
	// show("parent");
	showSegment(me, r.id)
	me.Printf("no memory is used yet (rss=0): pages are allocated when first touched")

	r.forkAndAttach(peerPath, hold)
	r.markForRemoval()
	r.write(msg, hold)
	r.detach()
}

// forkAndAttach is step 2 of shmadd.c: the pipes, fork(), both shmat.
func (r *run) forkAndAttach(peerPath, hold string) {
	me := r.me
	say.Step(2, "fork(): the child attaches the segment by its id, and so does the parent")
	// if (pipe(ready) == -1 || pipe(go) == -1)
	// die("pipe");
	// Go: the go pipe here (child.Pipe fails as die does); common/child
	// makes the ready pipe when it starts the child.
	goR, goW := child.Pipe(me, false)
	r.goW = goW
	// pid = fork();
	// if (pid == -1) /* erratum fork-unchecked */
	// die("fork");
	// if (pid == 0) { /* erratum pid-assign: ==, not = */
	// Go: no fork; this program runs again as the child (shmaddChild), or
	// -peer's C reader, with the shmid in argv and the go pipe as stdin.
	r.startReader(peerPath, goR)

	// close(ready[1]);
	// close(go[0]);
	goR.Close() // the child has its copy; ready[1] never was ours (common/child)
	// p_addr = shmat(shmid, NULL, 0);
	// Go: the attachment is registered, so that an interrupt detaches it
	// first and the segment's removal that follows frees it at once.
	att, err := cleanup.Make(func() (string, func() error, error) {
		mem, err := unix.SysvShmAttach(r.id, 0, parentAtFlags)
		if err != nil {
			return "", nil, err
		}
		r.mem = mem
		return "", func() error { return unix.SysvShmDetach(mem) }, nil
	})
	// if (p_addr == (void *)-1) /* erratum shmat-unchecked */ die("shmat");
	if err != nil {
		die(me, shmatCall("shmid", parentAtFlags), err, shmatMeanings)
	}
	r.att = att
	// if (read(ready[0], &c, 1) != 1) {
	// errno = ECHILD;
	// die("read(ready): the child ended before it attached");
	// Go: WaitReady reads common/child's ready pipe. Nothing is printed
	// before, so the lines come out in the same order on every run.
	if _, err := r.reader.WaitReady(); err != nil {
		r.lost(err)
	}
	// close(ready[0]); printf("parent %d: attached, and so is the child\n", (int)getpid());
	me.Printf("%s: attached, and so is the %s", shmatCall("shmid", parentAtFlags), r.name)
	me.Printf("a []byte of %d bytes over the segment, where C has a char *", len(r.mem))
	showMapping(me, r.id)
	// printf("parent %d: attached, and so is the child\n", (int)getpid()); show("parent");
	showSegment(me, r.id)
	r.noteAttached(peerPath != "")
	if hold == "attached" {
		r.holdOn("attached", false)
	}
}

// markForRemoval is step 3: shmctl(shmid, IPC_RMID, NULL) while both are
// attached, or, with -leak, the article's program, which never calls it.
func (r *run) markForRemoval() {
	me := r.me
	if r.leak {
		say.Step(3, "no shmctl(IPC_RMID), as in the article (-leak)")
		me.Printf("the segment is not marked: it will outlive every attachment")
		return
	}
	say.Step(3, "shmctl(IPC_RMID) as soon as both are attached")
	// if (shmctl(shmid, IPC_RMID, NULL) == -1)
	if _, err := unix.SysvShmCtl(r.id, unix.IPC_RMID, nil); err != nil {
		// die("shmctl(IPC_RMID)");
		me.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, syserr.Meanings{
			unix.EPERM: "only the segment's owner or creator may remove it",
		}))
	}
	// printf("parent %d: shmctl(IPC_RMID): marked for removal\n", (int)getpid());
	me.Printf("shmctl(IPC_RMID): still attached, so the segment is only marked (SHM_DEST)")
	// must_remove = 0; show("parent");
	r.seg.Forget() // the kernel frees it at the last detach: nothing left to remove
	showSegment(me, r.id)
	me.Printf("its key is now IPC_PRIVATE (ours was from the start): no shmget() finds it.")
	me.Printf("From here on nothing needs cleaning up: however these processes end (exit,")
	me.Printf("crash, kill -9), the kernel detaches them, and the last detach frees it.")
	me.Printf("Killed before this point, the segment stays behind (try -hold attached).")
	me.Printf("Linux still lets a process attach a marked segment by its id; portable code")
	me.Printf("marks it only once everyone is attached, as here.")
	me.GoNote("defer runs on none of kill -9, os.Exit, log.Fatal: a deferred")
	me.GoNote("shmctl(IPC_RMID) is no cleanup a program can count on. Marking early is.")
}

// write is step 4 of shmadd.c: memset and strncpy into the segment, close
// the go pipe (the child's cue), waitpid.
func (r *run) write(msg, hold string) {
	me := r.me
	say.Step(4, "the parent writes, then tells the child; the child reads (memset, strncpy)")
	// memset(p_addr, '\0', SEGSIZE);
	// strncpy(p_addr, msg, SEGSIZE - 1);
	// Go: a loop zeroes the slice (clear() came in Go 1.21), copy() writes
	// the message; the NUL after it is one of the zeroes. Under the cleanup
	// lock: an interrupt cannot detach the slice from under the loop.
	var n int
	cleanup.Locked(func() {
		for i := range r.mem {
			r.mem[i] = 0
		}
		n = copy(r.mem, msg)
	})
	// printf("parent %d: wrote %zu bytes\n", (int)getpid(), strlen(msg));
	me.Printf("memset(0) and copy: wrote %d bytes of %q, then a NUL", n, msg)
	showSegment(me, r.id)
	if hold == "written" {
		r.holdOn("written", !r.leak)
	}
	r.noteNoSync()
	// close(go[1]); /* the child's read() returns 0: its cue */
	me.Printf("closing the pipe: the child's read() returns 0, its cue to read the segment")
	r.goW.Close()
	r.goW = nil

	// if (waitpid(pid, &status, 0) == -1)
	// die("waitpid");
	err := r.reader.Wait()
	// printf("parent %d: waitpid: child %d exited with status %d\n", (int)getpid(), (int)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1); show("parent");
	me.Printf("waitpid: %s %d %s", r.name, r.reader.Process.Pid, child.Describe(r.reader.ProcessState))
	if err != nil {
		r.lost(fmt.Errorf("the %s %d %s", r.name, r.reader.Process.Pid, child.Describe(r.reader.ProcessState)))
	}
	showSegment(me, r.id)
}

// detach is step 5 of shmadd.c: shmdt, the last detach.
func (r *run) detach() {
	me := r.me
	say.Step(5, "shmdt(p_addr): the last detach")
	// if (shmdt(p_addr) == -1) /* erratum no-shmdt */ die("shmdt");
	// Go: Release is the registered undo, unix.SysvShmDetach(mem), done now.
	if err := r.att.Release(); err != nil {
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
	r.mem = nil // touching the old slice now would be fatal
	// printf("parent %d: detached: the last detach frees the marked segment\n", (int)getpid()); show("parent");
	me.Printf("shmdt: detached")
	if r.leak {
		r.removeLeaked()
	} else {
		me.Printf("the segment was marked and this was the last attachment: the kernel frees it")
	}
	showSegment(me, r.id)
	// return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
	// Go: main.go ends with cleanup.Exit(0); a child that failed ended the run in r.lost.
}

// removeLeaked is what -leak does after the last shmdt: it shows the
// segment the article's program leaves, then removes it, as ipcrm -m would.
func (r *run) removeLeaked() {
	me := r.me
	showSegment(me, r.id)
	me.Warnf("nattch=0 and the segment is still there: the article's program ends here,")
	me.Warnf("and every run leaves one more %d-byte segment behind until a reboot", segSize)
	me.Warnf("(ipcs -m lists them). Removing it now, as ipcrm -m %d would:", r.id)
	if _, err := unix.SysvShmCtl(r.id, unix.IPC_RMID, nil); err != nil {
		me.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
	}
	r.seg.Forget() // gone: nothing left to remove
	me.Printf("shmctl(IPC_RMID) on a segment nobody has attached frees it at once")
}

// shmaddChild is the child's branch of shmadd.c, if (pid == 0) { ... }:
// this program run again in the role "client", the shmid in argv, the go
// pipe as standard input, the ready pipe common/child's.
func shmaddChild(args []string) {
	// The child makes nothing: its attachment goes with the process,
	// however it ends. Catch only makes it end as the parent does (130 on
	// Ctrl-C; SIGPIPE when the shared standard output is closed).
	cleanup.Catch("child")
	me := say.New("child")
	id := shmidArg(me, args)
	// must_remove = 0; /* removing is the parent's job */
	// close(ready[0]);
	// close(go[1]);
	// not ported: this process never had them (no fork).
	// c_addr = shmat(shmid, NULL, SHM_RDONLY);
	mem, err := unix.SysvShmAttach(id, 0, childAtFlags)
	// if (c_addr == (void *)-1)
	// die("shmat");
	if err != nil {
		me.Fatal(syserr.Wrap(shmatCall(strconv.Itoa(id), childAtFlags), err, shmatMeanings))
	}
	// printf("child %d: attached read-only\n", (int)getpid());
	me.Printf("%s: attached %d bytes, read-only", shmatCall("shmid "+strconv.Itoa(id), childAtFlags), len(mem))
	showMapping(me, id)
	// if (write(ready[1], "a", 1) != 1)
	// die("write");
	// close(ready[1]);
	child.Ready("")
	// while ((n = read(go[0], &c, 1)) > 0)
	_, err = io.Copy(io.Discard, os.Stdin)
	// if (n == -1)
	// die("read");
	if err != nil {
		me.Fatal(syserr.Wrap("read", err, nil))
	}
	// printf("child %d: Client get %.*s\n", (int)getpid(), (int)strnlen(c_addr, SEGSIZE), c_addr);
	// Go: up to the first NUL and never past the segment; string() copies
	// the bytes into Go memory, which stays valid after shmdt.
	n := bytes.IndexByte(mem, 0)
	if n < 0 {
		n = len(mem)
	}
	me.Printf("Client get %s", string(mem[:n]))
	// if (shmdt(c_addr) == -1) /* erratum no-shmdt */
	if err := unix.SysvShmDetach(mem); err != nil {
		// die("shmdt");
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
	// printf("child %d: detached\n", (int)getpid());
	me.Printf("shmdt: detached (%d bytes read)", n)
	// exit(0);
	// Go: through the cleanup lock: a signal being handled ends the child
	// by that signal rather than race it with status 0.
	cleanup.Exit(0)
}

// shmidArg is a child's one argument, the shmid its parent passed.
func shmidArg(me *say.Speaker, args []string) int {
	if len(args) != 1 {
		me.Fatal(fmt.Errorf("want one shmid, got %q", args))
	}
	id, err := strconv.Atoi(args[0])
	if err != nil {
		me.Fatal(syserr.Wrap("parse shmid", err, nil))
	}
	return id
}

// die is shmadd.c's die(): the call that failed, its errno by name and
// what it means here, then exit 1, the segment removed first if it is not
// marked yet.
func die(me *say.Speaker, call string, err error, m syserr.Meanings) {
	// const char *name = strerrorname_np(e);
	// fprintf(stderr, "%d: error: %s failed: %s (%s)\n", (int)getpid(), call, name ? name : "?", strerror(e));
	// if (must_remove)
	// shmctl(shmid, IPC_RMID, NULL);
	// exit(1);
	// Go: say.Fatal prints the line; common/cleanup removes what is still
	// registered (the segment until IPC_RMID: must_remove), then exit(1).
	me.Fatal(syserr.Wrap(call, err, m))
}

// stat is shmctl(shmid, IPC_STAT, &ds).
func stat(id int) (unix.SysvShmDesc, error) {
	var ds unix.SysvShmDesc
	_, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds)
	return ds, err
}

// showSegment is shmadd.c's show(): what IPC_STAT says about the
// segment, or that it is gone; then its row of /proc/sysvipc/shm.
func showSegment(me *say.Speaker, id int) {
	// if (shmctl(shmid, IPC_STAT, &ds) == -1) {
	var ds unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds); err != nil {
		// printf("%s %d: shmctl(IPC_STAT) failed: %s: the segment is gone\n", who, (int)getpid(), strerrorname_np(errno));
		me.Kernel("%v", syserr.Wrap("shmctl(IPC_STAT)", err, syserr.Meanings{
			unix.EINVAL: "the segment is gone",
		}))
	} else {
		// snprintf(lpid, sizeof lpid, "%d", (int)ds.shm_lpid);
		// printf("%s %d: IPC_STAT: size=%zu nattch=%lu cpid=%d lpid=%s mode=%#o%s\n", who, (int)getpid(), ds.shm_segsz, (unsigned long)ds.shm_nattch, (int)ds.shm_cpid, lpid, (unsigned)(ds.shm_perm.mode & 07777), (ds.shm_perm.mode & SHM_DEST) ? " (SHM_DEST)" : "");
		mode := fmt.Sprintf("%#o", ds.Perm.Mode&0o7777)
		if ds.Perm.Mode&shmDest != 0 {
			mode += " (SHM_DEST)"
		}
		me.Kernel("IPC_STAT: size=%d nattch=%d cpid=%d lpid=%s mode=%s",
			ds.Segsz, ds.Nattch, ds.Cpid, peek.PID(int(ds.Lpid)), mode)
		me.Kernel("          atime=%s dtime=%s ctime=%s",
			peek.When(ds.Atime), peek.When(ds.Dtime), peek.When(ds.Ctime))
	}
	me.Kernel("%s", peek.SysVLine("shm", id, "key", "shmid", "perms", "nattch", "rss"))
}

var (
	shmgetMeanings = syserr.Meanings{
		unix.ENOSYS: "this kernel has no System V IPC",
		unix.ENOSPC: "all segment ids are taken (kernel.shmmni): see ipcs -m",
		unix.ENOMEM: "no memory for the segment",
	}
	shmatMeanings = syserr.Meanings{
		unix.EINVAL: "no segment has this id (never made, or already freed)",
		unix.EACCES: "the segment's mode does not let this user attach it",
		unix.EIDRM:  "the segment was removed",
		unix.ENOMEM: "no room for it in this process's address space (RLIMIT_AS, ulimit -v)",
	}
)
