//go:build linux && (amd64 || arm64)

package main

// The Go peer: this program run again in the role "peer", one process of a
// measured pair. It takes the same KEY=VALUE arguments as the C peer
// (c/ipcbench.c), plus path=, which of Go's ways to use the mechanism, and
// prints the same lines.

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/syserr"
)

// peerArgs are a peer's arguments: see the comment at the top of
// c/ipcbench.c for each key.
type peerArgs struct {
	mech, role, metric, path string
	size, count, warm, cpu   int
	ctl, ready, rfd, wfd     int
	ab, ba                   string
	msqid, shmid, semid      int
	slots, slotsize, spin    int
}

func newPeerArgs() peerArgs {
	return peerArgs{cpu: -1, ctl: -1, ready: -1, rfd: -1, wfd: -1, msqid: -1, shmid: -1, semid: -1, slots: 1, spin: -1}
}

// fields maps each key to its field, for parsing and for listing.
func (p *peerArgs) fields() ([]string, map[string]interface{}) {
	m := map[string]interface{}{
		"mech": &p.mech, "role": &p.role, "metric": &p.metric, "path": &p.path,
		"size": &p.size, "count": &p.count, "warm": &p.warm, "cpu": &p.cpu,
		"ctl": &p.ctl, "ready": &p.ready, "rfd": &p.rfd, "wfd": &p.wfd,
		"ab": &p.ab, "ba": &p.ba, "msqid": &p.msqid, "shmid": &p.shmid, "semid": &p.semid,
		"slots": &p.slots, "slotsize": &p.slotsize, "spin": &p.spin,
	}
	order := []string{"mech", "path", "role", "metric", "size", "count", "warm", "cpu", "ctl", "ready",
		"rfd", "wfd", "ab", "ba", "msqid", "shmid", "semid", "slots", "slotsize", "spin"}
	return order, m
}

// list is the command line for a peer: every key that is set, as
// KEY=VALUE; path= only for the Go peer, which alone knows it.
func (p peerArgs) list(goPeer bool) []string {
	order, m := p.fields()
	unset := newPeerArgs()
	_, um := unset.fields()
	var out []string
	for _, k := range order {
		if k == "path" && !goPeer {
			continue
		}
		switch v := m[k].(type) {
		case *string:
			if *v != "" {
				out = append(out, k+"="+*v)
			}
		case *int:
			if *v != *um[k].(*int) || k == "size" || k == "count" || k == "warm" {
				out = append(out, k+"="+strconv.Itoa(*v))
			}
		}
	}
	return out
}

func parsePeerArgs(args []string) (peerArgs, error) {
	p := newPeerArgs()
	_, m := p.fields()
	for _, a := range args {
		i := strings.IndexByte(a, '=')
		if i < 0 {
			return p, fmt.Errorf("not KEY=VALUE: %q", a)
		}
		f, ok := m[a[:i]]
		if !ok {
			return p, fmt.Errorf("unknown key %q", a[:i])
		}
		switch v := f.(type) {
		case *string:
			*v = a[i+1:]
		case *int:
			n, err := strconv.Atoi(a[i+1:])
			if err != nil {
				return p, fmt.Errorf("%s: not a number", a)
			}
			*v = n
		}
	}
	if p.role != "a" && p.role != "b" {
		return p, fmt.Errorf("role must be a or b, not %q", p.role)
	}
	if p.size < 0 || p.count < 0 || p.warm < 0 || p.slots < 1 {
		return p, fmt.Errorf("negative size, count or warm, or no slot")
	}
	return p, nil
}

// locked says whether the path runs on a goroutine locked to its thread
// (runtime.LockOSThread): sigwait must, its signal is sent to the thread;
// "locked" is the first version of the raw path, kept to show what locking
// costs (see prepare).
func (p *peerArgs) locked() bool { return p.path == "sigwait" || p.path == "locked" }

// yields says whether the loop calls runtime.Gosched every yieldEvery
// messages: every path that makes its system calls itself, except
// "locked", the first version, and the rings. A ring makes no system call
// per message, so sysmon never takes its P away in one; a goroutine that
// runs for 10 ms is preempted by a signal instead, which costs less than a
// pass through the scheduler every 16 messages of 0.15 µs each.
func (p *peerArgs) yields() bool {
	if p.mech == "ring" || p.mech == "spin" {
		return false
	}
	return p.path == "raw" || p.path == "sysv" || p.path == "sigwait"
}

// yieldEvery is how many messages a loop handles between two passes
// through the scheduler (0: never).
var yieldEvery = 0

var sinceYield = 0

// pace is called once per message by the loops.
func pace() {
	if yieldEvery == 0 {
		return
	}
	if sinceYield++; sinceYield >= yieldEvery {
		sinceYield = 0
		runtime.Gosched()
	}
}

// prepare sets the runtime up around the link, and undo puts it back (for
// the benchmarks, which run a peer inside the test process). This is where
// Go's time went in the first version of this program; README.md tells the
// story. In short:
//
//   - Every thread of the process is pinned to the peer's CPU, as
//     sched_setaffinity pins the C peer's one thread.
//   - GOMAXPROCS is set to 1, the value Go picks for a process that starts
//     on one CPU. Setting it also stops Go 1.25+ from lowering it to 1 by
//     itself about a second after the pinning, with a stop-the-world in
//     the middle of a measurement.
//   - The goroutine is not locked to its thread (except for sigwait), and
//     it passes through the scheduler (runtime.Gosched) every 16 messages.
//     A goroutine that makes system call after system call never does, and
//     after 10 ms sysmon judges it to be running too long; it cannot
//     preempt a goroutine inside a system call, so at every tick (every 20
//     µs or so) it takes the P away from it and wakes another thread to
//     hold it: hundreds of needless thread wake-ups a second on the peer's
//     CPU. With LockOSThread each Gosched is itself a hand-off between two
//     threads, so the raw paths do not lock.
func (p *peerArgs) prepare() (undo func(), err error) {
	var undos []func()
	undo = func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	if p.cpu >= 0 {
		var was, set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &was); err != nil {
			return undo, syserr.Wrap("sched_getaffinity", err, nil)
		}
		set.Set(p.cpu)
		if err := pinProcess(&set); err != nil {
			return undo, syserr.Wrap(fmt.Sprintf("sched_setaffinity(CPU %d)", p.cpu), err, syserr.Meanings{
				unix.EINVAL: "this CPU is not online or not allowed to this process",
			})
		}
		undos = append(undos, func() { pinProcess(&was) })
	}
	if p.path != "locked" {
		was := runtime.GOMAXPROCS(1)
		undos = append(undos, func() { runtime.GOMAXPROCS(was) })
	}
	if p.locked() {
		runtime.LockOSThread()
		undos = append(undos, runtime.UnlockOSThread)
	}
	yieldEvery, sinceYield = 0, 0
	if p.yields() {
		yieldEvery = 16
	}
	return undo, nil
}

// newLink sets up this peer's end: everything that does not need the peer
// to be running.
func (p *peerArgs) newLink() (link, error) {
	a := p.role == "a"
	size := p.size
	if size < 8 {
		size = 8
	}
	path := p.path
	if path == "locked" {
		path = "raw" // the same link, set up differently (prepare)
	}
	switch p.mech + "/" + path {
	case "pipe/raw", "unix/raw", "fifo/raw":
		b, err := newBuffers(size)
		l := &fdLink{buffers: b, rfd: p.rfd, wfd: p.wfd}
		if p.mech == "unix" {
			l.wfd = l.rfd // one socket, both ways
		}
		if p.mech == "fifo" {
			l.fifo = &fifoPaths{ab: p.ab, ba: p.ba, a: a}
		}
		return l, err
	case "pipe/file", "unix/file", "fifo/file":
		b, err := newBuffers(size)
		if err != nil {
			return nil, err
		}
		l := &fileLink{buffers: b}
		switch p.mech {
		case "fifo":
			l.fifo = &fifoPaths{ab: p.ab, ba: p.ba, a: a}
		case "unix":
			if l.r, err = pollable(p.rfd, "socket"); err == nil {
				l.w = l.r
			}
		default:
			if l.r, err = pollable(p.rfd, "pipe read end"); err == nil {
				l.w, err = pollable(p.wfd, "pipe write end")
			}
		}
		return l, err
	case "msg/raw":
		return newMsgLink(p.msqid, size, a)
	case "msg/sysv":
		return newSysvMsgLink(p.msqid, size, a), nil
	case "shm/raw":
		return newShmLink(p.shmid, p.semid, p.slots, p.slotsize, size, a)
	case "ring/raw", "spin/raw":
		l, err := newRingLink(p.rfd, p.slots, p.slotsize, size, a, p.mech == "spin")
		if err == nil && p.spin >= 0 {
			l.spin = p.spin
		}
		return l, err
	case "signal/sigwait":
		return newSigwaitLink()
	case "signal/notify":
		return newNotifyLink(), nil
	case "memcpy/copy":
		return nil, nil
	}
	return nil, fmt.Errorf("no Go path %q for mechanism %q", p.path, p.mech)
}

// peer is the role "peer": set up, say ready, wait for the start line,
// measure, print.
func peer(args []string) {
	p, err := parsePeerArgs(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "09-compare peer: %v\n", err)
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "09-compare peer %d (%s %s, Go %s): error: %v\n", os.Getpid(), p.mech, p.role, p.path, err)
		os.Exit(1)
	}
	if _, err := p.prepare(); err != nil {
		fail(err)
	}
	l, err := p.newLink()
	if err != nil {
		fail(err)
	}
	child.Ready(fmt.Sprintf("%d %d", os.Getpid(), unix.Gettid()))
	pid, tid, err := readStart(p.ctl)
	if err != nil {
		fail(err)
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	if err := p.run(l, pid, tid, out); err != nil {
		fail(err)
	}
	if err := out.Flush(); err != nil {
		fail(syserr.Wrap("write(stdout)", err, nil))
	}
}

// run measures and prints the results, as the C peer's main does.
func (p *peerArgs) run(l link, peerPID, peerTID int, out io.Writer) error {
	switch {
	case p.mech == "memcpy":
		ns, err := memcpyBandwidth(p.size, p.slots, p.count)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "tput %d %d\n", p.count, ns)
	case p.metric == "rtt":
		if err := l.connect(peerPID, peerTID); err != nil {
			return err
		}
		if p.role == "b" {
			if err := pong(l, p.size, p.warm+p.count); err != nil {
				return err
			}
			break
		}
		samples := make([]int64, p.count)
		if err := ping(l, p.size, p.warm, samples); err != nil {
			return err
		}
		fmt.Fprintf(out, "rtt %d\n", len(samples))
		for _, s := range samples {
			fmt.Fprintf(out, "%d\n", s)
		}
	case p.metric == "tput":
		if err := l.connect(peerPID, peerTID); err != nil {
			return err
		}
		if p.role == "b" {
			if err := recvStream(l, p.size, p.count); err != nil {
				return err
			}
			break
		}
		ns, err := sendStream(l, p.size, p.count)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "tput %d %d\n", p.count, ns)
	default:
		return fmt.Errorf("metric must be rtt or tput, not %q", p.metric)
	}
	fmt.Fprintf(out, "eintr %d\n", atomic.LoadInt64(&eintr))
	return nil
}

// stamp writes v into the first 8 bytes of a message (if it has them), and
// check reads it back: a round trip must carry its own number back, a
// stream must arrive in order.
func stamp(b []byte, n int, v uint64) {
	if n >= 8 {
		binary.LittleEndian.PutUint64(b, v)
	}
}

func check(b []byte, n int, want uint64) error {
	if n < 8 || b == nil {
		return nil
	}
	if got := binary.LittleEndian.Uint64(b); got != want {
		return fmt.Errorf("message %d arrived as %d", want, got)
	}
	return nil
}

// ping sends warm untimed round trips, then len(samples) timed ones, and
// records each in nanoseconds. Each is timed as C times it, by two reads
// of the monotonic clock: time.Since(base) reads it once, where
// time.Now reads the wall clock too, a vDSO call more that a round trip
// of 0.3 µs on a shared memory ring can see.
func ping(l link, size, warm int, samples []int64) error {
	total := warm + len(samples)
	base := time.Now()
	for i := 0; i < total; i++ {
		stamp(l.sendBuf(), size, uint64(i))
		t0 := time.Since(base)
		pace()
		if err := l.send(size); err != nil {
			return err
		}
		r, err := l.recv(size)
		if err != nil {
			return err
		}
		dt := time.Since(base) - t0
		if err := check(r, size, uint64(i)); err != nil {
			return err
		}
		if i >= warm {
			samples[i-warm] = int64(dt)
		}
	}
	return nil
}

// pong answers n round trips.
func pong(l link, size, n int) error {
	for i := 0; i < n; i++ {
		r, err := l.recv(size)
		if err != nil {
			return err
		}
		if err := check(r, size, uint64(i)); err != nil {
			return err
		}
		stamp(l.sendBuf(), size, uint64(i))
		pace()
		if err := l.send(size); err != nil {
			return err
		}
	}
	return nil
}

// sendStream waits for the receiver's "ready", sends total bytes in chunks
// of size, and stops the clock at the receiver's acknowledgement of the
// last one: what counts is data delivered, not data handed to the kernel.
func sendStream(l link, size, total int) (int64, error) {
	if _, err := l.recv(1); err != nil { // the handshake
		return 0, err
	}
	t0 := time.Now()
	var seq uint64
	for sent := 0; sent < total; sent += size {
		stamp(l.sendBuf(), size, seq)
		seq++
		pace()
		if err := l.send(size); err != nil {
			return 0, err
		}
	}
	if _, err := l.recv(1); err != nil { // the acknowledgement
		return 0, err
	}
	return int64(time.Since(t0)), nil
}

func recvStream(l link, size, total int) error {
	l.sendBuf()[0] = 1
	if err := l.send(1); err != nil {
		return err
	}
	var seq uint64
	for got := 0; got < total; got += size {
		pace()
		r, err := l.recv(size)
		if err != nil {
			return err
		}
		if err := check(r, size, seq); err != nil {
			return err
		}
		seq++
	}
	return l.send(1)
}

// memcpyBandwidth copies total bytes in chunks of size from one buffer into
// a ring of slots, as one side of the shared memory stream does, with no
// peer and no semaphore: the speed limit of that stream.
func memcpyBandwidth(size, slots, total int) (int64, error) {
	src, err := pageAligned(size)
	if err != nil {
		return 0, err
	}
	ring, err := pageAligned(size * slots)
	if err != nil {
		return 0, err
	}
	for i := 0; i < slots; i++ { // once round the ring, untimed
		copy(ring[i*size:], src)
	}
	t0 := time.Now()
	i := 0
	for done := 0; done < total; done += size {
		copy(ring[(i%slots)*size:], src)
		i++
	}
	return int64(time.Since(t0)), nil
}

// readStart reads "go PID TID\n", the peer's process and thread, from the
// control pipe: the start signal, sent once both peers are ready.
func readStart(fd int) (pid, tid int, err error) {
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := unix.Read(fd, b)
		if err == unix.EINTR {
			countEINTR()
			continue
		}
		if err != nil {
			return 0, 0, syserr.Wrap("read(ctl)", err, nil)
		}
		if n == 0 {
			return 0, 0, fmt.Errorf("the control pipe closed before the start line")
		}
		if b[0] == '\n' {
			break
		}
		line = append(line, b[0])
	}
	unix.Close(fd)
	if _, err := fmt.Sscanf(string(line), "go %d %d", &pid, &tid); err != nil {
		return 0, 0, fmt.Errorf("a malformed start line %q", line)
	}
	return pid, tid, nil
}

// pinProcess sets the CPU mask of every thread of this process, as
// sched_setaffinity(0, ...) sets the mask of the C peer's one thread: the
// runtime's other threads (sysmon, idle Ms) stay on this peer's CPU and
// leave the other CPU to the other peer. A thread made later inherits the
// mask of the thread that makes it; a second pass catches one made during
// the first.
func pinProcess(set *unix.CPUSet) error {
	for pass := 0; pass < 2; pass++ {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
				return err
			}
		}
	}
	return nil
}

// ticker is the role "ticker" of -keep-awake: pinned to the CPU in
// args[0], it wakes every millisecond and does nothing else, so that the
// CPU never idles for long. A virtual CPU that idles halts, and waking a
// halted one costs a trip through the hypervisor; how much depends on how
// long it slept, and a Go peer's own runtime (sysmon) already wakes its
// CPU now and then, a C peer's CPU nothing: see README.md.
func ticker(args []string) {
	p := newPeerArgs()
	p.path = "ticker"
	if len(args) != 1 {
		os.Exit(2)
	}
	cpu, err := strconv.Atoi(args[0])
	if err != nil {
		os.Exit(2)
	}
	p.cpu = cpu
	if _, err := p.prepare(); err != nil {
		fmt.Fprintf(os.Stderr, "09-compare ticker: %v\n", err)
		os.Exit(1)
	}
	child.Ready("")
	for {
		time.Sleep(time.Millisecond)
	}
}
