//go:build linux && (amd64 || arm64)

package main

// What the kernel holds for a Unix socket: the socket inode behind a
// descriptor (/proc/self/fd), its row of /proc/net/unix, and the names of
// the values passed to the socket calls, spelled as in C.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/syserr"
)

// typeNames are the socket types of this folder, as socket(2) names them.
var typeNames = map[int]string{unix.SOCK_STREAM: "SOCK_STREAM", unix.SOCK_DGRAM: "SOCK_DGRAM", unix.SOCK_SEQPACKET: "SOCK_SEQPACKET"}

// sockType spells socket(2)'s type argument: "SOCK_STREAM|SOCK_CLOEXEC".
func sockType(ty int) string {
	s := typeNames[ty&0xf]
	if s == "" {
		s = strconv.Itoa(ty & 0xf)
	}
	if rest := uint64(ty &^ 0xf); rest != 0 {
		s += "|" + syserr.FlagNames(rest, []syserr.Flag{{Bit: unix.SOCK_CLOEXEC, Name: "SOCK_CLOEXEC"}, {Bit: unix.SOCK_NONBLOCK, Name: "SOCK_NONBLOCK"}}, 16)
	}
	return s
}

// msgFlags spells recvmsg's flags and msg_flags: "MSG_TRUNC".
func msgFlags(f int) string {
	return syserr.FlagNames(uint64(f), []syserr.Flag{
		{Bit: unix.MSG_PEEK, Name: "MSG_PEEK"}, {Bit: unix.MSG_TRUNC, Name: "MSG_TRUNC"},
		{Bit: unix.MSG_CTRUNC, Name: "MSG_CTRUNC"}, {Bit: unix.MSG_DONTWAIT, Name: "MSG_DONTWAIT"},
		{Bit: unix.MSG_EOR, Name: "MSG_EOR"}, {Bit: unix.MSG_CMSG_CLOEXEC, Name: "MSG_CMSG_CLOEXEC"},
	}, 16)
}

// network is the name package net gives each type.
func network(ty int) string {
	switch ty {
	case unix.SOCK_DGRAM:
		return "unixgram"
	case unix.SOCK_SEQPACKET:
		return "unixpacket"
	}
	return "unix"
}

// addrName spells a socket address as ss(8) and /proc/net/unix do: a path
// as it is, an abstract name with "@" for its leading NUL byte.
func addrName(name string) string {
	if strings.HasPrefix(name, "\x00") {
		return "@" + name[1:]
	}
	return name
}

// inodeOf is the socket inode behind fd: the number in "socket:[12345]".
func inodeOf(fd int) string {
	l := peek.FDLink(fd)
	if strings.HasPrefix(l, "socket:[") {
		return strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")
	}
	return ""
}

// connFD is the descriptor behind a net connection or listener, without
// taking it out of the poller.
func connFD(c syscall.Conn) int {
	fd := -1
	if rc, err := c.SyscallConn(); err == nil {
		_ = rc.Control(func(u uintptr) { fd = int(u) }) // only fails when closed
	}
	return fd
}

// unixRow is one line of /proc/net/unix, spelled out.
type unixRow struct {
	inode, typ, state, path string
	listening               bool
}

var stNames = map[string]string{"01": "UNCONNECTED", "02": "CONNECTING", "03": "CONNECTED", "04": "DISCONNECTING"}
var typeCodes = map[string]string{"0001": "STREAM", "0002": "DGRAM", "0005": "SEQPACKET"}

// procNetUnix returns the row of /proc/net/unix for a socket inode. The
// file lists every Unix socket of this network namespace: "Num RefCount
// Protocol Flags Type St Inode Path".
func procNetUnix(inode string) (unixRow, bool) {
	f, err := os.Open("/proc/net/unix")
	if err != nil {
		return unixRow{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 7 || fl[6] != inode {
			continue
		}
		r := unixRow{inode: fl[6], typ: typeCodes[fl[4]], state: stNames[fl[5]]}
		if len(fl) > 7 {
			r.path = fl[7]
		}
		flags, _ := strconv.ParseUint(fl[3], 16, 32)
		r.listening = flags&(1<<16) != 0 // __SO_ACCEPTCON: listen() was called
		return r, true
	}
	return unixRow{}, false
}

// rowsWithPath lists the inodes of the sockets bound to path.
func rowsWithPath(path string) []string {
	b, _ := os.ReadFile("/proc/net/unix")
	var inodes []string
	for _, l := range strings.Split(string(b), "\n") {
		if fl := strings.Fields(l); len(fl) > 7 && fl[7] == path {
			inodes = append(inodes, fl[6])
		}
	}
	return inodes
}

// row is the kernel's view of the socket behind fd, as one line:
// "fd 3 -> socket:[123] STREAM LISTENING /tmp/x/sock", from /proc/net/unix.
func row(fd int) string {
	ino := inodeOf(fd)
	if ino == "" {
		return fmt.Sprintf("fd %d -> %s", fd, peek.FDLink(fd))
	}
	return fmt.Sprintf("fd %d -> socket:[%s] %s", fd, ino, rowOf(ino))
}

// rowOf is the /proc/net/unix part of row, for an inode.
func rowOf(ino string) string {
	r, ok := procNetUnix(ino)
	if !ok {
		return "no row in /proc/net/unix: the socket is gone"
	}
	st := r.state
	if r.listening {
		st = "LISTENING"
	}
	s := fmt.Sprintf("%s %s", r.typ, st)
	if r.path != "" {
		s += " " + r.path
	} else {
		s += " (no address)"
	}
	return s
}

// connRow is row for a net connection or listener.
func connRow(c syscall.Conn) string { return row(connFD(c)) }

// fileMode is the socket file as ls -l shows it, or why it is not there.
func fileMode(path string) string {
	m, err := peek.FileType(path)
	if err != nil {
		return fmt.Sprintf("lstat(%s): %s: no file", path, syserr.Name(syserr.Errno(err)))
	}
	if strings.HasPrefix(m, "S") { // Go's FileMode spells a socket "S", ls "s"
		m = "s" + m[1:]
	}
	return fmt.Sprintf("ls -l %s: %s", path, m)
}

// peerCred is getsockopt(SO_PEERCRED) on a connected socket: the PID, UID
// and GID the kernel recorded for the peer when it called connect() (or
// socketpair, or listen, for the other side).
func peerCred(c syscall.Conn) (*unix.Ucred, error) {
	var uc *unix.Ucred
	var err error
	rc, e := c.SyscallConn()
	if e != nil {
		return nil, e
	}
	_ = rc.Control(func(fd uintptr) { // its error would be a closed socket: see err
		uc, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	return uc, syserr.Wrap("getsockopt(SO_PEERCRED)", err, nil)
}

// unixAddr is the net address for a path or an abstract name.
func unixAddr(ty int, name string) *net.UnixAddr {
	return &net.UnixAddr{Name: name, Net: network(ty)}
}
