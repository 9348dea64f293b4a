//go:build linux && (amd64 || arm64)

package sysv

// Semaphores: semget, semop, semtimedop and semctl, the way C calls them.
//
//	C                                             Go
//	id = semget(IPC_PRIVATE, 1, IPC_CREAT|0600);  id, err := sysv.Semget(sysv.IPC_PRIVATE, 1, unix.IPC_CREAT|0600)
//	struct sembuf p = {0, -1, SEM_UNDO};          p := sysv.Sembuf{Num: 0, Op: -1, Flg: sysv.SEM_UNDO}
//	semop(id, &p, 1);                             err = sysv.Semop(id, []sysv.Sembuf{p})
//	semtimedop(id, &p, 1, &ts);                   err = sysv.Semtimedop(id, []sysv.Sembuf{p}, 2*time.Second)
//	arg.val = 1; semctl(id, 0, SETVAL, arg);      err = sysv.SemctlSetVal(id, 0, 1)
//	v = semctl(id, 0, GETVAL);                    v, err := sysv.SemctlGetVal(id, 0)
//	n = semctl(id, 0, GETNCNT);                   n, err := sysv.SemctlGetNcnt(id, 0)
//	arg.array = a; semctl(id, 0, GETALL, arg);    vals, err := sysv.SemctlGetAll(id)
//	arg.buf = &ds; semctl(id, 0, IPC_STAT, arg);  err = sysv.SemctlStat(id, &ds)
//	semctl(id, 0, IPC_RMID);                      err = sysv.SemctlRmid(id)
//
// semctl takes a fourth argument of type union semun, which the caller must
// define itself on Linux (glibc does not, as POSIX says). A union is passed
// by value: for SETVAL the int itself travels in the argument register, for
// IPC_STAT, IPC_SET, GETALL and SETALL a pointer does. One typed function
// per command keeps that straight: SemctlSetVal passes the value,
// SemctlStat, SemctlGetAll and SemctlSetAll pass a pointer.

import (
	"fmt"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// Sembuf is struct sembuf, one operation of semop: 6 bytes, as in C.
//
//	Op > 0   add Op to the semaphore (V, "release"); never blocks
//	Op < 0   subtract |Op| (P, "acquire"); blocks while the value is below |Op|
//	Op == 0  wait until the value is 0
//
// Flg may hold IPC_NOWAIT (fail with EAGAIN instead of blocking) and
// SEM_UNDO (the kernel reverts the operation when the process ends).
type Sembuf struct {
	Num uint16 // sem_num: which semaphore of the set, from 0
	Op  int16  // sem_op
	Flg int16  // sem_flg: IPC_NOWAIT, SEM_UNDO
}

// String is the operation as a C initialiser: "{0, -1, SEM_UNDO}".
func (b Sembuf) String() string {
	return fmt.Sprintf("{%d, %d, %s}", b.Num, b.Op, semFlags(b.Flg))
}

// Compile-time check of sizeof(struct sembuf).
var (
	_ [unsafe.Sizeof(Sembuf{}) - 6]struct{}
	_ [6 - unsafe.Sizeof(Sembuf{})]struct{}
)

// Semaphore flags and semctl commands from <sys/sem.h>, which x/sys/unix
// does not define. IPC_NOWAIT, IPC_RMID, IPC_SET and IPC_STAT are in
// x/sys/unix.
const (
	// SEM_UNDO in sem_flg makes the kernel record the opposite of the
	// operation and apply it when the process ends, however it ends: a
	// process killed while holding a semaphore gives it back.
	SEM_UNDO = 0x1000

	GETPID  = 11 // semctl: PID of the last process to semop this semaphore
	GETVAL  = 12 // semctl: the semaphore's value
	GETALL  = 13 // semctl: every value of the set, into an unsigned short array
	GETNCNT = 14 // semctl: how many processes wait for the value to grow
	GETZCNT = 15 // semctl: how many processes wait for the value to be 0
	SETVAL  = 16 // semctl: set one value (union semun's int, by value)
	SETALL  = 17 // semctl: set every value (from an unsigned short array)

	SEM_STAT     = 18 // semctl: IPC_STAT by index into the kernel's table, as ipcs does
	SEM_INFO     = 19 // semctl: the system's limits and usage (struct seminfo)
	SEM_STAT_ANY = 20 // semctl: SEM_STAT without the read permission check (Linux 4.17)

	// SEMVMX is the largest value a semaphore can hold. SETVAL, SETALL
	// or a semop beyond it fail with ERANGE.
	SEMVMX = 32767
	// SEMOPM is the default limit of operations in one semop call (the
	// third number of /proc/sys/kernel/sem); more fail with E2BIG.
	SEMOPM = 500
)

// testHookSemtimedop, when set (by tests), is called before each
// semtimedop system call with the timeout it is given.
var testHookSemtimedop func(timeout time.Duration)

// semNow is the clock Semtimedop measures its deadline with; tests replace
// it. time.Now carries a monotonic reading, so a change of the wall clock
// does not move the deadline.
var semNow = time.Now

// semFlags spells sem_flg the way a C programmer writes it:
// "IPC_NOWAIT|SEM_UNDO", "0".
func semFlags(flg int16) string {
	return syserr.FlagNames(uint64(uint16(flg)), semFlagNames, 8)
}

var semFlagNames = []syserr.Flag{{Bit: unix.IPC_NOWAIT, Name: "IPC_NOWAIT"}, {Bit: SEM_UNDO, Name: "SEM_UNDO"}}

// Semget is semget(2): it returns the id (semid) of the set of semaphores
// with this key, creating a set of nsems semaphores when flags has
// IPC_CREAT and none exists. The low 9 bits of flags are the set's mode
// (0600: only this user; semaphores need read permission to look, write
// permission to change, "alter" in the man page). With IPC_CREAT|IPC_EXCL
// it fails with EEXIST if the set exists already, so the caller knows it
// made the set. IPC_PRIVATE always makes a new set. nsems may be 0 when
// the set exists already.
//
// A new set's values are 0 on Linux, but POSIX leaves them undefined: the
// creator initialises them with SETVAL or SETALL, and until then another
// process that opens the set by key may use it too early. The usual fix
// (TLPI 47.5): wait until sem_otime (SemctlStat) is not 0, which the
// creator makes so by one semop after initialising.
func Semget(key Key, nsems, flags int) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_SEMGET, uintptr(key), uintptr(nsems), uintptr(flags))
	if e != 0 {
		k := key.String()
		if key == IPC_PRIVATE {
			k = "IPC_PRIVATE"
		}
		return -1, syserr.Wrap(fmt.Sprintf("semget(%s, %d, %s)", k, nsems, MsgFlags(flags)), e, syserr.Meanings{
			unix.EEXIST: "a set with this key exists already, and IPC_CREAT|IPC_EXCL asks for a new one",
			unix.ENOENT: "no set has this key, and IPC_CREAT was not given",
			unix.EACCES: "the set's mode does not let this user in",
			unix.EINVAL: "nsems is below 1 or above SEMMSL (the first number of /proc/sys/kernel/sem) for a new set, or above the existing set's size",
			unix.ENOSPC: "the limit of sets (SEMMNI) or of semaphores in all sets (SEMMNS) is reached: see /proc/sys/kernel/sem",
		})
	}
	return int(r), nil
}

// semopMeanings are the errnos semop and semtimedop share.
var semopMeanings = syserr.Meanings{
	unix.EAGAIN: "the operation would block and IPC_NOWAIT was given",
	unix.E2BIG:  "more operations in one call than SEMOPM (the third number of /proc/sys/kernel/sem, 500 by default)",
	unix.EIDRM:  "the set was removed while this call waited",
	unix.EINVAL: "no such set (removed?), or no operations",
	unix.EFBIG:  "sem_num is not below the number of semaphores in the set",
	unix.ERANGE: "the operation would take a semaphore above SEMVMX (32767)",
	unix.EACCES: "the set's mode does not allow this operation",
	unix.ENOMEM: "no memory for SEM_UNDO's undo record",
}

// Semop is semop(2): it applies the operations to the set all at once, or
// none of them (atomically, even across several semaphores: taking two
// forks in one call cannot leave a philosopher holding one). It blocks
// until every operation can be done, or fails with EAGAIN when one has
// IPC_NOWAIT. It retries on EINTR: the kernel never restarts semop after a
// signal handler, SA_RESTART or not (signal(7)), and a Go process always
// has handlers (see the package documentation); nothing was done when
// EINTR comes back. Removing the set (SemctlRmid) wakes it with EIDRM.
func Semop(semid int, ops []Sembuf) error {
	p := opsPointer(ops)
	_, e := ignoringEINTR("semop", func() (uintptr, unix.Errno) {
		_, _, e := unix.Syscall(unix.SYS_SEMOP, uintptr(semid), uintptr(p), uintptr(len(ops)))
		return 0, e
	})
	if e == 0 {
		return nil
	}
	return syserr.Wrap(opsCall("semop", ops, ""), e, semopMeanings)
}

// Semtimedop is semtimedop(2): Semop that gives up with EAGAIN when it has
// waited for timeout (a relative time; 0 makes one attempt without
// waiting, a negative timeout fails with EINVAL). It retries on EINTR, as
// Semop does, and then waits only for what is left of the timeout, measured
// on the monotonic clock from the first call: the C idiom of calling again
// with the same timespec would restart the full wait at every signal, and
// in a Go process signals are frequent (every exiting child sends SIGCHLD).
func Semtimedop(semid int, ops []Sembuf, timeout time.Duration) error {
	p := opsPointer(ops)
	deadline := semNow().Add(timeout)
	left := timeout
	first := true
	_, e := ignoringEINTR("semtimedop", func() (uintptr, unix.Errno) {
		if !first {
			// Called again after EINTR: wait only for what is left. Once
			// it is used up, one more call with 0 still succeeds if the
			// operations can be done now, and fails with EAGAIN
			// otherwise, as the timeout would have.
			left = deadline.Sub(semNow())
			if left < 0 {
				left = 0
			}
		}
		first = false
		if testHookSemtimedop != nil {
			testHookSemtimedop(left)
		}
		ts := unix.NsecToTimespec(int64(left))
		_, _, e := unix.Syscall6(unix.SYS_SEMTIMEDOP, uintptr(semid), uintptr(p), uintptr(len(ops)),
			uintptr(unsafe.Pointer(&ts)), 0, 0)
		return 0, e
	})
	if e == 0 {
		return nil
	}
	m := syserr.Meanings{}
	for k, v := range semopMeanings {
		m[k] = v
	}
	m[unix.EAGAIN] = "the timeout expired before the operations could be done"
	for _, o := range ops {
		if o.Flg&unix.IPC_NOWAIT != 0 {
			m[unix.EAGAIN] = semopMeanings[unix.EAGAIN]
		}
	}
	m[unix.EINVAL] = "no such set (removed?), no operations, or an invalid timeout"
	return syserr.Wrap(opsCall("semtimedop", ops, ", "+timeout.String()), e, m)
}

// opsPointer is &ops[0], or nil for no operations (the kernel then fails
// with EINVAL).
func opsPointer(ops []Sembuf) unsafe.Pointer {
	if len(ops) == 0 {
		return nil
	}
	return unsafe.Pointer(&ops[0])
}

// opsCall names a semop call by its operations: "semop({0, -1, SEM_UNDO})".
func opsCall(call string, ops []Sembuf, extra string) string {
	if len(ops) > 4 {
		return fmt.Sprintf("%s(%d operations%s)", call, len(ops), extra)
	}
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = o.String()
	}
	return call + "(" + strings.Join(s, ", ") + extra + ")"
}

// semctl is the raw semctl(2) for the commands whose union semun argument
// travels by value (SETVAL's int; nothing for GETVAL, GETPID, GETNCNT,
// GETZCNT and IPC_RMID).
func semctl(semid, semnum, cmd int, val uintptr, m syserr.Meanings) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(semid), uintptr(semnum), uintptr(cmd), val, 0, 0)
	return semctlResult(r, e, cmd, m)
}

// semctlPtr is the raw semctl(2) for the commands whose union semun
// argument is a pointer (IPC_STAT, IPC_SET, GETALL, SETALL). The pointer
// stays an unsafe.Pointer until the system call itself: converted to a
// uintptr any earlier, say to pass it to semctl above, it would no longer
// follow a Go stack that moves when it grows, and the kernel would write
// into the old, freed stack.
func semctlPtr(semid, semnum, cmd int, p unsafe.Pointer, m syserr.Meanings) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(semid), uintptr(semnum), uintptr(cmd), uintptr(p), 0, 0)
	return semctlResult(r, e, cmd, m)
}

func semctlResult(r uintptr, e unix.Errno, cmd int, m syserr.Meanings) (int, error) {
	if e != 0 {
		return -1, syserr.Wrap("semctl("+semCtlName(cmd)+")", e, semctlMeanings(m))
	}
	return int(r), nil
}

// semctlMeanings adds the errnos every semctl command shares to m.
func semctlMeanings(m syserr.Meanings) syserr.Meanings {
	all := syserr.Meanings{
		unix.EINVAL: "no such set (removed?), or semnum is not below the number of semaphores",
		unix.EIDRM:  "the set was removed",
		unix.EACCES: "the set's mode does not allow this",
		unix.EPERM:  "only the set's owner, its creator or a privileged process may do this",
	}
	for k, v := range m {
		all[k] = v
	}
	return all
}

// SemctlGetVal is semctl(semid, semnum, GETVAL): the semaphore's value.
func SemctlGetVal(semid, semnum int) (int, error) {
	return semctl(semid, semnum, GETVAL, 0, nil)
}

// SemctlSetVal is semctl(semid, semnum, SETVAL, arg) with arg.val = val:
// it sets the semaphore's value, wakes the processes this lets through and
// clears the semaphore's SEM_UNDO records in every process (what they
// would undo no longer applies). The value is passed by value, as C passes
// a union semun whose int member is set. val must be 0 to SEMVMX (32767),
// or it fails with ERANGE.
func SemctlSetVal(semid, semnum, val int) error {
	if val != int(int32(val)) {
		// C's int would be cut to 32 bits, and the kernel would set
		// whatever is left. Refuse it as the kernel refuses 32768.
		return syserr.Wrap("semctl(SETVAL)", unix.ERANGE, syserr.Meanings{
			unix.ERANGE: fmt.Sprintf("%d does not even fit in C's int; the value must be 0 to SEMVMX (32767)", val),
		})
	}
	_, err := semctl(semid, semnum, SETVAL, uintptr(val), syserr.Meanings{
		unix.ERANGE: "the value is below 0 or above SEMVMX (32767)",
	})
	return err
}

// SemctlGetPid is semctl(semid, semnum, GETPID): the PID of the last
// process that did a semop on this semaphore (sempid), or that set it
// with SETVAL or SETALL; 0 if none has.
func SemctlGetPid(semid, semnum int) (int, error) {
	return semctl(semid, semnum, GETPID, 0, nil)
}

// SemctlGetNcnt is semctl(semid, semnum, GETNCNT): how many processes are
// blocked in semop waiting for this semaphore to grow (semncnt). A process
// asleep cannot say so itself; this is how another one knows it waits.
func SemctlGetNcnt(semid, semnum int) (int, error) {
	return semctl(semid, semnum, GETNCNT, 0, nil)
}

// SemctlGetZcnt is semctl(semid, semnum, GETZCNT): how many processes are
// blocked in semop waiting for this semaphore to be 0 (semzcnt).
func SemctlGetZcnt(semid, semnum int) (int, error) {
	return semctl(semid, semnum, GETZCNT, 0, nil)
}

// SemctlStat is semctl(semid, 0, IPC_STAT, arg) with arg.buf = ds: it
// fills ds with the set's struct semid_ds (its permissions, the time of
// the last semop, the number of semaphores).
func SemctlStat(semid int, ds *SemidDs) error {
	_, err := semctlPtr(semid, 0, unix.IPC_STAT, unsafe.Pointer(ds), nil)
	return err
}

// SemctlGetAll is semctl(semid, 0, GETALL, arg) with arg.array pointing to
// an array of sem_nsems unsigned shorts: every value of the set, at once.
// It asks IPC_STAT for the size first, so that the array is big enough:
// the kernel writes sem_nsems values whatever the array's size.
func SemctlGetAll(semid int) ([]uint16, error) {
	var ds SemidDs
	if err := SemctlStat(semid, &ds); err != nil {
		return nil, err
	}
	vals := make([]uint16, ds.Nsems)
	if _, err := semctlPtr(semid, 0, GETALL, unsafe.Pointer(&vals[0]), nil); err != nil {
		return nil, err
	}
	return vals, nil
}

// SemctlSetAll is semctl(semid, 0, SETALL, arg) with arg.array = vals:
// it sets every value of the set at once, as SETVAL does for one. vals
// must have one value per semaphore (the kernel reads sem_nsems of them,
// whatever the array's size), each at most SEMVMX (ERANGE).
func SemctlSetAll(semid int, vals []uint16) error {
	var ds SemidDs
	if err := SemctlStat(semid, &ds); err != nil {
		return err
	}
	if uint64(len(vals)) != ds.Nsems {
		return syserr.Wrap("semctl(SETALL)", unix.EINVAL, syserr.Meanings{
			unix.EINVAL: fmt.Sprintf("%d values for a set of %d semaphores", len(vals), ds.Nsems),
		})
	}
	_, err := semctlPtr(semid, 0, SETALL, unsafe.Pointer(&vals[0]), syserr.Meanings{
		unix.ERANGE: "a value is above SEMVMX (32767)",
	})
	return err
}

// SemctlRmid is semctl(semid, 0, IPC_RMID): it removes the set at once.
// Every process blocked in semop on it wakes with EIDRM; later calls with
// the id fail with EINVAL. Nothing removes a set by itself, not even the
// end of every process that used it: a set whose creator is killed stays
// until IPC_RMID (ipcrm -s) or the end of its IPC namespace.
func SemctlRmid(semid int) error {
	_, err := semctl(semid, 0, unix.IPC_RMID, 0, nil)
	return err
}

func semCtlName(cmd int) string {
	switch cmd {
	case GETPID:
		return "GETPID"
	case GETVAL:
		return "GETVAL"
	case GETALL:
		return "GETALL"
	case GETNCNT:
		return "GETNCNT"
	case GETZCNT:
		return "GETZCNT"
	case SETVAL:
		return "SETVAL"
	case SETALL:
		return "SETALL"
	}
	return ctlName(cmd)
}
