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
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// buildCacheEnv names a directory where the checker keeps what it built,
// one entry per program, for the next run that checks the same program:
// the checker's own tests set it (they check some eighty solutions,
// starters and mistakes, the same ones every run); a student's checker
// runs without it. A Go program's entry is keyed by what it is built from
// (goStamp; by its folder where that cannot be summed, and go build then
// decides whether the binary there is up to date); a C program's entry
// is keyed by its source, the flags and gcc's version. Entries are locked
// (flock) while one checker builds and copies one out, so that two
// checkers never build into one file at once; each run gets a copy of its
// own.
const buildCacheEnv = "EXERCISES_BUILD_CACHE"

// cachedBuild runs cmd, which builds into target, through the cache root
// under key, and leaves the program in out. rebuild says whether an
// existing entry is to be built again by cmd (go build, which decides
// itself whether to relink) unless its stamp (goStamp) is unchanged; a C
// entry is kept as it is.
func cachedBuild(root, key, stamp string, cmd func(target string) *exec.Cmd, out string, rebuild bool) ([]byte, error) {
	entry := filepath.Join(root, key)
	// A program found there is run: the folders and the program must be
	// this user's, and nobody else may write them.
	if err := ownOnly(root); err != nil {
		return nil, fmt.Errorf("%s %s: not used: %v", buildCacheEnv, root, err)
	}
	if err := os.MkdirAll(entry, 0o700); err != nil {
		return nil, err
	}
	for _, p := range []string{entry, filepath.Join(entry, "prog")} {
		if err := ownOnly(p); err != nil {
			return nil, fmt.Errorf("%s %s: not used: %v", buildCacheEnv, p, err)
		}
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
	if rebuild && stamp != "" {
		// the same sources, module files and toolchain as the binary
		// there was built from: no need to ask go build
		if b, err := os.ReadFile(filepath.Join(entry, "stamp")); err == nil && string(b) == stamp && fileExists(target) {
			rebuild = false
		}
	}
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
		if stamp != "" {
			os.WriteFile(filepath.Join(entry, "stamp"), []byte(stamp), 0o600)
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

// goStamp sums what a Go program in dir is built from, as far as the
// checker's tests go (the same sum in two copies of this repository): the toolchain (the checker's own: go is found in its
// GOROOT), the environment go build reads, and every .go, go.mod and
// go.sum file of the module dir is in and of each local module it
// replaces a dependency with (a mutant's replace line names this
// repository). "" if one cannot be read: then go build decides.
//
// key names the program's entry, one per program whatever its sources
// (so that the cache does not grow with each edit): the package's folder
// within its module, and the module's own folder unless it is this
// repository (the same entry for the README test's copies of the tree).
func goStamp(dir string) (stamp, key string) {
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version(), runtime.GOROOT())
	for _, k := range []string{"GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED", "GOTOOLCHAIN", "GOEXPERIMENT"} {
		fmt.Fprintf(h, "%s=%s\n", k, os.Getenv(k))
	}
	mod := dir
	for !fileExists(filepath.Join(mod, "go.mod")) {
		up := filepath.Dir(mod)
		if up == mod {
			return "", ""
		}
		mod = up
	}
	rel, err := filepath.Rel(mod, dir)
	if err != nil {
		return "", ""
	}
	fmt.Fprintf(h, "package %s\n", rel) // which program of the module
	roots := []string{mod}
	gomod, err := os.ReadFile(filepath.Join(mod, "go.mod"))
	if err != nil {
		return "", ""
	}
	if strings.HasPrefix(string(gomod), "module github.com/goipc/ipc-examples\n") {
		key = buildKey([]byte("this repository"), []byte(rel))
	} else {
		key = buildKey([]byte(mod), []byte(rel))
	}
	for _, l := range strings.Split(string(gomod), "\n") {
		if i := strings.Index(l, "=>"); i >= 0 && strings.HasPrefix(strings.TrimSpace(l), "replace") {
			if p := strings.TrimSpace(l[i+2:]); filepath.IsAbs(p) || strings.HasPrefix(p, ".") {
				roots = append(roots, filepath.Join(mod, p))
				if filepath.IsAbs(p) {
					roots[len(roots)-1] = p
				}
			}
		}
	}
	for i, r := range roots {
		err := filepath.WalkDir(r, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != r && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum" {
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				// named within its root: the same files in another
				// copy of the tree (the README test's) sum the same
				relPath, _ := filepath.Rel(r, path)
				fmt.Fprintf(h, "%d %s %d\n", i, relPath, len(b))
				h.Write(b)
			}
			return nil
		})
		if err != nil {
			return "", ""
		}
	}
	return hex.EncodeToString(h.Sum(nil)), key
}

// ownOnly checks that path, if it exists, is this user's and that nobody
// else may write it (not a symbolic link, no group or other write bit).
func ownOnly(path string) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	switch {
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return fmt.Errorf("a symbolic link")
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("owned by uid %d, not by this user (uid %d)", st.Uid, os.Geteuid())
	case st.Mode&0o022 != 0:
		return fmt.Errorf("mode %#o: others may write it", st.Mode&0o777)
	}
	return nil
}
