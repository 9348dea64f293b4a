// 08-semaphore ports what the article "进程间IPC机制" (Linux
// inter-process communication) calls the most important mechanism (信号量,
// "最重要"): System V semaphores, with the P and V operations, mutual
// exclusion between processes, producer-consumer and the dining
// philosophers. The article lists them without code; the C twin in c/ is
// written in the style of its other programs.
//
// Usage:
//
//	go run ./08-semaphore                  the demo: every part below, in order
//	go run ./08-semaphore pv               P and V, SETVAL, the initialisation race, GETNCNT, GETZCNT, SEM_UNDO
//	go run ./08-semaphore mutex [-procs N] [-loops M] [-peer PROGRAM]
//	go run ./08-semaphore prodcons [-items N] [-slots K]
//	go run ./08-semaphore philosophers [-meals K] [-deadlock [-hold]]
//	go run ./08-semaphore die              killed inside the critical section, with and without SEM_UNDO
//
// Every set is made with IPC_PRIVATE and mode 0600; children are this
// program run again in a role, with the semid and the shmid in their argv.
// Each step shows what the kernel holds: the set's row of
// /proc/sysvipc/sem and, per semaphore, its value, GETNCNT and GETZCNT (how
// many processes wait for it to grow, or to be 0) and GETPID. The sets are
// removed at the end, also on Ctrl-C; only SIGKILL of the parent leaves one
// behind (ipcs -s lists it, ipcrm -s removes it).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

const usage = `usage: 08-semaphore [pv | mutex [-procs N] [-loops M] [-peer PROGRAM] |
                    prodcons [-items N] [-slots K] | philosophers [-meals K] [-deadlock [-hold]] | die]

  (no arguments)  the demo: pv, mutex, prodcons, philosophers and die, in order
  pv              P and V (semop -1 and +1), SETVAL, the initialisation race and
                  sem_otime, a waiter in GETNCNT and in GETZCNT, SEM_UNDO
  mutex           N processes add 1 to a counter in shared memory M times each,
                  without the semaphore (updates are lost), then with it (exact)
    -procs N      processes, 2 to 32 (default 4)
    -loops M      increments per process, 1 to 100000 (default 2000)
    -peer PROGRAM every second process is PROGRAM (c/sem_peer.c, built), run as
                  "PROGRAM SEMID SHMID LOOPS lock|nolock 3"
  prodcons        a producer and a consumer share a bounded buffer in shared memory,
                  guarded by the semaphores empty, full and mutex
    -items N      items to pass, 1 to 1000 (default 10)
    -slots K      buffer slots, 1 to 64 (default 4)
  philosophers    five processes take both forks in one semop; nobody starves
    -meals K      meals per philosopher, 1 to 100000 (default 100)
    -deadlock     take the left fork, then the right one in a second semop:
                  all five hold one fork and wait forever (removed by IPC_RMID)
    -hold         with -deadlock: stop while they are deadlocked, until Enter, to
                  look at the set from another terminal (ipcs -s -i SEMID)
  die             a process is killed inside the critical section, with and
                  without SEM_UNDO: what the survivors see
`

func main() {
	// Go cannot fork, so every child is this program started again in a
	// named role. This line hands over to that role.
	child.Dispatch(map[string]func([]string){
		"opener":      opener,
		"waiter":      waiter,
		"undoer":      undoer,
		"worker":      worker,
		"producer":    producer,
		"consumer":    consumer,
		"philosopher": philosopher,
		"holder":      holder,
		"survivor":    survivor,
	})

	args := os.Args[1:]
	if len(args) == 0 {
		r := newRun()
		r.pv()
		r.mutex(defaultProcs, defaultLoops, "")
		r.prodcons(defaultItems, defaultSlots)
		r.philosophers(defaultMeals, false)
		r.die()
		r.finish()
		return
	}
	name, rest := args[0], args[1:]
	fs := flag.NewFlagSet("08-semaphore "+name, flag.ContinueOnError)
	switch name {
	case "pv", "die":
		say.Parse(fs, rest, usage, 0, 0)
		r := newRun()
		if name == "pv" {
			r.pv()
		} else {
			r.die()
		}
		r.finish()
	case "mutex":
		procs := fs.Int("procs", defaultProcs, "processes")
		loops := fs.Int("loops", defaultLoops, "increments per process")
		peerPath := fs.String("peer", "", "a C peer")
		say.Parse(fs, rest, usage, 0, 0)
		inRange("-procs", *procs, 2, 32)
		inRange("-loops", *loops, 1, 100000)
		r := newRun()
		r.mutex(*procs, *loops, lookPeer(r, *peerPath))
		r.finish()
	case "prodcons":
		items := fs.Int("items", defaultItems, "items")
		slots := fs.Int("slots", defaultSlots, "buffer slots")
		say.Parse(fs, rest, usage, 0, 0)
		inRange("-items", *items, 1, maxItems)
		inRange("-slots", *slots, 1, maxSlots)
		r := newRun()
		r.prodcons(*items, *slots)
		r.finish()
	case "philosophers":
		meals := fs.Int("meals", defaultMeals, "meals per philosopher")
		deadlock := fs.Bool("deadlock", false, "one fork at a time")
		hold := fs.Bool("hold", false, "stop while deadlocked")
		say.Parse(fs, rest, usage, 0, 0)
		inRange("-meals", *meals, 1, 100000)
		if *hold && !*deadlock {
			say.Usage(usage, "-hold goes with -deadlock")
		}
		r := newRun()
		r.hold = *hold
		r.philosophers(*meals, *deadlock)
		r.finish()
	default:
		if strings.HasPrefix(name, "-") {
			// -h prints the usage and exits 0; any other flag is an error.
			say.Parse(fs, args, usage, 0, 0)
		}
		say.Usage(usage, "unknown part %q", name)
	}
}

const (
	defaultProcs = 4
	defaultLoops = 2000
	defaultItems = 10
	defaultSlots = 4
	defaultMeals = 100
)

// inRange is the usage check of a count flag.
func inRange(flagName string, v, lo, hi int) {
	if v < lo || v > hi {
		say.Usage(usage, "%s must be %d to %d, not %d", flagName, lo, hi, v)
	}
}

// lookPeer finds the -peer program before anything is made, so that a typo
// leaves nothing behind.
func lookPeer(r *run, path string) string {
	if path == "" {
		return ""
	}
	abs, err := exec.LookPath(path)
	if err != nil {
		r.fatal(syserr.Wrap("-peer "+path, err, syserr.Meanings{
			unix.ENOENT: "no such program (build it: gcc -o sem_peer c/sem_peer.c)",
			unix.EACCES: "not executable",
		}))
	}
	return abs
}

// run is the parent's hold on what it made in the kernel, so that every
// way out removes it: an error, Ctrl-C, SIGTERM, a closed output.
type run struct {
	p    *say.Speaker
	step int

	hold bool // stop at the deadlock until Enter

	mu   sync.Mutex
	sets map[int]bool // semaphore sets to remove
	kids map[*child.Cmd]bool
}

func newRun() *run {
	r := &run{p: say.New("parent"), sets: map[int]bool{}, kids: map[*child.Cmd]bool{}}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP)
	go func() {
		s := <-sigs
		n := r.cleanup()
		r.p.To(os.Stderr).Warnf("caught %s: removed %d semaphore set(s), nothing is left behind", unix.SignalName(s.(syscall.Signal)), n)
		os.Exit(1)
	}()
	// "08-semaphore | head": once head has gone, a write to standard
	// output would raise SIGPIPE and kill the parent before it removes its
	// sets. Notified, the write fails with EPIPE instead, and the run ends
	// normally.
	signal.Notify(make(chan os.Signal, 1), unix.SIGPIPE)
	return r
}

// Step prints the next step header.
func (r *run) Step(title string) {
	r.step++
	say.Step(r.step, title)
}

// newSet is semget(IPC_PRIVATE, nsems, IPC_CREAT|0600).
func (r *run) newSet(nsems int) int {
	id, err := sysv.Semget(sysv.IPC_PRIVATE, nsems, unix.IPC_CREAT|0o600)
	if err != nil {
		r.fatal(syserr.Explain(err, syserr.Meanings{unix.ENOSYS: "this kernel has no System V IPC"}))
	}
	r.track(id)
	return id
}

func (r *run) track(id int) {
	r.mu.Lock()
	r.sets[id] = true
	r.mu.Unlock()
}

// rmSet is semctl(id, 0, IPC_RMID).
func (r *run) rmSet(id int) {
	r.mu.Lock()
	delete(r.sets, id)
	r.mu.Unlock()
	if err := sysv.SemctlRmid(id); err != nil {
		r.fatal(err)
	}
}

// cleanup removes every set this run still holds and kills its children;
// it returns how many sets it removed.
func (r *run) cleanup() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.kids {
		c.Process.Kill() //nolint:errcheck // it may have ended
	}
	n := 0
	for id := range r.sets {
		if sysv.SemctlRmid(id) == nil {
			n++
		}
	}
	r.sets = map[int]bool{}
	return n
}

// fatal cleans up, prints err and exits with status 1. p.Fatal calls
// os.Exit, which runs no deferred call: the cleanup must come first.
func (r *run) fatal(err error) {
	r.cleanup()
	r.p.Fatal(err)
}

// finish is the last step: nothing is left.
func (r *run) finish() {
	r.Step("what this run leaves behind")
	r.mu.Lock()
	left := len(r.sets)
	r.mu.Unlock()
	if left != 0 {
		r.fatal(fmt.Errorf("%d semaphore set(s) still held", left))
	}
	r.p.Printf("every set was removed with semctl(IPC_RMID), every segment was marked for removal")
	r.p.Kernel("open descriptors: %s", peek.FDSummary())
	r.p.Printf("a semaphore set is no file descriptor: it lives in the kernel until IPC_RMID,\n" +
		"even when no process uses it (ipcs -s lists them, ipcrm -s removes one)")
}

// start starts a child and remembers it, so that fatal can kill it.
func (r *run) start(c *child.Cmd) {
	if err := c.Start(); err != nil {
		r.fatal(syserr.Wrap("start "+c.Role, err, nil))
	}
	r.mu.Lock()
	r.kids[c] = true
	r.mu.Unlock()
}

// ready waits for a child's readiness message.
func (r *run) ready(c *child.Cmd) string {
	msg, err := c.WaitReady()
	if err != nil {
		r.forget(c)
		r.fatal(err)
	}
	return msg
}

func (r *run) forget(c *child.Cmd) {
	r.mu.Lock()
	delete(r.kids, c)
	r.mu.Unlock()
}

// wait is waitpid(pid, &status, 0); it returns how the child ended, in
// words.
func (r *run) wait(c *child.Cmd) string {
	c.Wait() //nolint:errcheck // the status is what we report
	r.forget(c)
	return child.Describe(c.ProcessState)
}

// end waits for a child that must exit with status 0, and says so.
func (r *run) end(c *child.Cmd, name string) {
	how := r.wait(c)
	r.p.Printf("waitpid: %s (pid %d) %s", name, c.Process.Pid, how)
	if how != "exited with status 0" {
		r.fatal(fmt.Errorf("%s %d %s", name, c.Process.Pid, how))
	}
}

// semop is semop(2) for the parent, fatal on error.
func (r *run) semop(id int, ops ...sysv.Sembuf) {
	if err := sysv.Semop(id, ops); err != nil {
		r.fatal(err)
	}
}

// setVal is semctl(id, num, SETVAL, arg) with arg.val = v.
func (r *run) setVal(id, num, v int) {
	if err := sysv.SemctlSetVal(id, num, v); err != nil {
		r.fatal(err)
	}
}

// waitCount waits until GETNCNT (zero: GETZCNT) of semaphore num is want.
// A process asleep in semop cannot say so; the kernel's count of waiters
// can. Looking every millisecond is a wait for a condition, not an
// ordering by sleep; the minute is only a guard.
func (r *run) waitCount(id, num int, zero bool, want int) {
	get, what := sysv.SemctlGetNcnt, "GETNCNT"
	if zero {
		get, what = sysv.SemctlGetZcnt, "GETZCNT"
	}
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := get(id, num)
		if err != nil {
			r.fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			r.fatal(fmt.Errorf("%s of semaphore %d stayed %d, never %d", what, num, n, want))
		}
		time.Sleep(time.Millisecond)
	}
}

// newShm makes a segment of size bytes, attaches it and marks it for
// removal at once: from then on the kernel frees it at the last detach,
// however the processes end (06-shm shows why). Linux lets the children
// attach a marked segment by its id.
func (r *run) newShm(size int) (int, []byte) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, 0o600)
	if err != nil {
		r.fatal(syserr.Wrap("shmget(IPC_PRIVATE)", err, nil))
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		unix.SysvShmCtl(id, unix.IPC_RMID, nil) //nolint:errcheck // on the way out
		r.fatal(syserr.Wrap("shmat", err, nil))
	}
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
		r.fatal(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
	}
	return id, mem
}

// detach is shmdt; the slice must not be touched afterwards.
func (r *run) detach(mem []byte) {
	if err := unix.SysvShmDetach(mem); err != nil {
		r.fatal(syserr.Wrap("shmdt", err, nil))
	}
}

// showSet prints what the kernel holds for the set: its row of
// /proc/sysvipc/sem, then each semaphore's value, its waiters and, with
// withPid, the last process to operate on it (left out where several
// processes race, so that the output is the same on every run).
func showSet(p *say.Speaker, id int, withPid bool, names ...string) {
	p.Kernel("%s", peek.SysVLine("sem", id, "key", "semid", "perms", "nsems"))
	vals, err := sysv.SemctlGetAll(id)
	if err != nil {
		return // gone: the row says so
	}
	for i, v := range vals {
		n, _ := sysv.SemctlGetNcnt(id, i)
		z, _ := sysv.SemctlGetZcnt(id, i)
		pid, _ := sysv.SemctlGetPid(id, i)
		name := ""
		if i < len(names) {
			name = " " + names[i]
		}
		line := fmt.Sprintf("  #%d%s: semval=%d semncnt=%d semzcnt=%d", i, name, v, n, z)
		if withPid {
			line += " " + sempid(pid)
		}
		p.Kernel("%s", line)
	}
}

// sempid prints GETPID, which is 0 until a process operates on the
// semaphore.
func sempid(pid int) string {
	if pid == 0 {
		return "sempid=none"
	}
	return "sempid=" + strconv.Itoa(pid)
}

// otime prints sem_otime, the time of the last semop; 0 is "never".
func otime(id int) string {
	var ds sysv.SemidDs
	if err := sysv.SemctlStat(id, &ds); err != nil {
		return err.Error()
	}
	if ds.Otime == 0 {
		return "sem_otime=0 (no semop yet)"
	}
	return "sem_otime=" + time.Unix(ds.Otime, 0).Format("15:04:05")
}

// Child side helpers.

// intArgs parses a child's numeric arguments; a parent that passes
// anything else has a bug.
func intArgs(me *say.Speaker, role string, args []string, n int) []int {
	if len(args) < n {
		me.Fatal(fmt.Errorf("%s: want %d numbers, got %q", role, n, args))
	}
	out := make([]int, n)
	for i := 0; i < n; i++ {
		v, err := strconv.Atoi(args[i])
		if err != nil {
			me.Fatal(fmt.Errorf("%s: argument %d: %v", role, i+1, err))
		}
		out[i] = v
	}
	return out
}

// attach is a child's shmat of the segment whose id it was given.
func attach(me *say.Speaker, shmid int) []byte {
	mem, err := unix.SysvShmAttach(shmid, 0, 0)
	if err != nil {
		me.Fatal(syserr.Wrap(fmt.Sprintf("shmat(%d)", shmid), err, syserr.Meanings{
			unix.EINVAL: "no segment has this id (the parent is gone?)",
		}))
	}
	return mem
}

// semop is semop(2) for a child, fatal on error.
func semop(me *say.Speaker, id int, ops ...sysv.Sembuf) {
	if err := sysv.Semop(id, ops); err != nil {
		me.Fatal(err)
	}
}

// detachChild is a child's shmdt.
func detachChild(me *say.Speaker, mem []byte) {
	if err := unix.SysvShmDetach(mem); err != nil {
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
}

// schedYield is sched_yield(2): give the CPU to another runnable process.
// x/sys/unix v0.30 has no wrapper. runtime.Gosched would only switch
// goroutines inside this process.
func schedYield() {
	unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0) //nolint:errcheck // never fails
}
