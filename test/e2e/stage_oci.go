package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The result lines peios-check prints (see image/peios-check.c).
const (
	wantWXRefused = "wx=EACCES"                   // W^X on: mmap RWX refused
	wantWXAllowed = "wx=ok"                       // dev.peios.mm/wx: off
	wantSealed    = "mseal=0 munmap-sealed=EPERM" // mseal works, sealed page stays
	annotationWX  = "dev.peios.mm/wx"
)

// checkCommand runs peios-check once in a container. The sleep keeps the
// container alive until gVisor's shim has started `runsc wait` on it; a
// container that exits first is reported with status 128.
var checkCommand = []string{"/bin/sh", "-c", "/bin/peios-check; sleep 2"}

// ociRuntime runs runsc-peios with the stage's state root.
func (t *test) ociRuntime(timeout time.Duration, args ...string) (string, error) {
	root := filepath.Join(runDir, "oci")
	full := append([]string{"--root=" + root, "--network=none"}, args...)
	return t.run(timeout, nil, filepath.Join(t.bin, "runsc-peios"), full...)
}

// ociBundle writes a bundle whose rootfs is the test image's tree, with the
// given process arguments and annotations.
func ociBundle(dir, id string, args []string, annotations map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spec := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Args: args,
			Env:  []string{"PATH=/bin"},
			Cwd:  "/",
		},
		Root:        &specs.Root{Path: testRootfs},
		Hostname:    id,
		Annotations: annotations,
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs"},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"ro"}},
		},
		Linux: &specs.Linux{
			CgroupsPath: "/" + cgroupParent + "/oci-" + id,
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace},
				{Type: specs.IPCNamespace}, {Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
		},
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
}

// ociState returns the container's status from `runsc-peios state`.
func (t *test) ociState(id string) (string, error) {
	out, err := t.ociRuntime(30*time.Second, "state", id)
	if err != nil {
		return "", err
	}
	var st struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return "", fmt.Errorf("state %s: %w: %s", id, err, out)
	}
	return st.Status, nil
}

// waitOCIState waits for the container to reach status.
func (t *test) waitOCIState(id, status string) error {
	return waitFor(30*time.Second, 200*time.Millisecond, func() (bool, error) {
		st, err := t.ociState(id)
		if err != nil {
			return false, err
		}
		return st == status, fmt.Errorf("status %q, want %q", st, status)
	})
}

// tickRe reads the tick count of peios-check's loop status file.
var tickRe = regexp.MustCompile(`tick=(\d+)`)

// readStatus execs cat on the loop's status file and returns its tick.
func (t *test) readStatus(id string) (string, int, error) {
	out, err := t.ociRuntime(30*time.Second, "exec", id, "/bin/cat", "/tmp/peios-status")
	if err != nil {
		return out, 0, err
	}
	m := tickRe.FindStringSubmatch(out)
	if m == nil {
		return out, 0, fmt.Errorf("no tick in %q", out)
	}
	n, _ := strconv.Atoi(m[1])
	return out, n, nil
}

// stageOCI drives runsc-peios as an OCI runtime: the full lifecycle with
// checkpoint and restore of a process holding a sealed page, then an
// annotated container and a badly annotated one.
func (t *test) stageOCI() error {
	bundles := filepath.Join(workDir, "oci")
	loopBundle := filepath.Join(bundles, "loop")
	if err := ociBundle(loopBundle, "e2e-oci", []string{"/bin/peios-check", "loop"}, nil); err != nil {
		return err
	}
	id := "e2e-oci"
	_, err := t.ociRuntime(2*time.Minute, "create", "--bundle", loopBundle, id)
	if !t.check("oci: create", err) {
		return err
	}
	defer t.ociRuntime(time.Minute, "delete", "--force", id)
	st, err := t.ociState(id)
	if err == nil && st != "created" {
		err = fmt.Errorf("status %q after create", st)
	}
	t.check("oci: state is created", err)
	_, err = t.ociRuntime(time.Minute, "start", id)
	if !t.check("oci: start", err) {
		return err
	}
	t.check("oci: state is running", t.waitOCIState(id, "running"))

	// W^X and mseal in a process started by exec.
	execOut, err := t.ociRuntime(time.Minute, "exec", id, "/bin/peios-check")
	if t.check("oci: exec peios-check", err) {
		t.checkContains("oci: W^X refuses mmap RWX and mseal holds (exec)", execOut, wantWXRefused, wantSealed)
	}
	psOut, err := t.ociRuntime(time.Minute, "ps", id)
	if t.check("oci: ps", err) {
		t.checkContains("oci: ps lists the container's process", psOut, "peios-check")
	}

	// The loop process sealed a page; checkpoint and restore it.
	var before int
	err = waitFor(30*time.Second, 300*time.Millisecond, func() (bool, error) {
		_, n, err := t.readStatus(id)
		before = n
		return err == nil && n > 0, err
	})
	t.check("oci: loop process reports its sealed page", err)
	image := filepath.Join(workDir, "checkpoint")
	if err := os.MkdirAll(image, 0o755); err != nil {
		return err
	}
	_, err = t.ociRuntime(2*time.Minute, "checkpoint", "--image-path="+image, id)
	t.check("oci: checkpoint", err)
	t.check("oci: state is stopped after checkpoint", t.waitOCIState(id, "stopped"))
	// runsc decides "stopped" by asking the sandbox, which is still
	// exiting after a checkpoint ("inherently racy", says runsc's
	// container.Load): on a loaded machine a delete right after "state"
	// said stopped can still find it running, so it is retried.
	err = waitFor(30*time.Second, 300*time.Millisecond, func() (bool, error) {
		_, err := t.ociRuntime(time.Minute, "delete", id)
		return err == nil, err
	})
	t.check("oci: delete the checkpointed container", err)

	rid := "e2e-oci-restored"
	_, err = t.ociRuntime(2*time.Minute, "restore", "--image-path="+image, "--bundle", loopBundle, "--detach", rid)
	if !t.check("oci: restore", err) {
		return err
	}
	defer t.ociRuntime(time.Minute, "delete", "--force", rid)
	t.check("oci: restored state is running", t.waitOCIState(rid, "running"))
	var after int
	var status string
	err = waitFor(30*time.Second, 300*time.Millisecond, func() (bool, error) {
		s, n, err := t.readStatus(rid)
		status, after = s, n
		return err == nil && n > before, fmt.Errorf("tick %d, before checkpoint %d: %v", n, before, err)
	})
	t.logf("loop tick before the checkpoint %d, after the restore %d", before, after)
	if t.check("oci: restored process goes on from its checkpointed state", err) {
		t.checkContains("oci: the page sealed before the checkpoint is still sealed after restore", status, "munmap-sealed=EPERM")
	}
	_, err = t.ociRuntime(time.Minute, "kill", rid, "KILL")
	t.check("oci: kill", err)
	t.check("oci: state is stopped after kill", t.waitOCIState(rid, "stopped"))
	_, err = t.ociRuntime(time.Minute, "delete", rid)
	t.check("oci: delete", err)
	_, err = t.ociState(rid)
	if err == nil {
		err = fmt.Errorf("state still answers after delete")
	} else {
		err = nil
	}
	t.check("oci: container is gone after delete", err)

	// An annotation changes the result; a bad one refuses to create.
	offBundle := filepath.Join(bundles, "wx-off")
	if err := ociBundle(offBundle, "e2e-oci-off", checkCommand, map[string]string{annotationWX: "off"}); err != nil {
		return err
	}
	runOut, err := t.ociRuntime(2*time.Minute, "run", "--bundle", offBundle, "e2e-oci-off")
	if t.check("oci: run with dev.peios.mm/wx=off", err) {
		t.checkContains("oci: dev.peios.mm/wx=off lets mmap RWX succeed, mseal still holds", runOut, wantWXAllowed, wantSealed)
	}
	t.ociRuntime(time.Minute, "delete", "--force", "e2e-oci-off")

	badBundle := filepath.Join(bundles, "wx-bad")
	if err := ociBundle(badBundle, "e2e-oci-bad", checkCommand, map[string]string{annotationWX: "bogus"}); err != nil {
		return err
	}
	badOut, err := t.ociRuntime(time.Minute, "create", "--bundle", badBundle, "e2e-oci-bad")
	if err == nil {
		t.ociRuntime(time.Minute, "delete", "--force", "e2e-oci-bad")
		t.check("oci: create refuses dev.peios.mm/wx=bogus", fmt.Errorf("create succeeded:\n%s", indent(badOut)))
	} else {
		t.checkContains("oci: create refuses dev.peios.mm/wx=bogus, naming the key", badOut, annotationWX, "bogus")
	}
	if strings.Contains(badOut, "FetchSpec") {
		return fmt.Errorf("unexpected runsc output: %s", badOut)
	}
	return nil
}
