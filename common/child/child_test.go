//go:build linux && (amd64 || arm64)

package child_test

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/exampletest"
)

// The test binary plays the children itself: TestMain hands over to a role
// before the tests run, as an example's main() does.
func TestMain(m *testing.M) {
	child.Dispatch(map[string]func([]string){
		// Reads fd 3 to the end and sends back what it read.
		"echo-fd3": func(args []string) {
			b, err := io.ReadAll(child.File(0, "in"))
			if err != nil {
				os.Exit(3)
			}
			child.Ready(string(b))
		},
		// Exits with the status in args[0] without ever being ready.
		"die-early": func(args []string) {
			n, _ := strconv.Atoi(args[0])
			os.Exit(n)
		},
		// Reports whether it still has a role in its environment.
		"env": func(args []string) {
			child.Ready(fmt.Sprintf("role=%q ready=%q", os.Getenv("IPC_EXAMPLE_ROLE"), os.Getenv("IPC_EXAMPLE_READY_FD")))
		},
		// Starts a grandchild that blocks, prints its PID, and blocks too.
		"grandparent": func(args []string) {
			c := child.Command("blocker")
			if err := c.Start(); err != nil {
				os.Exit(4)
			}
			if _, err := c.WaitReady(); err != nil {
				os.Exit(5)
			}
			fmt.Printf("blocker pid %d\n", c.Process.Pid)
			block()
		},
		// ExampleCommand's child: reads the pipe at fd 3 to its end.
		"example-reader": func(args []string) {
			in := child.File(0, "pipe")
			child.Ready("reading fd 3")
			b, err := io.ReadAll(in)
			if err != nil {
				os.Exit(3)
			}
			fmt.Printf("child: read %q\n", b)
		},
		"blocker": func(args []string) {
			child.Ready("")
			block()
		},
	})
	exampletest.Main(m)
}

func block() {
	for {
		unix.Pause() // returns whenever the runtime's own signals arrive
	}
}

func TestExtraFilesAndReady(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := child.Command("echo-fd3")
	c.ExtraFiles = []*os.File{r}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if len(c.ExtraFiles) != 1 {
		t.Errorf("Start left %d ExtraFiles, want the caller's 1", len(c.ExtraFiles))
	}
	w.WriteString("hello\nworld")
	w.Close()
	msg, err := c.WaitReady()
	if err != nil {
		t.Fatal(err)
	}
	if msg != "hello world" { // the newline is folded: one message, one line
		t.Errorf("ready message %q, want %q", msg, "hello world")
	}
	if err := c.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}

func TestWaitReadyReportsEarlyDeath(t *testing.T) {
	c := child.Command("die-early", "7")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	_, err := c.WaitReady()
	if err == nil || !strings.Contains(err.Error(), "exited with status 7 before it was ready") {
		t.Fatalf("WaitReady error %v, want one saying it exited with status 7", err)
	}
}

// A child's own children must not believe they have a role.
func TestRoleIsForgotten(t *testing.T) {
	c := child.Command("env")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	msg, err := c.WaitReady()
	if err != nil {
		t.Fatal(err)
	}
	c.Wait()
	if msg != `role="" ready=""` {
		t.Errorf("child environment still has %s", msg)
	}
}

// Kill the parent with SIGKILL (no code of its runs): the kernel must kill
// its child too. The child blocks forever otherwise, so its end is the proof.
func TestChildDiesWithParent(t *testing.T) {
	p := exampletest.Start(t, os.Args[0], exampletest.Opts{Env: []string{child.RoleEnv("grandparent")}, Survivors: true})
	line := p.WaitFor("blocker pid ")
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "blocker pid "))
	if err != nil {
		t.Fatal(err)
	}
	// A pidfd becomes readable when its process exits, whoever is its
	// parent at that moment (the blocker's parent is about to change).
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	p.Signal(syscall.SIGKILL)

	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(time.Minute/time.Millisecond)) // a guard, not a synchronisation
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			unix.Kill(pid, unix.SIGKILL)
			t.Fatal("the child outlived its parent: Pdeathsig did not fire")
		}
		break
	}
	p.Wait() // reaps the parent, and the child's zombie, which comes to us
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		ws   syscall.WaitStatus
		want string
	}{
		{0, "exited with status 0"},
		{2 << 8, "exited with status 2"},
		{15, "was killed by signal 15 (SIGTERM)"},
		{6 | 0x80, "was killed by signal 6 (SIGABRT), core dumped"},
		{19<<8 | 0x7f, "was stopped by signal 19 (SIGSTOP)"},
	} {
		if got := child.DescribeStatus(tc.ws); got != tc.want {
			t.Errorf("DescribeStatus(%#x) = %q, want %q", uint32(tc.ws), got, tc.want)
		}
	}
	if got := child.Describe(nil); got != "has not been waited for" {
		t.Errorf("Describe(nil) = %q", got)
	}
}

// A foreign program gets the readiness pipe as fd 3 and no role.
func TestProgram(t *testing.T) {
	c := child.Program("/bin/sh", "-c", `echo "fd3 ok, role=[$IPC_EXAMPLE_ROLE]" >&3`)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	msg, err := c.WaitReady()
	if err != nil {
		t.Fatal(err)
	}
	if msg != "fd3 ok, role=[]" {
		t.Errorf("ready message %q", msg)
	}
	if err := c.Wait(); err != nil {
		t.Error(err)
	}
}

// A last line without its newline still says "ready"; closing the pipe
// without a word reads as death before readiness.
func TestProgramPartialLine(t *testing.T) {
	c := child.Program("/bin/sh", "-c", `printf ok >&3; exec 3>&-; read x`)
	c.Stdin = strings.NewReader("") // read gets end of input at once
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if msg, err := c.WaitReady(); err != nil || msg != "ok" {
		t.Errorf("WaitReady = %q, %v; want \"ok\"", msg, err)
	}
	c.Wait()
}
