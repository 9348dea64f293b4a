//go:build linux && (amd64 || arm64)

package exampletest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var digits = regexp.MustCompile(`\d+`)

// InterruptsEach is Interrupts with each interrupt point in a parallel
// subtest of its own, for examples whose runs mostly wait (a timer, a
// compiler): the same points, the same endings, the same checks, run side
// by side. A point is a line for which at is true, told from the others
// by its text with every number set aside (PIDs and times change from run
// to run); a line that comes back several times is one point, and
// Interrupts ends the run after each of its occurrences in turn. The one
// full run is shared by every point.
func InterruptsEach(t *testing.T, o Opts, at func(line string) bool) {
	t.Helper()
	o.Split = true
	full := Run(t, Binary(t), o)
	if full.Code() != 0 {
		t.Fatalf("%q: exit status %d, want 0:\n%s", o.Args, full.Code(), full.Out)
	}
	var keys []string
	seen := map[string]bool{}
	for _, l := range strings.Split(full.Out, "\n") {
		if k := digits.ReplaceAllString(l, "N"); at(l) && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		t.Fatalf("%q: no interrupt point in its output:\n%s", o.Args, full.Out)
	}
	for i, k := range keys {
		k := k
		t.Run(fmt.Sprintf("point%02d", i+1), func(t *testing.T) {
			t.Parallel()
			n := interruptsAfter(t, o, func(l string) bool { return at(l) && digits.ReplaceAllString(l, "N") == k }, full)
			t.Logf("after %q: %d interrupted runs", k, n)
		})
	}
}
