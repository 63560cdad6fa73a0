package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

const (
	// ratioTarget is the peios/stock ratio every row should stay within.
	ratioTarget = 1.05
	// scalingTolerance is how much larger (relatively) the ratio at the
	// largest Arg must be than at the smallest before overhead "grows".
	scalingTolerance = 0.05
)

// measurement holds every ns/op sample of one row, per runtime
// (index 0 stock, 1 peios).
type measurement struct {
	Row     Row
	Samples [2][]float64
}

// Median returns the median ns/op of runtime i.
func (m measurement) Median(i int) float64 { return median(m.Samples[i]) }

// Ratio returns the peios/stock ratio of medians.
func (m measurement) Ratio() float64 { return m.Median(1) / m.Median(0) }

// Noise returns the larger of the two runtimes' median absolute deviation
// relative to the median: a robust noise figure, unlike max-min, for judging
// whether a ratio really differs from 1.
func (m measurement) Noise() float64 {
	worst := 0.0
	for _, s := range m.Samples {
		med := median(s)
		dev := make([]float64, len(s))
		for i, x := range s {
			dev[i] = math.Abs(x - med)
		}
		worst = max(worst, median(dev)/med)
	}
	return worst
}

// median returns the median of xs, which must be non-empty.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// printTable writes one line per row: medians, ratio and noise.
func printTable(w io.Writer, ms []measurement) {
	width := len("row")
	for _, m := range ms {
		width = max(width, len(m.Row.Name))
	}
	fmt.Fprintf(w, "%-*s  %12s  %12s  %11s  %7s\n", width, "row", "stock ns/op", "peios ns/op", "peios/stock", "noise")
	for _, m := range ms {
		fmt.Fprintf(w, "%-*s  %12.0f  %12.0f  %11.3f  %6.1f%%\n",
			width, m.Row.Name, m.Median(0), m.Median(1), m.Ratio(), 100*m.Noise())
	}
}

// summary is the final verdict line: whether every ratio meets ratioTarget
// and whether overhead grows with Arg for each workload with a Scale.
func summary(ms []measurement) string {
	parts := []string{ratioVerdict(ms)}
	for _, group := range scaledByWorkload(ms) {
		if v, ok := scalingVerdict(group); ok {
			parts = append(parts, v)
		}
	}
	return "summary: " + strings.Join(parts, "; ")
}

// ratioVerdict says whether every ratio is within ratioTarget, naming the
// rows that are not.
func ratioVerdict(ms []measurement) string {
	var over []string
	for _, m := range ms {
		if m.Ratio() > ratioTarget {
			over = append(over, fmt.Sprintf("%s %.3f", m.Row.Name, m.Ratio()))
		}
	}
	if len(over) == 0 {
		return fmt.Sprintf("every ratio <= %.2f: yes", ratioTarget)
	}
	return fmt.Sprintf("every ratio <= %.2f: NO (%s)", ratioTarget, strings.Join(over, ", "))
}

// scalingVerdict compares the ratio of the largest-Arg row of a workload
// with that of its smallest-Arg row. ok is false when the group has fewer
// than two distinct Args.
func scalingVerdict(group []measurement) (verdict string, ok bool) {
	byArg := func(a, b measurement) int { return a.Row.Arg - b.Row.Arg }
	lo, hi := slices.MinFunc(group, byArg), slices.MaxFunc(group, byArg)
	if lo.Row.Arg == hi.Row.Arg {
		return "", false
	}
	grows := "no"
	if hi.Ratio() > lo.Ratio()*(1+scalingTolerance) {
		grows = "YES"
	}
	return fmt.Sprintf("%s overhead grows with %s: %s (ratio %.3f at %d vs %.3f at %d)",
		lo.Row.Workload, lo.Row.Scale, grows, hi.Ratio(), hi.Row.Arg, lo.Ratio(), lo.Row.Arg), true
}

// scaledByWorkload groups the measurements of rows with a Scale by
// workload, in first-appearance order.
func scaledByWorkload(ms []measurement) [][]measurement {
	var groups [][]measurement
	index := map[string]int{}
	for _, m := range ms {
		if m.Row.Scale == "" {
			continue
		}
		i, seen := index[m.Row.Workload]
		if !seen {
			i = len(groups)
			index[m.Row.Workload] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], m)
	}
	return groups
}
