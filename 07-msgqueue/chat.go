//go:build linux && (amd64 || arm64)

package main

// Steps 1 and 2 of the demo: where the key comes from, and server.c and
// client.c run as two processes, each reading its lines from a pipe.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// keyPath makes a directory of this run's own for ftok, so that two runs at
// once get two keys, and shows how the key is made. Keys can still collide
// (only 16 bits of the inode count); a key that already names a queue is
// skipped.
func keyPath(me *say.Speaker) (string, *cleanup.Handle, sysv.Key) {
	for try := 0; ; try++ {
		var dir string
		h, err := cleanup.Make(func() (string, func() error, error) {
			var err error
			if dir, err = os.MkdirTemp("", "07-msgqueue-"); err != nil {
				return "", nil, syserr.Wrap("mkdir", err, nil)
			}
			return "directory " + dir, func() error { return os.Remove(dir) }, nil
		})
		if err != nil {
			me.Fatal(err)
		}
		// key_t _key = ftok(PATHNAME, PROJ_ID);
		key, err := sysv.Ftok(dir, projID)
		if err != nil {
			me.Fatal(err)
		}
		if _, err := sysv.Msgget(key, 0); syserr.Errno(err) != unix.ENOENT && try < 10 {
			_ = h.Release() // the key is taken (an ftok collision): another directory
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(dir, &st); err != nil {
			me.Fatal(syserr.Wrap("stat", err, nil))
		}
		me.Printf("made %s: a path of this run's own, where the article uses \".\"", dir)
		me.Printf("stat(): st_ino %d, st_dev %#x", st.Ino, st.Dev)
		me.Printf("ftok(path, %#x) = (st_ino & 0xffff) | (st_dev & 0xff) << 16 | %#x << 24 = key %v",
			projID, projID, key)
		me.GoNote("x/sys/unix has no ftok: sysv.Ftok is glibc's formula, checked against\n" +
			"C's ftok() by the tests. Every program that passes the same path and\n" +
			"project id gets this key, C or Go, and msgget turns the key into the\n" +
			"queue's id.")
		return dir, h, key
	}
}

// chat runs server.c and client.c: the server first, since only it
// creates the queue, then the client, each reading its lines from a pipe.
func chat(me *say.Speaker, dir string) {
	proj := fmt.Sprintf("%#x", projID)
	srv := child.Command("server", "-path", dir, "-proj", proj)
	// The server owns the queue: on an interrupt it is sent SIGTERM and
	// waited for, so that it removes the queue itself; should this parent
	// die, it gets SIGTERM too, not the default SIGKILL.
	srv.Cleans = true
	srv.SysProcAttr.Pdeathsig = unix.SIGTERM
	// The server's input: one reply now; its end comes later, at a moment
	// of our choosing.
	in, reply := child.Pipe(me, false)
	_, _ = reply.WriteString("hi, client\n") // the pipe buffer takes it
	srv.Stdin = in
	srv.StartOrFail(me)
	in.Close()
	msg, err := srv.WaitReady()
	if err != nil {
		endedEarly(me, srv)
	}
	qid, _ := strconv.Atoi(msg)
	// The server says it is ready just before it calls msgrcv; the kernel
	// shows when it sleeps there.
	await(me, srv, unix.SYS_MSGRCV, int64(qid), srv)
	me.Printf("the server is waiting in msgrcv; starting the client with the same path and proj")
	me.GoNote("no fork: server and client are this program run again in a role. They\n" +
		"share nothing but the key, like two programs started in two terminals.")

	cl := child.Command("client", "-path", dir, "-proj", proj)
	clIn, line := child.Pipe(me, false)
	_, _ = line.WriteString("hello, server\n") // the pipe buffer takes it
	cl.Stdin = clIn
	cl.StartOrFail(me)
	clIn.Close()

	// The client sleeps in read(0) once it has printed the first reply;
	// then its second line. The server's input goroutine sleeps in read(0)
	// all the time (server.go), so that end of input ends an idle server.
	await(me, cl, unix.SYS_READ, 0, srv, cl)
	me.Kernel("client %d sleeps in read(0): it has printed the reply\n(/proc/<pid>/task/*/syscall)", cl.Process.Pid)
	me.Printf("its second line now; the server's input ends once the server has taken that request")
	_, _ = line.WriteString("are you still there?\n") // as above
	line.Close()
	// The client sleeps in msgrcv once its request is sent; the server has
	// taken it when the queue is empty: it then waits for a reply line.
	await(me, cl, unix.SYS_MSGRCV, int64(qid), srv, cl)
	for guard := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		var ds sysv.MsqidDs
		if err := sysv.Msgctl(qid, unix.IPC_STAT, &ds); err != nil {
			me.Fatal(err)
		}
		if ds.Qnum == 0 {
			break
		}
		if time.Now().After(guard) {
			me.Fatal(fmt.Errorf("server %d did not take the request within a minute", srv.Process.Pid))
		}
	}
	// Said before: the server's lines may come at any moment now.
	reply.Close()
	reap(me, cl)
	reap(me, srv)
	me.Printf("removing the queue was what woke the waiting client (EIDRM) and let it end cleanly")
	me.Kernel("%s", row(qid))
}

// reap is waitpid(pid, &status, 0), with the status spelled out.
func reap(me *say.Speaker, cmd *child.Cmd) {
	_ = cmd.Wait() // the status is what we report
	me.Printf("waitpid: %s %d %s", cmd.Role, cmd.Process.Pid, child.Describe(cmd.ProcessState))
}

// await waits until the kernel shows cmd asleep in system call nr on arg0
// (a queue id, a descriptor), looking every millisecond: a process asleep
// cannot say so itself. If one of the children ends instead, so does the
// demo (endedEarly).
func await(me *say.Speaker, cmd *child.Cmd, nr uintptr, arg0 int64, children ...*child.Cmd) {
	pid := cmd.Process.Pid
	for guard := time.Now().Add(time.Minute); !peek.BlockedIn(pid, nr, arg0); time.Sleep(time.Millisecond) {
		for _, c := range children {
			if st := readStat(c.Process.Pid); st == "" || zombie(st) {
				endedEarly(me, c, children...)
			}
		}
		if time.Now().After(guard) {
			me.Fatal(fmt.Errorf("%s %d did not block in system call %d within a minute", cmd.Role, pid, nr))
		}
	}
}

func zombie(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// endedEarly ends the demo when a child ended too early. A child that died of
// a signal that ends programs (a Ctrl-C to the whole group, a closed
// standard output they share) shows that this process is being ended the
// same way: it ends so, after cleaning up, as a shell does. So does a
// client that ended because such a signal ended the server (EIDRM).
// Anything else is a failure.
func endedEarly(me *say.Speaker, cmd *child.Cmd, children ...*child.Cmd) {
	for _, c := range append([]*child.Cmd{cmd}, children...) {
		if c != cmd && !zombie(readStat(c.Process.Pid)) {
			continue
		}
		if c.ProcessState == nil {
			_ = c.Wait() // its status is what we look at
		}
		if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok {
			cleanup.FollowChild(ws)
		}
	}
	me.Fatal(fmt.Errorf("%s %d %s", cmd.Role, cmd.Process.Pid, child.Describe(cmd.ProcessState)))
}

func readStat(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return string(b)
}
