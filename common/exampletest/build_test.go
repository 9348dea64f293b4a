//go:build linux && (amd64 || arm64)

package exampletest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ForeignClone makes a git repository holding a main package, owned by
// another user (nobody, 65534), as a shared lab checkout or a mounted
// workspace is: git refuses it ("dubious ownership"). It skips unless
// this test runs as root with git.
func ForeignClone(t *testing.T, files map[string]string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the clone to another user")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not found")
	}
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(git, "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	err = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, 65534, 65534)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Cleanup removes it as root whoever owns it.
	return dir
}

// The harness builds an example in a clone that git refuses: the build
// must not ask git (-buildvcs=false). GOFLAGS asks for the default, so
// that a go env setting on this machine cannot hide the failure.
func TestBuildInForeignClone(t *testing.T) {
	dir := ForeignClone(t, map[string]string{
		"go.mod":  "module example.com/foreign\n\ngo 1.20\n",
		"main.go": "package main\n\nfunc main() {}\n",
	})
	cmd := buildCmd(filepath.Join(t.TempDir(), "bin"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=auto")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in a clone owned by another user: %v\n%s", err, out)
	}
}
