//go:build linux && (amd64 || arm64)

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// cell names one quantity: a mechanism, a side (C, or Go by one path), a
// metric ("rtt_median", "rtt_p99", "throughput", "msg_rate") and a size in
// bytes.
type cell struct {
	mech, lang, path, metric string
	size                     int
}

// results gathers the per-run values of every cell.
type results struct {
	runs  map[cell][]float64
	eintr map[string]int64 // by lang
}

func newResults() *results {
	return &results{runs: map[cell][]float64{}, eintr: map[string]int64{}}
}

// record files one pair's outcome.
func (r *results) record(m *mechanism, j job, s side, o outcome) {
	c := cell{mech: m.name, lang: s.lang, path: s.path, size: j.size}
	if s.lang == "c" {
		c.path = ""
	}
	switch j.metric {
	case "rtt":
		c.metric = "rtt_median"
		r.runs[c] = append(r.runs[c], median(o.samples))
		c.metric = "rtt_p99"
		r.runs[c] = append(r.runs[c], p99(o.samples))
	case "tput":
		c.metric = "throughput"
		r.runs[c] = append(r.runs[c], mbps(o.bytes, o.ns))
	case "msgs":
		c.metric = "msg_rate"
		r.runs[c] = append(r.runs[c], mbps(o.bytes/int64(j.size), o.ns)*1e6)
	}
	r.eintr[s.lang] += o.eintr
}

func (r *results) get(c cell) summary { return summarize(r.runs[c]) }

// row is one line of the JSON output and of the tables: a Go path against
// C for one (mechanism, metric, size).
type row struct {
	Mechanism string      `json:"mechanism"`
	GoPath    string      `json:"go_path"`
	Metric    string      `json:"metric"`
	Size      int         `json:"size"`
	Unit      string      `json:"unit"`
	Go        *float64    `json:"go"`
	C         *float64    `json:"c"`
	Ratio     *float64    `json:"ratio"`
	GoRange   *[2]float64 `json:"go_range,omitempty"`
	CRange    *[2]float64 `json:"c_range,omitempty"`
	Runs      int         `json:"runs"`

	label, pathLabel string
}

func num(v float64) *float64 { return &v }

// rows lists every Go path against C, in the tables' order.
func (r *results) rows() []row {
	var rows []row
	for _, m := range mechanisms {
		for _, j := range m.jobs() {
			for _, metric := range j.metrics() {
				cs := r.get(cell{m.name, "c", "", metric, j.size})
				for _, p := range m.goPaths {
					gs := r.get(cell{m.name, "go", p, metric, j.size})
					if !gs.valid() && !cs.valid() {
						continue
					}
					w := row{Mechanism: m.name, GoPath: p, Metric: metric, Size: j.size, Unit: "ns",
						label: m.label, pathLabel: pathLabel(m.name, p)}
					switch metric {
					case "throughput":
						w.Unit = "MB/s"
					case "msg_rate":
						w.Unit = "msg/s"
					}
					if gs.valid() {
						w.Go, w.GoRange, w.Runs = num(gs.Median), &[2]float64{gs.Min, gs.Max}, gs.Runs
					}
					if cs.valid() {
						w.C, w.CRange = num(cs.Median), &[2]float64{cs.Min, cs.Max}
					}
					if w.Go != nil && w.C != nil {
						if q, ok := ratio(*w.Go, *w.C); ok {
							w.Ratio = num(q)
						}
					}
					rows = append(rows, w)
				}
			}
		}
	}
	return append(rows, r.againstSpin(rows)...)
}

// metrics are the names a job's results are filed under.
func (j job) metrics() []string {
	switch j.metric {
	case "rtt":
		return []string{"rtt_median", "rtt_p99"}
	case "msgs":
		return []string{"msg_rate"}
	}
	return []string{"throughput"}
}

// againstSpin judges every stream by the spin ring, each language against
// its own: its throughput (or messages a second) as a fraction of the spin
// ring's, the most that shared memory between two CPUs did in this run. One
// local memcpy is no yardstick for a stream between two CPUs: its data
// stays in one CPU's cache, where a stream's must move, line by line, to
// the other's. The spin ring against that memcpy is kept, as information.
func (r *results) againstSpin(rows []row) []row {
	var out []row
	ratioRow := func(w row, metric string, goTop, cTop summary) {
		v := row{Mechanism: w.Mechanism, GoPath: w.GoPath, Metric: metric, Size: w.Size, Unit: "ratio", Runs: w.Runs,
			label: w.label, pathLabel: w.pathLabel}
		if w.Go != nil && goTop.valid() && goTop.Median > 0 {
			v.Go = num(*w.Go / goTop.Median)
		}
		if w.C != nil && cTop.valid() && cTop.Median > 0 {
			v.C = num(*w.C / cTop.Median)
		}
		if v.Go != nil || v.C != nil {
			out = append(out, v)
		}
	}
	for _, w := range rows {
		switch {
		case w.Mechanism == "spin" || w.Mechanism == "memcpy":
		case w.Metric == "throughput":
			ratioRow(w, "throughput_of_spin", r.get(cell{"spin", "go", "raw", "throughput", chunk64K}),
				r.get(cell{"spin", "c", "", "throughput", chunk64K}))
		case w.Metric == "msg_rate":
			ratioRow(w, "msg_rate_of_spin", r.get(cell{"spin", "go", "raw", "msg_rate", msgSize}),
				r.get(cell{"spin", "c", "", "msg_rate", msgSize}))
		}
	}
	if spin := find(rows, "spin", "raw", "throughput", chunk64K); spin != nil {
		ratioRow(*spin, "fraction_of_memcpy", r.get(cell{"memcpy", "go", "copy", "throughput", chunk64K}),
			r.get(cell{"memcpy", "c", "", "throughput", chunk64K}))
	}
	return out
}

// find returns the row for (mech, path, metric, size), or nil.
func find(rows []row, mech, path, metric string, size int) *row {
	for i := range rows {
		w := &rows[i]
		if w.Mechanism == mech && w.GoPath == path && w.Metric == metric && w.Size == size {
			return w
		}
	}
	return nil
}

// target is one goal this comparison set itself (Go's raw path within a
// few percent of C, common/sysv at the raw path's speed), judged on this
// run's numbers.
type target struct {
	What   string   `json:"what"`
	Want   string   `json:"want"`
	Ratio  *float64 `json:"ratio"`
	Met    bool     `json:"met"`
	Judged bool     `json:"judged"` // false when a side is missing
}

func targets(rows []row) []target {
	var ts []target
	add := func(what, want string, w *row, ok func(float64) bool) {
		t := target{What: what, Want: want}
		if w != nil && w.Ratio != nil {
			t.Ratio, t.Judged, t.Met = w.Ratio, true, ok(*w.Ratio)
		}
		ts = append(ts, t)
	}
	for _, m := range []string{"pipe", "fifo", "msg", "shm"} {
		for _, size := range []int{100, 4096} {
			add(fmt.Sprintf("%s, Go raw path, median round trip of %d B", mechanismNamed(m).label, size), "Go/C <= 1.05",
				find(rows, m, "raw", "rtt_median", size), func(q float64) bool { return q <= 1.05 })
		}
	}
	for _, m := range []string{"pipe", "fifo", "shm"} {
		add(fmt.Sprintf("%s, Go raw path, throughput", mechanismNamed(m).label), "Go/C >= 0.95",
			find(rows, m, "raw", "throughput", mechanismNamed(m).chunk), func(q float64) bool { return q >= 0.95 })
	}
	add("msgqueue, Go raw path, throughput", "Go/C >= 0.9",
		find(rows, "msg", "raw", "throughput", msgChunk), func(q float64) bool { return q >= 0.9 })
	// common/sysv's buffer API against the raw path, both Go, in this run:
	// what the wrapper itself costs. As a speed (raw time / wrapper time
	// for a round trip, wrapper / raw for a stream), 1 is "free".
	wrapper := func(metric string, size int, faster func(raw, sv float64) float64) *row {
		raw, sv := find(rows, "msg", "raw", metric, size), find(rows, "msg", "sysv", metric, size)
		if raw == nil || sv == nil || raw.Go == nil || sv.Go == nil || *raw.Go == 0 || *sv.Go == 0 {
			return nil
		}
		return &row{Ratio: num(faster(*raw.Go, *sv.Go))}
	}
	for _, size := range []int{100, 4096} {
		add(fmt.Sprintf("msgqueue, sysv.MsgBuf against Go raw, round trip of %d B", size), "raw/sysv >= 0.95",
			wrapper("rtt_median", size, func(raw, sv float64) float64 { return raw / sv }), func(q float64) bool { return q >= 0.95 })
	}
	add("msgqueue, sysv.MsgBuf against Go raw, throughput", "sysv/raw >= 0.95",
		wrapper("throughput", msgChunk, func(raw, sv float64) float64 { return sv / raw }), func(q float64) bool { return q >= 0.95 })
	// Signals: the best Go path.
	best := find(rows, "signal", "sigwait", "rtt_median", 0)
	if n := find(rows, "signal", "notify", "rtt_median", 0); best == nil || best.Ratio == nil ||
		(n != nil && n.Ratio != nil && *n.Ratio < *best.Ratio) {
		best = n
	}
	what := "signal, best Go path, median round trip"
	if best != nil {
		what = fmt.Sprintf("signal, best Go path (%s), median round trip", best.pathLabel)
	}
	add(what, "Go/C <= 1.5", best, func(q float64) bool { return q <= 1.5 })
	ringTargets(rows, add)
	return ts
}

// ringTargets are the goals of the shared memory rings: the futex ring
// close to the spin ring (it sleeps only when a side must wait), far beyond
// shm+sem (no system call per message), and Go close to C.
func ringTargets(rows []row, add func(what, want string, w *row, ok func(float64) bool)) {
	// value is one language's number of a row.
	value := func(w *row, lang string) *float64 {
		if w == nil {
			return nil
		}
		if lang == "Go" {
			return w.Go
		}
		return w.C
	}
	of := func(v *float64) *row {
		if v == nil {
			return nil
		}
		return &row{Ratio: v}
	}
	// over is a/b of one language's numbers of two rows.
	over := func(a, b *row, lang string) *row {
		x, y := value(a, lang), value(b, lang)
		if x == nil || y == nil || *y == 0 {
			return nil
		}
		return &row{Ratio: num(*x / *y)}
	}
	atLeast := func(min float64) func(float64) bool { return func(q float64) bool { return q >= min } }
	for _, lang := range []string{"Go", "C"} {
		add("shm ring (futex) against spin, "+lang+", 64-byte messages/s", "ring/spin >= 0.8",
			of(value(find(rows, "ring", "raw", "msg_rate_of_spin", msgSize), lang)), atLeast(0.8))
		add("shm ring (futex) against spin, "+lang+", throughput", "ring/spin >= 0.8",
			of(value(find(rows, "ring", "raw", "throughput_of_spin", chunk64K), lang)), atLeast(0.8))
	}
	for _, lang := range []string{"Go", "C"} {
		add("shm ring (futex) against shm+sem, "+lang+", 64-byte messages/s", "ring/sem >= 30",
			over(find(rows, "ring", "raw", "msg_rate", msgSize), find(rows, "shm", "raw", "msg_rate", msgSize), lang), atLeast(30))
		add("shm ring (futex) against shm+sem, "+lang+", round trip of 100 B", "ring/sem <= 0.25",
			over(find(rows, "ring", "raw", "rtt_median", 100), find(rows, "shm", "raw", "rtt_median", 100), lang),
			func(q float64) bool { return q <= 0.25 })
	}
	// Go against C, as a speed: 1 is C's, above 1 faster than C.
	for _, m := range []string{"ring", "spin"} {
		label := mechanismNamed(m).label
		add(label+", Go against C, 64-byte messages/s", "Go/C >= 0.9",
			find(rows, m, "raw", "msg_rate", msgSize), atLeast(0.9))
		add(label+", Go against C, throughput", "Go/C >= 0.9",
			find(rows, m, "raw", "throughput", chunk64K), atLeast(0.9))
		var speed *row
		if w := find(rows, m, "raw", "rtt_median", 100); w != nil && w.Ratio != nil {
			speed = &row{Ratio: num(1 / *w.Ratio)}
		}
		add(label+", Go against C, round trip of 100 B", "C/Go >= 0.9", speed, atLeast(0.9))
	}
}

// ---- text output ----

func fmtValue(v float64, unit string) string {
	switch unit {
	case "ns":
		us := v / 1000
		if us >= 100 {
			return fmt.Sprintf("%.0f", us)
		}
		return fmt.Sprintf("%.1f", us)
	case "ratio":
		return fmt.Sprintf("%.2f", v)
	case "msg/s": // in millions
		return fmt.Sprintf("%.2f", v/1e6)
	}
	return fmt.Sprintf("%.0f", v)
}

// withRange is "48.3 [47.9-50.1]", the median and the range of the runs.
func withRange(v *float64, rg *[2]float64, unit string) string {
	if v == nil {
		return "-"
	}
	s := fmtValue(*v, unit)
	if rg != nil {
		s += " [" + fmtValue(rg[0], unit) + "-" + fmtValue(rg[1], unit) + "]"
	}
	return s
}

func fmtRatio(q *float64) string {
	if q == nil {
		return "-"
	}
	if *q < 0.095 {
		return fmt.Sprintf("%.2g", *q) // 0.00074, not 0.00
	}
	return fmt.Sprintf("%.2f", *q)
}

// printTables prints the latency tables (one per message size) and the
// throughput table.
func printTables(w io.Writer, rows []row, where string, runs int) {
	for _, size := range []int{100, 4096, 0} {
		title := fmt.Sprintf("Round trip of a %d-byte message, %s, µs:", size, where)
		if size == 0 {
			title = fmt.Sprintf("Round trip of a signal (SIGUSR1 there and back, no data), %s, µs:", where)
		}
		sub := fmt.Sprintf("median of %d run medians [their range]; p99", runs)
		if runs == 1 {
			sub = "median of 1 run; p99"
		}
		var body [][]string
		last := ""
		for _, r := range rows {
			if r.Metric != "rtt_median" || r.Size != size {
				continue
			}
			p := find(rows, r.Mechanism, r.GoPath, "rtt_p99", size)
			name := r.label
			if name == last {
				name = ""
			}
			last = r.label
			var pg, pc *float64
			if p != nil {
				pg, pc = p.Go, p.C
			}
			body = append(body, []string{name, r.pathLabel, withRange(r.Go, r.GoRange, "ns"), withRange(r.C, r.CRange, "ns"),
				fmtRatio(r.Ratio), withRange(pg, nil, "ns"), withRange(pc, nil, "ns")})
		}
		if len(body) == 0 {
			continue
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, title)
		fmt.Fprintln(w, sub)
		table(w, []string{"mechanism", "Go path", "Go", "C", "Go/C", "p99 Go", "p99 C"}, body)
	}
	streamTable(w, rows, "msg_rate", "msg/s", runs,
		fmt.Sprintf("Messages of %d bytes, %s, millions a second (a message is a slot of the ring):", msgSize, where))
	streamTable(w, rows, "throughput", "MB/s", runs,
		fmt.Sprintf("Throughput, %s, MB/s (10^6 bytes a second), 64 KiB chunks (msgqueue: 8 KiB messages):", where))
	if f := find(rows, "spin", "raw", "fraction_of_memcpy", chunk64K); f != nil {
		fmt.Fprintf(w, "/spin: a stream against the spin ring of its language, the most shared memory\n")
		fmt.Fprintf(w, "moved between the two CPUs in this run. The spin ring itself moved %s (Go) and %s (C)\n",
			fmtRatio(f.Go), fmtRatio(f.C))
		fmt.Fprintf(w, "of one local memcpy of the same chunks, which keeps its data in one CPU's cache.\n")
	}
	if beatsSpin(rows) {
		fmt.Fprintf(w, "Here a stream beat the spin ring: the machine is busy. A spinner makes progress only while\n")
		fmt.Fprintf(w, "its peer runs too, and waits out every turn another process takes on the peer's CPU;\n")
		fmt.Fprintf(w, "a futex sleeper leaves its CPU to others while it waits and is runnable again the moment\n")
		fmt.Fprintf(w, "its peer has written.\n")
	}
}

// beatsSpin says whether some stream moved clearly more (a fifth more,
// beyond the noise of a quiet run) than the spin ring of its language:
// then the spin ring is no limit in this run.
func beatsSpin(rows []row) bool {
	for _, r := range rows {
		if r.Metric != "throughput_of_spin" && r.Metric != "msg_rate_of_spin" {
			continue
		}
		for _, v := range []*float64{r.Go, r.C} {
			if v != nil && *v > 1.2 {
				return true
			}
		}
	}
	return false
}

// streamTable prints the streams of one metric, each with its fraction of
// the spin ring's (the of_spin rows).
func streamTable(w io.Writer, rows []row, metric, unit string, runs int, title string) {
	var body [][]string
	last := ""
	ofSpin := false // any stream judged by the spin ring: its columns
	for _, r := range rows {
		if r.Metric == metric+"_of_spin" {
			ofSpin = true
		}
	}
	for _, r := range rows {
		if r.Metric != metric {
			continue
		}
		name := r.label
		if name == last {
			name = ""
		}
		last = r.label
		var og, oc *float64
		if f := find(rows, r.Mechanism, r.GoPath, metric+"_of_spin", r.Size); f != nil {
			og, oc = f.Go, f.C
		}
		cells := []string{name, r.pathLabel, withRange(r.Go, r.GoRange, unit), withRange(r.C, r.CRange, unit), fmtRatio(r.Ratio)}
		if ofSpin {
			cells = append(cells, fmtRatio(og), fmtRatio(oc))
		}
		body = append(body, cells)
	}
	if len(body) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, title)
	if !ofSpin {
		fmt.Fprintf(w, "median of %s [their range]\n", runsText(runs))
		table(w, []string{"mechanism", "Go path", "Go", "C", "Go/C"}, body)
		return
	}
	fmt.Fprintf(w, "median of %s [their range]; /spin: against the spin ring, Go's against Go's, C's against C's\n", runsText(runs))
	table(w, []string{"mechanism", "Go path", "Go", "C", "Go/C", "Go/spin", "C/spin"}, body)
}

// table prints left-aligned columns, numbers right-aligned.
func table(w io.Writer, head []string, body [][]string) {
	width := make([]int, len(head))
	width[0], width[1] = len("shm ring (futex)"), len("raw, reused buf") // the same in every table
	for _, r := range append([][]string{head}, body...) {
		for i, c := range r {
			if n := len([]rune(c)); n > width[i] {
				width[i] = n
			}
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i < 2 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(head)
	for _, r := range body {
		line(r)
	}
}

// bar is v as a bar of eighth blocks, full scale (width cells) at top.
func bar(v, top float64, width int) string {
	if top <= 0 || v <= 0 || math.IsNaN(v) {
		return ""
	}
	eighths := int(math.Round(v / top * float64(width*8)))
	if eighths < 1 {
		eighths = 1
	}
	s := strings.Repeat("█", eighths/8)
	if r := eighths % 8; r > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[r-1])
	}
	return s
}

// printBars draws the 100-byte round trips, the signal round trip and the
// throughputs as bars, C and each Go path one under the other.
func printBars(w io.Writer, rows []row) {
	chart := func(title, metric string, size int, unit string) {
		type b struct {
			name, who string
			v         float64
		}
		var bars []b
		top := 0.0
		lastMech := ""
		for _, r := range rows {
			if r.Metric != metric || r.Size != size || r.Mechanism == "memcpy" {
				continue
			}
			if r.Mechanism != lastMech && r.C != nil {
				bars = append(bars, b{r.label, "C", *r.C})
			}
			name := ""
			if r.Mechanism != lastMech && r.C == nil {
				name = r.label
			}
			lastMech = r.Mechanism
			if r.Go != nil {
				bars = append(bars, b{name, "Go " + r.pathLabel, *r.Go})
			}
		}
		for _, x := range bars {
			if x.v > top {
				top = x.v
			}
		}
		if len(bars) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		for _, x := range bars {
			fmt.Fprintf(w, "%-16s %-21s %s %s\n", x.name, x.who, bar(x.v, top, 36), fmtValue(x.v, unit))
		}
	}
	chart("Round trip of 100 bytes, median µs (shorter is faster)", "rtt_median", 100, "ns")
	chart("Round trip of a signal, median µs (shorter is faster)", "rtt_median", 0, "ns")
	chart("Messages of 64 bytes, millions a second (longer is faster)", "msg_rate", msgSize, "msg/s")
	chart("Throughput in 64 KiB chunks, MB/s (longer is faster; memcpy, far beyond, is in the table)", "throughput", chunk64K, "MB/s")
	chart("Throughput of 8 KiB messages, MB/s (longer is faster)", "throughput", msgChunk, "MB/s")
}

func printTargets(w io.Writer, ts []target, crossCPU bool) {
	fmt.Fprintln(w)
	if !crossCPU {
		fmt.Fprintln(w, "(the round-trip targets are set for cross-CPU placement; this run is same-CPU)")
	}
	for _, t := range ts {
		mark, q := "MISSED", "-"
		switch {
		case !t.Judged:
			mark = "n/a   "
		case t.Met:
			mark = "met   "
		}
		if t.Ratio != nil {
			// Three decimals: the verdict is taken on the unrounded
			// ratio, and with two, 0.947 against ">= 0.95" would print
			// as a MISSED 0.95.
			q = fmt.Sprintf("%.3f", *t.Ratio)
		}
		fmt.Fprintf(w, "%s %-58s want %-16s got %s\n", mark, t.What, t.Want, q)
	}
	fmt.Fprintln(w, "(a MISSED target is a measurement of this machine at this moment, not a failure:")
	fmt.Fprintln(w, " neither the tour nor the tests assert a time)")
}

// ---- JSON ----

type document struct {
	Machine   machine   `json:"machine"`
	Placement placement `json:"placement"`
	Mode      string    `json:"mode"`
	Runs      int       `json:"runs"`
	Results   []row     `json:"results"`
	Targets   []target  `json:"targets"`
	EINTR     eintrs    `json:"eintr"`
}

// placement is where the two peers ran.
type placement struct {
	Mode      string `json:"mode"` // "cross-cpu" or "same-cpu"
	CPUA      int    `json:"cpu_a"`
	CPUB      int    `json:"cpu_b"`
	KeepAwake bool   `json:"keep_awake"` // -keep-awake: a ticker on each CPU
}

type eintrs struct {
	Go int64 `json:"go"`
	C  int64 `json:"c"`
}

func writeJSON(w io.Writer, d document) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(d)
}
