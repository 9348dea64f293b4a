//go:build linux && (amd64 || arm64)

// mmap_file.go is the Go port of c/mmap_file.c: two unrelated processes
// share a file through mmap(MAP_SHARED). The C line is quoted above the Go
// that makes the same call.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/say"
	"github.com/goipc/ipc-examples/common/syserr"
)

// fileCmd is "11-mmap file FILE [TEXT]", the command line of mmap_file.c.
func fileCmd(args []string) {
	// if (argc < 2 || argc > 3 || argv[1][0] == '\0' || (argc == 3 && argv[2][0] == '\0')) {
	//	fprintf(stderr, "usage: mmap_file FILE [TEXT]\n");
	if len(args) < 1 || len(args) > 2 || args[0] == "" || (len(args) == 2 && args[1] == "") {
		cmdline.Usage(usage, "file needs FILE and, to write, a TEXT that is not empty")
	}
	text := ""
	if len(args) == 2 {
		text = args[1]
	}
	mmapFile(say.New("mmap_file"), args[0], text)
}

// mmapFile is main() of mmap_file.c: write text into the file's first page
// through a shared mapping, or with text "" print what the page holds.
func mmapFile(me *say.Speaker, path, text string) {
	// long page = sysconf(_SC_PAGESIZE);
	page := os.Getpagesize()
	// setvbuf(stdout, NULL, _IOLBF, 0);
	// not ported: say writes each line with one write(2), unbuffered.

	// fd = open(argv[1], O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	// if (fd < 0) { perror("open"); return 1; }
	if err != nil {
		me.Fatal(syserr.Wrap("open(O_RDWR|O_CREAT|O_NOFOLLOW)", err, syserr.Meanings{
			unix.ELOOP:  "the path is a symbolic link: refused (O_NOFOLLOW)",
			unix.EACCES: "no permission to open or create it",
		}))
	}
	var st unix.Stat_t
	// if (fstat(fd, &st) < 0) { perror("fstat"); return 1; }
	if err := unix.Fstat(fd, &st); err != nil {
		me.Fatal(syserr.Wrap("fstat", err, nil))
	}
	// if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
	if st.Mode&unix.S_IFMT != unix.S_IFREG || int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		// fprintf(stderr, "mmap_file: %s: not a regular file of this user that only this user may write: refusing it\n", argv[1]);
		me.Fatal(refusal(path, st))
	}
	// if (st.st_size < page && ftruncate(fd, page) < 0) { perror("ftruncate"); return 1; }
	if st.Size < int64(page) {
		if err := unix.Ftruncate(fd, int64(page)); err != nil {
			me.Fatal(syserr.Wrap("ftruncate", err, nil))
		}
	}
	// p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p, err := unix.Mmap(fd, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	// if (p == MAP_FAILED) { perror("mmap"); return 1; }
	if err != nil {
		me.Fatal(syserr.Wrap("mmap(MAP_SHARED)", err, nil))
	}
	me.Kernel("/proc/self/maps: %s", mapsLine(uintptr(unsafe.Pointer(&p[0]))))
	// close(fd); /* the mapping keeps the file open */
	unix.Close(fd)
	if text != "" {
		// len = strlen(argv[2]);
		// if (len > (size_t)page - 1) len = page - 1;
		n := len(text)
		if n > page-1 {
			n = page - 1
		}
		// memset(p, 0, page);
		// memcpy(p, argv[2], len);
		for i := range p {
			p[i] = 0
		}
		copy(p, text[:n])
		// if (msync(p, page, MS_SYNC) < 0) { /* to the disk: the page cache is shared already */
		//	perror("msync");
		if err := unix.Msync(p, unix.MS_SYNC); err != nil {
			me.Fatal(syserr.Wrap("msync(MS_SYNC)", err, nil))
		}
		// printf("mmap_file %d: wrote \"%.*s\" into the mapping (%zu bytes)\n", (int)getpid(), (int)len, p, len);
		me.Printf("wrote %q into the mapping (%d bytes)", p[:n], n)
	} else {
		// printf("mmap_file %d: read \"%.*s\" from the mapping\n", (int)getpid(), (int)strnlen(p, page), p);
		me.Printf("read %q from the mapping", cString(p))
	}
	// if (munmap(p, page) < 0) { perror("munmap"); return 1; }
	if err := unix.Munmap(p); err != nil {
		me.Fatal(syserr.Wrap("munmap", err, nil))
	}
}

// cString is the bytes of b up to its first NUL, as %s prints a C string.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// refusal says why a file or /dev/shm name is not used: what it is,
// whose it is and who else may write it.
func refusal(path string, st unix.Stat_t) error {
	return fmt.Errorf("%s: uid %d's, mode %04o (type %o): not a regular file of this user "+
		"that only this user may write: refusing it", path, st.Uid, st.Mode&0o7777, st.Mode&unix.S_IFMT)
}

// shareFile is step 1: the parent writes through its mapping, then a child
// that shares no descriptor with it maps the same file and reads.
func shareFile(me *say.Speaker, dir string) {
	path := filepath.Join(dir, "shared")
	mmapFile(me, path, "hello from the parent")
	me.Printf("unmapped; the text is in the page cache, the file's own pages")
	c := child.Command("file-reader", path)
	c.StartOrFail(me)
	c.Reap(me)
	followChild(c)
	me.Printf("no read() or write() on the file by either process: the mapping is the file")
	me.GoNote("unix.Mmap returns a []byte over the mapping: no copy; unix.Munmap ends it")
}

// fileReader is the child of step 1: mmap_file FILE, another process that
// only knows the path.
func fileReader(args []string) {
	cleanup.Catch("reader")
	mmapFile(say.New("reader"), args[0], "")
	cleanup.Exit(0)
}
