//go:build linux && (amd64 || arm64)

// Package child runs this program again in a named role: Go's answer to
// fork().
//
// A C example calls fork() and the child carries on from the same line with
// a copy of the parent's memory and every open descriptor. A Go process has
// many threads, and fork() without exec() copies only the calling one, so
// the child hangs the first time it needs the runtime. Go therefore starts
// children with fork+exec only. To play the child's part, the program
// executes itself again (/proc/self/exe) with the role in its environment,
// and main() hands over to that role's function before doing anything else:
//
//	func main() {
//		child.Dispatch(map[string]func([]string){"reader": reader})
//		// ... the parent's part
//	}
//
// What the C child inherited implicitly, the Go child receives explicitly:
// descriptors through exec.Cmd.ExtraFiles (entry i becomes fd 3+i), numbers
// such as a shmid in argv. A readiness handshake replaces the sleep() that C
// examples use to let the child get ready: the child calls Ready once it
// is set up, and the parent's WaitReady returns only then. The child is
// killed if the parent dies (PR_SET_PDEATHSIG), so no orphan lingers.
//
// It works under "go run", as a built binary, and under "go test" as long as
// TestMain calls Dispatch before m.Run.
package child

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
)

const (
	envRole  = "IPC_EXAMPLE_ROLE"
	envReady = "IPC_EXAMPLE_READY_FD"
)

// RoleEnv is the environment entry that starts a program in role; for
// tests and tools that start a role from outside the program.
func RoleEnv(role string) string { return envRole + "=" + role }

// Dispatch runs the function registered for this process's role and then
// exits with status 0 through cleanup.Exit (a role that fails ends through
// say.Fatal). In the
// original process, which has no role, it returns at once. An unknown role
// is a programming error and exits with status 2.
func Dispatch(roles map[string]func(args []string)) {
	role, ok := os.LookupEnv(envRole)
	if !ok {
		return
	}
	// Forget the role, so that a program this child starts in turn (a
	// shell, a C twin, another role) does not believe it has one, and keep
	// the readiness descriptor from it: a grandchild holding it open would
	// hide this child's death from the parent's WaitReady.
	os.Unsetenv(envRole)
	if n, err := strconv.Atoi(os.Getenv(envReady)); err == nil {
		readyFD = n
		unix.CloseOnExec(n)
	}
	os.Unsetenv(envReady)
	f, ok := roles[role]
	if !ok {
		fmt.Fprintf(os.Stderr, "child: unknown role %q\n", role)
		os.Exit(2)
	}
	f(os.Args[1:])
	// Not os.Exit: that could beat a signal's cleanup (common/cleanup) on
	// another goroutine, and would skip removing what the role made.
	cleanup.Exit(0)
}

// Cmd is a child in a named role. Set ExtraFiles, Stdin, Stdout, Stderr
// and so on on the embedded exec.Cmd before Start, as usual.
type Cmd struct {
	*exec.Cmd
	Role string
	// Cleans says the child registers objects of its own with
	// common/cleanup (a server role that makes the queue). If this program
	// is interrupted, such a child is sent SIGTERM and waited for, so it
	// can remove them; any other child is killed with SIGKILL, since it
	// holds nothing that outlives it.
	Cleans  bool
	ready   *os.File        // read end of the readiness pipe, parent side
	reg     *cleanup.Handle // ends the child if this program is interrupted
	noPidfd bool            // reg's undo is a plain kill(pid) (before Linux 5.3)
}

// Command prepares this program to run again in role with args as its
// arguments (os.Args[1:] in the child). Standard output and error are
// shared with the parent, so the child's lines appear in the same stream.
func Command(role string, args ...string) *Cmd {
	c := exec.Command("/proc/self/exe", args...)
	// /proc/self/exe is the running binary even if its file was replaced
	// or deleted since (as "go run" does at the end); argv[0] keeps the
	// name the user typed, so ps shows something readable.
	c.Args[0] = os.Args[0]
	c.Env = append(os.Environ(), RoleEnv(role))
	c.Stdout = os.Stdout
	c.Stderr = os.Stderr
	// The kernel sends SIGKILL to the child when the thread that started
	// it exits. Start runs on a thread that lives as long as the process,
	// so in practice: when the parent process dies.
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return &Cmd{Cmd: c, Role: role}
}

// Program prepares another program (a C twin, say) to run as a child with
// the same care as Command: the parent's standard output and error, death
// with the parent, and the readiness pipe, which it finds as the descriptor
// after its ExtraFiles (fd 3 when there are none). To say it is ready it
// writes one line there (the final newline may be left out). Closing the
// pipe without writing anything reads as dying before it was ready. It is
// not given a role.
func Program(path string, args ...string) *Cmd {
	c := Command("", args...)
	c.Path = path
	c.Args[0] = path
	c.Env = os.Environ()
	c.Role = path
	return c
}

// Start starts the child with a readiness pipe appended to its ExtraFiles.
// The descriptors in ExtraFiles stay open in the parent: close the ones
// the parent does not use itself, or a reader never sees end-of-file.
func (c *Cmd) Start() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	c.ExtraFiles = append(c.ExtraFiles, w)
	c.Env = append(c.Env, envReady+"="+strconv.Itoa(2+len(c.ExtraFiles)))
	// Started and registered under one lock: an interrupt cannot come
	// between the two and leave a child that nobody ends.
	c.reg, err = cleanup.Make(func() (string, func() error, error) {
		var err error
		onLongLivedThread(func() { err = c.Cmd.Start() })
		if err != nil {
			return "", nil, err
		}
		undo, ok := endChild(c.Process.Pid, c.Cleans)
		c.noPidfd = !ok
		return "", undo, nil
	})
	c.ExtraFiles = c.ExtraFiles[:len(c.ExtraFiles)-1]
	w.Close() // the child has its copy; ours would hide the child's death
	if err != nil {
		r.Close()
		return err
	}
	c.ready = r
	return nil
}

// WaitReady blocks until the child calls Ready and returns the message it
// sent. If the child exits first, WaitReady waits for it and returns an
// error that says how it ended.
func (c *Cmd) WaitReady() (string, error) {
	if c.ready == nil {
		return "", errors.New("child: WaitReady before Start")
	}
	line, err := bufio.NewReader(c.ready).ReadString('\n')
	c.ready.Close()
	c.ready = nil
	if err == nil || (err == io.EOF && line != "") { // a last line without its newline counts
		return strings.TrimSuffix(line, "\n"), nil
	}
	if err != io.EOF {
		return "", err
	}
	werr := c.Wait()
	if werr != nil {
		if _, ok := werr.(*exec.ExitError); !ok {
			return "", werr
		}
	}
	return "", fmt.Errorf("child %s (pid %d) %s before it was ready", c.Role, c.Process.Pid, Describe(c.ProcessState))
}

// Wait waits for the child to exit, as exec.Cmd.Wait does, and closes
// the readiness pipe if WaitReady was never called.
func (c *Cmd) Wait() error {
	if c.ready != nil {
		c.ready.Close()
		c.ready = nil
	}
	// Without a pidfd the undo is a plain kill(pid): forget it before the
	// child is reaped, when its PID may go to another process. (Should
	// this program die meanwhile, PR_SET_PDEATHSIG still ends the child.)
	// With one, the undo signals the pidfd, which never names another
	// process, and only closes it once the child is gone.
	if c.noPidfd {
		c.reg.Forget()
	}
	err := c.Cmd.Wait()
	c.reg.Release() // the child is gone: this signals nobody and closes its pidfd
	return err
}

// endChild returns how to end a child when this program is interrupted:
// through a pidfd, so that a reused PID is never hit, SIGKILL (or SIGTERM
// for a child that cleans up after itself), and then wait until the child
// is dead (its pidfd turns readable), so that no child outlives the
// cleanup even for an instant. Reaping it is left to Wait, or to init.
func endChild(pid int, cleans bool) (undo func() error, pidfdOK bool) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil { // before Linux 5.3: a plain kill, no wait
		return func() error {
			unix.Kill(pid, unix.SIGKILL) // it may be gone
			return nil
		}, false
	}
	return func() error {
		defer unix.Close(pidfd)
		sig, guard := unix.SIGKILL, -1
		if cleans {
			sig, guard = unix.SIGTERM, 5000 // a guard against a child that hangs
		}
		unix.PidfdSendSignal(pidfd, sig, nil, 0) // it may be dead already
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds, guard)
			if err == unix.EINTR {
				continue
			}
			if n == 0 && sig != unix.SIGKILL {
				sig, guard = unix.SIGKILL, -1
				unix.PidfdSendSignal(pidfd, sig, nil, 0) // as above
				continue
			}
			return nil
		}
	}, true
}

// Run starts the child and waits for it to end, for a child that needs no
// handshake.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Ready tells the parent that this child is set up, with an optional
// one-line message (a thread id, a count). It may be called once; later
// calls, and calls in a process started without a readiness pipe, do
// nothing.
func Ready(msg string) {
	readyOnce.Do(func() {
		if readyFD < 0 {
			return
		}
		f := os.NewFile(uintptr(readyFD), "ready")
		f.WriteString(strings.ReplaceAll(msg, "\n", " ") + "\n") // a dead parent kills us anyway
		f.Close()
	})
}

var (
	readyOnce sync.Once
	readyFD   = -1 // set by Dispatch
)

// File returns the descriptor the parent passed as ExtraFiles[i], which the
// child has as fd 3+i. It marks it close-on-exec, as Go does with every
// descriptor it opens, so that a program this child starts does not
// inherit it by accident.
func File(i int, name string) *os.File {
	unix.CloseOnExec(3 + i)
	return os.NewFile(uintptr(3+i), name)
}

// Describe says how a process ended, as wait(2) reports it: "exited with
// status 0", "was killed by signal 15 (SIGTERM)".
func Describe(ps *os.ProcessState) string {
	if ps == nil {
		return "has not been waited for"
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		return ps.String()
	}
	return DescribeStatus(ws)
}

// DescribeStatus is Describe for a raw wait status.
func DescribeStatus(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		s := fmt.Sprintf("was killed by signal %d (%s)", int(ws.Signal()), unix.SignalName(ws.Signal()))
		if ws.CoreDump() {
			s += ", core dumped"
		}
		return s
	case ws.Stopped():
		return fmt.Sprintf("was stopped by signal %d (%s)", int(ws.StopSignal()), unix.SignalName(ws.StopSignal()))
	}
	return fmt.Sprintf("ended with wait status %#x", uint32(ws))
}

// onLongLivedThread runs f on one OS thread that never exits. Pdeathsig
// fires when the *thread* that forked the child exits, not the process
// (see syscall/exec_linux.go), and the Go scheduler may retire threads; a
// goroutine locked to its thread for the life of the process avoids that.
func onLongLivedThread(f func()) {
	spawnerOnce.Do(func() {
		spawner = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives until exit
			for g := range spawner {
				g()
			}
		}()
	})
	done := make(chan struct{})
	spawner <- func() { f(); close(done) }
	<-done
}

var (
	spawnerOnce sync.Once
	spawner     chan func()
)
