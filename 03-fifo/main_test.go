package main

import (
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// dirRule hides the random part of the private directory's name.
var dirRule = exampletest.Rule{Re: regexp.MustCompile(`03-fifo-(\d+)`), Fixed: "RANDOM"}

// rules normalise this folder's output: the directory's name, and the PID
// in child.Reap's "waitpid: child 4243" (the writers' tag is "writer", so
// exampletest does not know "child" as a PID word here).
var rules = []exampletest.Rule{dirRule, {Re: regexp.MustCompile(`waitpid: child (\d+)`), Class: "PID"}}

// The demo, run for real and compared with its golden output; the harness
// also checks that its TMPDIR is empty afterwards (FIFO and directory gone).
func TestDemo(t *testing.T) {
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{})
	if res.Code() != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", res.Code(), res.Out)
	}
	// What a learner would look for, step by step.
	for _, l := range []string{
		"myfifo is prw-------",
		"open error; no reading process",
		"open(O_WRONLY|O_NONBLOCK) failed: ENXIO (no such device or address): no process has the FIFO open for reading",
		"no writer: read() returned 0, end of file, not EAGAIN",
		"no data yet: read failed: EAGAIN (resource temporarily unavailable)",
		`write "hello" to the FIFO`,
		`read "hello" from FIFO`,
		"returns at once with POLLHUP",
		"fcntl(F_GETPIPE_SZ) = 65536",
		"wrote 65536 bytes in writes of 4096",
		"write failed: EAGAIN (resource temporarily unavailable): the FIFO is full",
		"The FIFO has not been read yet. Please try later",
		"drained 65536 bytes, then read() returned 0",
		"gone (no such file or directory)",
		"open descriptors: 0 1 2, and the Go runtime's poller",
	} {
		if !strings.Contains(res.Out, l) {
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
			"open(O_WRONLY|O_NONBLOCK) failed: ENXIO (no such device or address): no process has the FIFO open for reading"},
		{"c", exampletest.BuildC(t, "c/fifo_write.c"), []string{path, "hello"},
			"open: No such device or address"},
	} {
		res := exampletest.Run(t, tc.bin, exampletest.Opts{Args: tc.args, Split: true})
		if res.Code() != 1 {
			t.Errorf("%s: exit status %d, want 1", tc.name, res.Code())
		}
		if res.Out != "" || !strings.Contains(res.Stderr, "open error; no reading process") || !strings.Contains(res.Stderr, tc.errno) {
			t.Errorf("%s: stdout %q, stderr %q", tc.name, res.Out, res.Stderr)
		}
	}
}

// A path that is not a FIFO is refused, not written to.
func TestWriteRefusesAFile(t *testing.T) {
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

func TestBadInput(t *testing.T) {
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
	)
}

// checkDiedOf expects death by sig, or exit status 128+sig where sig was
// ignored when the test started (a background job): the example then
// cannot die of it, and exits with the shell's code for it.
func checkDiedOf(t *testing.T, res *exampletest.Result, sig syscall.Signal) {
	t.Helper()
	if signal.Ignored(sig) {
		if res.Code() != 128+int(sig) {
			t.Errorf("%s is ignored here: exit status %d, want %d", unix.SignalName(sig), res.Code(), 128+int(sig))
		}
		return
	}
	if !res.Status.Signaled() || res.Status.Signal() != sig {
		t.Errorf("wait status %#x, want killed by %s; output:\n%s", uint32(res.Status), unix.SignalName(sig), res.Out)
	}
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
