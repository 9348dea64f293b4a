//go:build linux && (amd64 || arm64)

// modes.go is beyond the article: whose FIFO is it, and who may use it.
// The reader refuses a FIFO that another user could feed (whyNot), and
// prints what a file's mode bits say, in words (describeFile).

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"golang.org/x/sys/unix"
)

// showFile prints what ls -l shows for path and, on the next line, what
// it means.
func showFile(me *say.Speaker, path string) {
	mode, what := describeFile(path)
	if what == "" {
		me.Kernel("%s is %s", path, mode)
		return
	}
	me.Kernel("%s is %s:\n%s", path, mode, what)
}

// describeFile is what ls -l shows for path, and what it means: its type
// and who may do what, read from the mode bits ("prw-r--r--", "p for a
// FIFO (named pipe), rw for its owner, r for its group and others").
func describeFile(path string) (mode, what string) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileType(path), ""
	}
	kind := "a file of type " + fi.Mode().Type().String()
	switch {
	case fi.Mode()&os.ModeNamedPipe != 0:
		kind = "p for a FIFO (named pipe)"
	case fi.IsDir():
		kind = "d for a directory"
	}
	return fi.Mode().String(), kind + ", " + access(fi.Mode().Perm())
}

// access says who may do what, from permission bits: 0600 "rw for its
// owner only", 0644 "rw for its owner, r for its group and others".
func access(perm os.FileMode) string {
	rwx := func(b os.FileMode) string {
		s := ""
		for i, c := range "rwx" {
			if b&(4>>i) != 0 {
				s += string(c)
			}
		}
		if s == "" {
			return "nothing"
		}
		return s
	}
	u, g, o := rwx(perm>>6&7), rwx(perm>>3&7), rwx(perm&7)
	switch {
	case g == "nothing" && o == "nothing":
		return u + " for its owner only"
	case g == o:
		return fmt.Sprintf("%s for its owner, %s for its group and others", u, g)
	}
	return fmt.Sprintf("%s for its owner, %s for its group, %s for others", u, g, o)
}

// writers names who other than the owner may write, from mode bits.
func writers(perm os.FileMode) string {
	switch perm & 0o022 {
	case 0o022:
		return "its group and every other user"
	case 0o020:
		return "its group"
	}
	return "every other user"
}

// fileType is what ls -l shows for path's type and mode, or that it is gone.
func fileType(path string) string {
	t, err := peek.FileType(path)
	if errors.Is(err, os.ErrNotExist) {
		return "gone (no such file or directory)"
	}
	if err != nil {
		return err.Error()
	}
	return t
}

func isFIFO(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}

// whyNot says why the FIFO st describes (from fstat on the open
// descriptor: the file really opened, not whatever the path names a moment
// later) must not be used, or "": it is not this user's, others may write
// it, or it is not the FIFO this reader made or first opened.
func (f *fifo) whyNot(st *unix.Stat_t) string {
	if id := (devIno{uint64(st.Dev), st.Ino}); f.id != (devIno{}) && id != f.id {
		return "it is no longer the FIFO this reader opened first: someone replaced it"
	}
	return notOurs(st, "write what this reader prints and read what writers send")
}

// remember notes the FIFO opened as fd (st from fstat), the first time,
// and says whose it is if this reader did not make it.
func (f *fifo) remember(me *say.Speaker, fd int, st *unix.Stat_t) {
	if f.node == nil && f.id == (devIno{}) {
		me.Kernel("fstat(%d): a FIFO of uid %d (this user), %s:\n"+
			"nobody else may write into it", fd, st.Uid, os.ModeNamedPipe|os.FileMode(st.Mode&0o777))
	}
	if f.id == (devIno{}) {
		// Written once: if this reader made the FIFO, create set it, and
		// cleanup's goroutine may read it (unlink) at any moment.
		f.id = devIno{uint64(st.Dev), st.Ino}
	}
}

// notOurs says why the FIFO st describes (from fstat on the open
// descriptor) must not be used, or "" if it is this user's and nobody else
// may write into it. what is what its owner could do with it.
func notOurs(st *unix.Stat_t, what string) string {
	perm := os.FileMode(st.Mode & 0o777)
	switch {
	case int(st.Uid) != os.Geteuid():
		return fmt.Sprintf("it belongs to uid %d, not to this user (uid %d): its owner could\n%s",
			st.Uid, os.Geteuid(), what)
	case perm&0o022 != 0:
		return fmt.Sprintf("its mode %s lets %s write into it", os.ModeNamedPipe|perm, writers(perm))
	}
	return ""
}

// devIno names a file for good: a path can be made to name another.
type devIno struct{ dev, ino uint64 }
