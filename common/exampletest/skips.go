//go:build linux && (amd64 || arm64)

package exampletest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Skipped tests are counted, so that a machine without gcc (or without
// the right to make an IPC namespace) does not look like a full pass.
// "go test ./..." prints only "ok" for a package whose tests pass, however
// many were skipped, and hides everything the test binary printed; so at
// the end of the package's tests, Main writes one line to the terminal
// (/dev/tty), which go test does not capture, and to standard output under
// -v:
//
//	exampletest: 03-fifo: 6 tests skipped: gcc not found: the C twins cannot be built (apt-get install gcc) (6)
var skips struct {
	sync.Mutex
	reasons map[string]int // reason -> tests
	tests   map[string]bool
}

// Skip skips the test, saying why, and counts it for the summary.
func Skip(t testing.TB, reason string) {
	t.Helper()
	noteSkip(t, reason)
	t.Skip(reason)
}

func noteSkip(t testing.TB, reason string) {
	skips.Lock()
	defer skips.Unlock()
	if skips.reasons == nil {
		skips.reasons, skips.tests = map[string]int{}, map[string]bool{}
	}
	if !skips.tests[t.Name()] {
		skips.tests[t.Name()] = true
		skips.reasons[reason]++
	}
}

// countSkip makes a test that uses the harness count in the summary if it
// is skipped for a reason of its own (t.Skip in the test).
func countSkip(t testing.TB) {
	t.Cleanup(func() {
		if t.Skipped() {
			noteSkip(t, "skipped by the test itself (go test -v tells why)")
		}
	})
}

// skipSummary is the line Main prints, or "".
func skipSummary() string {
	skips.Lock()
	defer skips.Unlock()
	if len(skips.tests) == 0 {
		return ""
	}
	var why []string
	for r, n := range skips.reasons {
		why = append(why, fmt.Sprintf("%s (%d)", r, n))
	}
	sort.Strings(why)
	wd, _ := os.Getwd()
	return fmt.Sprintf("exampletest: %s: %d tests skipped: %s\n", filepath.Base(wd), len(skips.tests), strings.Join(why, "; "))
}

func printSkipSummary() {
	s := skipSummary()
	if s == "" {
		return
	}
	if v := flag.Lookup("test.v"); v != nil && v.Value.String() != "false" {
		fmt.Print(s)
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		tty.WriteString(s) // a courtesy line
		tty.Close()
	}
}
