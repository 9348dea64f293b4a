//go:build linux && (amd64 || arm64)

package main

func init() {
	const c = "exercises/07-echo/solution/c/echo.c"
	tests = append(tests, exerciseTest{
		name: "07-echo",
		solutions: [][]string{
			{"-dir", "exercises/07-echo/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"makes a queue":      "no queue with key",
			"your client gets":   "no queue with key",
			"PID as its message": "no queue with key",
			"eight clients":      "no queue with key",
			"on SIGTERM":         "no queue with key",
			"no server running":  "exited with status 0",
		},
		mutants: []mutant{{
			name:  "the answer is sent with the requests' type",
			src:   c,
			from:  "reply.mtype = pid;",
			to:    "reply.mtype = REQUEST;",
			fails: map[string]string{"your client gets": "not checked", "PID as its message": "with type 1", "eight clients": "not checked"},
		}, {
			name:  "the answer is sent with type 2",
			src:   c,
			from:  "reply.mtype = pid;",
			to:    "reply.mtype = 2;",
			fails: map[string]string{"your client gets": "not checked", "PID as its message": "with type 2", "eight clients": "not checked"},
		}, {
			name:  "no IPC_RMID on SIGTERM",
			src:   c,
			from:  "if (sigwait(set, &sig) == 0) msgctl(qid, IPC_RMID, NULL);",
			to:    "if (sigwait(set, &sig) == 0) _exit(0);",
			fails: map[string]string{"on SIGTERM": "is still in the kernel"},
		}, {
			name:  "the client creates the queue",
			src:   c,
			from:  "int id = msgget(key, 0);",
			to:    "int id = msgget(key, IPC_CREAT | 0600);",
			fails: map[string]string{"no server running": "your client created a queue"},
		}, {
			name:  "Go: the answer is sent with the requests' type",
			src:   "exercises/07-echo/solution/main.go",
			from:  "sysv.Msgsnd(id, pid, []byte(strings.ToUpper(text)), 0)",
			to:    "sysv.Msgsnd(id, request, []byte(strings.ToUpper(text)), 0)",
			fails: map[string]string{"your client gets": "not checked", "PID as its message": "with type 1", "eight clients": "not checked"},
		}},
	})
}
