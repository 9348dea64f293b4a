//go:build linux && (amd64 || arm64)

package main

func init() {
	const c = "exercises/04-reaper/solution/c/reaper.c"
	tests = append(tests, exerciseTest{
		name: "04-reaper",
		solutions: [][]string{
			{"-dir", "exercises/04-reaper/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"starts 20 children": "had 0 children",
			"when all 20 end":    "no children",
			"exits with status":  "no children",
			"on SIGTERM":         "no children",
		},
		mutants: []mutant{{
			name:  "one waitpid per SIGCHLD",
			src:   c,
			from:  "while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {",
			to:    "if ((pid = waitpid(-1, &st, WNOHANG)) > 0) {",
			fails: map[string]string{"when all 20 end": "zombies", "exits with status": "zombies", "on SIGTERM": "?"},
		}, {
			name: "the children keep the parent's SIGTERM handler",
			src:  c,
			from: "signal(SIGTERM, SIG_DFL);",
			// A child that takes SIGTERM in the handler while it reads
			// ends otherwise than by SIGTERM; one that takes it before
			// its read() starts then sleeps in read forever (seen under
			// go test -race): both are this mistake.
			fails: map[string]string{"on SIGTERM": "that is not how the child ended | still blocked in read"},
		}, {
			name:  "kill to one child instead of the group",
			src:   c,
			from:  "if (kill(-pgid, SIGTERM) < 0)",
			to:    "if (kill(pgid, SIGTERM) < 0)",
			fails: map[string]string{"on SIGTERM": "still blocked in read"},
		}, {
			name:  "no group of their own",
			src:   c,
			from:  "setpgid(0, pgid); /* pgid 0: a new group, named by this PID */",
			more:  []string{"setpgid(pid, pgid); /* the parent too: whoever runs first, it is done */", ""},
			fails: map[string]string{"starts 20 children": "in its own process group", "on SIGTERM": ""},
		}},
	})
}
