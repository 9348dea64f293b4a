//go:build linux && (amd64 || arm64)

package ipcexamples

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A port file NN-name/<cprog>.go quotes its twin NN-name/c/<cprog>.c: each
// line of the C that calls the kernel or libc stands, verbatim, as a //
// comment above the Go that makes the same call. These tests keep the
// quotes true to the twin and count how many of the C's call lines are
// quoted (go test -run TestPortQuotes -v . prints the table).

// portFiles lists every C twin that has a Go port of the same name.
func portFiles(t *testing.T) [][2]string {
	t.Helper()
	cs, err := filepath.Glob("[0-9][0-9]-*/c/*.c")
	if err != nil {
		t.Fatal(err)
	}
	var ports [][2]string
	for _, c := range cs {
		g := filepath.Join(filepath.Dir(filepath.Dir(c)), strings.TrimSuffix(filepath.Base(c), ".c")+".go")
		if _, err := os.Stat(g); err == nil {
			ports = append(ports, [2]string{c, g})
		}
	}
	if len(ports) == 0 {
		t.Fatal("no port files found")
	}
	return ports
}

// collapse turns every run of white space into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	cCommentRe = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
	cCallRe    = regexp.MustCompile(`\b([A-Za-z_]\w*)\s*\(`)
	cDefRe     = regexp.MustCompile(`(?m)^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{?\s*$`)
	cMacroRe   = regexp.MustCompile(`(?m)^\s*#\s*define\s+([A-Za-z_]\w*)`)
	cKeywords  = map[string]bool{"if": true, "while": true, "for": true, "switch": true, "return": true,
		"sizeof": true, "do": true, "else": true, "case": true, "defined": true, "__attribute__": true}
)

// stripComments blanks C comments, keeping the line structure.
func stripComments(src string) string {
	return cCommentRe.ReplaceAllStringFunc(src, func(c string) string {
		return strings.Repeat("\n", strings.Count(c, "\n"))
	})
}

// localNames are the functions and macros the C programs of one c/
// folder define themselves: calling them is not calling the kernel or libc.
func localNames(t *testing.T, dir string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.[ch]"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := stripComments(string(b))
		for _, m := range cDefRe.FindAllStringSubmatch(src, -1) {
			names[m[1]] = true
		}
		for _, m := range cMacroRe.FindAllStringSubmatch(src, -1) {
			names[m[1]] = true
		}
	}
	return names
}

// callLines are the lines of a C file that call the kernel or libc: a call
// of a function (or libc macro) the folder does not define, outside
// comments, preprocessor lines and function headers.
func callLines(t *testing.T, cfile string) []string {
	t.Helper()
	b, err := os.ReadFile(cfile)
	if err != nil {
		t.Fatal(err)
	}
	local := localNames(t, filepath.Dir(cfile))
	var lines []string
	for _, l := range strings.Split(stripComments(string(b)), "\n") {
		trimmed := strings.TrimSpace(l)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || cDefRe.MatchString(l) {
			continue
		}
		for _, m := range cCallRe.FindAllStringSubmatch(l, -1) {
			if !cKeywords[m[1]] && !local[m[1]] {
				lines = append(lines, collapse(trimmed))
				break
			}
		}
	}
	return lines
}

// quoteRe finds the // comment lines that quote C: a line that ends as a C
// statement, block or comment does, or starts as a C control line does.
var quoteRe = regexp.MustCompile(`^\s*//\s?(.*)$`)

func looksLikeC(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	for _, end := range []string{";", "{", "}", "*/"} {
		if strings.HasSuffix(s, end) {
			return true
		}
	}
	for _, start := range []string{"if (", "while (", "for (", "switch (", "} else", "else "} {
		if strings.HasPrefix(s, start) {
			return true
		}
	}
	return false
}

// quote is one quoted C line of a port file, and the function it is in.
type quote struct {
	line int
	fn   string
	text string
}

var goFuncRe = regexp.MustCompile(`^func (?:\([^)]*\) )?(\w+)`)

// quotes lists the C quotes of a Go file, one per comment line: a C
// statement spread over several lines in the twin may be quoted joined on
// one comment line, and a loop may be quoted over two comment lines, each
// of them C.
func quotes(t *testing.T, gofile string) []quote {
	t.Helper()
	b, err := os.ReadFile(gofile)
	if err != nil {
		t.Fatal(err)
	}
	var qs []quote
	fn := ""
	for i, l := range strings.Split(string(b), "\n") {
		if m := goFuncRe.FindStringSubmatch(l); m != nil {
			fn = m[1]
		}
		m := quoteRe.FindStringSubmatch(l)
		if m == nil || fn == "" || !looksLikeC(m[1]) {
			continue
		}
		qs = append(qs, quote{line: i + 1, fn: fn, text: collapse(m[1])})
	}
	return qs
}

// TestPortQuotes: every C quote in a port file stands in its twin,
// verbatim but for white space, and, within one Go function, in the C's
// order; and every line of the twin that calls the kernel or libc is
// quoted. -v prints how many each port file quotes.
func TestPortQuotes(t *testing.T) {
	var report []string
	total, quoted := 0, 0
	for _, p := range portFiles(t) {
		cfile, gofile := p[0], p[1]
		b, err := os.ReadFile(cfile)
		if err != nil {
			t.Fatal(err)
		}
		twin := collapse(string(b))
		qs := quotes(t, gofile)
		lastPos := map[string]int{}
		for _, q := range qs {
			pos := strings.Index(twin, q.text)
			if pos < 0 {
				t.Errorf("%s:%d quotes C that is not in %s:\n\t%s", gofile, q.line, cfile, q.text)
				continue
			}
			// A line the C has more than once (perror("ftruncate"), a
			// loop in two functions) is the first one after the quote
			// before it, if there is one.
			if after := strings.Index(twin[lastPos[q.fn]:], q.text); after >= 0 {
				pos = lastPos[q.fn] + after
			}
			if pos < lastPos[q.fn] {
				t.Errorf("%s:%d in %s(): quoted out of the C's order (%s has it earlier than the quote before):\n\t%s",
					gofile, q.line, q.fn, cfile, q.text)
			}
			lastPos[q.fn] = pos
		}
		calls := callLines(t, cfile)
		n := 0
		var missing []string
		for _, c := range calls {
			found := false
			for _, q := range qs {
				if strings.Contains(q.text, c) {
					found = true
					break
				}
			}
			if found {
				n++
			} else {
				missing = append(missing, c)
			}
		}
		total += len(calls)
		quoted += n
		report = append(report, fmt.Sprintf("%-28s %3d of %3d call lines quoted", gofile, n, len(calls)))
		for _, m := range missing {
			report = append(report, "    not quoted: "+m)
			t.Errorf("%s does not quote this call line of %s (quote it above the Go that makes the call, "+
				"or quote it and say \"// not ported: why\"):\n\t%s", gofile, cfile, m)
		}
	}
	t.Logf("C call lines quoted in the port files: %d of %d\n%s", quoted, total, strings.Join(report, "\n"))
}

// TestPortQuoteParser checks the parts of TestPortQuotes on a small twin,
// so a change that makes it see nothing (and pass) fails here.
func TestPortQuoteParser(t *testing.T) {
	dir := t.TempDir()
	c := filepath.Join(dir, "c")
	if err := os.Mkdir(c, 0o755); err != nil {
		t.Fatal(err)
	}
	src := `/* demo.c: writes to a pipe.
 * pipe(fd) in a comment is not a call */
#include <unistd.h>
static void die(const char *what)
{
	perror(what);
	exit(1);
}
int main(void)
{
	int fd[2];
	if (pipe(fd) < 0)
		die("pipe");
	die("not libc");
	write(fd[1], "x", 1);
	return 0;
}
`
	if err := os.WriteFile(filepath.Join(c, "demo.c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := callLines(t, filepath.Join(c, "demo.c"))
	want := []string{"perror(what);", "exit(1);", "if (pipe(fd) < 0)", `write(fd[1], "x", 1);`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("callLines = %q, want %q", got, want)
	}
	gosrc := "package main\n\nfunc demo() {\n\t// if (pipe(fd) < 0)\n\t//\tdie(\"pipe\");\n\t// A prose comment (not C).\n\t// write(fd[1], \"x\", 1);\n}\n"
	g := filepath.Join(dir, "demo.go")
	if err := os.WriteFile(g, []byte(gosrc), 0o644); err != nil {
		t.Fatal(err)
	}
	qs := quotes(t, g)
	if len(qs) != 3 || qs[0].text != `if (pipe(fd) < 0)` || qs[1].text != `die("pipe");` || qs[2].text != `write(fd[1], "x", 1);` || qs[2].fn != "demo" {
		t.Errorf("quotes = %+v", qs)
	}
}

// TestLineWidths: one printed line is one source line, so nothing wraps a
// line at run time; a line must fit in 100 columns by itself, with its PIDs
// 7 digits wide (the most Linux gives: pid_max 4194304) and its addresses
// as wide as amd64 prints them. A path may overflow: a line with one is
// measured without it, and the rest must fit in 90 columns.
func TestLineWidths(t *testing.T) {
	goldens, err := filepath.Glob("*/testdata/*.golden")
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	pidRe := regexp.MustCompile(`PID\d+`)
	over := 0
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(b), "\n") {
			wide := pidRe.ReplaceAllString(l, "4194304")
			wide = strings.ReplaceAll(wide, "ADDR-ADDR", "7f0123456789-7f0123456789")
			wide = strings.ReplaceAll(wide, "0xADDR", "0x7f0123456789")
			if n := len([]rune(wide)); n > 100 && !pathOverflows(wide) {
				over++
				t.Errorf("%s:%d: %d columns with 7-digit PIDs, more than 100:\n\t%s", g, i+1, n, l)
			}
		}
	}
	if over > 0 {
		t.Logf("%d lines over 100 columns", over)
	}
}

// pathOverflows reports whether l is too wide only because of a path in
// it: without its longest word that holds a slash, it fits in 90 columns.
func pathOverflows(l string) bool {
	longest := ""
	for _, w := range strings.Fields(l) {
		if strings.Contains(w, "/") && len(w) > len(longest) {
			longest = w
		}
	}
	return longest != "" && len([]rune(l))-len([]rune(longest)) <= 90
}

// TestFolderShape: each example folder's main.go is a table of contents
// that fits on a screen (at most 150 lines), and no function of an example
// is longer than 80 lines: a long step is split by what it does.
func TestFolderShape(t *testing.T) {
	files, err := filepath.Glob("[0-9][0-9]-*/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example files: %v", err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "main.go" {
			if n := strings.Count(string(src), "\n"); n > 150 {
				t.Errorf("%s: %d lines, more than 150", f, n)
			}
		}
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			start, end := fset.Position(fn.Pos()).Line, fset.Position(fn.End()).Line
			if n := end - start + 1; n > 80 {
				t.Errorf("%s:%d: func %s is %d lines, more than 80", f, start, fn.Name.Name, n)
			}
		}
	}
}
