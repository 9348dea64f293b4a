package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// rules normalise what changes from run to run besides PIDs: keys, ids,
// inode and device numbers, times, the ftok directory.
func rules(keyDir string) []exampletest.Rule {
	r := []exampletest.Rule{
		{Re: regexp.MustCompile(`key (0x[0-9a-f]{8})`), Class: "KEY"},
		{Re: regexp.MustCompile(`ipcrm -Q (0x[0-9a-f]{8})`), Class: "KEY"},
		{Re: regexp.MustCompile(`key=(-?\d+)`), Class: "KEYNUM"},
		{Re: regexp.MustCompile(`msqid[ =](\d+)`), Class: "MSQID"},
		{Re: regexp.MustCompile(`ipcrm -q (\d+)`), Class: "MSQID"},
		{Re: regexp.MustCompile(`st_ino (\d+)`), Class: "INO"},
		{Re: regexp.MustCompile(`st_dev (0x[0-9a-f]+)`), Class: "DEV"},
		{Re: regexp.MustCompile(`07-msgqueue-(\d+)`), Fixed: "N"},
		{Re: regexp.MustCompile(`time=(\d\d:\d\d:\d\d)`), Fixed: "HH:MM:SS"},
		{Re: regexp.MustCompile(`msgmax = (\d+)`), Fixed: "MSGMAX"},
		{Re: regexp.MustCompile(`qbytes=(\d+)  the most`), Fixed: "MSGMNB"},
		{Re: regexp.MustCompile(`\b(?:uid|cuid) (\d+)`), Class: "UID"},
	}
	if keyDir != "" {
		r = append(r, exampletest.Rule{Re: regexp.MustCompile(`(` + regexp.QuoteMeta(keyDir) + `)`), Fixed: "$KEYDIR"})
	}
	return r
}

// keyDir is a directory of the test's own for ftok, and its key.
func keyDir(t *testing.T) (string, sysv.Key) {
	t.Helper()
	dir := t.TempDir()
	key, err := sysv.Ftok(dir, projID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sysv.Msgget(key, 0); err == nil {
		t.Skipf("key %v of %s is taken already (an ftok collision)", key, dir)
	}
	return dir, key
}

// queueOf returns the msqid of the queue with this key, or -1.
func queueOf(t *testing.T, key sysv.Key) int {
	t.Helper()
	rows, err := peek.SysVRows("msg")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["key"] == strconv.Itoa(int(key)) {
			id, _ := strconv.Atoi(r["msqid"])
			return id
		}
	}
	return -1
}

func noQueue(t *testing.T, key sysv.Key) {
	t.Helper()
	if id := queueOf(t, key); id >= 0 {
		t.Errorf("a queue with key %v (msqid %d) is left in the kernel", key, id)
		exec.Command("ipcrm", "-q", strconv.Itoa(id)).Run() //nolint:errcheck
	}
}

var msqidRe = regexp.MustCompile(`= msqid (\d+)`)

func msqidIn(t *testing.T, line string) int {
	t.Helper()
	m := msqidRe.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no msqid in %q", line)
	}
	id, _ := strconv.Atoi(m[1])
	return id
}

// The demo, run for real: server and client chat, then the tour of
// msgrcv and msgctl. Its output is the same on every run once PIDs, keys,
// ids and times are normalised.
func TestDemo(t *testing.T) {
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{})
	if res.Code() != 0 {
		t.Fatalf("exit status %d; output:\n%s", res.Code(), res.Out)
	}
	exampletest.Contains(t, res.Out,
		"client# hello, server",
		"server# hi, client",
		"msgrcv: EIDRM: the server removed the queue while I waited for its reply; bye",
		"waitpid: client", "waitpid: server",
		"msgrcv(msgtyp 0)             -> 3:c1",
		"msgrcv(msgtyp -3)            -> 1:a1",
		"msgrcv(msgtyp 1, MSG_EXCEPT) -> 3:c2",
		"msgrcv(IPC_NOWAIT) failed: ENOMSG",
		"msgrcv(IPC_NOWAIT) failed: E2BIG",
		`-> type 1, 16 bytes "sixteen bytes..."`,
		"msgsnd(IPC_NOWAIT) failed: EAGAIN",
		"failed: EINVAL (invalid argument): the text is longer than msgmax",
		"failed: EINVAL (invalid argument): no queue has this msqid any more",
		"open descriptors: 0 1 2, and the Go runtime's poller",
	)
	if strings.Count(res.Out, "exited with status 0") != 2 {
		t.Errorf("want both children to exit with status 0:\n%s", res.Out)
	}
	// Server and client met at one queue: the same key, the same msqid.
	srv := regexp.MustCompile(`(?m)^server \d+: msgget\(key (0x\w+), IPC_CREAT\|IPC_EXCL\|0600\) = msqid (\d+)$`).FindStringSubmatch(res.Out)
	cl := regexp.MustCompile(`(?m)^client \d+: msgget\(key (0x\w+), 0\) = msqid (\d+)$`).FindStringSubmatch(res.Out)
	if srv == nil || cl == nil || srv[1] != cl[1] || srv[2] != cl[2] {
		t.Errorf("server %q and client %q did not open the same queue", srv, cl)
	}
	// Each queue is gone when the demo says so.
	gone := regexp.MustCompile(`no row with msqid (\d+): the queue is gone`).FindAllStringSubmatch(res.Out, -1)
	if len(gone) != 2 || gone[0][1] != srv[2] {
		t.Errorf("want the chat queue (msqid %s) and the lab queue reported gone, got %q", srv[2], gone)
	}
	// IPC_STAT's lspid is this process, seen in the /proc row as well.
	m := regexp.MustCompile(`(?m)^parent (\d+):   lspid=(\d+) `).FindStringSubmatch(res.Out)
	if m == nil || m[1] != m[2] {
		t.Errorf("IPC_STAT lspid should be the parent's PID: %q", m)
	}
	exampletest.Golden(t, "demo", res, rules("")...)
}

// The two modes from the command line, as two terminals would run them:
// the client sends, waits for each reply, and quits; the server then gets
// SIGTERM and removes its queue.
func TestServerAndClient(t *testing.T) {
	bin := exampletest.Binary(t)
	dir, key := keyDir(t)
	srv := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir},
		Stdin: strings.NewReader("hi, client\nfine, thanks\n")})
	id := msqidIn(t, srv.WaitFor("= msqid"))
	srv.WaitFor("waiting for messages")
	if got := queueOf(t, key); got != id {
		t.Fatalf("/proc/sysvipc/msg: key %v has msqid %d, want %d", key, got, id)
	}
	row, _, _ := peek.SysVRow("msg", id)
	if row["perms"] != "600" {
		t.Errorf("perms %s, want 600", row["perms"])
	}

	cl := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"client", "-path", dir},
		Stdin: strings.NewReader("hello\nhow are you?\nquit\nnot sent\n")})
	if cl.Code() != 0 {
		t.Fatalf("client: exit status %d:\n%s", cl.Code(), cl.Out)
	}
	exampletest.Contains(t, cl.Out, "server# hi, client", "server# fine, thanks", `"quit": bye`)
	if strings.Contains(cl.Out, "not sent") {
		t.Errorf("the client went on after quit:\n%s", cl.Out)
	}
	if got := queueOf(t, key); got != id {
		t.Fatalf("the queue must outlive the client (it is the server's); msqid now %d", got)
	}

	srv.Signal(syscall.SIGTERM)
	res := srv.Wait()
	if res.Code() != 0 {
		t.Errorf("server: exit status %d, want 0 after SIGTERM", res.Code())
	}
	exampletest.Contains(t, res.Out, "client# hello", "client# how are you?", "caught SIGTERM: removing the queue")
	noQueue(t, key)
	exampletest.Golden(t, "server-sigterm", res, rules(dir)...)
	exampletest.Golden(t, "client-quit", cl, rules(dir)...)
}

// Ctrl-C removes the queue as well, and a client blocked in msgrcv,
// waiting for its reply, wakes with EIDRM and ends cleanly.
func TestSIGINTWakesClient(t *testing.T) {
	bin := exampletest.Binary(t)
	dir, key := keyDir(t)
	srvIn := heldOpen(t) // the server waits for its input, never at its end
	srv := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir}, Stdin: srvIn})
	srv.WaitFor("waiting for messages")
	cl := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"client", "-path", dir},
		Stdin: strings.NewReader("anyone?\n")})
	srv.WaitFor("client# anyone?")
	if err := peek.WaitBlocked(cl.Pid(), unix.SYS_MSGRCV, -1, time.Minute); err != nil {
		t.Fatal(err)
	}
	srv.Signal(syscall.SIGINT)
	res := srv.Wait()
	if res.Code() != 0 || !strings.Contains(res.Out, "caught SIGINT: removing the queue") {
		t.Errorf("server: exit status %d:\n%s", res.Code(), res.Out)
	}
	cres := cl.Wait()
	if cres.Code() != 0 {
		t.Errorf("client: exit status %d, want 0:\n%s", cres.Code(), cres.Out)
	}
	exampletest.Contains(t, cres.Out, "msgrcv: EIDRM: the server removed the queue while I waited for its reply; bye")
	noQueue(t, key)
}

// heldOpen is the read end of a pipe whose write end stays open until the
// test ends: an input that never ends by itself.
func heldOpen(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r
}

// Errors a learner meets, each with its errno by name, exit status 1, and
// nothing left in the kernel.
func TestErrors(t *testing.T) {
	bin := exampletest.Binary(t)

	t.Run("client without server: ENOENT", func(t *testing.T) {
		dir, key := keyDir(t)
		res := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"client", "-path", dir}, Split: true})
		if res.Code() != 1 {
			t.Errorf("exit status %d, want 1", res.Code())
		}
		exampletest.Contains(t, res.Stderr, "msgget failed: ENOENT (no such file or directory): no queue has this key: start the server first")
		noQueue(t, key)
	})

	t.Run("second server: EEXIST", func(t *testing.T) {
		dir, key := keyDir(t)
		first := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir}})
		id := msqidIn(t, first.WaitFor("= msqid"))
		first.WaitFor("waiting for messages")
		res := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir}, Split: true})
		if res.Code() != 1 {
			t.Errorf("exit status %d, want 1", res.Code())
		}
		exampletest.Contains(t, res.Stderr, "msgget(IPC_CREAT|IPC_EXCL|0600) failed: EEXIST (file exists): a queue with this key exists",
			fmt.Sprintf("remove it with: ipcrm -q %d", id))
		if queueOf(t, key) != id {
			t.Error("the second server must leave the first one's queue alone")
		}
		first.Signal(syscall.SIGTERM)
		first.Wait()
		noQueue(t, key)
	})

	t.Run("queue left behind: EEXIST names it", func(t *testing.T) {
		dir, key := keyDir(t)
		id, err := sysv.Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer sysv.Msgctl(id, unix.IPC_RMID, nil) //nolint:errcheck
		res := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir}, Split: true})
		if res.Code() != 1 {
			t.Errorf("exit status %d, want 1", res.Code())
		}
		exampletest.Contains(t, res.Stderr, "EEXIST", fmt.Sprintf("ipcrm -q %d", id))
		// The command it prints works.
		m := regexp.MustCompile(`(ipcrm -q \d+)`).FindString(res.Stderr)
		if out, err := exec.Command("sh", "-c", m).CombinedOutput(); err != nil {
			t.Errorf("%s: %v %s", m, err, out)
		}
		noQueue(t, key)
	})

	t.Run("missing path", func(t *testing.T) {
		for _, role := range []string{"server", "client"} {
			res := exampletest.Run(t, bin, exampletest.Opts{Args: []string{role, "-path", "/no/such/dir"}, Split: true})
			if res.Code() != 1 || res.Out != "" {
				t.Errorf("%s: exit status %d, stdout %q; want 1 and nothing", role, res.Code(), res.Out)
			}
			exampletest.Contains(t, res.Stderr, `ftok("/no/such/dir", 0x66) failed: ENOENT (no such file or directory): the path must exist`)
		}
	})

	t.Run("client message too long", func(t *testing.T) {
		dir, key := keyDir(t)
		srv := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir}})
		srv.WaitFor("waiting for messages")
		res := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"client", "-path", dir}, Split: true,
			Stdin: strings.NewReader(strings.Repeat("x", msgSize+1) + "\n")})
		if res.Code() != 1 {
			t.Errorf("exit status %d, want 1", res.Code())
		}
		exampletest.Contains(t, res.Stderr, "sendMsg: message too long: 1025 bytes, and mtext holds 1024")
		var ds sysv.MsqidDs
		if err := sysv.Msgctl(queueOf(t, key), unix.IPC_STAT, &ds); err != nil || ds.Qnum != 0 {
			t.Errorf("nothing may be sent: qnum %d, %v", ds.Qnum, err)
		}
		srv.Signal(syscall.SIGTERM)
		srv.Wait()
		noQueue(t, key)
	})

	t.Run("server reply too long", func(t *testing.T) {
		dir, key := keyDir(t)
		srv := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir}, Split: true,
			Stdin: strings.NewReader(strings.Repeat("y", 5000) + "\n")})
		srv.WaitFor("waiting for messages")
		cl := exampletest.Run(t, bin, exampletest.Opts{Args: []string{"client", "-path", dir},
			Stdin: strings.NewReader("hello\n")})
		res := srv.Wait()
		if res.Code() != 1 {
			t.Errorf("server: exit status %d, want 1", res.Code())
		}
		exampletest.Contains(t, res.Stderr, "sendMsg: message too long: 5000 bytes")
		// The client ends cleanly: EIDRM if it was already waiting in
		// msgrcv, EINVAL if the queue went before it got there.
		if cl.Code() != 0 {
			t.Errorf("client: exit status %d, want 0", cl.Code())
		}
		exampletest.Contains(t, cl.Out, "the server removed the queue")
		noQueue(t, key)
	})
}

// Bad command lines: usage on stderr, nothing on stdout, exit status 2,
// and no queue made.
func TestBadInput(t *testing.T) {
	dir, key := keyDir(t)
	exampletest.CheckUsage(t, "usage: 07-msgqueue",
		[]string{"extra"},
		[]string{"-nosuchflag"},
		[]string{"server", "-proj", "abc"},
		[]string{"server", "-path", dir, "-proj", "0"},
		[]string{"client", "-path", dir, "-proj", "256"},
		[]string{"server", "-path", dir, "-proj", "0x166"},
		[]string{"server", "-path"},
		[]string{"server", "-path", ""},
		[]string{"client", "-path", dir, "extra"},
	)
	res := exampletest.Run(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"server", "-proj", "abc"}, Split: true})
	exampletest.Contains(t, res.Stderr, `-proj must be a number from 1 to 255 (ftok uses only 8 bits), not "abc"`)
	noQueue(t, key)
}

// Go server, C client: the same ftok path and project id, the same types
// and text size, one queue.
func TestGoServerCClient(t *testing.T) {
	cClient := exampletest.BuildC(t, "c/client.c", "c/comm.c")
	bin := exampletest.Binary(t)
	dir, key := keyDir(t)
	srv := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"server", "-path", dir, "-proj", "0x66"},
		Stdin: strings.NewReader("hi from Go\n")})
	id := msqidIn(t, srv.WaitFor("= msqid"))
	srv.WaitFor("waiting for messages")
	cl := exampletest.Run(t, cClient, exampletest.Opts{Args: []string{dir, "0x66"}, Stdin: strings.NewReader("hello from C\n")})
	if cl.Code() != 0 {
		t.Fatalf("C client: exit status %d:\n%s", cl.Code(), cl.Out)
	}
	exampletest.Contains(t, cl.Out, fmt.Sprintf("= msqid %d\n", id), "server# hi from Go\n", "bye")
	srv.Signal(syscall.SIGTERM)
	res := srv.Wait()
	exampletest.Contains(t, res.Out, "client# hello from C\n")
	if res.Code() != 0 {
		t.Errorf("Go server: exit status %d", res.Code())
	}
	noQueue(t, key)
}

// C server, Go client. The C server's input ends while the Go client
// waits for a reply, so the client also meets EIDRM from a C server.
func TestCServerGoClient(t *testing.T) {
	cServer := exampletest.BuildC(t, "c/server.c", "c/comm.c")
	bin := exampletest.Binary(t)
	dir, key := keyDir(t)
	in, reply, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer reply.Close()
	reply.WriteString("hi from C\n") //nolint:errcheck
	srv := exampletest.Start(t, cServer, exampletest.Opts{Args: []string{dir, "102"}, Stdin: in})
	in.Close()
	id := msqidIn(t, srv.WaitFor("= msqid"))
	srv.WaitFor("waiting for messages")
	cl := exampletest.Start(t, bin, exampletest.Opts{Args: []string{"client", "-path", dir, "-proj", "102"},
		Stdin: strings.NewReader("hello from Go\nstill there?\n")})
	srv.WaitFor("client# still there?")
	if err := peek.WaitBlocked(cl.Pid(), unix.SYS_MSGRCV, -1, time.Minute); err != nil {
		t.Fatal(err)
	}
	reply.Close() // the C server finds end of input and removes the queue
	cres := cl.Wait()
	if cres.Code() != 0 {
		t.Fatalf("Go client: exit status %d:\n%s", cres.Code(), cres.Out)
	}
	exampletest.Contains(t, cres.Out, fmt.Sprintf("= msqid %d\n", id), "server# hi from C\n",
		"msgrcv: EIDRM: the server removed the queue while I waited")
	res := srv.Wait()
	if res.Code() != 0 {
		t.Errorf("C server: exit status %d:\n%s", res.Code(), res.Out)
	}
	exampletest.Contains(t, res.Out, "client# hello from Go\n", "client# still there?\n", "end of input: removing the queue")
	noQueue(t, key)
}

// The corrected C server removes its queue on SIGTERM too, and rejects a
// bad project id; the C client says to start the server first.
func TestCTwins(t *testing.T) {
	cServer := exampletest.BuildC(t, "c/server.c", "c/comm.c")
	cClient := exampletest.BuildC(t, "c/client.c", "c/comm.c")
	dir, key := keyDir(t)
	srv := exampletest.Start(t, cServer, exampletest.Opts{Args: []string{dir}})
	srv.WaitFor("waiting for messages")
	if queueOf(t, key) < 0 {
		t.Fatal("the C server made no queue")
	}
	srv.Signal(syscall.SIGTERM)
	res := srv.Wait()
	if res.Code() != 0 {
		t.Errorf("C server after SIGTERM: exit status %d", res.Code())
	}
	exampletest.Contains(t, res.Out, "caught signal 15")
	noQueue(t, key)

	cl := exampletest.Run(t, cClient, exampletest.Opts{Args: []string{dir}, Split: true})
	if cl.Code() != 1 {
		t.Errorf("C client without server: exit status %d, want 1", cl.Code())
	}
	exampletest.Contains(t, cl.Stderr, "start the server first")
	bad := exampletest.Run(t, cServer, exampletest.Opts{Args: []string{dir, "abc"}, Split: true})
	if bad.Code() != 2 {
		t.Errorf("C server with proj_id abc: exit status %d, want 2", bad.Code())
	}
	noQueue(t, key)
}

// A server killed with SIGKILL cannot remove its queue: the queue stays in
// the kernel, messages and all, with no process attached to it. Run in a
// private IPC namespace, so the leak cannot reach the machine: the queue
// belongs to the namespace, and the kernel destroys it with the namespace
// once nothing refers to the namespace any more.
func TestSIGKILLLeaksQueueInPrivateNamespace(t *testing.T) {
	bin := exampletest.Binary(t)
	dir, key := keyDir(t)
	cmd := exec.Command(bin, "server", "-path", dir)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC, Setpgid: true}
	stdin, err := cmd.StdinPipe() // kept open: the server waits in msgrcv, not on its input
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skip("no permission to make an IPC namespace (CLONE_NEWIPC needs CAP_SYS_ADMIN): the leak cannot be shown safely")
		}
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { unix.Kill(-pid, unix.SIGKILL); cmd.Wait() }) //nolint:errcheck
	var printed strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(printed.String(), "waiting for messages") {
		n, err := out.Read(buf)
		printed.Write(buf[:n])
		if err != nil {
			t.Fatalf("server output ended: %v\n%s", err, printed.String())
		}
	}
	id := msqidIn(t, printed.String())

	// Hold the namespace by a descriptor, to look inside it later.
	nsPath := fmt.Sprintf("/proc/%d/ns/ipc", pid)
	nsLink, err := os.Readlink(nsPath)
	if err != nil {
		t.Fatal(err)
	}
	if host, _ := os.Readlink("/proc/self/ns/ipc"); host == nsLink {
		t.Fatalf("the server runs in the test's own IPC namespace %s", host)
	}
	nsfd, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	nsOpen := true
	defer func() {
		if nsOpen {
			unix.Close(nsfd)
		}
	}()
	if row := rowIn(t, nsfd, id); row == nil || row["key"] != strconv.Itoa(int(key)) {
		t.Fatalf("inside the namespace: no queue %d with key %v: %v", id, key, row)
	}
	if queueOf(t, key) >= 0 {
		t.Error("the namespace's queue is visible in the test's namespace")
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() //nolint:errcheck // killed, as intended
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("server: %v, want killed by SIGKILL", cmd.ProcessState)
	}
	// No process is left in the namespace, and its queue is still there.
	row := rowIn(t, nsfd, id)
	if row == nil {
		t.Fatal("the queue vanished with its creator: want it leaked (SysV queues outlive processes)")
	}
	t.Logf("after SIGKILL, inside the namespace, held only by a descriptor: /proc/sysvipc/msg %s",
		row.Format("key", "msqid", "perms", "qnum"))
	if holders := nsHolders(nsLink); len(holders) != 1 {
		t.Errorf("want only the test's descriptor to hold %s, found %q", nsLink, holders)
	}

	// Drop the last reference: the namespace ends, and the kernel removes
	// every object in it (free_ipcs). Nothing can refer to it any more.
	unix.Close(nsfd)
	nsOpen = false
	if holders := nsHolders(nsLink); len(holders) != 0 {
		t.Errorf("%s is still held by %q", nsLink, holders)
	}
	noQueue(t, key)
}

// rowIn reads /proc/sysvipc/msg inside the IPC namespace nsfd refers to,
// from a thread that joins it for the read: setns changes only the calling
// thread, and /proc/sysvipc shows the reader's namespace. The thread then
// goes back to the test's own namespace; if it cannot, it stays locked and
// ends with its goroutine.
func rowIn(t *testing.T, nsfd, id int) peek.SysV {
	t.Helper()
	type result struct {
		row peek.SysV
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		home, err := unix.Open("/proc/thread-self/ns/ipc", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer unix.Close(home)
		if err := unix.Setns(nsfd, unix.CLONE_NEWIPC); err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		row, ok, err := peek.SysVRow("msg", id)
		if !ok {
			row = nil
		}
		if unix.Setns(home, unix.CLONE_NEWIPC) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{row, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.row
}

// nsHolders lists what refers to the namespace named link ("ipc:[N]"):
// processes living in it and descriptors open on it.
func nsHolders(link string) []string {
	var holders []string
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		tasks, _ := filepath.Glob(p + "/task/[0-9]*")
		for _, task := range tasks {
			if l, _ := os.Readlink(task + "/ns/ipc"); l == link {
				holders = append(holders, task+"/ns/ipc")
			}
		}
		fds, _ := filepath.Glob(p + "/fd/*")
		for _, fd := range fds {
			if l, _ := os.Readlink(fd); l == link {
				holders = append(holders, fd)
			}
		}
	}
	return holders
}
