//go:build linux && (amd64 || arm64)

package sysv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// Ftok gives the key glibc's ftok() gives, for paths on several file
// systems (ext4 or overlay, proc, sysfs, devtmpfs, tmpfs) and project ids
// on both sides of 0x80, where keys turn negative, and above 0xff, where
// only the low byte counts.
func TestFtokMatchesGlibc(t *testing.T) {
	cFtok := exampletest.BuildC(t, "testdata/ftok.c")
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	paths := []string{".", "/", "/tmp", "/proc", "/sys", "/dev/null", "/dev/shm", "/etc/passwd", dir, file, link}
	projs := []int{1, 0x66, 0x7f, 0x80, 0xab, 0xff, 0x100, 0x166, 0}
	var args []string
	type pair struct {
		path string
		proj int
	}
	var pairs []pair
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			continue // not on this machine
		}
		for _, j := range projs {
			args = append(args, p, fmt.Sprintf("%#x", j))
			pairs = append(pairs, pair{p, j})
		}
	}
	out, err := exec.Command(cFtok, args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pairs) {
		t.Fatalf("C printed %d keys for %d pairs:\n%s", len(lines), len(pairs), out)
	}
	negative := 0
	for i, pr := range pairs {
		want, err := strconv.ParseInt(lines[i], 10, 32)
		if err != nil {
			t.Fatalf("ftok(%q, %#x) in C: %s", pr.path, pr.proj, lines[i])
		}
		got, err := Ftok(pr.path, pr.proj)
		if err != nil {
			t.Fatal(err)
		}
		if int64(got) != want {
			t.Errorf("Ftok(%q, %#x) = %d (%v), glibc says %d (%v)", pr.path, pr.proj, got, got, want, Key(want))
		}
		if got < 0 {
			negative++
		}
	}
	if negative == 0 {
		t.Error("no negative key seen: project ids >= 0x80 must give negative keys")
	}
}

// The formula itself, on device numbers this machine may not have: only
// the low byte of the minor number counts, so minors 15 and 271 collide;
// only the low 16 bits of the inode count; only 8 bits of proj.
func TestFtokFormula(t *testing.T) {
	dev := func(major, minor uint64) uint64 { // the kernel's new_encode_dev, as stat(2) returns it
		return minor&0xff | major<<8 | (minor&^0xff)<<12
	}
	for _, c := range []struct {
		ino, dev uint64
		proj     int
		want     Key
		str      string
	}{
		{2, dev(254, 0), 0x66, 0x66000002, "0x66000002"},
		{0x12345, dev(0, 15), 0x66, 0x660f2345, "0x660f2345"},
		{0x2345, dev(0, 271), 0x66, 0x660f2345, "0x660f2345"}, // collides with the line above
		{2, dev(8, 1), 0x166, 0x66010002, "0x66010002"},
		{2, dev(8, 1), 0x80, -0x7ffefffe, "0x80010002"},
		{0xffff, dev(0, 0xff), 0xff, -1, "0xffffffff"}, // the key of a failed C ftok, from a real file
	} {
		got := ftokKey(c.ino, c.dev, c.proj)
		if got != c.want || got.String() != c.str {
			t.Errorf("ftokKey(%#x, %#x, %#x) = %d %v, want %d %s", c.ino, c.dev, c.proj, got, got, c.want, c.str)
		}
	}
}

// A path that does not exist is a named error, ENOENT, and no key.
func TestFtokMissingPath(t *testing.T) {
	k, err := Ftok("/no/such/path", 0x66)
	if !errors.Is(err, unix.ENOENT) || k != -1 {
		t.Fatalf("Ftok(missing) = %v, %v; want -1, ENOENT", k, err)
	}
	want := `ftok("/no/such/path", 0x66) failed: ENOENT (no such file or directory): the path must exist`
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\nwant prefix %q", err, want)
	}
}
