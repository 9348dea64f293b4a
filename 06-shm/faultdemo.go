//go:build linux && (amd64 || arm64)

package main

// faultdemo.go goes beyond the article: the parent of -fault. It makes a
// segment, lets a child touch it after shmdt (shm_fault.go, or with -peer
// the C twin c/shm_fault.c), and shows how each ended, as waitpid reports
// it: "-fault" runs the Go child twice (as it is, then with
// GOTRACEBACK=crash), "-fault -peer ./bin/shm_fault" runs the C twin.

import (
	"bufio"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// faultDemo is the parent of -fault.
func faultDemo(me *say.Speaker, peerPath string) {
	say.Step(1, shmgetCall()+" makes a segment for the child to attach")
	var id int
	seg, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		if id, err = unix.SysvShmGet(segKey, segSize, segMode); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("shared memory segment %d", id), func() error { return removeSegment(id) }, nil
	})
	if err != nil {
		me.Fatal(syserr.Wrap(shmgetCall(), err, shmgetMeanings))
	}
	me.Printf("shmget: shmid %d", id)

	if peerPath != "" {
		say.Step(2, "the C twin touches the segment after shmdt")
		runFaulty(me, "reader", child.Program(peerPath, strconv.Itoa(id)))
		me.Printf("the kernel's default action for SIGSEGV ended it: no handler ran")
	} else {
		say.Step(2, "the Go child touches the slice after shmdt")
		runFaulty(me, "child", child.Command("fault", strconv.Itoa(id)))
		me.GoNote("not killed by SIGSEGV: the Go runtime has a SIGSEGV handler. A fault at")
		me.GoNote("an address that is not nil is no panic recover() could catch but a fatal")
		me.GoNote("error: the runtime prints the address and every goroutine's stack, then")
		me.GoNote("exits with status 2. (debug.SetPanicOnFault(true) makes it a panic.)")

		say.Step(3, "the same child with GOTRACEBACK=crash")
		c := child.Command("fault", strconv.Itoa(id))
		c.Env = append(c.Env, "GOTRACEBACK=crash")
		runFaulty(me, "child", c)
		me.GoNote("GOTRACEBACK=crash ends a fatal error by raising SIGABRT (for a core dump)")
		me.GoNote("instead of exit(2): a signal kills it, as in C, but SIGABRT, not SIGSEGV.")
		me.GoNote("Compare the C twin: -fault -peer ./bin/shm_fault.")
	}

	// shmctl(shmid, IPC_RMID, NULL): nobody has it attached any more.
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
		me.Fatal(syserr.Wrap("shmctl(IPC_RMID)", err, nil))
	}
	seg.Forget() // gone: nothing left to remove
	me.Printf("shmctl(IPC_RMID): removed shmid %d, which nobody has attached any more", id)
	cleanup.Exit(0)
}

// runFaulty runs c with its standard error on a pipe, shows the first
// lines the child wrote there (the rest is goroutine stacks) and how it
// ended.
func runFaulty(me *say.Speaker, name string, c *child.Cmd) {
	r, w := child.Pipe(me, false)
	c.Stderr = w
	c.StartOrFail(me) // registered: an interrupt kills it and waits
	w.Close()
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	r.Close()
	_ = c.Wait() // how it ended is what is shown
	shown := lines
	if len(shown) > 3 {
		shown = shown[:3]
	}
	for _, l := range shown {
		me.Printf("its standard error: %s", l)
	}
	if len(lines) > len(shown) {
		me.Printf("its standard error: ... then the goroutines' stacks")
	}
	me.Printf("waitpid: %s %d %s", name, c.Process.Pid, child.Describe(c.ProcessState))
}
