package syscalls

import (
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// msync, mincore and remap_file_pages (pkg/sentry/mm/msync.go, mincore.go,
// remap.go) replace gVisor's handlers.

func msync(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MSync(t, args[0].Pointer(), uint64(args[1].SizeT()), args[2].Uint())
	}
}

func mincore(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MInCore(t, args[0].Pointer(), uint64(args[1].SizeT()), args[2].Pointer())
	}
}

func remapFilePages(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.RemapFilePages(t, args[0].Pointer(), args[1].Uint64(), args[2].Uint64(), args[3].Uint64(), args[4].Uint64())
	}
}
