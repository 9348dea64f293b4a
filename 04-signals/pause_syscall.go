//go:build linux && (amd64 || arm64) && !(arm64 || riscv64 || loong64)

package main

import "golang.org/x/sys/unix"

// sysPause is the system call unix.Pause makes: pause(2).
const sysPause = unix.SYS_PAUSE
