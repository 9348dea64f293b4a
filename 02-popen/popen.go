//go:build linux && (amd64 || arm64)

// popen.go is popen() and pclose() for Go, which has neither: the pipe,
// the /bin/sh -c child, the wait, and the guarantee that no command
// outlives this program, however it ends.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// shell is the program popen runs: glibc's _PATH_BSHELL, by absolute path,
// never looked up in $PATH.
const shell = "/bin/sh"

// stream is what popen() returns: our end of the pipe, and the process at
// the other end. C's FILE* hides the process: glibc keeps its PID in a list
// of popen streams, where pclose() finds it again.
type stream struct {
	f    *os.File // our end: the read end for "r", the write end for "w"
	cmd  *exec.Cmd
	mode string
}

// String is the call that made s, from the values it was given:
// popen("grep -c zebra", "w").
func (s *stream) String() string {
	if len(s.cmd.Args) == 3 && s.cmd.Args[1] == "-c" {
		return fmt.Sprintf("popen(%q, %q)", s.cmd.Args[2], s.mode)
	}
	return fmt.Sprintf("exec.Command(%q...), %q", s.cmd.Args, s.mode)
}

// popen is popen(command, mode): /bin/sh -c command, with a pipe to its
// standard output (mode "r") or from its standard input (mode "w").
func popen(command, mode string) (*stream, error) {
	c := exec.Command(shell, "-c", command)
	c.Args[0] = "sh" // glibc passes argv[0] "sh": ps shows "sh -c ps -ef"
	return start(c, mode)
}

// start is popen for a command given as its argv, with or without a shell.
func start(c *exec.Cmd, mode string) (*stream, error) {
	if mode != "r" && mode != "w" {
		// glibc refuses "rw" too: a pipe goes one way.
		return nil, syserr.Wrap("popen", unix.EINVAL, syserr.Meanings{
			unix.EINVAL: `mode must be "r" or "w"`,
		})
	}
	// pipe(): glibc uses pipe2(O_CLOEXEC), as os.Pipe does.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, syserr.Wrap("popen: pipe", err, syserr.Meanings{
			unix.EMFILE: "this process has no free descriptor left (popen returns NULL)",
			unix.ENFILE: "the system-wide file table is full (popen returns NULL)",
		})
	}
	// The child inherits our standard input, output and error, except the
	// one that becomes its end of the pipe.
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	ours, theirs := r, w
	if mode == "r" {
		c.Stdout = w
	} else {
		ours, theirs = w, r
		c.Stdin = r
	}
	// fork() + exec(): Start returns once the exec has succeeded. Under
	// the cleanup lock, so that an interrupt never misses a command that
	// is being started (endCommandsOnInterrupt).
	cleanup.Locked(func() { err = c.Start() })
	// The child has its copy of its end. Ours must go: for "r", an open
	// write end here would keep us from ever reading end of file.
	theirs.Close()
	if err != nil {
		ours.Close()
		return nil, syserr.Wrap("popen: fork+exec "+c.Path, err, syserr.Meanings{
			unix.EAGAIN: "no more processes allowed (RLIMIT_NPROC or the system limit)",
			unix.ENOMEM: "not enough memory to start a process",
			unix.ENOENT: "the program does not exist",
			unix.EACCES: "the program is not executable",
		})
	}
	return &stream{f: ours, cmd: c, mode: mode}, nil
}

// pclose is pclose(stream): close our end, then wait4() for the command
// and return its raw wait status. Where C's pclose() returns -1 (wait4
// failed), this program stops with a named error.
func (s *stream) pclose(me *say.Speaker) syscall.WaitStatus {
	s.f.Close()
	// Wait until the command has ended without reaping it (WNOWAIT), then
	// reap it under the cleanup lock: so an interrupt never signals a PID
	// that was reaped meanwhile and given to another process.
	var info unix.Siginfo
	for unix.Waitid(unix.P_PID, s.cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
	}
	var err error
	cleanup.Locked(func() { err = s.cmd.Wait() })
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		me.Fatal(syserr.Wrap("pclose: wait4", err, syserr.Meanings{
			unix.ECHILD: "the command was already reaped: pclose() returns -1",
		}))
	}
	return s.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// mustPopen is popen(), and exit(1) on failure, which the article forgot.
func mustPopen(me *say.Speaker, command, mode string) *stream {
	s, err := popen(command, mode)
	if err != nil {
		me.Fatal(err)
	}
	return s
}

// mustStart is start(), and exit(1) on failure.
func mustStart(me *say.Speaker, c *exec.Cmd, mode string) *stream {
	s, err := start(c, mode)
	if err != nil {
		me.Fatal(err)
	}
	return s
}

// readLines reads a stream line by line until end of file, as the
// article's fgets() loop does, and returns the lines without their "\n".
func readLines(me *say.Speaker, f *os.File) []string {
	var lines []string
	br := bufio.NewReader(f)
	for {
		l, err := br.ReadString('\n')
		if l != "" {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
		if err == io.EOF {
			return lines
		}
		if err != nil {
			me.Fatal(syserr.Wrap("read", err, nil))
		}
	}
}

// endCommandsOnInterrupt makes sure that no command outlives this program,
// however it ends. The commands are its children, and a shell's command is
// the shell's child: killing the shell alone would orphan it. So this
// process becomes a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER): a
// process whose parent dies is handed to us rather than to init, and
// killing our children generation after generation reaches them all.
func endCommandsOnInterrupt() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)    // without it, only our own children are ended
	_, _ = cleanup.Make(func() (string, func() error, error) { // mk cannot fail
		return "", killDescendants, nil
	})
}

// killDescendants sends SIGKILL to every child of this process, waits
// until each is dead (its pidfd turns readable), and starts again with the
// children their deaths handed to us, until no new one appears. It runs
// under the cleanup lock, which start and pclose also take to fork and to
// reap, so no PID it reads can be reaped and reused meanwhile.
func killDescendants() error {
	done := map[int]bool{}
	for {
		var fds []int
		for _, pid := range children() {
			if done[pid] {
				continue
			}
			done[pid] = true
			fd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				continue
			}
			_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0) // it may be dead already
			fds = append(fds, fd)
		}
		if len(fds) == 0 {
			return nil
		}
		for _, fd := range fds {
			poll := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			for {
				if _, err := unix.Poll(poll, -1); err != unix.EINTR {
					break
				}
			}
			unix.Close(fd)
		}
	}
}

// children are the PIDs of this process's children, from
// /proc/self/task/*/children (each thread has its own list). It reads
// with raw system calls, not package os: it runs on the way out after
// EMFILE too, where the first os.Open of Go 1.20 would try to set up the
// runtime's poller, find no descriptor for it either, and crash the
// program instead of ending it cleanly.
func children() []int {
	var pids []int
	for _, tid := range dirNames("/proc/self/task") {
		for _, f := range strings.Fields(readRaw("/proc/self/task/" + tid + "/children")) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// dirNames lists a directory with getdents64, or returns nothing.
func dirNames(dir string) []string {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 4096)
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err != nil || n <= 0 {
			return names
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// readRaw reads a small /proc file with read(2), or returns "".
func readRaw(path string) string {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(fd)
	var b []byte
	buf := make([]byte, 512)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			return string(b)
		}
		b = append(b, buf[:n]...)
	}
}
