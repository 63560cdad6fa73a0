package syscalls

import (
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// The locking and protection-key syscalls: gVisor's handlers are replaced
// (their checks are the layer's, see pkg/sentry/mm/lock.go and pkey.go).

func mlock(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MLock(t, args[0].Pointer(), uint64(args[1].SizeT()), 0)
	}
}

func mlock2(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MLock(t, args[0].Pointer(), uint64(args[1].SizeT()), args[2].Uint())
	}
}

func munlock(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MUnlock(t, args[0].Pointer(), uint64(args[1].SizeT()))
	}
}

func mlockall(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MLockAll(t, args[0].Uint())
	}
}

func munlockall(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		mm.MUnlockAll(t)
		return 0, nil, nil
	}
}

func pkeyAlloc(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		key, err := mm.PkeyAlloc(t, args[0].Uint64(), args[1].Uint64())
		return uintptr(key), nil, err
	}
}

func pkeyFree(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.PkeyFree(t, args[0].Int())
	}
}
