//go:build linux && (amd64 || arm64)

// popen_sort.go is the Go port of c/popen_sort.c: popen(COMMAND, "w")
// (default "sort"), write three lines to the command's standard input,
// pclose(). Step 2 of 02-popen. The article shows only the "r" direction;
// the C twin is written in its style.
package main

import (
	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// fruit is what step 2 writes to its command, in this order.
var fruit = []string{"pear", "apple", "fig"}

// writeTo is popen(cmd, "w"): what we write becomes the command's standard
// input; its standard output is ours.
func writeTo(me *say.Speaker, command string) {
	// if ((fp = popen(cmd, "w")) == NULL) {
	// perror("popen");
	// exit(1);
	// (mustPopen ends the program, naming the call and its errno)
	s := mustPopen(me, command, "w")
	pid := s.cmd.Process.Pid
	me.Printf("popen: %s -c %q started as pid %d;", shell, command, pid)
	me.Printf("its standard input is a pipe from me, its standard output is mine")
	me.Kernel("my fd %d -> %s  (I write)", peek.FileFD(s.f), peek.FDLink(peek.FileFD(s.f)))
	me.Kernel("pid %d's fd 0 -> %s  (it reads: one pipe)", pid, peek.FDLinkOf(pid, 0))

	// The C's loop over fruit is feed's.
	feed(me, s, fruit)
	me.GoNote("C's fputs() fills the FILE's buffer, and nothing reaches the command\n" +
		"before fflush(), pclose() or a full buffer. An *os.File has no buffer:\n" +
		"each WriteString goes straight to write(2) (wrap it in a bufio.Writer\n" +
		"to batch them as C does).")

	// fflush(stdout);
	// not ported: say writes each line with one write(2), nothing is buffered
	// pclose(fp) closes our end first. The command reads end of file, and
	// only then can sort print anything: it must have seen every line.
	me.Printf("closing my end, as pclose() does first: the command reads end of file.")
	me.Printf("The untagged lines that follow are the command's own, written to the")
	me.Printf("standard output we share: I neither read nor print them")
	// st = pclose(fp);
	st := s.pclose(me)
	status(me, s, st)
}

// feed writes lines to a "w" stream, one write(2) each.
func feed(me *say.Speaker, s *stream, lines []string) {
	// for (i = 0; i < sizeof fruit / sizeof fruit[0]; i++) {
	for _, l := range lines {
		// if (fputs(fruit[i], fp) == EOF || fputc('\n', fp) == EOF) {
		// (one write(2) of the line and its newline: an *os.File has no buffer)
		// A write to a command that has gone makes the kernel send
		// SIGPIPE, which cleanup.Catch would take for the user's "| head"
		// and end the program; here it is the lesson, so for this one
		// write it is left to the Go runtime, which drops it.
		cleanup.Uncatch(unix.SIGPIPE)
		_, err := s.f.WriteString(l + "\n")
		cleanup.Catch("parent")
		if err != nil {
			// perror("fputs");
			// A command that does not read (true, or one that has
			// already exited) closes the pipe's only read end.
			me.Warnf("%v", syserr.Wrap("write", err, syserr.Meanings{
				unix.EPIPE: "the command is gone or closed its input",
			}))
			me.Printf("in C, the SIGPIPE that comes with EPIPE would kill this program")
			return
		}
		// printf("fputs: %s\n", fruit[i]);
		me.Printf("write: %s", l)
	}
}
