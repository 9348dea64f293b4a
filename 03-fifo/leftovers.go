//go:build linux && (amd64 || arm64)

// leftovers.go is beyond the article: what an earlier reader left. A
// reader killed with kill -9 cannot remove its private directory, and the
// next one makes a new directory beside it. So the private directory is
// named for the reader's PID (03-fifo-PID-RANDOM), and a reader about to
// make one first names the directories of readers that are gone, with the
// command that removes them. It removes nothing itself: a directory of a
// reader that still runs, or of another user, is not mentioned.

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
)

// dirPrefix starts every private directory's name: 03-fifo-PID-.
const dirPrefix = "03-fifo-"

// leftRe matches a private directory's name; its group is the PID of the
// reader that made it.
var leftRe = regexp.MustCompile(`^` + dirPrefix + `(\d+)-\d+$`)

// namePrivateDir is os.MkdirTemp's pattern for this process's directory.
func namePrivateDir() string { return dirPrefix + strconv.Itoa(os.Getpid()) + "-" }

// leftovers names, in dir, each private directory of this user whose
// reader is gone: no process has its PID (in this PID namespace), or the
// PID is this very process's (reused after the reader died).
func leftovers(me *say.Speaker, dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // no TMPDIR to look in: MkdirTemp will say so
	}
	for _, e := range ents {
		m := leftRe.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		path := filepath.Join(dir, e.Name())
		var st unix.Stat_t
		if unix.Lstat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() {
			continue // not a directory of this user: not ours to name
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid != os.Getpid() && unix.Kill(pid, 0) != unix.ESRCH {
			continue // its reader runs (or the PID is another's now)
		}
		me.Printf("left by reader %d, which is gone (kill -9?): %s", pid, path)
		me.Printf("remove it with: rm -r %s", shellQuote(path))
	}
}
