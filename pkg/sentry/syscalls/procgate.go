package syscalls

// /proc/<pid>/* and ptrace on another process (spec §6.3, §6.4). gVisor
// opens the file; if it is a proc file of another process, the two-check
// rule decides and a denied open is undone (these files have no side effect
// on open) and fails with EACCES; an open the rule grants but gVisor's own
// Linux checks refused is made again without them (openGranted):
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
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/kernel/auth"
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

// gateProcOpen wraps an open-family handler of kind c.
func gateProcOpen(c openCall) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			fd, ctrl, err := orig(t, sysno, args)
			if err != nil {
				if linuxerr.Equals(linuxerr.EACCES, err) {
					if nfd, ok, gerr := openGranted(t, c, args); ok {
						return uintptr(nfd), nil, gerr
					}
				}
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
}

// procFileAllowed applies the table above to an open proc file.
func procFileAllowed(t *kernel.Task, file *vfs.FileDescription) bool {
	target, name := procTarget(t, file)
	if target == nil {
		return true // Not a per-process file.
	}
	writing := file.StatusFlags()&(linux.O_WRONLY|linux.O_RDWR) != 0
	if right := procRights(name, writing); right != 0 {
		return kacs.Authorize(t, target.ThreadGroup(), right)
	}
	return target.ThreadGroup() == t.ThreadGroup() || kacs.Dominates(t, target.ThreadGroup())
}

// procTarget returns the task a /proc/<pid>/... file belongs to and the
// file's name, or nil if file is not such a file.
func procTarget(t *kernel.Task, file *vfs.FileDescription) (*kernel.Task, string) {
	if file.Mount().Filesystem().FilesystemType().Name() != "proc" {
		return nil, ""
	}
	path, err := t.Kernel().VFS().PathnameInFilesystem(t, file.VirtualDentry())
	if err != nil {
		return nil, ""
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	pid, err := strconv.Atoi(parts[0])
	if err != nil || len(parts) < 2 {
		return nil, ""
	}
	target := t.PIDNamespace().TaskWithID(kernel.ThreadID(pid))
	if target == nil {
		return nil, ""
	}
	return target, parts[len(parts)-1]
}

// openGranted opens a /proc/<pid>/ file of another process that gVisor
// refused with EACCES although the gate grants the right it needs: after
// the gate, gVisor would still apply Linux's ptrace-mode test (same UID or
// CAP_SYS_PTRACE) and the file's owner mode (0600, the target's UID),
// neither of which Peios has (§3.9, §6.4: no UID test, root is not
// special). The file is opened again, as the path resolved, with the
// ptrace-mode test answered by the gate's decision and the owner mode
// waived (CAP_DAC_OVERRIDE in the credentials of this one open; the
// caller's own credentials do not change). ok is false when the gate does
// not grant the open, or the path names no such file: gVisor's EACCES
// stands.
func openGranted(t *kernel.Task, c openCall, args arch.SyscallArguments) (int32, bool, error) {
	call, ok := decodeOpen(t, c, args)
	if !ok || call.flags&(linux.O_CREAT|linux.O_PATH) != 0 {
		return 0, false, nil
	}
	resolved, err := openPath(t, call.dirfd, call.path)
	if err != nil {
		return 0, false, nil
	}
	defer resolved.DecRef(t)
	target, name := procTarget(t, resolved)
	if target == nil || target.ThreadGroup() == t.ThreadGroup() {
		return 0, false, nil
	}
	right := procRights(name, call.flags&(linux.O_WRONLY|linux.O_RDWR) != 0)
	if right == 0 || !kacs.Authorize(t, target.ThreadGroup(), right) {
		return 0, false, nil
	}
	creds := t.Credentials().Fork()
	creds.EffectiveCaps |= auth.CapabilitySetOf(linux.CAP_DAC_OVERRIDE)
	root := t.FSContext().RootDirectory()
	defer root.DecRef(t)
	file, err := t.Kernel().VFS().OpenAt(grantedContext{t}, creds, &vfs.PathOperation{
		Root:  root,
		Start: resolved.VirtualDentry(), // The empty path: the file itself.
	}, &vfs.OpenOptions{Flags: call.flags | linux.O_LARGEFILE})
	if err != nil {
		return 0, true, err
	}
	defer file.DecRef(t)
	nfd, err := t.NewFDFrom(0, file, kernel.FDFlags{CloseOnExec: call.flags&linux.O_CLOEXEC != 0})
	return nfd, true, err
}

// grantedContext is a task's context in which Linux's ptrace-mode test
// (kernel.ContextCanTrace) passes: the gate has decided already.
type grantedContext struct{ context.Context }

// Value implements context.Context.Value.
func (c grantedContext) Value(key any) any {
	if key == kernel.CtxCanTrace {
		return func(*kernel.Task, bool) bool { return true }
	}
	return c.Context.Value(key)
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
