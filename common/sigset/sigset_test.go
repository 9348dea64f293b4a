//go:build linux && (amd64 || arm64)

package sigset

import (
	"errors"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// The five C functions, on the kernel's layout: bit n-1 for signal n.
func TestSetOperations(t *testing.T) {
	var s Set
	s.Fill()
	s.Empty() // sigemptyset
	if s != 0 || s.String() != "none" {
		t.Fatalf("empty set is %#x %q", uint64(s), s)
	}
	if err := s.Add(unix.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(unix.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	if s != 0x6 || s.Hex() != "0000000000000006" || s.String() != "SIGINT SIGQUIT" {
		t.Errorf("{SIGINT, SIGQUIT} is %#x %s %q, want 0x6 as in /proc", uint64(s), s.Hex(), s)
	}
	if !s.IsMember(unix.SIGINT) || s.IsMember(unix.SIGTERM) {
		t.Errorf("sigismember wrong on %s", s)
	}
	if err := s.Del(unix.SIGINT); err != nil || s != Of(unix.SIGQUIT) {
		t.Errorf("after sigdelset(SIGINT): %s, %v", s, err)
	}
	if err := s.Add(syscall.Signal(65)); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("sigaddset(65) = %v, want EINVAL", err)
	}
	if err := s.Del(0); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("sigdelset(0) = %v, want EINVAL", err)
	}
	if s.IsMember(0) || s.IsMember(65) {
		t.Error("0 and 65 are never members")
	}
	s.Fill()
	if s.Len() != 64 || s.String() != "all 64" || !s.IsMember(64) {
		t.Errorf("sigfillset: %d members, %q", s.Len(), s)
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		s    Set
		want string
	}{
		{0, "none"},
		{Of(unix.SIGUSR1), "SIGUSR1"},
		{Of(unix.SIGTERM, unix.SIGHUP), "SIGHUP SIGTERM"},
		{^Of(unix.SIGKILL, unix.SIGSTOP), "all but SIGKILL SIGSTOP"},
		{Of(32, 33, 34, 35, 49, 50, 63, 64), "SIG32 SIG33 SIGRTMIN SIGRTMIN+1 SIGRTMIN+15 SIGRTMAX-14 SIGRTMAX-1 SIGRTMAX"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%#x: got %q, want %q", uint64(tc.s), got, tc.want)
		}
	}
}

func TestSigsetRoundTrip(t *testing.T) {
	s := Of(unix.SIGINT, unix.SIGUSR1, 33, 64)
	ss := s.Sigset()
	if ss.Val[0] != uint64(s) {
		t.Errorf("Val[0] = %#x, want %#x", ss.Val[0], uint64(s))
	}
	if got := fromSigset(&ss); got != s {
		t.Errorf("round trip: %s, want %s", got, s)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{
		"SIGTERM": unix.SIGTERM, "TERM": unix.SIGTERM, "term": unix.SIGTERM, "15": unix.SIGTERM,
		"sigusr1": unix.SIGUSR1, "SIGIOT": unix.SIGABRT, "CLD": unix.SIGCHLD,
		"SIGRTMIN": 34, "RTMIN+2": 36, "SIGRTMAX": 64, "SIGRTMAX-1": 63, "64": 64, "1": 1,
	} {
		got, err := ParseSignal(in)
		if err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "FOO", "SIG", "0", "65", "-1", "SIGRTMIN+99", "signal 9"} {
		_, err := ParseSignal(in)
		if err == nil {
			t.Errorf("ParseSignal(%q) succeeded", in)
			continue
		}
		if !strings.Contains(err.Error(), "SIGHUP SIGINT SIGQUIT") || !strings.Contains(err.Error(), "SIGRTMAX") {
			t.Errorf("ParseSignal(%q): the error should list the valid names: %v", in, err)
		}
	}
}

// Every name Name gives is read back by ParseSignal.
func TestNamesRoundTrip(t *testing.T) {
	for n := syscall.Signal(1); n <= nsig; n++ {
		got, err := ParseSignal(Name(n))
		if err != nil || got != n {
			t.Errorf("%d -> %q -> %d, %v", n, Name(n), got, err)
		}
	}
	if Name(65) != "signal 65" {
		t.Errorf("Name(65) = %q", Name(65))
	}
}

const sample = `Name:	cat
Umask:	0022
State:	R (running)
SigQ:	0/63361
SigPnd:	0000000000000200
ShdPnd:	0000000000004000
SigBlk:	0000000000000006
SigIgn:	0000000000000001
SigCgt:	fffffffd7fc1feff
CapInh:	0000000000000000
`

func TestParseStatus(t *testing.T) {
	st, err := ParseStatus([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  Set
		want string
	}{
		{"SigPnd", st.SigPnd, "SIGUSR1"},
		{"ShdPnd", st.ShdPnd, "SIGTERM"},
		{"SigBlk", st.SigBlk, "SIGINT SIGQUIT"},
		{"SigIgn", st.SigIgn, "SIGHUP"},
		{"SigCgt", st.SigCgt, "all but SIGKILL SIGCONT SIGSTOP SIGTSTP SIGTTIN SIGTTOU SIG32 SIGRTMIN"},
	} {
		if c.got.String() != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if _, err := ParseStatus([]byte("Name:\tcat\nSigPnd:\t0\n")); err == nil {
		t.Error("a status file without the signal lines should be an error")
	}
	if _, err := ParseStatus([]byte(strings.Replace(sample, "0000000000000006", "zz", 1))); err == nil {
		t.Error("a bad hex value should be an error")
	}
}

// The live kernel: block a signal on this thread, send it to this thread,
// see it pending in rt_sigpending and in the thread's SigPnd, unblock it.
func TestMaskPendingLive(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	// Without Notify the Go runtime drops SIGUSR2 when it is delivered,
	// so the test process survives the unblock.
	if signal.Ignored(unix.SIGUSR2) {
		t.Skip("SIGUSR2 is ignored in this process")
	}
	old, err := SetThreadMask(unix.SIG_BLOCK, Of(unix.SIGUSR2))
	if err != nil {
		t.Fatal(err)
	}
	defer SetThreadMask(unix.SIG_SETMASK, old)
	if old.IsMember(unix.SIGUSR2) {
		t.Fatalf("SIGUSR2 was already blocked: %s", old)
	}
	st, err := Thread(tid)
	if err != nil {
		t.Fatal(err)
	}
	if !st.SigBlk.IsMember(unix.SIGUSR2) || st.SigPnd != 0 {
		t.Errorf("after blocking: SigBlk %s, SigPnd %s", st.SigBlk, st.SigPnd)
	}
	if err := unix.Tgkill(unix.Getpid(), tid, unix.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	p, err := Pending()
	if err != nil || p != Of(unix.SIGUSR2) {
		t.Errorf("rt_sigpending = %s, %v; want SIGUSR2", p, err)
	}
	if st, _ = Thread(tid); st.SigPnd != Of(unix.SIGUSR2) || st.ShdPnd != 0 {
		t.Errorf("after tgkill: SigPnd %s ShdPnd %s, want SIGUSR2 for the thread only", st.SigPnd, st.ShdPnd)
	}
	if _, err := SetThreadMask(unix.SIG_SETMASK, old); err != nil {
		t.Fatal(err)
	}
	if st, _ = Thread(tid); st.SigPnd != 0 || st.SigBlk.IsMember(unix.SIGUSR2) {
		t.Errorf("after unblocking: SigPnd %s SigBlk %s, want it delivered", st.SigPnd, st.SigBlk)
	}
	// The kernel keeps SIGKILL and SIGSTOP out of any mask.
	var all Set
	all.Fill()
	if _, err := SetThreadMask(unix.SIG_BLOCK, all); err != nil {
		t.Fatal(err)
	}
	st, _ = Thread(tid)
	SetThreadMask(unix.SIG_SETMASK, old)
	if st.SigBlk != ^Of(unix.SIGKILL, unix.SIGSTOP) {
		t.Errorf("sigfillset mask reads back as %s", st.SigBlk)
	}
}

// The Go runtime catches nearly everything, never SIGKILL or SIGSTOP.
func TestSelf(t *testing.T) {
	st, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	if st.SigCgt.IsMember(unix.SIGKILL) || st.SigCgt.IsMember(unix.SIGSTOP) || !st.SigCgt.IsMember(unix.SIGUSR1) {
		t.Errorf("SigCgt of a Go process: %s", st.SigCgt)
	}
	if _, err := Process(unix.Getpid()); err != nil {
		t.Error(err)
	}
	if _, err := ReadStatus("/proc/self/nonexistent"); err == nil {
		t.Error("reading a missing file should fail")
	}
}

// What the Go runtime installed, read back from the kernel; and the
// kernel's refusal to let SIGKILL be ignored.
func TestSigaction(t *testing.T) {
	a, err := Sigaction(unix.SIGUSR1, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := uint64(saOnstack | saRestart | saSiginfo)
	if a.Disposition() != "handler" || a.Flags&want != want {
		t.Errorf("SIGUSR1: %s, flags %s; want a handler with SA_ONSTACK|SA_RESTART|SA_SIGINFO", a.Disposition(), FlagNames(a.Flags))
	}
	// The runtime asks for every signal in sa_mask (sigfillset); the
	// kernel drops SIGKILL and SIGSTOP. (Under -race the C library the
	// race detector brings in may drop its own two, 32 and 33.)
	if a.Mask.IsMember(unix.SIGKILL) || a.Mask.IsMember(unix.SIGSTOP) || a.Mask&0x7fffffff != ^Of(unix.SIGKILL, unix.SIGSTOP)&0x7fffffff {
		t.Errorf("sa_mask of the runtime's handler = %s, want all but SIGKILL SIGSTOP", a.Mask)
	}
	k, err := Sigaction(unix.SIGKILL, nil)
	if err != nil || k.Disposition() != "SIG_DFL" {
		t.Errorf("SIGKILL: %s, %v", k.Disposition(), err)
	}
	_, err = Sigaction(unix.SIGKILL, &Action{Handler: SIG_IGN})
	if err != syscall.EINVAL {
		t.Errorf("sigaction(SIGKILL, SIG_IGN) = %v, want EINVAL", err)
	}
}

func TestFlagNames(t *testing.T) {
	for flags, want := range map[uint64]string{
		0:                             "0",
		saRestart:                     "SA_RESTART",
		saSiginfo | saOnstack | 0x100: "SA_SIGINFO|SA_ONSTACK|0x100",
		saResethand | saNodefer:       "SA_NODEFER|SA_RESETHAND",
	} {
		if got := FlagNames(flags); got != want {
			t.Errorf("FlagNames(%#x) = %q, want %q", flags, got, want)
		}
	}
	if (Action{Handler: SIG_IGN}).Disposition() != "SIG_IGN" {
		t.Error("SIG_IGN")
	}
}
