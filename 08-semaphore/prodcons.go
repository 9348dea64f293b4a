//go:build linux && (amd64 || arm64)

// prodcons.go is the producer-consumer part the article names
// (生产者-消费者), with no C twin: a ring of K slots in a segment, guarded by
// the semaphores mutex, empty and full. Its roles: producer, consumer.
package main

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/sysv"
)

// The producer-consumer set.
const (
	semBufMutex = 0 // one process at a time in the buffer
	semEmpty    = 1 // free slots
	semFull     = 2 // slots holding an item
)

const (
	maxItems = 1000
	maxSlots = 64
)

// ring is the bounded buffer in the shared segment: C longs, as a C
// program would lay them out.
//
//	[0] in      the slot the producer fills next
//	[1] out     the slot the consumer empties next
//	[2] taken   how many items the consumer has taken
//	[3 ..]      maxSlots slots, then maxItems entries of the consumer's log
type ring struct{ w []int64 }

const ringWords = 3 + maxSlots + maxItems

func newRing(mem []byte) ring {
	return ring{unsafe.Slice((*int64)(unsafe.Pointer(&mem[0])), ringWords)}
}

func (b ring) in() *int64            { return &b.w[0] }
func (b ring) out() *int64           { return &b.w[1] }
func (b ring) taken() *int64         { return &b.w[2] }
func (b ring) slot(i int64) *int64   { return &b.w[3+i] }
func (b ring) logged(i int64) *int64 { return &b.w[3+maxSlots+i] }

// prodcons is the "prodcons" part: a producer puts items 1..N into a
// buffer of K slots, a consumer takes them out.
func (r *run) prodcons(items, slots int) {
	me := r.me
	r.Step(fmt.Sprintf("producer and consumer: %d slots in shared memory; semaphores empty, full, mutex", slots))
	id, call := r.newSet(3)
	shmid, mem, shmCall := r.newShm(int(ringWords * 8))
	buf := newRing(mem)
	me.Printf("%s = semid %d", call, id)
	me.Printf("%s = shmid %d", shmCall, shmid)
	// unsigned short init[3] = {1, K, 0}; arg.array = init;
	// semctl(semid, 0, SETALL, arg);
	call = r.setAll(id, []uint16{1, uint16(slots), 0})
	me.Printf("%s:", call)
	me.Printf("mutex free, %d empty slots, no full one", slots)
	showSet(me, id, false, "mutex", "empty", "full")
	me.Printf("producer, per item:  P(empty); P(mutex); put; V(mutex); V(full);")
	me.Printf("consumer, per item:  P(full);  P(mutex); take; V(mutex); V(empty);")
	me.Printf("empty counts the free slots, full the items: each side sleeps when the other is")
	me.Printf("behind, and the mutex keeps them out of the buffer's indices together")

	prod := child.Command("producer", strconv.Itoa(id), strconv.Itoa(shmid), strconv.Itoa(items), strconv.Itoa(slots))
	prod.StartOrFail(r.me)
	r.ready(prod)
	if items > slots {
		// The producer fills every slot, then sleeps in P(empty).
		r.waitCount(id, semEmpty, false, 1)
		me.Printf("the producer alone: it has filled the %d slots and sleeps in P(empty)", slots)
		showSet(me, id, false, "mutex", "empty", "full")
	} else {
		r.end(prod, "producer")
		me.Printf("the producer alone: all %d items fit, it is done without waiting", items)
		showSet(me, id, false, "mutex", "empty", "full")
		prod = nil
	}
	cons := child.Command("consumer", strconv.Itoa(id), strconv.Itoa(shmid), strconv.Itoa(items), strconv.Itoa(slots))
	cons.StartOrFail(r.me)
	r.ready(cons)
	// The consumer first: it prints until its last item, and the
	// producer has put that item before, so it is done by then too.
	r.end(cons, "consumer")
	if prod != nil {
		r.end(prod, "producer")
	}

	// Exactly once, in order: the consumer's log must be 1, 2, ..., N.
	var got []string
	ok := *buf.taken() == int64(items)
	for i := int64(0); i < *buf.taken() && i < maxItems; i++ {
		v := *buf.logged(i)
		if v != i+1 {
			ok = false
		}
		got = append(got, strconv.FormatInt(v, 10))
	}
	if !ok {
		r.me.Fatal(fmt.Errorf("the consumer took %d items: %s; want 1 to %d once each, in order", *buf.taken(), strings.Join(got, " "), items))
	}
	me.Printf("the consumer's log in the segment: %d items, 1 to %d, each exactly once, in order", items, items)
	showSet(me, id, false, "mutex", "empty", "full")
	me.Printf("back where it started: every slot empty, nothing full")
	r.rmSet(id)
	r.detach(mem)
}

// producer puts items 1..n into the ring, saying nothing: its progress
// shows in the semaphores, and its lines would mix with the consumer's.
func producer(args []string) {
	me := say.New("producer")
	a := intArgs(me, "producer", args, 4)
	id, shmid, n, slots := a[0], a[1], a[2], int64(a[3])
	mem := attach(me, shmid)
	buf := newRing(mem)
	child.Ready("")
	for item := int64(1); item <= int64(n); item++ {
		semop(me, id, sysv.Sembuf{Num: semEmpty, Op: -1, Flg: 0})
		semop(me, id, sysv.Sembuf{Num: semBufMutex, Op: -1, Flg: sysv.SEM_UNDO})
		*buf.slot(*buf.in()) = item
		*buf.in() = (*buf.in() + 1) % slots
		semop(me, id, sysv.Sembuf{Num: semBufMutex, Op: 1, Flg: sysv.SEM_UNDO})
		semop(me, id, sysv.Sembuf{Num: semFull, Op: 1, Flg: 0})
	}
	detachChild(me, mem)
}

// consumer takes n items out of the ring and prints each: it is the only
// process printing while both run, so the lines come in its order.
func consumer(args []string) {
	me := say.New("consumer")
	a := intArgs(me, "consumer", args, 4)
	id, shmid, n, slots := a[0], a[1], a[2], int64(a[3])
	mem := attach(me, shmid)
	buf := newRing(mem)
	child.Ready("")
	for i := 0; i < n; i++ {
		semop(me, id, sysv.Sembuf{Num: semFull, Op: -1, Flg: 0})
		semop(me, id, sysv.Sembuf{Num: semBufMutex, Op: -1, Flg: sysv.SEM_UNDO})
		at := *buf.out()
		item := *buf.slot(at)
		*buf.out() = (at + 1) % slots
		*buf.logged(*buf.taken()) = item
		*buf.taken()++
		semop(me, id, sysv.Sembuf{Num: semBufMutex, Op: 1, Flg: sysv.SEM_UNDO})
		semop(me, id, sysv.Sembuf{Num: semEmpty, Op: 1, Flg: 0})
		me.Printf("took item %d from slot %d", item, at)
	}
	detachChild(me, mem)
}
