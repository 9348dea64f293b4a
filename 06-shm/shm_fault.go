//go:build linux && (amd64 || arm64)

package main

// shm_fault.go is the Go twin of c/shm_fault.c (the child role fault),
// and the -fault parent that runs either and shows how it ended: twice
// the C's length for that reason. What goes beyond the article: touching the segment after shmdt(). The
// mapping is gone, so the access faults (SIGSEGV) in Go as in C, but the
// two programs do not end the same way: the kernel kills the C program
// with SIGSEGV, while the Go runtime catches the signal itself, prints
// "unexpected fault address ... fatal error: fault" and exits with
// status 2 (runtime/signal_unix.go, sigpanic; runtime/panic.go,
// fatalthrow). With GOTRACEBACK=crash the runtime ends by raising SIGABRT
// instead. "-fault" runs the Go child both ways, "-fault -peer
// ./bin/shm_fault" runs the C twin (c/shm_fault.c), and each prints how
// its child ended, as waitpid reports it.

import (
	"bufio"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// faultDemo is the parent of -fault: it makes a segment, lets a child
// (or the -peer program) touch it after shmdt, and shows how each ended.
func faultDemo(p *say.Speaker, peerPath string) {
	say.Step(1, shmgetCall()+" makes a segment for the child to attach")
	id, seg, err := makeSegment()
	if err != nil {
		p.Fatal(syserr.Wrap(shmgetCall(), err, nil))
	}
	p.Printf("shmget: shmid %d", id)

	if peerPath != "" {
		say.Step(2, "the C twin touches the segment after shmdt")
		runFaulty(p, "reader", child.Program(peerPath, strconv.Itoa(id)))
		p.Printf("the kernel's default action for SIGSEGV ended it: no handler ran")
	} else {
		say.Step(2, "the Go child touches the slice after shmdt")
		runFaulty(p, "child", child.Command("fault", strconv.Itoa(id)))
		p.GoNote("not killed by SIGSEGV: the Go runtime has a SIGSEGV handler. A fault at an " +
			"address that is not nil is not a panic that recover() could catch, but a fatal " +
			"error: the runtime prints the address and every goroutine's stack, then " +
			"exits with status 2. (debug.SetPanicOnFault(true) makes it a panic.)")

		say.Step(3, "the same child with GOTRACEBACK=crash")
		c := child.Command("fault", strconv.Itoa(id))
		c.Env = append(c.Env, "GOTRACEBACK=crash")
		runFaulty(p, "child", c)
		p.GoNote("GOTRACEBACK=crash makes the runtime end a fatal error by raising SIGABRT " +
			"(for a core dump) instead of exit(2): then a signal kills it, as in C, but " +
			"SIGABRT, not SIGSEGV. Compare the C twin: -fault -peer ./bin/shm_fault.")
	}

	if err := seg.Release(); err != nil {
		p.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
	}
	p.Printf("shmctl(IPC_RMID): removed shmid %d, which nobody has attached any more", id)
	cleanup.Exit(0)
}

// runFaulty runs c with its standard error on a pipe, shows the first
// lines the child wrote there (the rest is goroutine stacks) and how it
// ended.
func runFaulty(p *say.Speaker, name string, c *child.Cmd) {
	r, w := child.Pipe(p, false)
	c.Stderr = w
	c.StartOrFail(p) // registered: an interrupt kills it and waits
	w.Close()
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	r.Close()
	c.Wait() //nolint:errcheck // how it ended is what is shown
	shown := lines
	if len(shown) > 3 {
		shown = shown[:3]
	}
	for _, l := range shown {
		p.Printf("its standard error: %s", l)
	}
	if len(lines) > len(shown) {
		p.Printf("its standard error: ... then the goroutines' stacks")
	}
	p.Printf("waitpid: %s %d %s", name, c.Process.Pid, child.Describe(c.ProcessState))
}

// fault is the child of -fault: attach, read, detach, read again.
func fault(args []string) {
	cleanup.Catch("child")
	me := say.New("child")
	if len(args) != 1 {
		me.Fatal(syserr.Wrap("fault: want one shmid, got "+strings.Join(args, " "), unix.EINVAL, nil))
	}
	id, err := strconv.Atoi(args[0])
	if err != nil {
		me.Fatal(syserr.Wrap("fault: parse shmid", err, nil))
	}
	// No core file from this demo (GOTRACEBACK=crash would ask for one):
	// a process that is not dumpable gets the same signal, without a dump.
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) //nolint:errcheck // only a courtesy
	mem, err := unix.SysvShmAttach(id, 0, childAtFlags)
	if err != nil {
		me.Fatal(syserr.Wrap(shmatCall(strconv.Itoa(id), childAtFlags), err, shmatMeanings))
	}
	me.Printf("%s: attached; mem[0] = %d", shmatCall("shmid "+strconv.Itoa(id), childAtFlags), mem[0])
	if err := unix.SysvShmDetach(mem); err != nil {
		me.Fatal(syserr.Wrap("shmdt", err, nil))
	}
	me.Printf("shmdt: detached; now reading mem[0] again (the slice still has len %d)", len(mem))
	me.Printf("mem[0] = %d", mem[0]) // faults: never printed
	cleanup.Exit(0)
}
