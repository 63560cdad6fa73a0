// Command e2e is the end-to-end test of runsc-peios with containerd, CRI and
// Kubernetes. Run it as root from the repository (`make e2e`):
//
//	go run ./test/e2e [-cache DIR] [-stages oci,ctr,crictl,k8s] [-runtime PATH]
//
// It installs what it needs (Debian packages busybox-static, etcd-server, jq;
// containerd v2.1.5 and ctr, crictl v1.34.0, kubelet and kube-apiserver
// v1.37.2 built from the Go module proxy into the cache directory), builds
// runsc-peios and containerd-shim-runsc-peios-v1 from this tree and a local
// OCI image (busybox-static, the static peios-check program of image/, and a
// static pause image), and runs four stages:
//
//   - oci: runsc-peios directly: create, start, state, exec, ps, checkpoint,
//     restore, kill, delete.
//   - ctr: `ctr run` with the io.containerd.runsc-peios.v1 runtime.
//   - crictl: a pod and a container with the runsc-peios handler.
//   - k8s: etcd, kube-apiserver and kubelet; Pods with runtimeClassName
//     runsc-peios reaching Succeeded.
//
// In every stage peios-check runs inside the container and reports W^X
// (mmap PROT_READ|PROT_WRITE|PROT_EXEC refused with EACCES) and mseal
// (a sealed page cannot be unmapped: EPERM); the dev.peios.mm/wx: off
// annotation makes the W^X mapping succeed; a bad annotation value fails the
// container or Pod with a message naming the key.
//
// Everything talks over loopback and unix sockets: the node is named
// "localhost", no CNI is configured (hostNetwork pods, runsc network
// "none"), images are imported, never pulled, and container logs are read
// from the CRI log files. Every process the test starts is stopped by PID;
// the mounts and cgroups it made are removed. It prints one line per check,
// the time of each step, and at the end "e2e: N passed, N failed"; the exit
// status is 1 if a check failed.
//
// Builds are cached in -cache (default /var/cache/runsc-peios-e2e, or
// $RUNSC_PEIOS_E2E_CACHE): the first run builds Kubernetes (about ten
// minutes on two cores), later runs reuse the binaries.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	cacheDefault := os.Getenv("RUNSC_PEIOS_E2E_CACHE")
	if cacheDefault == "" {
		cacheDefault = "/var/cache/runsc-peios-e2e"
	}
	cache := flag.String("cache", cacheDefault, "directory for cached builds (kept between runs)")
	stages := flag.String("stages", "oci,ctr,crictl,k8s", "comma-separated stages to run")
	keepGoing := flag.Bool("keep-going", true, "run the later stages when one fails")
	runtime := flag.String("runtime", "", "use this runsc-peios binary instead of building ./runsc-ext")
	flag.Parse()

	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "e2e: must run as root")
		os.Exit(2)
	}
	t := newTest(*cache)
	t.prebuiltRuntime = *runtime
	// Stop what was started on Ctrl-C or SIGTERM too.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		t.logf("caught %v: cleaning up", s)
		t.cleanup()
		os.Exit(1)
	}()

	ok := t.runAll(strings.Split(*stages, ","), *keepGoing)
	t.cleanup()
	t.printTimings()
	fmt.Printf("e2e: %d passed, %d failed\n", t.passed, t.failed)
	if !ok || t.failed > 0 {
		os.Exit(1)
	}
}

// runAll prepares the machine and runs the stages in order. It returns false
// if preparing failed.
func (t *test) runAll(stages []string, keepGoing bool) bool {
	if err := t.step("prepare: directories", t.prepareDirs); err != nil {
		t.check("prepare directories", err)
		return false
	}
	if err := t.step("prepare: Debian packages", t.installDebianPackages); err != nil {
		t.check("install Debian packages", err)
		return false
	}
	want := map[string]bool{}
	for _, s := range stages {
		want[strings.TrimSpace(s)] = true
	}
	if err := t.prepareBuilds(want); err != nil {
		t.check("build the tools", err)
		return false
	}
	if err := t.step("prepare: OCI image", t.buildImage); err != nil {
		t.check("build the OCI image", err)
		return false
	}
	all := map[string]func() error{
		"oci":    t.stageOCI,
		"ctr":    t.stageCtr,
		"crictl": t.stageCrictl,
		"k8s":    t.stageK8s,
	}
	for _, name := range stages {
		name = strings.TrimSpace(name)
		fn, found := all[name]
		if !found {
			t.check("stage "+name, fmt.Errorf("no stage %q (have oci, ctr, crictl, k8s)", name))
			continue
		}
		before := t.failed
		err := t.step("stage: "+name, fn)
		if err != nil {
			// A stage that cannot go on counts as one failed check.
			t.check("stage "+name+" ran to the end", err)
		}
		if t.failed > before && !keepGoing {
			return true
		}
	}
	return true
}

// step runs fn, logs and records its duration under name.
func (t *test) step(name string, fn func() error) error {
	t.logf("== %s", name)
	start := time.Now()
	err := fn()
	d := time.Since(start)
	t.timings = append(t.timings, timing{name: name, d: d})
	t.logf("== %s: %.1fs", name, d.Seconds())
	return err
}

// printTimings prints how long each step took.
func (t *test) printTimings() {
	fmt.Println("e2e timings:")
	for _, tm := range t.timings {
		fmt.Printf("  %-40s %7.1fs\n", tm.name, tm.d.Seconds())
	}
}
