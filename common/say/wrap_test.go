//go:build linux && (amd64 || arm64)

package say

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A long line breaks only between words, every piece fits in Width
// columns with its tag, and joining the pieces gives the line back.
func TestWrap(t *testing.T) {
	text := strings.Repeat("the kernel keeps the queue until IPC_RMID, ", 8) + "/a/path/" + strings.Repeat("x", 120)
	for _, mark := range []string{"", "[kernel]", "[Go vs C]"} {
		s := &Speaker{role: "parent", pid: 4194303, tag: roleColor("parent")}
		var b strings.Builder
		s.format(&b, mark, nil, text)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) < 4 {
			t.Fatalf("%q: %d lines, want the text wrapped:\n%s", mark, len(lines), b.String())
		}
		var words []string
		for i, l := range lines {
			body := strings.TrimPrefix(l, "parent 4194303: ")
			if i == 0 {
				body = strings.TrimPrefix(body, mark)
			}
			w := strings.Fields(body)
			if n := utf8.RuneCountInString(l); n > Width && len(w) > 1 {
				t.Errorf("%q: line %d is %d columns: %q", mark, i+1, n, l)
			}
			words = append(words, w...)
		}
		if got := strings.Join(words, " "); got != strings.Join(strings.Fields(text), " ") {
			t.Errorf("%q: the words changed:\n%s", mark, got)
		}
		// Reflow breaks the joined line exactly as format did.
		joined := strings.TrimPrefix(lines[0], "parent 4194303: ")
		for _, l := range lines[1:] {
			joined += " " + strings.TrimLeft(strings.TrimPrefix(l, "parent 4194303:"), " ")
		}
		if got := Reflow("parent 4194303", joined); got != strings.Join(lines, "\n") {
			t.Errorf("%q: Reflow differs from what format printed:\n%s\nwant:\n%s", mark, got, strings.Join(lines, "\n"))
		}
	}
}
