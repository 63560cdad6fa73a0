package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/containerd/log"
	typeurl "github.com/containerd/typeurl/v2"
	"google.golang.org/protobuf/types/known/anypb"
	"gvisor.dev/gvisor/pkg/shim/v1/runtimeoptions"
)

// writeConfig writes a bundle's config.json.
func writeConfig(t *testing.T, dir string, spec map[string]any) {
	t.Helper()
	data, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readConfig reads a bundle's config.json.
func readConfig(t *testing.T, dir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestMarkStandaloneAddsSandboxType(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, map[string]any{
		"ociVersion":  "1.2.1",
		"process":     map[string]any{"args": []string{"/bin/true"}},
		"annotations": map[string]string{"dev.peios.mm/wx": "off"},
	})
	changed, err := markStandalone(dir)
	if err != nil || !changed {
		t.Fatalf("markStandalone = %v, %v; want true, nil", changed, err)
	}
	spec := readConfig(t, dir)
	ann := spec["annotations"].(map[string]any)
	if ann["io.kubernetes.cri.container-type"] != "sandbox" {
		t.Errorf("container type = %v, want sandbox", ann["io.kubernetes.cri.container-type"])
	}
	if ann["dev.peios.mm/wx"] != "off" {
		t.Errorf("dev.peios.mm/wx = %v, want the annotation kept", ann["dev.peios.mm/wx"])
	}
	if spec["process"] == nil || spec["ociVersion"] != "1.2.1" {
		t.Errorf("other fields lost: %v", spec)
	}
}

func TestMarkStandaloneKeepsTypedContainers(t *testing.T) {
	for _, key := range []string{"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType"} {
		dir := t.TempDir()
		writeConfig(t, dir, map[string]any{"annotations": map[string]string{key: "container"}})
		before, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		changed, err := markStandalone(dir)
		if err != nil || changed {
			t.Fatalf("%s: markStandalone = %v, %v; want false, nil", key, changed, err)
		}
		after, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		if string(before) != string(after) {
			t.Errorf("%s: config.json rewritten", key)
		}
	}
}

func TestMarkStandaloneWithoutAnnotations(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, map[string]any{"ociVersion": "1.2.1"})
	if changed, err := markStandalone(dir); err != nil || !changed {
		t.Fatalf("markStandalone = %v, %v; want true, nil", changed, err)
	}
	ann, _ := readConfig(t, dir)["annotations"].(map[string]any)
	if ann["io.kubernetes.cri.container-type"] != "sandbox" {
		t.Errorf("annotations = %v", ann)
	}
}

// optionsFor returns runtime options naming a TOML file with content.
func optionsFor(t *testing.T, content string) *anypb.Any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "options.toml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	opts, err := typeurl.MarshalAnyToProto(&runtimeoptions.Options{TypeUrl: optionsTypeURL, ConfigPath: path})
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// effectiveOptions decodes the TOML file that options name.
func effectiveOptions(t *testing.T, opts *anypb.Any) map[string]any {
	t.Helper()
	ro := &runtimeoptions.Options{}
	if err := typeurl.UnmarshalTo(opts, ro); err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	if _, err := toml.DecodeFile(ro.ConfigPath, &settings); err != nil {
		t.Fatal(err)
	}
	return settings
}

func TestDefaultBinaryWithoutOptions(t *testing.T) {
	bundle := t.TempDir()
	opts, err := withDefaultBinary(nil, bundle)
	if err != nil {
		t.Fatal(err)
	}
	settings := effectiveOptions(t, opts)
	if settings["binary_name"] != defaultBinary() {
		t.Errorf("binary_name = %v, want %s", settings["binary_name"], defaultBinary())
	}
	if _, err := os.Stat(filepath.Join(bundle, defaultedOptionsFile)); err != nil {
		t.Errorf("options not written to the bundle: %v", err)
	}
}

func TestDefaultBinaryKeepsOtherSettings(t *testing.T) {
	opts := optionsFor(t, "root = \"/run/x\"\n[runsc_config]\n  network = \"none\"\n")
	got, err := withDefaultBinary(opts, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	settings := effectiveOptions(t, got)
	if settings["binary_name"] != defaultBinary() || settings["root"] != "/run/x" {
		t.Errorf("settings = %v", settings)
	}
	if rc, _ := settings["runsc_config"].(map[string]any); rc["network"] != "none" {
		t.Errorf("runsc_config = %v", settings["runsc_config"])
	}
}

func TestDefaultBinaryRespectsBinaryName(t *testing.T) {
	opts := optionsFor(t, "binary_name = \"/opt/runsc-peios\"\n")
	got, err := withDefaultBinary(opts, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got != opts {
		t.Errorf("options replaced although binary_name is set")
	}
}

func TestDefaultBinaryBadOptionsFile(t *testing.T) {
	opts := optionsFor(t, "binary_name = \n")
	if _, err := withDefaultBinary(opts, t.TempDir()); err == nil {
		t.Errorf("a malformed options file was accepted")
	}
}

func TestDaemonOOMScore(t *testing.T) {
	// Lowering the score of a child needs CAP_SYS_RESOURCE: with it the
	// call succeeds, without it EACCES is tolerated. Either way, no error.
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Skip("no sleep:", err)
	}
	defer func() {
		child.Process.Kill()
		child.Wait()
	}()
	logger := log.L.WithField("test", t.Name())
	if err := setDaemonOOMScore(logger, child.Process.Pid); err != nil {
		t.Errorf("setDaemonOOMScore: %v", err)
	}
	// Other errors are not tolerated: a process that does not exist.
	if err := setDaemonOOMScore(logger, 1<<30); err == nil {
		t.Errorf("setDaemonOOMScore on a missing process succeeded")
	}
}
