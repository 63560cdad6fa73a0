// Command bench compares the cost of memory-management syscalls under stock
// runsc and runsc-peios.
//
// It builds stock runsc (gvisor.dev/gvisor/runsc at the version pinned in
// go.mod) and runsc-peios (./runsc-ext) into bin/, compiles the static C
// microbenchmark membench/membench.c (in its own directory: a .c file beside
// Go files breaks `go build` when cgo is enabled), runs every row of the
// table in rows.go several times in each runtime with
//
//	<runsc> --network=none --platform=systrap --root <fresh dir> do membench <workload> <iters> <arg>
//
// alternating which runtime goes first, and prints for each row the median
// over runs of membench's ns/op in each runtime, the peios/stock ratio, the
// noise of the runs and a summary line. It only reports: it
// exits 0 whatever the ratios are, and non-zero only when something fails
// to build or run.
//
// Run it from the repository root (it needs root, as runsc does):
//
//	go run ./test/bench [-skip-build] [-reps 7] [-run regexp]
//
// To validate the harness without a peios build, run stock against itself:
//
//	go run ./test/bench -skip-build -peios bin/runsc-stock
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// config holds the command-line settings.
type config struct {
	skipBuild bool
	stockPath string
	peiosPath string
	reps      int
	run       string
	platform  string
	timeout   time.Duration
	verbose   bool
}

func main() {
	cfg := parseFlags()
	if err := bench(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line into a config.
func parseFlags() config {
	var c config
	flag.BoolVar(&c.skipBuild, "skip-build", false, "reuse the existing runsc binaries instead of building them")
	flag.StringVar(&c.stockPath, "stock", "bin/runsc-stock", "stock runsc binary (built here unless -skip-build); relative to the repo root")
	flag.StringVar(&c.peiosPath, "peios", "bin/runsc-peios", "runsc-peios binary (built here unless -skip-build); relative to the repo root")
	flag.IntVar(&c.reps, "reps", 7, "runs per (runtime, row); the median is reported")
	flag.StringVar(&c.run, "run", "", "only run rows whose name matches this regexp")
	flag.StringVar(&c.platform, "platform", "systrap", "runsc --platform for both runtimes")
	flag.DurationVar(&c.timeout, "timeout", 2*time.Minute, "limit for one sandbox run")
	flag.BoolVar(&c.verbose, "v", false, "log every sample")
	flag.Parse()
	if flag.NArg() != 0 || c.reps < 1 {
		flag.Usage()
		os.Exit(2)
	}
	return c
}

// bench builds everything, measures every selected row and prints the report.
func bench(cfg config) error {
	root, err := findRepoRoot()
	if err != nil {
		return err
	}
	selected, err := selectRows(cfg.run)
	if err != nil {
		return err
	}
	stock := runtimeBin{Name: "stock", Path: inRoot(root, cfg.stockPath)}
	peios := runtimeBin{Name: "peios", Path: inRoot(root, cfg.peiosPath)}
	if err := prepareRunscs(cfg, root, stock, peios); err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "runsc-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	membench := filepath.Join(tmp, "membench")
	if err := buildMembench(root, membench); err != nil {
		return err
	}

	runner := sandboxRunner{Membench: membench, Platform: cfg.platform, Timeout: cfg.timeout, TempDir: tmp}
	start, loadBefore := time.Now(), loadAverage()
	ms, err := measure(runner, [2]runtimeBin{stock, peios}, selected, cfg.reps, cfg.verbose)
	if err != nil {
		return err
	}
	fmt.Printf("gvisor.dev/gvisor %s, platform %s, %d runs per (runtime, row), %d CPUs, %s\n",
		gvisorVersion(root), cfg.platform, cfg.reps, runtime.NumCPU(), time.Since(start).Round(time.Second))
	fmt.Printf("load average before: %s, after: %s\n", loadBefore, loadAverage())
	fmt.Printf("stock: %s\npeios: %s\n\n", stock.Path, peios.Path)
	printTable(os.Stdout, ms)
	fmt.Println()
	fmt.Println(summary(ms))
	return nil
}

// selectRows returns the rows whose name matches pattern (all if empty).
func selectRows(pattern string) ([]Row, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("-run: %v", err)
	}
	var out []Row
	for _, r := range rows {
		if re.MatchString(r.Name) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-run %q matches no row", pattern)
	}
	return out, nil
}

// prepareRunscs builds both runtimes, or with -skip-build checks that they
// exist.
func prepareRunscs(cfg config, root string, stock, peios runtimeBin) error {
	if !cfg.skipBuild {
		if stock.Path == peios.Path {
			return errors.New("-stock and -peios name the same file; add -skip-build to compare a binary with itself")
		}
		return buildRunscs(root, stock, peios)
	}
	for _, rt := range []runtimeBin{stock, peios} {
		if _, err := os.Stat(rt.Path); err != nil {
			return fmt.Errorf("-skip-build: %s runtime: %v", rt.Name, err)
		}
	}
	return nil
}

// measure runs every row reps times in both runtimes, interleaving them and
// alternating which goes first so slow drift affects both alike.
func measure(r sandboxRunner, rts [2]runtimeBin, rows []Row, reps int, verbose bool) ([]measurement, error) {
	ms := make([]measurement, len(rows))
	for i, row := range rows {
		ms[i].Row = row
	}
	for rep := 0; rep < reps; rep++ {
		logf("run %d/%d", rep+1, reps)
		order := [2]int{0, 1}
		if rep%2 == 1 {
			order = [2]int{1, 0}
		}
		for i, row := range rows {
			for _, k := range order {
				ns, err := r.Run(rts[k], row)
				if err != nil {
					return nil, err
				}
				if verbose {
					logf("  %-5s %-32s %12.1f ns/op", rts[k].Name, row.Name, ns)
				}
				ms[i].Samples[k] = append(ms[i].Samples[k], ns)
			}
		}
	}
	return ms, nil
}

// loadAverage returns the 1-, 5- and 15-minute load averages, to show how
// busy the machine was while measuring.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// inRoot resolves a relative path against the repository root.
func inRoot(root, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(root, path)
}

// logf prints progress to stderr, keeping stdout for the report.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
