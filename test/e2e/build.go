package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Versions of the tools the test builds from the Go module proxy.
const (
	containerdVersion = "v2.1.5"
	crictlVersion     = "v1.34.0"
	kubernetesVersion = "v1.37.2"
	// stagingVersion is the version of Kubernetes' staging modules
	// (k8s.io/api, k8s.io/apiserver, ...) that goes with kubernetesVersion.
	stagingVersion = "v0.37.2"
)

// containerdTags leave out the snapshotters that need C libraries or
// kernel features absent here, and ctr's man-page generator.
const containerdTags = "no_btrfs no_devmapper no_zfs urfave_cli_no_docs"

// debianPackages are the Debian packages the test uses: busybox-static for
// the image, etcd-server for the Kubernetes stage, jq for people reading the
// JSON the tools print, gcc and libc6-dev for the static programs.
var debianPackages = map[string]string{
	"busybox-static": "/bin/busybox",
	"etcd-server":    "/usr/bin/etcd",
	"jq":             "/usr/bin/jq",
	"gcc":            "/usr/bin/gcc",
	"libc6-dev":      "/usr/lib/x86_64-linux-gnu/libc.a",
}

// installDebianPackages installs the packages whose files are missing.
func (t *test) installDebianPackages() error {
	var need []string
	for pkg, file := range debianPackages {
		if _, err := os.Stat(file); err != nil {
			need = append(need, pkg)
		}
	}
	if len(need) == 0 {
		t.logf("Debian packages present")
		return nil
	}
	env := []string{"DEBIAN_FRONTEND=noninteractive"}
	if _, err := t.run(10*time.Minute, env, "apt-get", "update", "-qq"); err != nil {
		return err
	}
	args := append([]string{"install", "-y", "-qq", "--no-install-recommends"}, need...)
	_, err := t.run(20*time.Minute, env, "apt-get", args...)
	return err
}

// prepareBuilds builds (or takes from the cache) every binary the stages
// run, each as a timed step, and links them into the run's bin directory.
func (t *test) prepareBuilds(stages map[string]bool) error {
	steps := []struct {
		name string
		fn   func() error
		need bool
	}{
		{"build: runsc-peios and shim", t.buildProject, true},
		{"build: containerd " + containerdVersion + " and ctr", t.buildContainerd,
			stages["ctr"] || stages["crictl"] || stages["k8s"]},
		{"build: crictl " + crictlVersion, t.buildCrictl, stages["crictl"] || stages["k8s"]},
		{"build: kubelet and kube-apiserver " + kubernetesVersion, t.buildKubernetes, stages["k8s"]},
	}
	for _, s := range steps {
		if !s.need {
			continue
		}
		if err := t.step(s.name, s.fn); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// buildProject builds runsc-peios and containerd-shim-runsc-peios-v1 from
// this tree (Go's build cache makes a second build quick), or copies the
// runsc-peios given with -runtime.
func (t *test) buildProject() error {
	env := []string{"CGO_ENABLED=0"}
	builds := []struct{ out, pkg string }{
		{"containerd-shim-runsc-peios-v1", "./runsc-ext/shim"},
	}
	if t.prebuiltRuntime == "" {
		builds = append(builds, struct{ out, pkg string }{"runsc-peios", "./runsc-ext"})
	} else if err := copyFile(t.prebuiltRuntime, filepath.Join(t.bin, "runsc-peios"), 0o755); err != nil {
		return err
	}
	for _, b := range builds {
		cmd := exec.Command("go", "build", "-o", filepath.Join(t.bin, b.out), b.pkg)
		cmd.Dir = t.repo
		cmd.Env = append(t.env(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", b.pkg, err, indent(string(out)))
		}
	}
	return nil
}

// cached returns the cache path of a built tool and whether it is there.
func (t *test) cached(name, version string) (string, bool) {
	p := filepath.Join(t.cache, "bin", name+"-"+version)
	st, err := os.Stat(p)
	return p, err == nil && st.Mode().IsRegular()
}

// install links (or copies) a cached binary into the run's bin directory
// under its plain name.
func (t *test) install(cachePath, name string) error {
	dst := filepath.Join(t.bin, name)
	os.Remove(dst)
	if err := os.Link(cachePath, dst); err == nil {
		return nil
	}
	src, err := os.Open(cachePath)
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// goTool builds packages with `go build -o dir pkgs...` in dir, with a
// timeout, into a temporary directory, then moves each binary into the
// cache under NAME-VERSION, so that an interrupted build leaves no binary.
func (t *test) goTool(dir string, env []string, version string, args []string, names ...string) error {
	tmp, err := os.MkdirTemp(filepath.Join(t.cache, "bin"), ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	full := append([]string{"build", "-o", tmp + "/"}, args...)
	t.logf("go %s (in %s)", strings.Join(full, " "), dir)
	if _, err := t.runIn(dir, 60*time.Minute, env, "go", full...); err != nil {
		return err
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(tmp, n), filepath.Join(t.cache, "bin", n+"-"+version)); err != nil {
			return err
		}
	}
	return nil
}

// goEnv is the environment of the tool builds: the module proxy as
// configured, no workspace, and the host's C compiler where needed.
func goEnv(cgo bool) []string {
	env := []string{"GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local"}
	if cgo {
		return append(env, "CGO_ENABLED=1")
	}
	return append(env, "CGO_ENABLED=0")
}

// moduleDir downloads a module (from the proxy, or the module cache) and
// returns its directory. It runs outside this module, whose go.sum must not
// change.
func (t *test) moduleDir(mod string) (string, error) {
	out, err := t.runIn(t.cache, 20*time.Minute, goEnv(false), "go", "mod", "download", "-json", mod)
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`"Dir":\s*"([^"]+)"`).FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("go mod download %s: no Dir in %s", mod, out)
	}
	return m[1], nil
}

// buildContainerd builds containerd and ctr. `go install` refuses the
// module (its go.mod has exclude directives), so they are built in a copy
// of the module directory with -mod=mod.
func (t *test) buildContainerd() error {
	cd, haveCd := t.cached("containerd", containerdVersion)
	ctr, haveCtr := t.cached("ctr", containerdVersion)
	if !haveCd || !haveCtr {
		dir, err := t.moduleDir("github.com/containerd/containerd/v2@" + containerdVersion)
		if err != nil {
			return err
		}
		// The module cache is read-only and -mod=mod may update go.sum.
		src := filepath.Join(t.cache, "src", "containerd-"+containerdVersion)
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
			os.RemoveAll(src)
			if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
				return err
			}
			if _, err := t.run(10*time.Minute, nil, "cp", "-r", dir, src); err != nil {
				return err
			}
			if _, err := t.run(time.Minute, nil, "chmod", "-R", "u+w", src); err != nil {
				return err
			}
		}
		err = t.goTool(src, goEnv(true), containerdVersion,
			[]string{"-mod=mod", "-tags", containerdTags, "./cmd/containerd", "./cmd/ctr"},
			"containerd", "ctr")
		if err != nil {
			return err
		}
	} else {
		t.logf("containerd and ctr %s from the cache", containerdVersion)
	}
	return errors.Join(t.install(cd, "containerd"), t.install(ctr, "ctr"))
}

// buildCrictl builds crictl with go install's module mode in a scratch
// module-less directory.
func (t *test) buildCrictl() error {
	p, ok := t.cached("crictl", crictlVersion)
	if !ok {
		gobin, err := os.MkdirTemp(filepath.Join(t.cache, "bin"), ".build-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(gobin)
		env := append(goEnv(false), "GOBIN="+gobin)
		if _, err := t.runIn(t.cache, 30*time.Minute, env, "go", "install", "sigs.k8s.io/cri-tools/cmd/crictl@"+crictlVersion); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(gobin, "crictl"), p); err != nil {
			return err
		}
	} else {
		t.logf("crictl %s from the cache", crictlVersion)
	}
	return t.install(p, "crictl")
}

// buildKubernetes builds kubelet and kube-apiserver. k8s.io/kubernetes
// points its staging modules (k8s.io/api, ...) at directories of its own
// repository, which a module download does not have; a wrapper module
// requires it and replaces each staging module with its published
// stagingVersion.
func (t *test) buildKubernetes() error {
	kubelet, haveKubelet := t.cached("kubelet", kubernetesVersion)
	apiserver, haveAPIServer := t.cached("kube-apiserver", kubernetesVersion)
	if !haveKubelet || !haveAPIServer {
		dir, err := t.moduleDir("k8s.io/kubernetes@" + kubernetesVersion)
		if err != nil {
			return err
		}
		gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			return err
		}
		wrapper := filepath.Join(t.cache, "src", "k8s-wrapper-"+kubernetesVersion)
		if err := os.MkdirAll(wrapper, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(wrapper, "go.mod"), wrapperGoMod(gomod), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(wrapper, "tools.go"), []byte(wrapperTools), 0o644); err != nil {
			return err
		}
		major, minor, _ := strings.Cut(strings.TrimPrefix(kubernetesVersion, "v"), ".")
		minor, _, _ = strings.Cut(minor, ".")
		ldflags := "-s -w" +
			" -X k8s.io/component-base/version.gitVersion=" + kubernetesVersion +
			" -X k8s.io/component-base/version.gitMajor=" + major +
			" -X k8s.io/component-base/version.gitMinor=" + minor
		err = t.goTool(wrapper, goEnv(false), kubernetesVersion,
			[]string{"-mod=mod", "-trimpath", "-ldflags", ldflags,
				"k8s.io/kubernetes/cmd/kubelet", "k8s.io/kubernetes/cmd/kube-apiserver"},
			"kubelet", "kube-apiserver")
		if err != nil {
			return err
		}
	} else {
		t.logf("kubelet and kube-apiserver %s from the cache", kubernetesVersion)
	}
	return errors.Join(t.install(kubelet, "kubelet"), t.install(apiserver, "kube-apiserver"))
}

// stagingReplace matches a replace directive of k8s.io/kubernetes's go.mod
// that points a staging module at the repository.
var stagingReplace = regexp.MustCompile(`(?m)^\s*(k8s\.io/[a-z0-9-]+) => \./staging/`)

// wrapperGoMod returns the wrapper module's go.mod for Kubernetes's go.mod.
func wrapperGoMod(kubernetesGoMod []byte) []byte {
	var b strings.Builder
	b.WriteString("// Generated by test/e2e: builds Kubernetes binaries from the module proxy.\n")
	b.WriteString("module runsc-peios-e2e/k8s\n\ngo 1.26.0\n\n")
	b.WriteString("require k8s.io/kubernetes " + kubernetesVersion + "\n\nreplace (\n")
	for _, m := range stagingReplace.FindAllSubmatch(kubernetesGoMod, -1) {
		fmt.Fprintf(&b, "\t%s => %s %s\n", m[1], m[1], stagingVersion)
	}
	b.WriteString(")\n")
	return []byte(b.String())
}

// wrapperTools makes the wrapper module import the two commands.
const wrapperTools = `//go:build tools

// Package tools makes the wrapper module depend on the commands it builds.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
`
