//go:build linux && (amd64 || arm64)

package main

// The demo's scaffolding: its private directory, and its children started,
// waited for and ended in a way that tells the user's Ctrl-C from a
// failure.

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// dir is a private directory (mode 0700) registered with common/cleanup.
type dir struct {
	path string
	h    *cleanup.Handle
}

// privateDir makes a directory under $TMPDIR that only this user can
// enter, so nobody else can reach, replace or squat the socket files in
// it, and two runs at once never meet.
func privateDir() (*dir, error) {
	d := &dir{}
	var err error
	d.h, err = cleanup.Make(func() (string, func() error, error) {
		// mode 0700; the PID in its name tells the next run whether the
		// process that made it still lives (leftovers)
		path, err := os.MkdirTemp("", fmt.Sprintf("10-socket-%d-", os.Getpid()))
		if err != nil {
			return "", nil, syserr.Wrap("mkdtemp", err, nil)
		}
		d.path = path
		return "directory " + path, func() error { return os.RemoveAll(path) }, nil
	})
	return d, err
}

func demoDir(me *say.Speaker) *dir {
	leftovers(me)
	d, err := privateDir()
	if err != nil {
		me.Fatal(err)
	}
	me.Printf("made %s (mode 0700): this run's socket files go there", d.path)
	return d
}

func (d *dir) join(name string) string { return filepath.Join(d.path, name) }

// remove removes the directory and says so. Not ReleaseThen: a "removed"
// line that meets a closed standard output ends the program (common/say
// calls cleanup.Die), and Die waits for the lock ReleaseThen holds. A line
// printed after the removal can be lost to an interrupt, never be a lie.
func (d *dir) remove(me *say.Speaker) {
	if err := d.h.Release(); err != nil {
		me.Fatal(syserr.Wrap("remove "+d.path, err, nil))
	}
	me.Printf("removed %s", d.path)
}

// start starts c and waits until it is ready; its message is returned.
func start(me *say.Speaker, c *child.Cmd) string {
	c.StartOrFail(me)
	msg, err := c.WaitReady()
	if err != nil {
		lost(me, c, err)
	}
	return msg
}

// lost ends the demo when a child failed it: a child that one of
// cleanup.Signals killed was ended by the user (Ctrl-C to the group, a
// closed standard output it wrote to first), so this program ends by the
// same signal; anything else is a failure, said with how the child ended.
func lost(me *say.Speaker, c *child.Cmd, err error) {
	if c.ProcessState == nil {
		_ = c.Wait() // how it ended is what we report
	}
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		for _, sig := range cleanup.Signals {
			if ws.Signal() == sig {
				cleanup.Die(sig)
			}
		}
	}
	me.Fatal(fmt.Errorf("%v (child %s %d %s)", err, c.Role, c.Process.Pid, child.Describe(c.ProcessState)))
}

// reap waits for c and prints how it ended; a child killed by one of
// cleanup.Signals other than the one the demo sent (sent) ends the demo
// as lost does.
func reap(me *say.Speaker, c *child.Cmd, sent ...syscall.Signal) {
	_ = c.Wait() // the status is what we report
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && (len(sent) == 0 || ws.Signal() != sent[0]) {
		lost(me, c, fmt.Errorf("child %s ended early", c.Role))
	}
	me.Printf("waitpid (Go: waitid): child %d (%s) %s", c.Process.Pid, c.Role, child.Describe(c.ProcessState))
}

// signal sends sig to c and first says, with why, the call it makes:
// pidfd_send_signal on a pidfd (pidfd_open), which names this child even
// if its PID were reused, or kill(2) on a kernel without pidfds (before
// Linux 5.3). (Go's own os.Process.Signal makes the same choice from Go
// 1.23.) Said first, so the line comes before what the child prints.
func signal(me *say.Speaker, c *child.Cmd, sig syscall.Signal, why string) {
	pid := c.Process.Pid
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		me.Printf("kill(%d, %s)%s", pid, unix.SignalName(sig), why)
		if err := unix.Kill(pid, sig); err != nil {
			me.Fatal(syserr.Wrap("kill", err, nil))
		}
		return
	}
	defer unix.Close(fd)
	me.Printf("pidfd_send_signal(pidfd of %d, %s)%s", pid, unix.SignalName(sig), why)
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		me.Fatal(syserr.Wrap("pidfd_send_signal", err, nil))
	}
}

// quietInput is a standard input for a server that must not end on its
// own: a server reads its input all the time, and the end of input (an
// empty reader, /dev/null) would end it at once. done closes it.
func quietInput(me *say.Speaker) (r *os.File, done func()) {
	r, w := child.Pipe(me, false)
	return r, func() { r.Close(); w.Close() }
}

// made creates a file of the demo's (a socket file, a text file) inside
// cleanup.Make, so that an interrupt never finds it made and unregistered,
// and a main goroutine still running while the signal path removes
// everything blocks here instead of making files behind its back.
func made(me *say.Speaker, what string, mk func() error, undo func() error) *cleanup.Handle {
	h, err := cleanup.Make(func() (string, func() error, error) {
		if err := mk(); err != nil {
			return "", nil, err
		}
		return what, undo, nil
	})
	if err != nil {
		me.Fatal(err)
	}
	return h
}
