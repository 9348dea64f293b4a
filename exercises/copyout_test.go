//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCopyOut: a student's own module. A starter copied out of the
// repository builds with go mod init and go mod tidy alone (the checker
// runs it: every criterion fails, none for want of a build), and a
// solution that imports common/sysv does with the one replace line the
// README shows, and passes.
func TestCopyOut(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("..")
	goTool := goTool()
	for _, tc := range []struct {
		name, from string
		replace    bool
		pass       bool
	}{
		{"01-duplex", "exercises/01-duplex", false, false},
		{"06-shm-key", "exercises/06-shm-key/solution", true, true},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ents, err := os.ReadDir(filepath.Join(root, tc.from))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents { // the Go files: not solution/ nor c/
				if e.IsDir() {
					continue
				}
				b, err := os.ReadFile(filepath.Join(root, tc.from, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			steps := [][]string{{"mod", "init", "student"}}
			if tc.replace {
				steps = append(steps, []string{"mod", "edit", "-replace", "github.com/goipc/ipc-examples=" + root})
			}
			steps = append(steps, []string{"mod", "tidy"})
			for _, args := range steps {
				cmd := exec.Command(goTool, args...)
				cmd.Dir = dir
				// offline: what tidy needs is in the module cache
				cmd.Env = append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			flags := []string{"-dir", dir}
			if !tc.pass {
				flags = append(flags, "-guard", "1s")
			}
			v := check(t, tc.name, flags...)
			switch {
			case strings.Contains(v.out, "FAIL  it builds"):
				t.Errorf("the copy does not build:\n%s", v.out)
			case tc.pass && v.code != 0, !tc.pass && v.code != 1:
				t.Errorf("exit status %d, want pass %v:\n%s", v.code, tc.pass, v.out)
			}
		})
	}
}
