//go:build linux && (amd64 || arm64)

// alarm.go is the Go port of c/alarm.c: alarm() arms the process's one
// alarm clock, and when it rings the kernel sends SIGALRM; pause() sleeps
// until a signal has been caught. In Go the sleep is a receive from the
// channel that Notify feeds; pause.go shows what the literal port,
// unix.Pause(), does.
package main

import (
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// alarmPause is alarm.c's main.
func alarmPause(me *say.Speaker, secs uint) {
	step("alarm() and pause(): wait for SIGALRM (alarm.c)")
	// signal(SIGALRM, on_alarm): first, so the alarm cannot ring before
	// we listen. Buffered: the runtime never blocks to deliver.
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGALRM)
	defer signal.Stop(c)
	// sigprocmask(SIG_BLOCK, {SIGALRM}): not needed in Go. A signal
	// that comes before the receive waits in the channel, so the race
	// that sigsuspend() closes in C cannot happen.

	// left = alarm(5);
	me.Printf("alarm(5) returned %d: no alarm was set", alarm(me, 5))
	// left = alarm(1): one alarm per process; the new one replaces the old.
	start := time.Now()
	me.Printf("alarm(%d) returned %d: the seconds left of alarm(5), which it replaces", secs, alarm(me, secs))
	me.GoNote("there is no unix.Alarm on arm64: the kernel has no alarm system call\n" +
		"there. alarm(n) is setitimer(ITIMER_REAL, n s), as here; the old timer's\n" +
		"value, rounded to whole seconds, is alarm()'s return value.")

	// if (sigsuspend(&old) < 0 && errno != EINTR) {
	// Go has no handler to wait for: receiving from the Notify channel
	// stands in for sleeping in sigsuspend until SIGALRM has been caught.
	me.Printf("pause(): waiting for SIGALRM on the channel")
	<-c
	// printf("... I have been waken up by SIGALRM ...")
	me.Printf("%q (the classic alarm.c's words), %d s after alarm(%d)",
		"I have been waken up by SIGALRM", int(time.Since(start)/time.Second), secs)

	// left = alarm(3); left = alarm(0): alarm(0) cancels an alarm and
	// returns what was left of it.
	me.Printf("alarm(3) returned %d: no alarm was left", alarm(me, 3))
	me.Printf("alarm(0) returned %d and cancelled it", alarm(me, 0))
}

// alarm is alarm(2) for every architecture: setitimer(ITIMER_REAL) with
// the old timer's value rounded to whole seconds, as the kernel does.
func alarm(me *say.Speaker, secs uint) uint {
	old := setAlarm(me, time.Duration(secs)*time.Second)
	left := uint(old.Value.Sec)
	if old.Value.Usec >= 500000 || (left == 0 && old.Value.Usec > 0) {
		left++
	}
	return left
}

// setAlarm is setitimer(ITIMER_REAL, {d}, &old): the timer behind alarm().
func setAlarm(me *say.Speaker, d time.Duration) unix.Itimerval {
	it := unix.Itimerval{Value: unix.NsecToTimeval(int64(d))}
	old, err := unix.Setitimer(unix.ItimerReal, it)
	if err != nil {
		me.Fatal(syserr.Wrap("setitimer(ITIMER_REAL)", err, nil))
	}
	return old
}
