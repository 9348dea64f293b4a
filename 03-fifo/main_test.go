//go:build linux && (amd64 || arm64)

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// dirRules hide the reader's PID and the random part of the private
// directory's name (03-fifo-PID-RANDOM).
var dirRules = []exampletest.Rule{
	{Re: regexp.MustCompile(`03-fifo-(\d+)-`), Class: "PID"},
	{Re: regexp.MustCompile(`03-fifo-[^-/]+-(\d+)`), Fixed: "RANDOM"},
}

// rules normalise this folder's output: the directory's name, and the PID
// in child.Reap's "waitpid: child 4243" (the writers' tag is "writer", so
// exampletest does not know "child" as a PID word here).
var rules = append(dirRules, exampletest.Rule{Re: regexp.MustCompile(`waitpid: child (\d+)`), Class: "PID"})

// The demo, run for real and compared with its golden output; the harness
// also checks that its TMPDIR is empty afterwards (FIFO and directory gone).
func TestDemo(t *testing.T) {
	t.Parallel()
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{})
	if res.Code() != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", res.Code(), res.Out)
	}
	// What a learner would look for, step by step.
	for _, l := range []string{
		"myfifo is prw-------",
		"open error; no reading process",
		"open(O_WRONLY|O_NONBLOCK|O_CLOEXEC) failed: ENXIO (no such device or address)\nno process has the FIFO open for reading",
		"no writer: read() returned 0, end of file, not EAGAIN",
		"no data yet: read failed: EAGAIN (resource temporarily unavailable)",
		`write "hello" to the FIFO`,
		`read "hello" from FIFO`,
		"returns at once with POLLHUP",
		"fcntl(F_GETPIPE_SZ) = 65536",
		"wrote 65536 bytes in writes of 4096",
		"write failed: EAGAIN (resource temporarily unavailable): the FIFO is full",
		`the article's message, verbatim: "The FIFO has not been read yet.Please try later"`,
		"drained 65536 bytes, then read() returned 0",
		"gone (no such file or directory)",
		"open descriptors: 0 1 2, and the Go runtime's poller",
	} {
		if !strings.Contains(errorLines(res.Out), l) {
			t.Errorf("output lacks %q", l)
		}
	}
	// The writer without a reader exits 1, the others 0.
	codes := regexp.MustCompile(`waitpid: child \d+ exited with status (\d)`).FindAllStringSubmatch(res.Out, -1)
	if len(codes) != 3 || codes[0][1] != "1" || codes[1][1] != "0" || codes[2][1] != "0" {
		t.Errorf("writers' wait statuses: %q, want 1, 0, 0", codes)
	}
	exampletest.Golden(t, "demo", res, rules...)
}

func fifoPath(t *testing.T) string { return filepath.Join(t.TempDir(), "myfifo") }

// Go and C talk through one FIFO, both ways: the reader makes the FIFO,
// says it is ready, reads one message, ends and removes the FIFO.
func TestInterop(t *testing.T) {
	t.Parallel()
	goBin := exampletest.Binary(t)
	cReader, cWriter := exampletest.BuildC(t, "c/fifo_read.c"), exampletest.BuildC(t, "c/fifo_write.c")
	for _, tc := range []struct {
		name             string
		reader, writer   string
		readArgs, wrArgs func(path string) []string
	}{
		{"C writer to Go reader", goBin, cWriter,
			func(p string) []string { return []string{"read", "-path", p, "-n", "1"} },
			func(p string) []string { return []string{p, "hello"} }},
		{"Go writer to C reader", cReader, goBin,
			func(p string) []string { return []string{p, "1"} },
			func(p string) []string { return []string{"write", "-path", p, "hello"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := fifoPath(t)
			rd := exampletest.Start(t, tc.reader, exampletest.Opts{Args: tc.readArgs(path)})
			rd.WaitFor("Preparing for reading bytes")
			w := exampletest.Run(t, tc.writer, exampletest.Opts{Args: tc.wrArgs(path)})
			if w.Code() != 0 || !strings.Contains(w.Out, `write "hello" to the FIFO`) {
				t.Errorf("writer: status %d, output:\n%s", w.Code(), w.Out)
			}
			res := rd.Wait()
			if res.Code() != 0 || !strings.Contains(res.Out, `read "hello" from FIFO`) {
				t.Errorf("reader: status %d, output:\n%s", res.Code(), res.Out)
			}
			mustBeGone(t, path)
		})
	}
}

// Once a writer has come and gone, the reader reopens the FIFO (poll()
// would report POLLHUP forever) and still receives the next writer.
func TestReaderAfterWriterLeaves(t *testing.T) {
	t.Parallel()
	path := fifoPath(t)
	rd := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"read", "-path", path, "-n", "2"}})
	rd.WaitFor("Preparing for reading bytes")
	rd.WaitFor("no writer (read returned 0")
	writeGo(t, path, "one")
	rd.WaitFor(`read "one" from FIFO`)
	rd.WaitFor("no writer (read returned 0") // the writer has closed its end
	writeGo(t, path, "two")
	rd.WaitFor(`read "two" from FIFO`)
	if res := rd.Wait(); res.Code() != 0 {
		t.Errorf("reader: status %d, output:\n%s", res.Code(), res.Out)
	}
	mustBeGone(t, path)
}

// A FIFO the reader did not make is left where it was.
func TestReaderKeepsAFIFOItDidNotMake(t *testing.T) {
	t.Parallel()
	path := fifoPath(t)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	rd := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"read", "-path", path, "-n", "1"}})
	rd.WaitFor("EEXIST, and it is a FIFO")
	rd.WaitFor("Preparing for reading bytes")
	writeGo(t, path, "hello")
	res := rd.Wait()
	if res.Code() != 0 || !strings.Contains(res.Out, "left "+path+" in place") {
		t.Errorf("reader: status %d, output:\n%s", res.Code(), res.Out)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("%s should still be a FIFO: %v", path, err)
	}
}

// A writer with no reader: ENXIO, exit status 1, the article's message and
// the errno on standard error, in Go and in C.
func TestWriterWithoutReader(t *testing.T) {
	t.Parallel()
	path := fifoPath(t)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, bin string
		args      []string
		errno     string
	}{
		{"go", exampletest.Binary(t), []string{"write", "-path", path, "hello"},
			"open(O_WRONLY|O_NONBLOCK|O_CLOEXEC) failed: ENXIO (no such device or address)\nno process has the FIFO open for reading"},
		{"c", exampletest.BuildC(t, "c/fifo_write.c"), []string{path, "hello"},
			"open: No such device or address"},
	} {
		res := exampletest.Run(t, tc.bin, exampletest.Opts{Args: tc.args, Split: true})
		if res.Code() != 1 {
			t.Errorf("%s: exit status %d, want 1", tc.name, res.Code())
		}
		if res.Out != "" || !strings.Contains(res.Stderr, "open error; no reading process") || !strings.Contains(errorLines(res.Stderr), tc.errno) {
			t.Errorf("%s: stdout %q, stderr %q", tc.name, res.Out, res.Stderr)
		}
	}
}

// A path that is not a FIFO is refused, not written to.
func TestWriteRefusesAFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"write", "-path", path, "hello"}, Split: true})
	if res.Code() != 1 || !strings.Contains(res.Stderr, "is not a FIFO") {
		t.Errorf("status %d, stderr %q", res.Code(), res.Stderr)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("the file was written: %q", b)
	}
}

// A writer must not feed another user's FIFO: its owner reads what is
// sent. A FIFO of uid 65534, mode 0666, with a reader of that uid (cat)
// waiting in open(): the Go and the C writer refuse it, exit 1, and the
// reader gets end of file and nothing else.
func TestWriteRefusesAnotherUsersFIFO(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		exampletest.Skip(t, "only root can make a FIFO of uid 65534 and start a reader as that user")
	}
	goBin, cBin := exampletest.Binary(t), exampletest.BuildC(t, "c/fifo_write.c")
	for _, w := range []struct {
		name string
		cmd  func(path string) (string, []string)
	}{
		{"go", func(p string) (string, []string) { return goBin, []string{"write", "-path", p, "secret"} }},
		{"c", func(p string) (string, []string) { return cBin, []string{p, "secret"} }},
	} {
		w := w
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			// A directory uid 65534 can enter: t.TempDir is 0700.
			dir, err := os.MkdirTemp("", "03-fifo-nobody-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "f")
			if err := unix.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o666); err != nil {
				t.Fatal(err)
			}
			reader := startAs65534(t, "cat", path)
			bin, args := w.cmd(path)
			res := exampletest.Run(t, bin, exampletest.Opts{Args: args, Split: true})
			if res.Code() != 1 || !strings.Contains(res.Stderr, "refusing "+path) || strings.Contains(res.Out, "write ") {
				t.Errorf("%s writer: status %d, want 1 and a refusal; stdout %q, stderr %q", w.name, res.Code(), res.Out, res.Stderr)
			}
			if got := reader.wait(t); got != "" {
				t.Errorf("the other user's reader received %q", got)
			}
		})
	}
}

// nobodyReader is a program run as uid 65534, its output kept.
type nobodyReader struct {
	cmd    *exec.Cmd
	out    *strings.Builder
	cancel context.CancelFunc
}

// startAs65534 starts name args as uid 65534 and returns once it sleeps in
// the blocking open() of a FIFO (wchan wait_for_partner): it then counts
// as a reader, and a non-blocking open for writing succeeds.
func startAs65534(t *testing.T, name string, args ...string) *nobodyReader {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	cmd := exec.CommandContext(ctx, name, args...)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &nobodyReader{cmd: cmd, out: out, cancel: cancel}
	t.Cleanup(func() { cmd.Process.Kill(); r.cancel() })
	wchan := fmt.Sprintf("/proc/%d/wchan", cmd.Process.Pid)
	pause := time.Millisecond // growing to 20 ms: a long wait does not keep a CPU busy
	for {
		b, err := os.ReadFile(wchan)
		if err != nil || ctx.Err() != nil {
			t.Fatalf("%s as uid 65534 never blocked in open(): wchan %q (%v); output %q", name, b, err, out)
		}
		if string(b) == "wait_for_partner" {
			return r
		}
		time.Sleep(pause) // observing a state, not ordering processes
		if pause < 20*time.Millisecond {
			pause += pause / 2
		}
	}
}

// wait waits for the reader to end and returns what it printed.
func (r *nobodyReader) wait(t *testing.T) string {
	t.Helper()
	if err := r.cmd.Wait(); err != nil {
		t.Errorf("%s as uid 65534: %v (guard: 20 s); output %q", r.cmd.Path, err, r.out)
	}
	return r.out.String()
}

// A reader killed with kill -9 leaves its private directory; the next
// reader names it and says how to remove it, and removes nothing. The
// directory of a reader that still runs, and one of another user, are not
// named.
func TestReaderNamesWhatAKilledReaderLeft(t *testing.T) {
	t.Parallel()
	bin, tmp := exampletest.Binary(t), t.TempDir()
	opts := exampletest.Opts{Args: []string{"read"}, TmpDir: tmp}
	killed := exampletest.Start(t, bin, opts)
	dead := killed.WaitFor("made the private directory ")
	dead = dead[strings.Index(dead, tmp):]
	killed.WaitFor("Preparing for reading bytes") // the FIFO is made
	killed.Signal(syscall.SIGKILL)
	if res := killed.Wait(); res.Status.Signal() != syscall.SIGKILL {
		t.Fatalf("reader: %v, want killed by SIGKILL", res.Status)
	}
	live := exampletest.Start(t, bin, opts)
	alive := live.WaitFor("made the private directory ")
	alive = alive[strings.Index(alive, tmp):]
	var foreign string
	if os.Geteuid() == 0 {
		foreign = filepath.Join(tmp, fmt.Sprintf("03-fifo-%d-1", killed.Pid()))
		if err := os.Mkdir(foreign, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	next := exampletest.Start(t, bin, opts)
	next.WaitFor("Preparing for reading bytes")
	next.Signal(syscall.SIGTERM)
	res := next.Wait()
	exampletest.Contains(t, res.Out,
		fmt.Sprintf("left by reader %d, which is gone (kill -9?): %s", killed.Pid(), dead),
		"remove it with: rm -r "+dead)
	if strings.Contains(res.Out, "(kill -9?): "+alive+"\n") || foreign != "" && strings.Contains(res.Out, "(kill -9?): "+foreign+"\n") {
		t.Errorf("named a directory that is not a gone reader's own:\n%s", res.Out)
	}
	if fi, err := os.Stat(filepath.Join(dead, "myfifo")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the killed reader's FIFO was touched: %v", err)
	}
	live.Signal(syscall.SIGTERM)
	live.Wait()
}

// The README's -path and C blocks, followed in order with a path of the
// test's own: every step does what the README says of it, and the next
// step finds what it needs (a reader after chmod 666 refuses, so the FIFO
// is removed before the C reader makes it again and reads two writers).
func TestReadmeBlocksInOrder(t *testing.T) {
	t.Parallel()
	goBin, cReader, cWriter := exampletest.Binary(t), exampletest.BuildC(t, "c/fifo_read.c"), exampletest.BuildC(t, "c/fifo_write.c")
	path := fifoPath(t)
	// go run ./03-fifo read -path /tmp/f -n 1, and a write: made, removed.
	rd := exampletest.Start(t, goBin, exampletest.Opts{Args: []string{"read", "-path", path, "-n", "1"}})
	rd.WaitFor("Preparing for reading bytes")
	writeGo(t, path, "hello")
	exampletest.Contains(t, rd.Wait().Out, `read "hello" from FIFO`, "the FIFO's name is gone")
	mustBeGone(t, path)
	// mkfifo /tmp/f (0644 with umask 022); read -n 1 uses it and leaves it.
	if err := unix.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	rd = exampletest.Start(t, goBin, exampletest.Opts{Args: []string{"read", "-path", path, "-n", "1"}})
	rd.WaitFor("Preparing for reading bytes")
	writeGo(t, path, "hello")
	exampletest.Contains(t, rd.Wait().Out, `read "hello" from FIFO`, "left "+path+" in place")
	// chmod 666 /tmp/f: refused; 5000 bytes: usage.
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if res := exampletest.Run(t, goBin, exampletest.Opts{Args: []string{"read", "-path", path, "-n", "1"}}); res.Code() != 1 || !strings.Contains(res.Out, "refusing "+path) {
		t.Errorf("read after chmod 666: status %d, want 1 and a refusal:\n%s", res.Code(), res.Out)
	}
	if res := exampletest.Run(t, goBin, exampletest.Opts{Args: []string{"write", "-path", path, strings.Repeat("x", 5000)}}); res.Code() != 2 {
		t.Errorf("write of 5000 bytes: status %d, want 2 (usage)", res.Code())
	}
	// rm /tmp/f; ./bin/fifo_read /tmp/f 2, then a Go and a C writer.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	rd = exampletest.Start(t, cReader, exampletest.Opts{Args: []string{path, "2"}})
	rd.WaitFor("Preparing for reading bytes")
	writeGo(t, path, "hello")
	rd.WaitFor(`read "hello" from FIFO`)
	if res := exampletest.Run(t, cWriter, exampletest.Opts{Args: []string{path, "hello"}}); res.Code() != 0 {
		t.Errorf("C writer: status %d, output:\n%s", res.Code(), res.Out)
	}
	if res := rd.Wait(); res.Code() != 0 || strings.Count(res.Out, `read "hello" from FIFO`) != 2 {
		t.Errorf("C reader: status %d, want 0 and two messages:\n%s", res.Code(), res.Out)
	}
	mustBeGone(t, path)
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	path := "/nonexistent/myfifo" // never reached: usage comes first
	exampletest.CheckUsage(t, "usage: 03-fifo",
		[]string{"extra"},
		[]string{"-nosuchflag"},
		[]string{"read", "extra"},
		[]string{"read", "-n", "-1"},
		[]string{"read", "-n", "x"},
		[]string{"write", "hello"},
		[]string{"write", "-path", path},
		[]string{"write", "-path", path, "a", "b"},
		[]string{"write", "-path", path, ""},
		[]string{"write", "-path", path, strings.Repeat("x", 4097)},
		// An empty value is a mistake, not a flag left out.
		[]string{"read", "-path", ""},
		[]string{"read", "-n", ""},
		[]string{"read", "-path="},
		[]string{"write", "-path", "", "hello"},
	)
}

func writeGo(t *testing.T, path, msg string) {
	t.Helper()
	w := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"write", "-path", path, msg}})
	if w.Code() != 0 {
		t.Fatalf("writer: status %d, output:\n%s", w.Code(), w.Out)
	}
}

func mustBeGone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("%s is still there (%v): the reader made it and should have removed it", path, err)
	}
}

// A planted FIFO: "read -path P" used whatever FIFO was at P, even one
// another user planted there (its owner could then feed the reader and
// read what writers send). A FIFO of another user, or one that group or
// others may write to, is refused (exit 1), and left where it was. Go and
// C readers alike.
func TestReadRefusesAPlantedFIFO(t *testing.T) {
	t.Parallel()
	goBin, cBin := exampletest.Binary(t), exampletest.BuildC(t, "c/fifo_read.c")
	for _, tc := range []struct {
		name string
		uid  int
		mode uint32
		want string
	}{
		{"another user's", 65534, 0o600, "it belongs to uid 65534, not to this user"},
		{"mode 0666", os.Geteuid(), 0o666, "its mode prw-rw-rw- lets its group and every other user write into it"},
		{"mode 0620", os.Geteuid(), 0o620, "its mode prw--w---- lets its group write into it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := fifoPath(t)
			if err := unix.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, os.FileMode(tc.mode)); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, tc.uid, -1); err != nil {
				t.Skipf("chown %d: %v (the test needs root)", tc.uid, err)
			}
			for _, r := range []struct {
				bin  string
				args []string
				want string
			}{
				{goBin, []string{"read", "-path", path, "-n", "1"}, "refusing " + path + ": " + tc.want},
				{cBin, []string{path, "1"}, "refusing " + path + ": a FIFO of uid"},
			} {
				res := exampletest.Run(t, r.bin, exampletest.Opts{Args: r.args, Split: true})
				if res.Code() != 1 || !strings.Contains(res.Stderr, r.want) || strings.Contains(res.Out, "Preparing") {
					t.Errorf("%s: status %d, want 1 and %q; stdout:\n%s\nstderr:\n%s", filepath.Base(r.bin), res.Code(), r.want, res.Out, res.Stderr)
				}
				if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
					t.Errorf("%s removed a FIFO it did not make: %v", filepath.Base(r.bin), err)
				}
			}
		})
	}
}

// The mode said is the mode found: "rw for its owner only" was printed
// whatever the mode. After
// mkfifo /tmp/f (0644 with umask 022) the reader says what it finds, and
// accepts it: only its owner may write.
func TestReadDescribesTheModeFound(t *testing.T) {
	t.Parallel()
	path := fifoPath(t)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	rd := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"read", "-path", path, "-n", "1"}})
	rd.WaitFor("Preparing for reading bytes")
	writeGo(t, path, "hello")
	res := rd.Wait()
	exampletest.Contains(t, errorLines(res.Out),
		path+" is prw-r--r--:\np for a FIFO (named pipe), rw for its owner, r for its group and others",
		"a FIFO of uid "+strconv.Itoa(os.Geteuid())+" (this user), prw-r--r--:\nnobody else may write into it",
		`read "hello" from FIFO`)
}

// Erratum "Mode 0300": the article's mkfifo(FIFO, O_CREAT|O_EXCL) passes open()'s
// flags as the mode, 0300 ("p-wx------"). Both readers make mode 0600.
// (The demo's golden output shows the Go call and the mode found.)
func TestReadersMakeMode0600(t *testing.T) {
	t.Parallel()
	if got := unix.O_CREAT | unix.O_EXCL; got != 0o300 {
		t.Errorf("O_CREAT|O_EXCL = %#o, the README says 0300", got)
	}
	for _, tc := range []struct {
		bin  string
		args func(string) []string
	}{
		{exampletest.Binary(t), func(p string) []string { return []string{"read", "-path", p, "-n", "1"} }},
		{exampletest.BuildC(t, "c/fifo_read.c"), func(p string) []string { return []string{p, "1"} }},
	} {
		path := fifoPath(t)
		rd := exampletest.Start(t, tc.bin, exampletest.Opts{Args: tc.args(path)})
		rd.WaitFor("Preparing for reading bytes")
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode() != os.ModeNamedPipe|0o600 {
			t.Errorf("%s made %v (%v), want prw-------", filepath.Base(tc.bin), fi.Mode(), err)
		}
		// Erratum "Preparing too early": "Preparing for reading bytes..." came before open(),
		// so a writer started on seeing it could find no reader. When it
		// is printed, the reader must already hold the FIFO open.
		if !holds(rd.Pid(), path) {
			t.Errorf("%s printed \"Preparing\" before it had the FIFO open", filepath.Base(tc.bin))
		}
		writeGo(t, path, "hello")
		rd.Wait()
	}
}

// holds reports whether process pid has path open.
func holds(pid int, path string) bool {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, e := range ents {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name())); l == path {
			return true
		}
	}
	return false
}

// Errata "Mkfifo failure ignored" and "EEXIST misread": the article
// printed "cannot create fifoserver" and went on, and its text says EEXIST means "the file does not exist". Both
// readers stop with status 1, and say what EEXIST means here.
func TestReadStopsWhenMkfifoFails(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	goBin, cBin := exampletest.Binary(t), exampletest.BuildC(t, "c/fifo_read.c")
	for _, tc := range []struct {
		bin  string
		args []string
		want string
	}{
		{goBin, []string{"read", "-path", "/nonexistent/f"}, "mkfifo failed: ENOENT (no such file or directory)\na directory in the path does not exist"},
		{cBin, []string{"/nonexistent/f"}, "cannot create fifo: No such file or directory"},
		{goBin, []string{"read", "-path", file}, "mkfifo failed: EEXIST (file exists)\nthe path exists and is not a FIFO"},
		{cBin, []string{file}, "exists and is not a FIFO"},
		{goBin, []string{"read", "-path", file + "/f"}, "mkfifo failed: ENOTDIR (not a directory)\na part of the path is not a directory"},
		{cBin, []string{file + "/f"}, "cannot create fifo: Not a directory"},
	} {
		res := exampletest.Run(t, tc.bin, exampletest.Opts{Args: tc.args, Split: true})
		if res.Code() != 1 || !strings.Contains(errorLines(res.Stderr), tc.want) || strings.Contains(res.Out, "Preparing") {
			t.Errorf("%s %q: status %d, want 1 and %q; stdout %q, stderr %q", filepath.Base(tc.bin), tc.args, res.Code(), tc.want, res.Out, res.Stderr)
		}
	}
}

// Errata "Read printed every second" and "No room for the NUL": the
// article printed "read %s from FIFO" after every read, also after EAGAIN
// and at end of file (an empty string), and printed a full buffer with %s,
// with no room for its NUL. A writer that holds the
// FIFO open without writing, then writes PIPE_BUF bytes: each state is
// printed once, and exactly the bytes written come out.
func TestReaderStates(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", pipeBuf)
	for _, tc := range []struct {
		bin  string
		args func(string) []string
	}{
		{exampletest.Binary(t), func(p string) []string { return []string{"read", "-path", p, "-n", "1"} }},
		{exampletest.BuildC(t, "c/fifo_read.c"), func(p string) []string { return []string{p, "1"} }},
	} {
		path := fifoPath(t)
		rd := exampletest.Start(t, tc.bin, exampletest.Opts{Args: tc.args(path)})
		rd.WaitFor("no writer")
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		rd.WaitFor("no data yet")
		if _, err := unix.Write(fd, []byte(big)); err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
		res := rd.Wait()
		if res.Code() != 0 || !strings.Contains(res.Out, `read "`+big+`" from FIFO`) {
			t.Errorf("%s: status %d, output:\n%.600s", filepath.Base(tc.bin), res.Code(), res.Out)
		}
		for _, l := range []string{"no writer", "no data yet", "read \"\" from FIFO", "read  from FIFO"} {
			want := 1 // each state once
			if strings.HasPrefix(l, "read") {
				want = 0 // never an empty read
			}
			if n := strings.Count(res.Out, l); n != want {
				t.Errorf("%s: %q printed %d times, want %d:\n%.600s", filepath.Base(tc.bin), l, n, want, res.Out)
			}
		}
	}
}

// The table's claim: a write to a FIFO whose reader has gone returns EPIPE
// in Go (the kernel's SIGPIPE is dropped by the runtime, since the FIFO is
// not fd 1 or 2), where a C writer dies of SIGPIPE. The writer of the
// demo's step 4, started from here: it opens the FIFO, this test closes
// the only read end, then lets it write.
func TestWriteAfterReaderLeft(t *testing.T) {
	t.Parallel()
	path := fifoPath(t)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	rfd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	goAhead, release := io.Pipe()
	w := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{path, "hello"},
		Env: []string{child.RoleEnv("cued-writer")}, Stdin: goAhead})
	w.WaitFor("returned fd")
	unix.Close(rfd)
	release.Close()
	res := w.Wait()
	if res.Code() != 1 || !strings.Contains(errorLines(res.Out), "write failed: EPIPE (broken pipe)\nthe reader closed the FIFO after we opened it") {
		t.Errorf("writer %s, want exit status 1 after EPIPE; output:\n%s", describe(res.Status), res.Out)
	}
}

// Errata "NULL argv[1]" and "w_buf overflow": the C writer with no
// argument went on to strcpy from NULL, and one of 100 bytes or more
// overflowed w_buf: now usage, exit 2.
func TestCWriterBadInput(t *testing.T) {
	t.Parallel()
	cw := exampletest.BuildC(t, "c/fifo_write.c")
	for _, args := range [][]string{nil, {"/nonexistent/f"}, {"/nonexistent/f", strings.Repeat("x", pipeBuf+1)}, {"/nonexistent/f", ""}, {"", "hello"}} {
		res := exampletest.Run(t, cw, exampletest.Opts{Args: args, Split: true})
		if res.Code() != 2 || res.Out != "" {
			t.Errorf("fifo_write %.40q: status %d, stdout %q, stderr %q; want usage and exit 2", args, res.Code(), res.Out, res.Stderr)
		}
	}
	// An empty PATH is a usage error for the C reader too.
	cr := exampletest.BuildC(t, "c/fifo_read.c")
	for _, args := range [][]string{nil, {""}, {"", "1"}, {"/nonexistent/f", "x"}} {
		res := exampletest.Run(t, cr, exampletest.Opts{Args: args, Split: true})
		if res.Code() != 2 || res.Out != "" {
			t.Errorf("fifo_read %q: status %d, stdout %q, stderr %q; want usage and exit 2", args, res.Code(), res.Out, res.Stderr)
		}
	}
}

// The tests and the code cite an erratum by its short name (the bold words
// that open it in README.md), not by its number, which shifts when one is
// added: every name cited must be one of them.
func TestErrataCitedByName(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\d+\. \*\*(.+?)\.\*\*`).FindAllStringSubmatch(string(readme), -1) {
		names[m[1]] = true
	}
	if len(names) < 21 {
		t.Fatalf("README.md names %d errata, want 21 or more", len(names))
	}
	files, _ := filepath.Glob("*.go")
	cite := regexp.MustCompile(`(?i)\berrat(?:um|a) ((?:"[^"]+"(?:,| and| or)? ?)+|\d+)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cite.FindAllStringSubmatch(string(b), -1) {
			cited := regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1)
			if len(cited) == 0 {
				t.Errorf("%s cites %q by number: cite it by its name", f, m[0])
			}
			for _, c := range cited {
				if !names[c[1]] {
					t.Errorf("%s cites erratum %q, which README.md does not name", f, c[1])
				}
			}
		}
	}
}
