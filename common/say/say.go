//go:build linux && (amd64 || arm64)

// Package say prints the lines of an example.
//
// Every line says who printed it: the role of the process and its PID
// ("parent 4242: wrote 5 bytes"). Parent and child processes share one
// terminal, so without the tag a reader could not tell them apart. Each line
// is written with a single write(2), so lines from different processes never
// mix mid-line.
//
// Colour comes from github.com/fatih/color. It is off when NO_COLOR is set,
// when TERM=dumb, and when standard output is not a terminal; FORCE_COLOR=1
// turns it on anyway (NO_COLOR wins if both are set).
//
// The palette. Colour only ever marks; the text itself stays in the
// terminal's own colours, and every coloured piece is a foreground on a
// background of its own, so it reads the same on a dark and on a light
// terminal. Each pair has a contrast ratio of at least 4.5:1 (WCAG 2's
// formula, with the standard xterm 16-colour palette: red 205,0,0, green
// 0,205,0, yellow 205,205,0, blue 0,0,238, magenta 205,0,205, cyan
// 0,205,205, white 229,229,229, bright black 127,127,127, bright magenta
// 255,0,255, bright cyan 0,255,255, bright white 255,255,255):
//
//	[kernel]            bright white on blue      9.4:1
//	[Go vs C]           black on green            9.7:1
//	error: (a failure)  bright white on red       5.8:1, bold
//	an expected error   black on yellow           12.3:1 (Warnf: the lesson, not a crash)
//	parent/server/reader tag   black on cyan      10.6:1
//	child/client/writer tag    black on white     16.7:1
//	other role tags     black on bright magenta 6.7:1, black on bright cyan 16.8:1,
//	                    black on bright black 5.2:1, bright white on magenta 4.7:1
//
// Blue, green, red and yellow mean something; no role is given them.
package say

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/fatih/color"

	"github.com/goipc/ipc-examples/common/cleanup"
)

func init() {
	switch {
	case os.Getenv("NO_COLOR") != "":
		color.NoColor = true
	case os.Getenv("FORCE_COLOR") != "" && os.Getenv("FORCE_COLOR") != "0":
		color.NoColor = false
	}
	// Otherwise fatih/color has already decided: off for TERM=dumb and
	// for a standard output that is not a terminal.
}

// Speaker prints lines tagged with a role and a PID.
type Speaker struct {
	role string
	pid  int
	out  io.Writer
	tag  *color.Color
}

// New returns a Speaker for this process in the given role, writing to
// standard output.
func New(role string) *Speaker {
	return &Speaker{role: role, pid: os.Getpid(), out: os.Stdout, tag: roleColor(role)}
}

// To returns a copy of s that writes to w, for instance os.Stderr when
// standard output is the pipe under study.
func (s *Speaker) To(w io.Writer) *Speaker {
	c := *s
	c.out = w
	return &c
}

// tagText is "role pid", the prefix of every line.
func (s *Speaker) tagText() string { return fmt.Sprintf("%s %d", s.role, s.pid) }

// Printf prints one tagged line.
func (s *Speaker) Printf(format string, args ...interface{}) {
	s.line("", nil, fmt.Sprintf(format, args...))
}

// Kernel prints what the kernel holds at this moment (a /proc link, a file
// type, a /proc/sysvipc row), marked so it stands apart from the story.
func (s *Speaker) Kernel(format string, args ...interface{}) {
	s.line("[kernel]", color.New(color.FgHiWhite, color.BgBlue), fmt.Sprintf(format, args...))
}

// GoNote prints where Go differs from C, at the place it happens.
func (s *Speaker) GoNote(format string, args ...interface{}) {
	s.line("[Go vs C]", color.New(color.FgBlack, color.BgGreen), fmt.Sprintf(format, args...))
}

// Warnf prints an expected failure or a warning: the lesson, not a crash.
func (s *Speaker) Warnf(format string, args ...interface{}) {
	s.line("", color.New(color.FgBlack, color.BgYellow), fmt.Sprintf(format, args...))
}

func (s *Speaker) line(mark string, c *color.Color, text string) {
	var b strings.Builder
	s.format(&b, mark, c, text)
	write(s.out, b.String())
}

func (s *Speaker) format(b *strings.Builder, mark string, c *color.Color, text string) {
	render(b, s.tag.Sprint(s.tagText()), mark, c, text)
}

// render writes text after tag and mark, one tagged line per line of
// text. A line is printed as written: a narration string is the line (or
// lines) it prints, so a reader can grep the output and land on the code.
// The lines after the first of a marked text go under its text.
func render(b *strings.Builder, tag string, mark string, c *color.Color, text string) {
	for i, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		m := mark
		if i > 0 {
			m = strings.Repeat(" ", len(mark))
		}
		var body string
		switch {
		case mark == "" && c != nil: // the whole line is marked (Warnf)
			body = c.Sprint(l)
		case mark == "":
			body = l
		case i == 0 && c != nil: // the mark is coloured, the text is not
			body = c.Sprint(m) + " " + l
		default:
			body = m + " " + l
		}
		b.WriteString(tag + ": " + body + "\n")
	}
}

// write writes one piece of output with one write(2), unless the program
// is going down (common/cleanup), when a late line from another goroutine
// would be a lie. A write that fails is not ignored: EPIPE (standard
// output is a pipe whose reader is gone, as in "| head") ends the program
// as SIGPIPE would, after cleaning up; any other error (ENOSPC on
// /dev/full) is a failure, exit status 1. Either way what the program made
// is removed first.
func write(w io.Writer, text string) {
	if cleanup.Stopping() {
		return
	}
	_, err := io.WriteString(w, text)
	if err == nil {
		return
	}
	msg := fmt.Sprintf("%s: writing the output: %v\n", progName(), err)
	if cleanup.InCallback() {
		// Perhaps from a callback that holds common/cleanup's lock
		// ("removed ..." printed by ReleaseThen): Die or Fail would wait
		// for that lock forever. Later ends the program as soon as the
		// callback returns.
		if errors.Is(err, syscall.EPIPE) {
			cleanup.Later(syscall.SIGPIPE, "")
		} else {
			cleanup.Later(0, msg)
		}
		return
	}
	// Otherwise at once: nothing more of the program happens after its
	// output is lost.
	if errors.Is(err, syscall.EPIPE) {
		cleanup.Die(syscall.SIGPIPE)
	}
	cleanup.FailText(msg)
}

// Step prints a step header. Only the process that tells the story (the
// parent) prints steps, so they are not tagged.
func Step(n int, title string) {
	write(os.Stdout, "\n"+color.New(color.Bold).Sprintf("== Step %d: %s", n, title)+"\n")
}

// Fatal prints err to standard error, tagged, removes what the program
// made (common/cleanup) and exits with status 1: the exit status for "a
// call failed". If a signal is already ending the program, the signal
// wins and err is not printed: it is most likely the signal's doing.
func (s *Speaker) Fatal(err error) {
	var b strings.Builder
	s.format(&b, "error:", color.New(color.FgHiWhite, color.BgRed, color.Bold), err.Error())
	cleanup.FailText(b.String())
}

func progName() string {
	p := os.Args[0]
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// roleColor gives the common roles fixed colours, so "parent" looks the
// same in every example, and any other role a colour derived from its name.
// The tag is a badge: black (or bright white) on the role's colour, never
// one of the colours that mean something (see the package documentation).
func roleColor(role string) *color.Color {
	switch role {
	case "parent", "server", "reader":
		return color.New(color.FgBlack, color.BgCyan)
	case "child", "client", "writer":
		return color.New(color.FgBlack, color.BgWhite)
	}
	palette := [][]color.Attribute{
		{color.FgBlack, color.BgHiMagenta},
		{color.FgBlack, color.BgHiCyan},
		{color.FgBlack, color.BgHiBlack},
		{color.FgHiWhite, color.BgMagenta},
	}
	h := 0
	for _, r := range role {
		h = h*31 + int(r)
	}
	if h < 0 {
		h = -h
	}
	return color.New(palette[h%len(palette)]...)
}
