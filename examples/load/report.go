package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// printResults writes one line per route and run, the errors, and the
// load average when the system reports it.
func printResults(out io.Writer, results []result) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "round\troute\trequests\treq/s\tmean\tp50\tp99\terrors\t")
	for _, r := range results {
		fmt.Fprintf(w, "%d\t%s\t%d\t%.0f\t%s\t%s\t%s\t%d\t\n", r.round, r.path, r.requests, r.throughput,
			r.mean.Round(time.Microsecond), r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.errors)
	}
	_ = w.Flush()
	for _, r := range results {
		for _, message := range r.messages {
			fmt.Fprintf(out, "error in round %d on %s: %s\n", r.round, r.path, message)
		}
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fields := strings.Fields(string(load))
		fmt.Fprintf(out, "load average: %s\n", strings.Join(fields[:min(3, len(fields))], " "))
	}
}

// printComparison writes, in compare mode, the protected route's
// throughput relative to the session-only route's, in each round and as
// the median over the rounds.
func printComparison(out io.Writer, results []result, o options) {
	if o.mode != modeCompare {
		return
	}
	var ratios []float64
	for round := 1; round <= o.rounds; round++ {
		protected, okProtected := find(results, round, o.path)
		session, okSession := find(results, round, o.sessionPath)
		if okProtected && okSession && session.throughput > 0 {
			ratios = append(ratios, protected.throughput/session.throughput)
		}
	}
	if len(ratios) == 0 {
		return
	}
	fmt.Fprintf(out, "throughput of %s relative to %s: median %.1f%% over %d rounds (%s)\n",
		o.path, o.sessionPath, 100*median(ratios), len(ratios), percentages(ratios))
}

// find returns the result of path in round.
func find(results []result, round int, path string) (result, bool) {
	for _, r := range results {
		if r.round == round && r.path == path {
			return r, true
		}
	}
	return result{}, false
}

func percentages(ratios []float64) string {
	parts := make([]string, len(ratios))
	for i, ratio := range ratios {
		parts[i] = fmt.Sprintf("%.1f%%", 100*ratio)
	}
	return strings.Join(parts, ", ")
}

// median returns the median of values, or 0 for none.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(values))
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	return (sorted[mid-1] + sorted[mid]) / 2
}
