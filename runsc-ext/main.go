// Command runsc-peios is gVisor's runsc with the Peios memory layer: every
// runsc command and flag, plus the --peios-* flags and dev.peios.mm/*
// annotations that set the sandbox's memory policy. The layer is installed
// into the Sentry's syscall tables before the kernel starts.
package main

import (
	"fmt"
	"os"

	"gvisor.dev/gvisor/runsc/cli/maincli"

	"github.com/peios/runsc-peios/pkg/sentry/syscalls"
)

func main() {
	args, flags, err := extractPeiosFlags(os.Args)
	if err != nil {
		fail(err)
	}
	os.Args = args
	if wantsVersion(args) {
		printVersion()
		return
	}
	switch subcommand(args) {
	case "boot":
		// The sandbox process: this is where the Sentry runs.
		if err := configureSandbox(args, flags); err != nil {
			fail(err)
		}
		if err := syscalls.Install(); err != nil {
			fail(err)
		}
	case "create", "run":
		// Refuse a bad annotation before anything is created, with a
		// message that names the key; the sandbox checks again.
		if err := checkBundleAnnotations(args, flags); err != nil {
			fail(err)
		}
	}
	maincli.Main()
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "runsc-peios: %v\n", err)
	os.Exit(1)
}
