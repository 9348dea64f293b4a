//go:build linux && (amd64 || arm64)

package main

func init() {
	const c = "exercises/05-storm/solution/c/storm.c"
	tests = append(tests, exerciseTest{
		name: "05-storm",
		solutions: [][]string{
			{"-dir", "exercises/05-storm/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"in read":   "no queue with key",
			"in msgrcv": "no queue with key",
			"handler":   "no queue with key",
			"type 2":    "no queue with key",
		},
		mutants: []mutant{{
			name:  "msgrcv is not retried on EINTR",
			src:   c,
			from:  "if (n == -1 && errno == EINTR) continue; /* never restarted: retry */",
			fails: map[string]string{"in msgrcv": "exited with status 1", "handler": "exited with status 1", "type 2": "exited with status 1"},
		}, {
			name: "no SA_RESTART",
			src:  c,
			from: "sa.sa_flags = SA_RESTART; /* read() goes on after the handler */",
			fails: map[string]string{"in read": "ended instead of waiting in msgrcv", "in msgrcv": "Interrupted system call",
				"handler": "after the storm", "type 2": "after the storm"},
		}, {
			name: "no handler: SIGUSR1 kills",
			src:  c,
			from: "if (sigaction(SIGUSR1, &sa, NULL) == -1) die(\"sigaction\");",
			fails: map[string]string{"in read": "ended instead of waiting", "in msgrcv": "killed by signal 10",
				"handler": "killed by signal 10", "type 2": "killed by signal 10"},
		}, {
			name:  "the queue is not removed",
			src:   c,
			from:  `if (msgctl(id, IPC_RMID, NULL) == -1) die("msgctl");`,
			fails: map[string]string{"type 2": "still in the kernel"},
		}, {
			name:  "Go: a raw msgrcv that gives up on EINTR",
			src:   "exercises/05-storm/solution/main.go",
			from:  "\t\tif e == unix.EINTR {\n\t\t\tcontinue // a signal came; nothing was received: call it again\n\t\t}\n",
			fails: map[string]string{"in msgrcv": "exited with status 1", "handler": "exited with status 1", "type 2": "exited with status 1"},
		}},
	})
}
