//go:build linux && (amd64 || arm64)

package main

// Step 6: what a read returns after three writes. A stream is bytes: the
// kernel merges the writes and one read takes them all. A datagram or a
// SOCK_SEQPACKET record is a message: one read, one message, like
// msgrcv() in 07. A buffer too small for a datagram cuts it (MSG_TRUNC),
// where msgrcv() refuses with E2BIG unless MSG_NOERROR.

import (
	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

func boundaries(me *say.Speaker) {
	for _, ty := range []int{unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET} {
		sv, err := unix.Socketpair(unix.AF_UNIX, ty|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			me.Fatal(syserr.Wrap("socketpair", err, nil))
		}
		words := []string{"one", "two", "three"}
		for _, w := range words {
			if _, err := unix.Write(sv[0], []byte(w)); err != nil {
				me.Fatal(syserr.Wrap("write", err, nil))
			}
		}
		var got []string
		buf := make([]byte, 64)
		for {
			n, _, err := unix.Recvfrom(sv[1], buf, unix.MSG_DONTWAIT)
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				me.Fatal(syserr.Wrap("recv", err, nil))
			}
			got = append(got, string(buf[:n]))
		}
		me.Printf("%s: write %q %q %q; recv(MSG_DONTWAIT): %q", typeNames[ty], words[0], words[1], words[2], got)
		if ty != unix.SOCK_STREAM {
			truncate(me, ty, sv)
		}
		unix.Close(sv[0])
		unix.Close(sv[1])
	}
	me.Printf("07's msgrcv() with a small buffer fails with E2BIG and leaves the message queued;")
	me.Printf("MSG_NOERROR cuts it and drops the rest, as a datagram socket always does")
}

// truncate sends "hello, world" and receives it into 5 bytes: once plain,
// once with MSG_TRUNC, which makes recvmsg() return the real length.
func truncate(me *say.Speaker, ty int, sv [2]int) {
	small := make([]byte, 5)
	for _, flags := range []int{0, unix.MSG_TRUNC} {
		if _, err := unix.Write(sv[0], []byte("hello, world")); err != nil {
			me.Fatal(syserr.Wrap("write", err, nil))
		}
		n, _, got, _, err := unix.Recvmsg(sv[1], small, nil, flags|unix.MSG_DONTWAIT)
		if err != nil {
			me.Fatal(syserr.Wrap("recvmsg", err, nil))
		}
		_, _, err = unix.Recvfrom(sv[1], make([]byte, 64), unix.MSG_DONTWAIT)
		me.Printf("  recvmsg(flags %s), 12 into 5 = %d %q, msg_flags %s; then %s",
			msgFlags(flags), n, small[:min(n, len(small))], msgFlags(got), syserr.Name(syserr.Errno(err)))
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
