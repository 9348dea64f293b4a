//go:build linux && (amd64 || arm64)

package main

// leftovers.go goes beyond the article: what kill -9 of an earlier run
// left. A run killed before shmctl(IPC_RMID) (-hold attached shows where)
// leaves its segment: key IPC_PRIVATE, 1024 bytes, mode 0600, attached by
// nobody once the child has died with its parent. At start the parent
// reads /proc/sysvipc/shm and names each segment of this user of that
// shape whose creator (cpid) and last user (lpid) are no live process,
// saying how to remove it; it removes nothing itself. A segment that a
// live process made or used is left alone and not named. The shape is
// what identifies the example's segments (IPC_PRIVATE has no key to tell
// them by): c/shmadd.c, killed there, leaves the same.

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
)

// leftovers names, on standard error, the segments earlier runs left.
func leftovers(me *say.Speaker) {
	rows, err := peek.SysVRows("shm")
	if err != nil {
		return // no System V IPC: shmget will say so
	}
	uid := strconv.Itoa(os.Geteuid())
	want := map[string]string{"key": "0", "size": strconv.Itoa(segSize),
		"perms": strconv.FormatInt(segMode, 8), "nattch": "0", "uid": uid, "cuid": uid}
	warn := me.To(os.Stderr)
rows:
	for _, row := range rows {
		for col, v := range want {
			if row[col] != v {
				continue rows
			}
		}
		cpid, _ := strconv.Atoi(row["cpid"])
		lpid, _ := strconv.Atoi(row["lpid"])
		if alive(cpid) || alive(lpid) {
			continue // a run still going, or a process that reuses the PID
		}
		warn.Warnf("shmid %s (IPC_PRIVATE, %d bytes, nattch 0) was left by PID %d, which is gone",
			row["shmid"], segSize, cpid)
		warn.Warnf("(an earlier run ended by kill -9 before IPC_RMID?): ipcrm -m %s removes it", row["shmid"])
	}
}

// alive says whether a process has this PID: kill(pid, 0) finds it (EPERM:
// it exists, another user's).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}
