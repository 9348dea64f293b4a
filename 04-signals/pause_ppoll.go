//go:build linux && (amd64 || arm64) && (arm64 || riscv64 || loong64)

package main

import "golang.org/x/sys/unix"

// sysPause is the system call unix.Pause makes: these architectures have
// no pause(2), and x/sys/unix calls ppoll(NULL, 0, NULL, NULL) instead.
const sysPause = unix.SYS_PPOLL
