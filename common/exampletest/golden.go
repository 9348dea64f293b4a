//go:build linux && (amd64 || arm64)

package exampletest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
)

// Rule rewrites one kind of run-dependent value. Every match of Re has its
// first group replaced by Class and a number given in order of first
// appearance, so equal values stay equal after normalising ("child PID2"
// in one line and "pid PID2" in another are the same process). With
// Fixed set, the group is replaced by Fixed instead.
type Rule struct {
	Re    *regexp.Regexp
	Class string
	Fixed string
}

var (
	tagRe    = regexp.MustCompile(`(?m)^([A-Za-z][\w-]*(?: \d+)?) (\d+): `)
	tagPIDRe = regexp.MustCompile(`(?m)^(?:[A-Za-z][\w-]*(?: \d+)?) (\d+): `)
	// Numbers that are PIDs by the word in front of them.
	pidWordRe = regexp.MustCompile(`(?i)\b(?:pid|ppid|cpid|lpid|lspid|lrpid|sempid)\b[ =:]*(\d+)`)
	inodeRe   = regexp.MustCompile(`(?:pipe|socket):\[(\d+)\]`)
)

// TIDRule normalises thread ids printed as "tid 1234": which OS thread a
// goroutine runs on changes from run to run.
var TIDRule = Rule{Re: regexp.MustCompile(`\btid (\d+)`), Fixed: "TID"}

// Normalize makes output comparable across runs: PIDs (line tags, numbers
// after "pid", "ppid", "cpid", "lpid", "lspid", "lrpid", "sempid", and after a role word seen in a tag) become
// PID1, PID2, ...; pipe and socket inodes become INODE1, ...; the run's
// TMPDIR becomes $TMPDIR. Extra rules (System V keys and ids, say) run
// after these.
func Normalize(out, tmpDir string, extra ...Rule) string {
	if tmpDir != "" {
		out = strings.ReplaceAll(out, tmpDir, "$TMPDIR")
	}
	n := &numberer{seen: map[string]map[string]int{}}
	// Roles seen in tags: "child 4243" elsewhere in a line is a PID too.
	roles := map[string]bool{}
	for _, m := range tagRe.FindAllStringSubmatch(out, -1) {
		roles[regexp.QuoteMeta(m[1])] = true
	}
	rules := []Rule{{Re: tagPIDRe, Class: "PID"}}
	for r := range roles {
		rules = append(rules, Rule{Re: regexp.MustCompile(`\b` + r + ` (\d+)\b`), Class: "PID"})
	}
	rules = append(rules, Rule{Re: pidWordRe, Class: "PID"}, Rule{Re: inodeRe, Class: "INODE"})
	rules = append(rules, extra...)
	// Number each class's values in order of first appearance in the
	// text, whichever rule finds them, then replace.
	type hit struct {
		pos   int
		class string
		val   string
	}
	var hits []hit
	for _, r := range rules {
		for _, m := range r.Re.FindAllStringSubmatchIndex(out, -1) {
			if len(m) >= 4 && m[2] >= 0 && r.Fixed == "" {
				hits = append(hits, hit{m[2], r.Class, out[m[2]:m[3]]})
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].pos < hits[j].pos })
	for _, h := range hits {
		n.name(Rule{Class: h.class}, h.val)
	}
	for _, r := range rules {
		out = n.apply(out, r)
	}
	return out
}

type numberer struct{ seen map[string]map[string]int }

func (n *numberer) apply(s string, r Rule) string {
	var b strings.Builder
	last := 0
	for _, m := range r.Re.FindAllStringSubmatchIndex(s, -1) {
		if len(m) < 4 || m[2] < 0 {
			continue
		}
		b.WriteString(s[last:m[2]])
		b.WriteString(n.name(r, s[m[2]:m[3]]))
		last = m[3]
	}
	b.WriteString(s[last:])
	return b.String()
}

func (n *numberer) name(r Rule, v string) string {
	if r.Fixed != "" {
		return r.Fixed
	}
	if strings.HasPrefix(v, r.Class) { // already normalised by an earlier rule
		return v
	}
	m := n.seen[r.Class]
	if m == nil {
		m = map[string]int{}
		n.seen[r.Class] = m
	}
	if _, ok := m[v]; !ok {
		m[v] = len(m) + 1
	}
	return r.Class + strconv.Itoa(m[v])
}

// Golden compares the normalised output of a run with testdata/<name>.golden,
// exactly, or rewrites that file under -update.
func Golden(t testing.TB, name string, res *Result, extra ...Rule) {
	t.Helper()
	got := Normalize(res.Out, res.TmpDir, extra...)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, diff(string(want), got))
	}
}

// diff shows the first differing lines, which is all a reader needs to
// find the change.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want: %q\n  got:  %q\n", i+1, wl, gl)
			if shown++; shown == 8 {
				b.WriteString("  ...\n")
				break
			}
		}
	}
	return b.String()
}

// pidsIn collects the PIDs an output mentions (line tags and pid words),
// raw, before normalising.
func pidsIn(out string) map[string]bool {
	pids := map[string]bool{}
	for _, m := range tagRe.FindAllStringSubmatch(out, -1) {
		pids[m[2]] = true
	}
	for _, m := range pidWordRe.FindAllStringSubmatch(out, -1) {
		if m[1] != "0" { // "lpid=0": no process yet, not a PID
			pids[m[1]] = true
		}
	}
	return pids
}

var sysvKinds = map[string]string{"msg": "msqid", "sem": "semid", "shm": "shmid"}

// sysvIDs snapshots the System V objects that exist now, by kind and id.
func sysvIDs() map[string]map[string]bool {
	ids := map[string]map[string]bool{}
	for kind, col := range sysvKinds {
		ids[kind] = map[string]bool{}
		rows, _ := peek.SysVRows(kind)
		for _, r := range rows {
			ids[kind][r[col]] = true
		}
	}
	return ids
}

// newSysV lists the objects that did not exist before the run, still exist,
// and carry one of the run's PIDs (creator or last user). Objects of other
// tests running at the same time carry other PIDs and are not blamed on
// this run. A semaphore set records no PID in /proc/sysvipc/sem, so a
// leaked set is caught by the tests of the example that makes it.
func newSysV(before map[string]map[string]bool, pids map[string]bool) []string {
	var left []string
	for kind, col := range sysvKinds {
		rows, _ := peek.SysVRows(kind)
		for _, r := range rows {
			if before[kind][r[col]] {
				continue
			}
			if pids[r["cpid"]] || pids[r["lpid"]] || pids[r["lspid"]] || pids[r["lrpid"]] {
				left = append(left, fmt.Sprintf("/proc/sysvipc/%s: %s", kind, r.Format("key", col, "perms")))
			}
		}
	}
	return left
}

// pidOf is si_pid of a siginfo filled by waitid: an int32 right after
// si_signo, si_errno, si_code and padding, at offset 16 on 64-bit Linux.
func pidOf(info *unix.Siginfo) int {
	return int(*(*int32)(unsafe.Pointer(uintptr(unsafe.Pointer(info)) + 16)))
}
