//go:build linux && (amd64 || arm64)

package main

// The calls as they are printed: formatted from the values passed, so
// that a changed key, size, mode or flag changes the output (and the
// golden files) too. common/sysv.MsgFlags cannot name these: SHM_RDONLY
// is MSG_NOERROR's bit (010000).

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// shmgetCall is "shmget(IPC_PRIVATE, 1024, 0600)" for the values this
// program passes.
func shmgetCall() string {
	key := "IPC_PRIVATE"
	if segKey != unix.IPC_PRIVATE {
		key = fmt.Sprintf("%#x", segKey)
	}
	return fmt.Sprintf("shmget(%s, %d, %s)", key, segSize, shmFlags(segMode, shmgetFlagNames))
}

// shmatCall is "shmat(ID, 0, FLAGS)", the address being always 0 (the
// kernel picks it).
func shmatCall(id string, flags int) string {
	return fmt.Sprintf("shmat(%s, 0, %s)", id, shmFlags(flags, shmatFlagNames))
}

// From <linux/shm.h> and <bits/shm.h>; x/sys/unix has only SHM_RDONLY
// and SHM_RND.
const (
	shmHugeTLB   = 0o4000
	shmNoReserve = 0o10000
	shmRemap     = 0o40000
	shmExec      = 0o100000
)

var (
	shmgetFlagNames = []syserr.Flag{{Bit: unix.IPC_CREAT, Name: "IPC_CREAT"}, {Bit: unix.IPC_EXCL, Name: "IPC_EXCL"},
		{Bit: shmHugeTLB, Name: "SHM_HUGETLB"}, {Bit: shmNoReserve, Name: "SHM_NORESERVE"}}
	shmatFlagNames = []syserr.Flag{{Bit: unix.SHM_RDONLY, Name: "SHM_RDONLY"}, {Bit: unix.SHM_RND, Name: "SHM_RND"},
		{Bit: shmRemap, Name: "SHM_REMAP"}, {Bit: shmExec, Name: "SHM_EXEC"}}
)

// shmFlags names the bits of flags it knows and prints the rest (the
// mode, for shmget) in octal; "0" for none.
func shmFlags(flags int, names []syserr.Flag) string {
	return syserr.FlagNames(uint64(uint32(flags)), names, 8)
}
