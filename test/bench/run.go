package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runtimeBin is an OCI runtime binary under test.
type runtimeBin struct {
	Name string
	Path string
}

// sandboxRunner runs membench rows inside runsc sandboxes.
type sandboxRunner struct {
	Membench string        // path to the static membench binary
	Platform string        // runsc --platform value
	Timeout  time.Duration // limit for one sandbox run
	TempDir  string        // parent of the per-run --root state dirs
}

// Run executes row once in rt and returns the ns/op membench measured.
func (s sandboxRunner) Run(rt runtimeBin, row Row) (float64, error) {
	stateDir, err := os.MkdirTemp(s.TempDir, "root-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(stateDir)

	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rt.Path, s.args(stateDir, rt, row)...)
	// On timeout let runsc tear its sandbox down before killing it.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("RUN FAILED: %s %q: %s %v: %v%s", rt.Name, row.Name,
			rt.Path, s.args(stateDir, rt, row), err, indent(stdout.String()+stderr.String()))
	}
	ns, err := parseResult(stdout.String(), row)
	if err != nil {
		return 0, fmt.Errorf("RUN FAILED: %s %q: %v%s", rt.Name, row.Name, err, indent(stdout.String()))
	}
	return ns, nil
}

// args is the command line of rt for one run of row.
func (s sandboxRunner) args(stateDir string, rt runtimeBin, row Row) []string {
	var args []string
	if rt.Name == "peios" {
		args = append(args, row.PeiosFlags...)
	}
	return append(args,
		"--network=none", "--platform="+s.Platform, "--root", stateDir,
		"do", s.Membench, row.Workload, strconv.Itoa(row.Iters), strconv.Itoa(row.Arg),
	)
}

// parseResult finds membench's result line in out, checks it is for row,
// and returns its ns/op.
func parseResult(out string, row Row) (float64, error) {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "membench: ")
		if !ok {
			continue
		}
		kv := fields(rest)
		want := map[string]string{
			"workload": row.Workload,
			"arg":      strconv.Itoa(row.Arg),
			"iters":    strconv.Itoa(row.Iters),
		}
		for k, v := range want {
			if kv[k] != v {
				return 0, fmt.Errorf("membench reported %s=%q, want %q", k, kv[k], v)
			}
		}
		ns, err := strconv.ParseFloat(kv["ns/op"], 64)
		if err != nil || ns <= 0 {
			return 0, fmt.Errorf("bad ns/op %q in %q", kv["ns/op"], line)
		}
		return ns, nil
	}
	return 0, fmt.Errorf("no membench result line in output")
}

// fields splits "k1=v1 k2=v2" into a map.
func fields(s string) map[string]string {
	m := make(map[string]string)
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}
