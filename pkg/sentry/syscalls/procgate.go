package syscalls

// /proc/<pid>/* and ptrace on another process (spec §6.3, §6.4). gVisor
// opens the file; if it is a proc file of another process, the two-check
// rule decides and a denied open is undone (these files have no side effect
// on open) and fails with EACCES:
//
//	mem opened read-only                       PROCESS_VM_READ
//	mem opened for writing                     PROCESS_VM_WRITE
//	maps, smaps, smaps_rollup, numa_maps,
//	  pagemap, environ, auxv                   PROCESS_VM_READ (§22 #14)
//	clear_refs, oom_score_adj for writing      PROCESS_SET_INFORMATION
//	any other file of a PIP-protected process
//	  the caller does not dominate             EACCES (default deny)
//
// ptrace: PTRACE_ATTACH, PTRACE_SEIZE and POKE* need PROCESS_VM_WRITE,
// PEEK* need PROCESS_VM_READ; a denial is EPERM, before gVisor's own
// checks.

import (
	"strconv"
	"strings"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/vfs"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
)

// procRights returns the right an open of /proc/<pid>/<name> needs, or 0
// when only PIP dominance is required.
func procRights(name string, writing bool) security.AccessMask {
	switch name {
	case "mem":
		if writing {
			return security.ProcessVMWrite
		}
		return security.ProcessVMRead
	case "maps", "smaps", "smaps_rollup", "numa_maps", "pagemap", "environ", "auxv":
		return security.ProcessVMRead
	case "clear_refs", "oom_score_adj":
		if writing {
			return security.ProcessSetInformation
		}
	}
	return 0
}

// gateProcOpen wraps an open-family handler.
func gateProcOpen(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		fd, ctrl, err := orig(t, sysno, args)
		if err != nil {
			return fd, ctrl, err
		}
		file := t.GetFile(int32(fd))
		if file == nil {
			return fd, ctrl, err
		}
		allowed := procFileAllowed(t, file)
		file.DecRef(t)
		if !allowed {
			if f := t.FDTable().Remove(t, int32(fd)); f != nil {
				f.DecRef(t)
			}
			return 0, nil, linuxerr.EACCES
		}
		return fd, ctrl, err
	}
}

// procFileAllowed applies the table above to an open proc file.
func procFileAllowed(t *kernel.Task, file *vfs.FileDescription) bool {
	if file.Mount().Filesystem().FilesystemType().Name() != "proc" {
		return true
	}
	path, err := t.Kernel().VFS().PathnameInFilesystem(t, file.VirtualDentry())
	if err != nil {
		return true
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	pid, err := strconv.Atoi(parts[0])
	if err != nil || len(parts) < 2 {
		return true // Not a per-process file.
	}
	name := parts[len(parts)-1]
	target := t.PIDNamespace().TaskWithID(kernel.ThreadID(pid))
	if target == nil {
		return true
	}
	writing := file.StatusFlags()&(linux.O_WRONLY|linux.O_RDWR) != 0
	if right := procRights(name, writing); right != 0 {
		return kacs.Authorize(t, target.ThreadGroup(), right)
	}
	return target.ThreadGroup() == t.ThreadGroup() || kacs.Dominates(t, target.ThreadGroup())
}

// Ptrace requests the gate distinguishes.
const (
	ptracePeekText = 1
	ptracePeekData = 2
	ptracePeekUser = 3
	ptracePokeText = 4
	ptracePokeData = 5
	ptracePokeUser = 6
	ptraceAttach   = 16
	ptraceSeize    = 0x4206
)

// ptrace gates attach, peek and poke on another process.
func ptrace(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		var right security.AccessMask
		switch args[0].Int64() {
		case ptraceAttach, ptraceSeize, ptracePokeText, ptracePokeData, ptracePokeUser:
			right = security.ProcessVMWrite
		case ptracePeekText, ptracePeekData, ptracePeekUser:
			right = security.ProcessVMRead
		}
		if right != 0 {
			if target := t.PIDNamespace().TaskWithID(kernel.ThreadID(args[1].Int())); target != nil &&
				!kacs.Authorize(t, target.ThreadGroup(), right) {
				return 0, nil, linuxerr.EPERM
			}
		}
		return orig(t, sysno, args)
	}
}
