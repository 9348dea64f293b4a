//go:build linux && (amd64 || arm64)

// Reference solution of exercise 04-reaper (see ../README.md): a parent
// reaps every child through SIGCHLD, even when many end at once, and ends
// them all with one kill to their process group.
//
//	reaper N   start N children (child i exits with status i at end of
//	           input), say ready, report each as it is reaped; on SIGTERM,
//	           kill(-pgid, SIGTERM) the children's group
//
// The Go idiom for waiting is one goroutine per child calling cmd.Wait;
// this solution does it the C way on purpose, to show SIGCHLD: signals of
// one kind do not queue, so one notification may stand for many children,
// and each one means "reap until there is nobody left to reap".
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "child" {
		io.Copy(io.Discard, os.Stdin) // until end of input
		code, _ := strconv.Atoi(os.Args[2])
		os.Exit(code)
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: reaper N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	check(err)

	// Ask for the signals before the first child exists.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGCHLD, unix.SIGTERM)

	pgid := 0 // the first child's PID: the children's own process group
	for i := 1; i <= n; i++ {
		cmd := exec.Command("/proc/self/exe", "child", strconv.Itoa(i))
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		// setpgid(0, pgid) in the child: Pgid 0 makes a new group.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
		check(cmd.Start())
		if pgid == 0 {
			pgid = cmd.Process.Pid
		}
	}
	fmt.Println("ready")

	for reaped := 0; reaped < n; {
		switch <-sigs {
		case unix.SIGTERM:
			// One kill for the whole group.
			check(unix.Kill(-pgid, unix.SIGTERM))
		case unix.SIGCHLD:
			for { // reap until nobody is left to reap
				var ws unix.WaitStatus
				pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
				if err == unix.EINTR {
					continue
				}
				if pid <= 0 {
					break
				}
				reaped++
				if ws.Signaled() {
					fmt.Printf("%d killed %d\n", pid, int(ws.Signal()))
				} else {
					fmt.Printf("%d exited %d\n", pid, ws.ExitStatus())
				}
			}
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "reaper:", err)
		os.Exit(1)
	}
}
