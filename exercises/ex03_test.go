//go:build linux && (amd64 || arm64)

package main

func init() {
	const c = "exercises/03-fifo-server/solution/c/fifo.c"
	tests = append(tests, exerciseTest{
		name: "03-fifo-server",
		solutions: [][]string{
			{"-dir", "exercises/03-fifo-server/solution"},
			{"-c", c},
		},
		starter: map[string]string{
			"makes the FIFO": "there is no",
			"waits in open":  "there is no",
			"its one writer": "there is no",
			"arrives whole":  "there is no",
			"exactly once":   "there is no",
		},
		mutants: []mutant{{
			name:    "a record in two writes",
			src:     c,
			from:    `if (write(fd, rec, SIZE) != SIZE) die("write");`,
			to:      "write_all(fd, rec, h);\n        write_all(fd, rec + h, SIZE - h);",
			fails:   map[string]string{"arrives whole": "two writes were mixed", "exactly once": "not checked"},
			retries: 2,
		}, {
			name:  "the server forgets to unlink the FIFO",
			src:   c,
			from:  `if (unlink(path) < 0) die("unlink");`,
			fails: map[string]string{"its one writer": "is still there"},
		}, {
			name: "the server opens with O_NONBLOCK",
			src:  c,
			from: "int fd = open(path, O_RDONLY); /* blocks until a writer opens it */",
			to:   "int fd = open(path, O_RDONLY | O_NONBLOCK);",
			// It may even unlink the FIFO before the checker looks.
			fails: map[string]string{"makes the FIFO": "?", "waits in open": "", "its one writer": "?",
				"arrives whole": "?", "exactly once": "?"},
		}},
	})
}
