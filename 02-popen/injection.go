//go:build linux && (amd64 || arm64)

// injection.go shows the shell underneath popen(): text pasted into
// sh -c is parsed as code, and the forms that keep data data. Step 4 of
// 02-popen; not in the article.
package main

import (
	"os/exec"
	"strconv"
	"strings"

	"github.com/goipc/ipc-examples/common/say"
)

// injection runs the same text through the shell and around it.
func injection(me *say.Speaker) {
	// Harmless, but it could as well have been "x; rm -rf ~".
	untrusted := "x; echo INJECTED by the shell"
	me.Printf("untrusted input, from a user, a file name or a web form:")
	me.Printf("input = %q", untrusted)

	// popen(cmd, "r") with cmd built by snprintf("echo hello %s", input):
	// the shell parses the whole string, ";" included.
	command := "echo hello " + untrusted
	me.Warnf("unsafe: popen(\"echo hello \" + input, \"r\") runs")
	me.Warnf("%s -c %q", shell, command)
	s := mustPopen(me, command, "r")
	printAll(me, s)
	me.Warnf("the shell split the text at \";\" and ran a second command, chosen by")
	me.Warnf("whoever wrote the input. Quoting it yourself is easy to get wrong: the input")
	me.Warnf("can close the quote you put around it.")

	// No shell: execve() gets the input as one argument, as it is.
	c := exec.Command("echo", "hello", untrusted)
	me.Printf("safe: exec.Command(%s)", quoted(c.Args))
	me.Printf("runs no shell: execve() gets %d arguments, the input one of them,", len(c.Args))
	me.Printf("and nobody parses it")
	s = mustStart(me, c, "r")
	printAll(me, s)

	// If a pipeline or redirection is needed, the script stays a constant
	// and the input travels as an argument: "$1" is expanded, not parsed.
	script := `echo hello "$1"`
	me.Printf("safe with a shell: a constant script, the input as $1:")
	me.Printf("%s -c %q sh INPUT", shell, script)
	c = exec.Command(shell, "-c", script, "sh", untrusted)
	c.Args[0] = "sh"
	s = mustStart(me, c, "r")
	printAll(me, s)

	me.GoNote("exec.Command(name, args...) runs no shell: each Go string is one argv\n" +
		"entry of execve(2), so ; | & $( ) * and quotes are just characters.\n" +
		"popen() and system() always run /bin/sh -c. Use the shell only with a\n" +
		"constant script, and pass data to it as arguments (\"$1\"), never\n" +
		"inside the script.")
}

// printAll reads a "r" stream to its end, prints each line, and pcloses it.
func printAll(me *say.Speaker, s *stream) {
	for _, l := range readLines(me, s.f) {
		me.Printf("read: %s", l)
	}
	status(me, s, s.pclose(me))
}

// quoted is argv as Go literals: "echo", "hello", "x; echo ..."
func quoted(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, ", ")
}
