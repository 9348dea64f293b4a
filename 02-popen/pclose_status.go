//go:build linux && (amd64 || arm64)

// pclose_status.go is the Go twin of c/pclose_status.h: what pclose()
// returned, the command's wait status, said in words (status). Step 3 of
// 02-popen (failing, explain) goes beyond the header: it makes a command
// fail and one be killed, and shows how C and Go each read the status, so
// this file is longer than the 30-line header.
package main

import (
	"fmt"
	"syscall"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
)

// status prints pclose()'s result: the raw wait status, as C receives it,
// and what it means.
func status(me *say.Speaker, s *stream, ws syscall.WaitStatus) {
	line := fmt.Sprintf("pclose() = %d: pid %d %s", int(ws), s.cmd.Process.Pid, child.DescribeStatus(ws))
	if ws.Exited() && ws.ExitStatus() == 0 {
		me.Printf("%s", line)
		return
	}
	me.Warnf("%s", line)
}

// failing shows pclose()'s result for a command that fails and for one that
// is killed, as C reads it and as Go does.
func failing(me *say.Speaker) {
	// grep -c counts the matching lines, prints the count, and exits with
	// status 1 when there is none.
	s := mustPopen(me, "grep -c zebra", "w")
	me.Printf("%s, pid %d: grep counts the lines", s, s.cmd.Process.Pid)
	me.Printf("with zebra in them, and exits with status 1 if there are none. There are none:")
	feed(me, s, fruit)
	me.Printf("closing my end; grep prints its count, 0, itself:")
	ws := s.pclose(me)
	status(me, s, ws)
	explain(me, s, ws)

	// The shell sends itself SIGTERM ($$ is the shell's own PID).
	s = mustPopen(me, "kill -TERM $$", "r")
	me.Printf("%s, pid %d: the shell sends itself SIGTERM", s, s.cmd.Process.Pid)
	readLines(me, s.f)
	ws = s.pclose(me)
	status(me, s, ws)
	explain(me, s, ws)

	me.Printf("pclose() returns -1 only when its wait4() itself fails: ECHILD if the")
	me.Printf("command was already reaped (SIGCHLD set to SIG_IGN, or another wait() took it).")
	me.Printf("Then Wait() returns an error that is not an *exec.ExitError, and this program")
	me.Printf("stops with a named error.")
}

// explain spells out a wait status the way C and Go each report it.
func explain(me *say.Speaker, s *stream, ws syscall.WaitStatus) {
	switch {
	case ws.Exited():
		me.Printf("  C:  WIFEXITED(%d) is true, WEXITSTATUS(%d) is %d", int(ws), int(ws), ws.ExitStatus())
	case ws.Signaled():
		me.Printf("  C:  WIFSIGNALED(%d) is true, WTERMSIG(%d) is %d", int(ws), int(ws), int(ws.Signal()))
	}
	me.Printf("  Go: Wait() returns %q; ExitCode() is %d", s.cmd.ProcessState.String(), s.cmd.ProcessState.ExitCode())
	if ws.Signaled() {
		me.GoNote("ExitCode() is -1 for a command killed by a signal, whichever signal\n" +
			"it was. The signal is in the raw status:\n" +
			"ProcessState.Sys().(syscall.WaitStatus).Signal().")
	}
}
