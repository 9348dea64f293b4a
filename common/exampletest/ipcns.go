//go:build linux && (amd64 || arm64)

package exampletest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

// IPCNamespace is a private System V IPC namespace for one test. Programs
// started in it (Opts.IPC) see only each other's message queues, semaphore
// sets and shared memory, so tests running at the same time never meet,
// and nothing they leak reaches the machine: the kernel destroys the
// namespace, and everything in it, when its last user is gone.
//
// It also makes leak checks exact: when the test ends, any object still in
// the namespace was left behind by the test's programs, whoever made it
// (a semaphore set records no PID to blame it by).
//
// How: one OS thread of the test process calls unshare(CLONE_NEWIPC), which
// moves only that thread into a new namespace, and every program is started
// from that thread, so its fork inherits the namespace. The thread is never
// unlocked, so the Go runtime discards it when the namespace ends.
type IPCNamespace struct {
	t    testing.TB
	reqs chan func()
	once sync.Once
}

// NewIPCNamespace makes a private IPC namespace, or returns nil, after
// logging why, where that is not permitted (unshare needs CAP_SYS_ADMIN).
// A nil *IPCNamespace is valid: programs then run in the machine's own
// namespace and Rows reads it.
func NewIPCNamespace(t testing.TB) *IPCNamespace {
	t.Helper()
	ns := &IPCNamespace{t: t, reqs: make(chan func())}
	errc := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the namespace
		if err := unix.Unshare(unix.CLONE_NEWIPC); err != nil {
			errc <- err
			return
		}
		errc <- nil
		for f := range ns.reqs {
			f()
		}
	}()
	if err := <-errc; err != nil {
		t.Logf("no private IPC namespace (unshare(CLONE_NEWIPC): %v): using the machine's", err)
		return nil
	}
	t.Cleanup(ns.close)
	return ns
}

// Do runs f inside the namespace (on its thread), for a test that must act
// there itself: remove an object a program left on purpose, say. f must not
// start goroutines that make system calls expecting the namespace. On a nil
// *IPCNamespace it just runs f.
func (ns *IPCNamespace) Do(f func()) {
	if ns == nil {
		f()
		return
	}
	ns.do(f)
}

// do runs f on the namespace's thread.
func (ns *IPCNamespace) do(f func()) {
	done := make(chan struct{})
	ns.reqs <- func() { f(); close(done) }
	<-done
}

// Rows reads /proc/sysvipc/<kind> ("msg", "sem" or "shm") as seen from
// the namespace.
func (ns *IPCNamespace) Rows(kind string) (rows []peek.SysV, err error) {
	if ns == nil {
		return peek.SysVRows(kind)
	}
	ns.do(func() { rows, err = peek.SysVRows(kind) })
	return rows, err
}

// Leftovers lists every System V object in the namespace, as "kind id key".
func (ns *IPCNamespace) Leftovers() []string {
	var left []string
	for _, kind := range []string{"msg", "sem", "shm"} {
		rows, err := ns.Rows(kind)
		if err != nil {
			continue // a kernel without System V IPC
		}
		for _, r := range rows {
			left = append(left, fmt.Sprintf("/proc/sysvipc/%s: %s", kind, r.Format("key", sysvKinds[kind], "perms")))
		}
	}
	return left
}

// close checks that the test's programs left nothing in the namespace,
// then lets it go.
func (ns *IPCNamespace) close() {
	ns.once.Do(func() {
		for _, l := range ns.Leftovers() {
			ns.t.Errorf("left in the test's IPC namespace: %s", l)
		}
		close(ns.reqs)
	})
}
