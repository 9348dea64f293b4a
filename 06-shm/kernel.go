//go:build linux && (amd64 || arm64)

package main

// kernel.go shows what the kernel holds for a segment at each step:
// shmctl(IPC_STAT), the row of /proc/sysvipc/shm, the mapping in
// /proc/self/maps.

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// stat is shmctl(shmid, IPC_STAT, &ds).
func stat(id int) (unix.SysvShmDesc, error) {
	var ds unix.SysvShmDesc
	_, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds)
	return ds, err
}

// showSegment prints what the kernel holds for the segment: the struct
// shmid_ds that IPC_STAT fills in, and the segment's row of
// /proc/sysvipc/shm, or that it is gone.
func showSegment(me *say.Speaker, id int) {
	ds, err := stat(id)
	if err != nil {
		me.Kernel("%v", syserr.Wrap("shmctl(IPC_STAT)", err, syserr.Meanings{
			unix.EINVAL: "the segment is gone",
		}))
	} else {
		mode := fmt.Sprintf("%#o", ds.Perm.Mode&0o7777)
		if ds.Perm.Mode&shmDest != 0 {
			mode += " (SHM_DEST)"
		}
		me.Kernel("IPC_STAT: size=%d nattch=%d cpid=%d lpid=%s mode=%s",
			ds.Segsz, ds.Nattch, ds.Cpid, peek.PID(int(ds.Lpid)), mode)
		me.Kernel("          atime=%s dtime=%s ctime=%s",
			peek.When(ds.Atime), peek.When(ds.Dtime), peek.When(ds.Ctime))
	}
	me.Kernel("%s", peek.SysVLine("shm", id, "key", "shmid", "perms", "size", "nattch", "rss"))
}

// showMapping prints this process's mappings of the segment from
// /proc/self/maps. The kernel keeps each segment as a file of an internal
// filesystem, named after the key (/SYSV00000000 for IPC_PRIVATE), with
// the shmid as its inode number. "(deleted)" means the file has no name in
// any directory, not that the segment is removed.
func showMapping(me *say.Speaker, id int) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		me.Kernel("/proc/self/maps: %v", err)
		return
	}
	found := false
	for _, l := range strings.Split(string(maps), "\n") {
		// address perms offset dev inode path
		f := strings.Fields(l)
		if len(f) >= 6 && f[4] == strconv.Itoa(id) && strings.HasPrefix(f[5], "/SYSV") {
			me.Kernel("/proc/self/maps: %s %s, inode = shmid %d", f[1], strings.Join(f[5:], " "), id)
			found = true
		}
	}
	if !found {
		me.Kernel("/proc/self/maps: no mapping of shmid %d", id)
	}
}
