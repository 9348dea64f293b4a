//go:build linux && (amd64 || arm64)

package sysv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/syserr"
)

// newSet makes a private set of nsems semaphores (mode 0600) that is
// removed when the test ends, whatever happens.
func newSet(t *testing.T, nsems int) int {
	t.Helper()
	id, err := Semget(IPC_PRIVATE, nsems, unix.IPC_CREAT|0o600)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("this kernel has no System V semaphores (CONFIG_SYSVIPC)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { SemctlRmid(id) }) // may be gone already
	return id
}

func getVal(t *testing.T, id, num int) int {
	t.Helper()
	v, err := SemctlGetVal(id, num)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func setVal(t *testing.T, id, num, val int) {
	t.Helper()
	if err := SemctlSetVal(id, num, val); err != nil {
		t.Fatal(err)
	}
}

// waitCount waits until GETNCNT (or GETZCNT, zero true) of semaphore num
// is want: the kernel's count of processes and threads asleep in semop on
// it. Polling that count is how one knows a waiter is really blocked; the
// deadline of waitFor is only a guard.
func waitCount(t *testing.T, id, num int, zero bool, want int) {
	t.Helper()
	get, what := SemctlGetNcnt, "GETNCNT"
	if zero {
		get, what = SemctlGetZcnt, "GETZCNT"
	}
	waitFor(t, what+" = "+strconv.Itoa(want), func() bool {
		n, err := get(id, num)
		return err == nil && n == want
	})
}

// blocked runs f on a locked OS thread of its own and returns that
// thread's id and f's result, once it comes. The thread id lets a test
// signal exactly the thread that sleeps in the system call.
func blocked(f func() error) (tid int, res <-chan error) {
	tids := make(chan int, 1)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- unix.Gettid()
		errc <- f()
	}()
	return <-tids, errc
}

// cSem runs testdata/sem.c with args and returns what it printed; it
// fails the test if the program fails.
func cSem(t *testing.T, args ...string) string {
	t.Helper()
	out, err := cSemRun(t, args...)
	if err != nil {
		t.Fatalf("C sem %q: %v, printed %q", args, err, out)
	}
	return out
}

// cSemRun runs testdata/sem.c with args: what it printed, how it ended.
func cSemRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(exampletest.BuildC(t, "testdata/sem.c"), args...).Output()
	return strings.TrimSpace(string(out)), err
}

// SemidDs and Sembuf have glibc's layout, and the constants glibc's values.
func TestSemLayout(t *testing.T) {
	var ds SemidDs
	var b Sembuf
	goVals := map[string]uintptr{
		"sizeof_semid_ds": unsafe.Sizeof(ds),
		"sizeof_ipc_perm": unsafe.Sizeof(ds.Perm),
		"sem_perm":        unsafe.Offsetof(ds.Perm),
		"sem_perm.__key":  unsafe.Offsetof(ds.Perm) + unsafe.Offsetof(ds.Perm.Key),
		"sem_perm.uid":    unsafe.Offsetof(ds.Perm) + unsafe.Offsetof(ds.Perm.Uid),
		"sem_perm.mode":   unsafe.Offsetof(ds.Perm) + unsafe.Offsetof(ds.Perm.Mode),
		"sem_otime":       unsafe.Offsetof(ds.Otime),
		"sem_ctime":       unsafe.Offsetof(ds.Ctime),
		"sem_nsems":       unsafe.Offsetof(ds.Nsems),
		"sizeof_sembuf":   unsafe.Sizeof(b),
		"sem_num":         unsafe.Offsetof(b.Num),
		"sem_op":          unsafe.Offsetof(b.Op),
		"sem_flg":         unsafe.Offsetof(b.Flg),
		"SEM_UNDO":        SEM_UNDO,
		"GETPID":          GETPID,
		"GETVAL":          GETVAL,
		"GETALL":          GETALL,
		"GETNCNT":         GETNCNT,
		"GETZCNT":         GETZCNT,
		"SETVAL":          SETVAL,
		"SETALL":          SETALL,
		"SEM_STAT":        SEM_STAT,
		"SEM_INFO":        SEM_INFO,
		"SEM_STAT_ANY":    SEM_STAT_ANY,
	}
	out := cSem(t, "layout")
	compareWithC(t, out, goVals)
	// The numbers the design notes rely on (amd64; arm64 has no padding
	// after the times: 88 bytes, nsems@64).
	want := map[string][3]uintptr{"amd64": {104, 48, 80}, "arm64": {88, 48, 64}}[runtime.GOARCH]
	if got := [3]uintptr{unsafe.Sizeof(ds), unsafe.Offsetof(ds.Otime), unsafe.Offsetof(ds.Nsems)}; got != want {
		t.Errorf("sizeof, otime@, nsems@ = %v, want %v", got, want)
	}
}

// P and V, and what the kernel records: the value, sempid, sem_otime.
func TestPV(t *testing.T) {
	id := newSet(t, 2)
	var ds SemidDs
	if err := SemctlStat(id, &ds); err != nil {
		t.Fatal(err)
	}
	if ds.Nsems != 2 || ds.Otime != 0 || ds.Perm.Mode&0o777 != 0o600 || ds.Ctime == 0 {
		t.Errorf("new set: nsems %d otime %d mode %o ctime %d; want 2, 0 (no semop yet), 600, set", ds.Nsems, ds.Otime, ds.Perm.Mode&0o777, ds.Ctime)
	}
	// Linux starts every value at 0 (POSIX does not promise it).
	if vals, err := SemctlGetAll(id); err != nil || len(vals) != 2 || vals[0] != 0 || vals[1] != 0 {
		t.Errorf("GETALL of a new set = %v, %v; want [0 0]", vals, err)
	}
	if pid, err := SemctlGetPid(id, 0); err != nil || pid != 0 {
		t.Errorf("GETPID of a new set = %d, %v; want 0", pid, err)
	}
	setVal(t, id, 0, 1)
	if err := SemctlStat(id, &ds); err != nil || ds.Otime != 0 {
		t.Errorf("SETVAL moved sem_otime to %d (%v): only semop does", ds.Otime, err)
	}
	before := time.Now().Unix()
	// P: 1 -> 0; V: 0 -> 1; and both in one call on two semaphores.
	if err := Semop(id, []Sembuf{{Num: 0, Op: -1}}); err != nil {
		t.Fatal(err)
	}
	if v := getVal(t, id, 0); v != 0 {
		t.Errorf("after P: %d, want 0", v)
	}
	if err := Semop(id, []Sembuf{{Num: 0, Op: 1}, {Num: 1, Op: 5}}); err != nil {
		t.Fatal(err)
	}
	if vals, err := SemctlGetAll(id); err != nil || vals[0] != 1 || vals[1] != 5 {
		t.Errorf("after V on both: %v, %v; want [1 5]", vals, err)
	}
	// semop stamps sem_otime (SETVAL left it 0). The kernel's clock for it
	// is the coarse one, which may still show the previous second when
	// time.Now has passed into the next: allow one second.
	if err := SemctlStat(id, &ds); err != nil || ds.Otime == 0 || ds.Otime < before-1 {
		t.Errorf("sem_otime %d after semop, want a stamp of about %d (%v)", ds.Otime, before, err)
	}
	if pid, err := SemctlGetPid(id, 1); err != nil || pid != os.Getpid() {
		t.Errorf("GETPID = %d, %v; want this process, %d", pid, err, os.Getpid())
	}
	// SETALL sets every value; wait-for-zero passes at 0.
	if err := SemctlSetAll(id, []uint16{0, 32767}); err != nil {
		t.Fatal(err)
	}
	if vals, err := SemctlGetAll(id); err != nil || vals[0] != 0 || vals[1] != 32767 {
		t.Errorf("after SETALL: %v, %v", vals, err)
	}
	if err := Semop(id, []Sembuf{{Num: 0, Op: 0, Flg: unix.IPC_NOWAIT}}); err != nil {
		t.Errorf("wait-for-zero on 0: %v", err)
	}
}

// Every errno the examples teach, provoked for real.
func TestSemErrnos(t *testing.T) {
	id := newSet(t, 1)

	// EAGAIN: a P on 0, or a wait-for-zero on 1, with IPC_NOWAIT.
	err := Semop(id, []Sembuf{{Num: 0, Op: -1, Flg: unix.IPC_NOWAIT | SEM_UNDO}})
	wantErrno(t, "P on 0 with IPC_NOWAIT", err, unix.EAGAIN)
	if err != nil && !strings.HasPrefix(err.Error(), "semop({0, -1, IPC_NOWAIT|SEM_UNDO}) failed: EAGAIN (resource temporarily unavailable): the operation would block") {
		t.Errorf("error text %q", err)
	}
	setVal(t, id, 0, 1)
	wantErrno(t, "wait-for-zero on 1 with IPC_NOWAIT", Semop(id, []Sembuf{{Op: 0, Flg: unix.IPC_NOWAIT}}), unix.EAGAIN)
	// All or nothing: the first operation could be done, the second not.
	wantErrno(t, "P then P", Semop(id, []Sembuf{{Op: -1, Flg: unix.IPC_NOWAIT}, {Op: -1, Flg: unix.IPC_NOWAIT}}), unix.EAGAIN)
	if v := getVal(t, id, 0); v != 1 {
		t.Errorf("after a failed semop of two P: %d, want 1 (none applied)", v)
	}

	// ERANGE: above SEMVMX, below 0, and a V past SEMVMX.
	err = SemctlSetVal(id, 0, SEMVMX+1)
	wantErrno(t, "SETVAL 32768", err, unix.ERANGE)
	if err != nil && !strings.HasPrefix(err.Error(), "semctl(SETVAL) failed: ERANGE (numerical result out of range): the value is below 0 or above SEMVMX") {
		t.Errorf("error text %q", err)
	}
	wantErrno(t, "SETVAL -1", SemctlSetVal(id, 0, -1), unix.ERANGE)
	wantErrno(t, "SETVAL 1<<32+1", SemctlSetVal(id, 0, 1<<32+1), unix.ERANGE)
	if v := getVal(t, id, 0); v != 1 {
		t.Errorf("after three refused SETVALs: %d, want 1", v)
	}
	if err := SemctlSetVal(id, 0, SEMVMX); err != nil {
		t.Errorf("SETVAL 32767: %v", err)
	}
	wantErrno(t, "V on 32767", Semop(id, []Sembuf{{Op: 1}}), unix.ERANGE)
	wantErrno(t, "SETALL 40000", SemctlSetAll(id, []uint16{40000}), unix.ERANGE)
	wantErrno(t, "SETALL of 2 values on 1", SemctlSetAll(id, []uint16{1, 1}), unix.EINVAL)

	// E2BIG: more than SEMOPM operations in one call; SEMOPM pass.
	semopm := semLimit(t, 2)
	ops := make([]Sembuf, semopm+1)
	wantErrno(t, "semop of SEMOPM+1 operations", Semop(id, ops), unix.E2BIG)
	setVal(t, id, 0, 0)
	if err := Semop(id, ops[:semopm]); err != nil {
		t.Errorf("semop of SEMOPM (%d) wait-for-zero operations on 0: %v", semopm, err)
	}

	// EFBIG: no semaphore 1 in a set of 1. EINVAL: no operations, and
	// semctl on a semaphore the set lacks.
	wantErrno(t, "semop on sem_num 1", Semop(id, []Sembuf{{Num: 1, Op: 1}}), unix.EFBIG)
	wantErrno(t, "semop of no operations", Semop(id, nil), unix.EINVAL)
	_, err = SemctlGetVal(id, 1)
	wantErrno(t, "GETVAL of semaphore 1", err, unix.EINVAL)

	// semget: EINVAL for 0 semaphores or more than SEMMSL; EEXIST and
	// ENOENT on a key of our own.
	_, err = Semget(IPC_PRIVATE, 0, unix.IPC_CREAT|0o600)
	wantErrno(t, "semget of 0 semaphores", err, unix.EINVAL)
	_, err = Semget(IPC_PRIVATE, semLimit(t, 0)+1, unix.IPC_CREAT|0o600)
	wantErrno(t, "semget of SEMMSL+1 semaphores", err, unix.EINVAL)
	key, err := Ftok(t.TempDir(), 0x53)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Semget(key, 1, 0o600)
	wantErrno(t, "semget without IPC_CREAT", err, unix.ENOENT)
	kid, err := Semget(key, 3, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer SemctlRmid(kid)
	_, err = Semget(key, 3, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	wantErrno(t, "semget(IPC_CREAT|IPC_EXCL) twice", err, unix.EEXIST)
	if err != nil && !strings.HasPrefix(err.Error(), "semget("+key.String()+", 3, IPC_CREAT|IPC_EXCL|0600) failed: EEXIST") {
		t.Errorf("error text %q", err)
	}
	if again, err := Semget(key, 0, 0); err != nil || again != kid {
		t.Errorf("semget(key, 0, 0) = %d, %v; want %d", again, err, kid)
	}
	_, err = Semget(key, 4, 0)
	wantErrno(t, "semget of 4 from a set of 3", err, unix.EINVAL)

	// After IPC_RMID the id is invalid.
	if err := SemctlRmid(id); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "semop after IPC_RMID", Semop(id, []Sembuf{{Op: 1}}), unix.EINVAL)
	_, err = SemctlGetVal(id, 0)
	wantErrno(t, "GETVAL after IPC_RMID", err, unix.EINVAL)
	wantErrno(t, "IPC_RMID twice", SemctlRmid(id), unix.EINVAL)
}

// semLimit is field i of /proc/sys/kernel/sem: SEMMSL, SEMMNS, SEMOPM,
// SEMMNI.
func semLimit(t *testing.T, i int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/kernel/sem")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	n, err := strconv.Atoi(f[i])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A thread blocked in semop counts in GETNCNT (P) or GETZCNT (wait for
// zero) and wakes with EIDRM when the set is removed.
func TestSemEIDRM(t *testing.T) {
	id := newSet(t, 2)
	setVal(t, id, 1, 1)
	_, p := blocked(func() error { return Semop(id, []Sembuf{{Num: 0, Op: -1}}) })
	_, z := blocked(func() error { return Semop(id, []Sembuf{{Num: 1, Op: 0}}) })
	waitCount(t, id, 0, false, 1)
	waitCount(t, id, 1, true, 1)
	if n, _ := SemctlGetZcnt(id, 0); n != 0 {
		t.Errorf("GETZCNT of semaphore 0 = %d, want 0", n)
	}
	if err := SemctlRmid(id); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "blocked P, set removed", <-p, unix.EIDRM)
	wantErrno(t, "blocked wait-for-zero, set removed", <-z, unix.EIDRM)
}

// The kernel returns EINTR from a semop interrupted by a signal handler,
// even one installed with SA_RESTART, as the Go runtime's are: a raw call,
// without the wrapper's retry, shows it.
func TestSemEINTRHappens(t *testing.T) {
	id := newSet(t, 1)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGUSR1)
	defer signal.Stop(sigs)
	tid, errc := blocked(func() error {
		op := Sembuf{Op: -1}
		_, _, e := unix.Syscall(unix.SYS_SEMOP, uintptr(id), uintptr(unsafe.Pointer(&op)), 1)
		return e
	})
	waitCount(t, id, 0, false, 1)
	if err := unix.Tgkill(os.Getpid(), tid, unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if e := <-errc; e != unix.EINTR {
		t.Fatalf("raw semop returned %v, want EINTR", e)
	}
	<-sigs
}

// Semop retries after EINTR: the thread blocked in it is signalled, the
// call goes back to waiting, and the V that comes afterwards lets it
// through.
func TestSemopEINTRRetry(t *testing.T) {
	id := newSet(t, 1)
	var retries int32
	testHookEINTR = func(call string) {
		if call == "semop" {
			atomic.AddInt32(&retries, 1)
		}
	}
	defer func() { testHookEINTR = nil }()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGUSR1)
	defer signal.Stop(sigs)

	tid, errc := blocked(func() error { return Semop(id, []Sembuf{{Op: -1}}) })
	for i := 0; i < 3; i++ {
		waitCount(t, id, 0, false, 1)
		before := atomic.LoadInt32(&retries)
		if err := unix.Tgkill(os.Getpid(), tid, unix.SIGUSR1); err != nil {
			t.Fatal(err)
		}
		<-sigs
		waitFor(t, "an EINTR retry", func() bool { return atomic.LoadInt32(&retries) > before })
	}
	waitCount(t, id, 0, false, 1)
	if err := Semop(id, []Sembuf{{Op: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Semop after signals: %v", err)
	}
	if v := getVal(t, id, 0); v != 0 {
		t.Errorf("value %d after V and the waiter's P, want 0", v)
	}
	if n := atomic.LoadInt32(&retries); n < 3 {
		t.Errorf("%d EINTR retries seen, want at least 3", n)
	}
}

// A semtimedop that cannot be satisfied gives up with EAGAIN; a timeout of
// 0 makes one attempt. Nothing here measures time: the timeouts only have
// to expire.
func TestSemtimedopTimeout(t *testing.T) {
	id := newSet(t, 1)
	err := Semtimedop(id, []Sembuf{{Op: -1}}, time.Millisecond)
	wantErrno(t, "semtimedop P on 0, 1ms", err, unix.EAGAIN)
	if err != nil && !strings.Contains(err.Error(), "semtimedop({0, -1, 0}, 1ms) failed: EAGAIN (resource temporarily unavailable): the timeout expired") {
		t.Errorf("error text %q", err)
	}
	wantErrno(t, "semtimedop P on 0, timeout 0", Semtimedop(id, []Sembuf{{Op: -1}}, 0), unix.EAGAIN)
	err = Semtimedop(id, []Sembuf{{Op: -1, Flg: unix.IPC_NOWAIT}}, time.Hour)
	wantErrno(t, "semtimedop P on 0 with IPC_NOWAIT", err, unix.EAGAIN)
	if err != nil && !strings.HasSuffix(err.Error(), "the operation would block and IPC_NOWAIT was given") {
		t.Errorf("error text %q", err)
	}
	wantErrno(t, "semtimedop with a negative timeout", Semtimedop(id, []Sembuf{{Op: -1}}, -time.Second), unix.EINVAL)
	setVal(t, id, 0, 1)
	if err := Semtimedop(id, []Sembuf{{Op: -1}}, 0); err != nil {
		t.Errorf("semtimedop P on 1, timeout 0: %v", err)
	}
	if err := Semtimedop(id, []Sembuf{{Op: 1}}, time.Hour); err != nil {
		t.Errorf("semtimedop V: %v", err)
	}
	if v := getVal(t, id, 0); v != 1 {
		t.Errorf("value %d, want 1", v)
	}
}

// After EINTR, Semtimedop waits only for what is left of its timeout. A
// fake clock, which moves by step each time Semtimedop reads it, makes the
// timeouts it passes to the kernel exact: timeout, timeout-step, ...; and
// once the time is used up, 0, which fails with EAGAIN at once.
func TestSemtimedopRecomputesTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		step    time.Duration
		signals int
		wantErr unix.Errno // 0: the V lets it through
	}{
		{"time left", 10 * time.Minute, 3, 0},
		{"time used up", 2 * time.Hour, 1, unix.EAGAIN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const timeout = time.Hour // never expires for real
			id := newSet(t, 1)
			base := time.Now()
			var mu sync.Mutex
			reads := 0
			var passed []time.Duration
			semNow = func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				reads++
				return base.Add(time.Duration(reads-1) * tc.step)
			}
			testHookSemtimedop = func(d time.Duration) {
				mu.Lock()
				passed = append(passed, d)
				mu.Unlock()
			}
			var retries int32
			testHookEINTR = func(string) { atomic.AddInt32(&retries, 1) }
			defer func() { semNow, testHookSemtimedop, testHookEINTR = time.Now, nil, nil }()
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, unix.SIGUSR1)
			defer signal.Stop(sigs)

			tid, errc := blocked(func() error { return Semtimedop(id, []Sembuf{{Op: -1}}, timeout) })
			for i := 0; i < tc.signals; i++ {
				waitCount(t, id, 0, false, 1)
				before := atomic.LoadInt32(&retries)
				if err := unix.Tgkill(os.Getpid(), tid, unix.SIGUSR1); err != nil {
					t.Fatal(err)
				}
				<-sigs
				waitFor(t, "an EINTR retry", func() bool { return atomic.LoadInt32(&retries) > before })
			}
			if tc.wantErr == 0 {
				waitCount(t, id, 0, false, 1)
				if err := Semop(id, []Sembuf{{Op: 1}}); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			select {
			case err = <-errc:
			case <-time.After(30 * time.Second): // a guard, not a measurement
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("Semtimedop still blocked: the retry did not shorten the timeout (timeouts passed: %v)", passed)
			}
			if syserr.Errno(err) != tc.wantErr {
				t.Fatalf("Semtimedop = %v, want errno %d", err, tc.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(passed) < tc.signals+1 {
				t.Fatalf("%d semtimedop calls (%v), want at least %d", len(passed), passed, tc.signals+1)
			}
			// Call i came after i EINTRs and i+1 reads of the clock: the
			// first read fixed the deadline at base+timeout.
			for i, d := range passed {
				want := timeout - time.Duration(i)*tc.step
				if want < 0 {
					want = 0
				}
				if d != want {
					t.Errorf("call %d got timeout %v, want %v (all: %v)", i, d, want, passed)
				}
			}
		})
	}
}

// C and Go agree on union semun and struct sembuf: a value set by C's
// SETVAL (the union by value) reads back in Go, Go's SETALL (the union as
// a pointer) reads back in C's GETALL, and C's semop moves the values Go
// sees.
func TestSemInteropWithC(t *testing.T) {
	id := newSet(t, 3)
	sid := strconv.Itoa(id)
	cSem(t, "setval", sid, "1", "7")
	if v := getVal(t, id, 1); v != 7 {
		t.Errorf("C SETVAL 7 on #1, Go GETVAL = %d", v)
	}
	if err := SemctlSetAll(id, []uint16{3, 1, 32767}); err != nil {
		t.Fatal(err)
	}
	if got := cSem(t, "getall", sid); got != "3 1 32767" {
		t.Errorf("Go SETALL 3 1 32767, C GETALL = %q", got)
	}
	cSem(t, "op", sid, "2", "-2")
	if v := getVal(t, id, 2); v != 32765 {
		t.Errorf("C semop {2, -2, 0}: Go GETVAL = %d, want 32765", v)
	}
	if got, err := cSemRun(t, "setval", sid, "0", "32768"); err == nil || got != "error "+strconv.Itoa(int(unix.ERANGE)) {
		t.Errorf("C SETVAL 32768 printed %q (%v), want ERANGE", got, err)
	}
}

// SEM_UNDO: a process that ends after a P with SEM_UNDO gives the
// semaphore back; without it, the P stays.
func TestSemUndo(t *testing.T) {
	id := newSet(t, 1)
	sid := strconv.Itoa(id)
	setVal(t, id, 0, 1)
	cSem(t, "op", sid, "0", "-1", "undo")
	if v := getVal(t, id, 0); v != 1 {
		t.Errorf("after a P with SEM_UNDO and exit: %d, want 1 (undone)", v)
	}
	cSem(t, "op", sid, "0", "-1")
	if v := getVal(t, id, 0); v != 0 {
		t.Errorf("after a P without SEM_UNDO and exit: %d, want 0 (kept)", v)
	}
}

// Flags and operations are spelled as a C programmer writes them.
func TestSemNames(t *testing.T) {
	for flg, want := range map[int16]string{
		0:                          "0",
		unix.IPC_NOWAIT:            "IPC_NOWAIT",
		SEM_UNDO:                   "SEM_UNDO",
		unix.IPC_NOWAIT | SEM_UNDO: "IPC_NOWAIT|SEM_UNDO",
		SEM_UNDO | 0o4:             "SEM_UNDO|04",
	} {
		if got := semFlags(flg); got != want {
			t.Errorf("semFlags(%#o) = %q, want %q", flg, got, want)
		}
	}
	ops := []Sembuf{{Num: 0, Op: -1, Flg: SEM_UNDO}, {Num: 4, Op: -1, Flg: SEM_UNDO}}
	if got := opsCall("semop", ops, ""); got != "semop({0, -1, SEM_UNDO}, {4, -1, SEM_UNDO})" {
		t.Errorf("opsCall = %q", got)
	}
	if got := opsCall("semop", make([]Sembuf, 501), ""); got != "semop(501 operations)" {
		t.Errorf("opsCall of 501 = %q", got)
	}
	if got := semCtlName(GETNCNT) + " " + semCtlName(unix.IPC_RMID); got != "GETNCNT IPC_RMID" {
		t.Errorf("semCtlName = %q", got)
	}
}

// The struct and array that semctl fills must still be where the kernel
// writes when the goroutine's stack grows during the call. They were not
// when the pointer became a uintptr before the system call: at some stack
// depths IPC_STAT then read back a zeroed struct. Each depth here makes the
// stack grow at a different moment.
func TestSemctlPointerSurvivesStackGrowth(t *testing.T) {
	id, err := Semget(IPC_PRIVATE, 3, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer SemctlRmid(id)
	if err := SemctlSetAll(id, []uint16{7, 8, 9}); err != nil {
		t.Fatal(err)
	}
	for depth := 0; depth < 200; depth++ {
		done := make(chan string)
		go func(depth int) { done <- statAtDepth(id, depth) }(depth) // a fresh, small stack
		if msg := <-done; msg != "" {
			t.Fatalf("depth %d: %s", depth, msg)
		}
	}
}

func statAtDepth(id, depth int) string {
	var pad [64]byte // each level takes some stack
	if depth > 0 {
		r := statAtDepth(id, depth-1)
		pad[0] = byte(len(r))
		return r
	}
	var ds SemidDs
	if err := SemctlStat(id, &ds); err != nil {
		return err.Error()
	}
	if ds.Nsems != 3 {
		return "IPC_STAT read back nsems " + strconv.Itoa(int(ds.Nsems)) + ", want 3"
	}
	vals, err := SemctlGetAll(id)
	if err != nil {
		return err.Error()
	}
	if len(vals) != 3 || vals[0] != 7 || vals[2] != 9 {
		return fmt.Sprintf("GETALL read back %v, want [7 8 9]", vals)
	}
	return string(pad[:0])
}
