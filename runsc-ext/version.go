package main

import (
	"fmt"
	"runtime/debug"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// layerVersion is the version of the Peios memory layer.
const layerVersion = "0.1.0"

// printVersion prints the Peios layer's version and the gVisor it is built on.
func printVersion() {
	gvisor := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "gvisor.dev/gvisor" {
				gvisor = dep.Version
			}
		}
	}
	fmt.Printf("runsc-peios version %s (Peios memory layer: W^X, mseal)\n", layerVersion)
	fmt.Printf("gVisor gvisor.dev/gvisor %s\n", gvisor)
	fmt.Printf("spec: %s\n", specs.Version)
}
