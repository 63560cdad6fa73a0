package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"gvisor.dev/gvisor/runsc/specutils"
)

// Standalone containers and their output (upstream gVisor issue 12198).
//
// gVisor's shim hands a container's stdio pipes to `runsc create` only when
// the container is a pod sandbox (CRI's "sandbox" container type); any other
// container gets them at `runsc start`. That suits the containers CRI adds to
// a pod, whose sandbox already runs. A container that is not part of a pod
// (`ctr run`, or any client other than CRI) has no container type, so
// `runsc create` — which starts the sandbox with the container's stdio — is
// run with stdout and stderr captured into a buffer: the sandbox inherits the
// write end of that capture pipe, the shim waits for EOF on it before
// returning from Create, and `ctr run` without -t hangs there; the
// container's output would go to the buffer too.
//
// A container without a type is the root of its own sandbox, exactly as a
// pod sandbox is, so the shim gives it the sandbox type before gVisor's
// service reads the bundle: `runsc create` then gets the container's stdio
// pipes, the output reaches containerd's FIFOs, and the pipes close when the
// sandbox exits. The annotation changes nothing else in runsc, which treats
// an untyped container and a sandbox alike.

// markStandalone gives the bundle's container the sandbox container type if
// it has none. It reports whether it changed config.json.
func markStandalone(bundle string) (bool, error) {
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	// Decode only what is needed and keep every other field as it is.
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(data, &spec); err != nil {
		return false, fmt.Errorf("parse %s: %w", path, err)
	}
	annotations := map[string]string{}
	if raw, ok := spec["annotations"]; ok {
		if err := json.Unmarshal(raw, &annotations); err != nil {
			return false, fmt.Errorf("parse annotations in %s: %w", path, err)
		}
	}
	for _, key := range []string{specutils.ContainerdContainerTypeAnnotation, specutils.CRIOContainerTypeAnnotation} {
		if _, ok := annotations[key]; ok {
			return false, nil
		}
	}
	annotations[specutils.ContainerdContainerTypeAnnotation] = specutils.ContainerdContainerTypeSandbox
	raw, err := json.Marshal(annotations)
	if err != nil {
		return false, err
	}
	spec["annotations"] = raw
	out, err := json.Marshal(spec)
	if err != nil {
		return false, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	// Write a new file and rename it over config.json, so a crash leaves
	// either the old spec or the new one.
	tmp := path + ".peios-tmp"
	if err := os.WriteFile(tmp, out, st.Mode().Perm()); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return false, err
	}
	return true, nil
}
