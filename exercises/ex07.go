//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

func init() {
	register(&Exercise{Name: "07-echo", Title: "a message-queue server for several clients, replies addressed by PID", Check: check07})
	helpers["msgclient"] = msgClient
}

// The project id of the exercise's key: ftok(PATH, 'M').
const proj07 = 'M'

const (
	c07Queue    = "the server makes a queue whose key is ftok(PATH, 'M'), mode 0600, before it says ready"
	c07Client   = "your client gets the answer to its request (the text in capitals)"
	c07Type     = "the server sends each answer with the client's PID as its message type"
	c07Many     = "eight clients at once each get their own answer"
	c07Term     = "on SIGTERM the server removes its queue and ends (exit status 0, or killed by SIGTERM after removing it)"
	c07NoServer = "a client with no server running fails (exit status not 0) and creates no queue"
)

func check07(c *Checker) {
	c.Scenario([]string{c07Queue, c07Type, c07Client, c07Many}, func(s *Scene) {
		path := keyFile(s)
		key, err := sysv.Ftok(path, proj07)
		if err != nil {
			s.Abort("ftok: %v", err)
		}
		srv := s.Start("server", Opts{}, "server", path)
		srv.Line("ready")
		q, ok := findKey(c, "msg", key)
		if !ok {
			s.Abort("after your server said ready there is no queue with key %s (ftok(%q, 'M')) in /proc/sysvipc/msg", key, path)
		}
		// /proc/sysvipc/msg's perms column is the mode in octal
		if mode, err := strconv.ParseUint(q["perms"], 8, 32); err != nil || mode&0o777 != 0o600 {
			s.Failf(c07Queue, "the queue's mode is %s: the task says 0600 (IPC_CREAT|IPC_EXCL|0600); with 0666 anyone on the machine may read the requests or send answers into it", "0"+q["perms"])
		}
		s.Report(c07Queue, nil)

		// The checker's own client first: it knows its PID, and can tell
		// which type the answer had when it does not arrive.
		answer, err := replyType(s, srv, q, path)
		if err != nil {
			s.Report(c07Type, err)
			s.Abort("not checked: the answers do not reach their clients (see above)")
		}
		s.Report(c07Type, nil)
		if answer != nil {
			// handed over with the right type, but not the text
			s.Report(c07Client, fmt.Errorf("the checker's client sent %q: %v", "type check", answer))
		}

		cl := s.Start("client", Opts{}, "client", path, "hello, server")
		res, left := waitClient(s, cl, srv)
		if err := clientAnswer(res.Out, res.Code(), left, "hello, server"); err != nil {
			err = fmt.Errorf("%v%s", err, serverGone(srv))
			s.Report(c07Client, err)
			s.Abort("not checked: your client does not get its answer (see above)")
		}
		s.Report(c07Client, nil)

		var cls []*Proc
		for i := 0; i < 8; i++ {
			cls = append(cls, s.Start(fmt.Sprintf("client %d", i), Opts{}, "client", path, fmt.Sprintf("request %d from client %d", i*i, i)))
		}
		var bad []string
		for i, p := range cls {
			res, left := waitClient(s, p, srv)
			if err := clientAnswer(res.Out, res.Code(), left, fmt.Sprintf("request %d from client %d", i*i, i)); err != nil {
				bad = append(bad, fmt.Sprintf("client %d: %v", i, err))
			}
		}
		if len(bad) > 0 {
			s.Failf(c07Many, "%s%s", strings.Join(bad, "; "), serverGone(srv))
		}
		s.Report(c07Many, nil)
		if !srv.waited { // reaped already if it died (serverGone)
			srv.Signal(unix.SIGKILL) // the next scene checks how it ends
			srv.Wait()
		}
	})
	c.Scenario([]string{c07Term}, func(s *Scene) {
		path := keyFile(s)
		key, _ := sysv.Ftok(path, proj07)
		srv := s.Start("server", Opts{}, "server", path)
		srv.Line("ready")
		if _, ok := findKey(c, "msg", key); !ok {
			s.Abort("after your server said ready there is no queue with key %s in /proc/sysvipc/msg: nothing to remove", key)
		}
		srv.Signal(unix.SIGTERM)
		srv.Ended()
		res, left := srv.Wait()
		_, still := findKey(c, "msg", key)
		switch {
		case still:
			s.Failf(c07Term, "after SIGTERM your server %s, and its queue (key %s) is still in the kernel: call msgctl(IPC_RMID) before it ends", Describe(res.Status), key)
		case !(res.Status.Exited() && res.Code() == 0) && !(res.Status.Signaled() && res.Status.Signal() == unix.SIGTERM):
			s.Failf(c07Term, "after SIGTERM your server %s%s", Describe(res.Status), stderrNote(res.Stderr))
		case len(left) > 0:
			s.Failf(c07Term, "%s", strings.Join(left, "; "))
		}
		s.Report(c07Term, nil)
	})
	c.Scenario([]string{c07NoServer}, func(s *Scene) {
		path := keyFile(s)
		key, _ := sysv.Ftok(path, proj07)
		cl := s.Start("client", Opts{}, "client", path, "anyone there?")
		cl.Ended()
		res, _ := cl.Wait()
		_, made := findKey(c, "msg", key)
		switch {
		case made:
			s.Failf(c07NoServer, "your client created a queue with the key (key %s): a client opens the server's queue with msgget(key, 0), and gets ENOENT when there is none", key)
		case res.Code() == 0:
			s.Failf(c07NoServer, "with no server, your client exited with status 0 (it printed %q): msgget(key, 0) fails with ENOENT, and the client should say so and exit with status 1", clip(res.Out, 100))
		}
		s.Report(c07NoServer, nil)
	})
}

// keyFile makes the file an ftok key is made from.
func keyFile(s *Scene) string {
	path := filepath.Join(s.Dir(), "key")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		s.Abort("%v", err)
	}
	noteKeyFile(path)
	return path
}

// findKey finds the System V object of a kind with that key in the
// checker's namespace.
func findKey(c *Checker, kind string, key sysv.Key) (peek.SysV, bool) {
	rows, _ := c.ns.Rows(kind)
	for _, r := range rows {
		if r["key"] == strconv.Itoa(int(key)) {
			return r, true
		}
	}
	return nil, false
}

func clientAnswer(out string, code int, left []string, sent string) error {
	want := strings.ToUpper(sent)
	switch {
	case strings.TrimSpace(out) != want:
		if err := answerText(strings.TrimSuffix(out, "\n"), want); err != nil {
			return fmt.Errorf("it sent %q: %v", sent, err)
		}
		return fmt.Errorf("it sent %q and printed %q, want %q", sent, clip(out, 100), want)
	case code != 0:
		return fmt.Errorf("it printed the answer but exited with status %d", code)
	case len(left) > 0:
		return fmt.Errorf("%s", strings.Join(left, "; "))
	}
	return nil
}

// answerText explains an answer that is the text wanted followed by more
// bytes: a msgsnd whose msgsz is the size of the mtext array, not the
// length of the text, sends the text and what the array holds after it.
func answerText(got, want string) error {
	if !strings.HasPrefix(got, want) || len(got) == len(want) {
		return nil
	}
	extra := got[len(want):]
	nul := strings.Count(extra, "\x00")
	if nul == len(extra) {
		return fmt.Errorf("the answer carries %d trailing NUL bytes after %q: msgsz is the text's length (msgsnd(id, &m, strlen(text), 0)), not the size of the mtext array", nul, want)
	}
	first := extra
	if len(first) > 8 {
		first = first[:8]
	}
	return fmt.Errorf("the answer carries %d bytes after %q (%d of them NUL; the first ones %q): msgsz is the text's length (msgsnd(id, &m, strlen(text), 0)), not the size of the mtext array",
		len(extra), want, nul, first)
}

// wrongText says what is wrong with the answer the checker's client
// got, from its output: the line that names its thread, then the answer
// as it came.
func wrongText(out string) error {
	if i := strings.IndexByte(out, '\n'); i >= 0 && strings.HasPrefix(out, "receives on thread ") {
		out = out[i+1:]
	}
	want := strings.ToUpper("type check")
	if err := answerText(out, want); err != nil {
		return err
	}
	return fmt.Errorf("received %s, want %q", quote(out), want)
}

// waitClient waits until a client has ended and reaps it; if the server
// dies first, the client would wait for ever: it is killed then, and the
// verdict says how the server ended (serverGone).
func waitClient(s *Scene, cl, srv *Proc) (*Result, []string) {
	var mu sync.Mutex // held while the client may be killed: not once reaped
	stop := make(chan struct{})
	go func() {
		var pace pacer // watching /proc, not timing
		for {
			mu.Lock()
			select {
			case <-stop:
				mu.Unlock()
				return
			default:
			}
			if q, ok := readProc(srv.Pid()); !ok || q.state == "Z" {
				unix.Kill(cl.Pid(), unix.SIGKILL) // not reaped yet: still its PID
				mu.Unlock()
				return
			}
			mu.Unlock()
			pace.wait()
		}
	}()
	cl.Ended()
	mu.Lock()
	close(stop)
	mu.Unlock()
	res, left := cl.Wait()
	s.StopIfHung()
	return res, left
}

// serverGone says how the server ended, with its standard error, if it
// has ended ("" while it runs): a client that got nothing is then
// explained by the server, not by the client.
func serverGone(srv *Proc) string {
	if q, ok := readProc(srv.Pid()); ok && q.state != "Z" {
		return ""
	}
	res, _ := srv.Wait()
	note := stderrNote(res.Stderr)
	if note == "" {
		note = " (nothing on its standard error)"
	}
	return fmt.Sprintf("; the server %s%s", Describe(res.Status), note)
}

// replyType sends a request from the checker's own client, whose PID the
// checker knows, and finds out which type the server's answer had: the
// client gets it (it asks for its PID as the type), or the answer waits
// in the queue with another type, or the server read it back itself.
//
// answer is not nil when the client got an answer of its type whose text
// was not the one expected.
func replyType(s *Scene, srv *Proc, q peek.SysV, path string) (answer, err error) {
	id, _ := strconv.Atoi(q["msqid"])
	probe := s.Helper("checker's client", "msgclient", Opts{}, path, "type check")
	probePid := strconv.Itoa(probe.Pid())
	// lrpid is the PID of the last msgrcv, but the thread's ID (TID) when
	// the message went straight to a receiver already asleep in msgrcv
	// (ipc/msg.c, pipelined_send: task_pid of the receiving thread, Linux
	// 6.18 checked): the client says which thread receives.
	var probeTid string
	if _, err := fmt.Sscanf(probe.Line("receives on thread"), "receives on thread %s", &probeTid); err != nil {
		s.Abort("the checker's client: %v", err)
	}
	answered := func(row peek.SysV) bool { return row["lrpid"] == probePid || row["lrpid"] == probeTid }
	srvPid := strconv.Itoa(srv.Pid())
	// Until the client has sent its request and waits (or already has
	// its answer), lspid is still the server's from an earlier answer.
	sent := false
	var pace pacer // watching the kernel's view, not timing
	for {
		row, ok, _ := sysvRow(s.c, "msg", id)
		if !ok {
			return nil, fmt.Errorf("the queue disappeared while the checker's client (pid %s) waited for its answer%s", probePid, serverGone(srv))
		}
		if answered(row) { // the answer was handed to the client
			probe.Ended()
			res, _ := probe.Wait()
			switch {
			case res.Code() == 0:
				return nil, nil
			case strings.HasPrefix(res.Stderr, "answer "):
				// the type was right (it reached the client), the text not
				return wrongText(res.Out), nil
			}
			return nil, fmt.Errorf("the checker's client got an answer it could not read: %s", clip(res.Stderr, 200))
		}
		if q, ok := readProc(srv.Pid()); !ok || q.state == "Z" {
			return nil, fmt.Errorf("the checker's client (pid %s) got no answer%s", probePid, serverGone(srv))
		}
		if exited(probe.Pid()) {
			// It may have got its answer and ended between the row read
			// above and now: read the row again before calling it a
			// failure (seen with two go test runs at once).
			if again, ok, _ := sysvRow(s.c, "msg", id); ok && answered(again) {
				continue
			}
			// Its exit status says whether it got its answer: 0 only for
			// the text wanted, received as type PID.
			res, _ := probe.Wait()
			if res.Code() == 0 {
				return nil, nil
			}
			if strings.HasPrefix(res.Stderr, "answer ") {
				return wrongText(res.Out), nil
			}
			// it failed before it got an answer (its stderr says why)
			return nil, fmt.Errorf("the checker's client (pid %s) %s before it received an answer%s", probePid, Describe(res.Status), stderrNote(res.Stderr))
		}
		if !sent {
			sent = peek.BlockedIn(probe.Pid(), unix.SYS_MSGRCV, -1)
		} else if row["lspid"] == srvPid && peek.BlockedIn(srv.Pid(), unix.SYS_MSGRCV, -1) {
			// The server answered and waits for the next request, and the
			// client has not received anything.
			unix.Kill(probe.Pid(), unix.SIGKILL)
			probe.Wait()
			var got []string
			s.c.ns.Do(func() {
				buf := make([]byte, 8192)
				for {
					mtype, n, err := sysv.Msgrcv(id, buf, 0, unix.IPC_NOWAIT|sysv.MSG_NOERROR)
					if err != nil {
						break
					}
					got = append(got, fmt.Sprintf("type %d, text %q", mtype, buf[:n]))
				}
			})
			if len(got) > 0 {
				return nil, fmt.Errorf("the server answered the checker's client (pid %s) with %s; the client waits for type %s",
					probePid, strings.Join(got, " and "), probePid)
			}
			return nil, fmt.Errorf("the server answered, but the checker's client (pid %s) got nothing and the queue is empty: "+
				"was the answer sent with type 1, the requests' type, so that the server read it back itself? The client waits for type %s",
				probePid, probePid)
		}
		s.StopIfHung() // the scene's guard says where each one waits
		pace.wait()
	}
}

func sysvRow(c *Checker, kind string, id int) (row peek.SysV, ok bool, err error) {
	c.ns.Do(func() { row, ok, err = peek.SysVRow(kind, id) })
	return
}

// msgClient is the checker's own client: it sends "PID TEXT" with type 1
// and waits for the answer of type PID.
func msgClient(args []string) {
	key, err := sysv.Ftok(args[0], proj07)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	id, err := sysv.Msgget(key, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pid := os.Getpid()
	runtime.LockOSThread() // one thread sends and receives: the one it names
	fmt.Printf("receives on thread %d\n", unix.Gettid())
	if err := sysv.Msgsnd(id, 1, []byte(fmt.Sprintf("%d %s", pid, args[1])), 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 8192)
	_, n, err := sysv.Msgrcv(id, buf, int64(pid), 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if string(buf[:n]) != strings.ToUpper(args[1]) {
		os.Stdout.Write(buf[:n]) // the answer as it came, for the verdict
		fmt.Fprintf(os.Stderr, "answer %q, want %q\n", buf[:n], strings.ToUpper(args[1]))
		os.Exit(1)
	}
}

// What the checker's own tests expect of this exercise: the reference
// solutions pass, the starter fails these criteria, and each mutant
// (marked in the solution's source) fails these, saying so.
func init() {
	const c = "exercises/07-echo/solution/c/echo.c"
	selfTests = append(selfTests, exerciseTest{
		name: "07-echo",
		solutions: [][]string{
			{"-dir", "exercises/07-echo/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"makes a queue":      "no queue with key",
			"your client gets":   "no queue with key",
			"PID as its message": "no queue with key",
			"eight clients":      "no queue with key",
			"on SIGTERM":         "no queue with key",
			"no server running":  "exited with status 0",
		},
		mutants: []mutant{{
			name:  "the answer is sent with the requests' type",
			mark:  "answer-sent-with-requests-type",
			src:   c,
			fails: map[string]string{"your client gets": "not checked", "PID as its message": "with type 1", "eight clients": "not checked"},
		}, {
			name:  "the answer is sent with type 2",
			mark:  "answer-sent-with-type-2",
			src:   c,
			fails: map[string]string{"your client gets": "not checked", "PID as its message": "with type 2", "eight clients": "not checked"},
		}, {
			name:  "no IPC_RMID on SIGTERM",
			mark:  "no-ipc-rmid-on-sigterm",
			src:   c,
			fails: map[string]string{"on SIGTERM": "is still in the kernel"},
		}, {
			name:  "the queue is made with mode 0666",
			mark:  "queue-mode-0666",
			src:   c,
			fails: map[string]string{"makes a queue": "the task says 0600"},
		}, {
			name:  "the client creates the queue",
			mark:  "client-creates-queue",
			src:   c,
			fails: map[string]string{"no server running": "your client created a queue"},
		}, {
			name: "msgsnd sends the whole mtext array",
			mark: "msgsz-whole-mtext-array",
			src:  c,
			fails: map[string]string{"your client gets": "the answer carries 1014 bytes after \"TYPE CHECK\" | the answer carries 1014 trailing NUL bytes after \"TYPE CHECK\"",
				// C's printf("%.*s") stops at the first NUL: what the
				// array held before one shows only in some runs
				"eight clients": "?"},
		}, {
			name:  "Go: msgsnd sends the whole buffer",
			mark:  "go-msgsz-whole-buffer",
			src:   "exercises/07-echo/solution/main.go",
			fails: map[string]string{"your client gets": "the answer carries 1014 trailing NUL bytes after \"TYPE CHECK\": msgsz is the text's length", "eight clients": "not checked"},
		}, {
			name:  "the server receives 8 bytes without MSG_NOERROR, and dies",
			mark:  "server-receives-8-bytes-no-noerror",
			src:   c,
			fails: map[string]string{"PID as its message": "got no answer; the server exited with status 1 (stderr: msgrcv: Argument list too long)", "your client gets": "not checked", "eight clients": "not checked"},
		}, {
			name:  "Go: the server parses the whole request as the PID, and dies",
			mark:  "go-server-parses-whole-request",
			src:   "exercises/07-echo/solution/main.go",
			fails: map[string]string{"PID as its message": "got no answer; the server exited with status 1 (stderr: echo: strconv.ParseInt: parsing", "your client gets": "not checked", "eight clients": "not checked"},
		}, {
			name:  "Go: the answer is sent with the requests' type",
			mark:  "go-answer-sent-with-requests",
			src:   "exercises/07-echo/solution/main.go",
			fails: map[string]string{"your client gets": "not checked", "PID as its message": "with type 1", "eight clients": "not checked"},
		}},
	})
}
