//go:build linux && (amd64 || arm64)

// maps.go makes the demo's private directory, names what an earlier run
// killed by SIGKILL left, and reads /proc/self/maps and smaps: where the
// kernel shows each mapping of this process.
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// prefix starts the name of everything the demo makes: a directory under
// $TMPDIR and a name in /dev/shm, each followed by the maker's PID.
const prefix = "11-mmap-"

// privateDir makes a directory of mode 0700 under $TMPDIR for the demo's
// files, removed whatever ends the run, after naming what earlier runs
// left.
func privateDir(me *say.Speaker) string {
	leftovers(me)
	var dir string
	_, err := cleanup.Make(func() (string, func() error, error) {
		d, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", prefix, os.Getpid()))
		if err != nil {
			return "", nil, err
		}
		dir = d
		// Only this user can write in it (0700), so what is in it is the
		// demo's own.
		return "directory " + d, func() error { return os.RemoveAll(d) }, nil
	})
	if err != nil {
		me.Fatal(syserr.Wrap("mkdtemp", err, nil))
	}
	me.Printf("made the private directory %s (mode 0700)", dir)
	return dir
}

// leftovers names the directories and /dev/shm names that an earlier run
// left when it was killed by SIGKILL: this user's, made by a process that
// is gone. It removes nothing: a reader decides.
func leftovers(me *say.Speaker) {
	var found []string
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	shms, _ := filepath.Glob("/dev/shm/" + prefix + "*")
	for _, p := range append(dirs, shms...) {
		rest := strings.TrimPrefix(filepath.Base(p), prefix)
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		var st unix.Stat_t
		if err != nil || unix.Lstat(p, &st) != nil || int(st.Uid) != os.Geteuid() {
			continue // not this example's, or not this user's
		}
		if unix.Kill(pid, 0) == unix.ESRCH {
			found = append(found, p)
		}
	}
	for _, p := range found {
		me.Warnf("an earlier run, now gone, left %s: rm -r %s", p, p)
	}
}

// mapsLine is the line of /proc/self/maps for the mapping that starts at
// addr: its range, permissions (s: shared, p: private) and what is mapped
// (the offset, device and inode between them are left out).
func mapsLine(addr uintptr) string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	want := fmt.Sprintf("%x-", addr)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); strings.HasPrefix(sc.Text(), want) && len(f) >= 5 {
			return strings.Join(append(f[:2:2], f[5:]...), " ")
		}
	}
	return "(no mapping at " + want + ")"
}

// ourMappings lists the mappings of this process that the demo made: of a
// file in a 11-mmap directory, a memfd or /dev/shm. None is left at the
// end, since every step unmaps what it mapped.
func ourMappings() string {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return "(" + err.Error() + ")"
	}
	var ours []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, prefix) || strings.Contains(l, "/memfd:") || strings.Contains(l, "/dev/shm/") {
			ours = append(ours, strings.Join(strings.Fields(l), " "))
		}
	}
	if len(ours) == 0 {
		return "none of the demo's mappings is left (every step called munmap)"
	}
	return strings.Join(ours, "; ")
}

// smapsField is one field (Private_Dirty, Shared_Clean, ...) of the
// /proc/self/smaps entry of the mapping at addr, in kB.
func smapsField(addr uintptr, field string) string {
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return "?"
	}
	want := fmt.Sprintf("%x-", addr)
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasSuffix(f[0], ":") { // a mapping's first line
			in = strings.HasPrefix(l, want)
			continue
		}
		if in && strings.HasPrefix(l, field+":") {
			return strings.Join(strings.Fields(strings.TrimPrefix(l, field+":")), " ")
		}
	}
	return "?"
}

// addrOf is where a mapping starts.
func addrOf(mem []byte) uintptr { return uintptr(unsafe.Pointer(&mem[0])) }

// followChild ends this program as its child ended, if the child was
// ended by one of the signals that end a run (Ctrl-C and SIGHUP reach the
// whole process group): the run is being ended, nothing failed.
func followChild(c *child.Cmd) {
	if c.ProcessState != nil {
		cleanup.FollowChild(c.ProcessState.Sys().(syscall.WaitStatus))
	}
}
