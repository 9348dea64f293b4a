//go:build linux && (amd64 || arm64)

package cleanup_test

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
)

// update is accepted so that "go test ./... -update" (the README's way to
// rewrite golden files) runs here too; this package has none.
var _ = flag.Bool("update", false, "rewrite golden files (none here)")

func TestMain(m *testing.M) {
	child.Dispatch(map[string]func([]string){"holder": holder})
	os.Exit(m.Run())
}

// holder makes the file args[0], registers its removal, says "made" on
// stdout and then does what args[1] says: wait (for a signal), fail, print
// (forever, until stdout breaks), exit.
func holder(args []string) {
	cleanup.Catch("holder")
	s := say.New("holder")
	path := args[0]
	_, err := cleanup.Make(func() (string, func() error, error) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return "", nil, err
		}
		f.Close()
		return "file " + path, func() error { return os.Remove(path) }, nil
	})
	if err != nil {
		s.Fatal(err)
	}
	s.Printf("made")
	switch args[1] {
	case "wait":
		select {}
	case "fail":
		s.Fatal(errors.New("it failed"))
	case "fail-waited":
		cleanup.OnFailWait(func(waited string) { fmt.Fprintf(os.Stderr, "waited for %s\n", waited) })
		s.Fatal(errors.New("it failed"))
	case "kill-self-fail":
		// A failure that a signal caused, as when a child cleaned up on
		// the same Ctrl-C: the signal is sent before the failure is seen.
		unix.Kill(os.Getpid(), unix.SIGTERM)
		s.Fatal(errors.New("it failed"))
	case "failtext":
		cleanup.FailText("holder: error: it failed\n")
	case "print":
		for {
			s.Printf("more")
		}
	case "exit":
		cleanup.Exit(0)
	case "pinned-exit":
		// Every thread on the CPU this one runs on, one P: the runtime's
		// sysmon thread, woken every 20 µs while the ending sleeps in a
		// system call, then waits for that CPU, runnable, when looked at.
		runtime.GOMAXPROCS(1)
		if err := pinAll(); err != nil {
			s.Fatal(err)
		}
		r, w, err := os.Pipe()
		if err != nil {
			s.Fatal(err)
		}
		go io.Copy(io.Discard, r) // parked in the runtime's poller
		defer w.Close()
		cleanup.OnHandlersRun(func(left int) { fmt.Fprintf(os.Stdout, "left %d\n", left) })
		cleanup.Exit(0)
	case "late-settled-exit", "late-exiting-exit", "late-settled-fail", "late-exiting-fail":
		// Stop the ending at one point, say so on stdout and wait until
		// the test, having sent a signal, closes stdin.
		parts := strings.Split(args[1], "-")
		cleanup.PauseAt(func(point string) {
			if point != parts[1] {
				return
			}
			fmt.Fprintln(os.Stdout, point)
			io.Copy(io.Discard, os.Stdin) // end of input is the cue
		})
		if parts[2] == "fail" {
			s.Fatal(errors.New("it failed"))
		}
		cleanup.Exit(0)
	case "other-pipe":
		r, w, err := os.Pipe()
		if err != nil {
			s.Fatal(err)
		}
		r.Close()
		if _, err := w.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
			s.Fatal(fmt.Errorf("write to a pipe with no reader: %v, want EPIPE", err))
		}
		// The SIGPIPE that write sent is being handled meanwhile; a
		// second write makes sure one was delivered before the end.
		w.Write([]byte("x")) // EPIPE again
		s.Printf("EPIPE, and still here")
		cleanup.Exit(0)
	case "release-print":
		// Make and remove a second file again and again, saying so from
		// inside ReleaseThen, that is with the lock held: a broken
		// stdout there must not deadlock.
		for {
			h, err := cleanup.Make(func() (string, func() error, error) {
				return "file " + path + "2", func() error { return os.Remove(path + "2") }, os.WriteFile(path+"2", nil, 0o600)
			})
			if err != nil {
				s.Fatal(err)
			}
			h.ReleaseThen(func(error) { s.Printf("removed it") })
		}
	}
}

// pinAll sets the CPU mask of every thread of this process to the first
// CPU it may run on.
func pinAll() error {
	var allowed, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err != nil {
		return err
	}
	for cpu := 0; cpu < 1024; cpu++ {
		if allowed.IsSet(cpu) {
			set.Set(cpu)
			break
		}
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("sched_setaffinity(%d): %w", tid, err)
		}
	}
	return nil
}

func runHolder(t *testing.T, how string, act func(*exec.Cmd, io.Closer)) (string, syscall.WaitStatus, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "obj")
	c := child.Command("holder", path, how)
	var stderr strings.Builder
	c.Stderr = &stderr
	c.Stdout = nil
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(out)
	line, _ := br.ReadString('\n')
	if !strings.Contains(line, "made") {
		t.Fatalf("first line %q", line)
	}
	if _, err := os.Stat(path); err != nil && (how == "wait" || how == "print") {
		t.Fatalf("the file is not there while the holder runs: %v", err)
	}
	act(c.Cmd, out)
	c.Wait() // the status is checked below
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s: the file is still there (%v)", how, err)
	}
	return path, c.ProcessState.Sys().(syscall.WaitStatus), stderr.String()
}

func TestSignalsRemoveAndDieOfTheSignal(t *testing.T) {
	for _, sig := range cleanup.Signals {
		if sig == unix.SIGPIPE {
			continue // only a broken stdout or stderr ends the program: below
		}
		t.Run(unix.SignalName(sig), func(t *testing.T) {
			path, ws, stderr := runHolder(t, "wait", func(c *exec.Cmd, _ io.Closer) {
				c.Process.Signal(sig)
			})
			if !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("wait status %v, want killed by %v", ws, sig)
			}
			want := unix.SignalName(sig) + ": removed file " + path
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr %q lacks %q", stderr, want)
			}
		})
	}
}

func TestFailRemovesAndExits1(t *testing.T) {
	_, ws, stderr := runHolder(t, "fail", func(*exec.Cmd, io.Closer) {})
	if !ws.Exited() || ws.ExitStatus() != 1 {
		t.Errorf("wait status %v, want exit 1", ws)
	}
	if !strings.Contains(stderr, "error: it failed") || !strings.Contains(stderr, "cleaning up: removed file") {
		t.Errorf("stderr %q", stderr)
	}
}

// FailText writes the message as it is given, removes and exits 1: the
// whole failure path without a call back into the caller's formatter.
func TestFailTextRemovesAndExits1(t *testing.T) {
	_, ws, stderr := runHolder(t, "failtext", func(*exec.Cmd, io.Closer) {})
	if !ws.Exited() || ws.ExitStatus() != 1 {
		t.Errorf("wait status %v, want exit 1", ws)
	}
	if !strings.HasPrefix(stderr, "holder: error: it failed\n") || !strings.Contains(stderr, "cleaning up: removed file") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestClosedStdoutRemovesAndDiesOfSIGPIPE(t *testing.T) {
	path, ws, stderr := runHolder(t, "print", func(_ *exec.Cmd, out io.Closer) {
		out.Close() // the reader is gone, as when head has read its lines
	})
	if !ws.Signaled() || ws.Signal() != unix.SIGPIPE {
		t.Errorf("wait status %v, want killed by SIGPIPE", ws)
	}
	if want := "SIGPIPE: removed file " + path; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}
}

func TestExitRemoves(t *testing.T) {
	_, ws, _ := runHolder(t, "exit", func(*exec.Cmd, io.Closer) {})
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("wait status %v, want exit 0", ws)
	}
}

func TestClosedStdoutInsideReleaseThen(t *testing.T) {
	path, ws, _ := runHolder(t, "release-print", func(_ *exec.Cmd, out io.Closer) { out.Close() })
	if !ws.Signaled() || ws.Signal() != unix.SIGPIPE {
		t.Errorf("wait status %v, want killed by SIGPIPE", ws)
	}
	if _, err := os.Stat(path + "2"); !os.IsNotExist(err) {
		t.Errorf("the second file is still there (%v)", err)
	}
}

func TestFullDiskIsAFailure(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	path := filepath.Join(t.TempDir(), "obj")
	c := child.Command("holder", path, "print")
	c.Stdout = full
	var stderr strings.Builder
	c.Stderr = &stderr
	c.Run() // the status is checked below
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Exited() || ws.ExitStatus() != 1 {
		t.Errorf("wait status %v, want exit status 1", ws)
	}
	if !strings.Contains(stderr.String(), "no space left on device") || !strings.Contains(stderr.String(), "removed file "+path) {
		t.Errorf("stderr %q", stderr.String())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the file is still there (%v)", err)
	}
}

// A SIGPIPE from a write to some other pipe (a child's stdin) is not the
// end: the write returns EPIPE and the program goes on, as a Go program
// without Catch would.
func TestSIGPIPEFromAnotherPipe(t *testing.T) {
	path, ws, _ := runHolder(t, "other-pipe", func(*exec.Cmd, io.Closer) {})
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("wait status %v, want exit 0 (EPIPE handled, file removed at exit)", ws)
	}
	_ = path
}

// A signal that arrives while the program is already ending (after the
// catchers are gone, while it removes what it made, just before exit) is
// still the end of the process: its parent sees "killed by signal", never
// exit 0 or 1. The holder pauses at each point of its ending, the test
// sends the signal there, then lets it go on.
// An ending that waits for other threads' signal handlers (see
// handlersRun) does not wait out its 100 ms limit for the runtime's sysmon
// thread, runnable whenever looked at in a process on one CPU, but asleep
// again at once: it has slept since, so it has no handler to run. The
// peers of 09-compare are such processes, and waited 100 ms each. (A wait
// that looked at the threads' states only waited it out in 1 to 6 of 10
// such runs here.)
func TestEndingOnOneCPU(t *testing.T) {
	for i := 0; i < 10; i++ {
		path := filepath.Join(t.TempDir(), "obj")
		c := child.Command("holder", path, "pinned-exit")
		var stderr strings.Builder
		c.Stderr = &stderr
		c.Stdout = nil // child.Command sets the parent's
		out, err := c.Output()
		if err != nil {
			t.Fatalf("holder: %v, stderr %q", err, stderr.String())
		}
		if !strings.Contains(string(out), "left 0\n") {
			t.Errorf("run %d: %q: the ending waited its whole limit for threads that were still runnable and had not slept", i, out)
		}
	}
}

// A failure waits for a caught signal that may be on its way to its
// channel (the failure may be the signal's doing), and only then: a
// failure with no signal sent ends at once, one that follows a SIGTERM the
// program sent itself ends by that SIGTERM, silently.
func TestFailWaitsOnlyForASignalOnItsWay(t *testing.T) {
	t.Parallel()
	quick := 0
	for i := 0; i < 5; i++ {
		_, ws, stderr := runHolder(t, "fail-waited", func(*exec.Cmd, io.Closer) {})
		if !ws.Exited() || ws.ExitStatus() != 1 || !strings.Contains(stderr, "it failed") {
			t.Fatalf("fail: %s, stderr %q; want exit 1 and the error", child.DescribeStatus(ws), stderr)
		}
		if strings.Contains(stderr, "waited for nothing on its way") {
			quick++
		}
	}
	// Another thread of the process that is runnable when looked at
	// (the runtime's sysmon, on a busy machine) makes it wait and look
	// again; most looks find none.
	if quick < 3 {
		t.Errorf("%d of 5 failures with no signal sent ended without waiting, want most", quick)
	}
	for i := 0; i < 20; i++ {
		_, ws, stderr := runHolder(t, "kill-self-fail", func(*exec.Cmd, io.Closer) {})
		if !ws.Signaled() || ws.Signal() != unix.SIGTERM || strings.Contains(stderr, "it failed") {
			t.Fatalf("run %d: a failure after a SIGTERM to itself: %s, stderr %q; want killed by SIGTERM, no error", i, child.DescribeStatus(ws), stderr)
		}
	}
}

func TestSignalWhileEnding(t *testing.T) {
	for _, sig := range []syscall.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP} {
		for _, how := range []string{"late-settled-exit", "late-exiting-exit", "late-settled-fail", "late-exiting-fail"} {
			for i := 0; i < 3; i++ {
				sig, how := sig, how // go 1.20: one variable per loop, shared by the parallel subtests
				t.Run(fmt.Sprintf("%s/%s/%d", unix.SignalName(sig), how, i), func(t *testing.T) {
					t.Parallel()
					signalWhileEnding(t, sig, how)
				})
			}
		}
	}
}

func signalWhileEnding(t *testing.T, sig syscall.Signal, how string) {
	path := filepath.Join(t.TempDir(), "obj")
	c := child.Command("holder", path, how)
	var stderr strings.Builder
	c.Stderr = &stderr
	c.Stdout = nil
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	guard := time.AfterFunc(time.Minute, func() {
		t.Errorf("guard: the holder (%s) did not end within a minute; its stderr: %q", how, stderr.String())
		c.Process.Kill() // it may be gone
	})
	defer guard.Stop()
	br := bufio.NewReader(out)
	var lines []string
	point := strings.Split(how, "-")[1]
	for {
		line, err := br.ReadString('\n')
		lines = append(lines, line)
		if strings.TrimSpace(line) == point {
			break
		}
		if err != nil {
			t.Fatalf("the holder never said %q: %q", point, lines)
		}
	}
	if err := c.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	in.Close()
	io.Copy(io.Discard, out) // until the holder is gone
	c.Wait()                 // the status is checked below
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != sig {
		t.Errorf("%s at %q: %s, want killed by %v", unix.SignalName(sig), point, child.DescribeStatus(ws), sig)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the file is still there (%v)", err)
	}
}
