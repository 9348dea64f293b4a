//go:build linux && (amd64 || arm64)

package main

import "golang.org/x/sys/unix"

// Calls amd64 has and arm64 replaced by newer ones (glibc's pause() is
// SYS_PAUSE here, sigsuspend on arm64).
func init() {
	for nr, name := range map[uintptr]string{unix.SYS_PAUSE: "pause", unix.SYS_POLL: "poll", unix.SYS_SELECT: "select",
		unix.SYS_OPEN: "open", unix.SYS_EPOLL_WAIT: "epoll_wait"} {
		syscallNames[nr] = name
	}
	limits[unix.SYS_POLL] = limit{2, msArg}
	limits[unix.SYS_EPOLL_WAIT] = limit{3, msArg}
	limits[unix.SYS_SELECT] = limit{4, relTV}
}

func init() {
	untimedWait[unix.SYS_POLL] = func(a []int64) bool { return len(a) > 2 && int32(a[2]) == -1 }
	untimedWait[unix.SYS_SELECT] = func(a []int64) bool { return len(a) > 4 && a[4] == 0 }
	untimedWait[unix.SYS_EPOLL_WAIT] = func(a []int64) bool { return len(a) > 3 && int32(a[3]) == -1 }
}
