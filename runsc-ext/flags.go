package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// peiosFlags are the runtime's own global flags. They set the sandbox policy;
// a container's dev.peios.mm/* annotations override them.
type peiosFlags struct {
	// wx is --peios-wx: enforce (default), off or locked.
	wx string
	// commit is --peios-commit: heuristic (default) or strict.
	commit string
	// commitLimit is --peios-commit-limit: the strict limit in bytes.
	commitLimit string
	// privileges is --peios-privileges: privileges every process holds,
	// comma-separated, until tokens carry them.
	privileges string
}

// The names of the Peios flags.
const (
	flagWX          = "peios-wx"
	flagCommit      = "peios-commit"
	flagCommitLimit = "peios-commit-limit"
	flagPrivileges  = "peios-privileges"
)

// flagHelp says which Peios flags exist.
const flagHelp = "the Peios flags are --peios-wx=enforce|off|locked, --peios-commit=heuristic|strict, " +
	"--peios-commit-limit=BYTES, --peios-privileges=SeLockMemoryPrivilege"

// field returns the field of f that holds the flag name, or nil.
func (f *peiosFlags) field(name string) *string {
	switch name {
	case flagWX:
		return &f.wx
	case flagCommit:
		return &f.commit
	case flagCommitLimit:
		return &f.commitLimit
	case flagPrivileges:
		return &f.privileges
	}
	return nil
}

// privilegeLockMemory is the one privilege --peios-privileges grants so far.
const privilegeLockMemory = "SeLockMemoryPrivilege"

// policy returns the sandbox policy the flags describe.
func (f peiosFlags) policy() (mm.Policy, error) {
	var p mm.Policy
	if f.wx != "" {
		wx, err := mm.ParseWXPolicy(f.wx)
		if err != nil {
			return p, fmt.Errorf("--%s: %v", flagWX, err)
		}
		p.WX = wx
	}
	if f.commit != "" {
		c, err := mm.ParseCommitPolicy(f.commit)
		if err != nil {
			return p, fmt.Errorf("--%s: %v", flagCommit, err)
		}
		p.Commit = c
	}
	if f.commitLimit != "" {
		l, err := mm.ParseCommitLimit(f.commitLimit)
		if err != nil {
			return p, fmt.Errorf("--%s: %v", flagCommitLimit, err)
		}
		p.CommitLimit = l
	}
	if f.privileges != "" {
		for _, priv := range strings.Split(f.privileges, ",") {
			if priv != privilegeLockMemory {
				return p, fmt.Errorf("--%s: %q is not a privilege this runtime grants; accepted: %s", flagPrivileges, priv, privilegeLockMemory)
			}
			p.LockMemory = true
		}
	}
	return p, nil
}

// extractPeiosFlags removes the --peios-* flags from args (runsc's own flag
// parser does not know them) and returns them. Both --name=value and
// --name value are accepted, with one or two dashes.
func extractPeiosFlags(args []string) ([]string, peiosFlags, error) {
	var f peiosFlags
	out := []string{args[0]}
	for i := 1; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !strings.HasPrefix(name, "peios-") {
			out = append(out, a)
			continue
		}
		field := f.field(name)
		if field == nil {
			return nil, f, fmt.Errorf("unknown flag -%s; %s", name, flagHelp)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, f, fmt.Errorf("--%s needs a value; %s", name, flagHelp)
			}
			i++
			value = args[i]
		}
		*field = value
	}
	if _, err := f.policy(); err != nil {
		return nil, f, err
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

// envPolicy carries the flags' policy across the boot process's re-exec of
// itself (runsc re-executes the sandbox with its environment after setting up
// its root), where the parent's command line can no longer be read; the
// other flags travel in envFlags, as --name=value lines.
const (
	envPolicy = "RUNSC_PEIOS_WX"
	envFlags  = "RUNSC_PEIOS_FLAGS"
)

// setEnv records f in the environment for the re-executed sandbox.
func (f peiosFlags) setEnv() {
	os.Setenv(envPolicy, f.wx)
	var lines []string
	for _, name := range []string{flagCommit, flagCommitLimit, flagPrivileges} {
		if v := *f.field(name); v != "" {
			lines = append(lines, "--"+name+"="+v)
		}
	}
	os.Setenv(envFlags, strings.Join(lines, "\n"))
}

// flagsFromEnv reads what setEnv recorded.
func flagsFromEnv(wx string) (peiosFlags, error) {
	args := []string{"runsc-peios"}
	if rest := os.Getenv(envFlags); rest != "" {
		args = append(args, strings.Split(rest, "\n")...)
	}
	_, f, err := extractPeiosFlags(args)
	f.wx = wx
	return f, err
}

// sandboxFlags recovers the Peios flags in the sandbox (boot) process. runsc
// starts it with a command line of its own, without our flags, and an empty
// environment; the flags are on the command line of the runsc-peios
// process that started it (create, run, do or restore), its parent. (The
// sandbox runs from a sealed copy of the binary, so the two executables
// cannot be compared.)
func sandboxFlags() (peiosFlags, error) {
	if wx, ok := os.LookupEnv(envPolicy); ok {
		return flagsFromEnv(wx)
	}
	ppid, err := parentPID()
	if err != nil {
		return peiosFlags{}, err
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", ppid))
	if err != nil {
		return peiosFlags{}, fmt.Errorf("reading the flags of the runsc-peios process %d: %v", ppid, err)
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	_, f, err := extractPeiosFlags(args)
	return f, err
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
