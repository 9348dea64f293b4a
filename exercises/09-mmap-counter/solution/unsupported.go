//go:build !linux || !(amd64 || arm64)

// This collection runs on Linux only (amd64 or arm64): on any other system
// the build stops at common/platform with one message that says so.
package main

import _ "github.com/goipc/ipc-examples/common/platform"
