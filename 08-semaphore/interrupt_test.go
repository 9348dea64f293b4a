//go:build linux && (amd64 || arm64)

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

// Every part, ended at each of its interrupt points by each of the four
// endings of exampletest.Endings (Ctrl-C and SIGHUP to the group, SIGTERM
// to the parent, standard output closed): it dies of that signal (or had
// already ended, with the same output as a full run), prints no error,
// leaves no process, and leaves no set and no segment, checked after each
// run in the IPC namespace that run had to itself.
//
// This is exampletest.Interrupts, run here because a run that ends before
// the signal arrives must be compared with the full run under this
// folder's rules (semids, the pv key, sem_otime's clock, the lost
// updates); Interrupts compares under the default ones only.
//
// The parts run side by side, and so do the runs of a part, spread over
// interruptWorkers namespaces: each namespace holds one run at a time,
// so what is left in it after a run was left by that run. A run mostly
// waits (for its children, for a line), not on the CPU.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("hundreds of runs")
	}
	for _, part := range [][]string{{"pv"}, {"mutex", "-loops", "200"}, {"prodcons"}, {"philosophers", "-meals", "20"},
		{"philosophers", "-deadlock"}, {"die"}, {"mutex", "-procs", "2", "-loops", "50", "-peer", "C"}} {
		part := append([]string(nil), part...)
		t.Run(strings.Join(part, " "), func(t *testing.T) {
			t.Parallel()
			if part[len(part)-1] == "C" {
				part[len(part)-1] = exampletest.BuildC(t, "c/sem_peer.c")
			}
			var nss []*exampletest.IPCNamespace
			for i := 0; i < interruptWorkers; i++ {
				nss = append(nss, needNS(t))
			}
			runs, dirty := interrupts(t, nss, part)
			t.Logf("%s: %d interrupted runs, %d left anything", part[0], runs, dirty)
		})
	}
}

// interruptWorkers is how many interrupted runs of one part go at once,
// each in a namespace of its own. Two, not more: the mutex and the
// philosophers yield the CPU in their loops, and each sched_yield costs a
// context switch once other processes are runnable, so four at once
// (with two parts side by side) took a third more CPU time for the same runs.
const interruptWorkers = 2

// interrupts runs args once to its end, then once per interrupt point and
// ending, one run at a time in each of nss; it returns the number of
// interrupted runs and how many of them left a System V object.
func interrupts(t *testing.T, nss []*exampletest.IPCNamespace, args []string) (runs, dirty int) {
	t.Helper()
	full := exampletest.RunOK(t, exampletest.Opts{Args: args, IPC: nss[0]})
	var points []string
	for _, l := range strings.Split(full.Out, "\n") {
		if interruptPoint(l) {
			points = append(points, l)
		}
	}
	want := exampletest.Normalize(full.Out, "", rules...)
	type job struct {
		i     int
		point string
		e     exampletest.Ending
	}
	jobs := make(chan job)
	var mu sync.Mutex // guards dirty
	var wg sync.WaitGroup
	for _, ns := range nss {
		ns := ns
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				desc := fmt.Sprintf("%q ended by %s after %q (point %d of %d)", args, j.e.Name, j.point, j.i+1, len(points))
				out, stderr, ws, err := interruptOnce(t, ns, args, j.i, j.e)
				if err != nil {
					t.Errorf("%s: %v", desc, err)
					continue
				}
				switch {
				case ws.Signaled() && ws.Signal() == j.e.Sig:
				case ws.Exited() && ws.ExitStatus() == 0 && (j.e.CloseStdout || exampletest.Normalize(out, "", rules...) == want):
					// it had ended (or written all it had) before the signal
				default:
					t.Errorf("%s: it %v, want killed by %v:\nstdout:\n%s\nstderr:\n%s", desc, ws, j.e.Sig, out, stderr)
				}
				if strings.Contains(stderr, "error") || strings.Contains(stderr, "panic") {
					t.Errorf("%s: an interrupt reported as an error:\n%s", desc, stderr)
				}
				if left := ns.Leftovers(); len(left) > 0 {
					mu.Lock()
					dirty++
					mu.Unlock()
					t.Errorf("%s: left %v", desc, left)
					sem, _ := ns.Rows("sem")
					shm, _ := ns.Rows("shm")
					removeSets(ns, sem)
					removeSegments(ns, shm)
				}
			}
		}()
	}
	for i, point := range points {
		for _, e := range exampletest.Endings {
			runs++
			jobs <- job{i, point, e}
		}
	}
	close(jobs)
	wg.Wait()
	return runs, dirty
}

// interruptOnce runs args in ns, ends it after the point-th interrupt
// point as e says, and returns what it printed and how it ended, after
// checking that no process of its group outlived it.
func interruptOnce(t *testing.T, ns *exampletest.IPCNamespace, args []string, point int, e exampletest.Ending) (string, string, syscall.WaitStatus, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard against a hang
	defer cancel()
	cmd := exec.CommandContext(ctx, exampletest.Binary(t), args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "LC_ALL=C", "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL} // dies with the namespace's thread at the latest
	cmd.Cancel = func() error { return unix.Kill(-cmd.Process.Pid, unix.SIGKILL) }
	r, w, err := os.Pipe()
	if err != nil {
		return "", "", 0, err
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	ns.Do(func() { err = cmd.Start() })
	w.Close()
	if err != nil {
		r.Close()
		return "", "", 0, err
	}
	exampletest.Own(t, cmd.Process.Pid) // the watchdog kills it if the test binary dies
	pgid := cmd.Process.Pid
	var out bytes.Buffer
	br := bufio.NewReader(r)
	for seen := 0; seen <= point; {
		line, err := br.ReadString('\n')
		out.WriteString(line)
		if interruptPoint(strings.TrimSuffix(line, "\n")) {
			seen++
		}
		if err != nil {
			break
		}
	}
	switch {
	case e.CloseStdout:
		r.Close()
	case e.Group:
		_ = unix.Kill(-pgid, e.Sig) // it may have ended
	default:
		_ = unix.Kill(pgid, e.Sig) // as above
	}
	if !e.CloseStdout {
		_, _ = io.Copy(&out, br) // to its end
		r.Close()
	}
	_ = cmd.Wait() // the status is what we check
	// Orphans come to the test process (exampletest.Main makes it a
	// subreaper): reap them, then none may be left running.
	reap := func(flags int) {
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-pgid, &ws, flags, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil || pid == 0 {
				return
			}
		}
	}
	reap(unix.WNOHANG)
	if unix.Kill(-pgid, 0) == nil {
		t.Errorf("%q: processes outlived the run (process group %d)", args, pgid)
		_ = unix.Kill(-pgid, unix.SIGKILL)
		reap(0)
	}
	return out.String(), stderr.String(), cmd.ProcessState.Sys().(syscall.WaitStatus), nil
}
