//go:build linux && (amd64 || arm64)

package exampletest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// An object made in the namespace is seen there and not on the machine, and
// the namespace reports it as left behind.
func TestIPCNamespace(t *testing.T) {
	ipcmk, err := exec.LookPath("ipcmk")
	if err != nil {
		t.Skip("ipcmk (util-linux) not found")
	}
	inner := &fakeTB{TB: t}
	ns := NewIPCNamespace(inner)
	if ns == nil {
		t.Skip("no private IPC namespace here")
	}
	res := Run(t, ipcmk, Opts{Args: []string{"-S", "1", "-p", "0600"}, IPC: ns})
	if res.Code() != 0 {
		t.Fatalf("ipcmk: %s", res.Out)
	}
	left := ns.Leftovers()
	if len(left) != 1 || !strings.HasPrefix(left[0], "/proc/sysvipc/sem: ") {
		t.Fatalf("namespace holds %q, want the one semaphore set", left)
	}
	ns.close() // what t.Cleanup would do
	if len(inner.errs) != 1 || !strings.Contains(inner.errs[0], "left in the test's IPC namespace: /proc/sysvipc/sem") {
		t.Errorf("the leak was not reported: %q", inner.errs)
	}
}

// fakeTB records errors instead of failing the test, to test the check.
type fakeTB struct {
	testing.TB
	errs []string
}

func (f *fakeTB) Errorf(format string, args ...interface{}) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
