package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runtimeHandler is the CRI runtime handler (containerd's runtime entry and
// the RuntimeClass's handler).
const runtimeHandler = "runsc-peios"

// crictl runs crictl against the run's containerd, with an empty
// configuration file (not the host's /etc/crictl.yaml).
func (t *test) crictl(timeout time.Duration, args ...string) (string, error) {
	config := filepath.Join(workDir, "crictl.yaml")
	if _, err := os.Stat(config); err != nil {
		if err := os.WriteFile(config, nil, 0o644); err != nil {
			return "", err
		}
	}
	endpoint := "unix://" + containerdSock
	full := append([]string{"--config", config,
		"--runtime-endpoint", endpoint, "--image-endpoint", endpoint,
		"--timeout", "2m"}, args...)
	return t.run(timeout, nil, filepath.Join(t.bin, "crictl"), full...)
}

// writeJSON writes v as JSON to path.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// podPaths returns the pod sandbox config file and log directory of the
// pod named name.
func podPaths(name string) (config, logDir string) {
	dir := filepath.Join(workDir, "crictl", name)
	return filepath.Join(dir, "pod.json"), filepath.Join(dir, "logs")
}

// crictlRunp runs a pod sandbox named name with the annotations; it
// returns the pod's id and crictl's output.
func (t *test) crictlRunp(name string, annotations map[string]string) (id, out string, err error) {
	config, logDir := podPaths(name)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return "", "", err
	}
	pod := map[string]any{
		"metadata":      map[string]any{"name": name, "namespace": "e2e", "uid": name + "-uid", "attempt": 0},
		"hostname":      name,
		"log_directory": logDir,
		"annotations":   annotations,
		"linux": map[string]any{
			"cgroup_parent": "/" + cgroupParent + "/crictl-" + name,
			// NODE: the host's network namespace; no CNI is configured.
			"security_context": map[string]any{"namespace_options": map[string]any{"network": 2}},
		},
	}
	if err := writeJSON(config, pod); err != nil {
		return "", "", err
	}
	out, err = t.crictl(3*time.Minute, "runp", "--runtime", runtimeHandler, config)
	return strings.TrimSpace(out), out, err
}

// crictlCheck runs peios-check in a container of the pod with the
// container annotations ann, waits for it to exit and returns its exit
// code and what it wrote to its CRI log.
func (t *test) crictlCheck(podID, podConfig, logDir string, ann map[string]string) (int, string, error) {
	config := filepath.Join(filepath.Dir(podConfig), "container.json")
	ctr := map[string]any{
		"metadata":    map[string]any{"name": "check"},
		"image":       map[string]any{"image": testImage},
		"command":     checkCommand,
		"log_path":    "check.log",
		"annotations": ann,
	}
	if err := writeJSON(config, ctr); err != nil {
		return 0, "", err
	}
	out, err := t.crictl(3*time.Minute, "create", podID, config, podConfig)
	if err != nil {
		return 0, "", err
	}
	id := strings.TrimSpace(out)
	if _, err := t.crictl(3*time.Minute, "start", id); err != nil {
		return 0, "", err
	}
	var status struct {
		Status struct {
			State    string `json:"state"`
			ExitCode int    `json:"exitCode"`
		} `json:"status"`
	}
	err = waitFor(2*time.Minute, 500*time.Millisecond, func() (bool, error) {
		out, err := t.crictl(time.Minute, "inspect", "-o", "json", id)
		if err != nil {
			return false, err
		}
		if err := json.Unmarshal([]byte(out), &status); err != nil {
			return false, err
		}
		return status.Status.State == "CONTAINER_EXITED", fmt.Errorf("state %s", status.Status.State)
	})
	if err != nil {
		return 0, "", err
	}
	log, err := readCRILog(filepath.Join(logDir, "check.log"))
	return status.Status.ExitCode, log, err
}

// readCRILog returns the messages of a CRI container log file, whose lines
// are "TIME STREAM TAG MESSAGE".
func readCRILog(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), " ", 4)
		if len(fields) == 4 {
			b.WriteString(fields[3] + "\n")
		}
	}
	return b.String(), sc.Err()
}

// removePod stops and removes a pod sandbox.
func (t *test) removePod(id string) error {
	if _, err := t.crictl(3*time.Minute, "stopp", id); err != nil {
		return err
	}
	_, err := t.crictl(3*time.Minute, "rmp", id)
	return err
}

// stageCrictl runs pods with the runsc-peios handler through the CRI: one
// with the default policy, one annotated dev.peios.mm/wx: off, one whose
// container (not the pod) is annotated so, and one with a bad value, which
// must not start.
func (t *test) stageCrictl() error {
	if err := t.ensureContainerd(); err != nil {
		return err
	}
	cases := []struct {
		name        string
		annotations map[string]string // the pod's
		container   map[string]string // the container's own
		want        string
	}{
		{"e2e-crictl-default", nil, nil, wantWXRefused},
		{"e2e-crictl-wx-off", map[string]string{annotationWX: "off"}, nil, wantWXAllowed},
		{"e2e-crictl-container-wx-off", nil, map[string]string{annotationWX: "off"}, wantWXAllowed},
	}
	for _, c := range cases {
		podID, _, err := t.crictlRunp(c.name, c.annotations)
		if !t.check("crictl: runp "+c.name, err) {
			continue
		}
		config, logDir := podPaths(c.name)
		code, log, err := t.crictlCheck(podID, config, logDir, c.container)
		if err == nil && code != 0 {
			err = fmt.Errorf("exit code %d, log:\n%s", code, indent(log))
		}
		if t.check("crictl: container in "+c.name+" exits 0", err) {
			t.checkContains("crictl: "+c.name+": peios-check reports "+c.want+" and mseal holds", log, c.want, wantSealed)
		}
		t.check("crictl: stop and remove "+c.name, t.removePod(podID))
	}

	out, err := t.crictlPodBad()
	if err == nil {
		t.check("crictl: runp refuses dev.peios.mm/wx=bogus", fmt.Errorf("the pod started:\n%s", indent(out)))
	} else {
		t.checkContains("crictl: runp refuses dev.peios.mm/wx=bogus, naming the key", out, annotationWX)
	}
	left, err := t.crictl(time.Minute, "pods", "-q")
	if err == nil && strings.TrimSpace(left) != "" {
		err = fmt.Errorf("pods left: %s", left)
	}
	t.check("crictl: no pod left", err)
	return nil
}

// crictlPodBad tries a pod with a bad dev.peios.mm/wx value and returns
// crictl's output; if the pod does start, it is removed.
func (t *test) crictlPodBad() (string, error) {
	id, out, err := t.crictlRunp("e2e-crictl-bad", map[string]string{annotationWX: "bogus"})
	if err != nil {
		return out, err
	}
	t.removePod(id)
	return id, nil
}
