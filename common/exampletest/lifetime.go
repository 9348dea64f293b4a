//go:build linux && (amd64 || arm64)

package exampletest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// What a run starts dies with the test binary, whatever ends it: the
// timeout's panic, SIGQUIT from go test, Ctrl-C, SIGTERM, SIGKILL.
//
//   - Each program's first process has PR_SET_PDEATHSIG = SIGKILL. It fires
//     when the thread that started the process exits, not the process, so
//     programs are started from one thread locked for the life of the test
//     binary (spawn; a private IPC namespace has its own locked thread,
//     which ends only after its runs are killed).
//   - The processes a program starts in turn (a C twin's fork, a shell's
//     background job) are in its process group, and Pdeathsig does not
//     reach them. A watchdog process (this test binary again, in its own
//     process group) is told every group the harness starts and ends; when
//     its standard input reaches end-of-file, that is when the test binary
//     is gone however it died, it kills the groups still listed.
//   - SIGINT, SIGTERM, SIGHUP and SIGQUIT to the test binary kill those
//     groups at once, then take their usual course (SIGQUIT still prints
//     the goroutines, which go test's timeout asks for).

const envWatchdog = "EXAMPLETEST_WATCHDOG"

var (
	groupsMu sync.Mutex
	groups   = map[int]bool{}
	watchW   io.WriteCloser // the watchdog's standard input, or nil
)

// startLifetime starts the watchdog and the signal handler. Called by Main.
func startLifetime() {
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), envWatchdog+"=1")
	// No stdout or stderr: go test waits until every holder of the test
	// binary's output pipe is gone, and the watchdog outlives the binary.
	cmd.Stdout, cmd.Stderr = nil, nil
	// Its own group: a Ctrl-C to go test's group must leave it alive to
	// do its job.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	w, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "exampletest: no watchdog:", err)
	} else {
		watchW = w
		// Reaped at the end (Main's stopLifetime); never waited for
		// otherwise, since a subreaper's wait would race it.
		watchCmd = cmd
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT)
	go func() {
		sig := (<-c).(syscall.Signal)
		killGroups()
		signal.Reset(sig)
		unix.Kill(os.Getpid(), sig)
	}()
}

var watchCmd *exec.Cmd

// stopLifetime tells the watchdog that the test binary ends normally and
// waits for it.
func stopLifetime() {
	if watchW == nil {
		return
	}
	killGroups() // normally none: every run was waited for
	fmt.Fprintln(watchW, ".")
	watchW.Close()
	watchCmd.Wait()
}

// addGroup and dropGroup keep the list of live process groups, here and in
// the watchdog.
func addGroup(pgid int) {
	groupsMu.Lock()
	defer groupsMu.Unlock()
	groups[pgid] = true
	if watchW != nil {
		fmt.Fprintf(watchW, "+%d\n", pgid)
	}
}

func dropGroup(pgid int) {
	groupsMu.Lock()
	defer groupsMu.Unlock()
	if !groups[pgid] {
		return
	}
	delete(groups, pgid)
	if watchW != nil {
		fmt.Fprintf(watchW, "-%d\n", pgid)
	}
}

func killGroups() {
	groupsMu.Lock()
	defer groupsMu.Unlock()
	for pgid := range groups {
		unix.Kill(-pgid, unix.SIGKILL)
	}
}

// watchdog is the watchdog's whole life: it keeps the list of groups from
// its standard input and kills what is left at end-of-file, unless the
// test binary said "." (a normal end) first.
func watchdog() {
	signal.Ignore(unix.SIGINT, unix.SIGHUP, unix.SIGQUIT) // a terminal's keys are for the test binary
	live := map[int]bool{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		l := sc.Text()
		if l == "." {
			os.Exit(0)
		}
		if len(l) < 2 {
			continue
		}
		n, err := strconv.Atoi(l[1:])
		if err != nil || n <= 1 {
			continue
		}
		if l[0] == '+' {
			live[n] = true
		} else {
			delete(live, n)
		}
	}
	for pgid := range live {
		unix.Kill(-pgid, unix.SIGKILL)
	}
	os.Exit(0)
}

// spawn runs f (which starts a process) on one OS thread that lives as
// long as the test binary, so that the Pdeathsig of the process fires
// only when the test binary dies.
func spawn(f func()) {
	spawnOnce.Do(func() {
		spawner = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives until exit
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
	spawnOnce sync.Once
	spawner   chan func()
)

// StartOwned starts cmd as Start starts a run, for a test that drives a
// program itself (a second terminal, a server fed line by line): in a
// process group of its own, with Pdeathsig, from the long-lived thread,
// and known to the watchdog until the test ends, so that it dies with the
// test binary whatever ends that. It fails the test if cmd cannot start.
func StartOwned(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pgid = 0
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	var err error
	spawn(func() {
		if err = cmd.Start(); err == nil {
			addGroup(cmd.Process.Pid)
		}
	})
	if err == nil {
		pgid := cmd.Process.Pid
		t.Cleanup(func() { dropGroup(pgid) })
		return
	}
	t.Fatalf("start %s: %v", cmd.Path, err)
}

// Own tells the watchdog about a process group a test started itself
// (from a namespace's thread, say, with Pdeathsig set), until the test
// ends: if the test binary dies, the group is killed.
func Own(t testing.TB, pgid int) {
	addGroup(pgid)
	t.Cleanup(func() { dropGroup(pgid) })
}
