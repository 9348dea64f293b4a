package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"

	"golang.org/x/sys/unix"
)

// registry holds what must go when the run is interrupted: System V
// objects (a queue or a semaphore set outlives every process that used
// it), the directory of FIFOs and C builds, and the peers still running.
// An object is made and registered under one lock, and an interrupt takes
// the same lock, so nothing made can slip through between the two.
type registry struct {
	mu   sync.Mutex
	next int
	undo map[int]func()
}

var reg = &registry{undo: map[int]func(){}}

// handle is one registered object.
type handle struct {
	r  *registry
	id int
}

// make runs mk, which makes an object and returns how to undo it, and
// registers the undo if mk succeeded.
func (r *registry) make(mk func() (undo func(), err error)) (*handle, error) {
	r.mu.Lock() // held for good once interrupted: nothing new is made then
	defer r.mu.Unlock()
	undo, err := mk()
	if err != nil {
		return nil, err
	}
	r.next++
	r.undo[r.next] = undo
	return &handle{r, r.next}, nil
}

// release undoes the object now and forgets it.
func (h *handle) release() {
	if h == nil {
		return
	}
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	if f, ok := h.r.undo[h.id]; ok {
		delete(h.r.undo, h.id)
		f()
	}
}

// forget forgets the object without undoing it (a peer that has exited).
func (h *handle) forget() {
	if h == nil {
		return
	}
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	delete(h.r.undo, h.id)
}

// undoAll undoes everything, newest first, and keeps the lock: the process
// is about to exit.
func (r *registry) undoAll() int {
	r.mu.Lock()
	n := 0
	for id := r.next; id > 0; id-- {
		if f, ok := r.undo[id]; ok {
			f()
			n++
		}
	}
	return n
}

// cleanOnSignal makes Ctrl-C (SIGINT), SIGTERM and SIGHUP remove every
// kernel object and end every peer before the program exits with
// 128+signal, as a shell reports a death by that signal; and SIGPIPE too,
// which would otherwise kill the program where "09-compare | head" closes
// its standard output. kill -9 cannot be
// caught: the peers then die with this process (PR_SET_PDEATHSIG, set by
// common/child), the shared memory segment goes with its last attachment
// (it is marked IPC_RMID at once), and only a queue or a semaphore set of
// the run in progress is left for ipcrm.
func cleanOnSignal() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGPIPE)
	go func() {
		sig := <-c
		n := reg.undoAll()
		fmt.Fprintf(os.Stderr, "\n09-compare: interrupted by %v: ended the peers and removed the kernel objects of the run (%d)\n", sig, n)
		os.Exit(128 + int(sig.(unix.Signal)))
	}()
}

// killAndWait is the undo of a running peer: SIGKILL through its pidfd
// (no risk of hitting a reused PID), then wait until it is dead (its
// pidfd turns readable), so that no peer survives this program even for
// an instant. Reaping it is left to whoever waits for it, or to init.
func killAndWait(pidfd int) {
	unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0) //nolint:errcheck // it may be dead already
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, 10000); err != unix.EINTR {
			break
		}
	}
	unix.Close(pidfd)
}
