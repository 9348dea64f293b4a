//go:build linux && (amd64 || arm64)

package sysv

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

func TestMsgBufRoundTrip(t *testing.T) {
	id := newQueue(t)
	b := NewMsgBuf(16)
	b.SetType(7)
	n := copy(b.Space(), "hello")
	if err := MsgsndBuf(id, b, n, 0); err != nil {
		t.Fatal(err)
	}
	var ds MsqidDs
	if err := Msgctl(id, unix.IPC_STAT, &ds); err != nil {
		t.Fatal(err)
	}
	if ds.Cbytes != 5 || ds.Qnum != 1 {
		t.Errorf("queue holds %d bytes in %d messages, want 5 in 1: msgsz must count the text only", ds.Cbytes, ds.Qnum)
	}
	r := NewMsgBuf(16)
	got, err := MsgrcvBuf(id, r, 0, unix.IPC_NOWAIT)
	if err != nil {
		t.Fatal(err)
	}
	if got != 5 || r.Type() != 7 || string(r.Text()) != "hello" {
		t.Errorf("received type %d, %d bytes %q; want type 7, 5 bytes \"hello\"", r.Type(), got, r.Text())
	}
	if err := MsgsndBuf(id, b, 17, 0); err == nil {
		t.Error("17 bytes from a 16-byte buffer: no error")
	}
	small := NewMsgBuf(2)
	if err := MsgsndBuf(id, b, n, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := MsgrcvBuf(id, small, 0, unix.IPC_NOWAIT); syserr.Errno(err) != unix.E2BIG {
		t.Errorf("a 5-byte message into a 2-byte buffer: %v, want E2BIG", err)
	}
}

// The point of MsgBuf: a send and a receive allocate nothing. (A count,
// not a time: it cannot flake.)
func TestMsgBufAllocatesNothing(t *testing.T) {
	id := newQueue(t)
	b := NewMsgBuf(4096)
	b.SetType(1)
	allocs := testing.AllocsPerRun(100, func() {
		if err := MsgsndBuf(id, b, 4096, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := MsgrcvBuf(id, b, 1, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per send and receive, want 0", allocs)
	}
}

// BenchmarkMsgBuf and BenchmarkMsgsnd compare the two APIs on one queue
// in one process: go test -bench Msg -benchmem ./common/sysv
func BenchmarkMsgBuf(b *testing.B) {
	id := newQueue(b)
	m := NewMsgBuf(4096)
	m.SetType(1)
	b.ReportAllocs()
	b.SetBytes(4096)
	for i := 0; i < b.N; i++ {
		if err := MsgsndBuf(id, m, 4096, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := MsgrcvBuf(id, m, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMsgsnd(b *testing.B) {
	id := newQueue(b)
	text := make([]byte, 4096)
	b.ReportAllocs()
	b.SetBytes(4096)
	for i := 0; i < b.N; i++ {
		if err := Msgsnd(id, 1, text, 0); err != nil {
			b.Fatal(err)
		}
		if _, _, err := Msgrcv(id, text, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}
