//go:build linux && (amd64 || arm64)

package exampletest

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A program whose standard output is closed while it waits for input, and
// which then writes one line and waits for input again (07's client and
// server, ended by "| head"), dies of SIGPIPE at that line, even while
// this test binary starts other processes: each of those holds a copy of
// the pipe's read end from its fork to its exec, and a write in that
// window succeeds, and a plain close of the read end left the shell
// waiting for ever in 30 runs of 400 on a loaded 2-CPU machine, with two
// goroutines starting /bin/true all along.
func TestCloseStdoutNoReaderLeft(t *testing.T) {
	t.Parallel()
	const runs, atOnce = 200, 8
	stop := make(chan struct{})
	var noise sync.WaitGroup
	for i := 0; i < 2; i++ { // parallel tests starting their programs
		noise.Add(1)
		go func() {
			defer noise.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = exec.Command("/bin/true").Run() // only its fork and exec matter
			}
		}()
	}
	defer func() { close(stop); noise.Wait() }()

	slots := make(chan struct{}, atOnce)
	var wg sync.WaitGroup
	for i := 0; i < runs; i++ {
		wg.Add(1)
		slots <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-slots }()
			if msg := closedStdoutRun(t); msg != "" {
				t.Errorf("run %d: %s", i, msg)
			}
		}(i)
	}
	wg.Wait()
}

// closedStdoutRun starts a shell that reads a line, prints it and reads
// again, closes its standard output with CloseStdout, gives it the line,
// and says what is wrong if it is not killed by SIGPIPE.
func closedStdoutRun(t *testing.T) string {
	inR, inW, err := os.Pipe()
	if err != nil {
		return err.Error()
	}
	defer inW.Close() // held open: only SIGPIPE ends the shell
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		return err.Error()
	}
	cmd := exec.Command("/bin/sh", "-c", `read a; echo "$a"; read b`)
	cmd.Stdin, cmd.Stdout = inR, outW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		outR.Close()
		return err.Error()
	}
	pid := cmd.Process.Pid
	CloseStdout(t, outR, pid)
	if _, err := inW.WriteString("a line into a closed pipe\n"); err != nil {
		return "writing its input: " + err.Error()
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(Guard):
		what := groupMembers(pid)
		_ = unix.Kill(-pid, unix.SIGKILL)
		<-done
		return fmt.Sprintf("the shell still runs after the %v guard; it was:\n%s", Guard, what)
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != unix.SIGPIPE {
		return fmt.Sprintf("the shell %v, want killed by SIGPIPE", cmd.ProcessState)
	}
	return ""
}
