//go:build linux && (amd64 || arm64)

// Package peek shows what the kernel holds, so an example can print it next
// to the call that changed it: the object behind a file descriptor
// (/proc/self/fd), the type of a path (a FIFO is "prw-------"), and the rows
// of /proc/sysvipc for System V objects.
package peek

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FDLink is what /proc/self/fd/N points at: "pipe:[12345]" for a pipe,
// a path for a file, "anon_inode:[eventpoll]" for an epoll instance. For a
// descriptor that is not open it returns "(not open)".
func FDLink(fd int) string {
	return readLink("/proc/self/fd/" + strconv.Itoa(fd))
}

// FDLinkOf is FDLink for another process: what /proc/<pid>/fd/<fd> points
// at. Reading it needs the same user as that process, or root.
func FDLinkOf(pid, fd int) string {
	return readLink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd))
}

func readLink(path string) string {
	l, err := os.Readlink(path)
	if err != nil {
		return "(not open)"
	}
	return l
}

// FileType is the mode of path as ls -l prints it: "prw-------" for a FIFO
// only its owner can use. It does not follow a final symbolic link.
func FileType(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	return fi.Mode().String(), nil
}

// FD is one open descriptor of this process.
type FD struct {
	Num  int
	Link string
	// Runtime is set for the descriptors the Go runtime holds for itself
	// rather than for the program: the epoll instance of its network
	// poller and the descriptor it wakes the poller with (an eventfd since
	// Go 1.23, a pipe before), which it opens the first time an *os.File
	// needs the poller, and the pidfd it holds for each child started with
	// os/exec until Wait (Go 1.23 on).
	Runtime bool
}

// FDs lists this process's open descriptors in numeric order, leaving out
// the one used to read the listing itself.
func FDs() ([]FD, error) {
	dir, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var fds []FD
	for _, n := range names {
		num, err := strconv.Atoi(n)
		if err != nil || uintptr(num) == dir.Fd() {
			continue
		}
		l, err := os.Readlink("/proc/self/fd/" + n)
		if err != nil {
			continue // closed between the listing and the readlink
		}
		fds = append(fds, FD{Num: num, Link: l})
	}
	sort.Slice(fds, func(i, j int) bool { return fds[i].Num < fds[j].Num })
	markRuntime(fds)
	return fds, nil
}

// markRuntime finds the runtime's descriptors. The poller's wake-up
// descriptor is told apart from the program's own by how the runtime
// watches it: every descriptor of the program is registered with its
// epoll instance edge-triggered (EPOLLET), the wake-up one level-triggered,
// as /proc/self/fdinfo/<epoll fd> shows. Both ends of a wake-up pipe count.
func markRuntime(fds []FD) {
	wake := map[string]bool{} // links of wake-up descriptors
	for _, f := range fds {
		if f.Link != "anon_inode:[eventpoll]" {
			continue
		}
		info, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(f.Num))
		if err != nil {
			continue
		}
		// tfd:        6 events:       19 data: ...
		for _, line := range strings.Split(string(info), "\n") {
			fl := strings.Fields(line)
			if len(fl) < 4 || fl[0] != "tfd:" || fl[2] != "events:" {
				continue
			}
			ev, err := strconv.ParseUint(fl[3], 16, 32)
			if err != nil || ev&(1<<31) != 0 { // EPOLLET: the program's
				continue
			}
			if n, err := strconv.Atoi(fl[1]); err == nil {
				wake[FDLink(n)] = true
			}
		}
	}
	for i, f := range fds {
		switch {
		case f.Link == "anon_inode:[eventpoll]", f.Link == "anon_inode:[pidfd]", wake[f.Link]:
			fds[i].Runtime = true
		}
	}
}

// FDSummary is a one-line account of the open descriptors, the runtime's
// set apart: "0 1 2, and the Go runtime's poller". Which descriptors the
// poller uses changes between Go versions, so the line does not list them.
func FDSummary() string {
	fds, err := FDs()
	if err != nil {
		return "unreadable: " + err.Error()
	}
	var mine []string
	rt := false
	for _, f := range fds {
		if f.Runtime {
			rt = true
			continue
		}
		mine = append(mine, strconv.Itoa(f.Num))
	}
	s := strings.Join(mine, " ")
	if rt {
		s += ", and the Go runtime's poller"
	}
	return s
}

// SysV is one row of /proc/sysvipc/{msg,sem,shm}, keyed by the column names
// of the file's header line ("key", "msqid", "perms", "cbytes", ...).
type SysV map[string]string

// SysVRows reads /proc/sysvipc/<kind>, kind being "msg", "sem" or "shm".
// These files list every object in the caller's IPC namespace, whoever
// made it.
func SysVRows(kind string) ([]SysV, error) {
	f, err := os.Open("/proc/sysvipc/" + kind)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return nil, fmt.Errorf("/proc/sysvipc/%s: no header line", kind)
	}
	cols := strings.Fields(sc.Text())
	var rows []SysV
	for sc.Scan() {
		vals := strings.Fields(sc.Text())
		row := SysV{}
		for i, c := range cols {
			if i < len(vals) {
				row[c] = vals[i]
			}
		}
		rows = append(rows, row)
	}
	return rows, sc.Err()
}

// SysVRow returns the row of /proc/sysvipc/<kind> whose id column (msqid,
// semid or shmid) is id, and false if there is none: the object is gone.
func SysVRow(kind string, id int) (SysV, bool, error) {
	rows, err := SysVRows(kind)
	if err != nil {
		return nil, false, err
	}
	col := map[string]string{"msg": "msqid", "sem": "semid", "shm": "shmid"}[kind]
	want := strconv.Itoa(id)
	for _, r := range rows {
		if r[col] == want {
			return r, true, nil
		}
	}
	return nil, false, nil
}

// SysVLine is the row of /proc/sysvipc/<kind> for id as "col=value ..."
// pairs of the named columns, or a sentence saying there is no such row
// (the object is gone) or why the file could not be read.
func SysVLine(kind string, id int, cols ...string) string {
	row, ok, err := SysVRow(kind, id)
	switch {
	case err != nil:
		return "/proc/sysvipc/" + kind + " unreadable: " + err.Error()
	case !ok:
		return fmt.Sprintf("/proc/sysvipc/%s: no row for id %d: the object is gone", kind, id)
	}
	return "/proc/sysvipc/" + kind + ": " + row.Format(cols...)
}

// Format prints the named columns of a row in the given order as
// "key=value" pairs, for a one-line view. A PID column (lspid, lrpid,
// lpid) that holds 0 is printed as "none": no process has done that yet.
func (r SysV) Format(cols ...string) string {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		v := r[c]
		if strings.HasSuffix(c, "pid") {
			n, _ := strconv.Atoi(v)
			v = PID(n)
		}
		parts = append(parts, c+"="+v)
	}
	return strings.Join(parts, " ")
}

// PID prints a PID field of a System V object (shm_lpid, msg_lspid,
// sempid, ...), which the kernel leaves 0 until a process sets it:
// "none" for 0.
func PID(pid int) string {
	if pid == 0 {
		return "none"
	}
	return strconv.Itoa(pid)
}

// When prints a System V time field (seconds since 1970: shm_atime,
// msg_stime, sem_otime, ...) as a clock time, or "never" for 0: the
// event has not happened yet.
func When(t int64) string {
	if t == 0 {
		return "never"
	}
	return time.Unix(t, 0).Format("15:04:05")
}

// FileFD is the descriptor number behind f. Unlike f.Fd(), it does not
// switch the descriptor to blocking mode as a side effect.
func FileFD(f *os.File) int {
	fd := -1
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(u uintptr) { fd = int(u) }) // only fails on a closed file
	}
	return fd
}

// BlockedIn reports whether a thread of process pid is inside system call
// nr at this moment, as /proc/<pid>/task/<tid>/syscall shows (the call's
// number, then its arguments: "70 0x8000 ..." is msgrcv on queue 0x8000 on
// amd64, where unix.SYS_MSGRCV is 70); with arg0 >= 0 the call's first
// argument must be arg0 as well. Reading another process's file needs the
// same user or root.
func BlockedIn(pid int, nr uintptr, arg0 int64) bool {
	return BlockedThread(pid, nr, arg0) != 0
}

// BlockedThread is BlockedIn that says which thread: its tid, or 0 if no
// thread of pid is in that system call now. A signal meant to interrupt
// that very call must go to that thread (tgkill): sent to the process, it
// may be taken by any other thread.
func BlockedThread(pid int, nr uintptr, arg0 int64) int {
	want := strconv.FormatUint(uint64(nr), 10) + " "
	if arg0 >= 0 {
		want += "0x" + strconv.FormatInt(arg0, 16) + " "
	}
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/syscall")
		if err == nil && strings.HasPrefix(string(b), want) {
			tid, _ := strconv.Atoi(task.Name())
			return tid
		}
	}
	return 0
}

// WaitBlocked waits until BlockedIn(pid, nr, arg0) is true, looking every
// millisecond at first, then less and less often (up to every 20 ms, so
// that a long wait does not keep a CPU busy reading /proc), and fails
// after guard. A process asleep in a system call
// cannot say so itself, so watching the kernel's view of it is the exact
// way to know it is there (the other is GETNCNT for a semaphore). The guard
// only stops a test that would otherwise hang; nothing is timed by it.
func WaitBlocked(pid int, nr uintptr, arg0 int64, guard time.Duration) error {
	_, err := WaitBlockedThread(pid, nr, arg0, guard)
	return err
}

// WaitBlockedThread is WaitBlocked that returns the thread's tid.
func WaitBlockedThread(pid int, nr uintptr, arg0 int64, guard time.Duration) (int, error) {
	deadline := time.Now().Add(guard)
	pause := time.Millisecond
	for {
		if tid := BlockedThread(pid, nr, arg0); tid != 0 {
			return tid, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("process %d did not block in system call %d within %v", pid, nr, guard)
		}
		time.Sleep(pause)
		if pause < 20*time.Millisecond {
			pause += pause / 2
		}
	}
}
