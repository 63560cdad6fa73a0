package syscalls

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// spawn runs gVisor's clone-family handler orig through kacs.Spawn (the
// child's PSB and token) and mm.Spawn (its memory-layer state); flags are
// the clone flags.
func spawn(orig kernel.SyscallFn, t *kernel.Task, sysno uintptr, args arch.SyscallArguments, flags uint64) (uintptr, *kernel.SyscallControl, error) {
	return kacs.Spawn(t, flags&linux.CLONE_THREAD == 0, func() (uintptr, *kernel.SyscallControl, error) {
		return mm.Spawn(t, flags, func() (uintptr, *kernel.SyscallControl, error) { return orig(t, sysno, args) })
	})
}

func clone(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return spawn(orig, t, sysno, args, args[0].Uint64())
	}
}

func clone3(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		// struct clone_args starts with the u64 flags. If it cannot be read,
		// gVisor's handler reports that.
		var flags [8]byte
		if _, err := t.CopyInBytes(args[0].Pointer(), flags[:]); err != nil {
			return orig(t, sysno, args)
		}
		return spawn(orig, t, sysno, args, hostarch.ByteOrder.Uint64(flags[:]))
	}
}

func fork(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return spawn(orig, t, sysno, args, 0)
	}
}

func vfork(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return spawn(orig, t, sysno, args, linux.CLONE_VM|linux.CLONE_VFORK)
	}
}

func execve(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		s := mm.LockAddressSpace(t)
		defer s.Unlock()
		r, ctrl, err := orig(t, sysno, args)
		if err == nil {
			mm.ExecCompleted(t)
			kacs.ExecCompleted(t)
		}
		return r, ctrl, err
	}
}

func prctl(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		switch args[0].Int() {
		case mm.PR_SET_DYNAMIC_CODE_POLICY:
			return 0, nil, mm.SetDynamicCodePolicy(t, args[1].Uint64(), args[2].Uint64(), args[3].Uint64(), args[4].Uint64())
		case mm.PR_GET_DYNAMIC_CODE_POLICY:
			if args[1].Uint64()|args[2].Uint64()|args[3].Uint64()|args[4].Uint64() != 0 {
				return 0, nil, linuxerr.EINVAL
			}
			return mm.DynamicCodePolicy(t), nil, nil
		}
		return orig(t, sysno, args)
	}
}

// kacsSetPSB implements kacs_set_psb(pidfd, mitigations) in the order of
// spec §24.16 (supplementing §4.3):
//  1. pidfd -1 is self; otherwise not open or not a pidfd -> EBADF, an
//     exited process -> ESRCH; a pidfd of the caller's own process is self;
//  2. bits outside 0x3FF -> EINVAL (after the pidfd, so a bad pidfd wins);
//  3. CFI expands to CFIF | CFIB; either one requested -> ENODEV, since the
//     sandbox enforces neither IBT nor user shadow stacks (§24.16's
//     sandbox recommendation);
//  4. another process needs PROCESS_SET_INFORMATION on its process SD and
//     PIP dominance -> else EACCES (§22 #12, §24.18 #8);
//  5. the new bits are validated against the target's mappings (EACCES)
//     and committed all or nothing.
func kacsSetPSB(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	pidfd := args[0].Int()
	req := security.Mitigation(args[1].Uint())
	target := t
	var other *kernel.ThreadGroup
	if pidfd != -1 {
		tg, _, err := t.ThreadGroupFromPIDFD(pidfd)
		if err != nil {
			return 0, nil, err
		}
		if tg != t.ThreadGroup() {
			if target = tg.Leader(); target == nil {
				return 0, nil, linuxerr.ESRCH
			}
			other = tg
		}
	}
	if req&^security.MitigationAll != 0 {
		return 0, nil, linuxerr.EINVAL
	}
	if req.Normalize()&(security.MitigationCFIF|security.MitigationCFIB) != 0 {
		return 0, nil, linuxerr.ENODEV
	}
	if other != nil && !kacs.Authorize(t, other, security.ProcessSetInformation) {
		return 0, nil, linuxerr.EACCES
	}
	if err := mm.SetMitigations(target, req); err != nil {
		return 0, nil, err
	}
	kacs.OfGroup(target.ThreadGroup()).PSB.AddMitigations(req)
	return 0, nil, nil
}

func mbind(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.Mbind(t, args[0].Pointer(), args[1].Uint64(), func() error { return call(orig, t, sysno, args) })
	}
}

func setMempolicy(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.SetMempolicy(t, func() error { return call(orig, t, sysno, args) })
	}
}

func getMempolicy(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.GetMempolicy(t, args[3].Pointer(), args[4].Uint(), func() error { return call(orig, t, sysno, args) })
	}
}
