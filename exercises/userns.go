//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// How the checker isolates System V objects, best first:
//
//   - root, or CAP_SYS_ADMIN: unshare(CLONE_NEWIPC) on one thread (ipcns.go);
//   - an ordinary user on a kernel that lets one make a user namespace
//     (most distributions, GitHub's runners): the checker runs itself
//     again in a new user namespace with a private IPC namespace
//     (clone(CLONE_NEWUSER|CLONE_NEWIPC), as `unshare -r --ipc` does),
//     mapped to root inside it, where unshare(CLONE_NEWIPC) is allowed.
//     CLONE_NEWUSER cannot be done by one thread of a running Go program
//     (unshare(2): EINVAL in a multithreaded process), hence the new
//     process;
//   - neither (a container without SYS_ADMIN, whose seccomp profile
//     refuses both): the machine's namespace, where only the objects the
//     program under check made are reported and removed (sharedns.go).
//
// isolationEnv forces one ("shared" or "userns") for the checker's own
// tests and for a teacher who wants to see what a runner would do; the
// value "inside" marks the process already started in the user namespace.
const isolationEnv = "EXERCISES_ISOLATION"

// userNSError is why the checker could not make a user namespace ("" if
// it did not try).
var userNSError string

// canUnshareIPC reports whether this process may make an IPC namespace:
// a thread that tries it is locked and discarded with its goroutine.
func canUnshareIPC() bool {
	ok := make(chan bool)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread is discarded
		ok <- unix.Unshare(unix.CLONE_NEWIPC) == nil
	}()
	return <-ok
}

// inUserNS runs the checker again with args in a new user namespace and a
// private IPC namespace when it needs one and may make one, and returns
// the exit status of that run; ran is false when the checker should go on
// by itself (it has the right already, was told not to, or the kernel
// refused the user namespace).
func inUserNS(args []string) (code int, ran bool) {
	switch os.Getenv(isolationEnv) {
	case "shared", "inside":
		return 0, false
	case "userns":
	default:
		if canUnshareIPC() {
			return 0, false
		}
	}
	self, err := os.Executable()
	if err != nil {
		userNSError = err.Error()
		return 0, false
	}
	cmd := exec.Command(self, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), isolationEnv+"=inside")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  unix.CLONE_NEWUSER | unix.CLONE_NEWIPC,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
		// If this process is killed, the checker inside cleans up and ends.
		Pdeathsig: syscall.SIGTERM,
	}
	// The signals that end a run are passed on: the checker inside kills
	// its solution's processes, removes its directories and dies of the
	// signal, and this process then dies of it too.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		userNSError = err.Error()
		return 0, false
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	cmd.Wait()
	close(done)
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		signal.Reset(ws.Signal())
		unix.Kill(os.Getpid(), ws.Signal())
		select {} // the signal ends this process
	}
	return ws.ExitStatus(), true
}

var (
	privateOnce sync.Once
	private     bool
)

// privateIPC reports whether the checker will have a private IPC
// namespace (asked once).
func privateIPC() bool {
	privateOnce.Do(func() { private = os.Getenv(isolationEnv) != "shared" && canUnshareIPC() })
	return private
}

// describeIsolation says what the checker got, for the header.
func describeIsolation(private bool) string {
	inside := os.Getenv(isolationEnv) == "inside"
	switch {
	case private && inside:
		return "a private IPC namespace, in a user namespace of its own (unprivileged)"
	case private:
		return "a private IPC namespace (unshare(CLONE_NEWIPC), with CAP_SYS_ADMIN)"
	case userNSError != "":
		return "the machine's IPC namespace (no user namespace: " + userNSError + "): only the objects your program made are reported and removed"
	}
	return "the machine's IPC namespace: only the objects your program made are reported and removed"
}
