package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	typeurl "github.com/containerd/typeurl/v2"
	"google.golang.org/protobuf/types/known/anypb"
	"gvisor.dev/gvisor/pkg/shim/v1/runtimeoptions"
)

const (
	// runtimeBinary is the OCI runtime the shim runs unless the options
	// TOML names another.
	runtimeBinary = "runsc-peios"

	// optionsTypeURL is the TypeUrl gVisor documents for its options TOML;
	// gVisor's shim reads the TOML whatever the TypeUrl says.
	optionsTypeURL = "io.containerd.runsc.v1.options"

	// defaultedOptionsFile is where the shim writes the effective options
	// TOML, in the bundle directory, when it had to add binary_name.
	defaultedOptionsFile = "runsc-peios-options.toml"
)

// defaultBinary returns the runtime binary to use when the options name
// none: runsc-peios next to the shim binary if it is there (the usual
// install puts both in one directory), otherwise runsc-peios looked up on
// PATH when the shim runs it.
func defaultBinary() string {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), runtimeBinary)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return runtimeBinary
}

// withDefaultBinary returns the runtime options of a Create request with
// binary_name set. gVisor's shim reads its options from the TOML file that
// the options' ConfigPath names, and runs stock `runsc` when that file has
// no binary_name or there are no options at all (`ctr run` without
// --runtime-config-path). In that case the shim writes the TOML's settings
// plus binary_name = defaultBinary() to the bundle directory and returns
// options naming that file; otherwise it returns opts unchanged.
func withDefaultBinary(opts *anypb.Any, bundle string) (*anypb.Any, error) {
	ro := &runtimeoptions.Options{TypeUrl: optionsTypeURL}
	if opts != nil {
		if err := typeurl.UnmarshalTo(opts, ro); err != nil {
			return nil, fmt.Errorf("unmarshal runtime options: %w", err)
		}
	}
	settings := map[string]any{}
	if path := ro.GetConfigPath(); path != "" {
		if _, err := toml.DecodeFile(path, &settings); err != nil {
			return nil, fmt.Errorf("decode runtime options file %q: %w", path, err)
		}
	}
	if name, ok := settings["binary_name"].(string); ok && name != "" {
		return opts, nil
	}
	settings["binary_name"] = defaultBinary()
	var buf bytes.Buffer
	buf.WriteString("# Written by containerd-shim-runsc-peios-v1: the runtime options with binary_name added.\n")
	if err := toml.NewEncoder(&buf).Encode(settings); err != nil {
		return nil, err
	}
	path := filepath.Join(bundle, defaultedOptionsFile)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return nil, err
	}
	ro.ConfigPath = path
	return typeurl.MarshalAnyToProto(ro)
}
