//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/goipc/ipc-examples/common/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m) }

// rules normalise what changes from run to run besides PIDs, inodes and
// TMPDIR: mkdtemp's suffix, the padding that makes a 108-byte path, the
// network namespace, autobind names, and descriptor numbers that depend
// on how many the Go runtime holds (an eventfd from Go 1.23, a pipe before).
var rules = []exampletest.Rule{
	{Re: regexp.MustCompile(`10-socket-(\d+(?:-\d+)?)`), Fixed: "N"},
	{Re: regexp.MustCompile(`kill (?:-9 )?(\d+)`), Class: "PID"},
	{Re: regexp.MustCompile(`(?:pidfd of |kill\()(\d+)`), Class: "PID"},
	{Re: regexp.MustCompile(`lstat\((/[^)]*)/10-socket-`), Fixed: "$CWD"},
	{Re: regexp.MustCompile(`addrlen (\d+), no NUL`), Fixed: "LEN"},
	{Re: regexp.MustCompile(`/proc/(\d+)/fd`), Class: "PID"},
	{Re: regexp.MustCompile(`/(x{8,})`), Fixed: "XXX"},
	{Re: regexp.MustCompile(`net:\[(\d+)\]`), Class: "NETNS"},
	{Re: regexp.MustCompile(`@([0-9a-f]{5})\b`), Class: "AUTO"},
	{Re: regexp.MustCompile(`(?:installed fd|read\(|/fd/|SCM_RIGHTS \[|fd) (\d+)(?:[ ,)\]:]|$)`), Class: "FD"},
	{Re: regexp.MustCompile(`/fd/(\d+)`), Class: "FD"},
	{Re: regexp.MustCompile(`read\((\d+),`), Class: "FD"},
	{Re: regexp.MustCompile(`SCM_RIGHTS \[(\d+)\]`), Class: "FD"},
}

func TestDemo(t *testing.T) {
	t.Parallel()
	res := exampletest.RunOK(t, exampletest.Opts{})
	exampletest.Contains(t, res.Out,
		`parent `, `read 4 bytes: "pong"`,
		"STREAM LISTENING ", "srwx",
		"server# hi, client", `"quit": closing the socket`,
		"ENOENT (no such file or directory): no server made it", "ECONNREFUSED (connection refused): a socket file",
		"was killed by signal 9 (SIGKILL)", "pidfd_send_signal(pidfd of ", ", SIGKILL) (kill -9)", "connect: ECONNREFUSED: a stale socket file",
		"net.Listen: listen unix PATH: bind: invalid argument", "unix.Bind: EINVAL",
		`["onetwothree"]`, `["one" "two" "three"]`, "msg_flags MSG_TRUNC",
		`recvmsg(flags MSG_TRUNC), 12 into 5 = 12`,
		`read(`, `"a line"`,
		"net.ListenUnix, ln.Close():",
	)
	if os.Getuid() == 0 {
		exampletest.Contains(t, res.Out, "refused: uid 65534 is not the server's uid 0 (SO_PEERCRED)", "exited with status 1")
	}
	// SCM_RIGHTS: the receiver's read moved the sender's offset: one open
	// file description.
	exampletest.Contains(t, res.Out, "offset 0\n", "offset 6\n", "the receiver's read moved this process's offset")
	exampletest.Golden(t, "demo", res, rules...)
}

// Every step boundary, each of the four endings: nothing left behind.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	n := exampletest.Interrupts(t, exampletest.Opts{}, exampletest.StepHeader)
	t.Logf("%d interrupted runs", n)
}

func TestUsage(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("x", 107)
	exampletest.CheckBad(t, "usage: 10-socket",
		exampletest.Bad{Args: []string{"bogus"}, Why: "unexpected argument"},
		exampletest.Bad{Args: []string{"server", "-type", "raw"}, Why: "-type must be"},
		exampletest.Bad{Args: []string{"client"}, Why: "give -path or -abstract"},
		exampletest.Bad{Args: []string{"client", "-path", "a", "-abstract", "b"}, Why: "not both"},
		exampletest.Bad{Args: []string{"server", "-path", long}, Why: "sun_path holds 108"},
		exampletest.Bad{Args: []string{"server", "extra"}, Why: "unexpected argument"},
		exampletest.Bad{Args: []string{"server", "-path", ""}, Why: "-path is empty"},
		exampletest.Bad{Args: []string{"server", "-abstract", ""}, Why: "-abstract is empty"},
		exampletest.Bad{Args: []string{"client", "-abstract", ""}, Why: "-abstract is empty"},
		exampletest.Bad{Args: []string{"client", "-type", "", "-path", "p"}, Why: "-type is empty"},
	)
	// The C twins: an empty value is a usage error there too.
	for _, c := range []struct{ src, usage string }{{"c/server.c", "usage: sock_server"}, {"c/client.c", "usage: sock_client"}} {
		for _, args := range [][]string{{"-path", ""}, {"-abstract", ""}, {"-type", "", "-path", "p"}} {
			res := exampletest.Run(t, exampletest.BuildC(t, c.src), exampletest.Opts{Args: args, Split: true})
			if res.Code() != 2 || !strings.Contains(res.Stderr, c.usage) {
				t.Errorf("%s %q: exit %d, want 2 and %q on stderr; stderr:\n%s", c.src, args, res.Code(), c.usage, res.Stderr)
			}
		}
	}
}

// What is at -path and is not this user's socket file is never removed:
// a regular file, a directory, a symlink, another user's socket file (in
// a shared directory such as /tmp it may be another user's live or stale
// server). Each server, Go and C, refuses and says why, exit 1.
func TestServerNeverRemoves(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, why string
		root      bool
		make      func(t *testing.T, path string)
	}{
		{"regular-file", "exists and is not a socket", false, func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("keep me\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory", "exists and is not a socket", false, func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink", "exists and is not a socket", false, func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(path), "elsewhere.sock"), path); err != nil {
				t.Fatal(err)
			}
		}},
		{"other-users-socket", "is a socket file of uid 65534", true, func(t *testing.T, path string) {
			fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
			if err != nil {
				t.Fatal(err)
			}
			err = syscall.Bind(fd, &syscall.SockaddrUnix{Name: path})
			syscall.Close(fd) // a stale file: nobody listens
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Lchown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, srv := range []peer{goServer, goRoutines, cServer} {
		for _, ty := range []string{"stream", "dgram", "seqpacket"} {
			for _, c := range cases {
				srv, ty, c := srv, ty, c
				t.Run(srv.name+"/"+ty+"/"+c.name, func(t *testing.T) {
					t.Parallel()
					if c.root && os.Getuid() != 0 {
						exampletest.Skip(t, "only root can give a socket file to uid 65534 (lchown needs CAP_CHOWN)")
					}
					path := filepath.Join(t.TempDir(), "s.sock")
					c.make(t, path)
					before, err := os.Lstat(path)
					if err != nil {
						t.Fatal(err)
					}
					res := exampletest.Run(t, srv.bin(t), exampletest.Opts{Args: append(append([]string{}, srv.args...), "-type", ty, "-path", path),
						Stdin: strings.NewReader(""), Split: true})
					if res.Code() != 1 || !strings.Contains(res.Stderr, c.why) {
						t.Errorf("exit %d, want 1 and %q on stderr; stderr:\n%s\nstdout:\n%s", res.Code(), c.why, res.Stderr, res.Out)
					}
					after, err := os.Lstat(path)
					if err != nil || !os.SameFile(before, after) {
						t.Errorf("%s at -path was removed or replaced: lstat: %v", c.name, err)
					}
				})
			}
		}
	}
}

// peer is a server or a client binary: the Go one (with its role) or a C twin.
type peer struct {
	name string
	bin  func(t *testing.T) string
	args []string
}

var (
	goServer   = peer{"go", func(t *testing.T) string { return exampletest.Binary(t) }, []string{"server"}}
	goRoutines = peer{"go-goroutines", func(t *testing.T) string { return exampletest.Binary(t) }, []string{"server", "-goroutines"}}
	cServer    = peer{"c", func(t *testing.T) string { return exampletest.BuildC(t, "c/server.c") }, nil}
	goClient   = peer{"go", func(t *testing.T) string { return exampletest.Binary(t) }, []string{"client"}}
	cClient    = peer{"c", func(t *testing.T) string { return exampletest.BuildC(t, "c/client.c") }, nil}
)

// Go and C servers and clients chat, every pair, every socket type, on a
// path and on an abstract name: the same protocol, through the same
// socket. The server reads its input all the time, so "quit" is written
// only once the client's last line has arrived.
func TestChatGoAndC(t *testing.T) {
	t.Parallel()
	for _, ty := range []string{"stream", "seqpacket", "dgram"} {
		for _, kind := range []string{"path", "abstract"} {
			for _, srv := range []peer{goServer, goRoutines, cServer} {
				for _, cl := range []peer{goClient, cClient} {
					ty, kind, srv, cl := ty, kind, srv, cl
					t.Run(ty+"/"+kind+"/"+srv.name+"-server/"+cl.name+"-client", func(t *testing.T) {
						t.Parallel()
						addr := []string{"-path", filepath.Join(t.TempDir(), "chat.sock")}
						if kind == "abstract" {
							addr = []string{"-abstract", abstractName(t)}
						}
						in, answers := pipe(t)
						answers.WriteString("hi, client\n")
						s := exampletest.Start(t, srv.bin(t), exampletest.Opts{Args: append(append(append([]string{}, srv.args...), "-type", ty), addr...), Stdin: in})
						s.WaitFor("in another terminal")
						c := exampletest.Start(t, cl.bin(t), exampletest.Opts{Args: append(append(append([]string{}, cl.args...), "-type", ty), addr...),
							Stdin: strings.NewReader("hello, server\nhow are you?\n")})
						s.WaitFor("# how are you?")
						answers.WriteString("quit\n")
						cr, sr := c.Wait(), s.Wait()
						if cr.Code() != 0 || sr.Code() != 0 {
							t.Fatalf("client exit %d, server exit %d:\nclient:\n%s\nserver:\n%s", cr.Code(), sr.Code(), cr.Out, sr.Out)
						}
						exampletest.Contains(t, cr.Out, "server# hi, client", `sending "how are you?"`)
						switch {
						case ty == "dgram" && kind == "path":
							exampletest.Contains(t, cr.Out, "a socket file of uid", "an empty datagram: the server's goodbye")
						case ty == "dgram":
							exampletest.Contains(t, cr.Out, "(SCM_CREDENTIALS on its answer)", "an empty datagram: the server's goodbye")
						default:
							exampletest.Contains(t, cr.Out, "the server closed the connection")
						}
						exampletest.Contains(t, sr.Out, "# hello, server", "# how are you?", `"quit"`)
						if kind == "path" {
							if _, err := os.Lstat(addr[1]); !os.IsNotExist(err) {
								t.Errorf("the server left its socket file %s (lstat: %v)", addr[1], err)
							}
						}
					})
				}
			}
		}
	}
}

// An idle server, Go or C, ends at once on "quit" or at the end of its
// input, though no client asks (one is connected and silent), and removes
// its socket file and directory (Wait checks that TMPDIR is empty).
func TestIdleServerEnds(t *testing.T) {
	t.Parallel()
	for _, srv := range []peer{goServer, goRoutines, cServer} {
		for _, ty := range []string{"stream", "seqpacket", "dgram"} {
			for _, how := range []string{"quit", "end-of-input"} {
				srv, ty, how := srv, ty, how
				t.Run(srv.name+"/"+ty+"/"+how, func(t *testing.T) {
					t.Parallel()
					in, answers := pipe(t)
					s := exampletest.Start(t, srv.bin(t), exampletest.Opts{Args: append(append([]string{}, srv.args...), "-type", ty), Stdin: in})
					line := s.WaitFor("in another terminal")
					path := strings.Fields(line[strings.Index(line, "-path ")+6:])[0]
					if ty != "dgram" { // a client that connects and says nothing
						c := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"client", "-type", ty, "-path", path}, Stdin: heldOpen(t)})
						c.WaitFor("the server is pid")
						defer func() { c.Signal(syscall.SIGKILL); c.Wait() }()
					}
					if how == "quit" {
						answers.WriteString("quit\n")
					} else {
						answers.Close()
					}
					res := s.Wait()
					if res.Code() != 0 {
						t.Errorf("server: %v, want exit 0:\n%s", res.Status, res.Out)
					}
				})
			}
		}
	}
}

// A server killed with -9 leaves its private directory; the next one, Go
// or C, names it and how to remove it, and touches nothing; a live
// server's directory is never named.
func TestLeftoverNamed(t *testing.T) {
	t.Parallel()
	for _, order := range [][2]peer{{goServer, cServer}, {cServer, goServer}} {
		first, second := order[0], order[1]
		t.Run(first.name+"-killed/"+second.name+"-next", func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			a := exampletest.Start(t, first.bin(t), exampletest.Opts{Args: first.args, Stdin: heldOpen(t), TmpDir: tmp})
			line := a.WaitFor("in another terminal")
			dead := filepath.Dir(strings.Fields(line[strings.Index(line, "-path ")+6:])[0])
			a.Signal(syscall.SIGKILL)
			a.Wait()
			live := exampletest.Start(t, first.bin(t), exampletest.Opts{Args: first.args, Stdin: heldOpen(t), TmpDir: tmp})
			line = live.WaitFor("in another terminal")
			liveDir := filepath.Dir(strings.Fields(line[strings.Index(line, "-path ")+6:])[0])
			b := exampletest.Start(t, second.bin(t), exampletest.Opts{Args: second.args, Stdin: strings.NewReader("quit\n"), TmpDir: tmp})
			res := b.Wait()
			exampletest.Contains(t, res.Out, "an earlier run left "+dead, "rm -r "+dead)
			if strings.Contains(res.Out, liveDir) {
				t.Errorf("the live server's directory %s was named as left over:\n%s", liveDir, res.Out)
			}
			for _, d := range []string{dead, liveDir} {
				if _, err := os.Lstat(d); err != nil {
					t.Errorf("%s was touched: %v", d, err)
				}
			}
			live.Signal(syscall.SIGTERM)
			live.Wait()
			os.RemoveAll(dead)
		})
	}
}

// A datagram client, Go or C, never sends its line to a datagram server
// of another user (uid 65534), on a path (the socket file's owner) or on
// an abstract name (SCM_CREDENTIALS on the answer to an empty datagram).
func TestDgramClientKnowsItsServer(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		exampletest.Skip(t, "only root can start a process as uid 65534 (CAP_SETUID)")
	}
	dir := nobodyDir(t)
	for _, srv := range []string{"go", "c"} {
		for _, cl := range []peer{goClient, cClient} {
			for _, kind := range []string{"path", "abstract"} {
				srv, cl, kind := srv, cl, kind
				t.Run(srv+"-server-as-65534/"+cl.name+"-client/"+kind, func(t *testing.T) {
					t.Parallel()
					addr := []string{"-path", filepath.Join(dir, "sock-"+strings.ReplaceAll(t.Name(), "/", "-"))}
					if kind == "abstract" {
						addr = []string{"-abstract", abstractName(t)}
					}
					args := []string{"--reuid=65534", "--regid=65534", "--clear-groups", filepath.Join(dir, srv+"-server")}
					if srv == "go" {
						args = append(args, "server")
					}
					s := exampletest.Start(t, "setpriv", exampletest.Opts{Args: append(append(args, "-type", "dgram"), addr...), Stdin: heldOpen(t)})
					s.WaitFor("in another terminal")
					c := exampletest.Run(t, cl.bin(t), exampletest.Opts{Args: append(append(append([]string{}, cl.args...), "-type", "dgram"), addr...),
						Stdin: strings.NewReader("a line for my own server only\n"), Split: true})
					if c.Code() != 1 || !strings.Contains(c.Stderr, "not sending it anything") {
						t.Errorf("client: exit %d, want 1 and 'not sending it anything'; stderr:\n%s\nstdout:\n%s", c.Code(), c.Stderr, c.Out)
					}
					s.Signal(syscall.SIGTERM)
					res := s.Wait()
					// Each server prints one line per datagram it refuses: none on
					// a path, one (the empty question) on an abstract name.
					want := 0
					if kind == "abstract" {
						want = 1
					}
					if n := strings.Count(res.Out, "datagram from pid"); n != want || strings.Contains(res.Out, "a line for my own server only") {
						t.Errorf("the other user's server received %d datagrams, want %d (the line must never reach it):\n%s", n, want, res.Out)
					}
				})
			}
		}
	}
}

// nobodyDir is a directory (mode 1777) that uid 65534 may enter and write,
// with copies of the Go binary and of the C server and client that it may
// execute.
func nobodyDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "10-socket-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	copyFile(t, exampletest.Binary(t), filepath.Join(dir, "go-client"))
	copyFile(t, exampletest.Binary(t), filepath.Join(dir, "go-server"))
	copyFile(t, exampletest.BuildC(t, "c/client.c"), filepath.Join(dir, "c-client"))
	copyFile(t, exampletest.BuildC(t, "c/server.c"), filepath.Join(dir, "c-server"))
	return dir
}

// kill -9 leaves the socket file; the next server, in either language,
// finds it stale (connect: ECONNREFUSED) and takes the path; a third one,
// while that server lives, must refuse and leave its file alone (the
// tutorials' unconditional unlink() before bind() would delete it).
func TestStaleSocketFile(t *testing.T) {
	t.Parallel()
	for _, order := range [][2]peer{{goServer, cServer}, {cServer, goServer}, {goRoutines, goServer}, {cServer, goRoutines}} {
		first, second := order[0], order[1]
		t.Run(first.name+"-killed/"+second.name+"-next", func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "s.sock")
			args := func(p peer) []string { return append(append([]string{}, p.args...), "-path", path) }
			held := heldOpen(t)
			a := exampletest.Start(t, first.bin(t), exampletest.Opts{Args: args(first), Stdin: held})
			a.WaitFor("in another terminal")
			a.Signal(syscall.SIGKILL)
			a.Wait()
			if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
				t.Fatalf("after kill -9 the socket file should stay: %v %v", fi, err)
			}
			b := exampletest.Start(t, second.bin(t), exampletest.Opts{Args: args(second), Stdin: held})
			b.WaitFor("a stale socket file")
			b.WaitFor("in another terminal")
			c := exampletest.Run(t, first.bin(t), exampletest.Opts{Args: args(first), Stdin: held, Split: true})
			if c.Code() != 1 || !strings.Contains(c.Stderr, "a server is listening there") {
				t.Errorf("a server on a live path: exit %d, want 1 and 'a server is listening there'; stderr:\n%s", c.Code(), c.Stderr)
			}
			if _, err := os.Lstat(path); err != nil {
				t.Fatalf("the live server's socket file was removed: %v", err)
			}
			b.Signal(syscall.SIGTERM)
			res := b.Wait()
			if !res.Status.Signaled() || res.Status.Signal() != syscall.SIGTERM {
				t.Errorf("server: %v, want killed by SIGTERM", res.Status)
			}
			if _, err := os.Lstat(path); !os.IsNotExist(err) {
				t.Errorf("SIGTERM left the socket file: %v", err)
			}
		})
	}
}

// Ctrl-C, the terminal closed and kill: a server, Go or C, removes its
// socket file and its private directory and dies of that signal; a
// client killed with -9 leaves nothing, and the server goes on.
func TestServerEndings(t *testing.T) {
	t.Parallel()
	for _, srv := range []peer{goServer, goRoutines, cServer} {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM} {
			srv, sig := srv, sig
			t.Run(srv.name+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				s := exampletest.Start(t, srv.bin(t), exampletest.Opts{Args: srv.args, Stdin: heldOpen(t)})
				line := s.WaitFor("in another terminal")
				path := line[strings.Index(line, "-path ")+6:]
				path = strings.Fields(path)[0]
				c := exampletest.Start(t, exampletest.Binary(t), exampletest.Opts{Args: []string{"client", "-path", path}, Stdin: heldOpen(t)})
				c.WaitFor("the server is pid")
				c.Signal(syscall.SIGKILL)
				c.Wait()
				if _, err := os.Lstat(path); err != nil {
					t.Fatalf("the server's socket file is gone after its client's kill -9: %v", err)
				}
				unixSignalGroup(t, s.Pid(), sig)
				res := s.Wait() // checks that TMPDIR is empty: file and directory gone
				if !res.Status.Signaled() || res.Status.Signal() != sig {
					t.Errorf("server: %v, want killed by %v:\n%s", res.Status, sig, res.Out)
				}
			})
		}
	}
}

// SO_PEERCRED: a client running as uid 65534 is refused, by the Go and by
// the C server, and each says why. The client is started with
// SysProcAttr.Credential from a copy of the binary that uid 65534 may
// execute; the abstract name needs no file permission.
func TestPeerCredRefusesAnotherUser(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		exampletest.Skip(t, "only root can start a process as uid 65534 (CAP_SETUID)")
	}
	dir := nobodyDir(t)
	for _, srv := range []peer{goServer, goRoutines, cServer} {
		for _, cl := range []string{"go", "c"} {
			srv, cl := srv, cl
			t.Run(srv.name+"-server/"+cl+"-client", func(t *testing.T) {
				t.Parallel()
				name := abstractName(t)
				s := exampletest.Start(t, srv.bin(t), exampletest.Opts{Args: append(append([]string{}, srv.args...), "-abstract", name), Stdin: heldOpen(t)})
				s.WaitFor("in another terminal")
				args := []string{"-abstract", name}
				if cl == "go" {
					args = append([]string{"client"}, args...)
				}
				cmd := exec.Command(filepath.Join(dir, cl+"-client"), args...)
				cmd.Dir = dir
				cmd.Env = []string{"NO_COLOR=1", "TMPDIR=" + dir, "GORACE=atexit_sleep_ms=0"}
				cmd.Stdin = strings.NewReader("let me in\n")
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
				out, _ := cmd.CombinedOutput()
				if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "server# refused: uid 65534") {
					t.Errorf("client as uid 65534: exit %d, want 1 and the refusal:\n%s", code, out)
				}
				s.WaitFor("uid 65534")
				s.Signal(syscall.SIGTERM)
				s.Wait()
			})
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// pipe is a standard input the test writes as it goes.
func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); r.Close() })
	return r, w
}

// heldOpen is a standard input that never ends while the test runs.
func heldOpen(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); r.Close() })
	return r
}

func unixSignalGroup(t *testing.T, pid int, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(-pid, sig); err != nil {
		t.Fatal(err)
	}
}

// abstractName is an abstract socket name of this test's own: the
// abstract namespace belongs to the network namespace, which two go test
// runs at once share, so the name carries this process's PID.
func abstractName(t *testing.T) string {
	return fmt.Sprintf("10-socket-test-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-"))
}
