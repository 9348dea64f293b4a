//go:build linux && (amd64 || arm64)

// pause.go goes beyond the article: the literal port of alarm.c's
// alarm() then pause(), with unix.Pause(). Whether pause() wakes depends on
// the thread it sleeps on. The kernel gives a signal sent to the process
// (SIGALRM from the alarm is one) to the main thread if that thread can
// take it, and otherwise to another thread; the thread that takes it runs
// the handler, and only that thread's system call is interrupted. So
// pause() on the main thread wakes with EINTR; pause() in a goroutine on
// another thread sleeps on. Both are shown here, deterministically: the
// main goroutine is locked to the main thread (init in main.go), the other
// goroutine to a thread of its own.
package main

import (
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// ring is the timer of this part: short, since only which thread it
// reaches matters, not how long it takes.
const ring = 50 * time.Millisecond

func literalPause(me *say.Speaker) {
	step("the literal port: alarm() then unix.Pause(), on the main thread and on another")
	// Notify only to see when SIGALRM has come; without it the runtime's
	// handler runs all the same (and drops the signal), so pause() on
	// the thread that took it returns just the same.
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGALRM)
	defer signal.Stop(c)
	pid := os.Getpid()

	// On the main thread: the kernel's first choice.
	where := "another thread"
	if unix.Gettid() == pid {
		where = "the main thread (its tid is the pid)"
	}
	me.Printf("this goroutine runs on %s", where)
	me.Printf("setitimer(ITIMER_REAL, %v), then unix.Pause()", ring)
	setAlarm(me, ring)
	err := unix.Pause()
	<-c
	me.Printf("pause() returned %s:", errName(err))
	me.Printf("the kernel gave SIGALRM to the main thread, asleep in pause()")

	// On another thread: a goroutine locked to a thread of its own.
	tids, done := make(chan int), make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		tids <- unix.Gettid()
		done <- unix.Pause()
	}()
	tid := <-tids
	if err := peek.WaitBlocked(pid, sysPause, 0, time.Minute); err != nil {
		me.Fatal(err)
	}
	me.Printf("a goroutine locked to a thread of its own sleeps in unix.Pause();")
	me.Printf("setitimer(ITIMER_REAL, %v)", ring)
	setAlarm(me, ring)
	<-c
	select {
	case err := <-done:
		tookIt(me, err)
		return
	default:
	}
	if !inPause(pid, tid) {
		tookIt(me, <-done)
		return
	}
	me.Printf("SIGALRM came and was handled, and that thread still sleeps in pause():")
	me.Printf("the kernel gave the signal to the main thread, which could take it.")
	me.Printf("Only a signal for that thread wakes it.")
	// tgkill(getpid(), tid, SIGALRM): a signal for that thread only.
	if err := unix.Tgkill(pid, tid, unix.SIGALRM); err != nil {
		me.Fatal(syserr.Wrap("tgkill", err, nil))
	}
	err = <-done
	<-c
	me.Printf("tgkill(getpid(), its tid, SIGALRM): pause() on that thread returned %s", errName(err))
	me.GoNote("so the literal port works only where pause() happens to sleep on the\n" +
		"thread the kernel picks. A Go program does not choose its goroutine's\n" +
		"thread unless it locks it, and the runtime drops SIGALRM without Notify:\n" +
		"receive from a Notify channel instead.")
}

// tookIt says that the thread asleep in pause() took SIGALRM itself.
func tookIt(me *say.Speaker, err error) {
	me.Printf("SIGALRM came, and pause() on that thread returned %s:", errName(err))
	me.Printf("the kernel gave it to that thread this time")
}

// inPause reports whether thread tid of pid is inside pause() now.
func inPause(pid, tid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/syscall")
	return err == nil && strings.HasPrefix(string(b), strconv.Itoa(int(sysPause))+" ")
}

func errName(err error) string {
	if e, ok := err.(syscall.Errno); ok {
		return "-1, errno " + unix.ErrnoName(e)
	}
	if err == nil {
		return "0"
	}
	return err.Error()
}
