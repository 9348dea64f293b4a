//go:build linux && (amd64 || arm64)

package sysv

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// Ftok is ftok(3) with glibc's exact formula: it makes a key from the inode
// and device numbers of an existing path (stat(2), which follows symbolic
// links) and the low 8 bits of proj:
//
//	key = (st_ino & 0xffff) | (st_dev & 0xff) << 16 | (proj & 0xff) << 24
//
// as a signed 32-bit key_t, so proj 0x80 to 0xff gives negative keys. Only
// 8 bits of proj count (0x166 is 0x66), only 16 bits of the inode number
// and 8 of the device number (st_dev & 0xff is the low byte of the minor
// number): two paths can give the same key, and a file deleted and created
// again usually gives a different one. glibc accepts proj 0; POSIX asks for
// a nonzero id.
func Ftok(path string, proj int) (Key, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return -1, syserr.Wrap(fmt.Sprintf("ftok(%q, %#x)", path, proj), err, syserr.Meanings{
			unix.ENOENT:  "the path must exist: the key is made from its inode and device numbers",
			unix.EACCES:  "a directory on the way to the path is not searchable",
			unix.ENOTDIR: "a component of the path is not a directory",
		})
	}
	return ftokKey(uint64(st.Ino), uint64(st.Dev), proj), nil
}

// ftokKey is the formula alone. dev is st_dev as stat(2) returns it on
// Linux (minor & 0xff | major << 8 | (minor & ~0xff) << 12), so its low byte
// is the low byte of the minor number, exactly what glibc uses.
func ftokKey(ino, dev uint64, proj int) Key {
	return Key(int32(uint32(ino&0xffff) | uint32(dev&0xff)<<16 | uint32(proj&0xff)<<24))
}
