//go:build linux && (amd64 || arm64)

package peek_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	_ "github.com/goipc/ipc-examples/common/exampletest" // accepts -update, like every test here
	"github.com/goipc/ipc-examples/common/peek"
)

func TestFDLinkAndFDs(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	rfd, wfd := peek.FileFD(r), peek.FileFD(w)
	// Unlike r.Fd(), FileFD leaves the descriptor non-blocking, as
	// os.Pipe made it for the runtime's poller.
	if fl, err := unix.FcntlInt(uintptr(rfd), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
		t.Errorf("FileFD changed the descriptor's flags: %#x, %v", fl, err)
	}
	lr, lw := peek.FDLink(rfd), peek.FDLink(wfd)
	if !strings.HasPrefix(lr, "pipe:[") || lr != lw {
		t.Errorf("the two ends of one pipe: %q and %q", lr, lw)
	}
	fds, err := peek.FDs()
	if err != nil {
		t.Fatal(err)
	}
	found, poller := 0, false
	for _, f := range fds {
		if f.Num == rfd || f.Num == wfd {
			found++
			if f.Runtime {
				t.Errorf("the program's own pipe end %d was taken for the runtime's", f.Num)
			}
		}
		if f.Link == "anon_inode:[eventpoll]" && f.Runtime {
			poller = true
		}
		if strings.HasPrefix(f.Link, "/proc/") && strings.HasSuffix(f.Link, "/fd") {
			t.Errorf("FDs lists its own directory descriptor %d", f.Num)
		}
	}
	if !poller {
		t.Errorf("no runtime poller found after os.Pipe: %v", fds)
	}
	if !strings.HasSuffix(peek.FDSummary(), ", and the Go runtime's poller") {
		t.Errorf("summary %q", peek.FDSummary())
	}
	if found != 2 {
		t.Errorf("FDs found %d of the pipe's 2 descriptors: %v", found, fds)
	}
	r.Close()
	w.Close()
	if got := peek.FDLink(rfd); got != "(not open)" {
		t.Errorf("closed descriptor: %q", got)
	}
}

func TestFileType(t *testing.T) {
	p := t.TempDir() + "/fifo"
	if err := unix.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := peek.FileType(p); err != nil || got != "prw-------" {
		t.Errorf("FileType = %q, %v; want prw-------", got, err)
	}
	if _, err := peek.FileType(p + ".missing"); err == nil {
		t.Error("FileType of a missing path must fail")
	}
}

// A private segment, made and removed here, appears in /proc/sysvipc/shm
// with the columns the examples print.
func TestSysVRows(t *testing.T) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err == unix.ENOSYS {
		t.Skip("this kernel has no System V IPC")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	row, ok, err := peek.SysVRow("shm", id)
	if err != nil || !ok {
		t.Fatalf("segment %d not in /proc/sysvipc/shm: %v", id, err)
	}
	if row["size"] != "4096" || row["perms"] != "600" || row["key"] != "0" || row["cpid"] != strconv.Itoa(os.Getpid()) {
		t.Errorf("row %v", row)
	}
	if got := row.Format("size", "perms"); got != "size=4096 perms=600" {
		t.Errorf("Format = %q", got)
	}
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := peek.SysVRow("shm", id); ok {
		t.Errorf("segment %d still listed after IPC_RMID", id)
	}
}

func TestSysVLine(t *testing.T) {
	if got := peek.SysVLine("shm", -5, "key"); got != "/proc/sysvipc/shm: no row for id -5: the object is gone" {
		t.Errorf("SysVLine for a missing id: %q", got)
	}
}

// A goroutine blocked in read(2) on a pipe shows in /proc as that system
// call with the pipe's descriptor as first argument.
func TestBlockedIn(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	done := make(chan struct{})
	go func() {
		var b [1]byte
		unix.Read(p[0], b[:]) // raw: blocks its thread in read(2)
		close(done)
	}()
	tid, err := peek.WaitBlockedThread(os.Getpid(), unix.SYS_READ, int64(p[0]), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/syscall"); !strings.HasPrefix(string(got), strconv.Itoa(unix.SYS_READ)+" ") {
		t.Errorf("thread %d is not the one in read(2): %q", tid, got)
	}
	unix.Write(p[1], []byte{1})
	unix.Close(p[1])
	<-done
	if peek.BlockedIn(os.Getpid(), unix.SYS_READ, int64(p[0])) {
		t.Error("still blocked after the read returned")
	}
}
