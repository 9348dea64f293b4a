//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/peek"
	"github.com/goipc/ipc-examples/common/sysv"
)

// What the kernel says about a hung solution, in the words of the task:
// which call each process sleeps in (/proc/PID/task/TID/syscall, and
// /proc/PID/wchan), and for a pipe, which processes still hold its other
// end (/proc/PID/fd and /proc/PID/fdinfo): the usual reason a reader never
// sees end of file is a write end someone forgot to close.

// proc is one process as /proc/PID/stat shows it.
type proc struct {
	pid, ppid, pgrp, session int
	state, comm              string
}

func readProc(pid int) (proc, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return proc{}, false
	}
	s := string(b)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return proc{}, false
	}
	f := strings.Fields(s[j+1:])
	if len(f) < 4 {
		return proc{}, false
	}
	pp, _ := strconv.Atoi(f[1])
	pg, _ := strconv.Atoi(f[2])
	sid, _ := strconv.Atoi(f[3])
	return proc{pid: pid, ppid: pp, pgrp: pg, session: sid, state: f[0], comm: s[i+1 : j]}, true
}

// members are the processes of process group pgid.
func members(pgid int) []proc {
	var ps []proc
	for _, p := range ourProcs() {
		if p.pgrp == pgid {
			ps = append(ps, p)
		}
	}
	return ps
}

// groupProcs describes the processes of group pgid other than except.
func groupProcs(pgid, except int) []string {
	var out []string
	for _, p := range members(pgid) {
		if p.pid == except {
			continue
		}
		if p.state == "Z" {
			out = append(out, fmt.Sprintf("pid %d (%s) is a zombie: it ended and nobody waited for it", p.pid, p.comm))
		} else {
			out = append(out, fmt.Sprintf("pid %d (%s) is still running (state %s, in %s)", p.pid, p.comm, p.state, wchan(p.pid)))
		}
	}
	return out
}

func wchan(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/wchan")
	if len(b) == 0 || string(b) == "0" {
		return "no kernel function"
	}
	return string(b)
}

// pipeEnd is one open end of a pipe (or FIFO) in a process.
type pipeEnd struct {
	pid, fd int
	write   bool
	who     string // who holds it, for the learner ("the program")
}

// pipeEnds maps each pipe or FIFO (by its /proc link, "pipe:[1234]" or the
// FIFO's path) to the ends held by the given processes.
func pipeEnds(pids []int) map[string][]pipeEnd {
	m := map[string][]pipeEnd{}
	for _, pid := range pids {
		dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			fd, _ := strconv.Atoi(e.Name())
			link, err := os.Readlink(dir + e.Name())
			if err != nil {
				continue
			}
			if !strings.HasPrefix(link, "pipe:") {
				if st, err := os.Stat(dir + e.Name()); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
					continue
				}
			}
			m[link] = append(m[link], pipeEnd{pid: pid, fd: fd, write: fdWrites(pid, fd)})
		}
	}
	return m
}

// fdWrites reads the access mode of a descriptor from fdinfo's flags.
func fdWrites(pid, fd int) bool {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			return n&unix.O_ACCMODE != unix.O_RDONLY
		}
	}
	return false
}

// runtimeCalls are where an idle Go thread sleeps; a Go program blocked on
// a channel, a WaitGroup or a descriptor the runtime polls shows only these.
var runtimeCalls = map[uintptr]bool{unix.SYS_FUTEX: true, unix.SYS_EPOLL_PWAIT: true, unix.SYS_NANOSLEEP: true, unix.SYS_SCHED_YIELD: true}

// threadCall is the system call a thread is in now: number and arguments,
// or ok false when it is running or not in a call.
func threadCall(pid, tid int) (nr uintptr, args []int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, tid))
	if err != nil {
		return 0, nil, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 || f[0] == "running" || strings.HasPrefix(f[0], "-") {
		return 0, nil, false
	}
	n, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return 0, nil, false
	}
	for _, a := range f[1:] {
		v, _ := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, 64)
		args = append(args, int64(v))
	}
	return uintptr(n), args, true
}

func callName(nr uintptr) string {
	if n, ok := syscallNames[nr]; ok {
		return n
	}
	return fmt.Sprintf("system call %d", nr)
}

// fdCalls take a descriptor as first argument.
var fdCalls = map[uintptr]bool{unix.SYS_READ: true, unix.SYS_WRITE: true, unix.SYS_READV: true, unix.SYS_WRITEV: true}

// blockedReport says, for every process of the groups, where it sleeps.
func blockedReport(pgids []int, names map[int]string, extra ...int) string {
	var ps []proc
	in := map[int]bool{}
	for _, pg := range pgids {
		for _, p := range members(pg) {
			ps = append(ps, p)
			in[p.pid] = true
		}
	}
	for _, pid := range extra {
		if p, ok := readProc(pid); ok && !in[pid] {
			ps = append(ps, p)
		}
	}
	var pids []int
	for _, p := range ps {
		pids = append(pids, p.pid)
	}
	ends := pipeEnds(append(pids, os.Getpid()))
	byPid := map[int]proc{}
	for _, p := range ps {
		byPid[p.pid] = p
	}
	for _, es := range ends {
		for i := range es {
			if p, ok := byPid[es[i].pid]; ok {
				es[i].who = who(p, names)
			}
		}
	}
	var b strings.Builder
	if len(ps) == 0 {
		b.WriteString("\n      (no process is left; the output was not closed)")
	}
	// Processes that are in the same state are told once: twenty
	// zombies are one line.
	type group struct {
		who  string
		pids []string
	}
	var order []string
	groups := map[string]*group{}
	for _, p := range ps {
		var desc string
		switch {
		case p.state == "Z" && p.ppid == os.Getpid():
			desc = "has ended"
		case p.state == "Z":
			desc = "is a zombie: it ended and its parent has not waited for it"
		default:
			desc = blockedIn(p.pid, ends)
		}
		w := who(p, names)
		key := w + "\x00" + desc
		if groups[key] == nil {
			groups[key] = &group{who: w}
			order = append(order, key)
		}
		groups[key].pids = append(groups[key].pids, strconv.Itoa(p.pid))
	}
	for _, k := range order {
		g := groups[k]
		desc := k[strings.IndexByte(k, 0)+1:]
		if len(g.pids) == 1 {
			fmt.Fprintf(&b, "\n      pid %s (%s) %s", g.pids[0], g.who, desc)
		} else {
			desc = strings.NewReplacer("is a zombie", "are zombies", "is still", "are still", "has ended", "have ended",
				"it ended and its parent has not waited for it", "they ended and their parent has not waited for them").Replace(desc)
			fmt.Fprintf(&b, "\n      %d processes, pids %s (%s) %s", len(g.pids), strings.Join(g.pids, " "),
				strings.Replace(g.who, "a child of", "children of", 1), desc)
		}
	}
	return b.String()
}

// blockedIn says which call pid is blocked in, preferring a thread in a
// call the program made over the Go runtime's idle threads.
func blockedIn(pid int, ends map[string][]pipeEnd) string {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var idle string
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		nr, args, ok := threadCall(pid, tid)
		if !ok {
			continue
		}
		if runtimeCalls[nr] {
			if idle == "" {
				idle = callName(nr)
			}
			continue
		}
		s := "is still blocked in " + callName(nr)
		if fdCalls[nr] && len(args) > 0 {
			s += describeFD(pid, int(args[0]), nr == unix.SYS_WRITE || nr == unix.SYS_WRITEV, ends)
		}
		return s
	}
	if idle != "" {
		return fmt.Sprintf("is still waiting inside the Go runtime (%s: a channel, a WaitGroup, a lock, time.Sleep, or a read or write on a pipe the runtime polls)%s", idle, pipesOf(pid, ends))
	}
	return fmt.Sprintf("is running (not in a system call: a busy loop?), kernel function %s", wchan(pid))
}

// describeFD names what fd is and, for a pipe, who holds its other end.
func describeFD(pid, fd int, writing bool, ends map[string][]pipeEnd) string {
	link := peek.FDLinkOf(pid, fd)
	s := fmt.Sprintf(" on fd %d (%s)", fd, link)
	holders, ok := ends[link]
	if !ok {
		return s
	}
	var other []string
	for _, e := range holders {
		if e.write != writing {
			other = append(other, holder(e))
		}
	}
	switch {
	case !writing && len(other) > 0:
		s += ": it sees end of file only once every write end is closed, and these are still open: " + strings.Join(other, ", ")
	case !writing:
		s += ": nothing writes to it"
	case len(other) > 0:
		s += ": the pipe is full and its reader (" + strings.Join(other, ", ") + ") is not reading"
	}
	return s
}

// pipesOf lists the pipe ends pid holds and where their other ends are.
func pipesOf(pid int, ends map[string][]pipeEnd) string {
	var parts []string
	for link, es := range ends {
		for _, e := range es {
			if e.pid != pid || e.fd <= 2 && !strings.HasPrefix(link, "pipe:") {
				continue
			}
			var other []string
			for _, o := range es {
				if o.write != e.write {
					other = append(other, holder(o))
				}
			}
			dir := "reads"
			if e.write {
				dir = "writes"
			}
			if len(other) == 0 {
				other = []string{"none open"}
			}
			parts = append(parts, fmt.Sprintf("fd %d %s %s (other end: %s)", e.fd, dir, link, strings.Join(other, ", ")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return "; its pipes: " + strings.Join(parts, "; ")
}

// removeAllSysV removes every System V object in the caller's namespace
// (the checker's private one).
func removeAllSysV() {
	for _, kind := range []string{"msg", "sem", "shm"} {
		rows, _ := peek.SysVRows(kind)
		for _, r := range rows {
			id, _ := strconv.Atoi(r[map[string]string{"msg": "msqid", "sem": "semid", "shm": "shmid"}[kind]])
			switch kind {
			case "msg":
				sysv.Msgctl(id, unix.IPC_RMID, nil) // best effort
			case "sem":
				sysv.SemctlRmid(id)
			case "shm":
				unix.SysvShmCtl(id, unix.IPC_RMID, nil)
			}
		}
	}
}

// who names a process for the learner: the first process of a program
// (the one the checker started) or a child of another.
func who(p proc, names map[int]string) string {
	if n, ok := names[p.pid]; ok {
		return "the " + n
	}
	if n, ok := names[p.ppid]; ok {
		return "a child of the " + n
	}
	return fmt.Sprintf("%s, a child of %d", p.comm, p.ppid)
}

// holder names the process holding a pipe end.
func holder(e pipeEnd) string {
	if e.pid == os.Getpid() && e.write {
		return "the checker (it keeps your input open)"
	}
	if e.pid == os.Getpid() {
		return "the checker (it reads your output)"
	}
	if e.who != "" {
		return fmt.Sprintf("pid %d (%s) fd %d", e.pid, e.who, e.fd)
	}
	return fmt.Sprintf("pid %d fd %d", e.pid, e.fd)
}

func osReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, err
}
