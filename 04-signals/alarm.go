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
	// if (argc == 2 && strcmp(argv[1], "-default") == 0) {
	// not ported: -default leaves SIGALRM uncaught and the C process dies
	// of it; a Go process survives it (the runtime drops it), as -demo
	// table shows.
	// fprintf(stderr, "usage: alarm [-default]\n");
	// main.go's cmdline.Usage stands in: usage on stderr, exit status 2.
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line at once, with one write(2).

	// if (catch && signal(SIGALRM, on_alarm) == SIG_ERR) { perror("signal"); exit(1);
	// Notify first, so the alarm cannot ring before we listen. Buffered:
	// the runtime never blocks to deliver. Notify reports no error.
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGALRM)
	defer signal.Stop(c)

	// sigemptyset(&alrm);
	// sigaddset(&alrm, SIGALRM);
	// if (sigprocmask(SIG_BLOCK, &alrm, &old) < 0) { perror("sigprocmask"); exit(1);
	// not ported, not needed: a SIGALRM that comes before the receive
	// waits in the channel, so the race that sigsuspend() closes in C
	// cannot happen.

	// left = alarm(5);
	left := alarm(me, 5)
	// printf("main %d: alarm(5) returned %u: no alarm was set\n", getpid(), left);
	me.Printf("alarm(5) returned %d: no alarm was set", left)
	// left = alarm(1);
	// One alarm per process: the new one replaces the old.
	start := time.Now()
	left = alarm(me, secs)
	// printf("main %d: alarm(1) returned %u: the seconds left of alarm(5), which it replaces\n", getpid(), left);
	me.Printf("alarm(%d) returned %d: the seconds left of alarm(5), which it replaces", secs, left)
	me.GoNote("there is no unix.Alarm on arm64: the kernel has no alarm system call\n" +
		"there. alarm(n) is setitimer(ITIMER_REAL, n s), as here; the old timer's\n" +
		"value, rounded to whole seconds, is alarm()'s return value.")
	// printf("main %d: pause(): sleeping until a signal is caught%s\n", getpid(), catch ? "" : " (none will be: SIGALRM is not caught)");
	me.Printf("pause(): waiting for SIGALRM on the channel")

	// while (!rang) if (sigsuspend(&old) < 0 && errno != EINTR) { perror("sigsuspend"); exit(1);
	// Go has no handler to wait for: receiving from the Notify channel
	// stands in for sleeping in sigsuspend until SIGALRM has been caught.
	<-c
	// printf("main %d: I have been waken up by SIGALRM: pause() returned -1, errno EINTR\n", getpid());
	me.Printf("%q (the classic alarm.c's words), %d s after alarm(%d)",
		"I have been waken up by SIGALRM", int(time.Since(start)/time.Second), secs)

	// left = alarm(3);
	left = alarm(me, 3)
	// printf("main %d: alarm(3) returned %u: no alarm was left\n", getpid(), left);
	me.Printf("alarm(3) returned %d: no alarm was left", left)
	// left = alarm(0);
	// alarm(0) cancels an alarm and returns what was left of it.
	left = alarm(me, 0)
	// printf("main %d: alarm(0) returned %u and cancelled it\n", getpid(), left);
	me.Printf("alarm(0) returned %d and cancelled it", left)
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
