package syscalls

import (
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// call runs gVisor's handler for an error-only syscall.
func call(orig kernel.SyscallFn, t *kernel.Task, sysno uintptr, args arch.SyscallArguments) error {
	_, _, err := orig(t, sysno, args)
	return err
}

func mmap(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		req := mm.MMapRequest{
			Addr:   args[0].Pointer(),
			Length: args[1].Uint64(),
			Prot:   args[2].Uint(),
			Flags:  args[3].Uint(),
			FD:     args[4].Int(),
			Offset: args[5].Uint64(),
		}
		addr, err := mm.MMap(t, req, func(r mm.MMapRequest) (hostarch.Addr, error) {
			a := args
			a[0].Value = uintptr(r.Addr)
			a[1].Value = uintptr(r.Length)
			a[2].Value = uintptr(r.Prot)
			a[3].Value = uintptr(r.Flags)
			a[4].Value = uintptr(r.FD)
			a[5].Value = uintptr(r.Offset)
			ret, _, err := orig(t, sysno, a)
			return hostarch.Addr(ret), err
		})
		return uintptr(addr), nil, err
	}
}

func munmap(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		err := mm.MUnmap(t, args[0].Pointer(), args[1].Uint64(), func() error { return call(orig, t, sysno, args) })
		return 0, nil, err
	}
}

// protect has gVisor set the protection of ar.
func protect(t *kernel.Task) mm.ProtectFunc {
	return func(ar hostarch.AddrRange, at hostarch.AccessType, growsDown bool) error {
		return t.MemoryManager().MProtect(ar.Start, uint64(ar.Length()), at, growsDown)
	}
}

func mprotect(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MProtect(t, args[0].Pointer(), args[1].Uint64(), args[2].Uint(), mm.NoPKey, protect(t))
	}
}

func pkeyMprotect(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MProtect(t, args[0].Pointer(), args[1].Uint64(), args[2].Uint(), args[3].Int(), protect(t))
	}
}

func mremap(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		req := mm.MRemapRequest{
			OldAddr: args[0].Pointer(),
			OldSize: args[1].Uint64(),
			NewSize: args[2].Uint64(),
			Flags:   args[3].Uint64(),
			NewAddr: args[4].Pointer(),
		}
		addr, err := mm.MRemap(t, req, func() (hostarch.Addr, error) {
			r, _, err := orig(t, sysno, args)
			return hostarch.Addr(r), err
		})
		return uintptr(addr), nil, err
	}
}

func madvise(kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.MAdvise(t, args[0].Pointer(), uint64(args[1].SizeT()), args[2].Int())
	}
}

func brk(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		addr := mm.Brk(t, args[0].Pointer(), func() hostarch.Addr {
			r, _, _ := orig(t, sysno, args)
			return hostarch.Addr(r)
		})
		return uintptr(addr), nil, nil
	}
}

// detach gates a syscall that unmaps the mapping at its first argument.
func detach(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		return 0, nil, mm.DetachCheck(t, args[0].Pointer(), func() error { return call(orig, t, sysno, args) })
	}
}

var (
	shmdt     = detach
	ioDestroy = detach
)

func mseal(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	return 0, nil, mm.MSeal(t, args[0].Pointer(), args[1].Uint64(), args[2].Uint64())
}
