//go:build linux && (amd64 || arm64)

package main

// This file is c/server.c, line by line: three threads of control. The
// signal thread (onSignals) waits for SIGINT, SIGTERM, SIGHUP or SIGPIPE,
// removes the queue and dies of the signal. The input thread (onInput)
// reads standard input all the time and hands each line to the loop; at
// the end of the input it wakes the loop with a request of its own. The
// loop (server, serve) answers each client's request with a line. In Go
// each thread is a goroutine; notify.go shows the same server the way Go
// programs usually catch signals, and why this file does not.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sysv"
)

// static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* guards all below */
// static pthread_cond_t moved = PTHREAD_COND_INITIALIZER;  /* a line put or taken */
// static int msgid = -1;
// static char reply[MSGSIZE + 2]; /* the line the input thread hands over */
// static int full;                /* reply holds a line not yet taken */
// static const char *ended;       /* why the input ended, or NULL */
var (
	lock  sync.Mutex
	moved = sync.NewCond(&lock)
	msgid = -1
	reply string
	full  bool
	ended string
	// Go only: common/cleanup also knows the queue, so that a failure
	// anywhere (say's write to a full disk) removes it too.
	queue *cleanup.Handle
)

// onSignals is the signal thread: take one signal, remove the queue, say
// so, die of the signal.
func onSignals(sigs chan os.Signal) {
	// while (sigwait(&sigs, &sig) != 0)
	// Go: a receive from the channel signal.Notify fills stands in for sigwait.
	sig := (<-sigs).(syscall.Signal)
	// pthread_mutex_lock(&lock); /* never unlocked: the process ends here */
	lock.Lock()
	// if (msgid >= 0 && msgctl(msgid, IPC_RMID, NULL) == 0)
	// (Go: in the same step, common/cleanup forgets the queue, so that an
	// ending at this moment, "| head" say, does not remove it twice.)
	if msgid >= 0 && queue.Remove(func() error { return sysv.Msgctl(msgid, unix.IPC_RMID, nil) }) == nil {
		// fprintf(stderr, "server %d: %s: removed message queue %d\n", (int)getpid(), strsignal(sig), msgid);
		fmt.Fprintf(os.Stderr, "server %d: %s: removed message queue %d\n", os.Getpid(), unix.SignalName(sig), msgid)
	}
	// signal(sig, SIG_DFL);
	// Go: signal.Reset alone leaves the runtime's handler, which ignores
	// a SIGPIPE that no write caused: the kernel's SIG_DFL goes in too.
	runtime.LockOSThread() // the unblock and the raise below: one thread
	signal.Reset(sig)
	var dfl struct{ handler, flags, restorer, mask uint64 } // the kernel's struct sigaction
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
	// pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	var set unix.Sigset_t
	set.Val[(int(sig)-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	_ = unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
	// raise(sig);
	_ = unix.Tgkill(os.Getpid(), unix.Gettid(), sig)
	// _exit(128 + sig);
	os.Exit(128 + int(sig))
}

// onInput is the input thread: read standard input all the time; hand
// each line to the loop when it asks (a line typed ahead waits in reply)
// and, at the end of the input, with no line waiting, wake the loop asleep in
// msgrcv with a request of its own: type CLIENT_TYPE, our PID in front. A
// message cannot be lost, as a signal sent just before msgrcv could. If
// the queue is full, remove it instead: the loop then wakes with EIDRM.
func onInput(me *say.Speaker) {
	in := bufio.NewReader(os.Stdin)
	var line string
	var n int
	for {
		// n = readLine(line, sizeof line);
		var err error
		line, n, err = readLine(me, in)
		// if (n < 0)
		// perror("read");
		if n < 0 {
			me.Warnf("%v", err)
		}
		// pthread_mutex_lock(&lock); /* the reply slot */
		lock.Lock()
		// while (full)
		// pthread_cond_wait(&moved, &lock); /* until the loop took it */
		for full {
			moved.Wait()
		}
		// if (n <= 0 || strcmp(line, "quit") == 0)
		if n <= 0 || line == "quit" {
			break
		}
		// strcpy(reply, line);
		reply = line
		full = true
		// pthread_cond_broadcast(&moved); /* a line is there */
		moved.Broadcast()
		// pthread_mutex_unlock(&lock); /* read the next line */
		lock.Unlock()
	}
	switch {
	case n < 0:
		ended = "read error"
	case n == 0:
		ended = "end of input"
	default:
		ended = `"quit"`
	}
	// pthread_cond_broadcast(&moved); /* the input has ended */
	moved.Broadcast()
	// len = snprintf(wake.mtext, sizeof wake.mtext, "%d ", (int)getpid());
	wake := fmt.Sprintf("%d ", os.Getpid())
	// if (msgid >= 0 && msgsnd(msgid, &wake, (size_t)len, IPC_NOWAIT) < 0 && msgctl(msgid, IPC_RMID, NULL) == 0)
	if msgid >= 0 && sysv.Msgsnd(msgid, clientType, []byte(wake), unix.IPC_NOWAIT) != nil &&
		queue.Remove(func() error { return sysv.Msgctl(msgid, unix.IPC_RMID, nil) }) == nil {
		msgid = -1
	}
	// pthread_mutex_unlock(&lock); /* the input thread ends */
	lock.Unlock()
}

// nextLine waits for the input thread's next line: the line and true, or
// false if the input has ended.
func nextLine() (line string, r bool) {
	// pthread_mutex_lock(&lock); /* the reply slot, from the loop's side */
	lock.Lock()
	// while (!full && !ended)
	// pthread_cond_wait(&moved, &lock); /* until a line or the end */
	for !full && ended == "" {
		moved.Wait()
	}
	// if (full) {
	if full {
		// strcpy(line, reply);
		line = reply
		full = false
		r = true
		// pthread_cond_broadcast(&moved); /* the slot is free */
		moved.Broadcast()
	}
	// pthread_mutex_unlock(&lock); /* the line is ours */
	lock.Unlock()
	return line, r
}

// server is server.c's main up to the loop: the signals go to their
// thread before the queue exists, so no signal finds a queue nobody
// removes.
func server(args []string) {
	// va_start(ap, fmt);
	// r = vprintf(fmt, ap);
	// va_end(ap);
	// if ((r < 0 || fflush(stdout) == EOF) && errno == EPIPE) {
	// kill(getpid(), SIGPIPE);
	// for (;;) pause();
	// not ported: server.c's say(), a printf that leaves a closed stdout (EPIPE)
	// to the signal thread; common/say writes each line with one write(2) and,
	// on EPIPE, ends the program as SIGPIPE would, the queue removed first.

	// if (parseKeyArgs(argc, argv, &path, &proj) < 0)
	path, proj := keyFlags("server", args)
	me := say.New("server")
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2); nothing is buffered

	// sigemptyset(&sigs);
	var set []os.Signal
	// sigaddset(&sigs, SIGINT);
	set = append(set, unix.SIGINT)
	// sigaddset(&sigs, SIGTERM);
	set = append(set, unix.SIGTERM)
	// sigaddset(&sigs, SIGHUP);
	set = append(set, unix.SIGHUP)
	// sigaddset(&sigs, SIGPIPE);
	set = append(set, unix.SIGPIPE)
	// pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	// Go: signal.Notify stands in: the runtime queues these signals for the
	// channel instead of acting on them. One ignored at start (nohup) stays
	// ignored, as C discards a blocked signal that is ignored.
	sigs := make(chan os.Signal, 1)
	for _, sig := range set {
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	// pthread_create(&t, NULL, onSignals, NULL);
	go onSignals(sigs)

	// pthread_mutex_lock(&lock); /* made and known to the thread at once */
	lock.Lock()
	// msgid = createMsgQueue(path, proj);
	// (on failure it says why and ends the program: return 1)
	msgid, queue = createMsgQueue(me, path, proj)
	// pthread_mutex_unlock(&lock); /* the queue is known */
	lock.Unlock()
	serve(me)
}

// serve is server.c's main from the server's mark to the end.
func serve(me *say.Speaker) {
	// if (msgsnd(msgid, &(struct chatbuf){ .mtype = SERVER_TYPE }, 0, IPC_NOWAIT) < 0 || msgrcv(msgid, &(struct chatbuf){ 0 }, 0, SERVER_TYPE, IPC_NOWAIT) < 0)
	// (the kernel keeps no creator PID for a queue, so the server leaves
	// its PID in msg_lspid and msg_lrpid for a later server to find: trust.go)
	err := sysv.Msgsnd(msgid, serverType, nil, unix.IPC_NOWAIT)
	if err == nil {
		_, _, err = sysv.Msgrcv(msgid, nil, serverType, unix.IPC_NOWAIT)
	}
	if err != nil {
		// perror("msgsnd/msgrcv of the server's mark");
		me.Warnf("msgsnd/msgrcv of the server's mark: %v", err)
	} else {
		me.Printf("msgsnd and msgrcv of an empty message of type %d (SERVER_TYPE): the kernel keeps\n"+
			"no creator PID for a queue; msg_lspid and msg_lrpid now name this server", serverType)
	}
	me.Kernel("%s", row(msgid))
	me.GoNote("%s", serverNote)
	// say("waiting for requests: messages of type %d (CLIENT_TYPE)\n", CLIENT_TYPE);
	me.Printf("waiting for requests: messages of type %d (CLIENT_TYPE)", clientType)
	child.Ready(strconv.Itoa(msgid)) // in the demo: the client may start now
	// pthread_create(&r, NULL, onInput, NULL);
	go onInput(me)
	status := loop(me)

	// pthread_mutex_lock(&lock); /* why did the loop end? */
	lock.Lock()
	// why = ended;
	why := ended
	// pthread_mutex_unlock(&lock); /* said outside the lock: say may block */
	lock.Unlock()
	// if (why) /* said before the removal: the waiting client prints at once */
	// say("%s: removing the queue\n", why);
	if why != "" {
		me.Printf("%s: removing the queue; a client waiting for a reply wakes with EIDRM", why)
	}
	// if (why && strcmp(why, "read error") == 0)
	if why == "read error" {
		status = 1
	}
	// pthread_mutex_lock(&lock); /* a signal now waits, and finds no queue */
	lock.Lock()
	// if (destroyMsgQueue(msgid) < 0)
	if err := queue.Remove(func() error { return destroyMsgQueue(me, msgid) }); err != nil {
		cleanup.Exit(1)
	}
	cleanup.Exit(status) // return status;
}

// serverNote says where Go differs, once the queue is there.
const serverNote = `msgrcv is never restarted after a signal handler (signal(7)), and a Go
process is interrupted all the time: the runtime preempts goroutines with
SIGURG. sysv.Msgrcv retries on EINTR; a C server loops on EINTR itself.`

// loop is server.c's for (;;): a request, its line, the reply. It returns
// the exit status; the input thread's end makes it return 0.
func loop(me *say.Speaker) int {
	for {
		// if (recvMsg(msgid, CLIENT_TYPE, in, sizeof in) < 0) {
		text, err := recvMsg(me, msgid, clientType)
		if err != nil {
			// if (errno == EBADMSG)
			if errors.Is(err, errForeign) {
				continue
			}
			// pthread_mutex_lock(&lock); /* did the input thread remove it? */
			lock.Lock()
			// why = msgid < 0 ? ended : NULL;
			why := ""
			if msgid < 0 {
				why = ended
			}
			// pthread_mutex_unlock(&lock); /* the answer is in why */
			lock.Unlock()
			// if (why) { /* the input thread removed it: the queue was full */
			if why != "" {
				// say("%s: removed the queue\n", why);
				me.Printf("%s: removed the queue", why)
				cleanup.Exit(0) // return 0;
			}
			// perror("msgrcv");
			me.Warnf("%v", err)
			return 1
		}
		// pid = strtol(in, &text, 10);
		pidText, line, ok := strings.Cut(text, " ")
		pid, perr := strconv.Atoi(pidText)
		// if (pid <= CLIENT_TYPE || *text != ' ') {
		if !ok || perr != nil || pid <= clientType {
			// fprintf(stderr, "a request without the client's PID in front: discarded\n");
			me.Warnf("a request without the asking client's PID in front (%q): discarded", text)
			continue
		}
		// if (pid == getpid()) /* the input thread's wake-up */
		if pid == os.Getpid() {
			return 0
		}
		// say("client %ld# %s\n", pid, text + 1);
		me.Printf("client %d# %s", pid, line)
		// if (isatty(0))
		if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
			// say("Please Enter# ");
			prompt(me)
		}
		// if (!nextLine(line))
		reply, ok := nextLine()
		if !ok {
			return 0
		}
		// if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
		if unix.Kill(pid, 0) == unix.ESRCH {
			// fprintf(stderr, "client %ld is gone: no reply\n", pid);
			me.Warnf("client %d is gone: no reply (nobody would ever take it off the queue)", pid)
			continue
		}
		// say("sending \"%s\" as type %ld (the PID of the client that asked)\n", line, pid);
		me.Printf("sending %q as type %d (the PID of the client that asked)", reply, pid)
		// if (sendMsg(msgid, pid, line) < 0) {
		if err := sendMsg(msgid, int64(pid), reply); err != nil {
			// perror("msgsnd");
			me.Warnf("%v", err)
			return 1
		}
	}
}
