//go:build linux && (amd64 || arm64)

package main

// leftovers.go goes beyond the article: what kill -9 of an earlier run
// left. Every set this example makes has the key 0x08 << 24 | PID
// (runKey), and only kill -9 of the parent leaves one behind (every other
// ending removes it). At start the parent reads /proc/sysvipc/sem and names
// each set of this user with such a key whose PID is no live process: it
// says how to remove it, and removes nothing itself. A set whose PID is
// alive belongs to a run still going (or to a process that reuses the
// PID): it is left alone and not named.

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
)

// leftovers names, on standard error, the sets earlier runs left.
func leftovers(me *say.Speaker) {
	rows, err := peek.SysVRows("sem")
	if err != nil {
		return // no System V IPC: the first semget will say so
	}
	uid := strconv.Itoa(os.Geteuid())
	warn := me.To(os.Stderr)
	for _, row := range rows {
		key, err := strconv.ParseInt(row["key"], 10, 64)
		if err != nil || uint32(key)>>24 != 0x08 || row["uid"] != uid || row["cuid"] != uid {
			continue // not this example's, or another user's
		}
		pid := int(uint32(key) & 0xffffff)
		if pid == os.Getpid() || alive(pid) {
			continue
		}
		warn.Warnf("semid %s (key %#08x, %s semaphores) was left by PID %d, which is gone",
			row["semid"], uint32(key), row["nsems"], pid)
		warn.Warnf("(an earlier run ended by kill -9?): ipcrm -s %s removes it", row["semid"])
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
