// 07-msgqueue ports the message queue programs of the articles
// "进程间通信（消息队列）" (interprocess communication: message queuing):
// comm.h and comm.c, which wrap ftok, msgget, msgsnd, msgrcv and msgctl,
// and server.c and client.c, which chat through one System V message
// queue, the server's messages carrying type 1 and the client's type 2.
// The demo then walks through what the article "004" explains: msgrcv's
// msgtyp, IPC_NOWAIT, E2BIG and MSG_NOERROR, msgctl's IPC_STAT, IPC_SET and
// IPC_RMID, and the msgmax limit.
//
// Usage:
//
//	go run ./07-msgqueue                                  the demo
//	go run ./07-msgqueue server [-path .] [-proj 0x66]    in one terminal
//	go run ./07-msgqueue client [-path .] [-proj 0x66]    in another
//
// The server and the client read lines from standard input and print what
// they receive ("client# ...", "server# ..."); they end on end of input or
// a line "quit". The server removes the queue when it ends, also on Ctrl-C.
// The key comes from ftok(path, proj): two programs that pass the same path
// and project id meet at the same queue, whatever language they are in (the
// C twins are in c/).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

const usage = `usage: 07-msgqueue [server|client [-path PATH] [-proj ID]]

  (no arguments)  the demo: a server and a client chat through one queue, then
                  msgrcv's types, IPC_NOWAIT, E2BIG, IPC_STAT, IPC_SET, msgmax
                  and IPC_RMID, step by step
  server          create the queue (IPC_CREAT|IPC_EXCL|0600) and answer each
                  client message with a line of standard input; the queue is
                  removed when the server ends (end of input, "quit", Ctrl-C)
  client          open the server's queue, send each line of standard input
                  and print the reply; ends on end of input or "quit"

  -path PATH      the existing path ftok() makes the key from (default ".")
  -proj ID        ftok's project id, 1 to 255, as 102, 0x66 or 0146 (default 0x66)
`

func main() {
	// Go cannot fork: the demo's server and client are this program run
	// again in a role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){"server": server, "client": client})

	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "server":
			server(os.Args[2:])
			return
		case "client":
			client(os.Args[2:])
			return
		}
	}
	say.Parse(flag.NewFlagSet("07-msgqueue", flag.ContinueOnError), os.Args[1:], usage, 0, 0)
	demo()
}

// keyFlags parses -path and -proj, the two halves of the key.
func keyFlags(name string, args []string) (path string, proj int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&path, "path", pathname, "the path ftok() makes the key from")
	projS := fs.String("proj", fmt.Sprintf("%#x", projID), "ftok's project id, 1 to 255")
	say.Parse(fs, args, usage, 0, 0)
	n, err := strconv.ParseInt(*projS, 0, 64)
	if err != nil || n < 1 || n > 0xff {
		// ftok uses only the low 8 bits: 0x166 would silently be 0x66.
		say.Usage(usage, "-proj must be a number from 1 to 255 (ftok uses only 8 bits), not %q", *projS)
	}
	if path == "" {
		say.Usage(usage, "-path must not be empty")
	}
	return path, int(n)
}

// demo runs the server and the client, then takes a queue of its own
// through the calls of the article "004".
func demo() {
	p := say.New("parent")
	c := &cleaner{qid: -1}
	c.onSignals(p)

	say.Step(1, "ftok() makes a key from a path and a project id (comm.c)")
	dir, key := keyPath(p, c)

	say.Step(2, "the server creates the queue, the client opens it, they chat (server.c, client.c)")
	chat(p, c, dir)

	say.Step(3, "msgrcv's msgtyp picks the message: 0, > 0, < 0")
	id := createLab(p, c, key)
	msgtyp(p, c, id)

	say.Step(4, "IPC_NOWAIT on an empty queue: ENOMSG instead of waiting")
	noWait(p, c, id)

	say.Step(5, "a message longer than the buffer: E2BIG, or MSG_NOERROR cuts it")
	tooBig(p, c, id)

	say.Step(6, "msgctl(IPC_STAT): what the kernel keeps about the queue")
	ipcStat(p, c, id)

	say.Step(7, "msgctl(IPC_SET) lowers msg_qbytes: the queue is full sooner, IPC_NOWAIT gives EAGAIN")
	ipcSet(p, c, id)

	say.Step(8, "a message over msgmax: EINVAL")
	overMsgmax(p, c, id)

	say.Step(9, "msgctl(IPC_RMID) removes the queue and the messages in it (destroyMsgQueue)")
	remove(p, c, id)

	say.Step(10, "what this process still holds")
	c.removeDir(p)
	p.Kernel("open descriptors: %s", peek.FDSummary())
	p.Printf("a System V queue is no file descriptor: it is found by key or msqid, not in\n" +
		"/proc/self/fd, and lives until IPC_RMID (or the end of its IPC namespace)")
}

// keyPath makes a directory of this run's own for ftok, so that two runs at
// once get two keys, and shows how the key is made. Keys can still collide
// (only 16 bits of the inode count); a key that already names a queue is
// skipped.
func keyPath(p *say.Speaker, c *cleaner) (string, sysv.Key) {
	for try := 0; ; try++ {
		dir, err := os.MkdirTemp("", "07-msgqueue-")
		if err != nil {
			c.fatal(p, syserr.Wrap("mkdir", err, nil))
		}
		c.setDir(dir)
		// key_t _key = ftok(PATHNAME, PROJ_ID);
		key, err := sysv.Ftok(dir, projID)
		if err != nil {
			c.fatal(p, err)
		}
		if _, err := sysv.Msgget(key, 0); syserr.Errno(err) != unix.ENOENT && try < 10 {
			c.removeDir(nil) // the key is taken (an ftok collision): another directory
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(dir, &st); err != nil {
			c.fatal(p, syserr.Wrap("stat", err, nil))
		}
		p.Printf("made %s: a path of this run's own, where the article uses \".\"", dir)
		p.Printf("stat(): st_ino %d, st_dev %#x", st.Ino, st.Dev)
		p.Printf("ftok(path, %#x) = (st_ino & 0xffff) | (st_dev & 0xff) << 16 | %#x << 24 = key %v",
			projID, projID, key)
		p.GoNote("x/sys/unix has no ftok: sysv.Ftok is glibc's formula, checked against C's\n" +
			"ftok() by the tests. Every program that passes the same path and project id\n" +
			"gets this key, C or Go, and msgget turns the key into the queue's id.")
		return dir, key
	}
}

// chat runs server.c and client.c: the server first, since only it
// creates the queue, then the client, each reading its lines from a pipe.
func chat(p *say.Speaker, c *cleaner, dir string) {
	proj := fmt.Sprintf("%#x", projID)
	srv := child.Command("server", "-path", dir, "-proj", proj)
	// The server's input: one reply now; its end comes later, at a moment
	// of our choosing.
	in, reply, err := os.Pipe()
	if err != nil {
		c.fatal(p, syserr.Wrap("pipe", err, nil))
	}
	reply.WriteString("hi, client\n") //nolint:errcheck // the pipe buffer takes it
	srv.Stdin = in
	// Should this parent die, the server gets SIGTERM, not the default
	// SIGKILL, so that it removes its queue.
	srv.SysProcAttr.Pdeathsig = unix.SIGTERM
	start(p, c, srv)
	in.Close()
	msg, err := srv.WaitReady()
	if err != nil {
		c.fatal(p, err)
	}
	qid, _ := strconv.Atoi(msg)
	// The server says it is ready just before it calls msgrcv; the kernel
	// shows when it sleeps there.
	if err := peek.WaitBlocked(srv.Process.Pid, unix.SYS_MSGRCV, int64(qid), time.Minute); err != nil {
		c.fatal(p, err)
	}
	p.Printf("the server is waiting in msgrcv; starting the client with the same path and project id")
	p.GoNote("no fork: server and client are this program run again in a role. They\n" +
		"share nothing but the key, just like two programs started in two terminals.")

	cl := child.Command("client", "-path", dir, "-proj", proj)
	cl.Stdin = strings.NewReader("hello, server\nare you still there?\n")
	start(p, c, cl)

	// The server blocks reading its input only after the client's second
	// message (it had a reply ready for the first); then the client waits
	// for an answer. The kernel shows where each process sleeps.
	for _, w := range []struct {
		cmd *child.Cmd
		nr  uintptr
		fd  int64
	}{{srv, unix.SYS_READ, 0}, {cl, unix.SYS_MSGRCV, -1}} {
		if err := peek.WaitBlocked(w.cmd.Process.Pid, w.nr, w.fd, time.Minute); err != nil {
			c.fatal(p, err)
		}
	}
	p.Kernel("server %d sleeps in read(0, ...), client %d in msgrcv (/proc/<pid>/task/*/syscall)",
		srv.Process.Pid, cl.Process.Pid)
	p.Printf("closing the server's input: at its turn to answer, it finds end of input")
	reply.Close()
	end(p, cl)
	end(p, srv)
	p.Printf("removing the queue was what woke the waiting client (EIDRM) and let it end cleanly")
	showRow(p, qid)
}

// createLab makes the queue for steps 3 to 9 with the same key. The server
// removed its queue, so the key is free again.
func createLab(p *say.Speaker, c *cleaner, key sysv.Key) int {
	id, err := sysv.Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		c.fatal(p, err)
	}
	c.setQueue(id)
	p.Printf("msgget(key %v, IPC_CREAT|IPC_EXCL|0600) = msqid %d: the same key, a new queue", key, id)
	p.Printf("with a new id: the id carries a sequence number, so a stale msqid never reaches it")
	showRow(p, id)
	return id
}

// msgtyp fills the queue with mixed types and shows the order each msgtyp
// takes them in.
func msgtyp(p *say.Speaker, c *cleaner, id int) {
	msgs := []struct {
		t    int64
		text string
	}{{3, "c1"}, {1, "a1"}, {2, "b1"}, {1, "a2"}, {3, "c2"}, {2, "b2"}}
	var sent []string
	for _, m := range msgs {
		if err := sysv.Msgsnd(id, m.t, []byte(m.text), unix.IPC_NOWAIT); err != nil {
			c.fatal(p, err)
		}
		sent = append(sent, fmt.Sprintf("%d:%s", m.t, m.text))
	}
	p.Printf("msgsnd, in this order (type:text): %s", strings.Join(sent, " "))
	p.GoNote("C fills struct msgbuf { long mtype; char mtext[1024]; } and passes the\n" +
		"text's size (not the struct's) as msgsz. sysv.Msgsnd(id, mtype, text, flags)\n" +
		"builds the same bytes, an 8-byte mtype and the text, in Go memory.")
	showRow(p, id)
	buf := make([]byte, 16)
	for _, rq := range []struct {
		typ   int64
		flags int
		why   string
	}{
		{0, 0, "the first message, whatever its type"},
		{2, 0, "the first message of type 2"},
		{-3, 0, "the lowest type <= 3 first: type 1 before 2 and 3"},
		{1, sysv.MSG_EXCEPT, "the first message NOT of type 1"},
		{-3, 0, "again: the lowest type left"},
		{-3, 0, "and the last one"},
	} {
		mt, n, err := sysv.Msgrcv(id, buf, rq.typ, rq.flags|unix.IPC_NOWAIT)
		if err != nil {
			c.fatal(p, err)
		}
		call := fmt.Sprintf("msgrcv(msgtyp %d)", rq.typ)
		if rq.flags != 0 {
			call = fmt.Sprintf("msgrcv(msgtyp %d, %s)", rq.typ, sysv.MsgFlags(rq.flags))
		}
		p.Printf("%-28s -> %d:%s  %s", call, mt, buf[:n], rq.why)
	}
	p.Printf("server and client share one queue this way: each asks only for the other's type")
}

// noWait is msgrcv with IPC_NOWAIT on an empty queue.
func noWait(p *say.Speaker, c *cleaner, id int) {
	showRow(p, id)
	_, _, err := sysv.Msgrcv(id, make([]byte, 16), 0, unix.IPC_NOWAIT)
	expect(p, c, err, unix.ENOMSG)
	p.Printf("without IPC_NOWAIT, msgrcv sleeps until a message of the wanted type arrives,\n" +
		"as the client does while it waits for the server's reply")
}

// tooBig receives a 32-byte message into 16 bytes, without and with
// MSG_NOERROR.
func tooBig(p *say.Speaker, c *cleaner, id int) {
	text := "sixteen bytes...and sixteen more"
	if err := sysv.Msgsnd(id, 1, []byte(text), unix.IPC_NOWAIT); err != nil {
		c.fatal(p, err)
	}
	p.Printf("msgsnd: a message of %d bytes", len(text))
	buf := make([]byte, 16)
	_, _, err := sysv.Msgrcv(id, buf, 0, unix.IPC_NOWAIT)
	expect(p, c, err, unix.E2BIG)
	showRow(p, id)
	mt, n, err := sysv.Msgrcv(id, buf, 0, unix.IPC_NOWAIT|sysv.MSG_NOERROR)
	if err != nil {
		c.fatal(p, err)
	}
	p.Printf("msgrcv(IPC_NOWAIT|MSG_NOERROR) into %d bytes -> type %d, %d bytes %q", len(buf), mt, n, buf[:n])
	showRow(p, id)
	p.Printf("the other %d bytes are lost: MSG_NOERROR cuts, it does not keep the rest", len(text)-n)
}

// ipcStat prints the fields of struct msqid_ds.
func ipcStat(p *say.Speaker, c *cleaner, id int) {
	for _, m := range []string{"one", "three"} {
		if err := sysv.Msgsnd(id, 1, []byte(m), unix.IPC_NOWAIT); err != nil {
			c.fatal(p, err)
		}
	}
	p.Printf(`msgsnd: "one" and "three"`)
	ds := stat(p, c, id)
	p.Printf("msgctl(IPC_STAT) fills struct msqid_ds (%d bytes); its msg_* fields:", 120)
	p.Printf("  perm: key %v, mode %#o, uid %d, cuid %d", sysv.Key(ds.Perm.Key), ds.Perm.Mode&0o777, ds.Perm.Uid, ds.Perm.Cuid)
	p.Printf("  qnum=%d    messages in the queue", ds.Qnum)
	p.Printf("  cbytes=%d  bytes of text in the queue (3 + 5)", ds.Cbytes)
	p.Printf("  qbytes=%d  the most bytes of text it may hold (msgmnb, by default)", ds.Qbytes)
	p.Printf("  lspid=%d  the last process to msgsnd", ds.Lspid)
	p.Printf("  lrpid=%d  the last process to msgrcv", ds.Lrpid)
	p.Printf("  stime=%s  rtime=%s  ctime=%s  (last send, last receive, creation)",
		when(ds.Stime), when(ds.Rtime), when(ds.Ctime))
	showRow(p, id)
}

// ipcSet lowers msg_qbytes and fills the queue until msgsnd would block.
func ipcSet(p *say.Speaker, c *cleaner, id int) {
	ds := stat(p, c, id)
	ds.Qbytes = 100
	if err := sysv.Msgctl(id, unix.IPC_SET, &ds); err != nil {
		c.fatal(p, err)
	}
	p.Printf("msgctl(IPC_SET) with qbytes=100 (IPC_SET changes only uid, gid, mode and qbytes;")
	p.Printf("raising qbytes above msgmnb would need CAP_SYS_RESOURCE)")
	chunk := make([]byte, 40)
	for {
		err := sysv.Msgsnd(id, 2, chunk, unix.IPC_NOWAIT)
		if err != nil {
			expect(p, c, err, unix.EAGAIN)
			break
		}
		p.Printf("msgsnd(IPC_NOWAIT) of %d bytes: ok, cbytes=%d", len(chunk), stat(p, c, id).Cbytes)
	}
	showRow(p, id)
	p.Printf("without IPC_NOWAIT, msgsnd would sleep until a reader makes room")
}

// overMsgmax sends one byte more than the system's limit for one message.
func overMsgmax(p *say.Speaker, c *cleaner, id int) {
	b, err := os.ReadFile("/proc/sys/kernel/msgmax")
	if err != nil {
		c.fatal(p, err)
	}
	msgmax, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		c.fatal(p, err)
	}
	p.Kernel("/proc/sys/kernel/msgmax = %d: the most bytes of text in one message", msgmax)
	err = sysv.Msgsnd(id, 1, make([]byte, msgmax+1), unix.IPC_NOWAIT)
	p.Printf("msgsnd of msgmax+1 bytes:")
	expect(p, c, syserr.Explain(err, syserr.Meanings{unix.EINVAL: "the text is longer than msgmax"}), unix.EINVAL)
	p.Printf("EINVAL, not EAGAIN: such a message never fits, waiting would not help")
}

// remove is destroyMsgQueue: IPC_RMID with messages still inside.
func remove(p *say.Speaker, c *cleaner, id int) {
	ds := stat(p, c, id)
	if err := destroyMsgQueue(id); err != nil {
		c.fatal(p, err)
	}
	c.setQueue(-1)
	p.Printf("msgctl(IPC_RMID) with %d messages (%d bytes) still inside: all gone at once", ds.Qnum, ds.Cbytes)
	showRow(p, id)
	err := sysv.Msgsnd(id, 1, []byte("late"), unix.IPC_NOWAIT)
	expect(p, c, syserr.Explain(err, syserr.Meanings{unix.EINVAL: "no queue has this msqid any more"}), unix.EINVAL)
	p.Printf("a process blocked on the queue would have woken with EIDRM; later calls get EINVAL")
}

func stat(p *say.Speaker, c *cleaner, id int) sysv.MsqidDs {
	var ds sysv.MsqidDs
	if err := sysv.Msgctl(id, unix.IPC_STAT, &ds); err != nil {
		c.fatal(p, err)
	}
	return ds
}

// when prints a time of msqid_ds, 0 being "never".
func when(t int64) string {
	if t == 0 {
		return "never"
	}
	return time.Unix(t, 0).Format("15:04:05")
}

// expect prints an error the step provokes on purpose, and stops if the
// kernel answered anything else.
func expect(p *say.Speaker, c *cleaner, err error, want unix.Errno) {
	if syserr.Errno(err) != want {
		if err == nil {
			err = fmt.Errorf("the call succeeded")
		}
		c.fatal(p, fmt.Errorf("expected %s: %w", syserr.Name(want), err))
	}
	p.Warnf("%v", err)
}

func start(p *say.Speaker, c *cleaner, cmd *child.Cmd) {
	if err := cmd.Start(); err != nil {
		c.fatal(p, syserr.Wrap("start "+cmd.Role, err, nil))
	}
}

// end is waitpid(pid, &status, 0), with the status spelled out.
func end(p *say.Speaker, cmd *child.Cmd) {
	cmd.Wait() //nolint:errcheck // the status is what we report
	p.Printf("waitpid: %s %d %s", cmd.Role, cmd.Process.Pid, child.Describe(cmd.ProcessState))
}

// cleaner remembers what the demo has made in the kernel and in TMPDIR, so
// that an error or a Ctrl-C leaves nothing behind.
type cleaner struct {
	mu  sync.Mutex
	dir string
	qid int
}

func (c *cleaner) setDir(d string) { c.mu.Lock(); c.dir = d; c.mu.Unlock() }
func (c *cleaner) setQueue(id int) { c.mu.Lock(); c.qid = id; c.mu.Unlock() }

// removeDir removes the ftok directory, saying so when p is not nil.
func (c *cleaner) removeDir(p *say.Speaker) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dir == "" {
		return
	}
	if err := os.Remove(c.dir); err != nil && p != nil {
		p.Warnf("%v", err)
	} else if p != nil {
		p.Printf("removed %s, the path of the key", c.dir)
	}
	c.dir = ""
}

// clean removes whatever is left; the caller then exits.
func (c *cleaner) clean() {
	c.mu.Lock()
	if c.qid >= 0 {
		destroyMsgQueue(c.qid) //nolint:errcheck // best effort on the way out
		c.qid = -1
	}
	c.mu.Unlock()
	c.removeDir(nil)
}

// fatal cleans up, then prints err and exits with status 1.
func (c *cleaner) fatal(p *say.Speaker, err error) {
	c.clean()
	p.Fatal(err)
}

// onSignals cleans up on Ctrl-C, SIGTERM and SIGHUP. The children take
// care of themselves: the server removes its queue on the same signals
// (and on this process's death, through its SIGTERM parent-death signal).
func (c *cleaner) onSignals(p *say.Speaker) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP)
	go func() {
		s := <-sigs
		c.clean()
		p.Warnf("caught %s: removed the demo's queue and directory", unix.SignalName(s.(syscall.Signal)))
		os.Exit(1)
	}()
}
