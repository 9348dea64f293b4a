//go:build linux && (amd64 || arm64)

package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/exampletest"
)

// The errors of mkfifo and open that the article lists or meets, each
// provoked for real and checked as the Go and the C program print it:
// exit status 1, the call, the errno and what it means here.

// ENAMETOOLONG: a name over NAME_MAX (255) bytes, or a path over PATH_MAX
// (4096) bytes.
func TestMkfifoNameTooLong(t *testing.T) {
	t.Parallel()
	goBin, cBin := exampletest.Binary(t), exampletest.BuildC(t, "c/fifo_read.c")
	dir := t.TempDir()
	for _, path := range []string{
		filepath.Join(dir, strings.Repeat("n", 256)),
		dir + strings.Repeat("/.", 2100) + "/f",
	} {
		checkErrno(t, goBin, []string{"read", "-path", path},
			"mkfifo failed: ENAMETOOLONG (file name too long)\na name in the path is over NAME_MAX (255) bytes, or the path over PATH_MAX (4096)")
		checkErrno(t, cBin, []string{path}, "cannot create fifo: File name too long")
	}
}

// ENOSPC and EROFS: mkfifo on a tmpfs with no free inode, and on a
// read-only bind mount, each made in a private mount namespace (unshare -m:
// the mount is gone with the process, and nobody else sees it).
func TestMkfifoNoSpaceReadOnly(t *testing.T) {
	t.Parallel()
	if err := exec.Command("unshare", "-m", "true").Run(); err != nil {
		exampletest.Skip(t, "no private mount namespace here (unshare -m: "+err.Error()+"): needs CAP_SYS_ADMIN and unshare(1)")
	}
	goBin, cBin := exampletest.Binary(t), exampletest.BuildC(t, "c/fifo_read.c")
	for _, tc := range []struct {
		name, mount, goWant, cWant string
	}{
		// The root directory takes the only inode: the file system is full.
		{"ENOSPC", `mount -t tmpfs -o size=4k,nr_inodes=1 none "$d"`,
			"mkfifo failed: ENOSPC (no space left on device)\nthe file system has no room for a new file (no free inode)",
			"cannot create fifo: No space left on device"},
		{"EROFS", `mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"`,
			"mkfifo failed: EROFS (read-only file system)\nthe file system is mounted read-only",
			"cannot create fifo: Read-only file system"},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range []struct {
				bin  string
				args func(path string) []string
				want string
			}{
				{goBin, func(p string) []string { return []string{"read", "-path", p} }, tc.goWant},
				{cBin, func(p string) []string { return []string{p} }, tc.cWant},
			} {
				d := t.TempDir()
				script := `d=$1; shift; ` + tc.mount + ` && exec "$@"`
				args := append([]string{"-m", "sh", "-c", script, "sh", d, r.bin}, r.args(filepath.Join(d, "f"))...)
				checkErrno(t, "unshare", args, r.want)
				if ents, _ := os.ReadDir(d); len(ents) != 0 {
					t.Errorf("%s: the mount or the FIFO reached the test's own view: %v", tc.name, ents)
				}
			}
		})
	}
}

// EACCES: a program of uid 65534 and a FIFO of root, mode 0600, in a
// directory of root, mode 0755. The writer may not open it, the reader may
// not open it, and a reader may not make a FIFO in that directory.
func TestFIFOPermissionDenied(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		exampletest.Skip(t, "only root can start a process as uid 65534 (CAP_SETUID)")
	}
	dir, err := os.MkdirTemp("", "03-fifo-eacces-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	goBin, cw, cr := filepath.Join(dir, "03-fifo"), filepath.Join(dir, "fifo_write"), filepath.Join(dir, "fifo_read")
	copyExe(t, exampletest.Binary(t), goBin)
	copyExe(t, exampletest.BuildC(t, "c/fifo_write.c"), cw)
	copyExe(t, exampletest.BuildC(t, "c/fifo_read.c"), cr)
	fifo := filepath.Join(dir, "f")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bin  string
		args []string
		want string
	}{
		{goBin, []string{"write", "-path", fifo, "hello"}, "open(O_WRONLY|O_NONBLOCK|O_CLOEXEC) failed: EACCES (permission denied)\nno permission to write to the FIFO"},
		{cw, []string{fifo, "hello"}, "open: Permission denied"},
		{goBin, []string{"read", "-path", fifo}, "open(O_RDONLY|O_NONBLOCK|O_CLOEXEC) failed: EACCES (permission denied)\nno permission to read the FIFO"},
		{cr, []string{fifo}, "open: Permission denied"},
		{goBin, []string{"read", "-path", filepath.Join(dir, "new")}, "mkfifo failed: EACCES (permission denied)\nno permission to create a file in that directory"},
		{cr, []string{filepath.Join(dir, "new")}, "cannot create fifo: Permission denied"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, tc.bin, tc.args...)
		cmd.Env = []string{"NO_COLOR=1", "LC_ALL=C", "TMPDIR=" + dir, "GORACE=atexit_sleep_ms=0"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, _ := cmd.CombinedOutput()
		cancel()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(errorLines(string(out)), tc.want) {
			t.Errorf("%s %q as uid 65534: exit %d, want 1 and %q; output:\n%s", filepath.Base(tc.bin), tc.args, code, tc.want, out)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		t.Errorf("uid 65534 made a file in root's directory: %v", err)
	}
}

// checkErrno runs bin args, and wants exit status 1 and want on stderr.
func checkErrno(t *testing.T, bin string, args []string, want string) {
	t.Helper()
	res := exampletest.Run(t, bin, exampletest.Opts{Args: args, Split: true})
	if res.Code() != 1 || !strings.Contains(errorLines(res.Stderr), want) || strings.Contains(res.Out, "Preparing") {
		t.Errorf("%s %.80q: status %d, want 1 and %q; stdout %q, stderr %q", filepath.Base(bin), args, res.Code(), want, res.Out, res.Stderr)
	}
}

// errorLines is output without the tags ("writer 123: "), the "error: "
// mark and the indent under a mark: a failed call and what its errno means
// here, printed on two lines, read "CALL failed: ERRNO (text)\nMEANING",
// and a [kernel] line goes on "\n" and its next line.
func errorLines(s string) string { return tagRe.ReplaceAllString(s, "") }

var tagRe = regexp.MustCompile(`(?m)^[a-z-]+ \d+: (?:error: | *)`)

func copyExe(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
