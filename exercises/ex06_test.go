//go:build linux && (amd64 || arm64)

package main

func init() {
	const c = "exercises/06-shm-key/solution/c/shm.c"
	const readerRmid = "if (shmctl(id, IPC_RMID, NULL) == -1) die(\"shmctl\");"
	tests = append(tests, exerciseTest{
		name: "06-shm-key",
		solutions: [][]string{
			{"-dir", "exercises/06-shm-key/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"the writer makes": "no segment with key",
			"a reader started": "no segment with key",
			"marked for":       "no segment with key",
			"end normally":     "no segment with key",
			"of the reader":    "no segment with key",
			"of the writer":    "no segment with key",
		},
		mutants: []mutant{{
			name:  "the reader forgets IPC_RMID",
			src:   c,
			from:  readerRmid,
			fails: map[string]string{"marked for": "not marked for removal", "of the writer": "still in the kernel"},
		}, {
			name: "nobody calls IPC_RMID",
			src:  c,
			from: readerRmid,
			more: []string{"if (shmctl(id, IPC_RMID, NULL) == -1 && errno != EINVAL && errno != EIDRM) die(\"shmctl\");", ""},
			fails: map[string]string{"marked for": "not marked for removal", "end normally": "still in the kernel",
				"of the reader": "still in the kernel", "of the writer": "still in the kernel"},
		}, {
			name:  "Go: the reader forgets IPC_RMID",
			src:   "exercises/06-shm-key/solution/main.go",
			from:  "\t_, err = unix.SysvShmCtl(id, unix.IPC_RMID, nil)\n\tcheck(err)\n",
			fails: map[string]string{"marked for": "not marked for removal", "of the writer": "still in the kernel"},
		}},
	})
}
