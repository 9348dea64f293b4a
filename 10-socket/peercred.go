//go:build linux && (amd64 || arm64)

package main

// Step 7: SO_PEERCRED. The kernel records the PID, UID and GID of the
// process that called connect() (the client's end) or listen() (the
// server's), as they were at that moment, and the other end reads them:
// no key to guess, no 0666 mode, and a process cannot make the kernel
// record someone else's. What the kernel vouches for is that moment only:
// the socket may since have been inherited across fork or passed to
// another process (SCM_RIGHTS), that process may have changed its uid, and
// the PID may belong to another process by now. This is the answer to
// 07's "any local user may read and inject messages". A client of
// another user is refused, and the server says why.

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
)

// nobody is the user the demo's foreign client runs as.
const nobody = 65534

func peerCreds(me *say.Speaker) {
	if os.Getuid() != 0 {
		me.Warnf("not shown: starting a process as another user needs root (CAP_SETUID); " +
			"try it with two users: go run ./10-socket server -abstract NAME, and the client as the other")
		return
	}
	name := fmt.Sprintf("10-socket-%d-cred", os.Getpid())
	srv := child.Command("server", "-abstract", name)
	in, done := quietInput(me)
	defer done()
	srv.Stdin = in
	srv.Cleans = true
	srv.Stderr = os.Stdout // its cleanup report, in order with the rest
	start(me, srv)
	// The abstract name needs no file permission: a socket file in our
	// 0700 directory would have stopped uid 65534 with EACCES at connect.
	cl := child.Command("as-nobody", "-abstract", name)
	cl.Stdin = strings.NewReader("let me in\n")
	me.Printf("starting a client that becomes uid %d gid %d (setgid, setuid), then connects", nobody, nobody)
	start(me, cl)
	_ = cl.Wait() // the status is what we report
	me.Printf("waitpid (Go: waitid): child %d (client) %s", cl.Process.Pid, child.Describe(cl.ProcessState))
	signal(me, srv, syscall.SIGTERM, ": nothing to unlink on an abstract name")
	reap(me, srv, syscall.SIGTERM)
}

// asNobody is the client, run as uid and gid 65534 with no supplementary
// groups. Go's syscall.Setuid changes every thread of the process (since
// Go 1.16, through AllThreadsSyscall), as a C program's setuid() does.
func asNobody(args []string) {
	cleanup.Catch("client")
	me := say.New("client")
	for _, step := range []struct {
		name string
		f    func() error
	}{
		{"setgroups([])", func() error { return syscall.Setgroups(nil) }},
		{"setgid", func() error { return syscall.Setgid(nobody) }},
		{"setuid", func() error { return syscall.Setuid(nobody) }},
	} {
		if err := step.f(); err != nil {
			me.Fatal(fmt.Errorf("%s: %v", step.name, err))
		}
	}
	me.Printf("now uid %d gid %d", os.Getuid(), os.Getgid())
	client(args)
}
