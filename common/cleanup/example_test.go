//go:build linux && (amd64 || arm64)

package cleanup_test

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cleanup"
)

// Make creates an object and registers its removal in one step, under
// cleanup's lock: an interrupt waits until both are done. ReleaseThen
// removes it and reports under the same lock, so "removed" is printed if
// and only if it is gone.
func ExampleMake() {
	dir, err := os.MkdirTemp("", "cleanup-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "myfifo")

	// mkfifo(path, 0600), with its undo
	fifo, err := cleanup.Make(func() (string, func() error, error) {
		if err := unix.Mkfifo(path, 0o600); err != nil {
			return "", nil, err
		}
		return "FIFO " + path, func() error { return os.Remove(path) }, nil
	})
	if err != nil {
		fmt.Println("mkfifo:", err)
		return
	}
	fi, err := os.Lstat(path)
	fmt.Println("a FIFO is there:", err == nil && fi.Mode()&os.ModeNamedPipe != 0)

	fifo.ReleaseThen(func(err error) {
		fmt.Println("removed, error:", err)
	})
	_, err = os.Lstat(path)
	fmt.Println("gone:", os.IsNotExist(err))
	fifo.Release() // a second release does nothing
	// Output:
	// a FIFO is there: true
	// removed, error: <nil>
	// gone: true
}

// A whole program: Catch first, every object made through Make, failures
// through FailText, the end through Exit rather than a return from main.
// Ctrl-C, SIGTERM, SIGHUP or a closed standard output at any point removes
// the FIFO and ends the program by that signal. (Compiled by go test, not
// run: Exit would end the test.)
func Example_program() {
	cleanup.Catch("maker")
	path := filepath.Join(os.TempDir(), fmt.Sprintf("myfifo-%d", os.Getpid()))
	fifo, err := cleanup.Make(func() (string, func() error, error) {
		if err := unix.Mkfifo(path, 0o600); err != nil {
			return "", nil, err
		}
		return "FIFO " + path, func() error { return os.Remove(path) }, nil
	})
	if err != nil {
		cleanup.FailText(fmt.Sprintf("maker %d: mkfifo %s: %v\n", os.Getpid(), path, err))
	}
	fmt.Println("made", path)
	fifo.ReleaseThen(func(err error) {
		if err == nil {
			fmt.Println("removed", path)
		}
	})
	cleanup.Exit(0)
}
