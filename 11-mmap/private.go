//go:build linux && (amd64 || arm64)

// private.go shows MAP_PRIVATE, which the C twins do not use: a private
// mapping of a file reads the file's pages until the first write, which
// copies the page for this process alone (copy on write). The file never
// sees the change, and /proc/self/smaps shows the copy.
package main

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func private(me *say.Speaker, dir string) {
	path := filepath.Join(dir, "shared") // step 1's file
	page := os.Getpagesize()
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("open", err, nil))
	}
	defer unix.Close(fd)
	p, err := unix.Mmap(fd, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		me.Fatal(syserr.Wrap("mmap(MAP_PRIVATE)", err, nil))
	}
	me.Printf("mmap(%d bytes, PROT_READ|PROT_WRITE, MAP_PRIVATE) of the same file", page)
	me.Printf("read %q through the private mapping", cString(p))
	me.Kernel("/proc/self/maps: %s", mapsLine(addrOf(p)))
	me.Kernel("smaps: Anonymous %s, Private_Dirty %s: reading maps the file's own page",
		smapsField(addrOf(p), "Anonymous"), smapsField(addrOf(p), "Private_Dirty"))
	copy(p, "changed in private\x00")
	me.Printf("wrote %q into the private mapping", cString(p))
	me.Kernel("smaps: Anonymous %s, Private_Dirty %s: the write copied the page",
		smapsField(addrOf(p), "Anonymous"), smapsField(addrOf(p), "Private_Dirty"))
	buf := make([]byte, 64)
	n, err := unix.Pread(fd, buf, 0)
	if err != nil {
		me.Fatal(syserr.Wrap("pread", err, nil))
	}
	me.Printf("pread of the file: %q: the file never sees a private write", cString(buf[:n]))
	if err := unix.Munmap(p); err != nil {
		me.Fatal(syserr.Wrap("munmap", err, nil))
	}
	me.Printf("munmap: the private copy is freed; msync would not write it back either")
}
