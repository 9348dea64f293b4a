//go:build linux && (amd64 || arm64)

// 11-mmap shows memory-mapped files and POSIX shared memory, which the
// article "进程间IPC机制" (Linux inter-process communication) names in its
// list of mechanisms ("shared memory, memory-mapped files, FIFO,
// sockets...") and prints no code for. The C twins in c/ are
// reconstructed: mmap_file.c (two unrelated processes share a file),
// shm_anon.c (anonymous shared memory across fork), posix_shm.c (a name
// in /dev/shm), sigbus.c (a mapping past the end of its file) and ring.c
// (a ring in shared memory that calls the kernel only to sleep).
//
// Usage:
//
//	go run ./11-mmap                              the demo
//	go run ./11-mmap file FILE [TEXT]             as c/mmap_file.c
//	go run ./11-mmap shm /NAME [TEXT]             as c/posix_shm.c
//	go run ./11-mmap ring produce|consume N       as c/ring.c, the ring on fd 3
//
// Files: mmap_file.go, shm_anon.go, posix_shm.go, sigbus.go and ring.go
// are the ports of the C twins; private.go shows MAP_PRIVATE's copy on
// write; maps.go reads /proc/self/maps and smaps.
package main

import (
	"os"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
)

const usage = `usage: 11-mmap [file FILE [TEXT] | shm /NAME [TEXT] | ring produce|consume N]

  (no arguments)           the demo: a file mapped by two processes, MAP_PRIVATE,
                           shared memory across a re-exec (memfd), POSIX shared
                           memory, SIGBUS past the end of a file, and a ring
                           with no system call per message
  file FILE [TEXT]         map FILE (made 0600, one page) and print its text,
                           or write TEXT into it through the mapping
  shm /NAME [TEXT]         create /dev/shm/NAME (0600) holding TEXT, or open it,
                           print its text and remove the name
  ring produce|consume N   one side of the ring, mapped from fd 3 (a memfd of
                           65792 bytes, zeroed): send or receive N messages
`

func main() {
	// Go cannot fork: a child's part is this program started again in a
	// named role.
	child.Dispatch(map[string]func([]string){
		"file-reader": fileReader,  // mmap_file.go
		"counter":     counter,     // shm_anon.go
		"shm-reader":  shmReader,   // posix_shm.go
		"toucher":     toucher,     // sigbus.go
		"producer":    producerCmd, // ring.go
	})
	cleanup.Catch("parent")
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "file":
			fileCmd(os.Args[2:])
		case "shm":
			shmCmd(os.Args[2:])
		case "ring":
			ringCmd(os.Args[2:])
		case "-h", "-help", "--help":
			os.Stdout.WriteString(usage)
			os.Exit(0)
		default:
			cmdline.Usage(usage, "unknown command %q", os.Args[1])
		}
		cleanup.Exit(0)
	}
	me := say.New("parent")
	dir := privateDir(me)

	say.Step(1, "a file mapped MAP_SHARED by two processes (mmap_file.c)")
	shareFile(me, dir)
	say.Step(2, "MAP_PRIVATE: the first write copies the page, the file stays as it was")
	private(me, dir)
	say.Step(3, "anonymous shared memory across fork, and what Go does instead (shm_anon.c)")
	shmAnon(me)
	say.Step(4, "POSIX shared memory: shm_open, a name in /dev/shm (posix_shm.c)")
	posixShm(me)
	say.Step(5, "ftruncate under a mapping: past the end of the file is SIGBUS (sigbus.c)")
	sigbus(me, dir)
	say.Step(6, "a ring in shared memory: the kernel only when a side sleeps (ring.c)")
	ring(me, 100000)
	say.Step(7, "what this process still maps")
	me.Kernel("/proc/self/maps: %s", ourMappings())
	cleanup.Exit(0)
}
