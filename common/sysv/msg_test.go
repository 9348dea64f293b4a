//go:build linux && (amd64 || arm64)

package sysv

import (
	"errors"
	"fmt"
	"github.com/goipc/ipc-examples/common/peek"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/syserr"
)

// newQueue makes a private queue (mode 0600) that is removed when the test
// ends, whatever happens.
func newQueue(t testing.TB) int {
	t.Helper()
	id, err := Msgget(IPC_PRIVATE, unix.IPC_CREAT|0o600)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("this kernel has no System V message queues (CONFIG_SYSVIPC)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Msgctl(id, unix.IPC_RMID, nil) }) // may be gone already
	return id
}

func send(t *testing.T, id int, mtype int64, text string) {
	t.Helper()
	if err := Msgsnd(id, mtype, []byte(text), unix.IPC_NOWAIT); err != nil {
		t.Fatal(err)
	}
}

func stat(t *testing.T, id int) MsqidDs {
	t.Helper()
	var ds MsqidDs
	if err := Msgctl(id, unix.IPC_STAT, &ds); err != nil {
		t.Fatal(err)
	}
	return ds
}

func wantErrno(t *testing.T, what string, err error, want unix.Errno) {
	t.Helper()
	if got := syserr.Errno(err); got != want {
		t.Errorf("%s: got %v (%s), want %s", what, err, syserr.Name(got), syserr.Name(want))
	}
}

// MsqidDs has glibc's layout: the size, and the offset of every field.
func TestMsqidDsLayout(t *testing.T) {
	out, err := exec.Command(exampletest.BuildC(t, "testdata/layout.c")).Output()
	if err != nil {
		t.Fatal(err)
	}
	var ds MsqidDs
	goVals := map[string]uintptr{
		"sizeof":          unsafe.Sizeof(ds),
		"sizeof_ipc_perm": unsafe.Sizeof(ds.Perm),
		"sizeof_long":     mtypeSize,
		"msg_perm":        unsafe.Offsetof(ds.Perm),
		"msg_perm.__key":  unsafe.Offsetof(ds.Perm) + unsafe.Offsetof(ds.Perm.Key),
		"msg_perm.uid":    unsafe.Offsetof(ds.Perm) + unsafe.Offsetof(ds.Perm.Uid),
		"msg_perm.mode":   unsafe.Offsetof(ds.Perm) + unsafe.Offsetof(ds.Perm.Mode),
		"msg_stime":       unsafe.Offsetof(ds.Stime),
		"msg_rtime":       unsafe.Offsetof(ds.Rtime),
		"msg_ctime":       unsafe.Offsetof(ds.Ctime),
		"__msg_cbytes":    unsafe.Offsetof(ds.Cbytes),
		"msg_qnum":        unsafe.Offsetof(ds.Qnum),
		"msg_qbytes":      unsafe.Offsetof(ds.Qbytes),
		"msg_lspid":       unsafe.Offsetof(ds.Lspid),
		"msg_lrpid":       unsafe.Offsetof(ds.Lrpid),
	}
	compareWithC(t, string(out), goVals)
	// The numbers the design notes rely on.
	if unsafe.Sizeof(ds) != 120 || unsafe.Offsetof(ds.Qbytes) != 88 || unsafe.Offsetof(ds.Lspid) != 96 {
		t.Errorf("sizeof %d, qbytes@%d, lspid@%d; want 120, 88, 96", unsafe.Sizeof(ds), unsafe.Offsetof(ds.Qbytes), unsafe.Offsetof(ds.Lspid))
	}
}

// msgtyp picks the message: 0 the first, > 0 the first of that type
// (MSG_EXCEPT: of any other type), < 0 the first of the lowest type <= |t|.
func TestMsgtyp(t *testing.T) {
	id := newQueue(t)
	for _, m := range []struct {
		t    int64
		text string
	}{{3, "c1"}, {1, "a1"}, {2, "b1"}, {1, "a2"}, {3, "c2"}, {2, "b2"}} {
		send(t, id, m.t, m.text)
	}
	buf := make([]byte, 16)
	var got []string
	for _, rq := range []struct {
		typ   int64
		flags int
	}{{0, 0}, {2, 0}, {-3, 0}, {1, MSG_EXCEPT}, {-3, 0}, {-3, 0}} {
		mt, n, err := Msgrcv(id, buf, rq.typ, rq.flags|unix.IPC_NOWAIT)
		if err != nil {
			t.Fatalf("msgtyp %d: %v", rq.typ, err)
		}
		got = append(got, fmt.Sprintf("%d:%s", mt, buf[:n]))
	}
	want := "3:c1 2:b1 1:a1 3:c2 1:a2 2:b2"
	if strings.Join(got, " ") != want {
		t.Errorf("receive order %q, want %q", strings.Join(got, " "), want)
	}
}

// Every errno the examples teach, provoked for real.
func TestErrnos(t *testing.T) {
	id := newQueue(t)
	buf := make([]byte, 16)

	_, _, err := Msgrcv(id, buf, 0, unix.IPC_NOWAIT)
	wantErrno(t, "msgrcv(IPC_NOWAIT) on an empty queue", err, unix.ENOMSG)
	if err != nil && !strings.HasPrefix(err.Error(), "msgrcv(IPC_NOWAIT) failed: ENOMSG (no message of desired type): no message") {
		t.Errorf("error text %q", err)
	}

	// E2BIG: the message stays; MSG_NOERROR cuts it and drops the rest.
	send(t, id, 1, "0123456789abcdefTAIL")
	_, _, err = Msgrcv(id, buf, 0, unix.IPC_NOWAIT)
	wantErrno(t, "msgrcv of 20 bytes into 16", err, unix.E2BIG)
	if ds := stat(t, id); ds.Qnum != 1 || ds.Cbytes != 20 {
		t.Errorf("after E2BIG: qnum %d cbytes %d, want the message still there (1, 20)", ds.Qnum, ds.Cbytes)
	}
	mt, n, err := Msgrcv(id, buf, 0, unix.IPC_NOWAIT|MSG_NOERROR)
	if err != nil || mt != 1 || string(buf[:n]) != "0123456789abcdef" {
		t.Errorf("MSG_NOERROR: %d %q %v, want 1 \"0123456789abcdef\"", mt, buf[:n], err)
	}
	if ds := stat(t, id); ds.Qnum != 0 || ds.Cbytes != 0 {
		t.Errorf("after MSG_NOERROR: qnum %d cbytes %d, want the truncated message gone", ds.Qnum, ds.Cbytes)
	}

	// EINVAL: type below 1, text over msgmax.
	wantErrno(t, "msgsnd type 0", Msgsnd(id, 0, []byte("x"), unix.IPC_NOWAIT), unix.EINVAL)
	msgmax := readInt(t, "/proc/sys/kernel/msgmax")
	wantErrno(t, "msgsnd msgmax+1", Msgsnd(id, 1, make([]byte, msgmax+1), unix.IPC_NOWAIT), unix.EINVAL)

	// EAGAIN: IPC_SET lowers msg_qbytes; the queue is then full sooner.
	ds := stat(t, id)
	ds.Qbytes = 100
	if err := Msgctl(id, unix.IPC_SET, &ds); err != nil {
		t.Fatal(err)
	}
	if got := stat(t, id).Qbytes; got != 100 {
		t.Fatalf("qbytes %d after IPC_SET, want 100", got)
	}
	sent := 0
	for {
		err = Msgsnd(id, 1, make([]byte, 40), unix.IPC_NOWAIT)
		if err != nil {
			break
		}
		sent++
	}
	wantErrno(t, "msgsnd(IPC_NOWAIT) on a full queue", err, unix.EAGAIN)
	if sent != 2 {
		t.Errorf("sent %d messages of 40 bytes into 100, want 2", sent)
	}

	// EEXIST and ENOENT, on a key of our own.
	key, err := Ftok(t.TempDir(), 0x66)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Msgget(key, 0)
	wantErrno(t, "msgget without IPC_CREAT", err, unix.ENOENT)
	kid, err := Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer Msgctl(kid, unix.IPC_RMID, nil)
	_, err = Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	wantErrno(t, "msgget(IPC_CREAT|IPC_EXCL) twice", err, unix.EEXIST)
	if err != nil && !strings.HasPrefix(err.Error(), "msgget(IPC_CREAT|IPC_EXCL|0600) failed: EEXIST") {
		t.Errorf("error text %q", err)
	}
	if again, err := Msgget(key, 0); err != nil || again != kid {
		t.Errorf("msgget(key, 0) = %d, %v; want %d", again, err, kid)
	}
	if got := stat(t, kid); Key(got.Perm.Key) != key || got.Perm.Mode&0o777 != 0o600 {
		t.Errorf("IPC_STAT key %v mode %o, want %v 600", Key(got.Perm.Key), got.Perm.Mode&0o777, key)
	}

	// After IPC_RMID the id is invalid.
	if err := Msgctl(id, unix.IPC_RMID, nil); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "msgsnd after IPC_RMID", Msgsnd(id, 1, nil, unix.IPC_NOWAIT), unix.EINVAL)
	wantErrno(t, "IPC_STAT after IPC_RMID", Msgctl(id, unix.IPC_STAT, &ds), unix.EINVAL)
}

// IPC_STAT reports who sent and received last, and when.
func TestStat(t *testing.T) {
	id := newQueue(t)
	before := time.Now().Unix()
	ds := stat(t, id)
	if ds.Qnum != 0 || ds.Stime != 0 || ds.Rtime != 0 || ds.Lspid != 0 || ds.Lrpid != 0 || ds.Ctime < before-1 {
		t.Errorf("new queue: %+v", ds)
	}
	if ds.Qbytes != uint64(readInt(t, "/proc/sys/kernel/msgmnb")) {
		t.Errorf("qbytes %d, want msgmnb", ds.Qbytes)
	}
	send(t, id, 5, "hello")
	send(t, id, 6, "")
	ds = stat(t, id)
	if ds.Qnum != 2 || ds.Cbytes != 5 || int(ds.Lspid) != os.Getpid() || ds.Stime == 0 || ds.Stime < before-1 || ds.Lrpid != 0 {
		t.Errorf("after two sends: %+v", ds)
	}
	buf := make([]byte, 8)
	if mt, n, err := Msgrcv(id, buf, 6, unix.IPC_NOWAIT); err != nil || mt != 6 || n != 0 {
		t.Errorf("empty message: %d %d %v", mt, n, err)
	}
	ds = stat(t, id)
	if ds.Qnum != 1 || int(ds.Lrpid) != os.Getpid() || ds.Rtime == 0 || ds.Rtime < before-1 {
		t.Errorf("after a receive: %+v", ds)
	}
}

// A blocked msgrcv wakes with EIDRM when the queue is removed.
func TestEIDRM(t *testing.T) {
	id := newQueue(t)
	tids := make(chan int, 1)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- unix.Gettid()
		_, _, err := Msgrcv(id, make([]byte, 8), 0, 0)
		errc <- err
	}()
	waitBlockedIn(t, <-tids, unix.SYS_MSGRCV)
	if err := Msgctl(id, unix.IPC_RMID, nil); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "blocked msgrcv, queue removed", <-errc, unix.EIDRM)
}

// The kernel returns EINTR from a msgrcv interrupted by a signal handler,
// even one installed with SA_RESTART, as the Go runtime's are: a raw call,
// without the wrapper's retry, shows it.
func TestEINTRHappens(t *testing.T) {
	id := newQueue(t)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGUSR1)
	defer signal.Stop(sigs)
	tids := make(chan int, 1)
	errc := make(chan unix.Errno, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- unix.Gettid()
		raw := make([]byte, mtypeSize+8)
		for {
			_, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(id), uintptr(unsafe.Pointer(&raw[0])), 8, 0, 0, 0)
			if e == unix.EINTR {
				errc <- e
				return
			}
			if e != 0 {
				errc <- e
				return
			}
		}
	}()
	tid := <-tids
	waitBlockedIn(t, tid, unix.SYS_MSGRCV)
	if err := unix.Tgkill(os.Getpid(), tid, unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if e := <-errc; e != unix.EINTR {
		t.Fatalf("raw msgrcv returned %s, want EINTR", syserr.Name(e))
	}
	<-sigs
}

// Msgrcv retries after EINTR: the thread blocked in it is signalled, the
// call goes back to waiting, and the message sent afterwards arrives.
func TestEINTRRetry(t *testing.T) {
	id := newQueue(t)
	var retries int32
	testHookEINTR = func(string) { atomic.AddInt32(&retries, 1) }
	defer func() { testHookEINTR = nil }()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGUSR1)
	defer signal.Stop(sigs)

	type result struct {
		mtype int64
		text  string
		err   error
	}
	tids := make(chan int, 1)
	res := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- unix.Gettid()
		buf := make([]byte, 16)
		mt, n, err := Msgrcv(id, buf, 7, 0)
		res <- result{mt, string(buf[:n]), err}
	}()
	tid := <-tids
	for i := 0; i < 3; i++ {
		waitBlockedIn(t, tid, unix.SYS_MSGRCV)
		before := atomic.LoadInt32(&retries)
		if err := unix.Tgkill(os.Getpid(), tid, unix.SIGUSR1); err != nil {
			t.Fatal(err)
		}
		<-sigs
		// The thread is back in msgrcv only after the retry: wait for
		// both, the counter first.
		waitFor(t, "an EINTR retry", func() bool { return atomic.LoadInt32(&retries) > before })
	}
	waitBlockedIn(t, tid, unix.SYS_MSGRCV)
	send(t, id, 7, "after signals")
	r := <-res
	if r.err != nil || r.mtype != 7 || r.text != "after signals" {
		t.Fatalf("Msgrcv after signals = %d %q %v", r.mtype, r.text, r.err)
	}
	if n := atomic.LoadInt32(&retries); n < 3 {
		t.Errorf("%d EINTR retries seen, want at least 3", n)
	}
}

// C and Go agree on the message layout: a C msgsnd is read by Go's
// Msgrcv, a Go Msgsnd by C's msgrcv, types and lengths included.
func TestInteropWithC(t *testing.T) {
	cMsg := exampletest.BuildC(t, "testdata/msg.c")
	id := newQueue(t)
	sid := strconv.Itoa(id)
	if out, err := exec.Command(cMsg, "snd", sid, "42", "from C").CombinedOutput(); err != nil {
		t.Fatalf("C msgsnd: %v %s", err, out)
	}
	buf := make([]byte, 64)
	mt, n, err := Msgrcv(id, buf, 42, unix.IPC_NOWAIT)
	if err != nil || mt != 42 || string(buf[:n]) != "from C" {
		t.Errorf("Go got %d %q %v, want 42 \"from C\"", mt, buf[:n], err)
	}
	send(t, id, 9, "big type")
	send(t, id, 3, "from Go")
	out, err := exec.Command(cMsg, "rcv", sid, "-5", "64").Output()
	if err != nil || string(out) != "3 7 from Go\n" {
		t.Errorf("C msgrcv(msgtyp -5) printed %q, %v; want \"3 7 from Go\"", out, err)
	}
	out, err = exec.Command(cMsg, "rcv", sid, "0", "3").Output()
	if string(out) != fmt.Sprintf("error %d\n", int(unix.E2BIG)) {
		t.Errorf("C msgrcv into 3 bytes printed %q, %v; want E2BIG", out, err)
	}
}

func readInt(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitBlockedIn waits until thread tid of this process sleeps in system
// call nr. /proc/<pid>/task/<tid>/syscall shows the call's number only
// while the thread is blocked ("running" otherwise). Polling a kernel
// state is a wait for a condition, not an ordering by sleep; the deadline
// is only a guard.
func waitBlockedIn(t *testing.T, tid int, nr uintptr) {
	t.Helper()
	// Only the thread tid calls msgrcv here, so "a thread of this process"
	// is that thread.
	if err := peek.WaitBlocked(os.Getpid(), nr, -1, 30*time.Second); err != nil {
		t.Fatalf("thread %d: %v", tid, err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Flags and calls are spelled as a C programmer writes them.
func TestMsgFlags(t *testing.T) {
	for flags, want := range map[int]string{
		0:                                      "0",
		unix.IPC_CREAT | unix.IPC_EXCL | 0o600: "IPC_CREAT|IPC_EXCL|0600",
		unix.IPC_NOWAIT | MSG_NOERROR:          "IPC_NOWAIT|MSG_NOERROR",
		MSG_EXCEPT:                             "MSG_EXCEPT",
	} {
		if got := MsgFlags(flags); got != want {
			t.Errorf("MsgFlags(%#o) = %q, want %q", flags, got, want)
		}
	}
	if got := IPC_PRIVATE.String(); got != "0x00000000" {
		t.Errorf("IPC_PRIVATE = %s", got)
	}
}

// compareWithC checks the "name value" lines a C program printed (sizes,
// offsets, constants) against the Go values of the same names: every line
// must be known, equal, and none missing.
func compareWithC(t *testing.T, out string, goVals map[string]uintptr) {
	t.Helper()
	seen := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			t.Errorf("C printed %q, not \"name value\"", l)
			continue
		}
		c, _ := strconv.Atoi(f[1])
		g, ok := goVals[f[0]]
		if !ok {
			t.Errorf("C printed %q, which the test does not know", l)
			continue
		}
		seen++
		if uintptr(c) != g {
			t.Errorf("%s: C says %d, Go has %d", f[0], c, g)
		}
	}
	if seen != len(goVals) {
		t.Errorf("C printed %d of %d values:\n%s", seen, len(goVals), out)
	}
}
