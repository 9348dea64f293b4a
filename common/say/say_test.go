//go:build linux && (amd64 || arm64)

package say_test

import (
	"os"
	"strings"
	"testing"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/say"
)

// The test binary prints through say in a role, as an example does, and
// the tests look at what a reader of the terminal would see.
func TestMain(m *testing.M) {
	child.Dispatch(map[string]func([]string){
		"speak": func(args []string) {
			me := say.New("parent")
			say.Step(1, "a step")
			me.Printf("plain %d", 42)
			me.Printf("a line longer than any terminal is printed as written, on one line: %s", strings.Repeat("word ", 30))
			me.Kernel("/proc/self/fd/3 -> pipe:[12345]")
			me.GoNote("two lines\nof difference")
			me.To(os.Stderr).Warnf("to stderr")
			say.New("philosopher 3").Printf("eats")
		},
		"fatal": func(args []string) {
			say.New("child").Fatal(os.ErrNotExist)
		},
	})
	exampletest.Main(m)
}

func run(t *testing.T, role string, o exampletest.Opts) *exampletest.Result {
	o.Env = append(o.Env, child.RoleEnv(role))
	return exampletest.Run(t, os.Args[0], o)
}

func TestLines(t *testing.T) {
	res := run(t, "speak", exampletest.Opts{})
	exampletest.Golden(t, "speak", res)
	if strings.Contains(res.Out, "\x1b[") {
		t.Errorf("colour escapes with NO_COLOR set:\n%q", res.Out)
	}
}

func TestForceColor(t *testing.T) {
	// The harness sets NO_COLOR; NO_COLOR wins over FORCE_COLOR.
	res := run(t, "speak", exampletest.Opts{Env: []string{"FORCE_COLOR=1"}})
	if strings.Contains(res.Out, "\x1b[") {
		t.Errorf("NO_COLOR must win over FORCE_COLOR")
	}
	res = run(t, "speak", exampletest.Opts{Env: []string{"FORCE_COLOR=1", "NO_COLOR="}})
	if !strings.Contains(res.Out, "\x1b[") {
		t.Errorf("FORCE_COLOR=1 did not turn colour on for a pipe:\n%q", res.Out)
	}
}

func TestFatal(t *testing.T) {
	res := run(t, "fatal", exampletest.Opts{Split: true})
	if res.Code() != 1 || res.Out != "" || !strings.Contains(res.Stderr, ": error: file does not exist") {
		t.Errorf("Fatal: exit %d, stdout %q, stderr %q", res.Code(), res.Out, res.Stderr)
	}
}
