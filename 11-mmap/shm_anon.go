//go:build linux && (amd64 || arm64)

// shm_anon.go is the Go port of c/shm_anon.c: memory shared by a parent
// and its child. The C maps MAP_SHARED | MAP_ANONYMOUS and forks, and the
// child inherits the mapping. Go cannot fork: a child started again from
// the binary inherits no mapping, only descriptors. So the Go port names
// its anonymous memory with memfd_create, hands the descriptor over as fd
// 3, and both map it.
package main

import (
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// shmAnon is main() of shm_anon.c: the parent's side.
func shmAnon(me *say.Speaker) {
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2), unbuffered.
	// count = mmap(NULL, sizeof *count, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	// A child started again from the binary would not have this mapping:
	// name the memory with a memfd instead, then map it.
	fd, err := unix.MemfdCreate("shm_anon", unix.MFD_CLOEXEC)
	// if (count == MAP_FAILED) { perror("mmap"); return 1; }
	if err != nil {
		me.Fatal(syserr.Wrap("memfd_create", err, nil))
	}
	if err := unix.Ftruncate(fd, 4); err != nil {
		me.Fatal(syserr.Wrap("ftruncate", err, nil))
	}
	mem, err := unix.Mmap(fd, 0, 4, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		me.Fatal(syserr.Wrap("mmap(MAP_SHARED)", err, nil))
	}
	me.Printf("memfd_create(\"shm_anon\", MFD_CLOEXEC) = fd %d, ftruncate to 4 bytes, mmap MAP_SHARED", fd)
	me.Kernel("fd %d -> %s: a file in no directory", fd, peek.FDLink(fd))
	me.Printf("a memfd is freed at its last close and unmap: nothing to remove")
	me.Kernel("/proc/self/maps: %s", mapsLine(uintptr(unsafe.Pointer(&mem[0]))))
	count := (*uint32)(unsafe.Pointer(&mem[0]))
	// *count = 0;
	atomic.StoreUint32(count, 0)

	// pid = fork();
	// No fork: the child is this program run again, and it gets the
	// memfd as its fd 3 (ExtraFiles) to map for itself.
	f := os.NewFile(uintptr(fd), "memfd:shm_anon")
	c := child.Command("counter")
	c.ExtraFiles = []*os.File{f}
	// Said before the child starts, so that its lines come after.
	me.GoNote("a forked child inherits this very mapping; a re-executed one has none:")
	me.GoNote("it maps the memfd it was given, the same pages at an address of its own")
	// if (pid < 0) { perror("fork"); return 1; }
	c.StartOrFail(me)
	f.Close()

	// if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 1; }
	c.Reap(me)
	followChild(c)
	// printf("parent %d: the count is %d: the child's mapping was mine\n", (int)getpid(), *count);
	me.Printf("the count is %d: the child's mapping was mine", atomic.LoadUint32(count))
	// if (munmap(count, sizeof *count) < 0) { perror("munmap"); return 1; }
	if err := unix.Munmap(mem); err != nil {
		me.Fatal(syserr.Wrap("munmap", err, nil))
	}
}

// counter is the child's branch of shm_anon.c, if (pid == 0) { ... }.
func counter(args []string) {
	cleanup.Catch("child")
	me := say.New("child")
	mem, err := unix.Mmap(3, 0, 4, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		me.Fatal(syserr.Wrap("mmap(fd 3, MAP_SHARED)", err, nil))
	}
	unix.Close(3)
	me.Kernel("/proc/self/maps: %s", mapsLine(uintptr(unsafe.Pointer(&mem[0]))))
	count := (*uint32)(unsafe.Pointer(&mem[0]))
	// for (i = 0; i < 1000; i++)
	//	(*count)++;
	for i := 0; i < 1000; i++ {
		atomic.AddUint32(count, 1)
	}
	// printf("child %d: counted to %d in the shared mapping\n", (int)getpid(), *count);
	me.Printf("counted to %d in the shared mapping", atomic.LoadUint32(count))
	// exit(0);
	unix.Munmap(mem)
	cleanup.Exit(0)
}
