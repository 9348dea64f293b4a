// 02-popen ports the popen program of the article "进程间IPC机制" (Linux
// inter-process communication), section 4 "标准流管道": popen("ps -ef", "r")
// starts a command and reads its output line by line, pclose() waits for it.
// It adds the other direction, popen("sort", "w"), what pclose() returns for
// a command that fails or is killed, and the shell that popen runs underneath:
// why untrusted text must never be pasted into it, and the form that runs no
// shell at all.
//
// Usage:
//
//	go run ./02-popen [-r COMMAND] [-all] [-w COMMAND]
//
//	-r COMMAND  the command to read from in step 1 (default "ps -ef")
//	-all        print every line ps -ef writes, as the article does
//	-w COMMAND  the command to write to in step 2 (default "sort")
//
// By default step 1 prints, of all the processes ps lists, only the ones
// this program started: the shell that popen runs and the command under it.
// The C originals, corrected, are in c/.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

const usage = `usage: 02-popen [-r COMMAND] [-all] [-w COMMAND]

  -r COMMAND  popen(COMMAND, "r") in step 1: read what it writes (default "ps -ef")
  -all        print every line of ps -ef, as the article does (default: only
              the processes this program started)
  -w COMMAND  popen(COMMAND, "w") in step 2: write lines it reads (default "sort")

COMMAND is run by /bin/sh -c, as popen does: pass only text you wrote yourself.
`

// shell is the program popen runs: glibc's _PATH_BSHELL, by absolute path,
// never looked up in $PATH.
const shell = "/bin/sh"

// fruit is what step 2 writes to its command, in this order.
var fruit = []string{"pear", "apple", "fig"}

func main() {
	// Ctrl-C, SIGTERM, SIGHUP and a closed standard output end this
	// program as the signal would, after ending every command it started.
	cleanup.Catch("parent")
	endCommandsOnInterrupt()

	fs := flag.NewFlagSet("02-popen", flag.ContinueOnError)
	readCmd := fs.String("r", "ps -ef", "the command to read from")
	all := fs.Bool("all", false, "print every line of ps -ef")
	writeCmd := fs.String("w", "sort", "the command to write to")
	say.Parse(fs, os.Args[1:], usage, 0, 0)
	if strings.TrimSpace(*readCmd) == "" || strings.TrimSpace(*writeCmd) == "" {
		say.Usage(usage, "-r and -w need a command")
	}

	p := say.New("parent")

	say.Step(1, fmt.Sprintf("popen(%q, \"r\"): read what the command writes, line by line (the article's program)", *readCmd))
	readFrom(p, *readCmd, *all)

	say.Step(2, fmt.Sprintf("popen(%q, \"w\"): write what the command reads", *writeCmd))
	writeTo(p, *writeCmd)

	say.Step(3, "what pclose() returns: the command's wait status")
	failing(p)

	say.Step(4, "the shell underneath: never paste untrusted input into sh -c")
	injection(p)

	say.Step(5, "what this process still holds")
	p.Kernel("open descriptors: %s", peek.FDSummary())
	cleanup.Exit(0)
}

// readFrom is the article's program: popen(cmd, "r"), fgets() until NULL,
// pclose().
func readFrom(p *say.Speaker, command string, all bool) {
	// if ((fp = popen(cmd, "r")) == NULL) { perror("popen"); exit(1); }
	s := mustPopen(p, command, "r")
	p.Printf("popen: %s -c %q started as pid %d; its standard output is a pipe to me", shell, command, s.cmd.Process.Pid)
	p.Kernel("my fd %d -> %s  (the read end; the write end is the command's fd 1)", peek.FileFD(s.f), peek.FDLink(peek.FileFD(s.f)))
	p.GoNote("Go has no popen. popen() is pipe() + fork() + exec of /bin/sh -c COMMAND with the\n" +
		"pipe as the command's standard output; exec.Command(\"/bin/sh\", \"-c\", COMMAND) with\n" +
		"an os.Pipe end as its Stdout is the same thing, and Wait() is pclose()'s wait4().")

	// while (fgets(buf, BUFSIZE, fp) != NULL) printf("%s", buf);
	// ReadString has no BUFSIZE: a line of any length comes back whole.
	lines := readLines(p, s.f)
	if !all && len(lines) > 0 && isPSHeader(lines[0]) {
		showMine(p, lines, s.cmd.Process.Pid)
	} else {
		for _, l := range lines {
			p.Printf("read: %s", l)
		}
		p.Printf("read %d lines, then end of file: the command has closed its standard output", len(lines))
	}

	// pclose(fp), and this time its result is looked at.
	status(p, s, s.pclose(p))
}

// showMine prints the header of ps -ef and, of all the lines that follow,
// the processes this program started (its children and theirs): what ps
// lists changes on every run, the processes popen made do not.
func showMine(p *say.Speaker, lines []string, started int) {
	p.Printf("read: %s  (the header, spaces squeezed)", strings.Join(strings.Fields(lines[0]), " "))
	p.Printf("read %d lines, then end of file. ps lists every process; the ones that descend from me, pid %d:", len(lines), os.Getpid())
	var procs []psLine
	for _, l := range lines[1:] {
		if pl, ok := parsePS(l); ok {
			procs = append(procs, pl)
		}
	}
	mine := descendants(procs, os.Getpid())
	for _, pl := range mine {
		p.Printf("PID %d PPID %d CMD %s", pl.pid, pl.ppid, pl.cmd)
	}
	switch {
	case len(mine) == 0:
		p.Printf("none: the command was not ps -ef itself, or ps missed it")
	case len(mine) > 1 && isShell(mine[0].cmd):
		p.Printf("popen started the shell, pid %d, and the shell started the command below it:\n"+
			"%d processes for one popen(). pclose() waits for the shell, the shell for the command", mine[0].pid, len(mine))
	case mine[0].pid == started && !isShell(mine[0].cmd):
		p.Printf("the shell replaced itself with the command (exec): pid %d, the process popen started,\n"+
			"is the command itself; no shell is left in between", started)
	}
}

// writeTo is popen(cmd, "w"): what we write becomes the command's standard
// input; its standard output is ours.
func writeTo(p *say.Speaker, command string) {
	// fp = popen("sort", "w");
	s := mustPopen(p, command, "w")
	pid := s.cmd.Process.Pid
	p.Printf("popen: %s -c %q started as pid %d; its standard input is a pipe from me,\n"+
		"its standard output is mine", shell, command, pid)
	p.Kernel("my fd %d -> %s, pid %d's fd 0 -> %s  (one pipe: I write, it reads)",
		peek.FileFD(s.f), peek.FDLink(peek.FileFD(s.f)), pid, peek.FDLinkOf(pid, 0))

	// fputs("pear\n", fp); ...
	feed(p, s, fruit)
	p.GoNote("C's fputs() fills the FILE's buffer, and nothing reaches the command before\n" +
		"fflush() or pclose(). An *os.File has no buffer: each WriteString is one write(2)\n" +
		"into the pipe (wrap it in a bufio.Writer to batch them as C does).")

	// pclose(fp): close our end first. The command reads end of file, and
	// only then can sort print anything: it must have seen every line.
	p.Printf("closing my end, as pclose() does first: the command reads end of file.\n" +
		"The lines without a tag that follow are the command's own, written to our\n" +
		"shared standard output, not read or printed by me")
	status(p, s, s.pclose(p))
}

// feed writes lines to a "w" stream, one write(2) each.
func feed(p *say.Speaker, s *stream, lines []string) {
	for _, l := range lines {
		// A write to a command that has gone makes the kernel send
		// SIGPIPE, which cleanup.Catch would take for the user's "| head"
		// and end the program; here it is the lesson, so for this one
		// write it is left to the Go runtime, which drops it.
		cleanup.Uncatch(unix.SIGPIPE)
		_, err := s.f.WriteString(l + "\n")
		cleanup.Catch("parent")
		if err != nil {
			// A command that does not read (true, or one that has
			// already exited) closes the pipe's only read end.
			p.Warnf("%v", syserr.Wrap("write", err, syserr.Meanings{
				unix.EPIPE: "the command has closed its standard input or exited without reading it all;\n" +
					"in C, SIGPIPE would kill this program",
			}))
			return
		}
		p.Printf("write: %s", l)
	}
}

// failing shows pclose()'s result for a command that fails and for one that
// is killed, as C reads it and as Go does.
func failing(p *say.Speaker) {
	// grep -c counts the matching lines, prints the count, and exits with
	// status 1 when there is none.
	s := mustPopen(p, "grep -c zebra", "w")
	p.Printf("popen(\"grep -c zebra\", \"w\"), pid %d: grep counts the lines with zebra in them\n"+
		"and exits with status 1 if there are none. There are none:", s.cmd.Process.Pid)
	feed(p, s, fruit)
	p.Printf("closing my end; grep prints its count, 0, itself:")
	ws := s.pclose(p)
	status(p, s, ws)
	explain(p, s, ws)

	// The shell sends itself SIGTERM ($$ is the shell's own PID).
	s = mustPopen(p, "kill -TERM $$", "r")
	p.Printf("popen(\"kill -TERM $$\", \"r\"), pid %d: the shell sends itself SIGTERM", s.cmd.Process.Pid)
	readLines(p, s.f)
	ws = s.pclose(p)
	status(p, s, ws)
	explain(p, s, ws)

	p.Printf("pclose() returns -1 only when wait4() itself fails: ECHILD if the command was\n" +
		"already reaped (SIGCHLD ignored, a second pclose). Then Wait() returns an error\n" +
		"that is not an *exec.ExitError, and this program stops with a named error.")
}

// explain spells out a wait status the way C and Go each report it.
func explain(p *say.Speaker, s *stream, ws syscall.WaitStatus) {
	switch {
	case ws.Exited():
		p.Printf("  C:  WIFEXITED(%d) is true, WEXITSTATUS(%d) is %d", int(ws), int(ws), ws.ExitStatus())
	case ws.Signaled():
		p.Printf("  C:  WIFSIGNALED(%d) is true, WTERMSIG(%d) is %d", int(ws), int(ws), int(ws.Signal()))
	}
	p.Printf("  Go: Wait() returns %q; ExitCode() is %d", s.cmd.ProcessState.String(), s.cmd.ProcessState.ExitCode())
	if ws.Signaled() {
		p.GoNote("ExitCode() is -1 for a command killed by a signal, whichever signal it was.\n" +
			"The signal is in the raw status: ProcessState.Sys().(syscall.WaitStatus).Signal().")
	}
}

// injection runs the same text through the shell and around it.
func injection(p *say.Speaker) {
	// Harmless, but it could as well have been "x; rm -rf ~".
	untrusted := "x; echo INJECTED by the shell"
	p.Printf("untrusted input (from a user, a file name, a web form): %q", untrusted)

	// popen(cmd, "r") with cmd built by snprintf("echo hello %s", input):
	// the shell parses the whole string, ";" included.
	command := "echo hello " + untrusted
	p.Warnf("unsafe: popen(\"echo hello \" + input, \"r\") runs %s -c %q", shell, command)
	s := mustPopen(p, command, "r")
	printAll(p, s)
	p.Warnf("the shell split the text at \";\" and ran a second command, chosen by whoever\n" +
		"wrote the input. Quoting it yourself is a trap: the input can close any quote.")

	// No shell: execve() gets the input as one argument, as it is.
	p.Printf("safe: exec.Command(\"echo\", \"hello\", input) runs no shell; execve() gets three\n" +
		"arguments, the input one of them, and nobody parses it")
	s = mustStart(p, exec.Command("echo", "hello", untrusted), "r")
	printAll(p, s)

	// If a pipeline or redirection is needed, the script stays a constant
	// and the input travels as an argument: "$1" is expanded, not parsed.
	script := `echo hello "$1"`
	p.Printf("safe with a shell: a constant script, the input as $1: %s -c %q sh INPUT", shell, script)
	c := exec.Command(shell, "-c", script, "sh", untrusted)
	c.Args[0] = "sh"
	s = mustStart(p, c, "r")
	printAll(p, s)

	p.GoNote("exec.Command(name, args...) runs no shell: each Go string is one argv entry of\n" +
		"execve(2), so ; | & $( ) * and quotes are just characters. popen() and system()\n" +
		"always run /bin/sh -c. Use the shell only with a constant script, and pass data\n" +
		"to it as arguments (\"$1\"), never inside the script.")
}

// printAll reads a "r" stream to its end, prints each line, and pcloses it.
func printAll(p *say.Speaker, s *stream) {
	for _, l := range readLines(p, s.f) {
		p.Printf("read: %s", l)
	}
	status(p, s, s.pclose(p))
}

// status prints pclose()'s result: the raw wait status, as C receives it,
// and what it means.
func status(p *say.Speaker, s *stream, ws syscall.WaitStatus) {
	line := fmt.Sprintf("pclose() = %d: pid %d %s", int(ws), s.cmd.Process.Pid, child.DescribeStatus(ws))
	if ws.Exited() && ws.ExitStatus() == 0 {
		p.Printf("%s", line)
		return
	}
	p.Warnf("%s", line)
}

// readLines reads a stream line by line until end of file, as the
// article's fgets() loop does, and returns the lines without their "\n".
func readLines(p *say.Speaker, f *os.File) []string {
	var lines []string
	br := bufio.NewReader(f)
	for {
		l, err := br.ReadString('\n')
		if l != "" {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
		if err == io.EOF {
			return lines
		}
		if err != nil {
			p.Fatal(syserr.Wrap("read", err, nil))
		}
	}
}

// stream is what popen() returns: our end of the pipe, and the process at
// the other end. C's FILE* hides the process: glibc keeps its PID in a list
// of popen streams, where pclose() finds it again.
type stream struct {
	f   *os.File // our end: the read end for "r", the write end for "w"
	cmd *exec.Cmd
}

// popen is popen(command, mode): /bin/sh -c command, with a pipe to its
// standard output (mode "r") or from its standard input (mode "w").
func popen(command, mode string) (*stream, error) {
	c := exec.Command(shell, "-c", command)
	c.Args[0] = "sh" // glibc passes argv[0] "sh": ps shows "sh -c ps -ef"
	return start(c, mode)
}

// start is popen for a command given as its argv, with or without a shell.
func start(c *exec.Cmd, mode string) (*stream, error) {
	if mode != "r" && mode != "w" {
		// glibc refuses "rw" too: a pipe goes one way.
		return nil, syserr.Wrap("popen", unix.EINVAL, syserr.Meanings{
			unix.EINVAL: `mode must be "r" or "w"`,
		})
	}
	// pipe(): glibc uses pipe2(O_CLOEXEC), as os.Pipe does.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, syserr.Wrap("popen: pipe", err, syserr.Meanings{
			unix.EMFILE: "this process has no free descriptor left (popen returns NULL)",
			unix.ENFILE: "the system-wide file table is full (popen returns NULL)",
		})
	}
	// The child inherits our standard input, output and error, except the
	// one that becomes its end of the pipe.
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	ours, theirs := r, w
	if mode == "r" {
		c.Stdout = w
	} else {
		ours, theirs = w, r
		c.Stdin = r
	}
	// fork() + exec(): Start returns once the exec has succeeded. Under
	// the cleanup lock, so that an interrupt never misses a command that
	// is being started (endCommandsOnInterrupt).
	cleanup.Locked(func() { err = c.Start() })
	// The child has its copy of its end. Ours must go: for "r", an open
	// write end here would keep us from ever reading end of file.
	theirs.Close()
	if err != nil {
		ours.Close()
		return nil, syserr.Wrap("popen: fork+exec "+c.Path, err, syserr.Meanings{
			unix.EAGAIN: "no more processes allowed (RLIMIT_NPROC or the system limit)",
			unix.ENOMEM: "not enough memory to start a process",
			unix.ENOENT: "the program does not exist",
			unix.EACCES: "the program is not executable",
		})
	}
	return &stream{f: ours, cmd: c}, nil
}

// pclose is pclose(stream): close our end, then wait4() for the command
// and return its raw wait status. Where C's pclose() returns -1 (wait4
// failed), this program stops with a named error.
func (s *stream) pclose(p *say.Speaker) syscall.WaitStatus {
	s.f.Close()
	// Wait until the command has ended without reaping it (WNOWAIT), then
	// reap it under the cleanup lock: so an interrupt never signals a PID
	// that was reaped meanwhile and given to another process.
	var info unix.Siginfo
	for unix.Waitid(unix.P_PID, s.cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
	}
	var err error
	cleanup.Locked(func() { err = s.cmd.Wait() })
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		p.Fatal(syserr.Wrap("pclose: wait4", err, syserr.Meanings{
			unix.ECHILD: "the command was already reaped: pclose() returns -1",
		}))
	}
	return s.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// mustPopen is popen(), and exit(1) on failure, which the article forgot.
func mustPopen(p *say.Speaker, command, mode string) *stream {
	s, err := popen(command, mode)
	if err != nil {
		p.Fatal(err)
	}
	return s
}

// mustStart is start(), and exit(1) on failure.
func mustStart(p *say.Speaker, c *exec.Cmd, mode string) *stream {
	s, err := start(c, mode)
	if err != nil {
		p.Fatal(err)
	}
	return s
}

// psLine is a line of ps -ef: UID PID PPID C STIME TTY TIME CMD.
type psLine struct {
	pid, ppid int
	cmd       string
}

// isPSHeader reports whether line is the header of ps -ef, whatever the
// column widths.
func isPSHeader(line string) bool {
	return strings.Join(strings.Fields(line), " ") == "UID PID PPID C STIME TTY TIME CMD"
}

func parsePS(line string) (psLine, bool) {
	f := strings.Fields(line)
	if len(f) < 8 {
		return psLine{}, false
	}
	pid, err1 := strconv.Atoi(f[1])
	ppid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return psLine{}, false
	}
	return psLine{pid: pid, ppid: ppid, cmd: strings.Join(f[7:], " ")}, true
}

// descendants are the processes below root (its children, theirs, ...), in
// the order ps listed them.
func descendants(procs []psLine, root int) []psLine {
	in := map[int]bool{root: true}
	for grew := true; grew; {
		grew = false
		for _, pl := range procs {
			if in[pl.ppid] && !in[pl.pid] {
				in[pl.pid] = true
				grew = true
			}
		}
	}
	var out []psLine
	for _, pl := range procs {
		if pl.pid != root && in[pl.pid] {
			out = append(out, pl)
		}
	}
	return out
}

func isShell(cmd string) bool {
	return strings.HasPrefix(cmd, "sh -c ") || strings.HasPrefix(cmd, shell+" -c ")
}

// endCommandsOnInterrupt makes sure that no command outlives this program,
// however it ends. The commands are its children, and a shell's command is
// the shell's child: killing the shell alone would orphan it. So this
// process becomes a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER): a
// process whose parent dies is handed to us rather than to init, and
// killing our children generation after generation reaches them all.
func endCommandsOnInterrupt() {
	unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) //nolint:errcheck // without it, only our own children are ended
	cleanup.Make(func() (string, func() error, error) { //nolint:errcheck // mk cannot fail
		return "", killDescendants, nil
	})
}

// killDescendants sends SIGKILL to every child of this process, waits
// until each is dead (its pidfd turns readable), and starts again with the
// children their deaths handed to us, until no new one appears. It runs
// under the cleanup lock, which start and pclose also take to fork and to
// reap, so no PID it reads can be reaped and reused meanwhile.
func killDescendants() error {
	done := map[int]bool{}
	for {
		var fds []int
		for _, pid := range children() {
			if done[pid] {
				continue
			}
			done[pid] = true
			fd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				continue
			}
			unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0) //nolint:errcheck // it may be dead already
			fds = append(fds, fd)
		}
		if len(fds) == 0 {
			return nil
		}
		for _, fd := range fds {
			poll := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			for {
				if _, err := unix.Poll(poll, -1); err != unix.EINTR {
					break
				}
			}
			unix.Close(fd)
		}
	}
}

// children are the PIDs of this process's children, from
// /proc/self/task/*/children (each thread has its own list).
func children() []int {
	var pids []int
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		b, _ := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
