//go:build linux && (amd64 || arm64)

package ipcexamples

import (
	"bufio"
	"context"
	"flag"
	"io/fs"
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
)

// update is accepted so that "go test ./... -update" (the README's way to
// rewrite golden files) runs here too; this package has none.
var _ = flag.Bool("update", false, "rewrite golden files (none here)")

// block is one fenced code block of a README.
type block struct {
	file string
	line int    // of the opening fence
	info string // "sh", "console", ...
	text string
}

func readmes(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.Name() == "README.md" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func blocks(t *testing.T, file string) []block {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []block
	var cur *block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(l, "```"):
			cur = &block{file: file, line: n, info: strings.TrimSpace(strings.TrimPrefix(l, "```"))}
		case cur != nil && strings.HasPrefix(l, "```"):
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += l + "\n"
		}
	}
	if cur != nil {
		t.Errorf("%s:%d: code block never closed", file, cur.line)
	}
	return out
}

// commands are the lines of a shell block that run something: comments,
// blank lines and continuation lines are folded away, "$ " prompts
// dropped.
func commands(text string) []string {
	var cmds []string
	var acc string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "$ ")
		if acc == "" && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			acc += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		cmds = append(cmds, acc+l)
		acc = ""
	}
	return cmds
}

// freshTree copies the repository (without .git and bin/) into a new
// directory: the commands run there as they would in a fresh clone. The
// folders are made anew, so that what a README writes (bin/, a build's
// output) lands in its own tree; the files are hard links to the
// repository's where the file system allows it (no command writes into
// an existing file), which spares a new inode per file and per README:
// on ext4, allocating thousands of them was most of this test's CPU.
func freshTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == "." {
			return nil
		}
		if d.IsDir() && (path == ".git" || path == "bin") {
			return filepath.SkipDir
		}
		to := filepath.Join(dst, path)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		if os.Link(path, to) == nil {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

var (
	goRunRe = regexp.MustCompile(`\bgo (?:run|test(?: -[a-z]+(?: [^ ]+)?)*) (\./[^ ]+)`)
	gccRe   = regexp.MustCompile(`(?:^|&& |; )(gcc [^;&|]+)`)
)

// TestReadmeCommands: every command a README prints works when typed from
// the repository root of a fresh clone. Blocks marked sh are run, in
// order, with bash -e, standard input from /dev/null and a private TMPDIR,
// and must succeed within a minute. In every other shell block (console:
// interactive, a second terminal, Ctrl-C) each gcc line is still compiled
// and each go run names a folder that exists.
//
// Each README is followed on its own, in a fresh copy of the tree (what an
// earlier README built in bin/ is not there for the next, and two READMEs
// that build the same bin/ name do not meet), and the READMEs run side by
// side, each a subtest; the blocks of one README run in its order.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the README commands build and run every example")
	}
	_, gccErr := exec.LookPath("gcc")
	// Not t.Parallel, which allows only GOMAXPROCS at once: the blocks
	// mostly wait for go and gcc, which run in processes of their own.
	slots := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, file := range readmes(t) {
		file := file
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			t.Run(file, func(t *testing.T) { readmeCommands(t, file, gccErr == nil) })
		}()
	}
	wg.Wait()
}

func readmeCommands(t *testing.T, file string, haveGCC bool) {
	root := freshTree(t)
	for _, b := range blocks(t, file) {
		if b.info != "sh" && b.info != "console" {
			continue
		}
		where := b.file + ":" + strconv.Itoa(b.line)
		for _, c := range commands(b.text) {
			for _, m := range goRunRe.FindAllStringSubmatch(c, -1) {
				dir := strings.TrimSuffix(m[1], "/...")
				if fi, err := os.Stat(filepath.Join(root, dir)); err != nil || !fi.IsDir() {
					t.Errorf("%s: %q names %s, which is no folder of the repository", where, c, dir)
				}
			}
			if b.info == "sh" {
				continue // run whole, below
			}
			for _, m := range gccRe.FindAllStringSubmatch(c, -1) {
				if !haveGCC {
					t.Logf("%s: gcc not found, %q not checked", where, m[1])
					continue
				}
				run(t, root, where, "mkdir -p bin && "+m[1], time.Minute)
			}
		}
		if b.info == "sh" {
			if !haveGCC && strings.Contains(b.text, "gcc ") {
				t.Logf("%s: gcc not found, block not run", where)
				continue
			}
			run(t, root, where, b.text, time.Minute)
		}
	}
}

func run(t *testing.T, root, where, script string, guard time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = root
	// A process group of its own: when the guard fires, the whole tree
	// (bash, go run, the example and its children) is killed, and none
	// keeps the output pipe open.
	// Pdeathsig: it dies with the test binary, whatever ends that.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	tmp := t.TempDir()
	// -trimpath: each README has a tree of its own, and without it go's
	// build cache keys every package by its directory, so each tree would
	// compile common/ and the example afresh.
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NO_COLOR=1", "GOFLAGS=-trimpath -buildvcs=false")
	// The exercises' checker keeps what it builds from one run to the next
	// (exercises/buildcache.go): one entry per solution, whatever the copy
	// of the tree, rebuilt when a source changed.
	if dir, err := os.UserCacheDir(); err == nil {
		cmd.Env = append(cmd.Env, "EXERCISES_BUILD_CACHE="+filepath.Join(dir, "ipc-examples", "readme-builds"))
	}
	out, err := cmd.CombinedOutput()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // nothing of it may outlive the block
	}
	if ctx.Err() != nil {
		t.Errorf("%s: still running after %v:\n%s\noutput:\n%s", where, guard, script, out)
		return
	}
	if err != nil {
		t.Errorf("%s: %v:\n%s\noutput:\n%s", where, err, script, out)
	}
}

// TestContainerRunsTheReadmeCommands: the Dockerfile, the devcontainer and
// the README's "On macOS or Windows" section run the README's two commands,
// and nothing else.
func TestContainerRunsTheReadmeCommands(t *testing.T) {
	var two, docker []string
	for _, b := range blocks(t, "README.md") {
		for _, c := range commands(b.text) {
			c = strings.TrimSpace(strings.SplitN(c, "#", 2)[0])
			switch {
			case strings.HasPrefix(c, "docker run ") && strings.Contains(c, " -v "):
				// A student's own files mounted in the image, to run the
				// checker on them: not one of the two commands.
				if !strings.Contains(c, "go run ./exercises check ") {
					t.Errorf("README: a docker run line with a mount that does not run the checker: %s", c)
				}
			case strings.HasPrefix(c, "docker run "):
				docker = append(docker, c)
			case c == "./run.sh" || c == "go test ./...":
				two = append(two, c)
			}
		}
	}
	if strings.Join(two, "; ") != "./run.sh; go test ./..." {
		t.Fatalf("README's two commands: %q, want ./run.sh and go test ./...", two)
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile(`(?m)^CMD \["([^"]+)"\]$`).FindSubmatch(df)
	if cmd == nil {
		t.Fatal("Dockerfile: no CMD [\"...\"] line")
	}
	var ran []string
	for _, d := range docker {
		f := strings.Fields(d)
		i := 0
		for i < len(f) && f[i] != "ipc-examples" {
			i++
		}
		if rest := strings.Join(f[i+1:], " "); rest == "" {
			ran = append(ran, string(cmd[1]))
		} else {
			ran = append(ran, rest)
		}
	}
	if strings.Join(ran, "; ") != strings.Join(two, "; ") {
		t.Errorf("README's docker run lines run %q, want the two commands %q", ran, two)
	}
	dc, err := os.ReadFile(".devcontainer/devcontainer.json")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"postCreateCommand":\s*"([^"]*)"`).FindSubmatch(dc)
	if m == nil {
		t.Fatal("devcontainer.json: no postCreateCommand")
	}
	got := strings.Split(string(m[1]), " && ")
	if len(got) != 2 || got[0] != two[1] || got[1] != two[0] {
		t.Errorf("devcontainer runs %q, want %q and %q", got, two[1], two[0])
	}
}

var excerptRe = regexp.MustCompile(`(?m)^<!-- excerpt of (testdata/[\w.-]+\.golden) -->\n` + "```" + `text\n((?s:.*?))` + "```")

// TestReadmeExcerpts: every example folder's README shows some of its real
// output, and the excerpt cannot drift: each one sits under the line
// "<!-- excerpt of testdata/NAME.golden -->" in a text block whose lines
// must stand, in that order and together, in that golden file (which the
// tests compare with a real run), and the README links to the whole file.
// A folder whose output is measurements (09-compare) says instead, in a
// line "<!-- no excerpt: ... -->", why it has no golden file.
// Its tables link the system calls to their man pages and the Go APIs to
// their documentation.
func TestReadmeExcerpts(t *testing.T) {
	dirs, _ := filepath.Glob("[0-9][0-9]-*")
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		readme := string(b)
		ms := excerptRe.FindAllStringSubmatch(readme, -1)
		if len(ms) == 0 && !strings.Contains(readme, "<!-- no excerpt: ") {
			t.Errorf("%s/README.md: no output excerpt (<!-- excerpt of testdata/NAME.golden --> and a text block)", dir)
		}
		for _, m := range ms {
			golden, err := os.ReadFile(filepath.Join(dir, m[1]))
			if err != nil {
				t.Errorf("%s/README.md: %v", dir, err)
				continue
			}
			if !strings.Contains("\n"+string(golden), "\n"+m[2]) {
				t.Errorf("%s/README.md: the excerpt of %s is not in it (regenerated since?):\n%s", dir, m[1], m[2])
			}
			if !strings.Contains(readme, "]("+m[1]+")") {
				t.Errorf("%s/README.md: no link to the whole %s", dir, m[1])
			}
		}
		for _, site := range []string{"https://man7.org/linux/man-pages/", "https://pkg.go.dev/"} {
			if !strings.Contains(readme, site) {
				t.Errorf("%s/README.md: no link to %s", dir, site)
			}
		}
	}
}

// TestRunShInForeignClone: ./run.sh works in a clone owned by another user
// (a shared lab checkout, a workspace mounted into a container), where git
// refuses the repository ("dubious ownership") and a go build that asks
// it for the VCS stamp fails. GOFLAGS asks for go's default, so that a go
// env setting of this machine cannot hide the failure.
func TestRunShInForeignClone(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs 01-pipe")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the clone to another user")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not found")
	}
	t.Parallel()
	dst := t.TempDir()
	for _, p := range []string{"run.sh", "go.mod", "go.sum", "common", "01-pipe"} {
		copyTree(t, p, dst)
	}
	if out, err := exec.Command(git, "-C", dst, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	err = filepath.Walk(dst, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, 65534, 65534)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "./run.sh", "01")
	cmd.Dir = dst
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=auto", "NO_COLOR=1", "TMPDIR="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("./run.sh 01 still running after the 2 min guard:\n%s", out)
	}
	if err != nil {
		t.Fatalf("./run.sh 01 in a clone owned by another user: %v\n%s", err, out)
	}
}

// copyTree copies the file or folder src (relative to the repository
// root) into dst, keeping its relative path.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "bin" {
			return filepath.SkipDir
		}
		to := filepath.Join(dst, path)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		if os.Link(path, to) == nil {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
