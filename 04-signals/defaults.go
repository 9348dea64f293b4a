//go:build linux && (amd64 || arm64)

// defaults.go goes beyond the article: what each signal's default action
// does to a C process and to a Go process, observed. The C column is the
// C twin c/kill.c in its -victim mode, built with gcc at run time; the Go
// column is this program's victim role (kill.go), without Notify.
package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sigset"
)

//go:embed c/kill.c
var killC []byte

// A row of the table: a signal sent with kill(), or a write to a pipe
// nobody reads (sig 0).
type row struct {
	what string
	sig  syscall.Signal
	mode string // victim mode: wait, stdout, raw1 or fd3
}

var rows = []row{
	{"kill -HUP", unix.SIGHUP, "wait"},
	{"kill -INT", unix.SIGINT, "wait"},
	{"kill -QUIT", unix.SIGQUIT, "wait"},
	{"kill -USR1", unix.SIGUSR1, "wait"},
	{"kill -USR2", unix.SIGUSR2, "wait"},
	{"kill -PIPE", unix.SIGPIPE, "wait"},
	{"kill -ALRM", unix.SIGALRM, "wait"},
	{"kill -TERM", unix.SIGTERM, "wait"},
	{"kill -CHLD", unix.SIGCHLD, "wait"},
	{"kill -URG", unix.SIGURG, "wait"},
	{"write to a broken pipe on fd 1", 0, "stdout"},
	{"the same with unix.Write(1)", 0, "raw1"},
	{"write to a broken pipe on fd 3", 0, "fd3"},
}

// table observes each signal's default action on a C process and on a Go
// process without Notify.
func table(me *say.Speaker) {
	step("default actions, observed: a C process and a Go process without Notify")
	st := status(me)
	me.Kernel("my SigIgn: %s (ignored signals stay ignored across exec: children\n"+
		"inherit them)", st.SigIgn)
	// A C process killed by SIGQUIT dumps core: not here.
	lim := unix.Rlimit{Cur: 0, Max: 0}
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err == nil {
		lim.Cur = 0
		_ = unix.Setrlimit(unix.RLIMIT_CORE, &lim) // only spares a core file
	}
	cbin, dir, why := buildC(me)
	if cbin != "" {
		me.Printf("built the C twin c/kill.c with gcc; each C process is kill -victim")
	} else {
		me.Warnf("no C column: %s", why)
	}
	me.Printf("each process says it is ready, gets the signal, then end of file on a pipe:")
	me.Printf("a process that survived the signal exits 0 there")
	me.Printf("%-31s %-18s %s", "what happens", "C process", "Go process, no Notify")
	for _, r := range rows {
		cCell := "(not observed)"
		if cbin != "" {
			cCell = observe(me, r, cbin)
		}
		me.Printf("%-31s %-18s %s", r.what, cCell, observe(me, r, ""))
	}
	_ = dir.Release() // a temporary directory; its removal is not the lesson
	me.GoNote("the Go runtime catches nearly every signal at start (SigCgt); without\n" +
		"Notify, it ends the process for some, drops others and exits 2 on SIGQUIT.\n" +
		"README.md, \"C to Go\", says why for each row.")
}

// observe runs one victim, C (cbin) or Go (cbin == ""), for one row and
// says how it ended.
func observe(me *say.Speaker, r row, cbin string) string {
	pr, pw := child.Pipe(me, false)
	var childEnd, myEnd, stdout *os.File
	switch r.mode {
	case "wait": // it reads fd 3 until end of file
		childEnd, myEnd = pr, pw
	case "fd3": // it writes to fd 3, a pipe with no reader
		pr.Close()
		childEnd = pw
	case "stdout", "raw1": // it writes to fd 1, a pipe with no reader
		pr.Close()
		childEnd, stdout = pw, pw
	}
	var stderr bytes.Buffer
	var v *child.Cmd
	if cbin != "" {
		mode := r.mode
		if mode == "raw1" { // every write in C is the system call
			mode = "stdout"
		}
		v = child.Program(cbin, "-victim", mode)
	} else {
		v = child.Command("victim", r.mode)
		v.Stderr = &stderr // where SIGQUIT's goroutine dump goes
		// GOTRACEBACK=crash would turn the SIGQUIT dump into an abort.
		v.Env = append(v.Env, "GOTRACEBACK=single")
	}
	v.ExtraFiles = []*os.File{childEnd}
	if stdout != nil {
		v.Stdout = stdout
	}
	// A process group of its own: a Ctrl-C meant for this program must
	// not reach a victim and fill a row with its effect. This program's
	// cleanup ends the victim instead.
	v.SysProcAttr.Setpgid = true
	v.StartOrFail(me)
	childEnd.Close()
	v.ReadyOrFail(me) // until setpgid() it is in our group: a Ctrl-C then ends both
	if r.sig != 0 {
		if err := toReader(v.Process.Pid, r.sig); err != nil {
			me.Fatal(err)
		}
	}
	if myEnd != nil {
		myEnd.Close()
	}
	_ = v.Wait() // the status is what we report
	return cell(v.ProcessState.Sys().(syscall.WaitStatus), stderr.String())
}

// cell is a short account of a wait status.
func cell(ws syscall.WaitStatus, stderr string) string {
	switch {
	case ws.Signaled():
		return "killed by " + sigset.Name(ws.Signal())
	case ws.Exited() && ws.ExitStatus() == 0:
		return "survived"
	case ws.Exited() && ws.ExitStatus() == int(unix.EPIPE):
		return "survived: write() got EPIPE"
	case ws.Exited():
		s := fmt.Sprintf("exited %d", ws.ExitStatus())
		if first, _, _ := strings.Cut(stderr, "\n"); first != "" {
			s += fmt.Sprintf(" after %q", first) // and the stacks
		}
		return s
	}
	return child.DescribeStatus(ws)
}

// buildC compiles the embedded c/kill.c into a temporary directory,
// registered with common/cleanup the moment it exists, so that no ending
// leaves it behind. It returns the binary and the directory, or "" and why
// not.
func buildC(me *say.Speaker) (bin string, dir *cleanup.Handle, why string) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", nil, "gcc not found (apt-get install gcc)"
	}
	var path string
	var gccGroup atomic.Int64 // gcc's process group, once it runs
	dir, err = cleanup.Make(func() (string, func() error, error) {
		d, err := os.MkdirTemp("", "04-signals-")
		if err != nil {
			return "", nil, err
		}
		path = d
		return "build directory " + d, func() error {
			// gcc's own children (cc1, as) write into d: end them first.
			if g := gccGroup.Load(); g != 0 {
				_ = unix.Kill(-int(g), unix.SIGKILL) // it may be gone
			}
			return os.RemoveAll(d)
		}, nil
	})
	if err != nil {
		return "", nil, err.Error()
	}
	src := filepath.Join(path, "kill.c")
	bin = filepath.Join(path, "kill")
	if err := os.WriteFile(src, killC, 0o600); err != nil {
		return "", dir, err.Error()
	}
	// gcc is a child like the others (an interrupt ends it), in a process
	// group of its own with its temporary files in the build directory,
	// so that removing the directory can end cc1 and as too.
	var out bytes.Buffer
	c := child.Program(gcc, "-Wall", "-Wextra", "-Werror", "-O2", "-o", bin, src)
	c.Stdout, c.Stderr = &out, &out
	c.Env = append(c.Env, "TMPDIR="+path)
	c.SysProcAttr.Setpgid = true
	c.StartOrFail(me)
	gccGroup.Store(int64(c.Process.Pid))
	if err := c.Wait(); err != nil {
		return "", dir, fmt.Sprintf("gcc: %v: %s", err, out.String())
	}
	return bin, dir, ""
}
