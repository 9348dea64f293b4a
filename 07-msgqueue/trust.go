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
	s := fmt.Sprintf("\nqueue %d has this key and is yours:\nlast msgsnd by %s, last msgrcv by %s;\n", id,
		alive(int(ds.Lspid)), alive(int(ds.Lrpid)))
	if srv, clients := waiters(id); len(srv) > 0 || running(int(ds.Lspid), clients) || running(int(ds.Lrpid), clients) {
		return s + fmt.Sprintf("a server is still running (waiting in msgrcv for type %d: %v).\n"+
			"End it (Ctrl-C in its terminal, or kill PID) and start again", clientType, srv)
	} else if len(clients) > 0 {
		s += fmt.Sprintf("no server is left, but clients %v sleep in msgrcv on it,\n"+
			"waiting for replies that will never come;\n", clients)
	}
	return s + "its server is gone (killed with kill -9? the kernel keeps no creator PID for a queue).\n" +
		"Remove it with: ipcrm -q " + strconv.Itoa(id)
}

// alive is "PID 4242 (still running)", "PID 4242 (gone)" or "none".
func alive(pid int) string {
	if pid == 0 {
		return peek.PID(0)
	}
	if unix.Kill(pid, 0) == unix.ESRCH {
		return fmt.Sprintf("PID %d (gone)", pid)
	}
	return fmt.Sprintf("PID %d (still running)", pid)
}

// running reports whether pid is a live process other than the waiting
// clients (a live lspid or lrpid that is no client is a server busy
// reading its next reply).
func running(pid int, clients []int) bool {
	if pid == 0 || unix.Kill(pid, 0) == unix.ESRCH {
		return false
	}
	for _, c := range clients {
		if c == pid {
			return false
		}
	}
	return true
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
	myNS, err := os.Readlink("/proc/self/ns/ipc")
	if err != nil {
		return nil, nil // no way to tell whose queue 0 a thread waits on
	}
	paths, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*/syscall")
	for _, p := range paths {
		task := filepath.Dir(p)
		if ns, err := os.Readlink(task + "/ns/ipc"); err != nil || ns != myNS {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(filepath.Dir(filepath.Dir(task)), &st) != nil || st.Uid != uint32(os.Geteuid()) {
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
