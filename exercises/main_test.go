//go:build linux && (amd64 || arm64)

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/exampletest"
)

// The checker is tested as a student meets it: built, and run as a
// process from the repository root on the reference solutions (every
// criterion must pass, exit status 0), on the starters (the criteria
// listed must fail, exit status 1: a criterion that passes on a starter
// checks nothing), and on mutants of the solutions, each one typical
// mistake, which must fail exactly where the mistake shows, saying so.

// TestMain lets up to sixteen tests run side by side: a checker run mostly
// waits for the solution under check, and for go build and gcc.
func TestMain(m *testing.M) {
	child.Dispatch(helpers)
	if buildCache != "" {
		trimBuildCache(buildCache)
	}
	exampletest.MainParallel(m, 16)
}

// verdict is what one checker run said.
type verdict struct {
	code   int
	pass   map[string]bool // criterion -> passed
	why    map[string]string
	out    string
	maxRSS int64 // the checker's peak resident memory, bytes
}

// check runs the checker on one exercise with the given flags, from the
// repository root, and checks it left nothing behind.
func check(t *testing.T, name string, flags ...string) verdict {
	t.Helper()
	bin := exampletest.Binary(t)
	root, _ := filepath.Abs("..")
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	// A guard, not a timer: a checker that never gives a verdict (a
	// solution it cannot contain) fails the test with what it printed.
	ctx, cancel := context.WithTimeout(context.Background(), checkGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"check", name}, flags...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if buildCache != "" && !tempFolder(flags) {
		cmd.Env = append(cmd.Env, buildCacheEnv+"="+filepath.Join(buildCache, "builds"))
	}
	cmd.WaitDelay = checkWaitDelay
	var outb strings.Builder
	cmd.Stdout = &outb
	err := cmd.Run()
	out := outb.String()
	code := 0
	if ctx.Err() != nil {
		t.Fatalf("checker of %s %q gave no verdict within %v; it printed:\n%s", name, flags, checkGuard, clip(out, 4000))
	}
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	v := verdict{code: code, pass: map[string]bool{}, why: map[string]string{}, out: out}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		v.maxRSS = ru.Maxrss << 10
	}
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "PASS  "):
			v.pass[l[6:]] = true
		case strings.HasPrefix(l, "FAIL  "):
			v.pass[l[6:]] = false
			if i+1 < len(lines) {
				v.why[l[6:]] = strings.Join(lines[i+1:], "\n")
			}
		}
	}
	// Nothing left: no process that had the run's TMPDIR, no file in it.
	if left := procsWithTmp(tmp); len(left) > 0 {
		t.Errorf("checker of %s %q left processes: %s", name, flags, strings.Join(left, "; "))
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("checker of %s %q left %d files in its TMPDIR (%s ...)", name, flags, len(ents), ents[0].Name())
	}
	return v
}

// sharedRun is one checker run whose verdict two tests read.
type sharedRun struct {
	once sync.Once
	v    verdict
	ok   bool // the run gave a verdict (check did not stop the test that ran it)
}

var sharedRuns sync.Map // name and flags -> *sharedRun

// checkShared is check for a command line that more than one test runs
// (the starters: TestExercises judges each criterion's reason,
// TestClassroom the score GitHub Classroom reads): it runs once, and each
// test asserts what it checks on the same verdict.
func checkShared(t *testing.T, name string, flags ...string) verdict {
	t.Helper()
	r, _ := sharedRuns.LoadOrStore(name+"\x00"+strings.Join(flags, "\x00"), &sharedRun{})
	sr := r.(*sharedRun)
	sr.once.Do(func() {
		sr.v = check(t, name, flags...)
		sr.ok = true
	})
	if !sr.ok {
		t.Fatalf("check %s %q gave no verdict in the test that ran it (see there)", name, flags)
	}
	return sr.v
}

// buildCache keeps, from one run of these tests to the next, the programs
// the checker builds (buildcache.go: go build relinks a Go one only when
// something changed) and the mutants' sources: some eighty builds, the
// same every run, that were most of this package's CPU. It is under the
// user's cache directory, as go's own build cache is, one per clone;
// TestMain removes the entries no run used for a week. Empty (nothing
// kept) without a cache directory.
var buildCache = func() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	root, _ := filepath.Abs("..")
	return filepath.Join(dir, "ipc-examples", "exercises-"+buildKey([]byte(root))[:12])
}()

// tempFolder reports whether the checker is given a -dir in a temporary
// directory (TestCopyOut's copies): a new path each run, not kept.
func tempFolder(flags []string) bool {
	for i, f := range flags {
		if f == "-dir" && i+1 < len(flags) && strings.HasPrefix(flags[i+1], os.TempDir()) {
			return true
		}
	}
	return false
}

// trimBuildCache removes the checker's builds that no run used for a
// week, and the whole folder of a clone no run used for a week (CI clones
// the repository afresh each time, each clone with a folder of its own).
// A build is used when the checker copies it out (it touches the entry);
// a clone's folder, when its tests start (TestMain touches it) or one of
// its builds is used. An entry another checker holds locked stays.
func trimBuildCache(cache string) {
	week := 7 * 24 * time.Hour
	mtime := func(path string) time.Time {
		info, err := os.Lstat(path)
		if err != nil {
			return time.Now()
		}
		return info.ModTime()
	}
	dir := filepath.Join(cache, "builds")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if entry := filepath.Join(dir, e.Name()); time.Since(mtime(entry)) > week {
			removeUnlocked(entry)
		}
	}
	now := time.Now()
	os.Chtimes(cache, now, now) // this clone's folder is used
	clones, _ := filepath.Glob(filepath.Join(filepath.Dir(cache), "exercises-*"))
	for _, c := range clones {
		var st syscall.Stat_t
		if c == cache || syscall.Lstat(c, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR || int(st.Uid) != os.Geteuid() {
			continue
		}
		last := mtime(c)
		builds, _ := filepath.Glob(filepath.Join(c, "builds", "*"))
		for _, b := range builds {
			if m := mtime(b); m.After(last) {
				last = m
			}
		}
		if time.Since(last) > week {
			os.RemoveAll(c)
		}
	}
}

// removeUnlocked removes a build entry unless a checker holds its lock.
func removeUnlocked(entry string) {
	f, err := os.OpenFile(filepath.Join(entry, "lock"), os.O_RDWR|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
	if err == nil {
		defer f.Close()
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			return // in use now
		}
	}
	os.RemoveAll(entry)
}

// writeIfChanged writes data to path unless it already holds it, through
// a new file renamed over it: another run of these tests (or a checker
// building the folder) never sees it half written.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	tmp := fmt.Sprintf("%s.%d.new", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// procsWithTmp lists the live processes whose environment has TMPDIR
// under dir: the checker's and the solutions' processes.
func procsWithTmp(dir string) []string {
	var left []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if strings.HasPrefix(kv, "TMPDIR="+dir) {
				st, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
				left = append(left, string(st))
			}
		}
	}
	return left
}

func TestExercises(t *testing.T) {
	// Parallel with the package's other tests too: sequential, it held
	// them all back until its last mutant was judged.
	t.Parallel()
	for _, et := range selfTests {
		et := et
		t.Run(et.name, func(t *testing.T) {
			t.Parallel()
			// Every run has a TMPDIR, a namespace and a guard of its own:
			// the solutions, the starter and the mutants run side by side.
			for _, flags := range et.solutions {
				flags := flags
				t.Run("solution "+flags[0], func(t *testing.T) {
					t.Parallel()
					if flags[0] == "-c" && !haveGCC() {
						exampletest.Skip(t, "gcc not found: the C solutions cannot be built")
					}
					v := check(t, et.name, flags...)
					if v.code != 0 || len(v.pass) == 0 {
						t.Errorf("%s %q: exit status %d, want 0:\n%s", et.name, flags, v.code, v.out)
					}
					if want := fmt.Sprintf("Score: %d/%d\n", len(v.pass), len(v.pass)); !strings.HasSuffix(v.out, want) {
						t.Errorf("%s %q: the output does not end with %q:\n%s", et.name, flags, want, v.out)
					}
				})
			}
			t.Run("starter", func(t *testing.T) {
				t.Parallel()
				// the starter is the default -dir: the command TestClassroom runs
				v := checkShared(t, et.name, "-guard", shortGuard)
				expect(t, et.name+" starter", v, et.starter, true)
			})
			for _, m := range et.mutants {
				m := m
				t.Run(m.name, func(t *testing.T) {
					t.Parallel()
					if !haveGCC() && strings.HasSuffix(m.src, ".c") {
						exampletest.Skip(t, "gcc not found: the C mutants cannot be built")
					}
					flags := append(mutantFlags(t, m), "-guard", shortGuard)
					// A mistake that shows only when the scheduler lets it
					// (two writes cut by another writer) gets a few runs,
					// and must be caught in one of them.
					var ps []string
					for try := 0; try <= m.retries; try++ {
						v := check(t, et.name, flags...)
						t.Log(v.out) // go test -v shows what a student with this mistake reads
						ps = problems(et.name+" mutant "+m.name, v, m.fails, false)
						if len(ps) == 0 {
							break
						}
					}
					for _, p := range ps {
						t.Error(p)
					}
				})
			}
		})
	}
}

func haveGCC() bool { _, err := exec.LookPath("gcc"); return err == nil }

// expect checks that exactly the criteria named in fails failed (all of
// them when all is true: a starter must pass nothing), each saying why. A
// reason "?" means the criterion may pass or fail: the mistake shows
// there only when signals happen to merge.
func expect(t *testing.T, what string, v verdict, fails map[string]string, all bool) {
	t.Helper()
	for _, p := range problems(what, v, fails, all) {
		t.Error(p)
	}
}

// saysOneOf reports whether why contains one of the " | "-separated
// phrases of want: a mistake that can show in two ways, by timing.
func saysOneOf(why, want string) bool {
	for _, w := range strings.Split(want, " | ") {
		if strings.Contains(why, w) {
			return true
		}
	}
	return false
}

func problems(what string, v verdict, fails map[string]string, all bool) []string {
	var ps []string
	if v.code != 1 {
		ps = append(ps, fmt.Sprintf("%s: exit status %d, want 1:\n%s", what, v.code, v.out))
	}
	for crit, ok := range v.pass {
		want, by := "", ""
		named := false
		for sub, why := range fails {
			if !strings.Contains(crit, sub) {
				continue
			}
			if named && why != want {
				// map order would pick one of the two at random
				ps = append(ps, fmt.Sprintf("%s: %q is named by both %q and %q in the table, with different reasons", what, crit, by, sub))
			}
			named, want, by = true, why, sub
		}
		switch {
		case named && want == "?":
			// either: the mistake shows only in some runs
		case ok && (all || named):
			ps = append(ps, fmt.Sprintf("%s: %q passed, want it to fail:\n%s", what, crit, v.out))
		case !ok && !named && !all:
			ps = append(ps, fmt.Sprintf("%s: %q failed, want it to pass:\n%s", what, crit, v.out))
		case !ok && want != "" && !saysOneOf(v.why[crit], want):
			ps = append(ps, fmt.Sprintf("%s: %q failed without saying %q:\n%s", what, crit, want, v.out))
		}
	}
	for sub := range fails {
		found := false
		for crit := range v.pass {
			found = found || strings.Contains(crit, sub)
		}
		if !found {
			ps = append(ps, fmt.Sprintf("%s: no criterion contains %q:\n%s", what, sub, v.out))
		}
	}
	return ps
}

// mutantFlags writes the mutant's source into a temporary directory and
// returns the checker flags that build it.
func mutantFlags(t *testing.T, m mutant) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", m.src))
	if err != nil {
		t.Fatal(err)
	}
	src, err := applyMutant(string(b), m.mark, strings.HasSuffix(m.src, ".c"))
	if err != nil {
		t.Fatalf("mutant %s in %s: %v", m.name, m.src, err)
	}
	dir := t.TempDir()
	if buildCache != "" {
		// a folder of its own for each mutant, the same every run
		dir = filepath.Join(buildCache, "mutants", strings.NewReplacer("/", "_", ".", "_").Replace(m.src)+"-"+m.mark)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if strings.HasSuffix(m.src, ".c") {
		p := filepath.Join(dir, filepath.Base(m.src))
		if err := writeIfChanged(p, []byte(src)); err != nil {
			t.Fatal(err)
		}
		return []string{"-c", p}
	}
	// A Go mutant is a module of its own that uses this repository's
	// common/ (by a replace line) and the same golang.org/x/sys.
	root, _ := filepath.Abs("..")
	gomod, _ := os.ReadFile(filepath.Join(root, "go.mod"))
	gosum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	req := ""
	for _, l := range strings.Split(string(gomod), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "golang.org/x/sys ") {
			req = strings.TrimSpace(l)
		}
	}
	mod := fmt.Sprintf("module mutant\n\ngo 1.20\n\nrequire (\n\t%s\n\tgithub.com/goipc/ipc-examples v0.0.0\n)\n\nreplace github.com/goipc/ipc-examples => %s\n", req, root)
	for name, data := range map[string][]byte{"go.mod": []byte(mod), "go.sum": gosum, filepath.Base(m.src): []byte(src)} {
		if err := writeIfChanged(filepath.Join(dir, name), data); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"-dir", dir}
}

// checkGuard bounds one run of the checker: every scene of an exercise
// hung to its guard, under -race, on a loaded machine.
const checkGuard = 3 * time.Minute

// checkWaitDelay bounds the wait for the checker's output once it has ended.
const checkWaitDelay = time.Second

// A mutant is marked in the solution's source, on each line it changes,
// by a comment that says what the line becomes:
//
//	sqW.Close() // mutant go-parent-keeps-copy-child: -
//	reply.mtype = pid; /* mutant answer-sent-with-type-2: reply.mtype = 2; */
//
// The marked line is replaced by the text after the colon, with the
// line's indentation ("\n" is a line break, "\\" a backslash), or
// removed for "-". Other markers are comments, and stay.
var (
	markGo = regexp.MustCompile(`// mutant ([a-z0-9-]+): (.*?)(?: // mutant |$)`)
	markC  = regexp.MustCompile(`/\* mutant ([a-z0-9-]+): (.*?) \*/`)
	unesc  = strings.NewReplacer(`\\`, `\`, `\n`, "\n")
)

func applyMutant(src, mark string, c bool) (string, error) {
	re := markGo
	if c {
		re = markC
	}
	var out []string
	found := false
	for _, line := range strings.Split(src, "\n") {
		repl, ok := "", false
		for _, m := range re.FindAllStringSubmatch(line, -1) {
			if m[1] == mark {
				repl, ok = m[2], true
			}
		}
		// Go markers after the first on a line start inside the match
		// before: look from each marker on.
		if !c && !ok {
			for i := strings.Index(line, "// mutant "); i >= 0; {
				if m := markGo.FindStringSubmatch(line[i:]); m != nil && m[1] == mark {
					repl, ok = m[2], true
					break
				}
				j := strings.Index(line[i+1:], "// mutant ")
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
		if !ok {
			out = append(out, line)
			continue
		}
		found = true
		if repl == "-" {
			continue
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		out = append(out, indent+unesc.Replace(repl))
	}
	if !found {
		return "", fmt.Errorf("no line marked \"mutant %s\"", mark)
	}
	return strings.Join(out, "\n"), nil
}

// shortGuard stops the starters and mutants, which are meant to fail and
// often hang, sooner than a student's run (5 s); the reference solutions
// keep the default. Under -race, with the mutants run in parallel, a
// scenario that must end (200000 numbers squared) can take longer than
// 2.5 s and be stopped before it shows the mistake: 6 s there.
var shortGuard = func() string {
	if raceBuild {
		return "6s"
	}
	return "2500ms"
}()

// TestCommandLine: a bad command line is exit status 2 with the usage, an
// unknown exercise names the ones there are.
func TestCommandLine(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"check"}, {"nope", "01-duplex"}, {"check", "99-none"},
		{"check", "01-duplex", "-dir", "a", "-c", "b"}, {"check", "01-duplex", "extra"}, {"check", "all", "-c", "x.c"}} {
		var out, errb strings.Builder
		if code := run(args, &out, &errb); code != 2 || out.Len() != 0 || errb.Len() == 0 {
			t.Errorf("%q: exit status %d, stdout %q, stderr %q; want 2, nothing, a reason", args, code, out.String(), errb.String())
		}
	}
	var out strings.Builder
	if code := run([]string{"list"}, &out, &out); code != 0 || strings.Count(out.String(), "\n") != len(exercises) {
		t.Errorf("list: exit status %d, output %q", code, out.String())
	}
	for _, et := range selfTests {
		if exercises[et.name] == nil {
			t.Errorf("test for unknown exercise %s", et.name)
		}
	}
	if len(selfTests) != len(exercises) {
		t.Errorf("%d exercises, %d tested", len(exercises), len(selfTests))
	}
}

// TestInterrupted: a checker ended by SIGTERM, SIGINT or a closed output
// while a solution hangs kills the solution's processes and removes its
// directories before it dies of that signal.
func TestInterrupted(t *testing.T) {
	t.Parallel()
	if !haveGCC() {
		exampletest.Skip(t, "gcc not found: the C solutions cannot be built")
	}
	bin := exampletest.Binary(t)
	root, _ := filepath.Abs("..")
	m := mutant{name: "hangs", src: "exercises/01-duplex/solution/c/duplex.c", mark: "squarer-keeps-write-end-numbers"}
	flags := mutantFlags(t, m)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGPIPE} {
		tmp := filepath.Join(t.TempDir(), "tmp")
		if err := os.Mkdir(tmp, 0o700); err != nil {
			t.Fatal(err)
		}
		// With a closed output it dies at its next line, once its scenes
		// have ended: each scene's guard leaves the test time to see the
		// solution's processes (the wait for them is bounded below).
		guard := map[syscall.Signal]string{syscall.SIGPIPE: "3s"}[sig]
		if guard == "" {
			guard = "20s"
		}
		cmd := exec.Command(bin, append([]string{"check", "01-duplex", "-guard", guard}, flags...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		out, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout = w
		err = cmd.Start()
		w.Close()
		if err != nil {
			out.Close()
			t.Fatal(err)
		}
		// The second line says how it was built: the scenes start next.
		// Then wait until the solution and its child run (their
		// processes have our TMPDIR, as the checker's own has).
		br := bufio.NewReader(out)
		br.ReadString('\n')
		br.ReadString('\n')
		deadline := time.Now().Add(time.Minute) // a guard, not a timer
		for len(procsWithTmp(tmp)) < 3 {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%v: the checker and the solution never ran 3 processes at once; running now: %s", sig, strings.Join(procsWithTmp(tmp), "; "))
			}
			time.Sleep(time.Millisecond) // watching /proc
		}
		if sig == syscall.SIGPIPE {
			exampletest.CloseStdout(t, out, cmd.Process.Pid) // the next line it writes breaks
		} else {
			cmd.Process.Signal(sig)
		}
		stuck := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
		cmd.Wait()
		out.Close() // if the signal was not SIGPIPE
		if !stuck.Stop() {
			t.Errorf("%v: the checker did not end within a minute of the signal (killed); its processes: %s", sig, strings.Join(procsWithTmp(tmp), "; "))
		}
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("%v: the checker %v, want killed by %v", sig, cmd.ProcessState, sig)
		}
		if left := procsWithTmp(tmp); len(left) > 0 {
			t.Errorf("%v: processes left: %s", sig, strings.Join(left, "; "))
		}
		if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
			t.Errorf("%v: %d files left in TMPDIR (%s ...)", sig, len(ents), ents[0].Name())
		}
	}
}

// TestCheckAll: "check all -json" checks every exercise (here the
// starters, which pass nothing) and prints one valid JSON document: one
// object per criterion, with its points, and the score.
func TestCheckAll(t *testing.T) {
	t.Parallel()
	v := check(t, "all", "-json", "-guard", "1s")
	if v.code != 1 {
		t.Errorf("exit status %d, want 1 (the starters pass nothing)", v.code)
	}
	var doc struct {
		Score, Max int
		Criteria   []struct {
			Exercise, Name, Reason string
			Pass                   bool
			Points, Max            int
			Seconds                float64
		}
	}
	if err := json.Unmarshal([]byte(v.out), &doc); err != nil {
		t.Fatalf("not JSON: %v:\n%s", err, clip(v.out, 4000))
	}
	want := 0
	seen := map[string]bool{}
	for _, c := range doc.Criteria {
		seen[c.Exercise] = true
		want += c.Max
		if c.Pass || c.Points != 0 || c.Max != 1 || c.Name == "" || c.Reason == "" || c.Seconds < 0 {
			t.Errorf("starter criterion %+v: want failed, 0 of 1 point, with a name and a reason", c)
		}
	}
	if len(seen) != len(exercises) || doc.Score != 0 || doc.Max != want || want == 0 {
		t.Errorf("%d exercises, score %d/%d (criteria worth %d); want %d exercises, 0/%d", len(seen), doc.Score, doc.Max, want, len(exercises), want)
	}
}
