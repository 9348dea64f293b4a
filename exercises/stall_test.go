//go:build linux && (amd64 || arm64)

package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStall: with a guard far off, a deadlocked solution (the squarer
// keeps the write end of the numbers pipe: both sides wait in read for
// ever) is stopped because nothing moved, and each of its failing
// criteria says so; a correct solution that first sleeps (a call with a
// time limit) and whose shell meanwhile waits in wait4 (one without) is
// not taken for a deadlock: it passes.
func TestStall(t *testing.T) {
	t.Parallel()
	if !haveGCC() {
		t.Skip("gcc not found: the C solutions cannot be built")
	}
	t.Run("deadlock", func(t *testing.T) {
		t.Parallel()
		m := mutant{name: "deadlock", src: "exercises/01-duplex/solution/c/duplex.c", mark: "squarer-keeps-write-end-numbers"}
		v := check(t, "01-duplex", append(mutantFlags(t, m), "-guard", "60s")...)
		failed := 0
		for crit, ok := range v.pass {
			if ok {
				continue
			}
			failed++
			if why := v.why[crit]; !strings.Contains(why, "nothing moved for") || strings.Contains(why, "still not finished") {
				t.Errorf("%q failed without saying nothing moved:\n%s", crit, v.out)
			}
		}
		if failed == 0 {
			t.Errorf("the deadlocked solution passed:\n%s", v.out)
		}
	})
	t.Run("sleeper", func(t *testing.T) {
		t.Parallel()
		sol := filepath.Join(t.TempDir(), "duplex")
		if out, err := exec.Command("gcc", "-O2", "-o", sol, filepath.Join("01-duplex", "solution", "c", "duplex.c")).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		v := check(t, "01-duplex", "-bin", hostile(t, "sleep 1.5\nexec "+sol+" \"$@\"\n"), "-guard", "60s")
		if v.code != 0 {
			t.Errorf("a solution that sleeps 1.5 s first: exit status %d, want 0:\n%s", v.code, v.out)
		}
	})
}
