//go:build linux && (amd64 || arm64)

// posix_shm.go is the Go port of c/posix_shm.c: POSIX shared memory, a
// name in /dev/shm that unrelated processes open and map. Go has no
// shm_open: glibc's is open("/dev/shm/NAME") with O_NOFOLLOW|O_CLOEXEC
// added (strace, glibc 2.36), and shm_unlink is unlink("/dev/shm/NAME"),
// so the port makes those calls itself.
package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// shmSize is SIZE in posix_shm.c: the object's size.
const shmSize = 4096

// shmCmd is "11-mmap shm /NAME [TEXT]", the command line of posix_shm.c.
func shmCmd(args []string) {
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2), unbuffered.
	// if (argc < 2 || argc > 3 || argv[1][0] != '/' || argv[1][1] == '\0' || strchr(argv[1] + 1, '/')) {
	//	fprintf(stderr, "usage: posix_shm /NAME [TEXT]\n");
	if len(args) < 1 || len(args) > 2 || !validShmName(args[0]) || (len(args) == 2 && args[1] == "") {
		cmdline.Usage(usage, "shm needs /NAME (one slash, at the start) and, to create, a TEXT that is not empty")
	}
	text := ""
	if len(args) == 2 {
		text = args[1]
	}
	me := say.New("posix_shm")
	if h := posixShmMain(me, args[0], text); h != nil {
		h.Forget() // left for a reader, as the C leaves it
		me.Printf("left %s for a reader: 11-mmap shm %s reads it and removes the name", shmPath(args[0]), args[0])
	}
}

func validShmName(name string) bool {
	return len(name) > 1 && name[0] == '/' && !strings.Contains(name[1:], "/")
}

// shmPath is where glibc's shm_open looks for name.
func shmPath(name string) string { return "/dev/shm" + name }

// posixShmMain is main() of posix_shm.c: with text, create the object and
// put text in it (the returned handle removes the name whatever ends the
// run, until Forget); without, open it, print its text and remove the
// name.
func posixShmMain(me *say.Speaker, name, text string) *cleanup.Handle {
	var fd int
	var h *cleanup.Handle
	var err error
	if text != "" {
		fd, h = shmCreate(me, name)
	} else {
		// fd = shm_open(argv[1], O_RDWR, 0);
		fd, err = unix.Open(shmPath(name), unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			me.Fatal(syserr.Wrap("shm_open(O_RDWR)", err, syserr.Meanings{
				unix.ENOENT: "no such name: create it first (11-mmap shm " + name + " TEXT)",
				unix.EACCES: "the object is someone else's, and not open to this user",
			}))
		}
		var st unix.Stat_t
		// if (fstat(fd, &st) < 0) { perror("fstat"); return 1; }
		if err := unix.Fstat(fd, &st); err != nil {
			me.Fatal(syserr.Wrap("fstat", err, nil))
		}
		// if (st.st_uid != geteuid() || (st.st_mode & 022) || st.st_size < SIZE) {
		if int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 || st.Size < shmSize {
			// fprintf(stderr, "posix_shm: %s: not this user's, writable by others or too small: refusing it\n", argv[1]);
			me.Fatal(fmt.Errorf("%s: uid %d's, mode %04o, %d bytes: not this user's, writable by others "+
				"or too small: refusing it", shmPath(name), st.Uid, st.Mode&0o7777, st.Size))
		}
	}
	// p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p, err := unix.Mmap(fd, 0, shmSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	// if (p == MAP_FAILED) { perror("mmap"); return 1; }
	if err != nil {
		me.Fatal(syserr.Wrap("mmap(MAP_SHARED)", err, nil))
	}
	// close(fd);
	unix.Close(fd)
	if text != "" {
		// len = strlen(argv[2]);
		// if (len > SIZE - 1) len = SIZE - 1;
		n := len(text)
		if n > shmSize-1 {
			n = shmSize - 1
		}
		// memcpy(p, argv[2], len);
		copy(p, text[:n])
		// printf("posix_shm %d: shm_open(\"%s\", O_CREAT|O_EXCL, 0600), wrote \"%.*s\"\n", (int)getpid(), argv[1], (int)len, p);
		me.Printf("shm_open(%q, O_CREAT|O_EXCL, 0600), wrote %q", name, p[:n])
		me.Kernel("%s", lsLine(shmPath(name)))
	} else {
		// printf("posix_shm %d: shm_open(\"%s\"), read \"%.*s\"\n", (int)getpid(), argv[1], (int)strnlen(p, SIZE), p);
		me.Printf("shm_open(%q), read %q", name, cString(p))
		// if (shm_unlink(argv[1]) < 0) { perror("shm_unlink"); return 1; }
		if err := unix.Unlink(shmPath(name)); err != nil {
			me.Fatal(syserr.Wrap("shm_unlink", err, nil))
		}
		// printf("posix_shm %d: shm_unlink(\"%s\"): the name is gone\n", (int)getpid(), argv[1]);
		me.Printf("shm_unlink(%q): the name is gone", name)
	}
	// if (munmap(p, SIZE) < 0) { perror("munmap"); return 1; }
	if err := unix.Munmap(p); err != nil {
		me.Fatal(syserr.Wrap("munmap", err, nil))
	}
	return h
}

// unlinkOwn removes path if it is this user's: never another's, even one
// that took the name after ours was removed.
func unlinkOwn(path string) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		if err == unix.ENOENT {
			return nil // removed already (the reader's shm_unlink)
		}
		return err
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is uid %d's now: not removing it", path, st.Uid)
	}
	return unix.Unlink(path)
}

// lsLine is path as ls -l shows its mode, owner and size.
func lsLine(path string) string {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return path + ": " + syserr.Name(err.(unix.Errno))
	}
	return fmt.Sprintf("%s: a file on tmpfs, mode %s, uid %d, %d bytes", path, os.FileMode(st.Mode&0o777), st.Uid, st.Size)
}

// posixShm is step 4: the parent creates the name, a child that knows only
// the name reads it and removes it.
func posixShm(me *say.Speaker) {
	name := fmt.Sprintf("/%s%d", prefix, os.Getpid())
	h := posixShmMain(me, name, "hello through /dev/shm")
	me.GoNote("no shm_open in Go: glibc's is open(\"/dev/shm/NAME\", flags|O_NOFOLLOW|O_CLOEXEC),")
	me.GoNote("and the port makes that call itself; shm_unlink is unlink")
	c := child.Command("shm-reader", name)
	c.StartOrFail(me)
	c.Reap(me)
	followChild(c)
	var st unix.Stat_t
	if err := unix.Lstat(shmPath(name), &st); err == unix.ENOENT {
		h.Forget() // the reader removed it
		me.Kernel("%s: ENOENT: the name is gone; the memory went with the last unmap", shmPath(name))
	} else {
		me.Fatal(fmt.Errorf("%s is still there after the reader", shmPath(name)))
	}
}

// shmReader is the child of step 4: posix_shm /NAME.
func shmReader(args []string) {
	cleanup.Catch("reader")
	posixShmMain(say.New("reader"), args[0], "")
	cleanup.Exit(0)
}

// shmCreate is posix_shm.c's creating branch: shm_open(O_CREAT|O_EXCL)
// registered for removal in the same step, and ftruncate to SIZE.
func shmCreate(me *say.Speaker, name string) (int, *cleanup.Handle) {
	var fd int
	// fd = shm_open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
	h, err := cleanup.Make(func() (string, func() error, error) {
		var err error
		fd, err = unix.Open(shmPath(name), unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return "", nil, err
		}
		return shmPath(name), func() error { return unlinkOwn(shmPath(name)) }, nil
	})
	if err != nil {
		// perror("shm_open");
		me.Fatal(syserr.Wrap("shm_open(O_RDWR|O_CREAT|O_EXCL)", err, syserr.Meanings{
			unix.EEXIST: "the name exists already (an earlier run's, or someone else's)",
			unix.ENOENT: "no /dev/shm: POSIX shared memory needs that tmpfs mounted",
		}))
	}
	// if (ftruncate(fd, SIZE) < 0) { perror("ftruncate"); return 1; }
	if err := unix.Ftruncate(fd, shmSize); err != nil {
		me.Fatal(syserr.Wrap("ftruncate", err, nil))
	}
	return fd, h
}
