//go:build linux && (amd64 || arm64)

package cmdline_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/say"
)

func TestMain(m *testing.M) {
	child.Dispatch(map[string]func([]string){
		"parse": func(args []string) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.Int("n", 1, "count")
			rest := cmdline.Parse(fs, args, "usage: x [-n N] ARG\n", 1, 1)
			say.New("parent").Printf("arg %s", rest[0])
		},
	})
	exampletest.Main(m)
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"a"}, 0, ""},
		{[]string{"-n", "2", "a"}, 0, ""},
		{nil, 2, "missing argument"},
		{[]string{"a", "b"}, 2, `unexpected argument "b"`},
		{[]string{"-n", "x", "a"}, 2, `invalid value "x" for flag -n`},
		{[]string{"-bogus"}, 2, "flag provided but not defined: -bogus"},
	} {
		res := exampletest.Run(t, os.Args[0], exampletest.Opts{Args: tc.args, Split: true, Env: []string{child.RoleEnv("parse")}})
		if res.Code() != tc.code {
			t.Errorf("%q: exit %d, want %d", tc.args, res.Code(), tc.code)
		}
		if tc.code == 2 && (!strings.Contains(res.Stderr, tc.err) || !strings.Contains(res.Stderr, "usage: x") || res.Out != "") {
			t.Errorf("%q: want %q and the usage on stderr only; stdout %q stderr %q", tc.args, tc.err, res.Out, res.Stderr)
		}
	}
	res := exampletest.Run(t, os.Args[0], exampletest.Opts{Args: []string{"-h"}, Split: true, Env: []string{child.RoleEnv("parse")}})
	if res.Code() != 0 || !strings.HasPrefix(res.Out, "usage: x") {
		t.Errorf("-h: exit %d, stdout %q: want the usage on stdout and status 0", res.Code(), res.Out)
	}
}
