//go:build linux && (amd64 || arm64)

package exampletest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// CloseStdout closes r, the test's read end of the standard output of
// process pid, as "| head" does once it has read its lines, and returns
// once no process holds a read end of that pipe any more: from then on the
// program's next write fails with EPIPE.
//
// Closing r alone does not make sure of that. A process that this test
// binary forks at that moment (a parallel test starting its program)
// holds a copy of every descriptor of the binary from its fork until its
// exec, where the close-on-exec ones go; a write that falls in that window
// succeeds, and a program that then waits for input the test holds (07's
// client after its reply, its server after a request) waits for ever.
//
// The wait is poll(2) on a write end of the same pipe opened through
// /proc/PID/fd/1: the kernel reports POLLERR for a pipe's write end when
// the pipe has no reader (pipe_poll in fs/pipe.c) and wakes such a poll
// when the last reader goes (pipe_release). It is bounded by Guard; past
// it the test fails and names the processes that still hold the pipe. If
// the program has ended, or its descriptor 1 is not this pipe, there is
// nothing to wait for.
func CloseStdout(t testing.TB, r *os.File, pid int) {
	t.Helper()
	w := -1
	if fi, err := r.Stat(); err == nil { // not r.Fd(): it would make a read in progress blocking
		st := fi.Sys().(*syscall.Stat_t)
		fd, err := unix.Open(fmt.Sprintf("/proc/%d/fd/1", pid), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		var ws unix.Stat_t
		switch {
		case err != nil: // the program has ended, or closed its standard output
		case unix.Fstat(fd, &ws) != nil || ws.Ino != st.Ino || ws.Dev != st.Dev:
			unix.Close(fd)
		default:
			w = fd
		}
	}
	r.Close()
	if w < 0 {
		return
	}
	defer unix.Close(w)
	deadline := time.Now().Add(Guard)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			var st unix.Stat_t
			_ = unix.Fstat(w, &st)
			t.Errorf("process %d's standard output still has a reader %v after its read end was closed; "+
				"the pipe is held by:\n%s", pid, Guard, pipeHolders(st.Ino, pid))
			return
		}
		// Events 0: only POLLERR (no reader) and POLLHUP count.
		fds := []unix.PollFd{{Fd: int32(w)}}
		_, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if err != nil && err != unix.EINTR {
			t.Errorf("poll on process %d's standard output: %v", pid, err)
			return
		}
		if fds[0].Revents&unix.POLLERR != 0 {
			return
		}
	}
}

// CloseStdout closes the read end of the program's standard output and
// waits until the pipe has no reader left (see the function CloseStdout).
func (p *Proc) CloseStdout() { CloseStdout(p.t, p.outR, p.Pid()) }

// pipeHolders lists the processes that have pipe ino open, other than
// pid (the writer), with their command names.
func pipeHolders(ino uint64, pid int) string {
	want := fmt.Sprintf("pipe:[%d]", ino)
	var b strings.Builder
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	seen := map[string]bool{}
	for _, fd := range fds {
		proc := filepath.Dir(filepath.Dir(fd))
		if seen[proc] || proc == fmt.Sprintf("/proc/%d", pid) {
			continue
		}
		if l, err := os.Readlink(fd); err == nil && l == want {
			seen[proc] = true
			comm, _ := os.ReadFile(proc + "/comm")
			fmt.Fprintf(&b, "  %s (%s)\n", filepath.Base(proc), strings.TrimSpace(string(comm)))
		}
	}
	if b.Len() == 0 {
		return "  (no process found)\n"
	}
	return b.String()
}
