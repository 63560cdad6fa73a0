package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const (
	modulePath   = "github.com/peios/runsc-peios"
	stockPackage = "gvisor.dev/gvisor/runsc"
	peiosPackage = "./runsc-ext"
	membenchSrc  = "test/bench/membench/membench.c"
)

// findRepoRoot walks up from the working directory to the directory whose
// go.mod declares this module.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if modOf(filepath.Join(dir, "go.mod")) == modulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for module %s above the working directory", modulePath)
		}
		dir = parent
	}
}

// modOf returns the module path declared by the go.mod file at path, or ""
// if it cannot be read.
func modOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if mod, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(mod), `"`)
		}
	}
	return ""
}

// buildRunscs builds both runtimes and reports every failure, not just the
// first, so one run shows all that is broken.
func buildRunscs(root string, stock, peios runtimeBin) error {
	return errors.Join(
		goBuild(root, stock.Path, stockPackage),
		goBuild(root, peios.Path, peiosPackage),
	)
}

// goBuild runs `CGO_ENABLED=0 go build -o out pkg` in root.
func goBuild(root, out, pkg string) error {
	logf("building %s -> %s", pkg, out)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return runBuild(cmd, "go build "+pkg)
}

// buildMembench compiles membench.c into a static binary at out.
func buildMembench(root, out string) error {
	logf("building %s -> %s", membenchSrc, out)
	cmd := exec.Command("gcc", "-static", "-O2", "-Wall", "-Wextra", "-o", out,
		filepath.Join(root, membenchSrc))
	cmd.Dir = root
	return runBuild(cmd, "gcc "+membenchSrc)
}

// runBuild runs a build command and wraps its output into the error, so a
// failure is printed with the compiler's own diagnostics.
func runBuild(cmd *exec.Cmd, what string) error {
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("BUILD FAILED: %s: %v%s", what, err, indent(out.String()))
	}
	return nil
}

// gvisorVersion reports the gVisor module version the build uses.
func gvisorVersion(root string) string {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "gvisor.dev/gvisor")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// indent returns s as tab-indented lines, each preceded by a newline, or ""
// if s is blank, for appending command output to an error message.
func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return "\n\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
