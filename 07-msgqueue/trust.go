//go:build linux && (amd64 || arm64)

package main

// Beyond the article: whose queue is this? A key is a guessable number
// (ftok of a path everyone can stat), so another local user can create
// the queue for it before the server does ("squatting"); a client that
// took any queue with the key would then send its lines to, and print
// replies from, a queue that user reads and writes. And a server killed
// with kill -9 leaves its queue behind, with clients asleep on it that
// nothing will wake. IPC_STAT tells both apart: msg_perm says who owns the
// queue and who may use it, msg_lspid and msg_lrpid who used it last.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// existing explains EEXIST: whose the queue with this key is, whether its
// server still lives, and the exact command that removes it, if removing
// it is this user's business. As root, ipcrm removes anybody's queue, so
// the advice is never given for another user's.
func existing(id int, err error) string {
	if err != nil {
		return "a queue with this key exists, and cannot be opened (" + syserr.Name(syserr.Errno(err)) + "); see ipcs -q"
	}
	var ds sysv.MsqidDs
	if err := sysv.Msgctl(id, unix.IPC_STAT, &ds); err != nil || ds.Perm.Uid != uint32(os.Geteuid()) {
		owner := "another user"
		if err == nil {
			owner = who(ds.Perm.Uid)
		}
		return fmt.Sprintf("\nqueue %d has this key, and belongs to %s:\n"+
			"not yours, so no ipcrm is suggested (it may be in use).\n"+
			"Use another -path or -proj, or ask its owner", id, owner)
	}
	s := fmt.Sprintf("\nqueue %d has this key and is yours:\nlast msgsnd by %s,\nlast msgrcv by %s;\n", id,
		alive(int(ds.Lspid), ds.Stime), alive(int(ds.Lrpid), ds.Rtime))
	myNS := ipcNS()
	if myNS == "" {
		return s + "this thread's IPC namespace cannot be read (/proc/self/task/TID/ns/ipc),\n" +
			"so which processes wait on the queue cannot be told.\n" +
			"If your server still runs, end it (Ctrl-C in its terminal) and start again;\n" +
			"if not, remove the queue with: ipcrm -q " + strconv.Itoa(id)
	}
	srv, clients, hidden := waiters(id, myNS)
	if len(srv) > 0 {
		return s + fmt.Sprintf("a server is still running (waiting in msgrcv for type %d: %v).\n"+
			"End it (Ctrl-C in its terminal, or kill PID) and start again", clientType, srv)
	}
	// The processes that used the queue last and still run, asleep in no
	// msgrcv on it that this user can see: nothing in the queue tells a
	// server reading its next reply from a client reading its next line.
	// Each is named with its command line, which does; the server is
	// called gone only when there is none.
	var users []string
	seen := map[int]bool{}
	for _, last := range []struct {
		id   int
		when int64
	}{{int(ds.Lspid), ds.Stime}, {int(ds.Lrpid), ds.Rtime}} {
		if last.id == 0 && last.when != 0 && !seen[0] {
			seen[0] = true
			users = append(users, "a process of another PID namespace (a container?), which this one\n"+
				"cannot see (its PID reads 0 here); ps there tells what it is.")
		}
		pid, ok := running(last.id, clients, myNS, hidden)
		if !ok || seen[pid] {
			continue
		}
		seen[pid] = true
		why := "used it last and runs, in no msgrcv on it"
		switch {
		case startedAfter(last.id, last.when):
			why = "started after the last use (a reused PID?)"
		case hidden[pid]:
			why = fmt.Sprintf("used it last and runs; where it waits is hidden from this user\n"+
				"(/proc/%d/task/*/syscall needs ptrace access)", pid)
		}
		users = append(users, fmt.Sprintf("PID %d %s; its command line:\n  %s", pid, why, command(pid)))
	}
	if len(users) > 0 {
		return s + strings.Join(users, "\n") + "\n" +
			"Each may be a server (in msgrcv, or reading its next reply) or a client.\n" +
			"A server among them: end it (Ctrl-C, or kill PID) and start again.\n" +
			"None: its server is gone; remove the queue with: ipcrm -q " + strconv.Itoa(id)
	}
	if len(clients) > 0 {
		s += fmt.Sprintf("no server is left, but clients %v sleep in msgrcv on it,\n"+
			"waiting for replies that will never come;\n", clients)
	}
	return s + "its server is gone (killed with kill -9? the kernel keeps no creator PID\n" +
		"for a queue: the last PIDs to use it are all there is to go on).\n" +
		"Remove it with: ipcrm -q " + strconv.Itoa(id)
}

// alive is "PID 4242 (still running)", "thread 4245 of PID 4242 (still
// running)", "PID 4242 (gone)" or "none", for id read from msg_lspid or
// msg_lrpid, which the queue last used at when.
func alive(id int, when int64) string {
	if id == 0 && when != 0 {
		return "a process of another PID namespace (0 here)"
	}
	if id == 0 {
		return peek.PID(0)
	}
	pid, ok := process(id)
	switch {
	case !ok:
		return fmt.Sprintf("PID %d (gone)", id)
	case startedAfter(id, when):
		return fmt.Sprintf("PID %d (running, but started later: a reused PID?)", id)
	case pid != id:
		return fmt.Sprintf("thread %d of PID %d (still running)", id, pid)
	}
	return fmt.Sprintf("PID %d (still running)", id)
}

// status reads /proc/<id>/status, or the file in a task folder, as
// "Name" -> value.
func status(dir string) map[string]string {
	b, err := os.ReadFile(dir + "/status")
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// process is the process that id, read from msg_lspid or msg_lrpid, names
// now. It may be a thread's ID: when msgsnd hands a message straight to a
// receiver asleep in msgrcv, the kernel records the receiving thread as
// msg_lrpid (ipc/msg.c, pipelined_send), and a Go client waits in msgrcv
// on whichever thread runs it. ok is false when no such task is left, or
// only a process's zombie (it has exited; its parent has not reaped it).
func process(id int) (pid int, ok bool) {
	st := status("/proc/" + strconv.Itoa(id))
	pid, _ = strconv.Atoi(st["Tgid"])
	if pid == 0 || strings.HasPrefix(st["State"], "Z") && st["Threads"] == "1" {
		return 0, false
	}
	return pid, true
}

// startedAfter reports whether task id started after when (a time in
// seconds since the epoch, as msg_stime and msg_rtime hold): then it is
// not the one that used the queue, but a newer task given the freed ID.
// Its start is field 22 of /proc/<id>/stat, in clock ticks since boot
// (USER_HZ, 100 on amd64 and arm64), and boot is btime in /proc/stat;
// both are whole seconds at best, so a second's slack is allowed.
func startedAfter(id int, when int64) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(id) + "/stat")
	i := strings.LastIndexByte(string(b), ')')
	if err != nil || i < 0 {
		return false
	}
	f := strings.Fields(string(b[i+1:])) // from field 3, the state
	if len(f) < 20 {
		return false
	}
	ticks, _ := strconv.ParseInt(f[19], 10, 64)
	st, err := os.ReadFile("/proc/stat")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			boot, _ := strconv.ParseInt(v, 10, 64)
			return boot > 0 && boot+ticks/100 > when+1
		}
	}
	return false
}

// running returns the process that id (msg_lspid or msg_lrpid) names if
// it is alive, this user's, in the IPC namespace myNS as far as can be
// seen, and none of the clients asleep in msgrcv on the queue (a client's
// receiving thread counts as its client). A process whose namespace
// cannot be read is counted, and added to hidden.
func running(id int, clients []int, myNS string, hidden map[int]bool) (int, bool) {
	pid, ok := process(id)
	if !ok {
		return 0, false
	}
	mine, known := ours("/proc/"+strconv.Itoa(id), myNS)
	if !mine {
		return 0, false
	}
	if !known {
		hidden[pid] = true
	}
	for _, c := range clients {
		if c == pid {
			return 0, false
		}
	}
	return pid, true
}

// command is the process's command line as ps shows it, the program named
// without its folder ("07-msgqueue client -path /tmp/q"); an argument
// with a space or a character that does not print is quoted, as Go
// would write it.
func command(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if err != nil || args[0] == "" {
		return "command line unknown"
	}
	args[0] = filepath.Base(args[0])
	for i, a := range args {
		if a == "" || strings.IndexFunc(a, func(r rune) bool { return r == ' ' || !unicode.IsPrint(r) }) >= 0 {
			args[i] = strconv.QuoteToGraphic(a)
		}
	}
	cmd := []rune(strings.Join(args, " "))
	if len(cmd) > 70 {
		return string(cmd[:67]) + "..."
	}
	return string(cmd)
}

// ipcNS names the calling thread's IPC namespace ("ipc:[4026531839]"),
// where its msgget found the queue, or is empty if it cannot be read.
// Not /proc/self's: that is the main thread's, and a thread may have
// entered another namespace (a test binary's do). /proc/thread-self says
// the same from Linux 3.17 on.
func ipcNS() string {
	runtime.LockOSThread() // the thread named is the one that reads
	defer runtime.UnlockOSThread()
	ns, _ := os.Readlink(fmt.Sprintf("/proc/self/task/%d/ns/ipc", unix.Gettid()))
	return ns
}

// ours reports whether the task at dir (/proc/<id> or
// /proc/<pid>/task/<tid>) runs as this user (its effective uid, the
// second number of Uid: in its status) and is in the IPC namespace myNS
// (a thread may have entered another one). known is false when its
// namespace cannot be read: the link needs ptrace read access, which a
// process that is not dumpable refuses to all without CAP_SYS_PTRACE; mine then says
// only that it runs as this user.
func ours(dir, myNS string) (mine, known bool) {
	uid := strings.Fields(status(dir)["Uid"])
	if len(uid) < 2 || uid[1] != strconv.Itoa(os.Geteuid()) || myNS == "" {
		return false, true
	}
	ns, err := os.Readlink(dir + "/ns/ipc")
	if errors.Is(err, fs.ErrPermission) {
		return true, false
	}
	return err == nil && ns == myNS, true
}

// waiters lists the processes asleep in msgrcv on queue id, as the kernel
// shows them in /proc/<pid>/task/<tid>/syscall ("70 0x3 0x7f.. 0x401 0x2
// ..." on amd64: the call's number and arguments): those waiting for type
// 2 are servers, the others clients waiting for their reply. hidden has
// this user's processes whose threads' calls (or namespace) this user may
// not read: the file needs ptrace access (EPERM or EACCES otherwise), which Yama's
// ptrace_scope 1, the default on Ubuntu, gives only to a process's
// ancestors, and a process that is not dumpable to none without CAP_SYS_PTRACE.
//
// A msqid means something only in its IPC namespace: every namespace (a
// container, a test run) numbers its queues afresh, so queue 0 here and
// queue 0 next door are two queues. A thread counts only if it is in the
// IPC namespace myNS (/proc/<pid>/task/<tid>/ns/ipc names the same
// "ipc:[inode]") and runs as this user: the queue is this user's, and
// root sees everybody's processes.
func waiters(id int, myNS string) (servers, clients []int, hidden map[int]bool) {
	hidden = map[int]bool{}
	paths, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*/syscall")
	for _, p := range paths {
		mine, known := ours(filepath.Dir(p), myNS)
		if !mine {
			continue
		}
		pid, _ := strconv.Atoi(strings.Split(p, "/")[2])
		b, err := os.ReadFile(p)
		if !known || errors.Is(err, fs.ErrPermission) {
			hidden[pid] = true
			continue
		}
		f := strings.Fields(string(b))
		if err != nil || len(f) < 5 || f[0] != strconv.Itoa(unix.SYS_MSGRCV) {
			continue
		}
		q, _ := strconv.ParseInt(f[1], 0, 64)
		typ, _ := strconv.ParseUint(f[4], 0, 64)
		if int(q) != id {
			continue
		}
		if int64(typ) == clientType {
			servers = append(servers, pid)
		} else {
			clients = append(clients, pid)
		}
	}
	return servers, clients, hidden
}

// who is "uid 1000 (alice)".
func who(uid uint32) string {
	s := fmt.Sprintf("uid %d", uid)
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		s += " (" + u.Username + ")"
	}
	return s
}
