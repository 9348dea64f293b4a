//go:build linux && (amd64 || arm64)

package exampletest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The C twins are the same from one run of the tests to the next, and
// several test binaries compile the same ones: a compiled twin is kept
// under the user's cache directory (where go keeps its build cache), named
// by the sum of what it is compiled from: gcc's version, the flags, each
// source and every header beside the sources (the twins include theirs
// with #include "..."). A kept twin is copied for each test binary; a new
// one is written beside the others and renamed into place, so that two
// test binaries never see one half written.

var (
	gccOnce sync.Once
	gccVer  string
)

// gccVersion is what gcc says it is ("" if it says nothing).
func gccVersion() string {
	gccOnce.Do(func() {
		b, _ := exec.Command("gcc", "-dumpfullversion", "-dumpmachine").Output()
		gccVer = string(b)
	})
	return gccVer
}

// keptCDir is where compiled twins are kept ("" without a cache directory).
func keptCDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "ipc-examples", "c-twins")
}

// cKey sums what gcc compiles srcs from, or "" if a file cannot be read.
func cKey(gcc string, flags, srcs []string) string {
	v := gccVersion()
	if v == "" {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", gcc, v, strings.Join(flags, " "))
	files := append([]string(nil), srcs...)
	seen := map[string]bool{}
	for _, src := range srcs {
		dir := filepath.Dir(src)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		hs, _ := filepath.Glob(filepath.Join(dir, "*.h"))
		files = append(files, hs...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return ""
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// keptC is the kept twin compiled from srcs, or "".
func keptC(gcc string, flags, srcs []string) string {
	dir, key := keptCDir(), cKey(gcc, flags, srcs)
	if dir == "" || key == "" {
		return ""
	}
	p := filepath.Join(dir, key)
	if !ownOnly(dir) || !ownOnly(p) {
		return "" // a program found there is run: only one this user alone may have written
	}
	now := time.Now()
	_ = os.Chtimes(p, now, now) // used: kept by trimKeptC
	return p
}

// ownOnly reports whether path is this user's, no symbolic link, and
// written by nobody else (no group or other write bit).
func ownOnly(path string) bool {
	var st unix.Stat_t
	return unix.Lstat(path, &st) == nil && st.Mode&unix.S_IFMT != unix.S_IFLNK &&
		int(st.Uid) == os.Geteuid() && st.Mode&0o022 == 0
}

// keepC keeps the twin just compiled at bin (best effort).
func keepC(gcc string, flags, srcs []string, bin string) {
	dir, key := keptCDir(), cKey(gcc, flags, srcs)
	if dir == "" || key == "" || os.MkdirAll(dir, 0o700) != nil || !ownOnly(dir) {
		return
	}
	tmp := filepath.Join(dir, fmt.Sprintf("%s.%d.new", key, os.Getpid()))
	if copyExec(bin, tmp) == nil {
		if os.Rename(tmp, filepath.Join(dir, key)) != nil {
			os.Remove(tmp)
		}
	}
	trimKeptC(dir)
}

// trimKeptC removes the twins no test used for a week (a change to a
// twin's source keeps a new one), and the half-written copies a killed
// test binary left.
func trimKeptC(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && time.Since(info.ModTime()) > 7*24*time.Hour {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// copyExec copies the executable from to a new file to, mode 0700.
func copyExec(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o700)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(to)
		return err
	}
	return dst.Close()
}
