//go:build linux && (amd64 || arm64)

// ps_mine.go picks, out of all the lines ps -ef prints, the processes this
// program started: the shell popen runs and the command under it. Not in
// the article, which prints every line (-all does the same).
package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/goipc/ipc-examples/common/say"
)

// showMine prints the header of ps -ef and, of all the lines that follow,
// the processes this program started (its children and theirs): what ps
// lists changes on every run, the processes popen made do not.
func showMine(me *say.Speaker, lines []string, started int) {
	me.Printf("read: %s  (the header, spaces squeezed)", strings.Join(strings.Fields(lines[0]), " "))
	me.Printf("read %d lines, then end of file. ps lists every process;", len(lines))
	me.Printf("these are the ones that descend from me, pid %d:", os.Getpid())
	var procs []psLine
	for _, l := range lines[1:] {
		if pl, ok := parsePS(l); ok {
			procs = append(procs, pl)
		}
	}
	mine := descendants(procs, os.Getpid())
	for _, pl := range mine {
		me.Printf("PID %d PPID %d CMD %s", pl.pid, pl.ppid, pl.cmd)
	}
	switch {
	case len(mine) == 0:
		me.Printf("none: the command was not ps -ef itself, or ps missed it")
	case len(mine) > 1 && isShell(mine[0].cmd):
		me.Printf("popen started the shell, pid %d, and the shell started the command:", mine[0].pid)
		me.Printf("%d processes for one popen().", len(mine))
		me.Printf("pclose() waits for the shell, the shell for the command")
	case mine[0].pid == started && !isShell(mine[0].cmd):
		me.Printf("the shell replaced itself with the command (exec): pid %d,", started)
		me.Printf("the process popen started, is the command itself; no shell is left between")
	}
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
