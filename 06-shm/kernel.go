//go:build linux && (amd64 || arm64)

package main

// kernel.go shows what the kernel holds for a segment at each step:
// shmctl(IPC_STAT), the row of /proc/sysvipc/shm, the mapping in
// /proc/self/maps.

import (
	"os"
	"strconv"
	"strings"

	"github.com/goipc/ipc-examples/common/say"
)

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
