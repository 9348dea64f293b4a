//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

// Without a private IPC namespace the checker shares the machine's with
// everyone, and must neither blame nor remove what is not its run's. An
// object is the run's when it was not there when the checker started,
// belongs to this user (cuid), and either
//
//   - has a key made by ftok from a file of this run (keyFile: ftok's key
//     is the file's inode and device, and the project byte), or
//   - names one of the run's processes in /proc/sysvipc: the creator or
//     the last to attach (shm: cpid, lpid), the last to send or to
//     receive (msg: lspid, lrpid); the run's processes are those the
//     checker started and every descendant it saw, or
//   - is a semaphore set made with IPC_PRIVATE by this user since the run
//     began (/proc/sysvipc/sem names no process: ctime is what is left).
//
// Such objects are reported and removed; nothing else is touched.

// ourPIDs are the processes of this run (started, or seen as descendants).
var ourPIDs sync.Map

func notePID(pid int) { ourPIDs.Store(strconv.Itoa(pid), true) }

// runKeys are the inode and device part (the low 24 bits) of the ftok
// keys made from this run's files.
var runKeys sync.Map

// noteKeyFile records the file an ftok key of this run is made from.
func noteKeyFile(path string) {
	if k, err := sysv.Ftok(path, 1); err == nil {
		runKeys.Store(int64(k)&0xffffff, true)
	}
}

var runStart = time.Now()

// ours reports whether a row of /proc/sysvipc/<kind> is this run's.
func ours(kind string, r peek.SysV) bool {
	if r["cuid"] != strconv.Itoa(os.Geteuid()) {
		return false
	}
	key, _ := strconv.ParseInt(r["key"], 10, 64)
	if key != 0 {
		if _, ok := runKeys.Load(key & 0xffffff); ok {
			return true
		}
	}
	for _, col := range map[string][]string{"msg": {"lspid", "lrpid"}, "shm": {"cpid", "lpid"}}[kind] {
		if _, ok := ourPIDs.Load(r[col]); ok && r[col] != "0" {
			return true
		}
	}
	if kind == "sem" && key == 0 {
		ct, _ := strconv.ParseInt(r["ctime"], 10, 64)
		return ct >= runStart.Unix()
	}
	return false
}

// removeOurs removes the objects of this run from the machine's namespace,
// each by its id, after reading its row again (same key, still ours).
func removeOurs() {
	for _, kind := range []string{"msg", "sem", "shm"} {
		rows, _ := peek.SysVRows(kind)
		for _, r := range rows {
			if !ours(kind, r) {
				continue
			}
			id, _ := strconv.Atoi(r[sysvIDCol[kind]])
			switch kind {
			case "msg":
				sysv.Msgctl(id, unix.IPC_RMID, nil) // best effort
			case "sem":
				sysv.SemctlRmid(id)
			case "shm":
				unix.SysvShmCtl(id, unix.IPC_RMID, nil)
			}
		}
	}
}
