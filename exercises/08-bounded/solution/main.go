//go:build linux && (amd64 || arm64)

// Reference solution of exercise 08-bounded (see ../README.md): a bounded
// buffer of 8 slots in System V shared memory, one producer, several
// consumers, three semaphores to count and lock, and a fourth to say done.
//
//	bb producer PATH CONSUMERS   make the set and the segment ftok(PATH, 'B'),
//	                             say ready, put every number read from
//	                             standard input, then one 0 per consumer;
//	                             wait until every consumer is done, remove both
//	bb consumer PATH             take items and print them until a 0
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv" // mutant go-consumers-poll-with-time: "strconv"\n	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/sysv"
)

const slots = 8

// The semaphores of the set.
const (
	mutex = 0 // 1: the buffer's indexes are free to change
	empty = 1 // free slots, 8 at first
	full  = 2 // items in the buffer, 0 at first
	done  = 3 // consumers that have finished
)

// The segment: slot[8] int64, then in and out, the next slot to fill and
// to empty, as a C struct { long slot[8]; long in, out; } on a 64-bit
// little-endian machine.
const (
	offIn  = 8 * slots
	offOut = offIn + 8
	size   = offOut + 8
)

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "producer":
		n, err := strconv.Atoi(os.Args[3])
		check(err)
		producer(os.Args[2], n)
	case len(os.Args) == 3 && os.Args[1] == "consumer":
		consumer(os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: bb producer PATH CONSUMERS | bb consumer PATH")
		os.Exit(2)
	}
}

func op(semid int, num uint16, delta int16) {
	check(sysv.Semop(semid, []sysv.Sembuf{{Num: num, Op: delta}})) // mutant go-sem-undo-on-every-operation: check(sysv.Semop(semid, []sysv.Sembuf{{Num: num, Op: delta, Flg: sysv.SEM_UNDO}}))
}

func word(mem []byte, off int) int64       { return int64(binary.LittleEndian.Uint64(mem[off:])) }
func setWord(mem []byte, off int, v int64) { binary.LittleEndian.PutUint64(mem[off:], uint64(v)) }

func producer(path string, consumers int) {
	key, err := sysv.Ftok(path, 'B')
	check(err)
	semid, err := sysv.Semget(key, 4, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	check(err)
	// Every value set before anybody can see the set: the consumers start
	// only after "ready".
	check(sysv.SemctlSetAll(semid, []uint16{1, slots, 0, 0}))
	shmid, err := unix.SysvShmGet(int(key), size, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	check(err)
	mem, err := unix.SysvShmAttach(shmid, 0, 0)
	check(err)
	fmt.Println("ready")

	put := func(v int64) {
		op(semid, empty, -1) // P(empty): wait for a free slot
		op(semid, mutex, -1) // P(mutex)
		in := word(mem, offIn)
		setWord(mem, int(8*in), v)
		setWord(mem, offIn, (in+1)%slots)
		op(semid, mutex, 1) // V(mutex)
		op(semid, full, 1)  // V(full): one more item
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		v, err := strconv.ParseInt(sc.Text(), 10, 64)
		check(err)
		put(v)
	}
	for i := 0; i < consumers; i++ {
		put(0) // one end mark for each consumer
	}
	// Wait until all have taken their end mark, then remove both.
	op(semid, done, int16(-consumers))
	check(sysv.SemctlRmid(semid))
	check(unix.SysvShmDetach(mem))
	_, err = unix.SysvShmCtl(shmid, unix.IPC_RMID, nil)
	check(err)
}

func consumer(path string) {
	key, err := sysv.Ftok(path, 'B')
	check(err)
	semid, err := sysv.Semget(key, 0, 0)
	check(err)
	shmid, err := unix.SysvShmGet(int(key), 0, 0)
	check(err)
	mem, err := unix.SysvShmAttach(shmid, 0, 0)
	check(err)
	w := bufio.NewWriter(os.Stdout)
	for {
		op(semid, full, -1) // P(full): sleep until there is an item // mutant go-consumers-poll-with-time: for {\n			if v, _ := sysv.SemctlGetVal(semid, full); v > 0 {\n				break\n			}\n			time.Sleep(time.Millisecond)\n		}\n		op(semid, full, -1)
		op(semid, mutex, -1)
		out := word(mem, offOut)
		v := word(mem, int(8*out))
		setWord(mem, offOut, (out+1)%slots)
		op(semid, mutex, 1)
		op(semid, empty, 1) // V(empty): one more free slot
		if v == 0 {
			break
		}
		fmt.Fprintln(w, v)
	}
	check(w.Flush())
	check(unix.SysvShmDetach(mem))
	op(semid, done, 1) // last: the producer may remove everything now
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bb:", err)
		os.Exit(1)
	}
}
