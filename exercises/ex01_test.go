//go:build linux && (amd64 || arm64)

package main

func init() {
	tests = append(tests, exerciseTest{
		name: "01-duplex",
		solutions: [][]string{
			{"-dir", "exercises/01-duplex/solution"},
			{"-c", "exercises/01-duplex/solution/c/duplex.c"},
		},
		starter: map[string]string{
			"squares of 1..10": "no output at all",
			"a child process":  "no child process",
			"both sides":       "no child",
			"no deadlock":      "no output at all",
		},
		mutants: []mutant{{
			name: "the squarer keeps the write end of the numbers pipe",
			src:  "exercises/01-duplex/solution/c/duplex.c",
			from: "close(num[1]); /* or it never sees end of file on num[0] */",
			fails: map[string]string{
				"squares of 1..10": "still open",
				"both sides":       "still blocked in read",
				"no deadlock":      "still blocked in read",
			},
		}, {
			name:  "the parent keeps the write end of the squares pipe",
			src:   "exercises/01-duplex/solution/c/duplex.c",
			from:  "close(sq[1]); /* or the parent never sees end of file on sq[0] */",
			fails: map[string]string{"both sides": "these are still open", "no deadlock": "still blocked in read"},
		}, {
			name:  "no waitpid: zombies",
			src:   "exercises/01-duplex/solution/c/duplex.c",
			from:  `if (waitpid(feeder, &st1, 0) < 0 || waitpid(squarer, &st2, 0) < 0) die("waitpid");`,
			to:    "st1 = st2 = 0;",
			fails: map[string]string{"both sides": "zombie"},
		}, {
			name:  "the parent writes everything before it reads",
			src:   "exercises/01-duplex/solution/c/duplex.c",
			from:  "pid_t feeder = fork();\n    if (feeder < 0) die(\"fork\");\n    if (feeder == 0) {\n        close(sq[0]);\n        copy(0, num[1]);\n        _exit(0);\n    }",
			to:    "pid_t feeder = -1;\n    copy(0, num[1]);",
			fails: map[string]string{"both sides": "waitpid", "no deadlock": "the pipe is full"},
		}, {
			name:  "Go: the parent keeps its copy of the child's end of the squares pipe",
			src:   "exercises/01-duplex/solution/main.go",
			from:  "\tsqW.Close()\n",
			to:    "\n",
			fails: map[string]string{"both sides": "still", "no deadlock": "still"},
		}},
	})
}
