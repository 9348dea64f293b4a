//go:build linux && (amd64 || arm64)

package child

import (
	"os"
	"syscall"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// The steps every fork example repeats, each one line in the port and
// one place here: start the child, wait until it is ready, reap it and
// say how it ended, make a pipe. A failure ends the program through
// say.Fatal, which removes what it made first (common/cleanup).

// StartOrFail starts c, or ends the program saying why.
func (c *Cmd) StartOrFail(me *say.Speaker) {
	if err := c.Start(); err != nil {
		me.Fatal(syserr.Wrap("start child "+c.Role, err, nil))
	}
}

// ReadyOrFail waits until c says it is ready and returns what it said, or
// ends the program saying how the child ended instead.
//
// A child killed before it was ready by one of the signals that end a run
// (common/cleanup.Signals: Ctrl-C and SIGHUP reach the whole process group,
// a closed standard output sends SIGPIPE to whoever writes next) means
// the run is being ended, not that something failed: this program then
// ends by the same signal, after its cleanup, instead of reporting an
// error, even when the child's death is seen before its own signal is.
func (c *Cmd) ReadyOrFail(me *say.Speaker) string {
	msg, err := c.WaitReady()
	if err != nil {
		if ws, ok := processStatus(c); ok {
			cleanup.FollowChild(ws)
		}
		me.Fatal(err)
	}
	return msg
}

// Reap is waitpid(pid, &status, 0), with the status spelled out:
// "waitpid: child 4243 exited with status 0".
func (c *Cmd) Reap(me *say.Speaker) {
	c.Wait() // the status is what we report
	me.Printf("waitpid: child %d %s", c.Process.Pid, Describe(c.ProcessState))
}

// Pipe is pipe(fd), or the end of the program saying why. With show, it
// prints both ends as the kernel sees them: their descriptors and the one
// pipe inode they share.
func Pipe(me *say.Speaker, show bool) (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		me.Fatal(syserr.Wrap("pipe", err, nil))
	}
	if show {
		me.Kernel("pipe: read end fd %d -> %s, write end fd %d -> %s",
			peek.FileFD(r), peek.FDLink(peek.FileFD(r)), peek.FileFD(w), peek.FDLink(peek.FileFD(w)))
	}
	return r, w
}

func processStatus(c *Cmd) (syscall.WaitStatus, bool) {
	if c.ProcessState == nil {
		return 0, false
	}
	ws, ok := c.ProcessState.Sys().(syscall.WaitStatus)
	return ws, ok
}
