//go:build linux && (amd64 || arm64)

package main

import (
	_ "embed"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// machine is what the numbers depend on, printed above them.
type machine struct {
	CPU        string `json:"cpu"`
	CPUs       int    `json:"cpus"`
	Kernel     string `json:"kernel"`
	Arch       string `json:"arch"`
	Go         string `json:"go"`
	GCC        string `json:"gcc"`
	Load       string `json:"load"`          // /proc/loadavg before the run: 1, 5, 15 minutes
	PipeBuffer int    `json:"pipe_buffer"`   // F_GETPIPE_SZ of a new pipe
	SockBuffer int    `json:"socket_buffer"` // SO_SNDBUF of a new AF_UNIX stream socket
	MsgMax     int    `json:"msgmax"`        // /proc/sys/kernel/msgmax
	MsgMnb     int    `json:"msgmnb"`        // /proc/sys/kernel/msgmnb
}

func describeMachine(gccVersion string) machine {
	m := machine{CPU: cpuModel(), CPUs: onlineCPUs(), Arch: runtime.GOARCH, Go: runtime.Version(), GCC: gccVersion}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	var p [2]int
	if unix.Pipe2(p[:], unix.O_CLOEXEC) == nil {
		m.PipeBuffer, _ = unix.FcntlInt(uintptr(p[0]), unix.F_GETPIPE_SZ, 0)
		unix.Close(p[0])
		unix.Close(p[1])
	}
	if s, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err == nil {
		m.SockBuffer, _ = unix.GetsockoptInt(s[0], unix.SOL_SOCKET, unix.SO_SNDBUF)
		unix.Close(s[0])
		unix.Close(s[1])
	}
	m.MsgMax = procInt("/proc/sys/kernel/msgmax")
	m.MsgMnb = procInt("/proc/sys/kernel/msgmnb")
	return m
}

// cpuModel is the "model name" of /proc/cpuinfo (x86), or what arm64
// kernels print instead.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, key := range []string{"model name", "Model", "Hardware", "CPU part"} {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown"
}

func onlineCPUs() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for _, r := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		a, err1 := strconv.Atoi(lo)
		z := a
		var err2 error
		if isRange {
			z, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			return runtime.NumCPU()
		}
		n += z - a + 1
	}
	return n
}

func procInt(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// allowedCPUs lists the CPUs this process may run on, in order.
func allowedCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return []int{0}
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// cSource is the C peer, carried inside the binary so that it can be built
// wherever the program runs (go run, a built binary, a test).
//
//go:embed c/ipcbench.c
var cSource []byte

var errNoGCC = errors.New("gcc not found: the C peers cannot be built, only Go is measured (apt-get install gcc)")

// buildC compiles the C peer into dir with gcc -O2 and returns its path.
// The tests build the same file with -Wall -Wextra -Werror.
func buildC(dir string) (bin string, err error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", errNoGCC
	}
	src := filepath.Join(dir, "ipcbench.c")
	if err := os.WriteFile(src, cSource, 0o600); err != nil {
		return "", err
	}
	bin = filepath.Join(dir, "ipcbench")
	if out, err := exec.Command(gcc, "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		return "", errors.New("gcc -O2 c/ipcbench.c: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
}

// gccVersion is what gcc -dumpfullversion says, or "" without gcc.
func gccVersion() string {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return ""
	}
	v, err := exec.Command(gcc, "-dumpfullversion").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(v))
}
