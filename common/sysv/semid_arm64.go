//go:build linux && (amd64 || arm64)

package sysv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// SemidDs is struct semid_ds, what semctl(IPC_STAT) fills in: 88 bytes on
// arm64, which uses the kernel's generic <asm-generic/sembuf.h> and glibc's
// generic <bits/types/struct_semid_ds.h>: no unused word after the times,
// unlike amd64 (semid_amd64.go, 104 bytes). Only Perm.Uid, Perm.Gid and
// Perm.Mode are used by IPC_SET.
type SemidDs struct {
	Perm  unix.SysvIpcPerm // owner, creator, mode (low 9 bits) and the key; 48 bytes
	Otime int64            // time of the last semop, seconds since 1970; 0: never
	Ctime int64            // time of creation or of the last IPC_SET, SETVAL or SETALL
	Nsems uint64           // how many semaphores the set has; fixed by semget
	_     uint64
	_     uint64
}

// Compile-time checks of the layout the system call relies on.
var (
	_ [unsafe.Sizeof(SemidDs{}) - 88]struct{}
	_ [88 - unsafe.Sizeof(SemidDs{})]struct{}
	_ [unsafe.Offsetof(SemidDs{}.Otime) - 48]struct{}
	_ [48 - unsafe.Offsetof(SemidDs{}.Otime)]struct{}
	_ [unsafe.Offsetof(SemidDs{}.Nsems) - 64]struct{}
	_ [64 - unsafe.Offsetof(SemidDs{}.Nsems)]struct{}
)
