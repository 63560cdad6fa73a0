package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// shimRuntime is the containerd runtime type of runsc-peios.
const shimRuntime = "io.containerd.runsc-peios.v1"

// ctrRun runs `ctr run --rm` without a terminal (the invocation that hung
// with gVisor's shim, upstream issue 12198) and returns its output.
func (t *test) ctrRun(id string, extra ...string) (string, error) {
	args := []string{"run", "--rm", "--runtime", shimRuntime,
		"--fifo-dir", fifoDir,
		"--cgroup", "/" + cgroupParent + "/ctr-" + id}
	args = append(args, extra...)
	args = append(args, testImage, id)
	args = append(args, checkCommand...)
	return t.ctr(3*time.Minute, "default", args...)
}

// stageCtr runs containers with `ctr run` on the runsc-peios runtime: with
// the shim options file, without it (the shim then runs runsc-peios from
// its own directory), with dev.peios.mm/wx=off, and with a bad value.
func (t *test) stageCtr() error {
	if err := t.ensureContainerd(); err != nil {
		return err
	}
	out, err := t.ctrRun("e2e-ctr", "--runtime-config-path", shimOptions)
	if t.check("ctr: run without -t exits by itself (gVisor issue 12198)", err) {
		t.checkContains("ctr: W^X refuses mmap RWX and mseal holds", out, wantWXRefused, wantSealed)
	}
	// Options without binary_name: the shim runs the runsc-peios next to
	// it. (Without any options it would too, but with gVisor's default
	// root, /run/containerd/runsc, outside the run's directories.)
	noBinary := filepath.Join(workDir, "runsc-peios-no-binary.toml")
	if err := os.WriteFile(noBinary, []byte(fmt.Sprintf("root = %q\n[runsc_config]\n  network = \"none\"\n", runscRoot)), 0o644); err != nil {
		return err
	}
	out, err = t.ctrRun("e2e-ctr-default", "--runtime-config-path", noBinary)
	if t.check("ctr: run with options that name no binary_name", err) {
		t.checkContains("ctr: the shim's default binary is runsc-peios: W^X refuses mmap RWX", out, wantWXRefused, wantSealed)
	}
	out, err = t.ctrRun("e2e-ctr-off", "--runtime-config-path", shimOptions, "--annotation", annotationWX+"=off")
	if t.check("ctr: run with dev.peios.mm/wx=off", err) {
		t.checkContains("ctr: dev.peios.mm/wx=off lets mmap RWX succeed, mseal still holds", out, wantWXAllowed, wantSealed)
	}
	out, err = t.ctrRun("e2e-ctr-bad", "--runtime-config-path", shimOptions, "--annotation", annotationWX+"=bogus")
	if err == nil {
		t.check("ctr: run refuses dev.peios.mm/wx=bogus", fmt.Errorf("ctr run succeeded:\n%s", indent(out)))
	} else {
		// The output, not err: the error repeats the command line.
		t.checkContains("ctr: run refuses dev.peios.mm/wx=bogus, naming the key", out, annotationWX)
		// A failed `ctr run --rm` leaves the container record.
		t.ctr(time.Minute, "default", "containers", "rm", "e2e-ctr-bad")
	}
	left, err := t.ctr(time.Minute, "default", "containers", "ls", "-q")
	if err == nil && left != "" {
		err = fmt.Errorf("containers left: %s", left)
	}
	t.check("ctr: --rm removed every container", err)
	return nil
}
