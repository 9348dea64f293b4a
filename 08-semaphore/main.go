//go:build linux && (amd64 || arm64)

// 08-semaphore ports System V semaphores, which the article "进程间IPC机制"
// calls the most important mechanism (信号量, "最重要") and lists in one line
// with no code: P and V, mutual exclusion, producer-consumer, the dining
// philosophers. The C twins in c/ are reconstructed from that line: c/sem.c
// is ported in sem.go, c/sem_peer.c in sem_peer.go; pv.go, prodcons.go,
// philo.go and die.go are the other parts, run.go what their parents share.
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
// Every set has the run's key (0x08 and the PID), every segment
// IPC_PRIVATE, both mode 0600; children are this program run again in a
// role, with the ids in their argv. Each step shows what the kernel holds
// (/proc/sysvipc/sem; per semaphore its value, GETNCNT, GETZCNT, GETPID).
// Every set and segment is registered with common/cleanup as it is made;
// only SIGKILL of the parent leaves a set, which the next start names.
package main

import (
	"flag"
	"os"
	"strings"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
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
	// Go cannot fork: every child is this program run again in a named
	// role. No role makes a kernel object: only the parent does.
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
	// segment still registered and end the program by that signal.
	cleanup.Catch("parent")

	args := os.Args[1:]
	r := newRun()
	if len(args) == 0 {
		leftovers(r.me) // what kill -9 of an earlier run left (leftovers.go)
		r.pv()
		r.mutex(defaultProcs, defaultLoops, "")
		r.prodcons(defaultItems, defaultSlots)
		r.philosophers(defaultMeals, false)
		r.die()
	} else {
		r.part(args[0], args[1:])
	}
	r.finish()
	cleanup.Exit(0)
}

// part parses the command line of one part, then runs it.
func (r *run) part(name string, rest []string) {
	fs := flag.NewFlagSet("08-semaphore "+name, flag.ContinueOnError)
	parse := func() {
		cmdline.Parse(fs, rest, usage, 0, 0)
		// -peer '' is a mistake, not "no -peer": refuse it.
		fs.Visit(func(f *flag.Flag) {
			if f.Value.String() == "" {
				cmdline.Usage(usage, "-%s: an empty value", f.Name)
			}
		})
		leftovers(r.me) // what kill -9 of an earlier run left (leftovers.go)
	}
	switch name {
	case "pv":
		parse()
		r.pv() // pv.go
	case "die":
		parse()
		r.die() // die.go
	case "mutex":
		procs := fs.Int("procs", defaultProcs, "processes")
		loops := fs.Int("loops", defaultLoops, "increments per process")
		peerPath := fs.String("peer", "", "a C peer")
		parse()
		semNumber("-procs", *procs, 2, 32)              // sem.go
		semNumber("-loops", *loops, 1, 100000)          // sem.go
		r.mutex(*procs, *loops, lookPeer(r, *peerPath)) // sem.go
	case "prodcons":
		items := fs.Int("items", defaultItems, "items")
		slots := fs.Int("slots", defaultSlots, "buffer slots")
		parse()
		inRange("-items", *items, 1, maxItems)
		inRange("-slots", *slots, 1, maxSlots)
		r.prodcons(*items, *slots) // prodcons.go
	case "philosophers":
		meals := fs.Int("meals", defaultMeals, "meals per philosopher")
		deadlock := fs.Bool("deadlock", false, "one fork at a time")
		hold := fs.Bool("hold", false, "stop while deadlocked")
		parse()
		inRange("-meals", *meals, 1, 100000)
		if *hold && !*deadlock {
			cmdline.Usage(usage, "-hold goes with -deadlock")
		}
		r.hold = *hold
		r.philosophers(*meals, *deadlock) // philo.go
	default:
		if strings.HasPrefix(name, "-") {
			// -h prints the usage and exits 0; any other flag is an error.
			cmdline.Parse(fs, append([]string{name}, rest...), usage, 0, 0)
		}
		cmdline.Usage(usage, "unknown part %q", name)
	}
}
