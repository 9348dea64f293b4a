//go:build linux && (amd64 || arm64)

package exampletest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { Main(m) }

const envHang = "EXAMPLETEST_HANG"

// TestHangingHelper is the test binary that TestKilledTestBinaryLeavesNothing
// starts and kills: it starts a program that leaves a grandchild asleep in
// its process group (sh -c 'sleep 600 & ...'), says so, and waits to be
// ended (or panics, as the timeout of go test does).
func TestHangingHelper(t *testing.T) {
	how := os.Getenv(envHang + "_HOW")
	if how == "" {
		t.Skip("started by TestKilledTestBinaryLeavesNothing")
	}
	p := Start(t, "/bin/sh", Opts{Args: []string{"-c", "sleep 600 & echo started; wait"}})
	p.WaitFor("started")
	fmt.Println("helper: started")
	if how == "panic" {
		io.Copy(io.Discard, os.Stdin) // the cue: the test has seen the processes
		panic("test timed out (as go test -timeout does)")
	}
	select {}
}

// A test binary ended while its examples run (the timeout's panic, go
// test's SIGQUIT, Ctrl-C, SIGTERM, SIGKILL) leaves no process behind: not
// the example's first process, not what it started in turn.
func TestKilledTestBinaryLeavesNothing(t *testing.T) {
	for _, how := range []string{"SIGKILL", "SIGQUIT", "SIGTERM", "SIGINT", "panic"} {
		how := how
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			killedTestBinary(t, how)
		})
	}
}

func killedTestBinary(t *testing.T, how string) {
	dir := t.TempDir()
	marker := envHang + "=" + dir
	cmd := exec.Command("/proc/self/exe", "-test.run=^TestHangingHelper$", "-test.v")
	// TMPDIR: the killed binary cannot remove its own temporary
	// directories (its t.TempDir, its exampletest-bin-*); this test's
	// cleanup removes them with dir.
	cmd.Env = append(os.Environ(), marker, envHang+"_HOW="+how, "TMPDIR="+dir)
	cmd.Stderr = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cue, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { // whatever the outcome, leave nothing
		for _, pid := range marked(marker) {
			unix.Kill(pid, unix.SIGKILL)
		}
	}()
	guard := time.AfterFunc(time.Minute, func() {
		t.Errorf("guard: the helper test binary still runs after a minute; its processes:\n%s", strings.Join(describeProcs(marked(marker)), "\n"))
		cmd.Process.Kill()
	})
	defer guard.Stop()
	br := bufio.NewReader(out)
	var got []string
	for {
		l, err := br.ReadString('\n')
		got = append(got, l)
		if strings.Contains(l, "helper: started") {
			break
		}
		if err != nil {
			t.Fatalf("the helper ended before it started its program: %q", got)
		}
	}
	if len(marked(marker)) == 0 {
		t.Fatal("no process carries the marker: the test would prove nothing")
	}
	if how == "panic" {
		cue.Close()
	} else {
		sig := map[string]syscall.Signal{"SIGKILL": unix.SIGKILL, "SIGQUIT": unix.SIGQUIT, "SIGTERM": unix.SIGTERM, "SIGINT": unix.SIGINT}[how]
		cmd.Process.Signal(sig)
	}
	go func() {
		for {
			if _, err := br.ReadString('\n'); err != nil {
				return
			}
		}
	}()
	cmd.Wait()
	// What it left is killed by the kernel (Pdeathsig) and by the
	// watchdog, which notices the end on its own: wait for each marked
	// process to end, under a guard.
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := marked(marker)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: processes of the killed test binary are still alive 30 s later:\n%s", how, strings.Join(describeProcs(left), "\n"))
		}
		for _, pid := range left {
			awaitEnd(pid, deadline)
		}
	}
}

// marked lists the live processes whose environment holds marker.
func marked(marker string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if kv == marker {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// awaitEnd waits until pid has exited (its pidfd turns readable) or the
// deadline passes, and reaps it if it is this process's child (an orphan
// reparented to this subreaper).
func awaitEnd(pid int, deadline time.Time) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	for {
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms <= 0 {
			return
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, ms)
		if err == unix.EINTR {
			continue
		}
		if n > 0 {
			var info unix.Siginfo
			unix.Waitid(unix.P_PIDFD, fd, &info, unix.WEXITED|unix.WNOHANG, nil)
		}
		return
	}
}

func describeProcs(pids []int) []string {
	var out []string
	for _, pid := range pids {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		state := ""
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
			state = string(stat[i+2])
		}
		out = append(out, fmt.Sprintf("  pid %d state %s: %s", pid, state, strings.ReplaceAll(string(cmdline), "\x00", " ")))
	}
	return out
}
