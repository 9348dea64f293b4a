//go:build linux && (amd64 || arm64)

package exampletest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestKeptCTrimmed: a kept twin that a test uses counts as used; the
// twins no test used for a week go, and so do the half-written copies a
// killed test binary left; the others stay, and so does a symbolic link
// (never followed) and what it points to.
func TestKeptCTrimmed(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found: no twin is kept without it")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	src := filepath.Join(t.TempDir(), "twin.c")
	if err := os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := keptCDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	weekAgo := time.Now().Add(-8 * 24 * time.Hour)
	put := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, weekAgo, weekAgo); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flags := []string{"-Wall"}
	used := put(cKey("gcc", flags, []string{src}))
	unused, half := put("0123456789abcdef0123456789abcdef"), put("0123456789abcdef0123456789abcdef.4242.new")
	recent := filepath.Join(dir, "fedcba9876543210fedcba9876543210")
	if err := os.WriteFile(recent, nil, 0o700); err != nil {
		t.Fatal(err)
	}

	target := put("../elsewhere")
	linked := filepath.Join(dir, "00112233445566778899aabbccddeeff")
	if err := os.Symlink(target, linked); err != nil {
		t.Fatal(err)
	}
	tv := []unix.Timeval{unix.NsecToTimeval(weekAgo.UnixNano()), unix.NsecToTimeval(weekAgo.UnixNano())}
	if err := unix.Lutimes(linked, tv); err != nil {
		t.Fatal(err)
	}

	if got := keptC("gcc", flags, []string{src}); got != used {
		t.Fatalf("keptC = %q, want %q", got, used)
	}
	trimKeptC(dir)
	for p, want := range map[string]bool{used: true, recent: true, unused: false, half: false, linked: true, target: true} {
		if _, err := os.Lstat(p); (err == nil) != want {
			t.Errorf("%s: there %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
