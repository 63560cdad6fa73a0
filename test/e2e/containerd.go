package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// containerd's and the shim's files for the run.
var (
	containerdSock   = filepath.Join(runDir, "containerd.sock")
	containerdConfig = filepath.Join(workDir, "containerd-config.toml")
	shimOptions      = filepath.Join(workDir, "runsc-peios.toml")
	runscRoot        = filepath.Join(runDir, "runsc")
	fifoDir          = filepath.Join(workDir, "fifo")
)

// The deploy files the test runs with (test-only settings applied on top).
const (
	deployContainerdConfig = "deploy/containerd/config.toml"
	deployShimOptions      = "deploy/containerd/runsc-peios.toml"
)

// runtimeTable is the path of the runsc-peios runtime entry in containerd's
// configuration.
var runtimeTable = []string{"plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runsc-peios"}

// setTOML sets the value at a path of nested tables, creating the tables.
func setTOML(doc map[string]any, path []string, value any) {
	for _, k := range path[:len(path)-1] {
		next, ok := doc[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[k] = next
		}
		doc = next
	}
	doc[path[len(path)-1]] = value
}

// getTOML returns the value at a path of nested tables, or nil.
func getTOML(doc map[string]any, path ...string) any {
	var v any = doc
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// writeContainerdConfig writes the run's containerd configuration and shim
// options: deploy/'s files with the run's paths, loopback-only streaming,
// no CNI configuration (hostNetwork pods only), the local pause image, and
// runsc's network "none".
func (t *test) writeContainerdConfig() error {
	var cfg, opts map[string]any
	if _, err := toml.DecodeFile(filepath.Join(t.repo, deployContainerdConfig), &cfg); err != nil {
		return err
	}
	if _, err := toml.DecodeFile(filepath.Join(t.repo, deployShimOptions), &opts); err != nil {
		return err
	}
	if rt := getTOML(cfg, append(runtimeTable, "runtime_type")...); rt != "io.containerd.runsc-peios.v1" {
		return fmt.Errorf("%s: runtime runsc-peios has runtime_type %v", deployContainerdConfig, rt)
	}
	for _, d := range []string{"cni/bin", "cni/conf", "opt"} {
		if err := os.MkdirAll(filepath.Join(workDir, d), 0o755); err != nil {
			return err
		}
	}
	cfg["root"] = filepath.Join(workDir, "containerd")
	cfg["state"] = filepath.Join(runDir, "containerd")
	// Debug: the shim logs each runsc-peios command and its exit status.
	setTOML(cfg, []string{"debug", "level"}, "debug")
	setTOML(cfg, []string{"grpc", "address"}, containerdSock)
	setTOML(cfg, []string{"ttrpc", "address"}, containerdSock+".ttrpc")
	// NRI would listen on a global socket; the test needs none of it.
	cfg["disabled_plugins"] = []string{"io.containerd.nri.v1.nri"}
	setTOML(cfg, []string{"plugins", "io.containerd.internal.v1.opt", "path"}, filepath.Join(workDir, "opt"))
	cri := []string{"plugins", "io.containerd.cri.v1.runtime"}
	setTOML(cfg, append(cri, "cni", "bin_dirs"), []string{filepath.Join(workDir, "cni/bin")})
	setTOML(cfg, append(cri, "cni", "conf_dir"), filepath.Join(workDir, "cni/conf"))
	setTOML(cfg, []string{"plugins", "io.containerd.cri.v1.images", "pinned_images", "sandbox"}, pauseImage)
	setTOML(cfg, []string{"plugins", "io.containerd.grpc.v1.cri", "stream_server_address"}, "127.0.0.1")
	setTOML(cfg, []string{"plugins", "io.containerd.grpc.v1.cri", "stream_server_port"}, "0")
	setTOML(cfg, append(runtimeTable, "options", "ConfigPath"), shimOptions)

	opts["binary_name"] = filepath.Join(t.bin, "runsc-peios")
	opts["root"] = runscRoot
	runscFlags, _ := opts["runsc_config"].(map[string]any)
	if runscFlags == nil {
		runscFlags = map[string]any{}
	}
	runscFlags["network"] = "none"
	opts["runsc_config"] = runscFlags

	if err := writeTOML(containerdConfig, cfg); err != nil {
		return err
	}
	return writeTOML(shimOptions, opts)
}

// writeTOML encodes doc to a file.
func writeTOML(path string, doc map[string]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := toml.NewEncoder(f).Encode(doc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ensureContainerd starts containerd if it is not running and imports the
// images into the namespaces ctr (default) and CRI (k8s.io) use.
func (t *test) ensureContainerd() error {
	if t.containerd != nil && !t.containerd.exited() {
		return nil
	}
	if err := t.writeContainerdConfig(); err != nil {
		return err
	}
	if err := makeCgroupParent(); err != nil {
		return err
	}
	p, err := t.start("containerd", nil, filepath.Join(t.bin, "containerd"), "--config", containerdConfig)
	if err != nil {
		return err
	}
	t.containerd = p
	err = waitFor(60*time.Second, 250*time.Millisecond, func() (bool, error) {
		if p.exited() {
			return false, fmt.Errorf("containerd exited:\n%s", indent(p.tail(20)))
		}
		_, err := t.ctr(10*time.Second, "default", "version")
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("containerd did not come up: %w", err)
	}
	for _, ns := range []string{"default", "k8s.io"} {
		if _, err := t.ctr(5*time.Minute, ns, "images", "import", "--platform", "linux/amd64", imageTar); err != nil {
			return err
		}
		out, err := t.ctr(time.Minute, ns, "images", "ls", "-q")
		if err != nil {
			return err
		}
		for _, img := range []string{testImage, pauseImage} {
			if !strings.Contains(out, img) {
				return fmt.Errorf("image %s not imported into namespace %s:\n%s", img, ns, indent(out))
			}
		}
	}
	return nil
}

// ctr runs ctr against the run's containerd in a namespace.
func (t *test) ctr(timeout time.Duration, ns string, args ...string) (string, error) {
	full := append([]string{"--address", containerdSock, "--namespace", ns}, args...)
	return t.run(timeout, nil, filepath.Join(t.bin, "ctr"), full...)
}
