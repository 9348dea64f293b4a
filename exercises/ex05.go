//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

func init() {
	register(&Exercise{Name: "05-storm", Title: "survive a signal storm while blocked in read and in msgrcv", Check: check05})
}

const (
	proj05  = 'T'
	storm05 = 200 // signals per burst
	msgs05  = 5
	len05   = 1000
)

const (
	c05Read  = "a storm of SIGUSR1 while it waits in read on its standard input: the read goes on and gets the line"
	c05Msg   = "a storm of SIGUSR1 each time it waits in msgrcv: it goes on waiting and gets all 5 messages (5000 bytes)"
	c05Count = "its handler counted the signals: at least 1, at most the 1400 sent (signals of one kind do not queue)"
	c05End   = "on the message of type 2 it removes its queue and exits with status 0"
)

// burst sends n SIGUSR1 to the thread of p that is blocked in system
// call nr (tgkill: a signal sent to the process may be taken by any of a
// Go program's threads, and would then interrupt nothing), then waits
// until the last one has been delivered (no SIGUSR1 pending): only then is
// it sure that the call was interrupted, and the checker may give it what
// it waits for.
func burst(s *Scene, p *Proc, nr uintptr, n int) {
	defer s.awaiting()() // a run that stops moving ends at once (stall.go)
	tid := peek.BlockedThread(p.Pid(), nr, -1)
	if tid == 0 {
		tid = p.Pid()
	}
	for i := 0; i < n; i++ {
		if unix.Tgkill(p.Pid(), tid, unix.SIGUSR1) != nil {
			return // it died: reported below
		}
	}
	var pace pacer // watching the kernel's view, not timing
	for pending(p.Pid(), tid) {
		s.StopIfHung()
		pace.wait()
	}
}

// pending reports whether SIGUSR1 is pending for the thread or the
// process (/proc/PID/task/TID/status SigPnd, ShdPnd).
func pending(pid, tid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", pid, tid))
	if err != nil {
		return false
	}
	if p, ok := readProc(pid); !ok || p.state == "Z" {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		for _, f := range []string{"SigPnd:", "ShdPnd:"} {
			if v, ok := strings.CutPrefix(l, f); ok {
				mask, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				if mask&(1<<(unix.SIGUSR1-1)) != 0 {
					return true
				}
			}
		}
	}
	return false
}

func check05(c *Checker) {
	c.Scenario([]string{c05Read, c05Msg, c05Count, c05End}, func(s *Scene) {
		path := keyFile(s)
		key, _ := sysv.Ftok(path, proj05)
		in, feed := s.Input()
		p := s.Start("program", Opts{Stdin: in}, path)
		p.Line("ready")
		q, ok := findKey(c, "msg", key)
		if !ok {
			s.Abort("after your program said ready there is no queue with key %s (ftok(%q, 'T')) in /proc/sysvipc/msg", key, path)
		}
		var id int
		fmt.Sscan(q["msqid"], &id) // the kernel's own number
		ended := func(what string) {
			p.Ended()
			res, _ := p.Wait()
			s.Abort("%s, your program %s%s", what, Describe(res.Status), stderrNote(res.Stderr))
		}
		if err := waitSyscall(p, unix.SYS_READ, "read", s.c.guard/3); err != nil {
			s.Abort("%v", err)
		}
		burst(s, p, unix.SYS_READ, storm05)
		feed.WriteString("start\n") // a dead program is reported below
		if err := waitSyscall(p, unix.SYS_MSGRCV, "msgrcv", s.c.guard/3); err != nil {
			s.Report(c05Read, err)
			ended("after the storm during its read")
		}
		s.Report(c05Read, nil)
		text := []byte(strings.Repeat("m", len05))
		for i := 0; i < msgs05; i++ {
			burst(s, p, unix.SYS_MSGRCV, storm05)
			c.ns.Do(func() { sysv.Msgsnd(id, 1, text, 0) }) // a removed queue shows below
			if err := waitSyscall(p, unix.SYS_MSGRCV, "msgrcv", s.c.guard/3); err != nil {
				s.Report(c05Msg, fmt.Errorf("after storm %d: %v", i+1, err))
				ended(fmt.Sprintf("after storm %d during its msgrcv", i+1))
			}
		}
		burst(s, p, unix.SYS_MSGRCV, storm05)
		c.ns.Do(func() { sysv.Msgsnd(id, 2, []byte("end"), 0) })
		feed.Close()
		p.Ended()
		res, left := p.Wait()
		s.StopIfHung()
		var bytes, signals int
		_, err := fmt.Sscanf(strings.TrimSpace(res.Out), "ready\nbytes %d signals %d", &bytes, &signals)
		switch {
		case err != nil:
			s.Failf(c05Msg, "its output is %q, want ready, then \"bytes N signals M\"", clip(res.Out, 100))
		case bytes != msgs05*len05:
			s.Failf(c05Msg, "it reports %d bytes; the checker sent %d messages of %d bytes", bytes, msgs05, len05)
		}
		s.Report(c05Msg, nil)
		sent := storm05 * (msgs05 + 2)
		if err == nil && (signals < 1 || signals > sent) {
			s.Failf(c05Count, "it reports %d signals; the checker sent %d, so at least one was handled", signals, sent)
		}
		s.Report(c05Count, err)
		_, still := findKey(c, "msg", key)
		switch {
		case res.Code() != 0:
			s.Failf(c05End, "your program %s%s", Describe(res.Status), stderrNote(res.Stderr))
		case still:
			s.Failf(c05End, "its queue (key %s) is still in the kernel: msgctl(IPC_RMID) before it ends", key)
		case len(left) > 0:
			s.Failf(c05End, "%s", strings.Join(left, "; "))
		}
		s.Report(c05End, nil)
	})
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const c = "exercises/05-storm/solution/c/storm.c"
	selfTests = append(selfTests, exerciseTest{
		name: "05-storm",
		solutions: [][]string{
			{"-dir", "exercises/05-storm/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"in read":   "no queue with key",
			"in msgrcv": "no queue with key",
			"handler":   "no queue with key",
			"type 2":    "no queue with key",
		},
		mutants: []mutant{{
			name:  "msgrcv is not retried on EINTR",
			mark:  "msgrcv-not-retried-on-eintr",
			src:   c,
			fails: map[string]string{"in msgrcv": "exited with status 1", "handler": "exited with status 1", "type 2": "exited with status 1"},
		}, {
			name: "no SA_RESTART",
			mark: "no-sa-restart",
			src:  c,
			fails: map[string]string{"in read": "ended instead of waiting in msgrcv", "in msgrcv": "Interrupted system call",
				"handler": "after the storm", "type 2": "after the storm"},
		}, {
			name: "no handler: SIGUSR1 kills",
			mark: "no-handler-sigusr1-kills",
			src:  c,
			fails: map[string]string{"in read": "ended instead of waiting", "in msgrcv": "killed by signal 10",
				"handler": "killed by signal 10", "type 2": "killed by signal 10"},
		}, {
			name:  "the queue is not removed",
			mark:  "queue-not-removed",
			src:   c,
			fails: map[string]string{"type 2": "still in the kernel"},
		}, {
			name:  "Go: a raw msgrcv that gives up on EINTR",
			mark:  "go-raw-msgrcv-that-gives",
			src:   "exercises/05-storm/solution/main.go",
			fails: map[string]string{"in msgrcv": "exited with status 1", "handler": "exited with status 1", "type 2": "exited with status 1"},
		}},
	})
}
