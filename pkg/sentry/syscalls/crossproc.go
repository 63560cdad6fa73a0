package syscalls

// The calls that act on another process's memory (spec §6, §8.9, §8.10).
// Each one resolves its target, asks pkg/sentry/kacs for the two-check rule
// (process SD + PIP dominance; no parent/child shortcut, root not special)
// and maps a denial to the errno of §6.3:
//
//	process_vm_readv   PROCESS_VM_READ   EPERM
//	process_vm_writev  PROCESS_VM_WRITE  EPERM
//	process_madvise    PROCESS_VM_WRITE  EACCES
//	pidfd_open         PROCESS_QUERY_LIMITED EACCES
//	kacs_set_psb       PROCESS_SET_INFORMATION EACCES (process.go)

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
	"gvisor.dev/gvisor/pkg/usermem"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
)

const (
	// iovMax is UIO_MAXIOV.
	iovMax = 1024
	// maxRWCount is MAX_RW_COUNT: the most one call transfers.
	maxRWCount = 0x7ffff000
	// iovecSize is sizeof(struct iovec) on 64-bit.
	iovecSize = 16
)

// importIovecs reads count iovecs at addr (§8.9 step 2, §8.10 steps 2-3):
// count > 1024 -> EINVAL; unreadable -> EFAULT; a length negative as ssize_t
// -> EINVAL; if local, an element outside the user address range -> EFAULT
// and the total is cut to MAX_RW_COUNT.
func importIovecs(t *kernel.Task, addr hostarch.Addr, count int64, local bool) ([]hostarch.AddrRange, error) {
	if count < 0 || count > iovMax {
		return nil, linuxerr.EINVAL
	}
	raw := make([]byte, count*iovecSize)
	if _, err := t.CopyInBytes(addr, raw); err != nil {
		return nil, linuxerr.EFAULT
	}
	iovs := make([]hostarch.AddrRange, 0, count)
	var total uint64
	for i := int64(0); i < count; i++ {
		base := hostarch.Addr(hostarch.ByteOrder.Uint64(raw[i*iovecSize:]))
		length := hostarch.ByteOrder.Uint64(raw[i*iovecSize+8:])
		if int64(length) < 0 {
			return nil, linuxerr.EINVAL
		}
		if local {
			if _, ok := t.MemoryManager().CheckIORange(base, int64(length)); !ok {
				return nil, linuxerr.EFAULT
			}
			length = min(length, maxRWCount-total)
			total += length
		}
		iovs = append(iovs, hostarch.AddrRange{Start: base, End: base + hostarch.Addr(length)})
	}
	return iovs, nil
}

// totalLength is the byte count of iovs.
func totalLength(iovs []hostarch.AddrRange) uint64 {
	var n uint64
	for _, iov := range iovs {
		n += uint64(iov.Length())
	}
	return n
}

// processVMReadv implements process_vm_readv (§8.10).
func processVMReadv(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	return processVM(t, args, false)
}

// processVMWritev implements process_vm_writev (§8.10).
func processVMWritev(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	return processVM(t, args, true)
}

// processVM implements both directions. Validation is in the spec's order;
// the transfer uses the target's VMA permissions (no forced writes) and
// stops at the first fault, returning the bytes moved so far if any.
func processVM(t *kernel.Task, args arch.SyscallArguments, write bool) (uintptr, *kernel.SyscallControl, error) {
	if args[5].Uint64() != 0 {
		return 0, nil, linuxerr.EINVAL
	}
	local, err := importIovecs(t, args[1].Pointer(), int64(args[2].Uint64()), true)
	if err != nil {
		return 0, nil, err
	}
	if totalLength(local) == 0 {
		return 0, nil, nil
	}
	remote, err := importIovecs(t, args[3].Pointer(), int64(args[4].Uint64()), false)
	if err != nil {
		return 0, nil, err
	}
	if totalLength(remote) == 0 {
		return 0, nil, nil
	}
	target := t.PIDNamespace().TaskWithID(kernel.ThreadID(args[0].Int()))
	if target == nil {
		return 0, nil, linuxerr.ESRCH
	}
	right := security.ProcessVMRead
	if write {
		right = security.ProcessVMWrite
	}
	if !kacs.Authorize(t, target.ThreadGroup(), right) {
		return 0, nil, linuxerr.EPERM
	}
	tm, release, err := targetMemory(t, target)
	if err != nil {
		return 0, nil, err
	}
	defer release()
	from, to := processVMSide{tm, remote}, processVMSide{t.MemoryManager(), local}
	if write {
		from, to = to, from
	}
	n, err := copyIovecs(t, from, to)
	if n > 0 {
		return uintptr(n), nil, nil
	}
	return 0, nil, err
}

// targetMemory takes a user reference on target's address space; ESRCH if
// it has none (exited).
func targetMemory(t *kernel.Task, target *kernel.Task) (*gmm.MemoryManager, func(), error) {
	var m *gmm.MemoryManager
	target.WithMuLocked(func(tt *kernel.Task) { m = tt.MemoryManager() })
	if m == nil || !m.IncUsers() {
		return nil, nil, linuxerr.ESRCH
	}
	return m, func() { m.DecUsers(t) }, nil
}

// processVMSide is one side of a transfer.
type processVMSide struct {
	m    *gmm.MemoryManager
	iovs []hostarch.AddrRange
}

// copyChunk bounds the scratch buffer.
const copyChunk = 1 << 20

// copyIovecs moves bytes from from's iovecs to to's, in order, and returns
// the count moved; the error is that of the first fault.
func copyIovecs(t *kernel.Task, from, to processVMSide) (int, error) {
	buf := make([]byte, min(copyChunk, int(min(totalLength(from.iovs), totalLength(to.iovs)))))
	n := 0
	fi, ti := 0, 0
	for fi < len(from.iovs) && ti < len(to.iovs) {
		src, dst := from.iovs[fi], to.iovs[ti]
		if src.Length() == 0 {
			fi++
			continue
		}
		if dst.Length() == 0 {
			ti++
			continue
		}
		size := min(int(src.Length()), int(dst.Length()), len(buf))
		got, err := from.m.CopyIn(t, src.Start, buf[:size], usermem.IOOpts{})
		put, err2 := to.m.CopyOut(t, dst.Start, buf[:got], usermem.IOOpts{})
		n += put
		if err == nil {
			err = err2
		}
		if put < size || err != nil {
			if err == nil {
				err = linuxerr.EFAULT
			}
			return n, err
		}
		from.iovs[fi].Start += hostarch.Addr(put)
		to.iovs[ti].Start += hostarch.Addr(put)
	}
	return n, nil
}

// pidfdOpen gates pidfd_open with PROCESS_QUERY_LIMITED (EACCES); gVisor's
// handler reports bad flags and missing processes.
func pidfdOpen(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		pid := kernel.ThreadID(args[0].Int())
		if args[1].Uint()&^(linux.PIDFD_NONBLOCK|linux.PIDFD_THREAD) == 0 && pid > 0 {
			if target := t.PIDNamespace().TaskWithID(pid); target != nil &&
				!kacs.Authorize(t, target.ThreadGroup(), security.ProcessQueryLimited) {
				return 0, nil, linuxerr.EACCES
			}
		}
		return orig(t, sysno, args)
	}
}
