//go:build linux && (amd64 || arm64)

// Package ipcexamples is the root of a collection of Linux IPC examples:
// each numbered folder (01-pipe, 02-popen, ...) is a program of its own,
// ported from a C article to Go, with its C twin in c/. This package holds
// no code; its test checks that every command the READMEs print runs as
// printed from the repository root.
package ipcexamples
