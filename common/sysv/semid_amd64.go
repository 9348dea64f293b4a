//go:build linux && (amd64 || arm64)

package sysv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// SemidDs is struct semid_ds, what semctl(IPC_STAT) fills in: 104 bytes on
// amd64, where each time is followed by an unused word (x86's own
// <asm/sembuf.h>; arm64 has no such padding, see semid_arm64.go). The tests
// check every offset against glibc's <sys/sem.h>. Only Perm.Uid, Perm.Gid
// and Perm.Mode are used by IPC_SET.
type SemidDs struct {
	Perm  unix.SysvIpcPerm // owner, creator, mode (low 9 bits) and the key; 48 bytes
	Otime int64            // time of the last semop, seconds since 1970; 0: never
	_     uint64
	Ctime int64 // time of creation or of the last IPC_SET, SETVAL or SETALL
	_     uint64
	Nsems uint64 // how many semaphores the set has; fixed by semget
	_     uint64
	_     uint64
}

// Compile-time checks of the layout the system call relies on.
var (
	_ [unsafe.Sizeof(SemidDs{}) - 104]struct{}
	_ [104 - unsafe.Sizeof(SemidDs{})]struct{}
	_ [unsafe.Offsetof(SemidDs{}.Otime) - 48]struct{}
	_ [48 - unsafe.Offsetof(SemidDs{}.Otime)]struct{}
	_ [unsafe.Offsetof(SemidDs{}.Nsems) - 80]struct{}
	_ [80 - unsafe.Offsetof(SemidDs{}.Nsems)]struct{}
)
