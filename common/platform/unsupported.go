//go:build !linux || !(amd64 || arm64)

package platform

// This collection runs on Linux only, on amd64 or arm64. On macOS or
// Windows, run it in the container: see "On macOS or Windows" in README.md
// (docker build -t ipc-examples . && docker run --rm -it ipc-examples).
const _ = This_collection_needs_Linux_on_amd64_or_arm64__see_On_macOS_or_Windows_in_README_md
