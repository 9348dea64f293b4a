//go:build linux && (amd64 || arm64)

package syserr_test

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	_ "github.com/goipc/ipc-examples/common/exampletest" // accepts -update, like every test here
	"github.com/goipc/ipc-examples/common/syserr"
)

func TestWrap(t *testing.T) {
	if syserr.Wrap("close", nil, nil) != nil {
		t.Fatal("Wrap of nil must be nil")
	}
	m := syserr.Meanings{unix.ENXIO: "no process has the FIFO open for reading"}
	// A real failure: open(O_WRONLY|O_NONBLOCK) on a FIFO nobody reads.
	dir := t.TempDir()
	fifo := dir + "/f"
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK, 0)
	err = syserr.Wrap("open(O_WRONLY|O_NONBLOCK)", err, m)
	want := "open(O_WRONLY|O_NONBLOCK) failed: ENXIO (no such device or address): no process has the FIFO open for reading"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if !errors.Is(err, unix.ENXIO) || syserr.Errno(err) != unix.ENXIO {
		t.Errorf("the errno must stay visible to errors.Is and Errno")
	}

	// Through an *os.PathError, and with no meaning given for this errno.
	_, err = os.Open(dir + "/missing")
	err = syserr.Wrap("open", err, m)
	if got := err.Error(); got != "open failed: ENOENT (no such file or directory)" {
		t.Errorf("got %q", got)
	}

	// Not an errno at all.
	err = syserr.Wrap("parse", errors.New("bad"), m)
	if got := err.Error(); got != "parse failed: bad" || syserr.Errno(err) != 0 {
		t.Errorf("got %q, errno %d", got, syserr.Errno(err))
	}
	if syserr.Name(unix.Errno(4000)) != "errno 4000" {
		t.Errorf("unknown errno name %q", syserr.Name(unix.Errno(4000)))
	}
}

func TestExplain(t *testing.T) {
	base := syserr.Wrap("msgget", unix.ENOENT, syserr.Meanings{unix.ENOENT: "no queue has this key"})
	got := syserr.Explain(base, syserr.Meanings{unix.ENOENT: "start the server first"})
	if got.Error() != "msgget failed: ENOENT (no such file or directory): start the server first" {
		t.Errorf("Explain: %q", got)
	}
	if base.Error() != "msgget failed: ENOENT (no such file or directory): no queue has this key" {
		t.Errorf("Explain changed the original: %q", base)
	}
	if syserr.Explain(base, syserr.Meanings{unix.EEXIST: "x"}) != base {
		t.Error("an errno not in the map must leave the error as it is")
	}
	plain := errors.New("plain")
	if syserr.Explain(plain, syserr.Meanings{unix.ENOENT: "x"}) != plain {
		t.Error("a foreign error must be returned as it is")
	}
}

func TestFlagNames(t *testing.T) {
	names := []syserr.Flag{{Bit: 0o1000, Name: "IPC_CREAT"}, {Bit: 0o2000, Name: "IPC_EXCL"}}
	for _, c := range []struct {
		v    uint64
		base int
		want string
	}{
		{0, 8, "0"},
		{0o1600, 8, "IPC_CREAT|0600"},
		{0o3000, 8, "IPC_CREAT|IPC_EXCL"},
		{0o600, 8, "0600"},
		{0x10000 | 0o1000, 16, "IPC_CREAT|0x10000"},
	} {
		if got := syserr.FlagNames(c.v, names, c.base); got != c.want {
			t.Errorf("FlagNames(%#o, %d) = %q, want %q", c.v, c.base, got, c.want)
		}
	}
}
