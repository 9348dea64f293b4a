//go:build !linux || !(amd64 || arm64)

// This exercise runs on Linux only (amd64 or arm64): on any other system
// the build stops here with one message that says so. It imports nothing,
// so that a copy of this folder builds as a module of its own.
package main

const _ = This_collection_needs_Linux_on_amd64_or_arm64__see_On_macOS_or_Windows_in_README_md
