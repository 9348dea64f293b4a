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
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

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
		alive(int(ds.Lspid)), alive(int(ds.Lrpid)))
	srv, clients := waiters(id)
	if len(srv) > 0 {
		return s + fmt.Sprintf("a server is still running (waiting in msgrcv for type %d: %v).\n"+
			"End it (Ctrl-C in its terminal, or kill PID) and start again", clientType, srv)
	}
	// A live process that used the queue last, asleep in no msgrcv on it:
	// nothing in the queue tells a server reading its next reply from a
	// client reading its next line. Its command line does.
	for _, last := range []int{int(ds.Lrpid), int(ds.Lspid)} {
		if pid, ok := running(last, clients); ok {
			return s + fmt.Sprintf("PID %d used it last and still runs, in no msgrcv on it; its command line:\n"+
				"  %s\n"+
				"a server between a request and its reply, or a client between two lines.\n"+
				"A server: end it (Ctrl-C in its terminal, or kill %d) and start again.\n"+
				"A client: its server is gone; remove the queue with: ipcrm -q %d", pid, command(pid), pid, id)
		}
	}
	if len(clients) > 0 {
		s += fmt.Sprintf("no server is left, but clients %v sleep in msgrcv on it,\n"+
			"waiting for replies that will never come;\n", clients)
	}
	return s + "its server is gone (killed with kill -9? the kernel keeps no creator PID for a queue).\n" +
		"Remove it with: ipcrm -q " + strconv.Itoa(id)
}

// alive is "PID 4242 (still running)", "thread 4245 of PID 4242 (still
// running)", "PID 4242 (gone)" or "none".
func alive(id int) string {
	if id == 0 {
		return peek.PID(0)
	}
	pid, ok := process(id)
	switch {
	case !ok:
		return fmt.Sprintf("PID %d (gone)", id)
	case pid != id:
		return fmt.Sprintf("thread %d of PID %d (still running)", id, pid)
	}
	return fmt.Sprintf("PID %d (still running)", id)
}

// process is the process that id, read from msg_lspid or msg_lrpid, names
// now. It may be a thread's ID: when msgsnd hands a message straight to a
// receiver asleep in msgrcv, the kernel records the receiving thread as
// msg_lrpid (ipc/msg.c, pipelined_send), and a Go client waits in msgrcv
// on whichever thread runs it. ok is false when no such task is left, or
// only a process's zombie (it has exited; its parent has not reaped it).
func process(id int) (pid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(id) + "/status")
	if err != nil {
		return 0, false
	}
	threads := 0
	zombie := false
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "State":
			zombie = strings.HasPrefix(v, "Z")
		case "Tgid":
			pid, _ = strconv.Atoi(v)
		case "Threads":
			threads, _ = strconv.Atoi(v)
		}
	}
	if pid == 0 || zombie && threads <= 1 {
		return 0, false
	}
	return pid, true
}

// running returns the process that id (msg_lspid or msg_lrpid) names if
// it is alive, this user's, in this IPC namespace, and none of the clients
// asleep in msgrcv on the queue (a client's receiving thread counts as its
// client).
func running(id int, clients []int) (int, bool) {
	pid, ok := process(id)
	if !ok || !ours("/proc/"+strconv.Itoa(pid), ipcNS()) {
		return 0, false
	}
	for _, c := range clients {
		if c == pid {
			return 0, false
		}
	}
	return pid, true
}

// command is the process's command line as ps shows it, the program named
// without its folder ("07-msgqueue client -path /tmp/q").
func command(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if err != nil || args[0] == "" {
		return "command line unknown"
	}
	args[0] = filepath.Base(args[0])
	cmd := strings.Join(args, " ")
	if len(cmd) > 70 {
		cmd = cmd[:67] + "..."
	}
	return cmd
}

// ipcNS names this process's IPC namespace ("ipc:[4026531839]"), or is
// empty if it cannot be read.
func ipcNS() string {
	ns, _ := os.Readlink("/proc/self/ns/ipc")
	return ns
}

// ours reports whether the task at dir (/proc/<pid> or
// /proc/<pid>/task/<tid>) is in the IPC namespace myNS and its process is
// this user's (the owner of /proc/<pid> is its effective uid).
func ours(dir, myNS string) bool {
	if ns, err := os.Readlink(dir + "/ns/ipc"); err != nil || ns != myNS || myNS == "" {
		return false
	}
	proc := dir
	if filepath.Base(filepath.Dir(dir)) == "task" {
		proc = filepath.Dir(filepath.Dir(dir))
	}
	var st unix.Stat_t
	return unix.Stat(proc, &st) == nil && st.Uid == uint32(os.Geteuid())
}

// waiters lists the processes asleep in msgrcv on queue id, as the kernel
// shows them in /proc/<pid>/task/<tid>/syscall ("70 0x3 0x7f.. 0x401 0x2
// ..." on amd64: the call's number and arguments): those waiting for type
// 2 are servers, the others clients waiting for their reply.
//
// A msqid means something only in its IPC namespace: every namespace (a
// container, a test run) numbers its queues afresh, so queue 0 here and
// queue 0 next door are two queues. A thread counts only if it is in this
// process's IPC namespace (/proc/<pid>/task/<tid>/ns/ipc names the same
// "ipc:[inode]") and its process is this user's (the owner of /proc/<pid>
// is its effective uid): the queue is this user's, and root sees
// everybody's processes.
func waiters(id int) (servers, clients []int) {
	myNS := ipcNS()
	if myNS == "" {
		return nil, nil // no way to tell whose queue 0 a thread waits on
	}
	paths, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*/syscall")
	for _, p := range paths {
		if !ours(filepath.Dir(p), myNS) {
			continue
		}
		b, err := os.ReadFile(p)
		f := strings.Fields(string(b))
		if err != nil || len(f) < 5 || f[0] != strconv.Itoa(unix.SYS_MSGRCV) {
			continue
		}
		q, _ := strconv.ParseInt(f[1], 0, 64)
		typ, _ := strconv.ParseUint(f[4], 0, 64)
		if int(q) != id {
			continue
		}
		pid, _ := strconv.Atoi(strings.Split(p, "/")[2])
		if int64(typ) == clientType {
			servers = append(servers, pid)
		} else {
			clients = append(clients, pid)
		}
	}
	return servers, clients
}

// who is "uid 1000 (alice)".
func who(uid uint32) string {
	s := fmt.Sprintf("uid %d", uid)
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		s += " (" + u.Username + ")"
	}
	return s
}
