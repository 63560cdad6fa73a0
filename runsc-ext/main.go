// Command runsc-peios is gVisor's runsc with the Peios memory layer: every
// runsc command and flag, plus the --peios-* flags and dev.peios.mm/*
// annotations that set the sandbox's memory policy. The layer is installed
// into the Sentry's syscall tables before the kernel starts.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"gvisor.dev/gvisor/runsc/cli/maincli"

	"github.com/peios/runsc-peios/pkg/sentry/platform/growsdown"
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
		growsdown.WrapPlatforms()
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
	logRuntimeError(os.Args, err)
	os.Exit(1)
}

// logRuntimeError appends err to the file named by the --log flag, as runc
// does: a containerd shim gives the runtime's standard error to the
// container (or /dev/null, for a pod sandbox) and reports why `create`
// failed from the last "error" line of that file. With --log-format=json the
// line is {"level":"error","msg":...,"time":...}, the form the shims parse.
func logRuntimeError(args []string, err error) {
	var path, format string
	for i := 1; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if (name == "log" || name == "log-format") && !hasValue && i+1 < len(args) {
			i++
			value = args[i]
		}
		switch name {
		case "log":
			path = value
		case "log-format":
			format = value
		}
	}
	if path == "" {
		return
	}
	f, ferr := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if ferr != nil {
		return
	}
	defer f.Close()
	msg := "runsc-peios: " + err.Error()
	now := time.Now().Format(time.RFC3339Nano)
	if format == "json" {
		line, _ := json.Marshal(map[string]string{"level": "error", "msg": msg, "time": now})
		f.Write(append(line, '\n'))
		return
	}
	fmt.Fprintf(f, "%s %s\n", now, msg)
}
