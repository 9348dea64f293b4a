//go:build linux && (amd64 || arm64)

package exampletest

import (
	"regexp"
	"testing"
)

func TestNormalize(t *testing.T) {
	in := `parent 4242: started child 4243 (pid 4243), ppid=4200
child 4243: fd 3 -> pipe:[777], mine too: pipe:[777]; other pipe:[778]
philosopher 3 4250: eats; 4242 bytes is not a PID here
parent 4242: PID 4250 CMD ps -ef, file /tmp/run1/fifo
`
	want := `parent PID1: started child PID2 (pid PID2), ppid=PID3
child PID2: fd 3 -> pipe:[INODE1], mine too: pipe:[INODE1]; other pipe:[INODE2]
philosopher 3 PID4: eats; 4242 bytes is not a PID here
parent PID1: PID PID4 CMD ps -ef, file $TMPDIR/fifo
`
	if got := Normalize(in, "/tmp/run1"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestNormalizeExtraRules(t *testing.T) {
	in := "server 10: key 0x66012345 msqid 32768\nclient 11: msqid 32768\n"
	want := "server PID1: key KEY msqid ID1\nclient PID2: msqid ID1\n"
	got := Normalize(in, "",
		Rule{Re: regexp.MustCompile(`key (0x[0-9a-f]+)`), Fixed: "KEY"},
		Rule{Re: regexp.MustCompile(`msqid (\d+)`), Class: "ID"})
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPidsIn(t *testing.T) {
	got := pidsIn("parent 10: pid 11 and lspid=12 lrpid=0\nnot 13\n")
	for _, p := range []string{"10", "11", "12"} {
		if !got[p] {
			t.Errorf("pid %s not found in %v", p, got)
		}
	}
	if got["13"] || got["0"] {
		t.Errorf("13 and 0 are no PIDs: %v", got)
	}
}

func TestSkipSummary(t *testing.T) {
	t.Run("a", func(t *testing.T) { noteSkip(t, "gcc not found") })
	t.Run("b", func(t *testing.T) { noteSkip(t, "gcc not found"); noteSkip(t, "gcc not found") })
	t.Run("c", func(t *testing.T) { noteSkip(t, "no IPC namespace") })
	got := skipSummary()
	want := "exampletest: exampletest: 3 tests skipped: gcc not found (2); no IPC namespace (1)\n"
	if got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
