//go:build linux && (amd64 || arm64)

package main

// The Go links: one peer's end of a two-way channel over each mechanism,
// the same protocol as struct link in c/ipcbench.c. Each "raw" link makes
// the system calls C makes, one for one, on a goroutine locked to its
// thread; the other paths are what a Go program would write with the
// standard library (*os.File, signal.Notify) or with common/sysv.

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// link is one end of a two-way channel. send sends the first n bytes of
// sendBuf() as one message; recv receives one message of n bytes (from a
// byte stream: exactly n bytes) and returns them. connect does what needs
// the peer to be running (open a FIFO, learn the peer's thread). close
// gives everything back; a peer process leaves that to exit, as C does,
// but a benchmark runs many links in one process.
type link interface {
	sendBuf() []byte
	send(n int) error
	recv(n int) ([]byte, error)
	connect(peerPID, peerTID int) error
	close()
}

// eintr counts the system calls the raw links retried after EINTR
// (atomically: a test reads it while a link waits).
var eintr int64

func countEINTR() { atomic.AddInt64(&eintr, 1) }

// pageAligned is n bytes of memory that starts on a page boundary, as
// posix_memalign gives the C peer, from an anonymous mapping outside the
// Go heap (so it must never hold a Go pointer). Every page is touched, so
// that no page fault lands in a timed loop.
func pageAligned(n int) ([]byte, error) {
	if n < 8 {
		n = 8
	}
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, syserr.Wrap("mmap", err, nil)
	}
	for i := range b {
		b[i] = 0x5a
	}
	return b, nil
}

// buffers is the pair of page-aligned buffers most links use.
type buffers struct{ sbuf, rbuf []byte }

func newBuffers(size int) (buffers, error) {
	s, err := pageAligned(size)
	if err != nil {
		return buffers{}, err
	}
	r, err := pageAligned(size)
	return buffers{s, r}, err
}

func (b *buffers) sendBuf() []byte { return b.sbuf }

func (b *buffers) free() {
	for _, m := range [][]byte{b.sbuf, b.rbuf} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	b.sbuf, b.rbuf = nil, nil
}

// fdLink is a pipe, FIFO or socket through raw read(2) and write(2) on a
// blocking descriptor: exactly the C peer's loop.
type fdLink struct {
	buffers
	rfd, wfd int
	fifo     *fifoPaths // for a FIFO: opened by connect
}

type fifoPaths struct {
	ab, ba string
	a      bool
}

func (l *fdLink) send(n int) error {
	b := l.sbuf[:n]
	for len(b) > 0 {
		w, err := unix.Write(l.wfd, b)
		if err == unix.EINTR {
			countEINTR()
			continue
		}
		if err != nil {
			return syserr.Wrap("write", err, nil)
		}
		b = b[w:]
	}
	return nil
}

func (l *fdLink) recv(n int) ([]byte, error) {
	b := l.rbuf[:n]
	for len(b) > 0 {
		r, err := unix.Read(l.rfd, b)
		if err == unix.EINTR {
			countEINTR()
			continue
		}
		if err != nil {
			return nil, syserr.Wrap("read", err, nil)
		}
		if r == 0 {
			return nil, fmt.Errorf("read: end of file: the peer is gone")
		}
		b = b[r:]
	}
	return l.rbuf[:n], nil
}

func (l *fdLink) close() {
	unix.Close(l.rfd)
	if l.wfd != l.rfd {
		unix.Close(l.wfd)
	}
	l.free()
}

func (l *fdLink) connect(int, int) error {
	if l.fifo == nil {
		return nil
	}
	// Both peers open a-to-b first: open(2) of a FIFO blocks until the
	// other end is opened too.
	open := func(path string, write bool) (int, error) {
		flags := unix.O_RDONLY
		if write {
			flags = unix.O_WRONLY
		}
		for {
			fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
			if err == unix.EINTR {
				countEINTR()
				continue
			}
			return fd, syserr.Wrap("open("+path+")", err, nil)
		}
	}
	var err error
	if l.fifo.a {
		if l.wfd, err = open(l.fifo.ab, true); err == nil {
			l.rfd, err = open(l.fifo.ba, false)
		}
	} else {
		if l.rfd, err = open(l.fifo.ab, false); err == nil {
			l.wfd, err = open(l.fifo.ba, true)
		}
	}
	return err
}

// fileLink is the same through *os.File, as a Go program usually holds a
// pipe, a FIFO or a socket: the descriptor is non-blocking and registered
// with the runtime's poller (epoll). A read that finds nothing returns
// EAGAIN inside os, the goroutine parks, and the poller wakes it when
// data arrives; EINTR is retried inside os and cannot be counted.
type fileLink struct {
	buffers
	r, w *os.File
	fifo *fifoPaths
}

// pollable wraps a descriptor the peer inherited, blocking, in an *os.File
// that uses the poller: os.NewFile does so for a non-blocking descriptor.
func pollable(fd int, name string) (*os.File, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, syserr.Wrap("fcntl(F_SETFL, O_NONBLOCK)", err, nil)
	}
	return os.NewFile(uintptr(fd), name), nil
}

func (l *fileLink) send(n int) error {
	_, err := l.w.Write(l.sbuf[:n])
	return err
}

func (l *fileLink) recv(n int) ([]byte, error) {
	if _, err := io.ReadFull(l.r, l.rbuf[:n]); err != nil {
		return nil, err
	}
	return l.rbuf[:n], nil
}

func (l *fileLink) close() {
	l.r.Close()
	if l.w != l.r {
		l.w.Close()
	}
	l.free()
}

func (l *fileLink) connect(int, int) error {
	if l.fifo == nil {
		return nil
	}
	var err error
	if l.fifo.a {
		if l.w, err = os.OpenFile(l.fifo.ab, os.O_WRONLY, 0); err == nil {
			l.r, err = os.Open(l.fifo.ba)
		}
	} else {
		if l.r, err = os.Open(l.fifo.ab); err == nil {
			l.w, err = os.OpenFile(l.fifo.ba, os.O_WRONLY, 0)
		}
	}
	return err
}

// msgLink is a System V message queue through raw msgsnd(2)/msgrcv(2)
// with one reusable struct msgbuf each way (long mtype, then the text),
// built in place: no allocation and no copy per message, as in C. a sends
// type 1 and receives type 2, b the other way round.
type msgLink struct {
	id           int
	stype, rtype int64
	smsg, rmsg   []byte // struct msgbuf: 8 bytes of mtype, then the text
}

const mtypeSize = 8 // sizeof(long) in front of the text

func newMsgLink(id, size int, a bool) (*msgLink, error) {
	l := &msgLink{id: id, stype: 1, rtype: 2}
	if !a {
		l.stype, l.rtype = 2, 1
	}
	var err error
	if l.smsg, err = pageAligned(mtypeSize + size); err != nil {
		return nil, err
	}
	if l.rmsg, err = pageAligned(mtypeSize + size); err != nil {
		return nil, err
	}
	*(*int64)(unsafe.Pointer(&l.smsg[0])) = l.stype
	return l, nil
}

func (l *msgLink) sendBuf() []byte { return l.smsg[mtypeSize:] }

func (l *msgLink) send(n int) error {
	for {
		_, _, e := unix.Syscall6(unix.SYS_MSGSND, uintptr(l.id), uintptr(unsafe.Pointer(&l.smsg[0])), uintptr(n), 0, 0, 0)
		switch e {
		case 0:
			return nil
		case unix.EINTR: // never restarted by the kernel; nothing was sent
			countEINTR()
			continue
		}
		return syserr.Wrap("msgsnd", e, nil)
	}
}

func (l *msgLink) recv(n int) ([]byte, error) {
	for {
		r, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(l.id), uintptr(unsafe.Pointer(&l.rmsg[0])), uintptr(n), uintptr(l.rtype), 0, 0)
		switch e {
		case 0:
			if int(r) != n {
				return nil, fmt.Errorf("msgrcv: a message of %d bytes, want %d", r, n)
			}
			return l.rmsg[mtypeSize : mtypeSize+n], nil
		case unix.EINTR: // never restarted by the kernel; nothing was taken
			countEINTR()
			continue
		}
		return nil, syserr.Wrap("msgrcv", e, nil)
	}
}

func (l *msgLink) connect(int, int) error { return nil }

func (l *msgLink) close() {
	unix.Munmap(l.smsg)
	unix.Munmap(l.rmsg)
}

// sysvMsgLink is the same queue through common/sysv's buffer API, the one
// a Go program would import: a sysv.MsgBuf each way, kept for the life of
// the link and handed to the kernel as it is (MsgsndBuf, MsgrcvBuf), so no
// allocation and no copy per message, as on the raw path. What it adds is
// the wrapper's own work: the EINTR retry (inside, not counted) and the
// error wrapping. (sysv.Msgsnd and sysv.Msgrcv, which take plain slices,
// allocate a struct msgbuf and copy the text once more on every call.)
type sysvMsgLink struct {
	id           int
	stype, rtype int64
	s, r         *sysv.MsgBuf
}

func newSysvMsgLink(id, size int, a bool) *sysvMsgLink {
	l := &sysvMsgLink{id: id, stype: 1, rtype: 2, s: sysv.NewMsgBuf(size), r: sysv.NewMsgBuf(size)}
	if !a {
		l.stype, l.rtype = 2, 1
	}
	l.s.SetType(l.stype)
	return l
}

func (l *sysvMsgLink) sendBuf() []byte { return l.s.Space() }

func (l *sysvMsgLink) send(n int) error { return sysv.MsgsndBuf(l.id, l.s, n, 0) }

func (l *sysvMsgLink) recv(n int) ([]byte, error) {
	got, err := sysv.MsgrcvBuf(l.id, l.r, l.rtype, 0)
	if err != nil {
		return nil, err
	}
	if got != n {
		return nil, fmt.Errorf("msgrcv: a message of %d bytes, want %d", got, n)
	}
	return l.r.Text(), nil
}

func (l *sysvMsgLink) connect(int, int) error { return nil }

func (l *sysvMsgLink) close() {}

// shmLink is System V shared memory guarded by System V semaphores: a ring
// of slots each way; semaphore 2d counts the full slots of direction d, 2d+1
// the empty ones (d = 0 is a to b). send waits for an empty slot, copies the
// message in and posts "full"; recv waits for a full slot, copies the
// message out and posts "empty". Two copies, as a pipe makes.
type shmLink struct {
	buffers
	semid          int
	seg            []byte
	ring           [2][]byte // the ring I send on, the ring I receive from
	sdir, rdir     int
	sidx, ridx     int
	slots, slotLen int
}

func newShmLink(shmid, semid, slots, slotLen, size int, a bool) (*shmLink, error) {
	if slotLen < size {
		return nil, fmt.Errorf("slotsize %d is smaller than the message (%d)", slotLen, size)
	}
	seg, err := unix.SysvShmAttach(shmid, 0, 0)
	if err != nil {
		return nil, syserr.Wrap("shmat", err, nil)
	}
	l := &shmLink{semid: semid, seg: seg, slots: slots, slotLen: slotLen, sdir: 0, rdir: 1}
	if !a {
		l.sdir, l.rdir = 1, 0
	}
	ringLen := slots * slotLen
	if len(seg) < 2*ringLen {
		return nil, fmt.Errorf("the segment has %d bytes, want %d", len(seg), 2*ringLen)
	}
	l.ring[0] = seg[l.sdir*ringLen : (l.sdir+1)*ringLen]
	l.ring[1] = seg[l.rdir*ringLen : (l.rdir+1)*ringLen]
	l.buffers, err = newBuffers(size)
	return l, err
}

// sem is semop(semid, {num, op, 0}, 1), retried after EINTR: the kernel
// never restarts semop after a signal handler.
func (l *shmLink) sem(num, op int) error {
	b := sysv.Sembuf{Num: uint16(num), Op: int16(op)}
	for {
		_, _, e := unix.Syscall(unix.SYS_SEMOP, uintptr(l.semid), uintptr(unsafe.Pointer(&b)), 1)
		switch e {
		case 0:
			return nil
		case unix.EINTR:
			countEINTR()
			continue
		}
		return syserr.Wrap("semop", e, nil)
	}
}

func (l *shmLink) send(n int) error {
	if err := l.sem(2*l.sdir+1, -1); err != nil { // P(empty)
		return err
	}
	off := (l.sidx % l.slots) * l.slotLen
	copy(l.ring[0][off:off+n], l.sbuf[:n])
	l.sidx++
	return l.sem(2*l.sdir, 1) // V(full)
}

func (l *shmLink) recv(n int) ([]byte, error) {
	if err := l.sem(2*l.rdir, -1); err != nil { // P(full)
		return nil, err
	}
	off := (l.ridx % l.slots) * l.slotLen
	copy(l.rbuf[:n], l.ring[1][off:off+n])
	l.ridx++
	return l.rbuf[:n], l.sem(2*l.rdir+1, 1) // V(empty)
}

func (l *shmLink) connect(int, int) error { return nil }

func (l *shmLink) close() {
	unix.SysvShmDetach(l.seg)
	l.free()
}

// sigwaitLink sends SIGUSR1 to the peer's thread with tgkill(2) and takes
// it with rt_sigtimedwait(2) (sigwaitinfo) on a locked thread that blocks
// SIGUSR1: the signal stays pending on that thread and is taken by the
// system call, no handler runs, nothing wakes a goroutine. A plain kill()
// would not do: the kernel gives a process-directed signal to any thread
// that does not block it, and every other thread of a Go process takes it
// into the runtime's handler.
type sigwaitLink struct {
	set              unix.Sigset_t
	peerPID, peerTID int
}

func sigbit(set *unix.Sigset_t, sig unix.Signal) {
	set.Val[(sig-1)/64] |= 1 << ((uint(sig) - 1) % 64)
}

func newSigwaitLink() (*sigwaitLink, error) {
	l := &sigwaitLink{}
	sigbit(&l.set, unix.SIGUSR1)
	// Only this thread: the caller has locked its goroutine to it.
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &l.set, nil); err != nil {
		return nil, syserr.Wrap("pthread_sigmask(SIG_BLOCK, SIGUSR1)", err, nil)
	}
	return l, nil
}

func (l *sigwaitLink) sendBuf() []byte { return nil }

func (l *sigwaitLink) send(int) error {
	for {
		err := unix.Tgkill(l.peerPID, l.peerTID, unix.SIGUSR1)
		if err == unix.EINTR {
			countEINTR()
			continue
		}
		return syserr.Wrap("tgkill", err, nil)
	}
}

func (l *sigwaitLink) recv(int) ([]byte, error) {
	for {
		// sigwaitinfo(&set, NULL) is rt_sigtimedwait(&set, NULL, NULL,
		// sizeof(kernel sigset_t) = 8).
		_, _, e := unix.Syscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&l.set)), 0, 0, 8, 0, 0)
		switch e {
		case 0:
			return nil, nil
		case unix.EINTR:
			countEINTR()
			continue
		}
		return nil, syserr.Wrap("rt_sigtimedwait", e, nil)
	}
}

func (l *sigwaitLink) connect(pid, tid int) error {
	l.peerPID, l.peerTID = pid, tid
	return nil
}

func (l *sigwaitLink) close() {
	unix.PthreadSigmask(unix.SIG_UNBLOCK, &l.set, nil)
}

// notifyLink is the signal path of the os/signal package: kill() to the
// peer process, and signal.Notify on this side. The kernel runs the
// runtime's handler on whichever thread it picks; the handler queues the
// signal, the runtime's signal goroutine wakes and sends it on the channel,
// and the goroutine waiting on the channel is woken in turn: two goroutine
// hand-offs, often two threads, where C has one system call.
type notifyLink struct {
	c       chan os.Signal
	peerPID int
}

func newNotifyLink() *notifyLink {
	l := &notifyLink{c: make(chan os.Signal, 1)}
	signal.Notify(l.c, unix.SIGUSR1)
	return l
}

func (l *notifyLink) sendBuf() []byte { return nil }

func (l *notifyLink) send(int) error {
	return syserr.Wrap("kill", unix.Kill(l.peerPID, unix.SIGUSR1), nil)
}

func (l *notifyLink) recv(int) ([]byte, error) {
	<-l.c
	return nil, nil
}

func (l *notifyLink) connect(pid, _ int) error {
	l.peerPID = pid
	return nil
}

func (l *notifyLink) close() { signal.Stop(l.c) }

// ringLink is the ring of 11-mmap (11-mmap/c/ring.c and ring.go), struct
// ring of c/ipcbench.c: a memfd mapped by both peers holds two rings, a to
// b then b to a, each a header of four cache lines (head, tail, cons_wait,
// prod_wait) and then slots of slotLen bytes, a message a slot. send copies
// the message into the next free slot and publishes it by storing head;
// recv copies it out of the next full slot and frees it by storing tail:
// two copies, as shm+sem makes, so that the two differ only in how a side
// waits. head and tail are sync/atomic words in the mapping (sequentially
// consistent, as C11's atomic_load and atomic_store are by default).
//
// The futex ring ("ring") waits as ring.c does: it looks at the other
// side's index ringSpin times, then registers the index value it sleeps on
// (cons_wait = t + 1), looks once more and sleeps in futex(FUTEX_WAIT) on
// the index, which the kernel compares and sleeps on in one step; the
// other side, after storing the index, wakes it only if the registration
// is the value it moved the index from. ring.c's header says why no wake
// can be lost. The spin ring ("spin") looks again and again and never
// calls the kernel: what shared memory between two CPUs can do at most.
type ringLink struct {
	buffers
	mem        []byte
	s, r       ringView // the ring I send on, the ring I receive from
	head, tail uint32   // my copies of my ends' indexes
	slots      uint32
	slotLen    int
	spinOnly   bool
	spin       int // looks before sleeping: ringSpin (tests lower it)
}

// ringView is one ring of the mapping.
type ringView struct {
	head, tail         *uint32
	consWait, prodWait *uint64
	slot               []byte
}

// The layout of struct ring, and ring.c's SPIN.
const (
	ringOffHead  = 0    // head: messages written (the producer's)
	ringOffTail  = 64   // tail: messages read (the consumer's)
	ringOffCons  = 128  // cons_wait: 0, or 1 + the head value the consumer sleeps on
	ringOffProd  = 192  // prod_wait: 0, or 1 + the tail value the producer sleeps on
	ringOffSlots = 256  // slot[slots][slotsize]
	ringSpin     = 2000 // ring.c's SPIN

	// ringSpinDefault is the futex ring's spin of this comparison (-spin):
	// longer than ring.c's, see README.md.
	ringSpinDefault = 100000

	// FUTEX_WAIT and FUTEX_WAKE (linux/futex.h), not their _PRIVATE
	// variants: the peers map the ring at different addresses, and a
	// shared futex is known by the page it is on.
	futexWait = 0
	futexWake = 1
)

// ringBytes is the size of one ring of slots slots of slotLen bytes.
func ringBytes(slots, slotLen int) int { return ringOffSlots + slots*slotLen }

func newRingView(mem []byte, slots, slotLen int) ringView {
	word := func(off int) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	wait := func(off int) *uint64 { return (*uint64)(unsafe.Pointer(&mem[off])) }
	return ringView{head: word(ringOffHead), tail: word(ringOffTail), consWait: wait(ringOffCons), prodWait: wait(ringOffProd),
		slot: mem[ringOffSlots : ringOffSlots+slots*slotLen]}
}

// newRingLink maps the two rings from fd (a memfd) and takes the ends of
// role a or b; spinOnly makes it the spin ring.
func newRingLink(fd, slots, slotLen, size int, a, spinOnly bool) (*ringLink, error) {
	if slotLen < size {
		return nil, fmt.Errorf("slotsize %d is smaller than the message (%d)", slotLen, size)
	}
	if slots&(slots-1) != 0 {
		return nil, fmt.Errorf("slots must be a power of two (the indexes wrap at 2^32), not %d", slots)
	}
	n := ringBytes(slots, slotLen)
	// MAP_POPULATE: the pages are mapped now, no fault in the timed loop.
	mem, err := unix.Mmap(fd, 0, 2*n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return nil, syserr.Wrap("mmap(ring)", err, nil)
	}
	l := &ringLink{mem: mem, slots: uint32(slots), slotLen: slotLen, spinOnly: spinOnly, spin: ringSpin}
	ab, ba := newRingView(mem[:n], slots, slotLen), newRingView(mem[n:], slots, slotLen)
	l.s, l.r = ab, ba
	if !a {
		l.s, l.r = ba, ab
	}
	l.buffers, err = newBuffers(size)
	return l, err
}

// futexWaitOn sleeps while *word is still seen. EAGAIN (the word moved
// before the sleep) and EINTR are a wake: the caller looks again.
func futexWaitOn(word *uint32, seen uint32) error {
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWait, uintptr(seen), 0, 0, 0)
	switch e {
	case 0, unix.EAGAIN:
		return nil
	case unix.EINTR:
		countEINTR()
		return nil
	}
	return syserr.Wrap("futex(FUTEX_WAIT)", e, nil)
}

// futexWakeOn wakes one sleeper on word.
func futexWakeOn(word *uint32) error {
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWake, 1, 0, 0, 0)
	if e != 0 {
		return syserr.Wrap("futex(FUTEX_WAKE)", e, nil)
	}
	return nil
}

// send is ring_send of c/ipcbench.c, produce() of ring.c for one message.
func (l *ringLink) send(n int) error {
	r := &l.s
	h := l.head
	for spin := 0; ; spin++ {
		t := atomic.LoadUint32(r.tail)
		if h-t != l.slots {
			break
		}
		if l.spinOnly || spin < l.spin {
			continue
		}
		atomic.StoreUint64(r.prodWait, uint64(t)+1)
		if atomic.LoadUint32(r.tail) == t {
			if err := futexWaitOn(r.tail, t); err != nil {
				return err
			}
		}
		atomic.StoreUint64(r.prodWait, 0)
	}
	off := int(h%l.slots) * l.slotLen
	copy(r.slot[off:off+n], l.sbuf[:n])
	atomic.StoreUint32(r.head, h+1)
	l.head = h + 1
	if !l.spinOnly && atomic.LoadUint64(r.consWait) == uint64(h)+1 { // it sleeps on head == h
		return futexWakeOn(r.head)
	}
	return nil
}

// recv is ring_recv of c/ipcbench.c, consume() of ring.c for one message.
func (l *ringLink) recv(n int) ([]byte, error) {
	r := &l.r
	t := l.tail
	for spin := 0; atomic.LoadUint32(r.head) == t; spin++ {
		if l.spinOnly || spin < l.spin {
			continue
		}
		atomic.StoreUint64(r.consWait, uint64(t)+1)
		if atomic.LoadUint32(r.head) == t {
			if err := futexWaitOn(r.head, t); err != nil {
				return nil, err
			}
		}
		atomic.StoreUint64(r.consWait, 0)
	}
	off := int(t%l.slots) * l.slotLen
	copy(l.rbuf[:n], r.slot[off:off+n])
	atomic.StoreUint32(r.tail, t+1)
	l.tail = t + 1
	if !l.spinOnly && atomic.LoadUint64(r.prodWait) == uint64(t)+1 { // it sleeps on tail == t
		return l.rbuf[:n], futexWakeOn(r.tail)
	}
	return l.rbuf[:n], nil
}

func (l *ringLink) connect(int, int) error { return nil }

func (l *ringLink) close() {
	unix.Munmap(l.mem)
	l.free()
}
