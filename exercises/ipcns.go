//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

// ipcNS is a private System V IPC namespace for the student's processes:
// one OS thread of the checker calls unshare(CLONE_NEWIPC), which moves
// only that thread, and every process is started from that thread, so it
// is born in the namespace. The thread is never unlocked: the Go runtime
// discards it when the checker ends. A nil *ipcNS is the machine's own
// namespace.
type ipcNS struct {
	reqs chan func()
}

// newIPCNamespace makes one, or returns nil and why it could not
// (unshare(CLONE_NEWIPC) needs CAP_SYS_ADMIN).
func newIPCNamespace() (*ipcNS, error) {
	if os.Getenv(isolationEnv) == "shared" {
		return nil, fmt.Errorf("%s=shared", isolationEnv)
	}
	ns := &ipcNS{reqs: make(chan func())}
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
		return nil, err
	}
	return ns, nil
}

// Do runs f inside the namespace (on its thread). On a nil *ipcNS it just
// runs f.
func (ns *ipcNS) Do(f func()) {
	if ns == nil {
		f()
		return
	}
	done := make(chan struct{})
	ns.reqs <- func() { f(); close(done) }
	<-done
}

// Rows reads /proc/sysvipc/<kind> ("msg", "sem" or "shm") as seen from
// the namespace.
func (ns *ipcNS) Rows(kind string) (rows []peek.SysV, err error) {
	ns.Do(func() { rows, err = peek.SysVRows(kind) })
	return rows, err
}

var sysvIDCol = map[string]string{"msg": "msqid", "sem": "semid", "shm": "shmid"}

// Leftovers lists every System V object in the namespace.
func (ns *ipcNS) Leftovers() []string {
	var left []string
	for _, kind := range []string{"msg", "sem", "shm"} {
		rows, err := ns.Rows(kind)
		if err != nil {
			continue // a kernel without System V IPC
		}
		for _, r := range rows {
			left = append(left, fmt.Sprintf("/proc/sysvipc/%s: %s", kind, r.Format("key", sysvIDCol[kind], "perms")))
		}
	}
	return left
}

// close lets the namespace's thread end (and the namespace with it, once
// no process is left in it).
func (ns *ipcNS) close() {
	if ns != nil {
		close(ns.reqs)
	}
}
