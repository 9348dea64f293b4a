//go:build linux && (amd64 || arm64)

package main

// Step 4: sun_path is a char[108]. A path of 108 bytes or more does not
// fit with its NUL; each layer says so in its own way, and the C
// tutorials' strncpy() binds a name nobody asked for.

import (
	"net"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func sunPath(me *say.Speaker, d *dir) {
	size := len(unix.RawSockaddrUnix{}.Path)
	long := d.join(strings.Repeat("x", size-len(d.path)-1)) // exactly 108 bytes
	me.Printf("struct sockaddr_un { sa_family_t sun_family; char sun_path[%d]; }", size)
	me.Printf("a path of %d bytes:", len(long))
	_, err := net.Listen("unix", long)
	me.Warnf("net.Listen: %v", strings.Replace(err.Error(), long, "PATH", 1))
	me.GoNote("no bind(2) ran (strace shows socket() then close()):")
	me.GoNote("package syscall refuses a path of len(sun_path) bytes or more before the")
	me.GoNote("call, and net names it bind")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("socket", err, nil))
	}
	defer unix.Close(fd) // a descriptor, not a kernel object that outlives us
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: long})
	me.Warnf("unix.Bind: %s (x/sys/unix refuses it before the call too)", syserr.Name(syserr.Errno(err)))
	// The kernel itself takes 108 bytes without a NUL when addrlen says so.
	var sa unix.RawSockaddrUnix
	sa.Family = unix.AF_UNIX
	for i := 0; i < size; i++ {
		sa.Path[i] = int8(long[i])
	}
	h := made(me, "socket file "+long, func() error { err = rawBind(fd, &sa, unsafe.Sizeof(sa)); return nil },
		func() error { os.Remove(long); return nil })
	me.Printf("raw bind(fd, {AF_UNIX, %d bytes, no NUL}, addrlen %d) = %s", size, unsafe.Sizeof(sa), errOrZero(err))
	me.Kernel("%s", fileMode(long))
	me.Printf("the kernel accepts a full sun_path without its NUL; only Go's wrappers refuse it")
	_ = h.Release() // as above

	// strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1): a longer path
	// is cut silently, and bind() makes a file of another name.
	longer := long + "-and-more"
	fd2, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("socket", err, nil))
	}
	defer unix.Close(fd2) // as above
	sa = unix.RawSockaddrUnix{Family: unix.AF_UNIX}
	for i := 0; i < size-1; i++ {
		sa.Path[i] = int8(longer[i])
	}
	cut := longer[:size-1]
	h = made(me, "socket file "+cut, func() error { err = rawBind(fd2, &sa, unsafe.Sizeof(sa)); return nil },
		func() error { os.Remove(cut); return nil })
	me.Warnf("strncpy(sun_path, a %d-byte path, %d), bind() = %s: it made %s, %d bytes,",
		len(longer), size-1, errOrZero(err), strings.TrimPrefix(cut, d.path+"/")[:8]+"...", len(cut))
	me.Warnf("not the path asked for:")
	me.Kernel("%s", fileMode(longer))
	me.Printf("check strlen(path) < sizeof sun_path first")
	_ = h.Release() // as above
}

// rawBind is bind(2) with the caller's own sockaddr and addrlen.
func rawBind(fd int, sa *unix.RawSockaddrUnix, n uintptr) error {
	_, _, e := unix.Syscall(unix.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(sa)), n)
	if e != 0 {
		return e
	}
	return nil
}

func errOrZero(err error) string {
	if err != nil {
		return "-1 " + syserr.Name(syserr.Errno(err))
	}
	return "0"
}
