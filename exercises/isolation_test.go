//go:build linux && (amd64 || arm64)

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/goipc/ipc-examples/common/exampletest"
)

// TestUserNamespace: told to (as an ordinary user would be, for lack of
// CAP_SYS_ADMIN), the checker runs itself in a user namespace with a
// private IPC namespace, says so in its header, and grades a reference
// solution as it does with root.
func TestUserNamespace(t *testing.T) {
	t.Parallel()
	probe := exec.Command("/bin/true")
	probe.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWIPC}
	if err := probe.Run(); err != nil {
		exampletest.Skip(t, "this kernel refuses a user namespace: "+err.Error())
	}
	v := checkEnv(t, []string{isolationEnv + "=userns"}, "06-shm-key", "-dir", "exercises/06-shm-key/solution")
	if v.code != 0 || !strings.Contains(v.out, "(isolation: a private IPC namespace, in a user namespace of its own") {
		t.Errorf("exit status %d, want 0 and a header naming the user namespace:\n%s", v.code, v.out)
	}
}

// TestSharedNamespace: without a private namespace the checker shares the
// machine's; it reports and removes what the program under check leaves
// (a queue, a semaphore set and a segment, found by their keys), and
// touches nothing else: not another user's segment, not this user's
// queue made before it by another program. The whole is run in an IPC
// namespace of the test's own, which stands for the machine's.
func TestSharedNamespace(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		exampletest.Skip(t, "needs root, for an IPC namespace that stands for the machine's and a second user")
	}
	for _, tool := range []string{"ipcmk", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			exampletest.Skip(t, tool+" not found")
		}
	}
	if !haveGCC() {
		exampletest.Skip(t, "gcc not found: the C mutants cannot be built")
	}
	for _, m := range []mutant{
		{name: "07", src: "exercises/07-echo/solution/c/echo.c", mark: "no-ipc-rmid-on-sigterm"},
		{name: "08", src: "exercises/08-bounded/solution/c/bb.c", mark: "producer-forgets-remove-set"},
	} {
		m := m
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			ex := map[string]string{"07": "07-echo", "08": "08-bounded"}[m.name]
			script := `ipcmk -Q -p 0600 >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups ipcmk -M 4096 -p 0600 >/dev/null || exit 99
"$@"; code=$?
echo "--- left"; tail -n +2 -q /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm
exit $code`
			v := checkEnv(t, []string{isolationEnv + "=shared", "NS_SCRIPT=" + script}, ex, append(mutantFlags(t, m), "-guard", shortGuard)...)
			t.Log(v.out)
			if v.code != 1 {
				t.Fatalf("exit status %d, want 1:\n%s", v.code, v.out)
			}
			if !strings.Contains(v.out, "(isolation: the machine's IPC namespace") {
				t.Errorf("the header does not say it shares the machine's namespace:\n%s", v.out)
			}
			if !strings.Contains(v.out, "still in the kernel") {
				t.Errorf("the object it leaves is not reported:\n%s", v.out)
			}
			_, left, _ := strings.Cut(v.out, "--- left\n")
			rows := strings.Split(strings.TrimSpace(left), "\n")
			if len(rows) != 2 || !strings.Contains(left, " 65534 ") {
				t.Errorf("want only the two objects made before the check (this user's queue, uid 65534's segment) left; /proc/sysvipc has:\n%s\nthe checker said:\n%s", left, v.out)
			}
		})
	}
}

// checkEnv is check with more environment; NS_SCRIPT in env runs the
// checker from that shell script ("$@" is the checker's command line)
// in a new IPC namespace.
func checkEnv(t *testing.T, env []string, name string, flags ...string) verdict {
	t.Helper()
	bin := exampletest.Binary(t)
	root, _ := filepath.Abs("..")
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkGuard)
	defer cancel()
	args := append([]string{bin, "check", name}, flags...)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, "NS_SCRIPT="); ok {
			cmd = exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", s, "sh"}, args...)...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC}
		}
	}
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "TMPDIR="+tmp), env...)
	cmd.WaitDelay = checkWaitDelay
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("checker of %s %q gave no verdict within %v; it printed:\n%s", name, flags, checkGuard, clip(string(out), 4000))
	}
	v := verdict{out: string(out)}
	if ee, ok := err.(*exec.ExitError); ok {
		v.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if left := procsWithTmp(tmp); len(left) > 0 {
		t.Errorf("checker of %s %q left processes: %s", name, flags, strings.Join(left, "; "))
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("checker of %s %q left %d files in its TMPDIR", name, flags, len(ents))
	}
	return v
}
