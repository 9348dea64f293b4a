//go:build linux && (amd64 || arm64)

package main

func init() {
	const c = "exercises/08-bounded/solution/c/bb.c"
	tests = append(tests, exerciseTest{
		name: "08-bounded",
		solutions: [][]string{
			{"-dir", "exercises/08-bounded/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"makes a semaphore set": "neither a semaphore set nor a segment",
			"nothing to take":       "neither",
			"exactly once":          "neither",
			"at the end":            "neither",
			"no consumer":           "blocked in read on fd 0",
		},
		mutants: []mutant{{
			name:  "the consumers sleep and look instead of waiting in semop",
			src:   c,
			from:  "op(semid, FULL, -1); /* P(full): sleep until there is an item */",
			to:    "while (semctl(semid, FULL, GETVAL) == 0) usleep(1000);\n        op(semid, FULL, -1);",
			more:  []string{"#include <sys/shm.h>\n", "#include <sys/shm.h>\n#include <unistd.h>\n"},
			fails: map[string]string{"nothing to take": "sleep"},
		}, {
			name:  "the producer forgets to remove the set",
			src:   c,
			from:  `if (semctl(semid, 0, IPC_RMID) == -1) die("semctl IPC_RMID");`,
			fails: map[string]string{"at the end": "still in the kernel"},
		}, {
			name: "Go: the consumers poll with time.Sleep",
			src:  "exercises/08-bounded/solution/main.go",
			from: "\t\top(semid, full, -1) // P(full): sleep until there is an item\n",
			to: "\t\tfor {\n\t\t\tif v, _ := sysv.SemctlGetVal(semid, full); v > 0 {\n\t\t\t\tbreak\n\t\t\t}\n" +
				"\t\t\ttime.Sleep(time.Millisecond)\n\t\t}\n\t\top(semid, full, -1)\n",
			more:  []string{"\t\"strconv\"\n", "\t\"strconv\"\n\t\"time\"\n"},
			fails: map[string]string{"nothing to take": "Go runtime"},
		}},
	})
}
