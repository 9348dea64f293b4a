//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestBuildCacheRefusesStrangers: the checker runs what it finds in its
// build cache, so a cache folder that another user owns, or that others
// may write, is not used, and the checker says so (a planted program
// would otherwise run as the user who checks).
func TestBuildCacheRefusesStrangers(t *testing.T) {
	t.Parallel()
	if !haveGCC() {
		t.Skip("gcc not found: the C solutions cannot be built")
	}
	for _, tc := range []struct {
		name string
		prep func(dir string) error
		want string
	}{
		{"others may write", func(dir string) error { return os.Chmod(dir, 0o777) }, "others may write it"},
		{"another user's", func(dir string) error {
			if os.Geteuid() != 0 {
				t.Skip("only root can make a folder another user owns")
			}
			return os.Chown(dir, 65534, 65534)
		}, "owned by uid 65534"},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cache := filepath.Join(t.TempDir(), "cache")
			if err := os.Mkdir(cache, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := tc.prep(cache); err != nil {
				t.Fatal(err)
			}
			v := checkEnv(t, []string{buildCacheEnv + "=" + cache}, "01-duplex", "-c", "exercises/01-duplex/solution/c/duplex.c")
			if v.code != 1 || !strings.Contains(v.out, "not used") || !strings.Contains(v.out, tc.want) {
				t.Errorf("a cache folder %s: exit status %d, want 1 and %q:\n%s", tc.name, v.code, tc.want, v.out)
			}
			if ents, _ := os.ReadDir(cache); len(ents) > 0 {
				t.Errorf("the checker wrote into a folder it refused: %d entries", len(ents))
			}
		})
	}
}

// TestTrimBuildCache: what no run used for a week goes, a build of this
// clone or another clone's whole folder (CI clones afresh each time);
// what was used stays (a clone whose build was used lately, a build a
// checker holds locked), this clone's folder counts as used now, and a
// symbolic link is never followed.
func TestTrimBuildCache(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	weekAgo := time.Now().Add(-8 * 24 * time.Hour)
	old := func(p string) {
		if err := os.Chtimes(p, weekAgo, weekAgo); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(path string, isOld bool) string {
		p := filepath.Join(top, path)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if isOld {
			old(p)
		}
		return p
	}
	link := func(target, path string) string {
		p := filepath.Join(top, path)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		if err := unix.Lutimes(p, []unix.Timeval{unix.NsecToTimeval(weekAgo.UnixNano()), unix.NsecToTimeval(weekAgo.UnixNano())}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	outside := mk("outside/precious", true)
	oldBuild, newBuild := mk("exercises-mine/builds/old", true), mk("exercises-mine/builds/new", false)
	locked := mk("exercises-mine/builds/locked", false)
	lf, err := os.Create(filepath.Join(locked, "lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	old(locked)
	linkedBuild := link(outside, "exercises-mine/builds/linked")
	oldClone := mk("exercises-gone", true)
	usedClone, usedBuild := mk("exercises-used", true), mk("exercises-used/builds/recent", false)
	old(filepath.Join(top, "exercises-used/builds"))
	old(usedClone)
	newClone := mk("exercises-other", false)
	linkedClone := link(filepath.Join(top, "outside"), "exercises-linked")
	other := mk("c-twins", true) // not the checker's
	mine := filepath.Join(top, "exercises-mine")
	old(filepath.Join(mine, "builds"))
	old(mine)
	trimBuildCache(mine)
	for p, want := range map[string]bool{
		oldBuild: false, newBuild: true, locked: true, linkedBuild: false, outside: true,
		oldClone: false, usedClone: true, usedBuild: true, newClone: true, linkedClone: true,
		other: true, mine: true,
	} {
		if _, err := os.Lstat(p); (err == nil) != want {
			t.Errorf("%s: there %v, want %v", strings.TrimPrefix(p, top), err == nil, want)
		}
	}
	if info, err := os.Stat(mine); err != nil || time.Since(info.ModTime()) > time.Hour {
		t.Errorf("this clone's folder was not marked used: %v", err)
	}
}
