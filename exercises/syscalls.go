//go:build linux && (amd64 || arm64)

package main

import "golang.org/x/sys/unix"

// syscallNames are the calls a blocked solution is usually in.
var syscallNames = map[uintptr]string{
	unix.SYS_READ: "read", unix.SYS_WRITE: "write", unix.SYS_READV: "readv", unix.SYS_WRITEV: "writev",
	unix.SYS_OPENAT: "open", unix.SYS_WAIT4: "wait (wait4)", unix.SYS_WAITID: "waitid",
	unix.SYS_MSGRCV: "msgrcv", unix.SYS_MSGSND: "msgsnd", unix.SYS_SEMOP: "semop", unix.SYS_SEMTIMEDOP: "semtimedop",
	unix.SYS_FUTEX: "futex", unix.SYS_EPOLL_PWAIT: "epoll_pwait", unix.SYS_NANOSLEEP: "nanosleep (sleep)",
	unix.SYS_CLOCK_NANOSLEEP: "clock_nanosleep (sleep)", unix.SYS_PPOLL: "ppoll", unix.SYS_PSELECT6: "pselect",
	unix.SYS_RT_SIGSUSPEND: "sigsuspend", unix.SYS_RT_SIGTIMEDWAIT: "sigwait",
}
