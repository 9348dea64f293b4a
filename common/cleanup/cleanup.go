//go:build linux && (amd64 || arm64)

// Package cleanup removes what a program made, whatever ends it.
//
// A System V queue, a semaphore set, a FIFO or a socket file outlives the
// process that made it. In C one removes it at the end of main, in an
// atexit() handler, or in a signal handler; in Go a deferred call runs on
// none of Ctrl-C, SIGTERM, SIGHUP, os.Exit or log.Fatal. So every object
// is registered here the moment it exists, and every way out goes through
// one path that removes what is registered:
//
//	cleanup.Catch("server") // first thing in main (and in a role)
//	fifo, err := cleanup.Make(func() (string, func() error, error) {
//		if err := unix.Mkfifo(path, 0o600); err != nil {
//			return "", nil, err
//		}
//		return "FIFO " + path, func() error { return os.Remove(path) }, nil
//	})
//	if err != nil {
//		cleanup.FailText(fmt.Sprintf("mkfifo %s: %v\n", path, err))
//	}
//	...
//	fifo.ReleaseThen(func(err error) { fmt.Println("removed the FIFO") })
//	cleanup.Exit(0) // not a return from main: nothing depends on a defer
//
// (Example_program in example_test.go is this program whole, compiled by
// go test; ExampleMake runs the part that makes and removes.)
//
// The ways out:
//
//   - a signal: Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed) and
//     SIGPIPE when standard output or error is a pipe nobody reads ("| head";
//     a SIGPIPE from a write to another pipe only makes that write return
//     EPIPE, as in any Go program); Catch handles them. What is registered is undone, newest first, a
//     line on standard error says what was removed, and the program then
//     dies of that same signal, as it would have without the handler, so
//     its parent sees "killed by signal 2" and a shell prints $? = 130;
//   - a failure: FailText writes the message it is given and exits 1
//     after undoing;
//   - a normal end: Exit(0), which undoes whatever is left.
//
// One mutex orders all of it. Make runs the call that creates an object and
// registers its undo under the lock, and the signal path takes the same
// lock and never gives it back, so an interrupt cannot fall between
// "created" and "registered", or between "removed" and "said so"
// (ReleaseThen). Once the program is going down, Stopping reports true and
// common/say drops the lines that would otherwise still come out of other
// goroutines. kill -9 cannot be caught: what it leaves is what the kernel
// keeps (a queue or a semaphore set; a segment already marked IPC_RMID
// goes with its last attachment), and each example says so.
package cleanup

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Signals are the signals Catch handles: the ways a terminal, a shell or a
// pipe ends a program.
var Signals = []syscall.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGPIPE}

var (
	mu       sync.Mutex // held for good once the program is going down
	next     int
	undos    = map[int]entry{}
	stopping atomic.Bool
	pending  atomic.Int32 // a signal (or -1: a failure) that Later queued
	inside   atomic.Int32 // callbacks running under the lock (Make, ReleaseThen, Locked)
	failMsg  atomic.Value // string: what Later's failure prints

	tag      string // "server 4242" in the report line
	channels = map[syscall.Signal]chan os.Signal{}
	ignored  = map[syscall.Signal]bool{} // ignored when the program started
)

type entry struct {
	what string
	undo func() error
}

// Handle is one registered object.
type Handle struct{ id int }

// Catch makes SIGINT, SIGTERM, SIGHUP and SIGPIPE undo everything that is
// registered and then end the program as the signal would have. role names
// the process in the line that reports what was removed. A signal that
// was ignored when the program started (SIGHUP under nohup, SIGINT for a
// job started with & by a script) stays ignored, as the user asked.
func Catch(role string) {
	mu.Lock()
	defer mu.Unlock()
	tag = fmt.Sprintf("%s %d", role, os.Getpid())
	for _, sig := range Signals {
		if _, ok := channels[sig]; ok {
			continue
		}
		if signal.Ignored(sig) {
			ignored[sig] = true
			continue
		}
		c := make(chan os.Signal, 1) // Notify never blocks: a buffer of one is enough
		channels[sig] = c
		signal.Notify(c, sig)
		catchers.Add(1)
		go catcher(c)
	}
}

var (
	exiting  = make(chan struct{}) // closed by settle: the program is ending
	exitOnce sync.Once
	catchers sync.WaitGroup // the catcher goroutines still waiting
)

// catcher waits for one caught signal and ends the program by it. A
// SIGPIPE counts only when standard output or error is broken: the kernel
// sends it for a write to any pipe whose reader is gone, and a Go
// program's default is to die of it for descriptors 1 and 2 only and let
// any other write return EPIPE to its caller (os.File's epipecheck); the
// same here, so a program that writes to a child's pipe sees EPIPE, and
// "| head" still ends it, after cleaning up.
//
// The signal is recorded (pending) before the goroutine says it is done,
// so that an Exit or Fail racing it (settle waits for every catcher)
// ends the program by the signal: the runtime hands a signal to this
// goroutine, not to a buffer that Exit could look into.
func catcher(c chan os.Signal) {
	for {
		select {
		case s := <-c:
			sig := s.(syscall.Signal)
			if sig == unix.SIGPIPE && !stdBroken() {
				continue
			}
			pending.CompareAndSwap(0, int32(sig))
			stopping.Store(true)
			catchers.Done()
			Die(sig)
		case <-exiting:
			catchers.Done()
			return
		}
	}
}

// settle makes every catcher either record the signal it was handed or
// stop, then looks for a signal still in a channel's buffer: from then on
// pending says whether a signal is ending the program.
func settle() {
	exitOnce.Do(func() { close(exiting) })
	catchers.Wait()
	caught()
}

// IsEnding reports whether sig is one of Signals: one that ends a run.
func IsEnding(sig syscall.Signal) bool {
	for _, s := range Signals {
		if s == sig {
			return true
		}
	}
	return false
}

// FollowChild ends this program by the signal that killed a child, if it
// is one of Signals, and returns otherwise. Ctrl-C and SIGHUP reach the
// whole process group, and a closed standard output breaks whoever writes
// to it next: the child may die of it before this process's own handler
// runs, and its death is then this run's ending, not a failure to report.
func FollowChild(ws syscall.WaitStatus) {
	if ws.Signaled() && IsEnding(ws.Signal()) {
		Die(ws.Signal())
	}
}

// stdBroken reports whether standard output or error is a pipe with no
// reader left: poll says POLLERR for its write end.
func stdBroken() bool {
	fds := []unix.PollFd{{Fd: 1, Events: unix.POLLOUT}, {Fd: 2, Events: unix.POLLOUT}}
	for {
		_, err := unix.Poll(fds, 0)
		if err != unix.EINTR {
			break
		}
	}
	for _, f := range fds {
		if f.Revents&unix.POLLERR != 0 {
			return true
		}
	}
	return false
}

// Uncatch stops handling sig, for an example that shows what sig does
// itself (a Ctrl-C handler of its own, the default action of SIGINT). Call
// Catch again to take it back.
func Uncatch(sig syscall.Signal) {
	mu.Lock()
	defer mu.Unlock()
	if c, ok := channels[sig]; ok {
		signal.Stop(c)
		delete(channels, sig)
	}
}

// Make calls mk, which creates one object and returns what it is (for the
// report: "FIFO /tmp/x/myfifo") and how to remove it, and registers the
// removal if mk succeeded. The lock is held during mk, so an interrupt
// waits until the object is both made and registered. The lock is not
// reentrant: mk (and an undo, and a ReleaseThen or Locked callback) must
// not call Make, Release, Locked, Exit or say.Fatal (which ends through
// FailText), nor start a common/child command (Start registers the child
// itself): return the error and fail after.
func Make(mk func() (what string, undo func() error, err error)) (*Handle, error) {
	mu.Lock()
	defer mu.Unlock()
	inside.Add(1)
	defer inside.Add(-1) // also if mk ends its goroutine (t.Fatal in a test)
	what, undo, err := mk()
	if err != nil {
		return nil, err
	}
	next++
	undos[next] = entry{what, undo}
	return &Handle{next}, nil
}

// Release removes the object now and forgets it.
func (h *Handle) Release() error {
	var err error
	h.ReleaseThen(func(e error) { err = e })
	return err
}

// ReleaseThen removes the object and calls then with the result, both
// under the lock: a line that says "removed" is printed if and only if
// the object is gone.
func (h *Handle) ReleaseThen(then func(err error)) {
	if h == nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	e, ok := undos[h.id]
	if !ok {
		return
	}
	delete(undos, h.id)
	inside.Add(1)
	defer inside.Add(-1)
	err := e.undo()
	if then != nil {
		then(err)
	}
}

// Forget drops the registration without removing the object: someone else
// removed it, or it is handed on on purpose (a demo that leaves a segment
// to show the leak).
func (h *Handle) Forget() {
	if h == nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	delete(undos, h.id)
}

// Remove runs remove, a call that removes the object itself (written where
// the reader sees it: msgctl(IPC_RMID) in a signal thread's port), and
// forgets the registration if it succeeded, both under the lock. An ending
// at the same moment either finds the object still registered and removes
// it, or finds it gone and forgotten: it is never removed twice, and never
// reported as "could not remove". remove must not call what Make's mk must
// not call.
func (h *Handle) Remove(remove func() error) error {
	mu.Lock()
	defer mu.Unlock()
	inside.Add(1)
	defer inside.Add(-1)
	err := remove()
	if err == nil && h != nil {
		delete(undos, h.id)
	}
	return err
}

// Locked runs f under the lock, so that no interrupt is handled while it
// runs: for a step whose effect and whose report must not be separated.
func Locked(f func()) {
	mu.Lock()
	defer mu.Unlock()
	inside.Add(1)
	defer inside.Add(-1)
	f()
}

// InCallback reports whether a Make, ReleaseThen or Locked callback is
// running, with the lock held. Code that may run there (common/say's
// writes) must then end the program with Later, not Die or Fail, which
// would wait for the lock its own caller holds.
func InCallback() bool { return inside.Load() > 0 }

// Stopping reports whether the program is going down: a signal or a
// failure is being handled. Output after that point would be a lie or a
// duplicate; common/say drops it.
func Stopping() bool { return stopping.Load() }

// Later queues Die(sig) (or, with sig 0, FailText(msg)) on a goroutine
// of its own and returns at once. It is for code that may run while the
// lock is held, in a Make or ReleaseThen callback: common/say calls it
// when a write to standard output fails, and a line printed from a
// ReleaseThen callback is exactly such a write. From the call on,
// Stopping is true, and an Exit or Fail that comes first ends the program
// as Later asked, not with its own status.
func Later(sig syscall.Signal, msg string) {
	v := int32(sig)
	if sig == 0 {
		v = -1
		failMsg.Store(msg)
	}
	if !pending.CompareAndSwap(0, v) {
		return
	}
	stopping.Store(true)
	go func() {
		mu.Lock()
		endPending()
	}()
}

// caught notes a signal that has arrived on a Catch channel but whose
// goroutine has not run yet: a failure seen at the same moment is most
// likely that signal's doing (a child killed by the same Ctrl-C).
func caught() {
	for sig, c := range channels {
		select {
		case <-c:
			if sig != unix.SIGPIPE || stdBroken() {
				pending.CompareAndSwap(0, int32(sig))
			}
		default:
		}
	}
}

// endPending ends the program as Later asked, with the lock held; it
// returns if nothing is pending.
func endPending() {
	switch v := pending.Load(); {
	case v > 0:
		report(unix.SignalName(syscall.Signal(v)), undoAll())
		raise(syscall.Signal(v))
	case v < 0:
		msg, _ := failMsg.Load().(string)
		fmt.Fprint(os.Stderr, msg) // nobody left to tell
		report("", undoAll())
		exit(1)
	}
}

// Die undoes everything registered, reports it on standard error, and ends
// the process by sig, as if sig had never been caught. It does not return.
// It must not be called with the lock held (from a Make or ReleaseThen
// callback): use Later there.
func Die(sig syscall.Signal) {
	// Said before waiting for the lock: a Fail or Exit that holds it now
	// ends the program by this signal rather than by its own status.
	// If another ending was recorded first, that one wins. endPending
	// does not return: pending is set either way.
	pending.CompareAndSwap(0, int32(sig))
	stopping.Store(true)
	mu.Lock() // never unlocked
	endPending()
	raise(sig) // not reached
}

// FailText ends the program for a failure: it writes msg (the whole
// message, already formatted, with its newline) to standard error, undoes
// everything, and exits with status 1. If the program is already going
// down (a signal came first), it waits for that instead and msg is not
// written, so a Ctrl-C is never reported as a failure. It does not
// return, and calls nothing of its caller's: common/say formats the
// message and hands it over.
func FailText(msg string) {
	fail(func() { fmt.Fprint(os.Stderr, msg) }) // nobody left to tell if it fails
}

func fail(print func()) {
	mu.Lock() // never unlocked
	stopping.Store(true)
	settle()
	// Go is not C here: a C handler runs the moment the signal arrives,
	// while Go's runtime takes the signal and hands it to the channel
	// through a goroutine, a little later. A failure seen at that moment
	// is most likely the signal's doing (a child that cleaned up on the
	// same Ctrl-C or SIGHUP removed what this call used): the runtime
	// gets up to 100 ms to hand over a signal it has taken, for as long
	// as one may be on its way (signalOnItsWay).
	// (nanosleep(2) itself, not time.Sleep: a program failing for want of
	// descriptors must not need one, and Go 1.20's first timer opens the
	// runtime's poller)
	waited := "nothing on its way"
	for wait := time.Now().Add(100 * time.Millisecond); ; {
		runtime.Gosched() // a hand-off queued behind this goroutine runs now
		// Looked at before the channels: what was on its way then and
		// arrived since is in its channel now.
		onItsWay := signalOnItsWay()
		caught()
		if pending.Load() != 0 {
			waited = "a signal"
			break
		}
		if !onItsWay {
			break
		}
		if !time.Now().Before(wait) {
			waited = "the time limit"
			break
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 1e6}, nil) // the runtime's delivery, not an order between processes
	}
	if onFailWait != nil {
		onFailWait(waited)
	}
	endPending()
	if print != nil {
		print()
	}
	pause("settled")
	report("", undoAll())
	exit(1)
}

// Exit undoes what is still registered and exits with code. Every example
// ends this way rather than returning from main, so that nothing depends
// on a defer.
func Exit(code int) {
	mu.Lock() // never unlocked
	stopping.Store(true)
	settle()
	endPending()
	pause("settled")
	report("", undoAll())
	exit(code)
}

// pauseAt, set by this package's tests only, stops an ending at a named
// point ("settled": the catchers are gone; "exiting": everything is
// removed) so that a test can send a signal exactly there.
var pauseAt func(point string)

// onFailWait, set by this package's tests only, is told what ended a
// failure's wait for a signal on its way: "a signal", "nothing on its
// way" or "the time limit".
var onFailWait func(waited string)

// onHandlersRun, set by this package's tests only, is told how many other
// threads handlersRun left runnable and unslept (at its time limit).
var onHandlersRun func(left int)

func pause(point string) {
	if pauseAt != nil {
		pauseAt(point)
	}
}

// exit ends the process with code, unless one of the caught signals
// arrived at any moment before: then the process dies of that signal. A
// signal that comes after settle has nobody to read it (the catchers are
// gone) and would be lost, so the last steps close every gap:
//
//  1. signal.Stop on every channel. When Stop returns, a signal the
//     runtime had already taken is in the channel; one that comes later
//     is not wanted by anyone, and the runtime's handler ends the
//     process by it, as in a program that never called Notify.
//  2. This thread blocks the signals, and the kernel's action for
//     SIGINT, SIGTERM and SIGHUP becomes SIG_DFL (rt_sigaction): from
//     now on the kernel kills the process at the moment one is sent,
//     through another thread, with no Go code in between.
//  3. A signal another thread took before step 2 and has not handled
//     yet is given the time to end the process (handlersRun).
//  4. The channels, then the kernel's pending set (rt_sigpending; this
//     thread blocks them, so it reports those the kernel has not handed
//     to any thread yet), are looked at last. What is there is raised.
//
// SIGPIPE keeps the runtime's action (a write to another pipe must not
// kill the program at its very end): only one already in its channel,
// with standard output or error broken, counts.
func exit(code int) {
	pause("exiting")
	for _, c := range channels {
		signal.Stop(c)
	}
	runtime.LockOSThread() // never unlocked: the mask is this thread's
	var set unix.Sigset_t
	for sig := range channels {
		if sig != unix.SIGPIPE {
			set.Val[(int(sig)-1)/64] |= 1 << ((uint(sig) - 1) % 64)
		}
	}
	unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil) // it cannot fail with a valid set
	for sig := range channels {
		if sig != unix.SIGPIPE {
			setDefault(sig)
		}
	}
	left := handlersRun()
	if onHandlersRun != nil {
		onHandlersRun(left)
	}
	caught()
	if v := pending.Load(); v > 0 {
		raise(syscall.Signal(v))
	}
	var kernel unix.Sigset_t
	// rt_sigpending(&set, 8): pending and blocked on this thread, or
	// pending for the whole process.
	unix.RawSyscall(unix.SYS_RT_SIGPENDING, uintptr(unsafe.Pointer(&kernel)), 8, 0)
	for sig := range channels {
		if sig != unix.SIGPIPE && kernel.Val[(int(sig)-1)/64]&(1<<((uint(sig)-1)%64)) != 0 {
			raise(sig)
		}
	}
	os.Exit(code)
}

// handlersRun waits until no other thread of this process can still be
// about to run the runtime's handler for a signal it took before
// setDefault: the kernel hands a process-directed signal to one thread
// (removing it from the pending set) and that thread may be descheduled
// before its handler runs; exit_group would then kill it with the handler
// unrun and the signal lost. Such a handler, once it runs, ends the
// process by the signal (its channel was stopped). A handler never sleeps
// and a signal taken after setDefault kills at once, so a thread has no
// handler left to run once it is seen asleep (state S or D in
// /proc/self/task/TID/stat) or once it has gone to sleep since it was
// first looked at (its voluntary_ctxt_switches in
// /proc/self/task/TID/status went up): the runtime's sysmon thread, which
// sleeps for 20 µs at a time, is often runnable when looked at, and all the
// more in a process pinned to one CPU, where it waits for this thread's
// CPU. Busy goroutines keep a thread running without sleeping, so the wait
// is bounded (100 ms), which is only spent when one does.
func handlersRun() (left int) {
	self := strconv.Itoa(unix.Gettid())
	seen := map[string]bool{self: true}
	slept := map[string]int64{} // voluntary switches when first seen runnable
	deadline := time.Now().Add(100 * time.Millisecond)
	for {
		tasks, err := dirNames("/proc/self/task")
		if err != nil {
			return 0
		}
		left = 0
		for _, tid := range tasks {
			if seen[tid] {
				continue
			}
			stat, err := readRaw("/proc/self/task/" + tid + "/stat")
			// The state follows the command name, which is in
			// parentheses and may hold spaces: "1234 (name) S ...".
			i := strings.LastIndexByte(string(stat), ')')
			if err != nil || i < 0 || i+2 >= len(stat) || stat[i+2] != 'R' {
				seen[tid] = true // asleep, or gone
				continue
			}
			n := voluntarySwitches(tid)
			if was, ok := slept[tid]; ok && n > was {
				seen[tid] = true // it has slept since: any handler ran first
				continue
			} else if !ok {
				slept[tid] = n
			}
			left++
		}
		if left == 0 || time.Now().After(deadline) {
			return left
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 200_000}, nil) // interrupted: a shorter pause is fine
	}
}

// signalOnItsWay says whether a caught signal may still be on its way to
// its channel: one the kernel holds for this process or one of its
// threads (ShdPnd, SigPnd in /proc/self/status and each thread's), or
// some other thread runnable, which may be running the runtime's handler
// or the goroutines that hand the signal over. With every other thread
// asleep and nothing pending, nothing is on its way: a signal sent later
// is no cause of the failure at hand.
func signalOnItsWay() bool {
	var ours uint64
	for sig := range channels {
		ours |= 1 << (uint(sig) - 1)
	}
	if pendingIn("/proc/self/status", "ShdPnd:")&ours != 0 {
		return true
	}
	self := strconv.Itoa(unix.Gettid())
	tasks, err := dirNames("/proc/self/task")
	if err != nil {
		return true // cannot tell: wait, as for a signal
	}
	for _, tid := range tasks {
		if pendingIn("/proc/self/task/"+tid+"/status", "SigPnd:")&ours != 0 {
			return true
		}
		if tid == self {
			continue
		}
		stat, err := readRaw("/proc/self/task/" + tid + "/stat")
		i := strings.LastIndexByte(string(stat), ')') // as in handlersRun
		if err == nil && i >= 0 && i+2 < len(stat) && stat[i+2] == 'R' {
			return true
		}
	}
	return false
}

// pendingIn reads a signal set (a line "key\t%016x") from a status file of
// /proc; 0 if it cannot.
func pendingIn(path, key string) uint64 {
	status, err := readRaw(path)
	if err != nil {
		return 0
	}
	i := strings.Index(string(status), "\n"+key)
	if i < 0 {
		return 0
	}
	rest := strings.TrimLeft(string(status[i+1+len(key):]), " \t")
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	v, _ := strconv.ParseUint(rest, 16, 64)
	return v
}

// voluntarySwitches is the thread's count of voluntary context switches
// (times it went to sleep), or -1 if it cannot be read (a thread gone).
func voluntarySwitches(tid string) int64 {
	status, err := readRaw("/proc/self/task/" + tid + "/status")
	if err != nil {
		return -1
	}
	const key = "\nvoluntary_ctxt_switches:"
	i := strings.Index(string(status), key)
	if i < 0 {
		return -1
	}
	rest := strings.TrimLeft(string(status[i+len(key):]), " \t")
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// dirNames and readRaw read /proc with plain system calls, not package
// os: with Go 1.20 the first os.Open of a process starts the runtime's
// poller, which needs descriptors of its own, and a program ending because
// it has none left (EMFILE) must not crash in its cleanup.
func dirNames(path string) ([]string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 4096)
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

func readRaw(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 4096) // a thread's status is about 1.5 KiB
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// setDefault is rt_sigaction(sig, {SIG_DFL}, NULL, 8): x/sys/unix has no
// sigaction wrapper. The kernel's struct sigaction on amd64 and arm64 is
// handler, flags, restorer, mask.
func setDefault(sig syscall.Signal) {
	var dfl struct {
		handler, flags, restorer, mask uint64
	}
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
}

// undoAll removes everything, newest first, and returns what it did.
func undoAll() []string {
	var done []string
	for id := next; id > 0; id-- {
		e, ok := undos[id]
		if !ok {
			continue
		}
		delete(undos, id)
		err := e.undo()
		switch {
		case e.what == "":
		case err != nil:
			done = append(done, fmt.Sprintf("could not remove %s: %v", e.what, err))
		default:
			done = append(done, "removed "+e.what)
		}
	}
	return done
}

// report writes one line to standard error about what undoAll did, if it
// did anything that is worth saying. A broken standard error is ignored:
// there is nobody left to tell.
func report(sig string, done []string) {
	if len(done) == 0 {
		return
	}
	t := tag
	if t == "" {
		t = fmt.Sprintf("%s %d", progName(), os.Getpid())
	}
	why := "cleaning up"
	if sig != "" {
		why = sig
	}
	fmt.Fprintf(os.Stderr, "%s: %s: %s\n", t, why, strings.Join(done, "; ")) // see above
}

// raise ends the process by sig: the default action is put back (the Go
// runtime's handler would otherwise catch it again), the signal is
// unblocked on this thread and sent to it. A signal that was ignored at
// start would not end the program, so it exits with the shell's number
// for that signal instead.
func raise(sig syscall.Signal) {
	if !ignored[sig] {
		runtime.LockOSThread()
		signal.Reset(sig)
		setDefault(sig)
		var set unix.Sigset_t
		set.Val[(int(sig)-1)/64] |= 1 << ((uint(sig) - 1) % 64)
		unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil) // it cannot fail with a valid set
		unix.Tgkill(os.Getpid(), unix.Gettid(), sig)     // neither can this
	}
	os.Exit(128 + int(sig))
}

func progName() string {
	p := os.Args[0]
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}
