//go:build linux && (amd64 || arm64)

package main

import (
	"math"
	"sort"
)

// median is the middle of xs (the mean of the two middle values for an
// even count); 0 for none. xs is not changed.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := sorted(xs)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile is the nearest-rank p-th percentile of xs: the smallest value
// that at least p percent of the values do not exceed. p99 of 1000 round
// trips is the 990th smallest; of 50 it is the largest. 0 for none.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := sorted(xs)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

func p99(xs []float64) float64 { return percentile(xs, 99) }

func sorted(xs []float64) []float64 {
	s := make([]float64, len(xs))
	copy(s, xs)
	sort.Float64s(s)
	return s
}

// ratio is goV/cV, Go's cost in units of C's: above 1 Go takes longer (for
// a time) or moves more (for a rate). ok is false when either side has no
// value, so that no ratio is printed for it.
func ratio(goV, cV float64) (r float64, ok bool) {
	if cV <= 0 || goV <= 0 || math.IsNaN(goV) || math.IsNaN(cV) {
		return 0, false
	}
	return goV / cV, true
}

// summary is one quantity measured in several runs: the median of the
// runs' values (each run's value is itself a median, a p99 or a rate) and
// their range, which says how far one run can be trusted on this machine.
type summary struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Runs   int     `json:"runs"`
}

func summarize(runs []float64) summary {
	if len(runs) == 0 {
		return summary{}
	}
	s := sorted(runs)
	return summary{Median: median(s), Min: s[0], Max: s[len(s)-1], Runs: len(s)}
}

// valid is true when at least one run gave a value.
func (s summary) valid() bool { return s.Runs > 0 }

// mbps is a rate in MB/s (10^6 bytes a second).
func mbps(bytes int64, ns int64) float64 {
	if ns <= 0 {
		return 0
	}
	return float64(bytes) / float64(ns) * 1e3
}
