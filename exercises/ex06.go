//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

func init() {
	register(&Exercise{Name: "06-shm-key", Title: "shared memory found by an ftok key, removed so that kill -9 leaks nothing", Check: check06})
}

const proj06 = 'S'

const (
	c06Key    = "the writer makes a segment whose key is ftok(PATH, 'S') before it says ready"
	c06Read   = "a reader started on its own (not the writer's child) finds it by the key and prints the message"
	c06Marked = "once both are attached, the segment is already marked for removal (IPC_RMID): nattch 2, key 0"
	c06End    = "when both end normally, nothing is left"
	c06KillR  = "kill -9 of the reader, then the writer ends: nothing is left"
	c06KillW  = "kill -9 of the writer, then the reader ends: nothing is left"
)

// pair starts a writer and a reader, both with their standard input held
// open by the checker, and returns them once the reader has printed.
type pair struct {
	w, r       *Proc
	wIn, rIn   *os.File
	key        sysv.Key
	shmid, msg string
}

func startPair(s *Scene, keyCrit, readCrit string) *pair {
	path := keyFile(s)
	key, err := sysv.Ftok(path, proj06)
	if err != nil {
		s.Abort("ftok: %v", err)
	}
	pr := &pair{key: key, msg: "a message for whoever finds it"}
	var wIn, rIn *os.File
	wIn, pr.wIn = s.Input()
	rIn, pr.rIn = s.Input()
	pr.w = s.Start("writer", Opts{Stdin: wIn}, "writer", path, pr.msg)
	pr.w.Line("ready")
	row, ok := findKey(s.c, "shm", key)
	if !ok {
		s.Abort("after your writer said ready there is no segment with key %s (ftok(%q, 'S')) in /proc/sysvipc/shm", key, path)
	}
	pr.shmid = row["shmid"]
	s.Report(keyCrit, nil)
	pr.r = s.Start("reader", Opts{Stdin: rIn}, "reader", path)
	line := pr.r.Line("")
	if line != pr.msg {
		s.Failf(readCrit, "your reader printed %s; the writer was given %q", quote(line), pr.msg)
	}
	s.Report(readCrit, nil)
	return pr
}

// row is the segment's row, found by its shmid (its key is 0 once it is
// marked for removal).
func (pr *pair) row(s *Scene) (peek.SysV, bool) {
	rows, _ := s.c.ns.Rows("shm")
	for _, r := range rows {
		if r["shmid"] == pr.shmid {
			return r, true
		}
	}
	return nil, false
}

// leftAfter says what is left in the namespace once every process ended.
func leftAfter(s *Scene, ps ...*Proc) error {
	var bad []string
	for _, p := range ps {
		_, left := p.Wait()
		bad = append(bad, left...)
	}
	s.StopIfHung()
	if l := s.c.leftovers(); len(l) > 0 {
		bad = append(bad, "still in the kernel: "+strings.Join(l, "; "))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

func check06(c *Checker) {
	c.Scenario([]string{c06Key, c06Read, c06Marked, c06End}, func(s *Scene) {
		pr := startPair(s, c06Key, c06Read)
		row, ok := pr.row(s)
		switch {
		case !ok:
			s.Failf(c06Marked, "the segment is gone while both are still running")
		case row["key"] != "0":
			s.Failf(c06Marked, "with both attached (nattch %s), the segment still has its key %s: it is not marked for removal, so if both were killed now it would stay in the kernel for ever; call shmctl(id, IPC_RMID, NULL) as soon as both are attached",
				row["nattch"], pr.key)
		case row["nattch"] != "2":
			s.Failf(c06Marked, "the segment is marked for removal, but %s processes are attached, not 2: was it removed before the reader attached?", row["nattch"])
		}
		s.Report(c06Marked, nil)
		pr.wIn.Close()
		pr.rIn.Close()
		pr.w.Ended()
		pr.r.Ended()
		var bad []string
		for _, p := range []*Proc{pr.w, pr.r} {
			// read the status before Wait reaps it
			res, _ := p.Wait()
			if res.Code() != 0 {
				bad = append(bad, fmt.Sprintf("the %s %s", p.what, Describe(res.Status)))
			}
		}
		if l := c.leftovers(); len(l) > 0 {
			bad = append(bad, "still in the kernel: "+strings.Join(l, "; "))
		}
		if len(bad) > 0 {
			s.Failf(c06End, "%s", strings.Join(bad, "; "))
		}
		s.Report(c06End, nil)
	})
	c.Scenario([]string{c06KillR}, func(s *Scene) {
		pr := startPair(s, "key", "read")
		pr.r.Signal(unix.SIGKILL)
		pr.wIn.Close()
		pr.rIn.Close()
		s.Report(c06KillR, leftAfter(s, pr.r, pr.w))
	})
	c.Scenario([]string{c06KillW}, func(s *Scene) {
		pr := startPair(s, "key", "read")
		pr.w.Signal(unix.SIGKILL)
		pr.wIn.Close()
		pr.rIn.Close()
		s.Report(c06KillW, leftAfter(s, pr.w, pr.r))
	})
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const c = "exercises/06-shm-key/solution/c/shm.c"
	selfTests = append(selfTests, exerciseTest{
		name: "06-shm-key",
		solutions: [][]string{
			{"-dir", "exercises/06-shm-key/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"the writer makes": "no segment with key",
			"a reader started": "no segment with key",
			"marked for":       "no segment with key",
			"end normally":     "no segment with key",
			"of the reader":    "no segment with key",
			"of the writer":    "no segment with key",
		},
		mutants: []mutant{{
			name:  "the reader forgets IPC_RMID",
			mark:  "reader-forgets-ipc-rmid",
			src:   c,
			fails: map[string]string{"marked for": "not marked for removal", "of the writer": "still in the kernel"},
		}, {
			name: "nobody calls IPC_RMID",
			mark: "nobody-calls-ipc-rmid",
			src:  c,
			fails: map[string]string{"marked for": "not marked for removal", "end normally": "still in the kernel",
				"of the reader": "still in the kernel", "of the writer": "still in the kernel"},
		}, {
			name:  "Go: the reader forgets IPC_RMID",
			mark:  "go-reader-forgets-ipc-rmid",
			src:   "exercises/06-shm-key/solution/main.go",
			fails: map[string]string{"marked for": "not marked for removal", "of the writer": "still in the kernel"},
		}},
	})
}
