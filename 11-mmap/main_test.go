//go:build linux && (amd64 || arm64)

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// rules hide what changes from run to run: addresses, devices and inodes
// in /proc/self/maps lines, fault addresses, the private directory's
// random part, futex counts (they depend on how the two sides were
// scheduled) and the user.
var rules = []exampletest.Rule{
	{Re: regexp.MustCompile(`11-mmap-(\d+)`), Class: "PID"},
	{Re: regexp.MustCompile(`11-mmap-PID\d+-(\d+)`), Fixed: "RANDOM"},
	{Re: regexp.MustCompile(`waitpid: child (\d+)`), Class: "PID"},
	{Re: regexp.MustCompile(`\b([0-9a-f]{8,16}-[0-9a-f]{8,16})\b`), Fixed: "ADDR-ADDR"},
	{Re: regexp.MustCompile(`\b(0x[0-9a-f]{5,})\b`), Fixed: "0xADDR"},
	{Re: regexp.MustCompile(`futex: (\d+) waits`), Fixed: "N"},
	{Re: regexp.MustCompile(`waits, (\d+) wakes`), Fixed: "N"},
	{Re: regexp.MustCompile(`\buid (\d+)\b`), Fixed: "UID"},
	{Re: regexp.MustCompile(`(?:Anonymous|Private_Dirty) (\d+) kB`), Fixed: "N"},
}

// shmNames lists this example's names in /dev/shm.
func shmNames(t *testing.T) map[string]bool {
	t.Helper()
	names, err := filepath.Glob("/dev/shm/" + prefix + "*")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// checkShm fails the test if a name a run of the demo makes
// (/dev/shm/11-mmap-PID) appeared since before and its process is gone.
// Names of another test binary's live runs (two go test at once) are not
// this test's; nothing is removed here: the test says what it found.
func checkShm(t *testing.T, before map[string]bool) {
	t.Helper()
	for n := range shmNames(t) {
		if before[n] {
			continue
		}
		var pid int
		var extra string
		if k, _ := fmt.Sscanf(filepath.Base(n), prefix+"%d%s", &pid, &extra); k != 1 {
			continue // a test's own name (-testN, -stranger), not the demo's
		}
		if unix.Kill(pid, 0) == unix.ESRCH {
			t.Errorf("left behind: %s (its process %d is gone)", n, pid)
		}
	}
}

// The demo, run for real: every step, compared with its golden output;
// the harness checks its TMPDIR is empty afterwards, and this test that
// nothing is left in /dev/shm.
func TestDemo(t *testing.T) {
	before := shmNames(t)
	res := exampletest.RunOK(t, exampletest.Opts{})
	checkShm(t, before)
	exampletest.Contains(t, res.Out,
		`read "hello from the parent" from the mapping`,
		"rw-s /", // MAP_SHARED in /proc/self/maps
		"rw-p /", // MAP_PRIVATE
		`pread of the file: "hello from the parent": the file never sees a private write`,
		"the count is 1000: the child's mapping was mine",
		"/memfd:shm_anon (deleted)",
		"mode -rw-------",
		"ENOENT: the name is gone",
		"exited with status 2",
		"fatal error: fault",
		"[signal SIGBUS: bus error",
		"received 100000 messages in order",
		"none of the demo's mappings is left",
	)
	// The copy on write, in numbers: no anonymous page before the write,
	// one after.
	page := os.Getpagesize() / 1024
	exampletest.Contains(t, res.Out,
		"smaps: Anonymous 0 kB, Private_Dirty 0 kB",
		fmt.Sprintf("smaps: Anonymous %d kB, Private_Dirty %d kB", page, page))
	// /dev/shm is the machine's: what a run of another test binary left
	// there a moment ago (TestNamesWhatAKilledRunLeft, killed on purpose)
	// is named by this run's first lines, which the golden file does not
	// hold.
	var kept []string
	for _, l := range strings.SplitAfter(res.Out, "\n") {
		if !strings.Contains(l, "an earlier run, now gone, left /dev/shm/") {
			kept = append(kept, l)
		}
	}
	res.Out = strings.Join(kept, "")
	exampletest.Golden(t, "demo", res, rules...)
}

// Two unrelated processes through one file, Go and C either way round.
func TestFileGoAndC(t *testing.T) {
	cbin := exampletest.BuildC(t, "c/mmap_file.c")
	gobin := exampletest.Binary(t)
	for _, tc := range []struct{ writer, reader []string }{
		{[]string{gobin, "file"}, []string{cbin}},
		{[]string{cbin}, []string{gobin, "file"}},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "shared")
		w := run(t, nil, append(tc.writer, path, "from "+filepath.Base(tc.writer[0]))...)
		if w.code != 0 {
			t.Fatalf("%v: exit %d\n%s", tc.writer, w.code, w.out)
		}
		r := run(t, nil, append(tc.reader, path)...)
		want := fmt.Sprintf(`read "from %s" from the mapping`, filepath.Base(tc.writer[0]))
		if r.code != 0 || !strings.Contains(r.out, want) {
			t.Errorf("%v: exit %d, want %q in:\n%s", tc.reader, r.code, want, r.out)
		}
	}
}

// A name in /dev/shm, created by one language and read (and removed) by
// the other; nothing is left.
func TestShmGoAndC(t *testing.T) {
	cbin := exampletest.BuildC(t, "c/posix_shm.c")
	gobin := exampletest.Binary(t)
	before := shmNames(t)
	defer checkShm(t, before)
	for i, tc := range []struct{ creator, reader []string }{
		{[]string{gobin, "shm"}, []string{cbin}},
		{[]string{cbin}, []string{gobin, "shm"}},
	} {
		name := fmt.Sprintf("/%s%d-test%d", prefix, os.Getpid(), i)
		c := run(t, nil, append(tc.creator, name, "hello")...)
		if c.code != 0 {
			t.Fatalf("%v: exit %d\n%s", tc.creator, c.code, c.out)
		}
		var st unix.Stat_t
		if err := unix.Stat(shmPath(name), &st); err != nil || st.Mode&0o777 != 0o600 {
			t.Errorf("%s after the creator: %v, mode %04o; want mode 0600", shmPath(name), err, st.Mode&0o777)
		}
		r := run(t, nil, append(tc.reader, name)...)
		if r.code != 0 || !strings.Contains(r.out, `read "hello"`) || !strings.Contains(r.out, "the name is gone") {
			t.Errorf("%v: exit %d\n%s", tc.reader, r.code, r.out)
		}
		if _, err := os.Stat(shmPath(name)); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the reader: %v", shmPath(name), err)
		}
	}
}

// One ring, a Go side and a C side, both ways: every message arrives, in
// order, and the sides call futex far fewer times than they pass messages.
func TestRingGoAndC(t *testing.T) {
	cbin := exampletest.BuildC(t, "c/ring.c")
	gobin := exampletest.Binary(t)
	const n = "200000"
	for _, tc := range []struct{ producer, consumer []string }{
		{[]string{gobin, "ring", "produce", n}, []string{cbin, "consume", n}},
		{[]string{cbin, "produce", n}, []string{gobin, "ring", "consume", n}},
		{[]string{gobin, "ring", "produce", n}, []string{gobin, "ring", "consume", n}},
	} {
		fd, err := unix.MemfdCreate("ring-test", unix.MFD_CLOEXEC)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Ftruncate(fd, ringBytes); err != nil {
			t.Fatal(err)
		}
		f := os.NewFile(uintptr(fd), "memfd:ring-test")
		done := make(chan result, 1)
		go func() { done <- run(t, f, tc.consumer...) }()
		p := run(t, f, tc.producer...)
		c := <-done
		f.Close()
		if p.code != 0 || !strings.Contains(p.out, "sent "+n+" messages") {
			t.Errorf("%v: exit %d\n%s", tc.producer, p.code, p.out)
		}
		if c.code != 0 || !strings.Contains(c.out, "received "+n+" messages in order") {
			t.Errorf("%v: exit %d\n%s", tc.consumer, c.code, c.out)
		}
	}
}

// The C twin dies of SIGBUS itself; the Go demo's child exits with status
// 2 (TestDemo).
func TestSigbusC(t *testing.T) {
	cbin := exampletest.BuildC(t, "c/sigbus.c")
	r := run(t, nil, cbin, filepath.Join(t.TempDir(), "f"))
	if !r.status.Signaled() || r.status.Signal() != syscall.SIGBUS {
		t.Errorf("sigbus.c: %v, want killed by SIGBUS\n%s", r.status, r.out)
	}
	if !strings.Contains(r.out, "touching the second page again") || strings.Contains(r.out, "not reached") {
		t.Errorf("output:\n%s", r.out)
	}
}

// A file or a /dev/shm name that is not this user's, or that others may
// write, is refused, by Go and by C, and left as it was.
func TestRefusesStrangers(t *testing.T) {
	if os.Geteuid() != 0 {
		exampletest.Skip(t, "not root: cannot make files of another user")
	}
	cfile := exampletest.BuildC(t, "c/mmap_file.c")
	cshm := exampletest.BuildC(t, "c/posix_shm.c")
	gobin := exampletest.Binary(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("theirs"), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(other, 0o666)
	os.Chown(other, 65534, 65534)
	link := filepath.Join(dir, "link")
	os.Symlink(other, link)
	name := fmt.Sprintf("/%s%d-stranger", prefix, os.Getpid())
	if err := os.WriteFile(shmPath(name), make([]byte, shmSize), 0o666); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(shmPath(name))
	os.Chmod(shmPath(name), 0o666)
	os.Chown(shmPath(name), 65534, 65534)
	for _, args := range [][]string{
		{gobin, "file", other, "mine"}, {cfile, other, "mine"},
		{gobin, "file", link}, {cfile, link},
		{gobin, "shm", name}, {cshm, name},
	} {
		r := run(t, nil, args...)
		if r.code != 1 {
			t.Errorf("%v: exit %d, want 1 (refused)\n%s", args, r.code, r.out)
		}
	}
	if b, _ := os.ReadFile(other); string(b) != "theirs" {
		t.Errorf("the other user's file was changed: %q", b)
	}
	if _, err := os.Stat(shmPath(name)); err != nil {
		t.Errorf("the other user's /dev/shm name was removed: %v", err)
	}
}

// Bad input: a usage error, exit 2, an empty value included.
func TestBadInput(t *testing.T) {
	exampletest.CheckUsage(t, "usage: 11-mmap",
		[]string{"nonsense"},
		[]string{"file"}, []string{"file", ""}, []string{"file", "f", ""}, []string{"file", "a", "b", "c"},
		[]string{"shm"}, []string{"shm", ""}, []string{"shm", "noslash"}, []string{"shm", "/a/b"}, []string{"shm", "/n", ""},
		[]string{"ring"}, []string{"ring", "produce"}, []string{"ring", "produce", "0"}, []string{"ring", "eat", "5"},
		[]string{"ring", "produce", ""},
	)
}

// Ended at any step (Ctrl-C, SIGTERM, SIGHUP, a closed standard output),
// the demo leaves nothing: no file in its TMPDIR, no name in /dev/shm.
func TestInterrupts(t *testing.T) {
	before := shmNames(t)
	n := exampletest.Interrupts(t, exampletest.Opts{Rules: rules}, exampletest.StepHeader)
	checkShm(t, before)
	t.Logf("%d interrupted runs", n)
}

// What kill -9 left, the next start names, and leaves alone.
func TestNamesWhatAKilledRunLeft(t *testing.T) {
	tmp := t.TempDir()
	before := shmNames(t)
	p := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{TmpDir: tmp, Survivors: true})
	p.WaitFor(`shm_open("/11-mmap-`)
	unix.Kill(-p.Pid(), unix.SIGKILL)
	p.Wait()
	dirs, _ := filepath.Glob(filepath.Join(tmp, prefix+"*"))
	var shms []string
	for n := range shmNames(t) {
		// The killed run's own name: another test binary's runs make
		// names of their own at the same time (two go test at once).
		if !before[n] && filepath.Base(n) == fmt.Sprintf("%s%d", prefix, p.Pid()) {
			shms = append(shms, n)
		}
	}
	t.Cleanup(func() { // what the killed run left, whatever the test found
		for _, d := range dirs {
			os.RemoveAll(d)
		}
		os.Remove(shmPath(fmt.Sprintf("/%s%d", prefix, p.Pid())))
	})
	if len(dirs) != 1 || len(shms) != 1 {
		t.Fatalf("after kill -9: directories %v, /dev/shm names %v; want one of each", dirs, shms)
	}
	next := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{TmpDir: tmp, Survivors: true})
	next.WaitFor("made the private directory")
	unix.Kill(-next.Pid(), unix.SIGKILL)
	res := next.Wait()
	for _, left := range []string{dirs[0], shms[0]} {
		if !strings.Contains(res.Out, "an earlier run, now gone, left "+left+": rm -r "+left) {
			t.Errorf("the next start does not name %s:\n%s", left, res.Out)
		}
		if _, err := os.Stat(left); err != nil {
			t.Errorf("%s was touched: %v", left, err)
		}
	}
}

type result struct {
	out    string
	code   int
	status syscall.WaitStatus
}

// run runs one program to its end under a guard, with extra as its fd 3.
func run(t *testing.T, extra *os.File, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if extra != nil {
		cmd.ExtraFiles = []*os.File{extra}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Errorf("%v: still running after the guard; killed. Output:\n%s", args, out)
	}
	var ws syscall.WaitStatus
	if cmd.ProcessState != nil {
		ws = cmd.ProcessState.Sys().(syscall.WaitStatus)
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return result{string(out), cmd.ProcessState.ExitCode(), ws}
}
