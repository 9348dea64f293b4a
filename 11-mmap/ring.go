//go:build linux && (amd64 || arm64)

// ring.go is the Go port of c/ring.c: a single-producer single-consumer
// ring in shared memory that calls the kernel only when a side must sleep.
// head and tail are sync/atomic words in the mapping (sequentially
// consistent, as C11's atomic_load and atomic_store are by default), and a
// side that finds the ring empty or full spins a little, then registers
// the index value it sleeps on and sleeps in futex(FUTEX_WAIT); the other
// side wakes it only for the store that moves that index. c/ring.c's
// header says why no wake can be lost. The layout is the C's struct ring,
// so a Go side and a C side share one ring.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// The C's constants and struct ring, as offsets into the mapping.
const (
	slots     = 1024 // SLOTS, a power of two
	slotSize  = 64   // SLOT: a 4-byte sequence number, then text
	spinLimit = 2000 // SPIN: looks at the other side's index before sleeping
	offHead   = 0    // head: messages written (the producer's)
	offTail   = 64   // tail: messages read (the consumer's)
	offCons   = 128  // cons_wait: 0, or 1 + the head value the consumer sleeps on
	offProd   = 192  // prod_wait: 0, or 1 + the tail value the producer sleeps on
	offSlots  = 256  // slot[SLOTS][SLOT]
	ringBytes = offSlots + slots*slotSize

	// FUTEX_WAIT and FUTEX_WAKE (linux/futex.h), not their _PRIVATE
	// variants: the processes map the ring at different addresses, and a
	// shared futex is known by the page it is on.
	futexWait = 0
	futexWake = 1
)

// ringMap is a mapped ring and one side's counts of futex calls.
type ringMap struct {
	me                 *say.Speaker
	mem                []byte
	head, tail         *uint32
	consWait, prodWait *uint64
	waits, wakes       int
}

func newRing(me *say.Speaker, mem []byte) *ringMap {
	word := func(off int) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	wait := func(off int) *uint64 { return (*uint64)(unsafe.Pointer(&mem[off])) }
	return &ringMap{me: me, mem: mem, head: word(offHead), tail: word(offTail),
		consWait: wait(offCons), prodWait: wait(offProd)}
}

// futexWait is futex_wait() of ring.c: sleep while *word is still seen.
func (r *ringMap) futexWait(word *uint32, seen uint32) {
	// waits++;
	r.waits++
	// if (syscall(SYS_futex, word, FUTEX_WAIT, seen, NULL, NULL, 0) < 0 && errno != EAGAIN && errno != EINTR) {
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWait, uintptr(seen), 0, 0, 0)
	if e != 0 && e != unix.EAGAIN && e != unix.EINTR {
		// perror("futex(FUTEX_WAIT)");
		// exit(1);
		r.me.Fatal(syserr.Wrap("futex(FUTEX_WAIT)", e, nil))
	}
}

// futexWake is futex_wake() of ring.c: wake one sleeper on word.
func (r *ringMap) futexWake(word *uint32) {
	// wakes++;
	r.wakes++
	// if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0) {
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWake, 1, 0, 0, 0)
	if e != 0 {
		// perror("futex(FUTEX_WAKE)");
		// exit(1);
		r.me.Fatal(syserr.Wrap("futex(FUTEX_WAKE)", e, nil))
	}
}

// produce is produce() of ring.c: send n messages.
func (r *ringMap) produce(n uint32) {
	// for (h = 0; h < n; h++) {
	for h := uint32(0); h < n; h++ {
		// for (spin = 0; h - (t = atomic_load(&r->tail)) == SLOTS; spin++) {
		for spin := 0; ; spin++ {
			t := atomic.LoadUint32(r.tail)
			if h-t != slots {
				break
			}
			// if (spin < SPIN)
			//	continue;
			if spin < spinLimit {
				continue
			}
			// atomic_store(&r->prod_wait, (uint64_t)t + 1);
			atomic.StoreUint64(r.prodWait, uint64(t)+1)
			// if (atomic_load(&r->tail) == t)
			//	futex_wait(&r->tail, t);
			if atomic.LoadUint32(r.tail) == t {
				r.futexWait(r.tail, t)
			}
			// atomic_store(&r->prod_wait, 0);
			atomic.StoreUint64(r.prodWait, 0)
		}
		// memcpy(r->slot[h % SLOTS], &h, sizeof h);
		off := offSlots + int(h%slots)*slotSize
		*(*uint32)(unsafe.Pointer(&r.mem[off])) = h
		// snprintf(r->slot[h % SLOTS] + sizeof h, SLOT - sizeof h, "message %u", h);
		b := append(r.mem[off+4:off+4:off+slotSize-1], "message "...)
		b = strconv.AppendUint(b, uint64(h), 10)
		r.mem[off+4+len(b)] = 0
		// atomic_store(&r->head, h + 1);
		atomic.StoreUint32(r.head, h+1)
		// if (atomic_load(&r->cons_wait) == (uint64_t)h + 1) /* it sleeps on head == h */
		//	futex_wake(&r->head);
		if atomic.LoadUint64(r.consWait) == uint64(h)+1 {
			r.futexWake(r.head)
		}
	}
}

// consume is consume() of ring.c: receive n messages, checking that each
// carries its sequence number.
func (r *ringMap) consume(n uint32) error {
	// for (t = 0; t < n; t++) {
	for t := uint32(0); t < n; t++ {
		// for (spin = 0; (h = atomic_load(&r->head)) == t; spin++) {
		for spin := 0; ; spin++ {
			if atomic.LoadUint32(r.head) != t {
				break
			}
			// if (spin < SPIN)
			//	continue;
			if spin < spinLimit {
				continue
			}
			// atomic_store(&r->cons_wait, (uint64_t)t + 1);
			atomic.StoreUint64(r.consWait, uint64(t)+1)
			// if (atomic_load(&r->head) == t)
			//	futex_wait(&r->head, t);
			if atomic.LoadUint32(r.head) == t {
				r.futexWait(r.head, t)
			}
			// atomic_store(&r->cons_wait, 0);
			atomic.StoreUint64(r.consWait, 0)
		}
		// memcpy(&seq, r->slot[t % SLOTS], sizeof seq);
		seq := *(*uint32)(unsafe.Pointer(&r.mem[offSlots+int(t%slots)*slotSize]))
		// if (seq != t) {
		if seq != t {
			// fprintf(stderr, "ring: message %u carries %u: out of order\n", t, seq);
			return fmt.Errorf("ring: message %d carries %d: out of order", t, seq)
		}
		// atomic_store(&r->tail, t + 1);
		atomic.StoreUint32(r.tail, t+1)
		// if (atomic_load(&r->prod_wait) == (uint64_t)t + 1) /* it sleeps on tail == t */
		//	futex_wake(&r->tail);
		if atomic.LoadUint64(r.prodWait) == uint64(t)+1 {
			r.futexWake(r.tail)
		}
	}
	return nil
}

// ringCmd is "11-mmap ring produce|consume N": one side of ring.c on the
// ring mapped from fd 3.
func ringCmd(args []string) {
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2), unbuffered.
	// if (argc == 3 && (strcmp(argv[1], "produce") == 0 || strcmp(argv[1], "consume") == 0)) {
	if len(args) != 2 || (args[0] != "produce" && args[0] != "consume") {
		cmdline.Usage(usage, "ring needs produce or consume, and N")
	}
	// n = strtoul(argv[2], NULL, 10);
	n, err := strconv.ParseUint(args[1], 10, 32)
	// if (argc > 2 || (argc == 2 && (n = strtoul(argv[1], NULL, 10)) == 0)) {
	//	fprintf(stderr, "usage: ring [N] | ring produce|consume N (the ring on fd 3)\n");
	if err != nil || n == 0 {
		cmdline.Usage(usage, "N must be a number of messages from 1 to %d, not %q", uint32(1<<32-1), args[1])
	}
	role := "consumer"
	if args[0] == "produce" {
		role = "producer"
	}
	ringSide(say.New(role), args[0], uint32(n))
}

// ringSide is one side of ring.c on fd 3: mmap, then produce or consume.
func ringSide(me *say.Speaker, side string, n uint32) {
	// r = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
	mem, err := unix.Mmap(3, 0, ringBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		// perror("mmap");
		me.Fatal(syserr.Wrap("mmap(fd 3, MAP_SHARED)", err, syserr.Meanings{
			unix.EBADF:  "no fd 3: start this side with the ring's memfd or file as fd 3",
			unix.ENODEV: "fd 3 is not a file that can be mapped",
		}))
	}
	r := newRing(me, mem)
	if side == "produce" {
		// produce(r, n);
		r.produce(n)
		// printf("producer %d: sent %u messages; futex: %ld waits, %ld wakes\n", (int)getpid(), n, waits, wakes);
		me.Printf("sent %d messages; futex: %d waits, %d wakes", n, r.waits, r.wakes)
		return
	}
	// bad = consume(r, n);
	if err := r.consume(n); err != nil {
		me.Fatal(err)
	}
	// printf("consumer %d: received %u messages in order; futex: %ld waits, %ld wakes\n", (int)getpid(), n, waits, wakes);
	me.Printf("received %d messages in order; futex: %d waits, %d wakes", n, r.waits, r.wakes)
}

// ring is step 6: the fork mode of ring.c, with a memfd for the mapping a
// forked child would have inherited.
func ring(me *say.Speaker, n uint32) {
	// r = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	// As in step 3: a memfd, so that the re-executed child can map it too.
	fd, err := unix.MemfdCreate("ring", unix.MFD_CLOEXEC)
	if err != nil {
		me.Fatal(syserr.Wrap("memfd_create", err, nil))
	}
	if err := unix.Ftruncate(fd, ringBytes); err != nil {
		me.Fatal(syserr.Wrap("ftruncate", err, nil))
	}
	mem, err := unix.Mmap(fd, 0, ringBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		me.Fatal(syserr.Wrap("mmap(MAP_SHARED)", err, nil))
	}
	me.Printf("a ring of %d slots of %d bytes in a memfd of %d bytes, mapped MAP_SHARED", slots, slotSize, ringBytes)
	// pid = fork();
	// No fork: the producer is this program run again, the memfd its fd 3.
	f := os.NewFile(uintptr(fd), "memfd:ring")
	c := child.Command("producer", strconv.Itoa(int(n)))
	c.ExtraFiles = []*os.File{f}
	// if (pid < 0) { perror("fork"); return 1; }
	c.StartOrFail(me)
	f.Close()
	// bad = consume(r, n);
	r := newRing(say.New("consumer"), mem)
	if err := r.consume(n); err != nil {
		me.Fatal(err)
	}
	// if (waitpid(pid, &status, 0) < 0) { /* first, so the producer's line comes before ours */
	//	perror("waitpid");
	c.Reap(me)
	followChild(c)
	// printf("consumer %d: received %u messages in order; futex: %ld waits, %ld wakes\n", (int)getpid(), n, waits, wakes);
	me.Printf("received %d messages in order; futex: %d waits, %d wakes", n, r.waits, r.wakes)
	// return bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	// not ported: c.Reap said how the producer ended; a failed side ended the program already.
	me.Printf("%d messages, and the kernel was called only when a side had to sleep", n)
	me.Printf("08's producer-consumer calls it twice per message: two semop calls")
	if err := unix.Munmap(mem); err != nil {
		me.Fatal(syserr.Wrap("munmap", err, nil))
	}
}

// producerCmd is the child of step 6: the producing side on fd 3.
func producerCmd(args []string) {
	cleanup.Catch("producer")
	n, _ := strconv.ParseUint(args[0], 10, 32)
	ringSide(say.New("producer"), "produce", uint32(n))
	// exit(0);
	cleanup.Exit(0)
}
