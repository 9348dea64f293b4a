//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

func init() {
	register(&Exercise{Name: "03-fifo-server", Title: "a FIFO server, several writers, records that never interleave", Check: check03})
}

const (
	writers03 = 8
	records03 = 50
	size03    = 4096 // PIPE_BUF on Linux
)

const (
	c03Made   = "the server makes the FIFO (mkfifo) before it says ready"
	c03Open   = "with no writer yet, the server waits in open(2): a FIFO's open for reading blocks until a writer opens it"
	c03Gone   = "after its one writer closes, the server copies its record, removes the FIFO and exits with status 0"
	c03Whole  = "8 writers at once, 50 records of 4096 bytes (PIPE_BUF) each: every record arrives whole, none cut by another"
	c03Copied = "every record arrives exactly once, each writer's in order, and the server ends at end of file with status 0"
)

// record03 is record i of writer id: exactly 4096 bytes, a header, a
// filler letter of its own, a newline.
func record03(id, i int) string {
	h := fmt.Sprintf("writer %d record %d ", id, i)
	return h + strings.Repeat(string(rune('a'+id)), size03-len(h)-1) + "\n"
}

func check03(c *Checker) {
	c.Scenario([]string{c03Made, c03Open, c03Gone}, func(s *Scene) {
		path := filepath.Join(s.Dir(), "fifo")
		srv := s.Start("server", Opts{}, "server", path)
		srv.Line("ready")
		if err := isFIFO(path); err != nil {
			s.Abort("after your server said ready, %v", err)
		}
		s.Report(c03Made, nil)
		s.Report(c03Open, waitSyscall(srv, unix.SYS_OPENAT, "open", s.c.guard/3))
		w := s.Start("writer", Opts{}, "writer", path, "1", "1")
		wres, _ := w.Wait()
		srv.Ended()
		res, left := srv.Wait()
		s.StopIfHung()
		_, statErr := os.Lstat(path)
		switch {
		case wres.Code() != 0:
			s.Failf(c03Gone, "your writer %s%s", Describe(wres.Status), stderrNote(wres.Stderr))
		case strings.TrimPrefix(res.Out, "ready\n") != record03(1, 0):
			s.Failf(c03Gone, "after ready, the server printed %q; the writer wrote %q", clip(strings.TrimPrefix(res.Out, "ready\n"), 60), clip(record03(1, 0), 60))
		case res.Code() != 0:
			s.Failf(c03Gone, "the server %s%s", Describe(res.Status), stderrNote(res.Stderr))
		case statErr == nil:
			s.Failf(c03Gone, "the server ended, and %s is still there: unlink it", path)
		case len(left) > 0:
			s.Failf(c03Gone, "%s", strings.Join(left, "; "))
		}
		s.Report(c03Gone, nil)
	})
	c.Scenario([]string{c03Whole, c03Copied}, func(s *Scene) {
		path := filepath.Join(s.Dir(), "fifo")
		srv := s.Start("server", Opts{}, "server", path)
		srv.Line("ready")
		if err := isFIFO(path); err != nil {
			s.Abort("after your server said ready, %v", err)
		}
		if err := waitSyscall(srv, unix.SYS_OPENAT, "open", s.c.guard/3); err != nil {
			s.Abort("%v", err)
		}
		// Stopped, the server is no reader (its open starts again at
		// SIGCONT): the writers wait in open, each counted as a writer,
		// so the server cannot see end of file before the last one ends.
		srv.Signal(unix.SIGSTOP)
		waitState(s, []int{srv.Pid()}, "T", "")
		var ws []*Proc
		for id := 1; id <= writers03; id++ {
			ws = append(ws, s.Start(fmt.Sprintf("writer %d", id), Opts{}, "writer", path, strconv.Itoa(id), strconv.Itoa(records03)))
		}
		for _, w := range ws {
			if err := waitSyscall(w, unix.SYS_OPENAT, "open", s.c.guard/3); err != nil {
				srv.Signal(unix.SIGCONT)
				s.Abort("with the server stopped, a writer must wait in open: %v", err)
			}
		}
		srv.Signal(unix.SIGCONT)
		var bad []string
		for _, w := range ws {
			res, left := w.Wait()
			if res.Code() != 0 {
				bad = append(bad, fmt.Sprintf("the %s %s%s", w.what, Describe(res.Status), stderrNote(res.Stderr)))
			}
			bad = append(bad, left...)
		}
		srv.Ended()
		res, left := srv.Wait()
		s.StopIfHung()
		if res.Code() != 0 {
			bad = append(bad, fmt.Sprintf("the server %s%s", Describe(res.Status), stderrNote(res.Stderr)))
		}
		bad = append(bad, left...)
		whole, copied := records(strings.TrimPrefix(res.Out, "ready\n"))
		s.Report(c03Whole, whole)
		if copied == nil && len(bad) > 0 {
			copied = fmt.Errorf("%s", strings.Join(bad, "; "))
		}
		s.Report(c03Copied, copied)
	})
}

func isFIFO(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return fmt.Errorf("there is no %s: %v", path, err)
	case fi.Mode()&os.ModeNamedPipe == 0:
		return fmt.Errorf("%s is not a FIFO (mode %v)", path, fi.Mode())
	}
	return nil
}

// records cuts the server's copy into 4096-byte records and checks each
// is one writer's whole record (whole), and that all arrived once, in
// each writer's order (copied).
func records(out string) (whole, copied error) {
	next := map[int]int{}
	n := 0
	for off := 0; off < len(out); off += size03 {
		end := off + size03
		if end > len(out) {
			return fmt.Errorf("the copy ends with a piece of %d bytes, not a whole record", len(out)-off), fmt.Errorf("not checked (see above)")
		}
		r := out[off:end]
		var id, i int
		if _, err := fmt.Sscanf(r, "writer %d record %d ", &id, &i); err != nil || id < 1 || id > writers03 || r != record03(id, i) {
			return fmt.Errorf("bytes %d to %d of the copy are not one record (they start %q, end %q): two writes were mixed; "+
					"each record must go to the FIFO in one write() of at most PIPE_BUF (4096) bytes", off, end, clip(r[:40], 40), clip(r[len(r)-40:], 40)),
				fmt.Errorf("not checked (see above)")
		}
		if i != next[id] {
			return nil, fmt.Errorf("writer %d's record %d came where its record %d was due", id, i, next[id])
		}
		next[id]++
		n++
	}
	for id := 1; id <= writers03; id++ {
		if next[id] != records03 {
			return nil, fmt.Errorf("%d of writer %d's %d records arrived (%d records in all)", next[id], id, records03, n)
		}
	}
	return nil, nil
}

// waitSyscall waits until a thread of p is in system call nr, watching
// /proc (a guard, not a timer), and says where it is if not.
func waitSyscall(p *Proc, nr uintptr, name string, guard time.Duration) error {
	deadline := time.Now().Add(guard)
	var pace pacer // watching the kernel's view, not timing
	for !peek.BlockedIn(p.Pid(), nr, -1) {
		if time.Now().After(deadline) {
			if pr, ok := readProc(p.Pid()); !ok || pr.state == "Z" {
				return fmt.Errorf("the %s ended instead of waiting in %s (output %q)", p.what, name, clip(p.Output(), 80))
			}
			return fmt.Errorf("the %s is not waiting in %s: it %s", p.what, name, blockedIn(p.Pid(), nil))
		}
		pace.wait()
	}
	return nil
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const c = "exercises/03-fifo-server/solution/c/fifo.c"
	selfTests = append(selfTests, exerciseTest{
		name: "03-fifo-server",
		solutions: [][]string{
			{"-dir", "exercises/03-fifo-server/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"makes the FIFO": "there is no",
			"waits in open":  "there is no",
			"its one writer": "there is no",
			"arrives whole":  "there is no",
			"exactly once":   "there is no",
		},
		mutants: []mutant{{
			name:  "a record in two writes",
			mark:  "record-in-two-writes",
			src:   c,
			fails: map[string]string{"arrives whole": "two writes were mixed", "exactly once": "not checked"},
			// Two writes mix only when another writer runs between them:
			// on a loaded machine (two go test at once) three runs in a
			// row went by without it.
			retries: 6,
		}, {
			name:  "the server forgets to unlink the FIFO",
			mark:  "server-forgets-unlink-fifo",
			src:   c,
			fails: map[string]string{"its one writer": "is still there"},
		}, {
			name: "the server opens with O_NONBLOCK",
			mark: "server-opens-with-o-nonblock",
			src:  c,
			// It may even unlink the FIFO before the checker looks.
			fails: map[string]string{"makes the FIFO": "?", "waits in open": "", "its one writer": "?",
				"arrives whole": "?", "exactly once": "?"},
		}},
	})
}
