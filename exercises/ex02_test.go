//go:build linux && (amd64 || arm64)

package main

func init() {
	const g = "exercises/02-spawn/solution/main.go"
	tests = append(tests, exerciseTest{
		name:      "02-spawn",
		solutions: [][]string{{"-dir", "exercises/02-spawn/solution"}},
		starter: map[string]string{
			"are pipes":        "no command process",
			"no shell":         "printed \"\"",
			"no deadlock":      "no output at all",
			"sees end of file": "want 100000",
			"wait status":      "want \"pclose: 768\"",
			"does not exist":   "want 127",
		},
		mutants: []mutant{{
			name:  "the command's input is never closed",
			src:   g,
			from:  "\t\tin.Close()            // end of file for the command\n",
			fails: map[string]string{"no deadlock": "these are still open", "sees end of file": "these are still open", "wait status": "?"},
		}, {
			name:  "all the input is written before any output is read",
			src:   g,
			from:  "\tgo func() {\n\t\tio.Copy(in, os.Stdin)",
			to:    "\tfunc() {\n\t\tio.Copy(in, os.Stdin)",
			fails: map[string]string{"no deadlock": "the pipe is full"},
		}, {
			name:  "through a shell",
			src:   g,
			from:  "cmd := exec.Command(os.Args[1], os.Args[2:]...)",
			to:    "cmd := exec.Command(\"/bin/sh\", \"-c\", strings.Join(os.Args[1:], \" \"))",
			more:  []string{"\t\"os/exec\"\n", "\t\"os/exec\"\n\t\"strings\"\n"},
			fails: map[string]string{"are pipes": "?", "no shell": "did a shell read the words", "wait status": "?", "does not exist": ""},
		}, {
			name:  "the exit code instead of the wait status",
			src:   g,
			from:  "uint32(ws))",
			to:    "ws.ExitStatus())",
			fails: map[string]string{"wait status": "want \"pclose: 768\""},
		}},
	})
}
