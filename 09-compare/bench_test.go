//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The Go paths of the comparison, measured with Go's own tooling:
//
//	go test -bench . ./09-compare
//	go test -bench 'RoundTrip/pipe' -benchtime 20000x ./09-compare
//
// This process plays peer a (the ping, or the sender), pinned to the first
// allowed CPU and set up as the peer processes are (peerArgs.prepare), with
// the very links and loops of the comparison; peer b is this test binary
// run again in the role "peer", pinned to the second CPU. A round trip
// reports its mean as ns/op and its median and p99 beside; a stream
// reports MB/s. The C side is not here: run the program for it.

const benchWarm = 100

func BenchmarkRoundTrip(b *testing.B) {
	for _, m := range mechanisms {
		for _, p := range m.goPaths {
			for _, size := range m.sizes {
				m, p, size := m, p, size
				b.Run(fmt.Sprintf("%s/%s/%dB", m.name, p, size), func(b *testing.B) { benchPair(b, m, p, job{"rtt", size}) })
			}
		}
	}
}

func BenchmarkStream(b *testing.B) {
	for _, m := range mechanisms {
		if m.chunk == 0 || m.name == "memcpy" {
			continue
		}
		for _, p := range m.goPaths {
			m, p := m, p
			b.Run(fmt.Sprintf("%s/%s/%dKiB", m.name, p, m.chunk>>10), func(b *testing.B) { benchPair(b, m, p, job{"tput", m.chunk}) })
		}
	}
}

// BenchmarkMemcpy is the limit of the shared memory stream: copy() of 64
// KiB chunks into a ring of slots.
func BenchmarkMemcpy(b *testing.B) {
	b.SetBytes(chunk64K)
	ns, err := memcpyBandwidth(chunk64K, shmSlots, b.N*chunk64K)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(ns)/float64(b.N), "ns/op")
}

func benchPair(b *testing.B, m *mechanism, path string, j job) {
	b.Setenv("GORACE", "atexit_sleep_ms=0")
	cpuA, cpuB := -1, -1
	if cpus := allowedCPUs(); len(cpus) > 1 {
		cpuA, cpuB = cpus[0], cpus[1]
	}
	bn := &bench{tmp: b.TempDir(), guard: 10 * time.Minute, spin: ringSpinDefault}
	o, err := bn.makeObjects(m, j)
	if err != nil {
		b.Fatal(err)
	}
	defer o.release()

	// Peer b, a process of its own.
	pb := o.args
	pb.mech, pb.role, pb.metric, pb.size, pb.cpu = m.name, "b", j.metric, j.size, cpuB
	pb.count, pb.warm = b.N, benchWarm
	if j.metric == "tput" {
		pb.count, pb.warm = b.N*j.size, 0
	}
	peerB, err := bn.startPeer(side{lang: "go", path: path}, pb, o.files["b"])
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if peerB != nil {
			peerB.kill()
		}
	}()

	// Peer a: this goroutine, set up as the peer process sets itself up
	// (prepare: this whole process pinned, GOMAXPROCS 1, ...), and put
	// back afterwards.
	pa := pb
	pa.role, pa.path, pa.cpu, pa.rfd, pa.wfd = "a", path, cpuA, -1, -1
	undo, err := pa.prepare()
	defer undo()
	if err != nil {
		b.Fatal(err)
	}
	// The link owns its descriptors: give it copies of this side's ends.
	for i, f := range o.files["a"] {
		fd, err := unix.Dup(int(f.Fd()))
		if err != nil {
			b.Fatal(err)
		}
		unix.CloseOnExec(fd)
		if i == 0 {
			pa.rfd = fd
		} else {
			pa.wfd = fd
		}
	}
	o.closeFiles()
	l, err := pa.newLink()
	if err != nil {
		b.Fatal(err)
	}
	defer l.close()
	if _, err := fmt.Fprintf(peerB.ctl, "go %d %d\n", os.Getpid(), unix.Gettid()); err != nil {
		b.Fatal(err)
	}
	peerB.ctl.Close()
	if err := l.connect(peerB.pid, peerB.tid); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	measureInBench(b, l, j)
	err = peerB.cmd.Wait()
	if err != nil {
		b.Fatalf("peer b: %v", err)
	}
	peerB = nil
}

// measureInBench runs b.N round trips or a stream of b.N chunks on l, as
// peer a, and reports them.
func measureInBench(b *testing.B, l link, j job) {
	switch j.metric {
	case "rtt":
		samples := make([]int64, b.N)
		if err := ping(l, j.size, benchWarm, samples); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		xs := make([]float64, len(samples))
		sum := 0.0
		for i, s := range samples {
			xs[i] = float64(s)
			sum += xs[i]
		}
		b.ReportMetric(sum/float64(len(xs)), "ns/op") // without the warm-up
		b.ReportMetric(median(xs), "p50-ns")
		b.ReportMetric(p99(xs), "p99-ns")
	case "tput":
		ns, err := sendStream(l, j.size, b.N*j.size)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(ns)/float64(b.N), "ns/op")
		b.ReportMetric(mbps(int64(b.N*j.size), ns), "MB/s")
	}
}
