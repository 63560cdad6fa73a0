// Package conformance is the conformance test suite for runsc-peios, the
// gVisor-based OCI runtime whose Sentry enforces the Peios memory rules
// (/work/shared/spec/peios-memory.md, DECISIONS.md).
//
// The rules are checked by small static C programs in progs/ (see
// progs/check.h for their output format; they live in a subdirectory because
// Go refuses C files in a package that does not use cgo). Every check prints one line,
//
//	PASS <prog>/<name> [peios]
//	FAIL <prog>/<name>: got <ret> errno <E> want <ret> errno <E> [peios]
//
// where "[peios]" marks a Peios rule that native Linux answers differently.
//
// TestMain compiles the programs with gcc -static. The tests then run them
//   - in the sandbox on every platform (systrap, ptrace), where every check
//     must pass (TestSandbox);
//   - under the other W^X policies, chosen by the --peios-wx flag
//     (TestPolicyFlag) and by the OCI annotation dev.peios.mm/wx of a bundle
//     started with "runsc-peios run" (TestPolicyAnnotation);
//   - with the debug log on, to check that each process logs its first W^X
//     refusal exactly once (TestRefusalLog);
//   - across checkpoint and restore (TestCheckpointRestore);
//   - natively, where exactly the [peios] checks must fail; the list of
//     those failures is kept in testdata/native-differences.txt
//     (TestNative; regenerate with go test ./test/conformance -run Native
//     -update).
//
// The runtime is taken from $RUNSC_PEIOS, else ../../bin/runsc-peios; the
// sandbox tests need root.
package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/native-differences.txt from a native run (use with -run Native)")

// programs lists every C program of the suite, in the order they are run.
var programs = []string{"wx", "wx_policy", "wx_threads", "seal", "mmap_flags", "mremap", "seal_cr", "madvise", "mapflags", "growsdown", "mlock", "pkey", "pkey_soft", "residency", "commit", "fuzz"}

// platforms lists the gVisor platforms every sandbox test runs on (D7).
var platforms = []string{"systrap", "ptrace"}

const (
	// runTimeout bounds one run of a program, in or out of the sandbox.
	runTimeout = 120 * time.Second
	// waitTimeout bounds the wait for a file written by seal_cr.
	waitTimeout = 60 * time.Second
	// differencesFile lists the checks that fail natively.
	differencesFile = "testdata/native-differences.txt"
	// progsDir holds the C programs and check.h.
	progsDir = "progs"
)

// binDir holds the compiled programs (set by TestMain).
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(buildAndRun(m))
}

// buildAndRun compiles every program into a temporary directory, then runs
// the tests.
func buildAndRun(m *testing.M) int {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance: gcc not found in PATH: the C test programs cannot be built "+
			"(install gcc and the static glibc, e.g. apt-get install gcc libc6-dev)")
		return 1
	}
	sources, _ := filepath.Glob(filepath.Join(progsDir, "*.c"))
	if got, want := strings.Join(sortedNames(sources), " "), strings.Join(sortedNames(programs), " "); got != want {
		fmt.Fprintf(os.Stderr, "conformance: the C sources (%s) do not match the programs list (%s): update programs\n", got, want)
		return 1
	}
	dir, err := os.MkdirTemp("", "peios-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The sandbox gofer reads the binaries as root; keep them readable.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	for _, p := range programs {
		cmd := exec.Command(gcc, "-static", "-O1", "-pthread", "-o", filepath.Join(dir, p), filepath.Join(progsDir, p+".c"))
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "conformance: %s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
			return 1
		}
	}
	binDir = dir
	return m.Run()
}

func sortedNames(files []string) []string {
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".c"))
	}
	sort.Strings(names)
	return names
}

// ---- output of the programs ----

// check is one PASS or FAIL line.
type check struct {
	ID    string // "<prog>/<name>"
	Pass  bool
	Peios bool   // a Peios rule: native Linux is expected to fail it
	Got   string // FAIL only: "got ... want ..." without the [peios] marker
	Line  string
}

// output is what a program printed.
type output struct {
	Checks   []check
	Summary  map[string][2]int // prog -> {passed, failed} from "<prog>: N passed, N failed"
	Info     []string          // INFO lines, without the "INFO " prefix
	Unparsed []string          // other non-empty lines
}

var summaryRE = regexp.MustCompile(`^(\S+): (\d+) passed, (\d+) failed$`)

// parseOutput splits a program's stdout into checks, summaries and the rest.
func parseOutput(stdout string) output {
	out := output{Summary: map[string][2]int{}}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "PASS "), strings.HasPrefix(line, "FAIL "):
			c := check{Pass: line[0] == 'P', Line: line}
			rest := line[5:]
			if strings.HasSuffix(rest, " [peios]") {
				c.Peios = true
				rest = strings.TrimSuffix(rest, " [peios]")
			}
			if !c.Pass {
				if i := strings.Index(rest, ": "); i >= 0 {
					rest, c.Got = rest[:i], rest[i+2:]
				}
			}
			c.ID = rest
			out.Checks = append(out.Checks, c)
		case strings.HasPrefix(line, "INFO "):
			out.Info = append(out.Info, line[5:])
		default:
			if m := summaryRE.FindStringSubmatch(line); m != nil {
				p, _ := strconv.Atoi(m[2])
				f, _ := strconv.Atoi(m[3])
				out.Summary[m[1]] = [2]int{p, f}
			} else if strings.TrimSpace(line) != "" {
				out.Unparsed = append(out.Unparsed, line)
			}
		}
	}
	return out
}

// runResult is one finished process.
type runResult struct {
	Stdout, Stderr string
	Err            error // nil, an *exec.ExitError, or a timeout
	TimedOut       bool
}

func (r runResult) describe() string {
	var b strings.Builder
	if r.TimedOut {
		fmt.Fprintf(&b, "timed out after %v; ", runTimeout)
	}
	fmt.Fprintf(&b, "exit: %v", r.Err)
	if s := headTail(r.Stderr, 8, 20); s != "" {
		fmt.Fprintf(&b, "\nstderr:\n%s", s)
	}
	return b.String()
}

// headTail returns the first h and the last n lines of s.
func headTail(s string, h, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) <= h+n {
		return strings.TrimSpace(s)
	}
	return strings.Join(lines[:h], "\n") + "\n[...]\n" + strings.Join(lines[len(lines)-n:], "\n")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// run runs a command with a timeout; env is added to the environment.
func run(timeout time.Duration, env []string, name string, args ...string) runResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// On timeout, kill the whole process group (a native program's forked
	// children too); a sandbox process may keep our pipes open: do not wait
	// for it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return runResult{
		Stdout:   stdout.String(),
		Stderr:   stderr.String(),
		Err:      err,
		TimedOut: errors.Is(ctx.Err(), context.DeadlineExceeded),
	}
}

// requireAllPass fails t for every FAIL line, a missing or inconsistent
// summary of prog, duplicate check names, or a non-zero exit.
func requireAllPass(t *testing.T, prog string, r runResult, out output) {
	t.Helper()
	failed := 0
	seen := map[string]bool{}
	for _, c := range out.Checks {
		if seen[c.ID] {
			t.Errorf("duplicate check name %s", c.ID)
		}
		seen[c.ID] = true
		if !c.Pass {
			failed++
			t.Errorf("%s", c.Line)
		}
	}
	sum, ok := out.Summary[prog]
	switch {
	case !ok:
		t.Errorf("%s printed no summary line (it did not finish); %d checks seen; %s", prog, len(out.Checks), r.describe())
	case sum[0]+sum[1] != len(out.Checks) || sum[1] != failed:
		t.Errorf("%s summary says %d passed, %d failed but %d check lines (%d FAIL) were printed: output lost (a child died?)",
			prog, sum[0], sum[1], len(out.Checks), failed)
	}
	if len(out.Checks) == 0 {
		t.Errorf("%s printed no checks; %s", prog, r.describe())
	}
	if r.Err != nil && failed == 0 {
		t.Errorf("%s: %s", prog, r.describe())
	}
	if t.Failed() {
		if len(out.Info) > 0 {
			t.Logf("INFO lines:\n%s", tail(strings.Join(out.Info, "\n"), 20))
		}
		if len(out.Unparsed) > 0 {
			t.Logf("other output:\n%s", tail(strings.Join(out.Unparsed, "\n"), 20))
		}
	}
}

// ---- the runtime ----

// repoRoot is the root of the runsc-peios repository.
func repoRoot() string {
	p, _ := filepath.Abs("../..")
	return p
}

// runtimePath returns the runsc-peios binary, or stops the test: it never
// skips silently.
func runtimePath(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: runsc-peios needs root to create sandboxes; run the suite as root")
	}
	p := os.Getenv("RUNSC_PEIOS")
	if p == "" {
		p = filepath.Join(repoRoot(), "bin", "runsc-peios")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("runtime binary not found: %v\nbuild it with: cd %s && CGO_ENABLED=0 go build -o bin/runsc-peios ./runsc-ext\n(or point RUNSC_PEIOS at a runsc-peios binary)", err, repoRoot())
	}
	return p
}

// unmountNullNetNS removes the network namespace bind mounts runsc leaves
// in a root directory, so that the directory can be deleted.
func unmountNullNetNS(dir string) {
	for syscall.Unmount(filepath.Join(dir, "null-netns"), syscall.MNT_DETACH) == nil {
	}
}

// forceDeleteAll deletes every container still known under root.
func forceDeleteAll(t *testing.T, runsc, root string) {
	r := run(30*time.Second, nil, runsc, "--root="+root, "list", "-quiet")
	for _, id := range strings.Fields(r.Stdout) {
		if d := run(30*time.Second, nil, runsc, "--root="+root, "delete", "-force", id); d.Err != nil {
			t.Logf("cleanup: delete -force %s: %v %s", id, d.Err, d.Stderr)
		}
	}
	unmountNullNetNS(root)
}

// sandboxOpts selects how a program is run in the sandbox.
type sandboxOpts struct {
	platform string
	flags    []string // extra global flags, e.g. --peios-wx=off
	logDir   string   // if set, --debug --debug-log=<logDir>/
}

func (o sandboxOpts) globalFlags(root string) []string {
	args := []string{"--root=" + root, "--network=none", "--platform=" + o.platform}
	args = append(args, o.flags...)
	if o.logDir != "" {
		args = append(args, "--debug", "--debug-log="+o.logDir+"/")
	}
	return args
}

// runDo runs one program with "runsc-peios do" and returns its result.
func runDo(t *testing.T, o sandboxOpts, prog string, args ...string) (runResult, output) {
	t.Helper()
	runsc := runtimePath(t)
	state := t.TempDir()
	root := filepath.Join(state, "root")
	if err := os.Mkdir(root, 0o700); err != nil {
		t.Fatal(err)
	}
	// "do" keeps its container state in a fresh directory under $TMPDIR;
	// point that at our state directory so a hung sandbox can be removed.
	t.Cleanup(func() {
		dirs, _ := filepath.Glob(filepath.Join(state, "runsc-do*"))
		for _, d := range append(dirs, root) {
			forceDeleteAll(t, runsc, d)
		}
	})
	cmdArgs := append(o.globalFlags(root), "do", filepath.Join(binDir, prog))
	cmdArgs = append(cmdArgs, args...)
	r := run(runTimeout, []string{"TMPDIR=" + state}, runsc, cmdArgs...)
	if r.TimedOut {
		t.Errorf("runsc-peios %s: %s", strings.Join(cmdArgs, " "), r.describe())
	}
	return r, parseOutput(r.Stdout)
}

// ---- OCI bundles ----

type ociSpec struct {
	OCIVersion  string            `json:"ociVersion"`
	Process     ociProcess        `json:"process"`
	Root        ociRoot           `json:"root"`
	Hostname    string            `json:"hostname"`
	Mounts      []ociMount        `json:"mounts"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       ociLinux          `json:"linux"`
}

type ociProcess struct {
	Terminal bool     `json:"terminal"`
	User     ociUser  `json:"user"`
	Args     []string `json:"args"`
	Env      []string `json:"env"`
	Cwd      string   `json:"cwd"`
}

type ociUser struct {
	UID uint32 `json:"uid"`
	GID uint32 `json:"gid"`
}

type ociRoot struct {
	Path     string `json:"path"`
	Readonly bool   `json:"readonly"`
}

type ociMount struct {
	Destination string   `json:"destination"`
	Type        string   `json:"type"`
	Source      string   `json:"source"`
	Options     []string `json:"options,omitempty"`
}

type ociLinux struct {
	Namespaces []ociNamespace `json:"namespaces"`
}

type ociNamespace struct {
	Type string `json:"type"`
}

// writeBundle writes config.json for a container running args with the
// host's / as a read-only root, a tmpfs on /tmp, the program directory
// bound read-only, and rwDir (if set) bound read-write at the same path.
func writeBundle(t *testing.T, bundle string, args []string, annotations map[string]string, rwDir string) {
	t.Helper()
	spec := ociSpec{
		OCIVersion: "1.0.2",
		Process: ociProcess{
			Args: args,
			Env:  []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cwd:  "/",
		},
		Root:     ociRoot{Path: "/", Readonly: true},
		Hostname: "peios-conformance",
		Mounts: []ociMount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"},
			// binDir lies under /tmp, which the tmpfs hides.
			{Destination: binDir, Type: "bind", Source: binDir, Options: []string{"rbind", "ro"}},
		},
		Annotations: annotations,
		Linux: ociLinux{Namespaces: []ociNamespace{
			{Type: "pid"}, {Type: "ipc"}, {Type: "uts"}, {Type: "mount"}, {Type: "network"},
		}},
	}
	if rwDir != "" {
		spec.Mounts = append(spec.Mounts, ociMount{Destination: rwDir, Type: "bind", Source: rwDir, Options: []string{"rbind", "rw"}})
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// containerID returns a container id unique within the test binary.
func containerID(t *testing.T) string {
	r := strings.NewReplacer("/", "-", " ", "-", "=", "-")
	return fmt.Sprintf("peios-%s-%d", strings.ToLower(r.Replace(t.Name())), time.Now().UnixNano()%1000000)
}

// runBundle runs a container in the foreground with "runsc-peios run".
func runBundle(t *testing.T, o sandboxOpts, args []string, annotations map[string]string) (runResult, output) {
	t.Helper()
	runsc := runtimePath(t)
	root, bundle := t.TempDir(), t.TempDir()
	writeBundle(t, bundle, args, annotations, "")
	id := containerID(t)
	t.Cleanup(func() { forceDeleteAll(t, runsc, root) })
	cmdArgs := append(o.globalFlags(root), "run", "--bundle="+bundle, id)
	r := run(runTimeout, nil, runsc, cmdArgs...)
	if r.TimedOut {
		t.Errorf("runsc-peios %s: %s", strings.Join(cmdArgs, " "), r.describe())
	}
	return r, parseOutput(r.Stdout)
}

// ---- tests ----

// programArgs gives a program its default arguments for a sandbox run.
func programArgs(t *testing.T, prog string) []string {
	if prog != "seal_cr" {
		return nil
	}
	// Without a checkpoint, seal_cr needs "go" to exist from the start.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{dir}
}

// TestSandbox runs every program in the sandbox on every platform with the
// default policy (W^X enforced); every check must pass.
func TestSandbox(t *testing.T) {
	for _, platform := range platforms {
		for _, prog := range programs {
			t.Run(platform+"/"+prog, func(t *testing.T) {
				r, out := runDo(t, sandboxOpts{platform: platform}, prog, programArgs(t, prog)...)
				requireAllPass(t, prog, r, out)
			})
		}
	}
}

// policyCase is one program run under one W^X policy.
type policyCase struct {
	name  string
	flags []string          // global runtime flags
	ann   map[string]string // OCI annotations (TestPolicyAnnotation only)
	prog  string
	args  []string
}

// TestPolicyFlag runs the W^X programs under each value of --peios-wx
// (D1, D6) and with the process relaxing W^X itself.
func TestPolicyFlag(t *testing.T) {
	cases := []policyCase{
		{name: "off/wx", flags: []string{"--peios-wx=off"}, prog: "wx", args: []string{"off"}},
		{name: "off/wx_policy", flags: []string{"--peios-wx=off"}, prog: "wx_policy", args: []string{"off"}},
		{name: "locked/wx", flags: []string{"--peios-wx=locked"}, prog: "wx", args: []string{"enforce"}},
		{name: "locked/wx_policy", flags: []string{"--peios-wx=locked"}, prog: "wx_policy", args: []string{"locked"}},
		{name: "enforce/wx_policy", flags: []string{"--peios-wx=enforce"}, prog: "wx_policy", args: []string{"enforce"}},
		{name: "enforce/wx", flags: []string{"--peios-wx=enforce"}, prog: "wx", args: []string{"enforce"}},
		{name: "default/wx_relax", prog: "wx", args: []string{"relax"}},
	}
	for _, platform := range platforms {
		for _, c := range cases {
			t.Run(platform+"/"+c.name, func(t *testing.T) {
				r, out := runDo(t, sandboxOpts{platform: platform, flags: c.flags}, c.prog, c.args...)
				requireAllPass(t, c.prog, r, out)
			})
		}
	}
}

const wxAnnotation = "dev.peios.mm/wx"

// TestPolicyAnnotation sets the W^X policy per container with the OCI
// annotation dev.peios.mm/wx, which overrides the runtime flag (D6), and
// checks that a bad value refuses to start the container.
func TestPolicyAnnotation(t *testing.T) {
	cases := []policyCase{
		{name: "off/wx_policy", ann: map[string]string{wxAnnotation: "off"}, prog: "wx_policy", args: []string{"off"}},
		{name: "off/wx", ann: map[string]string{wxAnnotation: "off"}, prog: "wx", args: []string{"off"}},
		{name: "locked/wx_policy", ann: map[string]string{wxAnnotation: "locked"}, prog: "wx_policy", args: []string{"locked"}},
		{name: "enforce/wx_policy", ann: map[string]string{wxAnnotation: "enforce"}, prog: "wx_policy", args: []string{"enforce"}},
		{name: "off_overrides_flag_locked/wx_policy", flags: []string{"--peios-wx=locked"},
			ann: map[string]string{wxAnnotation: "off"}, prog: "wx_policy", args: []string{"off"}},
		{name: "enforce_overrides_flag_off/wx_policy", flags: []string{"--peios-wx=off"},
			ann: map[string]string{wxAnnotation: "enforce"}, prog: "wx_policy", args: []string{"enforce"}},
		{name: "no_annotation_flag_off/wx_policy", flags: []string{"--peios-wx=off"},
			prog: "wx_policy", args: []string{"off"}},
	}
	for _, platform := range platforms {
		for _, c := range cases {
			t.Run(platform+"/"+c.name, func(t *testing.T) {
				args := append([]string{filepath.Join(binDir, c.prog)}, c.args...)
				r, out := runBundle(t, sandboxOpts{platform: platform, flags: c.flags}, args, c.ann)
				requireAllPass(t, c.prog, r, out)
			})
		}
		t.Run(platform+"/bad_value_refused", func(t *testing.T) {
			args := []string{filepath.Join(binDir, "wx_policy")}
			r, out := runBundle(t, sandboxOpts{platform: platform}, args, map[string]string{wxAnnotation: "sometimes"})
			if r.Err == nil {
				t.Errorf("container with %s=sometimes started and exited 0; want it refused", wxAnnotation)
			}
			if len(out.Checks) > 0 {
				t.Errorf("container with %s=sometimes ran its program (%d checks); want it refused before start", wxAnnotation, len(out.Checks))
			}
			if msg := r.Stdout + r.Stderr; !strings.Contains(msg, wxAnnotation) {
				t.Errorf("refusal message does not name the key %s:\n%s", wxAnnotation, tail(msg, 20))
			}
		})
	}
}

// lockToken is a token holding SeLockMemoryPrivilege, enabled (a
// ":disabled" suffix holds it disabled).
const lockToken = "user=S-1-5-21-1-2-3-1000;privileges=SeChangeNotifyPrivilege,SeLockMemoryPrivilege"

// commitLimit is the strict commit limit of the commit tests (256 MiB).
const commitLimit = "268435456"

// TestMemoryPolicies runs the programs whose rules depend on the sandbox
// policy under that policy (D3, D5, D6; §14 with SeLockMemoryPrivilege in
// the processes' token, enabled or present but disabled, or given by the
// sandbox flag), set by flag or by annotation.
func TestMemoryPolicies(t *testing.T) {
	strict := []string{"--peios-commit=strict", "--peios-commit-limit=" + commitLimit}
	cases := []policyCase{
		{name: "lock_privilege/mlock", flags: []string{"--peios-privileges=SeLockMemoryPrivilege"}, prog: "mlock", args: []string{"priv"}},
		{name: "lock_privilege_in_token/mlock", flags: []string{"--peios-token=" + lockToken}, prog: "mlock", args: []string{"priv"}},
		// A privilege the token holds disabled is not held (§3.8).
		{name: "lock_privilege_disabled_in_token/mlock", flags: []string{"--peios-token=" + lockToken + ":disabled"}, prog: "mlock"},
		{name: "commit_heuristic_flag/commit", flags: []string{"--peios-commit=heuristic"}, prog: "commit"},
		{name: "commit_strict_flag/commit", flags: strict, prog: "commit", args: []string{"strict", commitLimit}},
		{name: "commit_limit_suffix/commit", flags: []string{"--peios-commit=strict", "--peios-commit-limit=256M"},
			prog: "commit", args: []string{"strict", commitLimit}},
		{name: "pkeys_software_flag/pkey_soft", flags: []string{"--peios-pkeys=software"}, prog: "pkey_soft", args: []string{"software"}},
		{name: "pkeys_none_flag/pkey_soft", flags: []string{"--peios-pkeys=none"}, prog: "pkey_soft"},
		{name: "pkeys_none_flag/pkey", flags: []string{"--peios-pkeys=none"}, prog: "pkey"},
	}
	for _, platform := range platforms {
		for _, c := range cases {
			t.Run(platform+"/"+c.name, func(t *testing.T) {
				r, out := runDo(t, sandboxOpts{platform: platform, flags: c.flags}, c.prog, c.args...)
				requireAllPass(t, c.prog, r, out)
			})
		}
		t.Run(platform+"/lock_privilege_token_annotation/mlock", func(t *testing.T) {
			r, out := runBundle(t, sandboxOpts{platform: platform}, []string{filepath.Join(binDir, "mlock"), "priv"},
				map[string]string{"dev.peios.mm/token": lockToken})
			requireAllPass(t, "mlock", r, out)
		})
		t.Run(platform+"/commit_strict_annotation/commit", func(t *testing.T) {
			args := []string{filepath.Join(binDir, "commit"), "strict", commitLimit}
			ann := map[string]string{"dev.peios.mm/commit": "strict", "dev.peios.mm/commit-limit": commitLimit}
			r, out := runBundle(t, sandboxOpts{platform: platform}, args, ann)
			requireAllPass(t, "commit", r, out)
		})
		t.Run(platform+"/pkeys_software_annotation/pkey_soft", func(t *testing.T) {
			args := []string{filepath.Join(binDir, "pkey_soft"), "software"}
			r, out := runBundle(t, sandboxOpts{platform: platform}, args, map[string]string{"dev.peios.mm/pkeys": "software"})
			requireAllPass(t, "pkey_soft", r, out)
		})
		t.Run(platform+"/pkeys_none_annotation_overrides_flag/pkey_soft", func(t *testing.T) {
			args := []string{filepath.Join(binDir, "pkey_soft")}
			flags := []string{"--peios-pkeys=software"}
			r, out := runBundle(t, sandboxOpts{platform: platform, flags: flags}, args, map[string]string{"dev.peios.mm/pkeys": "none"})
			requireAllPass(t, "pkey_soft", r, out)
		})
		t.Run(platform+"/commit_annotation_overrides_flag/commit", func(t *testing.T) {
			args := []string{filepath.Join(binDir, "commit")}
			r, out := runBundle(t, sandboxOpts{platform: platform, flags: strict}, args, map[string]string{"dev.peios.mm/commit": "heuristic"})
			requireAllPass(t, "commit", r, out)
		})
		for key, bad := range map[string]string{"dev.peios.mm/commit": "lazy", "dev.peios.mm/commit-limit": "-1", "dev.peios.mm/pkeys": "hardware"} {
			t.Run(platform+"/bad_"+strings.TrimPrefix(key, "dev.peios.mm/")+"_refused", func(t *testing.T) {
				r, out := runBundle(t, sandboxOpts{platform: platform}, []string{filepath.Join(binDir, "commit")}, map[string]string{key: bad})
				if r.Err == nil || len(out.Checks) > 0 {
					t.Errorf("container with %s=%s ran (exit %v, %d checks); want it refused before start", key, bad, r.Err, len(out.Checks))
				}
				if msg := r.Stdout + r.Stderr; !strings.Contains(msg, key) {
					t.Errorf("refusal message does not name the key %s:\n%s", key, tail(msg, 20))
				}
			})
		}
	}
}

// TestCommitSIGKILL starts 1,000 processes that map and touch memory under
// strict accounting, kills them with SIGKILL and checks that Committed_AS
// is back at its baseline (D3: the charge is released on exit, also after
// SIGKILL).
func TestCommitSIGKILL(t *testing.T) {
	for _, platform := range platforms {
		t.Run(platform, func(t *testing.T) {
			flags := []string{"--peios-commit=strict", "--peios-commit-limit=64G"}
			r, out := runDo(t, sandboxOpts{platform: platform, flags: flags}, "commit", "mass", "1000")
			requireAllPass(t, "commit", r, out)
		})
	}
}

// refusalLines returns the lines of every file in dir that report a W^X
// refusal: they mention W^X and both opt-outs.
func refusalLines(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no log files in %s (%v)", dir, err)
	}
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "W^X") && strings.Contains(l, "PR_SET_DYNAMIC_CODE_POLICY") &&
				strings.Contains(l, "--peios-wx=off") {
				lines = append(lines, l)
			}
		}
	}
	return lines
}

var hexRE = regexp.MustCompile(`0x[0-9a-f]+`)

// linesWithAddr returns the lines that contain addr as a whole hex token.
func linesWithAddr(lines []string, addr string) []string {
	var res []string
	for _, l := range lines {
		for _, tok := range hexRE.FindAllString(l, -1) {
			if tok == addr {
				res = append(res, l)
				break
			}
		}
	}
	return res
}

// TestRefusalLog checks the W^X refusal log: the first refusal of each
// process is logged once, with the faulting address and the opt-outs; a
// second refusal in the same process is not logged; a forked child logs its
// own first refusal. With W^X off, nothing is logged.
func TestRefusalLog(t *testing.T) {
	for _, platform := range platforms {
		t.Run(platform+"/enforce", func(t *testing.T) {
			logDir := t.TempDir()
			r, out := runDo(t, sandboxOpts{platform: platform, logDir: logDir}, "wx", "log")
			requireAllPass(t, "wx", r, out)
			addrs := map[string]string{}
			for _, info := range out.Info {
				var which, addr string
				if n, _ := fmt.Sscanf(info, "addr %s %s", &which, &addr); n == 2 {
					addrs[which] = addr
				}
			}
			for _, w := range []string{"parent-first", "parent-second", "child-first", "child-second"} {
				if addrs[w] == "" {
					t.Fatalf("wx log printed no address for %s; output:\n%s", w, r.Stdout)
				}
			}
			lines := refusalLines(t, logDir)
			if len(lines) != 2 {
				t.Errorf("got %d W^X refusal log lines, want 2 (one per process):\n%s", len(lines), strings.Join(lines, "\n"))
			}
			for _, w := range []string{"parent-first", "child-first"} {
				if got := linesWithAddr(lines, addrs[w]); len(got) != 1 {
					t.Errorf("%s refusal at %s: %d log lines mention it, want exactly 1", w, addrs[w], len(got))
				}
			}
			for _, w := range []string{"parent-second", "child-second"} {
				if got := linesWithAddr(lines, addrs[w]); len(got) != 0 {
					t.Errorf("%s refusal at %s was logged again (want one line per process):\n%s", w, addrs[w], strings.Join(got, "\n"))
				}
			}
		})
		t.Run(platform+"/off", func(t *testing.T) {
			logDir := t.TempDir()
			r, out := runDo(t, sandboxOpts{platform: platform, flags: []string{"--peios-wx=off"}, logDir: logDir}, "wx", "off")
			requireAllPass(t, "wx", r, out)
			if lines := refusalLines(t, logDir); len(lines) != 0 {
				t.Errorf("W^X off but %d refusal lines were logged:\n%s", len(lines), strings.Join(lines, "\n"))
			}
		})
	}
}

// waitFile waits until path exists.
func waitFile(path string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// hostRWDir returns a host directory that a container can bind-mount
// read-write. gVisor's gofer refuses writes to a bind mount from the
// filesystem of the read-only root "/", so the directory must live on
// another filesystem: /dev/shm if it is one, else a tmpfs mounted here.
func hostRWDir(t *testing.T) string {
	t.Helper()
	var rootSt, shmSt syscall.Stat_t
	if syscall.Stat("/", &rootSt) == nil && syscall.Stat("/dev/shm", &shmSt) == nil && rootSt.Dev != shmSt.Dev {
		dir, err := os.MkdirTemp("/dev/shm", "peios-cr-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16m,mode=0755"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// waitStopped waits until "runsc-peios state" reports the container stopped.
func waitStopped(runsc string, global []string, id string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		r := run(30*time.Second, nil, runsc, append(append([]string{}, global...), "state", id)...)
		var st struct {
			Status string `json:"status"`
		}
		if r.Err == nil && json.Unmarshal([]byte(r.Stdout), &st) == nil && st.Status == "stopped" {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// TestCheckpointRestore checkpoints a container while seal_cr waits with a
// sealed region, restores it, and checks that the seal, the memory and the
// dynamic-code policy survived (§12.1, D1).
func TestCheckpointRestore(t *testing.T) {
	for _, platform := range platforms {
		for _, mode := range []string{"default", "relaxed"} {
			t.Run(platform+"/"+mode, func(t *testing.T) {
				checkpointRestore(t, platform, mode)
			})
		}
	}
}

func checkpointRestore(t *testing.T, platform, mode string) {
	runsc := runtimePath(t)
	root, bundle, img, logs := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	shared := hostRWDir(t)
	id := containerID(t)
	writeBundle(t, bundle, []string{filepath.Join(binDir, "seal_cr"), shared, mode}, nil, shared)
	t.Cleanup(func() { forceDeleteAll(t, runsc, root) })
	global := sandboxOpts{platform: platform}.globalFlags(root)

	// step runs one runsc-peios command with its output in a log file (a
	// detached sandbox keeps its stdio open, so no pipes).
	step := func(name string, args ...string) {
		t.Helper()
		logf, err := os.Create(filepath.Join(logs, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, runsc, append(append([]string{}, global...), args...)...)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Run(); err != nil {
			data, _ := os.ReadFile(logf.Name())
			t.Fatalf("runsc-peios %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, tail(string(data), 30))
		}
	}
	showLogs := func() string {
		var b strings.Builder
		files, _ := filepath.Glob(filepath.Join(logs, "*.log"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), tail(string(data), 20))
		}
		return b.String()
	}

	step("run", "run", "--detach", "--bundle="+bundle, id)
	if !waitFile(filepath.Join(shared, "ready"), waitTimeout) {
		t.Fatalf("seal_cr never wrote %s/ready\n%s", shared, showLogs())
	}
	step("checkpoint", "checkpoint", "--image-path="+img, id)
	// The sandbox stops shortly after the checkpoint is written; only then
	// can the container be deleted and restored under the same id.
	if !waitStopped(runsc, global, id, waitTimeout) {
		t.Fatalf("container %s did not stop after checkpoint\n%s", id, showLogs())
	}
	deleted := false
	for deadline := time.Now().Add(waitTimeout); !deleted && time.Now().Before(deadline); {
		r := run(runTimeout, nil, runsc, append(append([]string{}, global...), "delete", id)...)
		deleted = r.Err == nil
		if !deleted {
			t.Logf("delete after checkpoint: %v %s (retrying)", r.Err, strings.TrimSpace(r.Stderr))
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !deleted {
		t.Fatalf("could not delete checkpointed container %s\n%s", id, showLogs())
	}
	step("restore", "restore", "--image-path="+img, "--detach", "--bundle="+bundle, id)
	if err := os.WriteFile(filepath.Join(shared, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(shared, "results")
	if !waitFile(results, waitTimeout) {
		t.Fatalf("restored seal_cr never wrote its results\n%s", showLogs())
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	out := parseOutput(string(data))
	requireAllPass(t, "seal_cr", runResult{}, out)
	if t.Failed() {
		t.Logf("runtime output:\n%s", showLogs())
	}
	step("delete-after", "delete", "-force", id)
}

// ---- native ----

var addrRE = regexp.MustCompile(`0x[0-9a-f]{5,}`)

// TestNative runs every program on the host kernel. Exactly the checks
// marked [peios] must fail; their list must match
// testdata/native-differences.txt (regenerate with -update).
func TestNative(t *testing.T) {
	var diffs []string
	for _, prog := range programs {
		r := run(runTimeout, nil, filepath.Join(binDir, prog), programArgs(t, prog)...)
		out := parseOutput(r.Stdout)
		if r.TimedOut {
			t.Errorf("%s: %s", prog, r.describe())
		}
		if _, ok := out.Summary[prog]; !ok || len(out.Checks) == 0 {
			t.Errorf("%s did not finish natively (%d checks); %s", prog, len(out.Checks), r.describe())
		}
		for _, c := range out.Checks {
			switch {
			case !c.Pass && !c.Peios:
				t.Errorf("native Linux fails a check not marked [peios] (a test bug, or the host differs from the spec): %s", c.Line)
			case c.Pass && c.Peios:
				t.Errorf("check marked [peios] passes on native Linux (mark it as a plain check): %s", c.Line)
			case !c.Pass:
				diffs = append(diffs, c.ID+": "+addrRE.ReplaceAllString(c.Got, "<addr>"))
			}
		}
	}
	sort.Strings(diffs)
	header := "# Checks that fail on native Linux because they test Peios rules (marked [peios]).\n" +
		"# Generated by: go test ./test/conformance -run Native -update\n" +
		"# Format: <prog>/<check>: <native result> want <Peios result>\n"
	content := header + strings.Join(diffs, "\n") + "\n"
	if *update {
		if t.Failed() {
			t.Fatalf("not writing %s: fix the errors above first", differencesFile)
		}
		if err := os.WriteFile(differencesFile, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d differences)", differencesFile, len(diffs))
		return
	}
	data, err := os.ReadFile(differencesFile)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./test/conformance -run Native -update)", err)
	}
	var want []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	gotSet, wantSet := toSet(diffs), toSet(want)
	for _, l := range want {
		if !gotSet[l] {
			t.Errorf("in %s but not in this native run: %s", differencesFile, l)
		}
	}
	for _, l := range diffs {
		if !wantSet[l] {
			t.Errorf("native difference missing from %s: %s", differencesFile, l)
		}
	}
	if t.Failed() {
		t.Logf("if the change is intended, regenerate with: go test ./test/conformance -run Native -update")
	}
}

func toSet(lines []string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lines {
		m[l] = true
	}
	return m
}
