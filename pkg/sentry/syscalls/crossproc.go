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

// firstBytes returns the first n bytes of iovs.
func firstBytes(iovs []hostarch.AddrRange, n uint64) []hostarch.AddrRange {
	for i, iov := range iovs {
		if uint64(iov.Length()) >= n {
			iovs[i].End = iov.Start + hostarch.Addr(n)
			return iovs[:i+1]
		}
		n -= uint64(iov.Length())
	}
	return iovs
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
	// Stack growth and protection keys on the local side (userbuf.go).
	limit, err := vmLimit(t, &args, !write)
	if err != nil {
		return 0, nil, err
	}
	local, err := importIovecs(t, args[1].Pointer(), int64(args[2].Uint64()), true)
	if err != nil {
		return 0, nil, err
	}
	if limit != 0 {
		local = firstBytes(local, limit)
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

// Peios madvise values process_madvise needs beyond gVisor's constants.
const (
	madvCold     = 20
	madvPageout  = 21
	madvCollapse = 25

	// pidfdSelfThread and pidfdSelfThreadGroup are the PIDFD_SELF_*
	// sentinels.
	pidfdSelfThread      = -10000
	pidfdSelfThreadGroup = -10001

	hugePageSize = 2 << 20
)

// madviseHandler is the installed madvise handler (Peios rules around
// gVisor's), which process_madvise runs for each range of its own process.
var madviseHandler kernel.SyscallFn

// processMadvise implements process_madvise(pidfd, iovec, vlen, advice,
// flags) (spec §8.9): flags != 0 -> EINVAL; the iovecs as for
// process_vm_readv (EINVAL, EFAULT; the total is cut to MAX_RW_COUNT);
// pidfd not a pidfd -> EBADF, exited -> ESRCH; another process needs
// PROCESS_VM_WRITE on its process SD and PIP dominance (EACCES) and takes
// only COLD, PAGEOUT, WILLNEED and COLLAPSE (else EINVAL). Each range is
// advised as by madvise, in order; the call stops at the first failure and
// returns the bytes advised so far, or that failure if there are none.
func processMadvise(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	if args[4].Uint64() != 0 {
		return 0, nil, linuxerr.EINVAL
	}
	iovs, err := importIovecs(t, args[1].Pointer(), int64(args[2].Uint64()), true)
	if err != nil {
		return 0, nil, err
	}
	advice := args[3].Int()
	target, err := madviseTarget(t, args[0].Int())
	if err != nil {
		return 0, nil, err
	}
	remote := target.ThreadGroup() != t.ThreadGroup()
	if remote && !kacs.Authorize(t, target.ThreadGroup(), security.ProcessVMWrite) {
		return 0, nil, linuxerr.EACCES
	}
	if remote {
		switch advice {
		case madvCold, madvPageout, linux.MADV_WILLNEED, madvCollapse:
		default:
			return 0, nil, linuxerr.EINVAL
		}
	}
	m, release, err := targetMemory(t, target)
	if err != nil {
		return 0, nil, err
	}
	defer release()
	var done uintptr
	for _, iov := range iovs {
		if err = adviseOne(t, m, remote, iov, advice); err != nil {
			break
		}
		done += uintptr(iov.Length())
	}
	if done > 0 {
		return done, nil, nil
	}
	return 0, nil, err
}

// madviseTarget resolves process_madvise's pidfd.
func madviseTarget(t *kernel.Task, pidfd int32) (*kernel.Task, error) {
	if pidfd == pidfdSelfThread || pidfd == pidfdSelfThreadGroup {
		return t, nil
	}
	file := t.GetFile(pidfd)
	if file == nil {
		return nil, linuxerr.EBADF
	}
	defer file.DecRef(t)
	target, err := kernel.PIDFDTask(file)
	if err != nil && !linuxerr.Equals(linuxerr.ESRCH, err) {
		return nil, linuxerr.EBADF
	}
	return target, err
}

// adviseOne advises one range. The caller's own process gets exactly
// madvise(2). For another process the allowed advice is a hint the
// Sentry cannot act on (it has no swap and no transparent huge pages), so
// only madvise's argument rules are applied: alignment and wrap-around
// -> EINVAL, a COLLAPSE range that holds no aligned 2 MiB block -> EINVAL,
// and ENOMEM when part of the range is unmapped.
func adviseOne(t *kernel.Task, m *gmm.MemoryManager, remote bool, iov hostarch.AddrRange, advice int32) error {
	if !remote {
		var a arch.SyscallArguments
		a[0].Value, a[1].Value, a[2].Value = uintptr(iov.Start), uintptr(iov.Length()), uintptr(advice)
		_, _, err := madviseHandler(t, 28, a)
		return err
	}
	if !iov.Start.IsPageAligned() {
		return linuxerr.EINVAL
	}
	length, ok := hostarch.PageRoundUp(uint64(iov.Length()))
	ar, ok2 := iov.Start.ToRange(length)
	if !ok || !ok2 {
		return linuxerr.EINVAL
	}
	if ar.Length() == 0 {
		return nil
	}
	if advice == madvCollapse {
		first := (ar.Start + hugePageSize - 1) &^ (hugePageSize - 1)
		if first < ar.Start || first+hugePageSize > ar.End {
			return linuxerr.EINVAL
		}
	}
	if m.VirtualMemorySizeRange(ar) != uint64(ar.Length()) {
		return linuxerr.ENOMEM
	}
	return nil
}
