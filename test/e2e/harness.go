package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// workDir holds everything a run creates on disk besides the cache;
	// it is removed at the start and at the end of a run.
	workDir = "/var/lib/runsc-peios-e2e"
	// runDir holds sockets and runtime state; removed like workDir.
	runDir = "/run/runsc-peios-e2e"
	// shimSocketRoot is containerd's default state directory, under whose
	// s/ the shim library creates shim sockets.
	shimSocketRoot = "/run/containerd"
	// cgroupParent is the cgroup, in every hierarchy, under which all
	// containers, sandboxes and pods of a run are placed.
	cgroupParent = "runsc-peios-e2e"
)

// test is one run: the checks' tally, the processes started, the timings.
type test struct {
	cache  string // cached builds, kept between runs
	repo   string // the repository's root
	bin    string // binaries used by the run (built or copied from cache)
	logDir string // logs of the processes the run starts, kept until the next run

	prebuiltRuntime string // a runsc-peios to test instead of building one

	// madeShimSocketDir is set if the run created /run/containerd, where
	// containerd's shim library puts shim sockets whatever containerd's
	// own state directory is; the run removes it again if it is empty.
	madeShimSocketDir bool

	passed, failed int
	timings        []timing
	procs          []*process // started and not yet stopped, in start order
	containerd     *process   // the running containerd, if any
}

type timing struct {
	name string
	d    time.Duration
}

func newTest(cache string) *test {
	return &test{
		cache:  cache,
		bin:    filepath.Join(workDir, "bin"),
		logDir: filepath.Join(cache, "logs"),
	}
}

func (t *test) logf(format string, args ...any) {
	fmt.Printf("%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// check records one check: it passes if err is nil.
func (t *test) check(name string, err error) bool {
	if err != nil {
		t.failed++
		fmt.Printf("FAIL: %s: %v\n", name, err)
		return false
	}
	t.passed++
	fmt.Printf("PASS: %s\n", name)
	return true
}

// checkContains records a check that out contains every one of wants.
func (t *test) checkContains(name, out string, wants ...string) bool {
	for _, w := range wants {
		if !strings.Contains(out, w) {
			return t.check(name, fmt.Errorf("output has no %q:\n%s", w, indent(out)))
		}
	}
	return t.check(name, nil)
}

// indent prefixes every line of s for readable failure messages.
func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (empty)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// prepareDirs removes what an earlier run left and creates the run's
// directories.
func (t *test) prepareDirs() error {
	repo, err := findRepoRoot()
	if err != nil {
		return err
	}
	t.repo = repo
	if _, err := os.Stat(shimSocketRoot); os.IsNotExist(err) {
		t.madeShimSocketDir = true
	}
	t.cleanupLeftovers()
	for _, d := range []string{workDir, runDir, t.logDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	for _, d := range []string{filepath.Join(t.cache, "bin"), t.bin, t.logDir, runDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// findRepoRoot walks up from the working directory to this module's go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module github.com/peios/runsc-peios\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the runsc-peios repository")
		}
		dir = parent
	}
}

// run runs a command to completion with a timeout and returns its combined
// output.
func (t *test) run(timeout time.Duration, env []string, name string, args ...string) (string, error) {
	return t.runIn("", timeout, env, name, args...)
}

// runIn is run in the directory dir ("": the current directory). The
// output goes through a temporary file, not a pipe: a command's children
// (the sandbox that `runsc create` starts) inherit its standard streams and
// may hold them long after it exits.
func (t *test) runIn(dir string, timeout time.Duration, env []string, name string, args ...string) (string, error) {
	f, err := os.CreateTemp("", "runsc-peios-e2e-out-")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(t.env(), env...)
	cmd.Stdout = f
	cmd.Stderr = f
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}
	data, _ := os.ReadFile(f.Name())
	out := string(data)
	if err != nil {
		return out, fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, indent(out))
	}
	return out, nil
}

// env is the environment of every command: the run's binaries first on
// PATH, nothing that would send a tool to a proxy.
func (t *test) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "PATH", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PATH="+t.bin+":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

// process is a long-running process the test started.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
}

// start starts a long-running process with its output in logs/NAME.log.
func (t *test) start(name string, env []string, args ...string) (*process, error) {
	logPath := filepath.Join(t.logDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(t.env(), env...)
	cmd.Stdout = f
	cmd.Stderr = f
	// Its own process group: a Ctrl-C in the terminal reaches only the
	// test, which then stops its processes in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.procs = append(t.procs, p)
	t.logf("started %s (pid %d), log %s", name, cmd.Process.Pid, logPath)
	return p, nil
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail returns the last lines of the process's log.
func (p *process) tail(n int) string {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// stop stops a process by its PID: SIGTERM, then SIGKILL after grace.
func (t *test) stop(p *process, grace time.Duration) {
	for i, q := range t.procs {
		if q == p {
			t.procs = append(t.procs[:i], t.procs[i+1:]...)
			break
		}
	}
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		t.logf("%s (pid %d) did not stop in %v: SIGKILL", p.name, p.cmd.Process.Pid, grace)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	t.logf("stopped %s (pid %d)", p.name, p.cmd.Process.Pid)
}

// waitFor polls cond every interval until it returns true or an error, or
// until timeout; it returns the last error seen.
func waitFor(timeout, interval time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			if last == nil {
				last = errors.New("condition not met")
			}
			return fmt.Errorf("after %v: %w", timeout, last)
		}
		time.Sleep(interval)
	}
}

// cleanup stops every process the test started (in reverse order), then
// whatever they left: shims and sandboxes, mounts, cgroups, directories.
func (t *test) cleanup() {
	for len(t.procs) > 0 {
		t.stop(t.procs[len(t.procs)-1], 20*time.Second)
	}
	t.cleanupLeftovers()
	var left []string
	for _, pid := range leftoverPids() {
		left = append(left, fmt.Sprintf("process %d", pid))
	}
	left = append(left, mountsUnder(workDir, runDir)...)
	left = append(left, cgroupDirs()...)
	for _, d := range []string{workDir, runDir} {
		if err := os.RemoveAll(d); err != nil {
			left = append(left, err.Error())
		}
	}
	if t.madeShimSocketDir {
		// Only if empty: a shim socket left there is reported.
		os.Remove(filepath.Join(shimSocketRoot, "s"))
		os.Remove(shimSocketRoot)
	}
	if entries, _ := os.ReadDir(filepath.Join(shimSocketRoot, "s")); len(entries) > 0 && t.madeShimSocketDir {
		left = append(left, fmt.Sprintf("%d shim sockets in %s/s", len(entries), shimSocketRoot))
	}
	var err error
	if len(left) > 0 {
		err = fmt.Errorf("left behind:\n%s", indent(strings.Join(left, "\n")))
	}
	t.check("cleanup: every process stopped, every mount and cgroup removed", err)
}

// cleanupLeftovers removes what an interrupted run may leave: processes
// running a binary from the run's bin directory (shim daemons, runsc
// sandboxes and gofers, containerd, kubelet) or an etcd whose command line
// names the run's directory, killed by PID; then mounts under the run's
// directories; then the run's cgroups.
func (t *test) cleanupLeftovers() {
	pids := leftoverPids()
	for _, pid := range pids {
		t.logf("cleanup: killing leftover pid %d", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(pids) > 0 {
		time.Sleep(time.Second)
	}
	for _, m := range mountsUnder(workDir, runDir) {
		if err := syscall.Unmount(m, 0); err != nil {
			if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
				t.logf("cleanup: unmount %s: %v", m, err)
			}
		}
	}
	for _, cg := range cgroupDirs() {
		if err := os.Remove(cg); err != nil && !os.IsNotExist(err) {
			t.logf("cleanup: remove cgroup %s: %v", cg, err)
		}
	}
}

// leftoverPids returns the processes (other than this one) that a run
// started: those whose executable is under workDir, and etcd servers whose
// command line names workDir.
func leftoverPids() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil {
			continue
		}
		exe = strings.TrimSuffix(exe, " (deleted)")
		if strings.HasPrefix(exe, workDir+"/") {
			pids = append(pids, pid)
			continue
		}
		if filepath.Base(exe) != "etcd" {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(data, []byte(workDir)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// mount is one line of /proc/self/mountinfo: the mount point and the
// filesystem type.
type mount struct{ point, fstype string }

// mounts reads /proc/self/mountinfo.
func mounts() []mount {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		_, after, ok := strings.Cut(line, " - ")
		if len(fields) < 5 || !ok || len(strings.Fields(after)) == 0 {
			continue
		}
		out = append(out, mount{point: unescapeMount(fields[4]), fstype: strings.Fields(after)[0]})
	}
	return out
}

// mountsUnder returns the mount points under the directories, deepest
// first.
func mountsUnder(dirs ...string) []string {
	var out []string
	for _, m := range mounts() {
		for _, d := range dirs {
			if m.point == d || strings.HasPrefix(m.point, d+"/") {
				out = append(out, m.point)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// unescapeMount decodes the octal escapes of /proc/self/mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroupHierarchies returns the mount points of the cgroup hierarchies.
func cgroupHierarchies() []string {
	var out []string
	for _, m := range mounts() {
		if m.fstype == "cgroup" || m.fstype == "cgroup2" {
			out = append(out, m.point)
		}
	}
	return out
}

// cgroupDirs returns the run's cgroup directories in every hierarchy,
// deepest first, so that they can be removed in order.
func cgroupDirs() []string {
	var out []string
	for _, h := range cgroupHierarchies() {
		root := filepath.Join(h, cgroupParent)
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				out = append(out, path)
			}
			return nil
		})
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// makeCgroupParent creates the run's parent cgroup in every hierarchy
// (kubelet requires its cgroup root to exist). A new cpuset cgroup starts
// with no CPUs or memory nodes; it gets its parent's.
func makeCgroupParent() error {
	for _, h := range cgroupHierarchies() {
		dir := filepath.Join(h, cgroupParent)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if v, err := os.ReadFile(filepath.Join(h, f)); err == nil {
				if err := os.WriteFile(filepath.Join(dir, f), v, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
