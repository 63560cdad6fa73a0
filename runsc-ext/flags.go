package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// peiosFlags holds the runtime's own global flags, --peios-<name>=<value>,
// by name (see settings.go). They set the sandbox's defaults; a container's
// dev.peios.mm/* annotations override them.
type peiosFlags map[string]string

// extractPeiosFlags removes the --peios-* flags from args (runsc's own flag
// parser does not know them) and returns them, checked. Both --name=value
// and --name value are accepted, with one or two dashes.
func extractPeiosFlags(args []string) ([]string, peiosFlags, error) {
	f := peiosFlags{}
	out := []string{args[0]}
	for i := 1; i < len(args); i++ {
		a := args[i]
		flag, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		name, isPeios := strings.CutPrefix(flag, "peios-")
		if !strings.HasPrefix(a, "-") || !isPeios {
			out = append(out, a)
			continue
		}
		s, known := settings[name]
		if !known {
			return nil, nil, fmt.Errorf("unknown flag -%s; the Peios flags are %s", flag, settingNames("--peios-"))
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("--%s needs a value: %s", flag, s.accepted)
			}
			i++
			value = args[i]
		}
		f[name] = value
	}
	if _, err := buildConfig(f, nil); err != nil {
		return nil, nil, err
	}
	return out, f, nil
}

// subcommand returns the runsc subcommand named in args: the first argument
// that is a known command rather than a flag or a flag's value.
func subcommand(args []string) string {
	for _, a := range args[1:] {
		switch a {
		case "boot", "create", "run", "do", "restore", "exec", "start", "checkpoint":
			return a
		}
	}
	return ""
}

// wantsVersion reports whether args ask for the version (and nothing else).
func wantsVersion(args []string) bool {
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			return false
		}
		if a == "--version" || a == "-version" {
			return true
		}
	}
	return false
}

// envFlags carries the flags across the boot process's re-exec of itself
// (runsc re-executes the sandbox with its environment after setting up its
// root), where the parent's command line can no longer be read; envRestore
// says, the same way, that the sandbox was started to restore a checkpoint.
const (
	envFlags   = "RUNSC_PEIOS_FLAGS"
	envRestore = "RUNSC_PEIOS_RESTORE"
)

// sandboxFlags recovers the Peios flags in the sandbox (boot) process, and
// whether it was started to restore a checkpoint. runsc starts it with a
// command line of its own, without our flags, and an empty environment;
// the flags are on the command line of the runsc-peios process that
// started it (create, run, do or restore), its parent. (The sandbox runs
// from a sealed copy of the binary, so the two executables cannot be
// compared.)
func sandboxFlags() (f peiosFlags, restoring bool, err error) {
	if enc, ok := os.LookupEnv(envFlags); ok {
		f = peiosFlags{}
		_, restoring = os.LookupEnv(envRestore)
		return f, restoring, json.Unmarshal([]byte(enc), &f)
	}
	ppid, err := parentPID()
	if err != nil {
		return nil, false, err
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", ppid))
	if err != nil {
		return nil, false, fmt.Errorf("reading the flags of the runsc-peios process %d: %v", ppid, err)
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	if restoring = subcommand(args) == "restore"; restoring {
		os.Setenv(envRestore, "1")
	}
	_, f, err = extractPeiosFlags(args)
	return f, restoring, err
}

// parentPID returns the PID of this process's parent as the host's /proc
// sees it. getppid is no use here: the sandbox process runs in a new PID
// namespace, where its parent has no PID. /proc/self/stat reports the parent
// in the PID namespace of the /proc mount, the host's at this point of boot.
func parentPID() (int, error) {
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, fmt.Errorf("finding the runsc-peios process that started the sandbox: %v", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	if len(fields) < 2 {
		return 0, fmt.Errorf("finding the runsc-peios process that started the sandbox: /proc/self/stat is %q", raw)
	}
	return strconv.Atoi(fields[1]) // fields[0] is the state.
}
