package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/exampletest"
)

// interrupts is exampletest.Interrupts with this folder's normalising
// rules. A run that the signal reaches only after its end (its output was
// already in the pipe when the test read the point) must print what the
// full run printed; that comparison needs the shmid and clock rules, which
// Interrupts cannot take yet (asked for: an Opts.Rules used there). Same
// endings, same checks: death by the signal or a complete run, no error
// on stderr, no process left; System V leftovers are the namespace's
// check (o.IPC) at the test's end.
func interrupts(t *testing.T, o exampletest.Opts, at func(string) bool) int {
	t.Helper()
	bin := exampletest.Binary(t)
	full := exampletest.Run(t, bin, o)
	if full.Code() != 0 {
		t.Fatalf("%q: exit status %d, want 0:\n%s", o.Args, full.Code(), full.Out)
	}
	want := exampletest.Normalize(full.Out, "", rules...)
	var points []string
	for _, l := range strings.Split(full.Out, "\n") {
		if at(l) {
			points = append(points, l)
		}
	}
	if len(points) == 0 {
		t.Fatalf("%q: no interrupt point in its output:\n%s", o.Args, full.Out)
	}
	runs := 0
	for i, point := range points {
		for _, e := range exampletest.Endings {
			runs++
			desc := fmt.Sprintf("%q ended by %s after %q (point %d of %d)", o.Args, e.Name, point, i+1, len(points))
			out, stderr, ws := interruptOnce(t, bin, o, at, i, e)
			switch {
			case ws.Signaled() && ws.Signal() == e.Sig:
			case ws.Exited() && ws.ExitStatus() == 0 && e.CloseStdout: // it had written everything
			case ws.Exited() && ws.ExitStatus() == 0 && exampletest.Normalize(out, "", rules...) == want: // at its very end
			default:
				t.Errorf("%s: it %s, want it killed by %v:\nstdout:\n%s\nstderr:\n%s", desc, child.DescribeStatus(ws), e.Sig, out, stderr)
			}
			if strings.Contains(stderr, "error") || strings.Contains(stderr, "panic") {
				t.Errorf("%s: an interrupt reported as an error:\n%s", desc, stderr)
			}
		}
	}
	return runs
}

// interruptOnce runs the example, waits for the i-th line for which at is
// true, ends it by e, and returns what it printed and how it ended.
func interruptOnce(t *testing.T, bin string, o exampletest.Opts, at func(string) bool, i int, e exampletest.Ending) (string, string, syscall.WaitStatus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard against a hang
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, o.Args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "LC_ALL=C", "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		t.Errorf("%q still running after the guard; killing its process group", o.Args)
		return unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = outW
	o.IPC.Do(func() { err = cmd.Start() })
	outW.Close()
	if err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	var out strings.Builder
	br := bufio.NewReader(outR)
	for seen := 0; seen <= i; {
		line, err := br.ReadString('\n')
		out.WriteString(line)
		if err != nil {
			break
		}
		if at(strings.TrimSuffix(line, "\n")) {
			seen++
		}
	}
	switch {
	case e.CloseStdout:
		outR.Close()
	case e.Group:
		unix.Kill(-pgid, e.Sig) //nolint:errcheck // it may have ended already
	default:
		unix.Kill(pgid, e.Sig) //nolint:errcheck // as above
	}
	if !e.CloseStdout {
		rest, _ := bufio.NewReader(br).ReadString(0)
		out.WriteString(rest)
		outR.Close()
	}
	cmd.Wait() //nolint:errcheck // the status is what we check
	// Reap what the group orphaned (exampletest.Main made this process
	// their subreaper), then nothing of the run may be left.
	for {
		var info unix.Siginfo
		if unix.Waitid(unix.P_PGID, pgid, &info, unix.WEXITED|unix.WNOHANG, nil) != nil || info.Signo == 0 {
			break
		}
	}
	if unix.Kill(-pgid, 0) == nil {
		t.Errorf("%q: processes of the run outlived it", o.Args)
		unix.Kill(-pgid, unix.SIGKILL) //nolint:errcheck
	}
	return out.String(), stderr.String(), cmd.ProcessState.Sys().(syscall.WaitStatus)
}
