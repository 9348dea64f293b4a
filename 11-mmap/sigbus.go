//go:build linux && (amd64 || arm64)

// sigbus.go is the Go port of c/sigbus.c: after ftruncate shrinks a file,
// touching its mapping past the new end gets SIGBUS. The C program dies of
// it. The Go runtime catches SIGBUS: by default it turns a fault in Go
// code into "unexpected fault address" and exits with status 2 (unless
// GOTRACEBACK=crash); with debug.SetPanicOnFault(true) the fault is a
// panic that recover can catch.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// faulted is the mapping and descriptor of a sigbusMain that faulted in
// this process (SetPanicOnFault): the C never gets to release them, the
// Go parent does after recover.
var faulted struct {
	p  []byte
	fd int
}

// sigbusMain is main() of sigbus.c: it maps a 2-page file, shrinks the
// file to one page and touches the second page again. Unless the caller
// set debug.SetPanicOnFault, the process does not come back from that.
func sigbusMain(me *say.Speaker, path string) {
	// long page = sysconf(_SC_PAGESIZE);
	page := os.Getpagesize()
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2), unbuffered.
	// if (argc != 2 || argv[1][0] == '\0') { fprintf(stderr, "usage: sigbus FILE\n"); return 2; }
	// not ported: the demo passes the path; no command line here.
	// fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
	// if (fd < 0) { perror("open"); return 1; }
	if err != nil {
		me.Fatal(syserr.Wrap("open(O_CREAT|O_EXCL)", err, nil))
	}
	// if (unlink(argv[1]) < 0) { /* the name goes; the open file stays */
	//	perror("unlink");
	if err := unix.Unlink(path); err != nil {
		me.Fatal(syserr.Wrap("unlink", err, nil))
	}
	// if (ftruncate(fd, 2 * page) < 0) { perror("ftruncate"); return 1; }
	if err := unix.Ftruncate(fd, int64(2*page)); err != nil {
		me.Fatal(syserr.Wrap("ftruncate", err, nil))
	}
	// p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p, err := unix.Mmap(fd, 0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	// if (p == MAP_FAILED) { perror("mmap"); return 1; }
	if err != nil {
		me.Fatal(syserr.Wrap("mmap(MAP_SHARED)", err, nil))
	}
	faulted.p, faulted.fd = p, fd
	// p[page] = 'x';
	p[page] = 'x'
	// printf("sigbus %d: wrote to the second page of a 2-page file\n", (int)getpid());
	me.Printf("wrote to the second page of a 2-page file")
	// if (ftruncate(fd, page) < 0) { perror("ftruncate"); return 1; }
	if err := unix.Ftruncate(fd, int64(page)); err != nil {
		me.Fatal(syserr.Wrap("ftruncate", err, nil))
	}
	// printf("sigbus %d: the file is 1 page now; touching the second page again\n", (int)getpid());
	me.Printf("the file is 1 page now; touching the second page again")
	// p[page] = 'y'; /* SIGBUS: the page is mapped, but no file is behind it */
	p[page] = 'y'
	// printf("sigbus %d: not reached\n", (int)getpid());
	me.Printf("not reached")
}

// sigbus is step 5: a child dies of the fault as the runtime handles it,
// then this process catches the same fault as a panic.
func sigbus(me *say.Speaker, dir string) {
	var stderr bytes.Buffer
	c := child.Command("toucher", filepath.Join(dir, "sigbus-child"))
	c.Stderr = &stderr
	c.StartOrFail(me)
	c.Reap(me)
	followChild(c)
	lines := strings.SplitN(stderr.String(), "\n", 4)
	if len(lines) < 3 {
		me.Fatal(fmt.Errorf("the child's standard error: %q", stderr.String()))
	}
	me.Printf("its standard error begins:")
	me.Printf("stderr: %s", lines[0])
	me.Printf("stderr: %s", lines[1])
	me.Printf("stderr: %s", lines[2])
	me.GoNote("the runtime catches SIGBUS: a fault in Go code is a fatal error, exit 2")
	me.GoNote("(SIGABRT with GOTRACEBACK=crash); the C twin is killed by SIGBUS itself")

	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		r := recover()
		e, ok := r.(interface{ Addr() uintptr })
		if !ok {
			panic(r)
		}
		me.Printf("recovered: %v", r)
		me.Printf("the fault was at address %#x", e.Addr())
		unix.Munmap(faulted.p)
		unix.Close(faulted.fd)
		me.GoNote("SetPanicOnFault made the fault a panic: for code that maps files")
		me.GoNote("others may shrink; the goroutine that faulted must not go on as before")
	}()
	me.Printf("with debug.SetPanicOnFault(true), the same in this process:")
	sigbusMain(me, filepath.Join(dir, "sigbus-parent"))
}

// toucher is the child of step 5: sigbus.c's main in a Go process.
func toucher(args []string) {
	cleanup.Catch("child")
	sigbusMain(say.New("child"), args[0])
	cleanup.Exit(0)
}
