//go:build linux && (amd64 || arm64)

// Package platform holds no code: every package of the collection imports
// it on systems it does not support, where its other file stops the build
// with one message instead of a wall of errors. The examples need Linux
// itself, not only a Unix: System V IPC, /proc and Linux system calls; and
// the struct layouts in common/sysv are those of 64-bit Linux on amd64 and
// arm64.
package platform
