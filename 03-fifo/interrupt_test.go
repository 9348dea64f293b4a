//go:build linux && (amd64 || arm64)

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/peek"
)

// An interrupted demo must leave nothing and tell no lie: it used to leave
// its FIFO and its directory whenever its output went into "| head", and in
// about one Ctrl-C in eight, and a Ctrl-C made it exit 1 with a false
// error. After every line it
// prints, ended each of the four ways: it must die of that signal (or
// have run to its end), print no error and leave nothing.
func TestDemoInterrupts(t *testing.T) {
	t.Parallel()
	every := func(l string) bool { return l != "" }
	n := exampletest.Interrupts(t, exampletest.Opts{Rules: rules}, every)
	t.Logf("demo: %d interrupted runs", n)
}

// The two-terminal mode, both readers (Go and C), with a writer playing
// the second terminal: ended after each line the reader prints, each of
// the four ways. exampletest.Interrupts has no second terminal to play,
// hence this folder's own driver (interruptAt).
func TestReadInterrupts(t *testing.T) {
	t.Parallel()
	goBin := exampletest.Binary(t)
	cBin := exampletest.BuildC(t, "c/fifo_read.c")
	for _, tc := range []struct {
		name string
		bin  string
		args func(tmp string) []string
	}{
		{"go read", goBin, func(string) []string { return []string{"read", "-n", "2"} }},
		{"go read -path", goBin, func(tmp string) []string { return []string{"read", "-path", filepath.Join(tmp, "f"), "-n", "2"} }},
		{"c fifo_read", cBin, func(tmp string) []string { return []string{filepath.Join(tmp, "f"), "2"} }},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := interruptEverywhere(t, tc.bin, tc.args, true)
			t.Logf("%s: %d interrupted runs", tc.name, n)
		})
	}
}

// interruptEverywhere runs the program once to its end, then again for
// each line of its output and each of exampletest.Endings, ended right
// after that line, and checks each run. It returns the number of runs.
func interruptEverywhere(t *testing.T, bin string, args func(tmp string) []string, peer bool) int {
	t.Helper()
	full := interruptAt(t, bin, args, peer, -1, exampletest.Ending{})
	if !full.status.Exited() || full.status.ExitStatus() != 0 {
		t.Fatalf("full run: %s, want exit 0:\n%s\n%s", describe(full.status), full.out, full.stderr)
	}
	want := exampletest.Normalize(full.out, full.tmp, rules...)
	runs := 0
	for point := 1; point <= strings.Count(full.out, "\n"); point++ {
		for _, e := range exampletest.Endings {
			runs++
			r := interruptAt(t, bin, args, peer, point, e)
			ws := r.status
			got := exampletest.Normalize(r.out, r.tmp, rules...)
			ok := ws.Signaled() && ws.Signal() == e.Sig ||
				ws.Exited() && ws.ExitStatus() == 0 && (e.CloseStdout || got == want)
			if !ok {
				t.Errorf("%q ended by %s after line %d: it %s:\nstdout:\n%s\nstderr:\n%s", args(r.tmp), e.Name, point, describe(ws), got, r.stderr)
			}
			if strings.Contains(r.stderr, "error") || strings.Contains(r.stderr, "panic") {
				t.Errorf("%q ended by %s after line %d: an interrupt reported as an error:\n%s", args(r.tmp), e.Name, point, r.stderr)
			}
		}
	}
	return runs
}

type run struct {
	out, stderr, tmp string
	status           syscall.WaitStatus
}

// interruptAt runs a program in a process group and TMPDIR of its own.
// With peer, it plays the second terminal of the two-terminal mode: each
// time the reader reports "no writer", 03-fifo write sends the next
// message ("one", then "two"). With point > 0 it ends the program right
// after its point-th line of output, the way e says. A reader whose
// standard output is closed notices only when it next writes, so if it
// then waits in poll() for a writer, one is sent. It fails the test if
// the run leaves a file in its TMPDIR or a process behind.
func interruptAt(t *testing.T, bin string, args func(tmp string) []string, peer bool, point int, e exampletest.Ending) run {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args(tmp)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "LC_ALL=C", "TMPDIR="+tmp, "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	exampletest.StartOwned(t, cmd) // it dies with the test binary, whatever ends that
	w.Close()
	pid := cmd.Process.Pid
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }() // the status is checked below
	var woke strings.Builder                    // what wakeIfPolling did, for the guard's message
	var wokeMu sync.Mutex
	guard := time.AfterFunc(time.Minute, func() {
		// Say what each thread was doing and who else holds its standard
		// output, then ask a Go program for its goroutines (SIGQUIT: they
		// go to its standard error, shown below), and kill the group if
		// that does not end it.
		wokeMu.Lock()
		w := woke.String()
		wokeMu.Unlock()
		t.Errorf("%s %q hangs; the test's wake-up: %s; its threads: %s\nits standard output: %s; sending SIGQUIT, then SIGKILL",
			bin, args(tmp), w, threads(pid), holders(pid, 1))
		_ = unix.Kill(pid, unix.SIGQUIT)
		time.AfterFunc(5*time.Second, func() { _ = unix.Kill(-pid, unix.SIGKILL) })
	})
	defer guard.Stop()

	msgs := []string{"one", "two"}
	if !peer {
		msgs = nil
	}
	var out strings.Builder
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		out.WriteString(line)
		if err != nil {
			break
		}
		if n == point {
			if e.CloseStdout {
				r.Close()
				wakeIfPolling(t, pid, tmp, done, peer, func(format string, a ...interface{}) {
					wokeMu.Lock()
					fmt.Fprintf(&woke, format, a...)
					wokeMu.Unlock()
				})
				break
			}
			if e.Group {
				_ = unix.Kill(-pid, e.Sig) // it may have ended
			} else {
				_ = unix.Kill(pid, e.Sig) // as above
			}
			msgs = nil // read the rest; send nothing more
		}
		if strings.Contains(line, "no writer") && len(msgs) > 0 {
			wr := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"write", "-path", findFIFO(tmp), msgs[0]}})
			if wr.Code() != 0 {
				t.Errorf("writer: status %d:\n%s", wr.Code(), wr.Out)
			}
			msgs = msgs[1:]
		}
	}
	<-done
	r.Close()
	nothingLeft(t, pid, tmp, fmt.Sprintf("%q ended by %s after line %d", args(tmp), e.Name, point))
	return run{out.String(), stderr.String(), tmp, cmd.ProcessState.Sys().(syscall.WaitStatus)}
}

// nothingLeft fails the test if a run (process group pid, TMPDIR tmp,
// described by what) left a process or a file behind.
func nothingLeft(t *testing.T, pid int, tmp, what string) {
	t.Helper()
	// Reap what the run left as zombies: ended children whose parent died
	// first are reparented to this test process (exampletest.Main makes it
	// a subreaper). A process still alive after that is a leftover.
	for {
		var info unix.Siginfo
		if err := unix.Waitid(unix.P_PGID, pid, &info, unix.WEXITED|unix.WNOHANG, nil); err != nil || info.Signo == 0 {
			break
		}
	}
	if unix.Kill(-pid, 0) == nil {
		t.Errorf("processes of %s outlived it", what)
		_ = unix.Kill(-pid, unix.SIGKILL)
	}
	var left []string
	_ = filepath.Walk(tmp, func(p string, fi os.FileInfo, err error) error {
		if err == nil && p != tmp {
			left = append(left, fmt.Sprintf("%s %s", fi.Mode(), p))
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("%s left files:\n%s", what, strings.Join(left, "\n"))
	}
}

// wakeIfPolling waits until the process has ended or, with peer, sleeps in
// poll() (every line it had to print is printed: it now waits for a
// writer); then it writes one message into the FIFO, so that the reader
// prints again and finds its standard output closed. It does so again each
// time the reader is back in poll(): the write that should have failed may
// have succeeded, if another test's child was between fork and exec at that
// moment and so still held a copy of the closed read end (the reader then
// thinks its line went out, and waits for a writer again). It looks every
// millisecond at first, then less and less often (up to every 20 ms), as
// peek.WaitBlocked does: a sleeping process cannot say so.
func wakeIfPolling(t *testing.T, pid int, tmp string, done chan struct{}, peer bool, note func(string, ...interface{})) {
	fd := -1 // the test's write end of the FIFO, once open
	defer func() {
		if fd >= 0 {
			unix.Close(fd)
		}
	}()
	pause := time.Millisecond
	for {
		select {
		case <-done:
			return
		case <-time.After(pause):
		}
		if pause < 20*time.Millisecond {
			pause += pause / 2
		}
		if !peer || !inPoll(pid) {
			continue
		}
		if fd < 0 {
			var err error
			if fd, err = unix.Open(findFIFO(tmp), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
				fd = -1
				continue // not open for reading yet, or gone already
			}
		}
		// The reader sleeps in poll() with nothing to read (TIOCINQ is
		// FIONREAD: the bytes not yet read): it took the last message, or
		// none came yet. Another one.
		if unread, err := unix.IoctlGetInt(fd, unix.TIOCINQ); err == nil && unread == 0 {
			n, err := unix.Write(fd, []byte("wake"))
			note("in poll; wrote %d bytes (%v); ", n, err)
		}
	}
}

// holders lists the processes that hold the other end of pid's
// descriptor fd (a pipe), found by its inode in every /proc/*/fd.
func holders(pid, fd int) string {
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
	if err != nil {
		return err.Error()
	}
	var who []string
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, f := range fds {
		if l, err := os.Readlink(f); err == nil && l == link {
			who = append(who, f)
		}
	}
	return link + " is held by " + strings.Join(who, ", ")
}

// inPoll reports whether a thread of pid is inside poll() or ppoll(), as
// /proc/PID/task/TID/syscall shows: the Go reader calls ppoll (x/sys's
// Poll), glibc's poll() on amd64 the older poll (7; arm64 has only ppoll).
func inPoll(pid int) bool {
	if peek.BlockedIn(pid, unix.SYS_PPOLL, -1) {
		return true
	}
	return runtime.GOARCH == "amd64" && peek.BlockedIn(pid, 7, -1)
}

// findFIFO is the one FIFO under tmp, or tmp/f before there is one.
func findFIFO(tmp string) string {
	found := filepath.Join(tmp, "f")
	_ = filepath.Walk(tmp, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
			found = p
		}
		return nil
	})
	return found
}

func describe(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return "exited with status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		return "was killed by " + unix.SignalName(ws.Signal())
	}
	return fmt.Sprintf("ended with wait status %#x", uint32(ws))
}

// A closed standard output ends a run like a signal: "03-fifo | head -1"
// used to leave the FIFO and its directory every time. The demo and the reader, through a real shell
// pipe: the program dies of SIGPIPE (status 141), removes both and says so.
// A reader notices only when it next writes: if all its lines went into
// the pipe before head left, it waits for a writer, so one is sent, as
// from a second terminal.
func TestHeadClosesStdout(t *testing.T) {
	t.Parallel()
	bin := exampletest.Binary(t)
	for _, args := range []string{"", "read"} {
		t.Run("03-fifo "+args, func(t *testing.T) {
			res := exampletest.Run(t, "/bin/bash", exampletest.Opts{Split: true,
				Args: []string{"-c", `"$0" $1 | { head -1 >/dev/null; exec 0<&-
					f=$(find "$TMPDIR" -type p)
					if [ -n "$f" ] && [ "$1" = read ]; then "$0" write -path "$f" wake >/dev/null 2>&1; fi; }
					exit ${PIPESTATUS[0]}`, bin, args}})
			if res.Code() != 128+int(unix.SIGPIPE) {
				t.Errorf("exit status %d, want %d (SIGPIPE); stderr:\n%s", res.Code(), 128+int(unix.SIGPIPE), res.Stderr)
			}
			exampletest.Contains(t, res.Stderr, "SIGPIPE: removed ", "removed directory ")
		})
	}
}

// A Ctrl-C that kills a writer is not the demo's failure: it reaches the
// writers too, and
// the demo used to report the writer's death as its own failure (exit 1,
// "error: ... died before it was ready") and leave the FIFO. Here only the
// writer of step 4 is killed, while the demo waits for it: the demo must
// end as by that Ctrl-C, say no error and leave nothing. To kill the
// writer before it is told to go ahead, the demo is stopped (SIGSTOP)
// while it still holds the write end of the writer's standard input.
func TestWriterKilledByCtrlC(t *testing.T) {
	t.Parallel()
	for attempt := 1; ; attempt++ {
		if killWriterOfStep4(t) {
			return
		}
		if attempt == 20 {
			t.Skip("the demo told the writer to go ahead before it could be stopped, 20 times")
		}
	}
}

// killWriterOfStep4 is one try: false if the demo was stopped too late.
func killWriterOfStep4(t *testing.T) bool {
	p := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Split: true})
	p.WaitFor("== Step 4")
	line := p.WaitFor("open(O_WRONLY|O_NONBLOCK")
	pid, err := strconv.Atoi(regexp.MustCompile(`^writer (\d+):`).FindStringSubmatch(line)[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(p.Pid(), unix.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// SIGSTOP takes effect as each thread of the demo next runs: until all
	// are stopped, one may still reap the writer or tell it to go ahead.
	// The kernel tells the parent (this test) once the whole group has
	// stopped, or the demo has ended; WNOWAIT leaves either to p.Wait.
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, p.Pid(), &info, unix.WSTOPPED|unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	if info.Code != cldStopped {
		p.Wait() // the demo has ended: too late
		return false
	}
	stdin := peek.FDLinkOf(pid, 0) // "(not open)" if the writer is gone already
	holds := false
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.Pid()))
	for _, e := range ents {
		n, _ := strconv.Atoi(e.Name())
		holds = holds || stdin != "(not open)" && peek.FDLinkOf(p.Pid(), n) == stdin
	}
	if !holds {
		_ = unix.Kill(p.Pid(), unix.SIGCONT)
		p.Wait()
		return false
	}
	// The writer, a child of the stopped demo, stays a process (at worst
	// a zombie) until the demo goes on: pidfd_open finds it.
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	if err := unix.PidfdSendSignal(pidfd, unix.SIGINT, nil, 0); err != nil {
		t.Fatal(err)
	}
	// Wait until the writer is dead (its pidfd turns readable); the minute
	// is only a guard.
	for {
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}, 60000)
		if err == unix.EINTR {
			continue
		}
		if n != 1 {
			t.Fatalf("the writer did not die of SIGINT: %v", err)
		}
		break
	}
	_ = unix.Kill(p.Pid(), unix.SIGCONT)
	res := p.Wait()
	if !res.Status.Signaled() || res.Status.Signal() != unix.SIGINT {
		t.Errorf("demo %s, want killed by SIGINT; stderr:\n%s", describe(res.Status), res.Stderr)
	}
	if strings.Contains(res.Stderr, "error") {
		t.Errorf("the writer's Ctrl-C reported as an error:\n%s", res.Stderr)
	}
	exampletest.Contains(t, res.Stderr, "SIGINT: removed FIFO")
	return true
}

// cldStopped is CLD_STOPPED (<signal.h>): the si_code of a child's stop.
const cldStopped = 5

// threads is what each thread of pid is doing, as /proc shows it: its
// state, its system call (number and first argument) and where it sleeps.
func threads(pid int) string {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	var b strings.Builder
	for _, task := range tasks {
		stat, _ := os.ReadFile(task + "/stat")
		sc, _ := os.ReadFile(task + "/syscall")
		wchan, _ := os.ReadFile(task + "/wchan")
		state := ""
		if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 0 {
			state = f[0]
		}
		call := strings.Fields(string(sc))
		if len(call) > 2 {
			call = call[:2]
		}
		fmt.Fprintf(&b, "\n\ttid %s: state %s, syscall %s, wchan %s", filepath.Base(task), state, strings.Join(call, " "), wchan)
	}
	return b.String()
}
