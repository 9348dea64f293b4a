//go:build linux && (amd64 || arm64)

// Reference solution of exercise 06-shm-key (see ../README.md): a writer
// puts a message in a System V shared memory segment that a reader, an
// unrelated process, finds by its ftok key. The segment is marked for
// removal (IPC_RMID) as soon as both are attached, so that whichever is
// killed, the kernel destroys it when the last one detaches.
//
//	shm writer PATH MESSAGE   make the segment ftok(PATH, 'S'), put MESSAGE in it,
//	                          say ready, wait for end of input, remove it
//	shm reader PATH           find it by the key, mark it removed, print the
//	                          message, wait for end of input
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/sysv"
)

const size = 4096

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "writer":
		writer(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "reader":
		reader(os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: shm writer PATH MESSAGE | shm reader PATH")
		os.Exit(2)
	}
}

func writer(path, msg string) {
	// key = ftok(path, 'S');
	key, err := sysv.Ftok(path, 'S')
	check(err)
	// id = shmget(key, 4096, IPC_CREAT|IPC_EXCL|0600);
	id, err := unix.SysvShmGet(int(key), size, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	check(err)
	// p = shmat(id, NULL, 0);
	mem, err := unix.SysvShmAttach(id, 0, 0)
	check(err)
	copy(mem, msg+"\x00")
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) // until end of input
	// If no reader came, nobody has marked it yet. Marking it twice is
	// harmless: the id stays valid while a process is attached.
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EIDRM) {
		check(err)
	}
	check(unix.SysvShmDetach(mem))
}

func reader(path string) {
	key, err := sysv.Ftok(path, 'S')
	check(err)
	// id = shmget(key, 0, 0): find the writer's segment.
	id, err := unix.SysvShmGet(int(key), 0, 0)
	check(err)
	mem, err := unix.SysvShmAttach(id, 0, unix.SHM_RDONLY)
	check(err)
	// Both are attached now: mark it for removal. Its key becomes 0
	// (IPC_PRIVATE), so nobody else can find it, and the kernel destroys
	// it when the last process detaches, or dies: kill -9 included.
	_, err = unix.SysvShmCtl(id, unix.IPC_RMID, nil) // mutant go-reader-forgets-ipc-rmid: -
	check(err)                                       // mutant go-reader-forgets-ipc-rmid: -
	msg := mem
	if i := bytes.IndexByte(mem, 0); i >= 0 {
		msg = mem[:i]
	}
	fmt.Printf("%s\n", msg)
	io.Copy(io.Discard, os.Stdin) // until end of input
	check(unix.SysvShmDetach(mem))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "shm:", err)
		os.Exit(1)
	}
}
