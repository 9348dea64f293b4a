//go:build linux && (amd64 || arm64)

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// buildCacheEnv names a directory where the checker keeps what it built,
// one entry per program, for the next run that checks the same program:
// the checker's own tests set it (they check some eighty solutions,
// starters and mistakes, the same ones every run); a student's checker
// runs without it. A Go program's entry is keyed by its folder, and go
// build itself decides whether the binary there is up to date (it relinks
// only when a source, go.mod or a dependency changed); a C program's entry
// is keyed by its source, the flags and gcc's version. Entries are locked
// (flock) while one checker builds and copies one out, so that two
// checkers never build into one file at once; each run gets a copy of its
// own.
const buildCacheEnv = "EXERCISES_BUILD_CACHE"

// cachedBuild runs cmd, which builds into target, through the cache root
// under key, and leaves the program in out. rebuild says whether an
// existing entry is to be built again by cmd (go build, which decides
// itself whether to relink); a C entry is kept as it is.
func cachedBuild(root, key string, cmd func(target string) *exec.Cmd, out string, rebuild bool) ([]byte, error) {
	entry := filepath.Join(root, key)
	if err := os.MkdirAll(entry, 0o700); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(entry, "lock"), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	defer lock.Close() // and the lock with it
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return nil, err
	}
	target := filepath.Join(entry, "prog")
	if _, err := os.Stat(target); err != nil || rebuild {
		c := cmd(target + ".new")
		if fileExists(target) {
			c = cmd(target) // go build compares its build ID and relinks only if needed
		}
		if b, err := c.CombinedOutput(); err != nil {
			return b, err
		}
		if fileExists(target + ".new") {
			if err := os.Rename(target+".new", target); err != nil {
				return nil, err
			}
		}
	}
	now := time.Now()
	os.Chtimes(entry, now, now) // used: kept by the trimming of old entries
	return nil, copyFile(target, out)
}

func copyFile(from, to string) error {
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
		return err
	}
	return dst.Close()
}

// buildKey is the hex SHA-256 of its parts.
func buildKey(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// gccVersion is what gcc says it is, part of a C entry's key.
func gccVersion() []byte {
	b, _ := exec.Command("gcc", "-dumpfullversion", "-dumpmachine").Output()
	return b
}
