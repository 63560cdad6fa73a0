package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/peios/runsc-peios/pkg/sentry/kacs"
	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// annotationPrefix starts every Peios annotation key (DECISIONS D6).
const annotationPrefix = "dev.peios.mm/"

// configureSandbox sets the Sentry's policy and identities in the boot
// process: the flags, overridden by the annotations of the root container,
// read from the spec descriptor runsc hands to boot. The result is the
// sandbox's configuration: it applies to the root container and is where
// every container started in the sandbox later (a pod's containers; with
// CRI the root container is the pod sandbox, whose annotations are the
// Pod's) starts from: their own annotations come through the container
// pipe (containers.go).
func configureSandbox(args []string, cli peiosFlags) error {
	f, restoring, err := sandboxFlags()
	if err != nil {
		return err
	}
	if restoring {
		// Whether a grows-down mapping may grow is not in the checkpoint
		// (pkg/sentry/mm/stack.go); a restored sandbox assumes so.
		mm.NoteStackLimit()
	}
	for name, value := range cli {
		f[name] = value
	}
	enc, err := json.Marshal(f)
	if err != nil {
		return err
	}
	os.Setenv(envFlags, string(enc))
	spec, cid, err := bootSpec(args)
	if err != nil {
		return err
	}
	c, err := buildConfig(f, spec.Annotations)
	if err != nil {
		return err
	}
	mm.SetSandboxPolicy(c.policy)
	mm.SetContainerPolicy(cid, c.policy)
	kacs.SetSandboxIdentity(c.identity)
	kacs.SetContainerIdentity(cid, c.identity)
	// Containers that join the sandbox later bring their own annotations
	// (containers.go).
	return openContainerPipe(sandboxBase{flags: f, annotations: spec.Annotations})
}

// bootSpec reads the root container's spec from boot's --spec-fd, leaving
// the file offset where it was, and returns it with the container ID (boot's
// last argument).
func bootSpec(args []string) (*specs.Spec, string, error) {
	fd := -1
	for _, a := range args {
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "spec-fd="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, "", fmt.Errorf("boot --spec-fd=%q is not a number", v)
			}
			fd = n
		}
	}
	if fd < 0 {
		return nil, "", fmt.Errorf("boot has no --spec-fd")
	}
	// Read with pread on the bare descriptor: an os.File would close it
	// when garbage-collected, under runsc's feet.
	var spec specs.Spec
	var raw []byte
	buf := make([]byte, 1<<16)
	for off := int64(0); ; {
		n, err := unix.Pread(fd, buf, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("reading the container spec from fd %d: %v", fd, err)
		}
		if n == 0 {
			break
		}
		raw = append(raw, buf[:n]...)
		off += int64(n)
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, "", fmt.Errorf("reading the container spec from fd %d: %v", fd, err)
	}
	return &spec, args[len(args)-1], nil
}

// checkBundleAnnotations validates the Peios annotations of the bundle that
// create or run was given (--bundle, or the working directory) and, for a
// container that joins a running sandbox, hands them to that sandbox.
func checkBundleAnnotations(args []string, f peiosFlags) error {
	bundle := "."
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "bundle" || name == "b") {
			if !hasValue && i+1 < len(args) {
				value = args[i+1]
			}
			bundle = value
		}
	}
	raw, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil // runsc reports a missing or unreadable bundle itself.
	}
	var spec specs.Spec
	if json.Unmarshal(raw, &spec) != nil {
		return nil
	}
	if _, err := buildConfig(f, spec.Annotations); err != nil {
		return err
	}
	return sendContainerAnnotations(args, &spec)
}
