//go:build linux && (amd64 || arm64)

// popen_ps.go is the Go port of c/popen_ps.c, the article's program:
// popen(COMMAND, "r") (the article's "ps -ef"), print what it writes line
// by line, pclose(). Step 1 of 02-popen. What it shows of ps -ef by
// default, only this program's processes, is in ps_mine.go.
package main

import (
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
)

// readFrom is the article's program: popen(cmd, "r"), fgets() until NULL,
// pclose().
func readFrom(me *say.Speaker, command string, all bool) {
	// if ((fp = popen(cmd, "r")) == NULL) { perror("popen"); exit(1); }
	s := mustPopen(me, command, "r")
	me.Printf("popen: %s -c %q started as pid %d;", shell, command, s.cmd.Process.Pid)
	me.Printf("its standard output is a pipe to me")
	me.Kernel("my fd %d -> %s  (the read end)", peek.FileFD(s.f), peek.FDLink(peek.FileFD(s.f)))
	me.Printf("the write end is the command's fd 1")
	me.GoNote("Go has no popen. glibc's popen() is pipe2(O_CLOEXEC), a child\n" +
		"(posix_spawn: clone3 with CLONE_VM|CLONE_VFORK in glibc 2.36) and exec\n" +
		"of /bin/sh -c COMMAND, the pipe as its standard output.\n" +
		"exec.Command(\"/bin/sh\", \"-c\", COMMAND) with an os.Pipe end as its\n" +
		"Stdout does the same, and Wait() is pclose()'s wait: wait4() up to\n" +
		"Go 1.22, waitid() on a pidfd from Go 1.23 on Linux 5.4 or later.")

	// while (fgets(buf, BUFSIZE, fp) != NULL) printf("%s", buf);
	// ReadString has no BUFSIZE: a line of any length comes back whole.
	lines := readLines(me, s.f)
	if !all && len(lines) > 0 && isPSHeader(lines[0]) {
		showMine(me, lines, s.cmd.Process.Pid)
	} else {
		for _, l := range lines {
			me.Printf("read: %s", l)
		}
		me.Printf("read %d lines, then end of file: the command has closed its standard output", len(lines))
	}

	// return pclose_status(pclose(fp));
	// (the article threw pclose()'s result away: here it is looked at)
	status(me, s, s.pclose(me))
}
