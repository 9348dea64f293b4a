//go:build linux && (amd64 || arm64)

// 08-semaphore ports what the article "进程间IPC机制" (Linux
// inter-process communication) calls the most important mechanism (信号量,
// "最重要"): System V semaphores, with the P and V operations, mutual
// exclusion between processes, producer-consumer and the dining
// philosophers. The article lists them in one line and prints no code for
// them: the C twins in c/ are reconstructed from that line, in the style of
// its other programs. c/sem.c is ported in sem.go, c/sem_peer.c in
// sem_peer.go; pv.go, prodcons.go, philo.go and die.go are the other parts,
// run.go what every part's parent does the same way.
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
// Every set is made with the run's key (0x08 and the PID) and mode 0600,
// every segment with IPC_PRIVATE; children are this program run again in a role, with the
// semid and the shmid in their argv.
// Each step shows what the kernel holds: the set's row of
// /proc/sysvipc/sem and, per semaphore, its value, GETNCNT and GETZCNT (how
// many processes wait for it to grow, or to be 0) and GETPID. Only the
// parent makes sets and segments, each registered with common/cleanup as
// it is made: the end, a failing call, Ctrl-C, SIGTERM, SIGHUP and a
// closed output remove them. Only SIGKILL of the parent leaves the set it
// held (ipcs -s lists it, ipcrm -s removes it); the next start names it.
package main

import (
	"flag"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/syserr"
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
	// named role. This line hands over to that role. No role makes a
	// kernel object: only the parent does, and it ends them all.
	child.Dispatch(map[string]func([]string){
		"opener":      opener,      // pv.go
		"waiter":      waiter,      // pv.go
		"undoer":      undoer,      // pv.go
		"worker":      worker,      // sem_peer.go
		"producer":    producer,    // prodcons.go
		"consumer":    consumer,    // prodcons.go
		"philosopher": philosopher, // philo.go
		"holder":      holder,      // die.go
		"survivor":    survivor,    // die.go
	})
	// Ctrl-C, SIGTERM, SIGHUP and a closed output remove every set and
	// segment still registered (run.go), kill the children, and end the
	// program by that signal; say.Fatal does the same, with status 1.
	cleanup.Catch("parent")

	args := os.Args[1:]
	if len(args) == 0 {
		r := newRun()
		r.pv()
		r.mutex(defaultProcs, defaultLoops, "")
		r.prodcons(defaultItems, defaultSlots)
		r.philosophers(defaultMeals, false)
		r.die()
		r.finish()
		cleanup.Exit(0)
	}
	name, rest := args[0], args[1:]
	fs := flag.NewFlagSet("08-semaphore "+name, flag.ContinueOnError)
	r := newRun()
	switch name {
	case "pv", "die":
		cmdline.Parse(fs, rest, usage, 0, 0)
		if name == "pv" {
			r.pv() // pv.go
		} else {
			r.die() // die.go
		}
	case "mutex":
		procs := fs.Int("procs", defaultProcs, "processes")
		loops := fs.Int("loops", defaultLoops, "increments per process")
		peerPath := fs.String("peer", "", "a C peer")
		cmdline.Parse(fs, rest, usage, 0, 0)
		// -peer '' is a mistake, not "no -peer": refuse it.
		fs.Visit(func(f *flag.Flag) {
			if f.Value.String() == "" {
				cmdline.Usage(usage, "-%s: an empty value", f.Name)
			}
		})
		inRange("-procs", *procs, 2, 32)
		inRange("-loops", *loops, 1, 100000)
		r.mutex(*procs, *loops, lookPeer(r, *peerPath)) // sem.go
	case "prodcons":
		items := fs.Int("items", defaultItems, "items")
		slots := fs.Int("slots", defaultSlots, "buffer slots")
		cmdline.Parse(fs, rest, usage, 0, 0)
		inRange("-items", *items, 1, maxItems)
		inRange("-slots", *slots, 1, maxSlots)
		r.prodcons(*items, *slots) // prodcons.go
	case "philosophers":
		meals := fs.Int("meals", defaultMeals, "meals per philosopher")
		deadlock := fs.Bool("deadlock", false, "one fork at a time")
		hold := fs.Bool("hold", false, "stop while deadlocked")
		cmdline.Parse(fs, rest, usage, 0, 0)
		inRange("-meals", *meals, 1, 100000)
		if *hold && !*deadlock {
			cmdline.Usage(usage, "-hold goes with -deadlock")
		}
		r.hold = *hold
		r.philosophers(*meals, *deadlock) // philo.go
	default:
		if strings.HasPrefix(name, "-") {
			// -h prints the usage and exits 0; any other flag is an error.
			cmdline.Parse(fs, args, usage, 0, 0)
		}
		cmdline.Usage(usage, "unknown part %q", name)
	}
	r.finish()
	cleanup.Exit(0)
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
		cmdline.Usage(usage, "%s must be %d to %d, not %d", flagName, lo, hi, v)
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
		r.p.Fatal(syserr.Wrap("-peer "+path, err, syserr.Meanings{
			unix.ENOENT: "no such program (build it: gcc -Wall -Wextra -o bin/sem_peer 08-semaphore/c/sem_peer.c)",
			unix.EACCES: "not executable",
		}))
	}
	return abs
}
