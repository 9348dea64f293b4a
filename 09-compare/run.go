//go:build linux && (amd64 || arm64)

package main

// The conductor: it makes the kernel objects of each measurement, starts
// the two peers (Go or C), starts them together, and reads their results.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/child"
	"github.com/goipc/ipc-examples/common/cleanup"
	"github.com/goipc/ipc-examples/common/syserr"
	"github.com/goipc/ipc-examples/common/sysv"
)

// mechanism is one IPC mechanism of the comparison.
type mechanism struct {
	name    string   // as the peers know it
	label   string   // as the tables show it
	goPaths []string // the Go paths measured against the C peer
	sizes   []int    // round-trip message sizes; nil: no round trip
	chunk   int      // throughput chunk (message) size; 0: no throughput
	// msgs, if set, measures messages a second: a stream of 64-byte
	// messages, plan.msgs / msgs of them (shm+sem, about 50 times slower
	// than the rings, sends fewer, to take about as long).
	msgs int
}

const (
	chunk64K = 64 << 10
	// msgChunk is the message size of the queue's stream: msgmax, the
	// largest message the kernel takes (/proc/sys/kernel/msgmax, 8192 by
	// default); a queue holds msgmnb bytes (16384 by default), two such
	// messages.
	msgChunk = 8 << 10
	// shmSlots is the ring of 64 KiB slots each way of the shared memory
	// link, and of the memcpy measurement.
	shmSlots = 4
	// msgSize is the message of the messages-a-second streams: one slot
	// of 11-mmap's ring.
	msgSize = 64
)

var mechanisms = []*mechanism{
	{name: "pipe", label: "pipe", goPaths: []string{"raw", "file"}, sizes: []int{100, 4096}, chunk: chunk64K},
	{name: "fifo", label: "FIFO", goPaths: []string{"raw", "file"}, sizes: []int{100, 4096}, chunk: chunk64K},
	{name: "msg", label: "msgqueue", goPaths: []string{"raw", "sysv"}, sizes: []int{100, 4096}, chunk: msgChunk},
	{name: "shm", label: "shm+sem", goPaths: []string{"raw"}, sizes: []int{100, 4096}, chunk: chunk64K, msgs: 50},
	{name: "ring", label: "shm ring (futex)", goPaths: []string{"raw"}, sizes: []int{100, 4096}, chunk: chunk64K, msgs: 1},
	{name: "spin", label: "shm ring (spin)", goPaths: []string{"raw"}, sizes: []int{100, 4096}, chunk: chunk64K, msgs: 1},
	{name: "signal", label: "signal", goPaths: []string{"sigwait", "notify"}, sizes: []int{0}},
	{name: "unix", label: "unix socket", goPaths: []string{"raw", "file"}, sizes: []int{100, 4096}, chunk: chunk64K},
	{name: "memcpy", label: "memcpy", goPaths: []string{"copy"}, chunk: chunk64K},
}

func mechanismNamed(name string) *mechanism {
	for _, m := range mechanisms {
		if m.name == name {
			return m
		}
	}
	return nil
}

// pathLabel is how the tables name a Go path of a mechanism.
func pathLabel(mech, path string) string {
	switch mech + "/" + path {
	case "pipe/raw", "fifo/raw", "unix/raw":
		return "unix.Read/Write"
	case "pipe/file", "fifo/file", "unix/file":
		return "*os.File"
	case "pipe/locked", "fifo/locked", "unix/locked", "msg/locked", "shm/locked":
		return "LockOSThread"
	case "msg/raw":
		return "raw, reused buf"
	case "msg/sysv":
		return "sysv.MsgBuf"
	case "shm/raw":
		return "raw semop"
	case "ring/raw":
		return "atomic + futex"
	case "spin/raw":
		return "atomic only"
	case "signal/sigwait":
		return "sigwaitinfo"
	case "signal/notify":
		return "signal.Notify"
	case "memcpy/copy":
		return "copy()"
	}
	return path
}

// job is one kind of measurement: a round trip of size bytes, a stream in
// chunks of size, or a stream of messages of size counted by the message.
type job struct {
	metric string // "rtt", "tput" or "msgs"
	size   int
}

// plan is how much to measure.
type plan struct {
	name       string // tour, quick, full, smoke
	warm, rtts int    // round trips: untimed, then timed
	total      int    // stream bytes
	copied     int    // memcpy bytes: more, a copy is fast and a short one is noise
	msgs       int    // 64-byte messages of a messages-a-second stream (shm+sem: fewer)
	runs       int
	// maxSize, if not 0, leaves out the round trips of larger messages:
	// the tour measures 100 B only (a cross-CPU round trip of 4096 B
	// costs about the same: README.md).
	maxSize int
}

// The tour is what ./run.sh shows, about 3 seconds on a quiet 2-CPU
// machine: the same pairs, the same alternation and the same statistics
// as the others, with fewer samples, shorter streams and no 4096-byte
// round trip, so its numbers are rougher (wider ranges). quick is the
// middle option (about 20 s), full the one README.md's tables come from.
// smoke (the tests) runs every pair through the same steps with the least
// that still exercises them: a warm-up, a few timed round trips, streams
// that go round each ring at least twice (8 chunks in 4 slots; 2500
// messages in 1024 slots) and fill the queue (8 KiB messages, 16 KiB).
var plans = map[string]plan{
	"smoke": {name: "smoke", warm: 1, rtts: 5, total: 512 << 10, copied: 512 << 10, msgs: 2500, runs: 3},
	"tour":  {name: "tour", warm: 50, rtts: 300, total: 32 << 20, copied: 256 << 20, msgs: 100000, runs: 3, maxSize: 100},
	"quick": {name: "quick", warm: 200, rtts: 1000, total: 128 << 20, copied: 1 << 30, msgs: 1000000, runs: 3},
	"full":  {name: "full", warm: 1000, rtts: 10000, total: 1 << 30, copied: 4 << 30, msgs: 4000000, runs: 3},
}

// keeps says whether the plan measures j.
func (pl plan) keeps(j job) bool {
	switch j.metric {
	case "rtt":
		return pl.maxSize == 0 || j.size <= pl.maxSize
	case "msgs":
		return pl.msgs > 0
	}
	return true
}

// jobs are every measurement of m, in the tables' order.
func (m *mechanism) jobs() []job {
	var js []job
	for _, s := range m.sizes {
		js = append(js, job{"rtt", s})
	}
	if m.msgs > 0 {
		js = append(js, job{"msgs", msgSize})
	}
	if m.chunk > 0 {
		js = append(js, job{"tput", m.chunk})
	}
	return js
}

// side is who plays a pair: C, or Go by one path.
type side struct {
	lang string // "go" or "c"
	path string // the Go path
	// cAs, in a Go pair, makes the peer of this role ("a" or "b") the C
	// one: a mixed pair proves that both speak the same protocol (tests).
	cAs string
}

// outcome is what one pair reports.
type outcome struct {
	samples []float64 // rtt: nanoseconds per round trip
	bytes   int64     // tput: bytes moved in ns
	ns      int64
	eintr   int64
}

// bench is one run of the whole comparison.
type bench struct {
	plan   plan
	cbin   string // the C peer; "" without gcc
	tmp    string // FIFOs and the C build
	cpuA   int
	cpuB   int
	hold   string // -hold: stop in this mechanism's first pair, for the interrupt test
	spin   int    // -spin: looks the futex ring takes before it sleeps (0: none, it sleeps at once)
	nfifo  int
	guard  time.Duration
	onHold func()
	// onObjects, if set, is shown the ids and paths of each pair's
	// objects (tests check that they are gone afterwards).
	onObjects func(peerArgs)
}

// objects are the kernel objects of one pair, and what each peer is handed.
type objects struct {
	handles []*cleanup.Handle
	files   map[string][]*os.File // by role: fd 4 (and 5)
	args    peerArgs              // the ids and paths both peers get
}

func (o *objects) closeFiles() {
	for _, fs := range o.files {
		for _, f := range fs {
			f.Close()
		}
	}
	o.files = nil
}

func (o *objects) release() {
	o.closeFiles()
	for i := len(o.handles) - 1; i >= 0; i-- {
		o.handles[i].Release() // best effort, as on Ctrl-C
	}
}

// makeObjects makes what the mechanism needs, each object registered for
// removal on Ctrl-C, and says which peer gets what.
func (b *bench) makeObjects(m *mechanism, j job) (*objects, error) {
	o := &objects{files: map[string][]*os.File{}, args: newPeerArgs()}
	var err error
	switch m.name {
	case "pipe":
		err = o.makePipes()
	case "unix":
		err = o.makeSocketpair()
	case "fifo":
		b.nfifo++
		err = o.makeFIFOs(b.tmp, b.nfifo)
	case "msg":
		err = o.keep(cleanup.Make(o.makeQueue))
	case "shm":
		o.args.slots, o.args.slotsize = shmSlots, chunk64K
		if err = o.keep(cleanup.Make(o.makeSegment)); err == nil {
			err = o.keep(cleanup.Make(o.makeSemaphores))
		}
	case "ring", "spin":
		o.args.slots, o.args.slotsize = ringGeometry(j.size)
		err = o.makeRingFile(2 * ringBytes(o.args.slots, o.args.slotsize))
	case "memcpy":
		o.args.slots = shmSlots
	}
	if err != nil {
		o.release()
		return nil, err
	}
	return o, nil
}

// keep adds an object made by cleanup.Make to those of the pair.
func (o *objects) keep(h *cleanup.Handle, err error) error {
	if err == nil {
		o.handles = append(o.handles, h)
	}
	return err
}

// makePipes makes two pipes, one each way: a reads b-to-a (fd 4) and
// writes a-to-b (fd 5); b the other way round.
func (o *objects) makePipes() error {
	var ab, ba [2]*os.File
	if err := pipe(&ab); err != nil {
		return err
	}
	if err := pipe(&ba); err != nil {
		ab[0].Close()
		ab[1].Close()
		return err
	}
	o.files["a"] = []*os.File{ba[0], ab[1]}
	o.files["b"] = []*os.File{ab[0], ba[1]}
	return nil
}

// ringGeometry is the ring for messages of size: a message a slot, slots
// of size rounded up to a cache line, 64 KiB of slots as in 11-mmap's
// ring.c (1024 of 64 bytes), but at least shmSlots (4 of 64 KiB for the
// stream of 64 KiB chunks, as shm+sem's ring); a power of two.
func ringGeometry(size int) (slots, slotLen int) {
	slotLen = (size + 63) &^ 63
	if slotLen < 64 {
		slotLen = 64
	}
	slots = shmSlots
	for slots*2*slotLen <= 64<<10 {
		slots *= 2
	}
	return slots, slotLen
}

// makeRingFile makes the memfd of the two rings, zeroed, n bytes: both
// peers get it as fd 4 and map it. It needs no registry: it is freed with
// the last descriptor and the last mapping, whatever ends the run.
func (o *objects) makeRingFile(n int) error {
	fd, err := unix.MemfdCreate("09-compare ring", unix.MFD_CLOEXEC)
	if err != nil {
		return syserr.Wrap("memfd_create", err, nil)
	}
	f := os.NewFile(uintptr(fd), "memfd ring")
	if err := unix.Ftruncate(fd, int64(n)); err != nil {
		f.Close()
		return syserr.Wrap("ftruncate(memfd)", err, nil)
	}
	o.files["a"] = []*os.File{f}
	o.files["b"] = []*os.File{f} // closed twice by closeFiles: the second is a no-op
	return nil
}

// makeSocketpair makes one stream socket pair: one end each.
func (o *objects) makeSocketpair() error {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return syserr.Wrap("socketpair(AF_UNIX, SOCK_STREAM)", err, nil)
	}
	o.files["a"] = []*os.File{os.NewFile(uintptr(fds[0]), "socket a")}
	o.files["b"] = []*os.File{os.NewFile(uintptr(fds[1]), "socket b")}
	return nil
}

// makeFIFOs makes two FIFOs in dir, a-to-b and b-to-a, numbered n.
func (o *objects) makeFIFOs(dir string, n int) error {
	o.args.ab = filepath.Join(dir, fmt.Sprintf("fifo-%d-ab", n))
	o.args.ba = filepath.Join(dir, fmt.Sprintf("fifo-%d-ba", n))
	for _, p := range []string{o.args.ab, o.args.ba} {
		p := p
		if err := o.keep(cleanup.Make(func() (string, func() error, error) {
			if err := unix.Mkfifo(p, 0o600); err != nil {
				return "", nil, syserr.Wrap("mkfifo("+p+")", err, nil)
			}
			return "", func() error { return os.Remove(p) }, nil // the directory's removal reports it
		})); err != nil {
			return err
		}
	}
	return nil
}

// makeQueue makes a private queue, for cleanup.Make.
func (o *objects) makeQueue() (string, func() error, error) {
	id, err := sysv.Msgget(sysv.IPC_PRIVATE, unix.IPC_CREAT|0o600)
	if err != nil {
		return "", nil, err
	}
	o.args.msqid = id
	return fmt.Sprintf("message queue %d", id), func() error { return sysv.Msgctl(id, unix.IPC_RMID, nil) }, nil
}

// makeSegment makes the shared memory segment, for cleanup.Make. It is
// attached here and marked for removal at once: the kernel frees it at its
// last detach, even after kill -9. Linux lets the peers attach a segment
// so marked by its id.
func (o *objects) makeSegment() (string, func() error, error) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 2*shmSlots*chunk64K, unix.IPC_CREAT|0o600)
	if err != nil {
		return "", nil, syserr.Wrap("shmget", err, nil)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		unix.SysvShmCtl(id, unix.IPC_RMID, nil) // the shmat error is the one to report
		return "", nil, syserr.Wrap("shmat", err, nil)
	}
	if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
		unix.SysvShmDetach(mem) // the shmctl error is the one to report
		return "", nil, syserr.Wrap("shmctl(IPC_RMID)", err, nil)
	}
	o.args.shmid = id
	return fmt.Sprintf("shared memory segment %d (detached; marked IPC_RMID)", id), func() error { return unix.SysvShmDetach(mem) }, nil
}

// makeSemaphores makes the set of 4 semaphores, for cleanup.Make: full
// and empty for each direction, no slot full, all empty.
func (o *objects) makeSemaphores() (string, func() error, error) {
	id, err := sysv.Semget(sysv.IPC_PRIVATE, 4, unix.IPC_CREAT|0o600)
	if err != nil {
		return "", nil, err
	}
	if err := initSems(id); err != nil {
		sysv.SemctlRmid(id) // the SETALL error is the one to report
		return "", nil, err
	}
	o.args.semid = id
	return fmt.Sprintf("semaphore set %d", id), func() error { return sysv.SemctlRmid(id) }, nil
}

// initSems sets the shared memory link's semaphores: for each direction,
// "full" (2d) to 0 and "empty" (2d+1) to the number of slots.
func initSems(semid int) error {
	return sysv.SemctlSetAll(semid, []uint16{0, shmSlots, 0, shmSlots})
}

// pipe makes a pipe as two blocking *os.File (read end, write end). A
// descriptor needs no registry: it goes with the process.
func pipe(p *[2]*os.File) error {
	var fd [2]int
	if err := unix.Pipe2(fd[:], unix.O_CLOEXEC); err != nil {
		return syserr.Wrap("pipe", err, nil)
	}
	p[0], p[1] = os.NewFile(uintptr(fd[0]), "pipe read end"), os.NewFile(uintptr(fd[1]), "pipe write end")
	return nil
}

// peerProc is a started peer.
type peerProc struct {
	cmd      *child.Cmd
	out      bytes.Buffer
	ctl      *os.File // write end of its control pipe
	pid, tid int      // what it said when ready
}

// kill kills a peer still running (after an error) and reaps it. (On
// Ctrl-C, common/child kills it: Start registered it with common/cleanup.)
func (p *peerProc) kill() {
	p.ctl.Close()
	p.cmd.Process.Kill() // not reaped yet, so the PID is still its own
	p.cmd.Wait()         // the error was reported already
}

// startPeer starts one peer with its control pipe as fd 3 and the
// mechanism's descriptors as fd 4 and 5, and waits until it is set up.
func (b *bench) startPeer(s side, pa peerArgs, files []*os.File) (*peerProc, error) {
	if s.cAs == pa.role {
		s.lang = "c"
	}
	var ctl [2]*os.File
	if err := pipe(&ctl); err != nil {
		return nil, err
	}
	pa.ctl = 3
	if len(files) > 0 {
		pa.rfd = 4
	}
	if len(files) > 1 {
		pa.wfd = 5
	}
	extra := append([]*os.File{ctl[0]}, files...)
	pa.ready = 3 + len(extra) // common/child appends the readiness pipe
	p := &peerProc{ctl: ctl[1]}
	if s.lang == "go" {
		pa.path = s.path
		p.cmd = child.Command("peer", pa.list(true)...)
	} else {
		p.cmd = child.Program(b.cbin, pa.list(false)...)
	}
	p.cmd.ExtraFiles = extra
	p.cmd.Stdout = &p.out
	err := p.cmd.Start()
	ctl[0].Close()
	if err != nil {
		err = syserr.Wrap("start peer", err, nil)
		ctl[1].Close()
		return nil, err
	}
	msg, err := p.cmd.WaitReady()
	if err == nil {
		if _, serr := fmt.Sscanf(msg, "%d %d", &p.pid, &p.tid); serr != nil {
			err = fmt.Errorf("peer %d said %q when ready, want its PID and TID", p.cmd.Process.Pid, msg)
		}
	}
	if err != nil {
		ctl[1].Close()
		p.kill()
		return nil, err
	}
	return p, nil
}

// runPair measures one job once with one side: it starts b (the pong or
// receiver) and a (the ping or sender), starts them together, and reads
// a's results.
func (b *bench) runPair(m *mechanism, j job, s side) (outcome, error) {
	var res outcome
	o, err := b.makeObjects(m, j)
	if err != nil {
		return res, err
	}
	defer o.release()
	if b.onObjects != nil {
		b.onObjects(o.args)
	}
	roles := []string{"b", "a"}
	if m.name == "memcpy" {
		roles = []string{"a"}
	}
	procs := map[string]*peerProc{}
	defer func() {
		for _, p := range procs {
			p.kill() // a peer still running after an error
		}
	}()
	for _, role := range roles {
		p, err := b.startPeer(s, b.peerArgsFor(o, m, j, role), o.files[role])
		if err != nil {
			return res, fmt.Errorf("%s peer %s: %v", m.label, role, err)
		}
		procs[role] = p
	}
	o.closeFiles() // the peers hold the ends now
	if b.hold == m.name && b.onHold != nil {
		b.onHold()
	}
	// The start line: each peer learns the other's PID and TID.
	for role, p := range procs {
		other := procs["a"]
		if role == "a" {
			other = procs["b"]
		}
		line := "go 0 0\n"
		if other != nil {
			line = fmt.Sprintf("go %d %d\n", other.pid, other.tid)
		}
		if _, err := p.ctl.WriteString(line); err != nil {
			return res, syserr.Wrap("write(ctl)", err, nil)
		}
		p.ctl.Close()
	}
	// A guard, not a measurement: a peer that hangs is killed. It kills
	// from a list of its own: reap takes the peers it reaps out of procs.
	var all []*peerProc
	for _, p := range procs {
		all = append(all, p)
	}
	guard := time.AfterFunc(b.guard, func() {
		for _, p := range all {
			p.cmd.Process.Kill() // a peer reaped already: os.ErrProcessDone
		}
	})
	defer guard.Stop()
	return b.reap(m, s, roles, procs)
}

// reap waits for the peers of a pair and takes a's results; each peer it
// has reaped is taken out of procs. The first to fail ends the other: a
// peer waiting on a ring in shared memory, unlike one reading a pipe, sees
// no end of file when its peer dies, and would wait for the guard.
func (b *bench) reap(m *mechanism, s side, roles []string, procs map[string]*peerProc) (outcome, error) {
	type exit struct {
		role string
		err  error
	}
	exits := make(chan exit, len(roles))
	for _, role := range roles {
		p := procs[role]
		go func(role string) { exits <- exit{role, p.cmd.Wait()} }(role)
	}
	var res outcome
	var firstErr error
	for range roles {
		e := <-exits
		p := procs[e.role]
		delete(procs, e.role)
		if e.err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s %s peer %s (pid %d) %s", m.label, s.lang, e.role, p.cmd.Process.Pid, child.Describe(p.cmd.ProcessState))
			for _, other := range procs {
				other.cmd.Process.Kill() // not reaped yet: the PID is still its own
			}
		}
		r, perr := parseOutput(p.out.String())
		if perr != nil && firstErr == nil && e.err == nil {
			firstErr = fmt.Errorf("%s %s peer %s: %v", m.label, s.lang, e.role, perr)
		}
		res.eintr += r.eintr
		if e.role == "a" {
			res.samples, res.bytes, res.ns = r.samples, r.bytes, r.ns
		}
	}
	return res, firstErr
}

// peerArgsFor is what the peer of role gets for job j of m.
func (b *bench) peerArgsFor(o *objects, m *mechanism, j job, role string) peerArgs {
	pa := o.args
	pa.mech, pa.role, pa.metric, pa.size = m.name, role, j.metric, j.size
	pa.count, pa.warm = b.plan.total, 0
	switch {
	case j.metric == "rtt":
		pa.count, pa.warm = b.plan.rtts, b.plan.warm
	case j.metric == "msgs":
		// The peers know a stream: of msgs messages of j.size bytes.
		pa.metric, pa.count = "tput", b.plan.msgs/m.msgs*j.size
	case m.name == "memcpy":
		pa.count = b.plan.copied
	}
	if m.name == "ring" {
		pa.spin = b.spin
	}
	pa.cpu = b.cpuA
	if role == "b" {
		pa.cpu = b.cpuB
	}
	return pa
}

// parseOutput reads a peer's lines: "rtt N" and N times, "tput BYTES NS",
// "eintr N".
func parseOutput(s string) (outcome, error) {
	var o outcome
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := 0; i < len(lines); i++ {
		f := strings.Fields(lines[i])
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "rtt" && len(f) == 2:
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 0 || i+n >= len(lines) {
				return o, fmt.Errorf("bad line %q", lines[i])
			}
			o.samples = make([]float64, n)
			for k := 0; k < n; k++ {
				v, err := strconv.ParseInt(lines[i+1+k], 10, 64)
				if err != nil {
					return o, fmt.Errorf("bad sample %q", lines[i+1+k])
				}
				o.samples[k] = float64(v)
			}
			i += n
		case f[0] == "tput" && len(f) == 3:
			var err1, err2 error
			o.bytes, err1 = strconv.ParseInt(f[1], 10, 64)
			o.ns, err2 = strconv.ParseInt(f[2], 10, 64)
			if err1 != nil || err2 != nil {
				return o, fmt.Errorf("bad line %q", lines[i])
			}
		case f[0] == "eintr" && len(f) == 2:
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return o, fmt.Errorf("bad line %q", lines[i])
			}
			o.eintr = n
		default:
			return o, fmt.Errorf("unexpected line %q", lines[i])
		}
	}
	return o, nil
}

// startTicker starts this program in the role "ticker" on cpu, for
// -keep-awake. It runs until its handle is released (or Ctrl-C, or the
// death of this program: PR_SET_PDEATHSIG).
func startTicker(cpu int) (*child.Cmd, error) {
	c := child.Command("ticker", strconv.Itoa(cpu))
	if err := c.Start(); err != nil {
		return nil, syserr.Wrap("start ticker", err, nil)
	}
	if _, err := c.WaitReady(); err != nil {
		return nil, err
	}
	return c, nil
}

// stopTicker ends a ticker and reaps it.
func stopTicker(c *child.Cmd) {
	c.Process.Kill() // not reaped yet, so the PID is still its own
	c.Wait()         // killed
}
