package main

// The calls as they are printed: formatted from the values passed, so
// that a changed key, size, mode or flag changes the output (and the
// golden files) too. common/sysv.MsgFlags cannot name these: SHM_RDONLY
// is MSG_NOERROR's bit (010000).

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// shmgetCall is "shmget(IPC_PRIVATE, 1024, 0600)" for the values this
// program passes.
func shmgetCall() string {
	key := "IPC_PRIVATE"
	if segKey != unix.IPC_PRIVATE {
		key = fmt.Sprintf("%#x", segKey)
	}
	return fmt.Sprintf("shmget(%s, %d, %s)", key, segSize, shmFlags(segMode, shmgetFlagNames, "%#o"))
}

// shmatCall is "shmat(ID, 0, FLAGS)", the address being always 0 (the
// kernel picks it).
func shmatCall(id string, flags int) string {
	return fmt.Sprintf("shmat(%s, 0, %s)", id, shmFlags(flags, shmatFlagNames, "%#o"))
}

// From <linux/shm.h> and <bits/shm.h>; x/sys/unix has only SHM_RDONLY
// and SHM_RND.
const (
	shmHugeTLB   = 0o4000
	shmNoReserve = 0o10000
	shmRemap     = 0o40000
	shmExec      = 0o100000
)

type flagName struct {
	bit  int
	name string
}

var (
	shmgetFlagNames = []flagName{{unix.IPC_CREAT, "IPC_CREAT"}, {unix.IPC_EXCL, "IPC_EXCL"},
		{shmHugeTLB, "SHM_HUGETLB"}, {shmNoReserve, "SHM_NORESERVE"}}
	shmatFlagNames = []flagName{{unix.SHM_RDONLY, "SHM_RDONLY"}, {unix.SHM_RND, "SHM_RND"},
		{shmRemap, "SHM_REMAP"}, {shmExec, "SHM_EXEC"}}
)

// shmFlags names the bits of flags it knows and prints the rest (the
// mode, for shmget) in octal; "0" for none.
func shmFlags(flags int, names []flagName, rest string) string {
	var parts []string
	for _, n := range names {
		if flags&n.bit != 0 {
			parts = append(parts, n.name)
			flags &^= n.bit
		}
	}
	if flags != 0 {
		parts = append(parts, fmt.Sprintf(rest, flags))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}
