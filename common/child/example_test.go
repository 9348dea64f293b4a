//go:build linux && (amd64 || arm64)

package child_test

import (
	"fmt"
	"os"

	"github.com/goipc/ipc-examples/common/child"
)

// The parent's side of fork() and a pipe, in Go: the child is this
// program again in the role "example-reader" (TestMain, like an example's
// main, calls Dispatch with that role first), the pipe's read end is its
// fd 3, and the parent writes only once the child says it is ready.
func ExampleCommand() {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println(err)
		return
	}
	c := child.Command("example-reader")
	c.ExtraFiles = []*os.File{r} // fd 3 in the child
	if err := c.Start(); err != nil {
		fmt.Println(err)
		return
	}
	r.Close() // the child's end: our copy would hide the end of the data
	msg, err := c.WaitReady()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parent: the child is ready:", msg)
	fmt.Fprintln(w, "hello through the pipe")
	w.Close() // the child reads to end-of-file
	c.Wait()
	fmt.Println("parent: the child", child.Describe(c.ProcessState))
	// Output:
	// parent: the child is ready: reading fd 3
	// child: read "hello through the pipe\n"
	// parent: the child exited with status 0
}

// main hands over to a role before anything else: in the original process,
// which has no role, Dispatch returns at once; in a child it runs the
// role's function and exits. (Compiled by go test, not run.)
func ExampleDispatch() {
	child.Dispatch(map[string]func(args []string){
		"reader": func(args []string) {
			fmt.Println("child: reading", args)
		},
	})
	// the parent's part
	c := child.Command("reader", "fd", "3")
	if err := c.Run(); err != nil {
		fmt.Println(err)
	}
}
