// Package kacs tests the KACS calls and the cross-process gate of
// runsc-peios (spec §6, §24) with real processes in one sandbox: targets
// started as the container's root process or with runsc exec --detach, and
// callers entered with runsc exec as other users, whose identities the
// dev.peios.mm/token and pip annotations select by UID (and, in
// container_test.go, by container name). Parent and child get no shortcut;
// only the target's process SD and PIP decide, and a target can grant a
// helper access with kacs_set_sd. The C programs are in progs/
// (see progs/kacs.h), exact expected outputs in testdata/.
//
//	kacs_test.go    the gate with default identities, checkpoint/restore
//	token_test.go   token handles (progs/token.c)
//	matrix_test.go  the caller × target matrix (progs/probe.c), parent and
//	                child (progs/family.c)
//	race_test.go    fork while the parent changes its own state
//	                (progs/forkrace.c)
//	container_test.go  identities and W^X by container name in a
//	                multi-container sandbox (progs/ident.c)
package kacs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/test/runtime"
)

// build compiles progs/<name>.c statically into dir.
func build(t *testing.T, dir, name string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	if b, err := exec.Command("gcc", "-static", "-O1", "-o", out, filepath.Join("progs", name+".c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, b)
	}
	return out
}

// sandbox is one container whose processes see the host directory share.
type sandbox struct {
	t        *testing.T
	runtime  string
	root     string
	id       string
	share    string // host directory shared with the container, read-write
	platform string
	bundle   string
	// annotations are the container's.
	annotations map[string]string
	// pid and addr are what the target printed when it is the root process.
	pid, addr string
}

func (s *sandbox) runsc(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, s.runtime, append([]string{"--root", s.root, "--network=none", "--platform=" + s.platform}, args...)...)
}

// newSandbox prepares a container on platform with the given annotations:
// its state directory and the shared directory. Nothing runs yet.
func newSandbox(t *testing.T, platform string, annotations map[string]string) *sandbox {
	t.Helper()
	dir := t.TempDir()
	// The shared directory must not be on the root filesystem, which the
	// container sees read-only (and runsc covers /tmp with a tmpfs).
	share, err := os.MkdirTemp("/dev/shm", "peios-kacs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(share) })
	os.Chmod(share, 0o777) // Callers run as other users and write results here.
	return &sandbox{t: t, runtime: runtime.Path(t), root: filepath.Join(dir, "root"), id: filepath.Base(share), share: share,
		platform: platform, bundle: filepath.Join(dir, "bundle"), annotations: annotations}
}

// build compiles progs/<name>.c into the shared directory and returns its
// path, which is the same inside the container.
func (s *sandbox) build(name string) string { return build(s.t, s.share, name) }

// writeBundle writes the bundle whose root process runs args as uid 0.
func (s *sandbox) writeBundle(args ...string) { s.writeSpec(s.bundle, s.annotations, args...) }

// writeSpec writes into dir the bundle of a container with annotations
// whose first process runs args as uid 0 and sees the shared directory.
func (s *sandbox) writeSpec(dir string, annotations map[string]string, args ...string) {
	os.MkdirAll(dir, 0o755)
	spec := map[string]any{
		"ociVersion": "1.0.0",
		"process": map[string]any{
			"user": map[string]any{"uid": 0, "gid": 0},
			"args": args,
			"env":  []string{"PATH=/usr/bin:/bin"},
			"cwd":  "/",
			// Inheritable, so that exec --cap makes them ambient.
			"capabilities": map[string][]string{"bounding": ptraceCaps, "inheritable": ptraceCaps, "permitted": ptraceCaps, "effective": ptraceCaps},
		},
		"root":        map[string]any{"path": "/", "readonly": true},
		"annotations": annotations,
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": s.share, "type": "bind", "source": s.share, "options": []string{"rbind", "rw"}},
		},
		"linux": map[string]any{"namespaces": []map[string]string{{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}}},
	}
	b, _ := json.Marshal(spec)
	os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644)
}

// cleanup deletes the container when the test ends.
func (s *sandbox) cleanup() {
	s.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s.runsc(ctx, "delete", "-force", s.id).Run()
		// runsc leaves its empty network namespace mounted in --root.
		syscall.Unmount(filepath.Join(s.root, "null-netns"), syscall.MNT_DETACH)
	})
}

// run runs args as the container's root process to completion and returns
// its output.
func (s *sandbox) run(args ...string) string {
	s.t.Helper()
	s.writeBundle(args...)
	s.cleanup()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := filepath.Join(s.t.TempDir(), "run.out")
	f, _ := os.Create(out)
	defer f.Close()
	cmd := s.runsc(ctx, "run", "--bundle", s.bundle, s.id)
	cmd.Stdout, cmd.Stderr = f, f
	err := cmd.Run()
	b, _ := os.ReadFile(out)
	if err != nil {
		s.t.Fatalf("runsc run: %v\n%s", err, b)
	}
	return string(b)
}

// start runs target in a new container on platform with the given
// annotations, detached, as the container's root process (uid 0), and
// builds the caller beside it.
func start(t *testing.T, platform string, annotations map[string]string) *sandbox {
	t.Helper()
	s := newSandbox(t, platform, annotations)
	target := s.build("target")
	s.build("caller")
	s.writeBundle(target, s.share)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "target.out")
	f, _ := os.Create(out)
	defer f.Close()
	cmd := s.runsc(ctx, "run", "--detach", "--bundle", s.bundle, s.id)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out)
		t.Fatalf("runsc run: %v\n%s", err, b)
	}
	s.cleanup()
	s.pid, s.addr = waitFields(t, out)
	return s
}

// waitFields waits for a process to write "<pid> <addr>" to the file path.
func waitFields(t *testing.T, path string) (pid, addr string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		b, _ := os.ReadFile(path)
		if fields := strings.Fields(string(b)); len(fields) >= 2 {
			return fields[0], fields[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s: no pid and address: %q", path, b)
	return "", ""
}

// call runs the caller as user (uid:gid) and returns its lines by name.
func (s *sandbox) call(user string, write string) map[string]string {
	s.t.Helper()
	args := []string{filepath.Join(s.share, "caller"), s.pid, s.addr}
	if write != "" {
		args = append(args, write)
	}
	return lines(s.exec(user, false, args...))
}

// ptraceCaps are the capabilities exec --cap gives a process (as ambient
// capabilities, so that they survive the exec of a non-root user): those
// that satisfy Linux's own ptrace-mode and file-mode checks on
// /proc/<pid>/mem. Peios has neither check (§6.4), so they must change
// nothing: nothing in the Peios layer looks at capabilities.
var ptraceCaps = []string{"CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"}

// exec runs args in the container as user (uid:gid), with ptraceCaps if
// caps is set, and returns its output.
func (s *sandbox) exec(user string, caps bool, args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := []string{"exec", "--user", user}
	if caps {
		for _, c := range ptraceCaps {
			a = append(a, "--cap", c)
		}
	}
	out, err := s.runsc(ctx, append(append(a, s.id), args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("runsc exec as %s: %v\n%s", user, err, out)
	}
	return string(out)
}

// execDetached starts args in the container as user, detached, with its
// output in the file out (a detached process keeps a pipe open forever).
func (s *sandbox) execDetached(user, out string, args ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := os.Create(out)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	cmd := s.runsc(ctx, append([]string{"exec", "--detach", "--user", user, s.id}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out)
		s.t.Fatalf("runsc exec --detach as %s: %v\n%s", user, err, b)
	}
}

// lines splits output lines into name -> rest at the first space.
func lines(out string) map[string]string {
	res := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if name, rest, ok := strings.Cut(line, " "); ok {
			res[name] = rest
		}
	}
	return res
}

// expect compares the result lines with want (name -> "ret errno"; a ret
// of "*" matches any non-negative value).
func expect(t *testing.T, who string, got map[string]string, want map[string]string) {
	t.Helper()
	for name, w := range want {
		g := got[name]
		if rest, ok := strings.CutPrefix(w, "* "); ok && !strings.HasPrefix(g, "-") && strings.HasSuffix(g, " "+rest) {
			continue
		}
		if g != w {
			t.Errorf("%s: %s = %q, want %q", who, name, g, w)
		}
	}
}

// grant has the root process's target add an ACE for sid with mask to its
// default DACL.
func (s *sandbox) grant(t *testing.T, sid string, mask security.AccessMask) {
	t.Helper()
	s.grantIn(t, s.share, machineUser(0), sid, mask)
}

// grantIn has the target serving dir, whose user is owner, replace its DACL
// with its default DACL plus an ACE for sid with mask (kacs_set_sd on
// itself).
func (s *sandbox) grantIn(t *testing.T, dir, owner, sid string, mask security.AccessMask) {
	t.Helper()
	sddl := fmt.Sprintf("D:(A;;0x%x;;;%s)(A;;0x%x;;;BA)(A;;0x%x;;;SY)(A;;0x%x;;;WD)(A;;0x%x;;;%s)",
		uint32(security.ProcessMapping.All), owner, uint32(security.ProcessMapping.All), uint32(security.ProcessMapping.All),
		uint32(security.ProcessQueryLimited), uint32(mask), sid)
	sd, err := security.ParseSDDL(sddl)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sd.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "sd.bin"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "apply"), nil, 0o644)
	if got := waitFile(t, filepath.Join(dir, "applied")); strings.TrimSpace(got) != "0 0" {
		t.Fatalf("the target's kacs_set_sd: %s", got)
	}
}

// machineUser is the D8 user SID of uid.
func machineUser(uid uint32) string {
	sid, err := security.MachineSID(uid)
	if err != nil {
		panic(err)
	}
	return sid.String()
}

// platforms are the gVisor platforms the gate is checked on (D7).
var platforms = []string{"systrap", "ptrace"}

func TestCrossProcessGate(t *testing.T) {
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) { crossProcessGate(t, p) })
	}
}

// crossProcessGate checks spec §6.2/§6.3 and §21 item 10 with real users.
func crossProcessGate(t *testing.T, platform string) {
	s := start(t, platform, nil)

	// Same user (uid 0: its own user SID and Administrators).
	expect(t, "same user", s.call("0:0", "root-wrote-it!"), map[string]string{
		"readv": "14 0", "writev": "14 0", "pidfd_open": "* 0", "get_sd": "* 0", "set_psb": "0 0",
		"madvise_cold": "4096 0", "madvise_dontneed": "-1 EINVAL",
		"open_mem_r": "1 0", "open_mem_w": "1 0", "open_maps": "1 0", "open_status": "0 0",
		"ptrace_peek": "-1 ESRCH", // the gate passed; gVisor: not a tracee
	})
	expect(t, "data written by an allowed writev", s.call("0:0", ""), map[string]string{"read": "root-wrote-it!"})

	// Another user: Everyone gets PROCESS_QUERY_LIMITED only.
	expect(t, "other user", s.call("1000:1000", "intruder-wrote"), map[string]string{
		"readv": "-1 EPERM", "writev": "-1 EPERM", "pidfd_open": "* 0", "get_sd": "-1 EACCES", "set_psb": "-1 EACCES",
		"madvise_cold": "-1 EACCES", "madvise_dontneed": "-1 EACCES",
		"open_mem_r": "-1 EACCES", "open_mem_w": "-1 EACCES", "open_maps": "-1 EACCES", "open_status": "0 0",
		"ptrace_peek": "-1 EPERM",
	})
	expect(t, "a denied writev changes nothing", s.call("0:0", ""), map[string]string{"read": "root-wrote-it!"})

	// The target grants PROCESS_VM_READ to the other user: its read flips,
	// its write does not.
	s.grant(t, machineUser(1000), security.ProcessVMRead)
	expect(t, "other user granted VM_READ", s.call("1000:1000", "intruder-wrote"), map[string]string{
		"readv": "14 0", "read": "root-wrote-it!", "writev": "-1 EPERM",
		// Only the gate decides /proc/<pid>/mem and maps: another UID
		// and no capability, yet reading is allowed; writing is not.
		"open_mem_r": "1 0", "open_mem_w": "-1 EACCES", "open_maps": "1 0",
	})
}

// TestCheckpointKeepsProcessSD checks that a process SD changed with
// kacs_set_sd, and an open token handle, survive runsc checkpoint and
// restore.
func TestCheckpointKeepsProcessSD(t *testing.T) {
	s := start(t, "systrap", nil)
	s.grant(t, machineUser(1000), security.ProcessVMRead)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	image := t.TempDir()
	if out, err := s.runsc(ctx, "checkpoint", "--image-path", image, s.id).CombinedOutput(); err != nil {
		t.Fatalf("runsc checkpoint: %v\n%s", err, out)
	}
	if out, err := s.runsc(ctx, "delete", "-force", s.id).CombinedOutput(); err != nil {
		t.Fatalf("runsc delete: %v\n%s", err, out)
	}
	// The restored sandbox keeps the command's stdout: give it a file, not
	// a pipe that would never reach EOF.
	log, _ := os.Create(filepath.Join(t.TempDir(), "restore.out"))
	restore := s.runsc(ctx, "restore", "--image-path", image, "--detach", "--bundle", s.bundle, s.id)
	restore.Stdout, restore.Stderr = log, log
	if err := restore.Run(); err != nil {
		out, _ := os.ReadFile(log.Name())
		t.Fatalf("runsc restore: %v\n%s", err, out)
	}
	expect(t, "other user after restore", s.call("1000:1000", "intruder-wrote"), map[string]string{
		"readv": "14 0", "read": "target-secret", "writev": "-1 EPERM", "get_sd": "-1 EACCES",
	})
	// The token handle the target opened before the checkpoint still
	// refers to its token.
	os.WriteFile(filepath.Join(s.share, "query"), nil, 0o644)
	if got := waitFile(t, filepath.Join(s.share, "queried")); got != machineUser(0)+"\n" {
		t.Errorf("the target's token handle after restore: user %q, want %s", got, machineUser(0))
	}
}

// waitFile waits for the file path to have content and returns it.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	for i := 0; i < 200; i++ {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s was not written", path)
	return ""
}
