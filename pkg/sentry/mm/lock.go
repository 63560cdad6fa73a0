package mm

// Memory locking (spec §8.12, §14, §8.1 step 5i, §8.3 step 8). The Linux
// CAP_IPC_LOCK check is answered by SeLockMemoryPrivilege alone (root is
// not special, §3.9); until the container's token carries privileges, the
// sandbox grants it with --peios-privileges=SeLockMemoryPrivilege
// (Policy.LockMemory). "limit" is RLIMIT_MEMLOCK, "locked_vm" the size of
// the locked VMAs of the address space (hugetlb and MAP_DROPPABLE VMAs are
// never locked nor counted).
//
// mlock(addr, len), mlock2(addr, len, flags):
//
//	mlock2 flags other than MLOCK_ONFAULT               -> EINVAL
//	limit 0 and no privilege (even for len 0)           -> EPERM
//	locked_vm + new pages > limit, no privilege         -> ENOMEM
//	start (rounded down) + len (rounded up) wraps       -> EINVAL
//	empty range                                         -> 0
//	a hole in the range                                 -> ENOMEM, nothing locked (D4)
//	then every VMA is locked (ONFAULT: on first touch) and the range
//	is faulted in: a PROT_NONE VMA (stays locked)       -> ENOMEM
//	                 a fault beyond the end of a file   -> ENOMEM
//	                 no memory                          -> EAGAIN
//
// munlock(addr, len): alignment, wrap and empty as mlock; a hole -> ENOMEM,
// nothing unlocked. No limit, no privilege. Locks don't stack.
//
// mlockall(flags):
//
//	flags 0, unknown bits, or MCL_ONFAULT alone         -> EINVAL
//	limit 0 and no privilege                            -> EPERM
//	MCL_CURRENT and the mapped size > limit, no privilege -> ENOMEM
//	then MCL_CURRENT locks every VMA (faulting errors ignored); MCL_FUTURE
//	(with MCL_ONFAULT: on fault) makes every later mapping locked, and
//	without it an earlier MCL_FUTURE ends.
//
// munlockall: unlocks everything and ends MCL_FUTURE; always 0.
//
// A new mapping that will be locked (MAP_LOCKED, or under MCL_FUTURE):
//
//	MAP_LOCKED, limit 0 and no privilege                -> EPERM
//	locked_vm + its size > limit, no privilege          -> EAGAIN
//	  (brk, which has no errno, keeps the old break)
//
// Growing a locked VMA with mremap past the limit without the privilege
// -> EAGAIN (no EPERM for a zero limit there).
//
// Locks are not inherited by fork (fork.go) and end with exec.
//
// gVisor keeps the lock mode in its VMAs and does the faulting in; this
// layer mirrors the mode in the VMA's nodemask bits (bitLocked,
// bitLockOnFault) and makes every limit check itself, calling gVisor with a
// context whose RLIMIT_MEMLOCK is unlimited (unlimitedLocking) so that
// gVisor's own CAP_IPC_LOCK-based check does not decide instead. MCL_FUTURE
// lives in the process bits (procMCLFuture), not in gVisor, for the same
// reason: this layer locks each new mapping itself.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/limits"
	"gvisor.dev/gvisor/pkg/sentry/memmap"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
)

// Per-process lock state, in the task nodemask (process.go).
const (
	// procMCLFuture is mlockall(MCL_FUTURE) in force; procMCLOnFault says
	// it was given with MCL_ONFAULT. Neither survives fork or exec.
	procMCLFuture  uint64 = 1 << 52
	procMCLOnFault uint64 = 1 << 53
)

// lockPrivileged reports whether t holds SeLockMemoryPrivilege: enabled in
// its process's token, or granted to every process by the sandbox
// (--peios-privileges).
func lockPrivileged(t *kernel.Task) bool {
	return policyFor(t.ContainerID()).LockMemory || kacs.Of(t).Token.PrivilegeEnabled(security.SeLockMemoryPrivilege)
}

// memlockLimit returns t's RLIMIT_MEMLOCK in bytes.
func memlockLimit(t *kernel.Task) uint64 {
	return t.ThreadGroup().Limits().Get(limits.MemoryLocked).Cur
}

// lockMode returns the gVisor lock mode the lock bits in mask describe.
func lockMode(mask uint64) memmap.MLockMode {
	switch {
	case mask&bitLocked == 0:
		return memmap.MLockNone
	case mask&bitLockOnFault != 0:
		return memmap.MLockLazy
	}
	return memmap.MLockEager
}

// lockBitsFor returns the lock bits of a VMA locked in mode.
func lockBitsFor(mode memmap.MLockMode) uint64 {
	switch mode {
	case memmap.MLockEager:
		return bitLocked
	case memmap.MLockLazy:
		return bitLocked | bitLockOnFault
	}
	return 0
}

// limitsCtx is a context whose resource limits are replaced.
type limitsCtx struct {
	context.Context
	limits *limits.LimitSet
}

// Value implements context.Context.Value.
func (c limitsCtx) Value(key any) any {
	if key == limits.CtxLimits {
		return c.limits
	}
	return c.Context.Value(key)
}

// unlimitedLocking returns t as a context whose RLIMIT_MEMLOCK is
// unlimited, for gVisor calls whose limit this layer has already checked.
func unlimitedLocking(t *kernel.Task) context.Context {
	ls := t.ThreadGroup().Limits().GetCopy()
	ls.SetUnchecked(limits.MemoryLocked, limits.Limit{Cur: limits.Infinity, Max: limits.Infinity})
	return limitsCtx{Context: t, limits: ls}
}

// lockedVM returns locked_vm: the size of the locked VMAs, and of those in
// ar.
//
// Preconditions: s is locked.
func (s Space) lockedVM(t *kernel.Task, ar hostarch.AddrRange) (total, in uint64) {
	for _, v := range s.all(t) {
		if v.locked() && !v.hugetlb() {
			total += uint64(v.ar.Length())
			in += uint64(v.ar.Intersect(ar).Length())
		}
	}
	return total, in
}

// lockRange converts mlock's addr and length as Linux does: the start
// rounded down, the length plus the start's page offset rounded up, both
// modulo 2^64.
func lockRange(addr hostarch.Addr, length uint64) (start hostarch.Addr, rlen uint64) {
	rlen = (length + addr.PageOffset() + hostarch.PageSize - 1) &^ (hostarch.PageSize - 1)
	return addr.RoundDown(), rlen
}

// MLock implements mlock (flags 0) and mlock2(flags).
func MLock(t *kernel.Task, addr hostarch.Addr, length uint64, flags uint32) error {
	if flags&^linux.MLOCK_ONFAULT != 0 {
		return linuxerr.EINVAL
	}
	priv := lockPrivileged(t)
	limit := memlockLimit(t)
	if limit == 0 && !priv {
		return linuxerr.EPERM
	}
	start, rlen := lockRange(addr, length)
	s := lock(t)
	defer s.Unlock()
	if !priv {
		var inRange hostarch.AddrRange // Empty if the range wraps.
		if end := start + hostarch.Addr(rlen); end >= start {
			inRange = hostarch.AddrRange{Start: start, End: end}
		}
		total, in := s.lockedVM(t, inRange)
		if total+rlen < total || total+rlen-in > limit {
			return linuxerr.ENOMEM
		}
	}
	ar, ok := start.ToRange(rlen)
	if !ok {
		return linuxerr.EINVAL
	}
	if ar.Length() == 0 {
		return nil
	}
	mode := memmap.MLockEager
	if flags&linux.MLOCK_ONFAULT != 0 {
		mode = memmap.MLockLazy
	}
	return s.setLock(t, ar, mode)
}

// MUnlock implements munlock.
func MUnlock(t *kernel.Task, addr hostarch.Addr, length uint64) error {
	start, rlen := lockRange(addr, length)
	ar, ok := start.ToRange(rlen)
	if !ok {
		return linuxerr.EINVAL
	}
	if ar.Length() == 0 {
		return nil
	}
	s := lock(t)
	defer s.Unlock()
	return s.setLock(t, ar, memmap.MLockNone)
}

// setLock gives every VMA in ar the lock mode mode: the first pass finds
// the VMAs (a hole: ENOMEM, nothing changed), the second sets the bits and
// has gVisor apply the mode and, for MLockEager, fault the range in.
//
// Preconditions: s is locked; ar is not empty.
func (s Space) setLock(t *kernel.Task, ar hostarch.AddrRange, mode memmap.MLockMode) error {
	vs := s.collectTracked(t, ar, nil)
	if holeIn(ar, vs) {
		return linuxerr.ENOMEM
	}
	if mode != memmap.MLockNone {
		setForkState(t)
	}
	ctx := unlimitedLocking(t)
	var err error
	for _, v := range vs {
		if v.neverLocked() {
			continue // Never locked in the accounting sense (§15, §8.12).
		}
		s.setVMABits(v, lockBits, lockBitsFor(mode))
		if e := s.m.MLock(ctx, v.ar.Start, uint64(v.ar.Length()), mode); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// MCL_* flags of mlockall.
const (
	MCL_CURRENT = 1
	MCL_FUTURE  = 2
	MCL_ONFAULT = 4
)

// MLockAll implements mlockall.
func MLockAll(t *kernel.Task, flags uint32) error {
	if flags == 0 || flags&^(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
		return linuxerr.EINVAL
	}
	priv := lockPrivileged(t)
	limit := memlockLimit(t)
	if limit == 0 && !priv {
		return linuxerr.EPERM
	}
	s := lock(t)
	defer s.Unlock()
	if flags&MCL_CURRENT != 0 && !priv && s.m.VirtualMemorySize() > limit {
		return linuxerr.ENOMEM
	}
	p := processOf(t)
	p.bits &^= procMCLFuture | procMCLOnFault
	if flags&MCL_FUTURE != 0 {
		p.bits |= procMCLFuture | procForkState
		if flags&MCL_ONFAULT != 0 {
			p.bits |= procMCLOnFault
		}
	}
	setProcess(t, p)
	if flags&MCL_CURRENT == 0 {
		return nil
	}
	mode := memmap.MLockEager
	if flags&MCL_ONFAULT != 0 {
		mode = memmap.MLockLazy
	}
	ctx := unlimitedLocking(t)
	for _, v := range s.all(t) {
		if !v.neverLocked() {
			s.setVMABits(v, lockBits, lockBitsFor(mode))
			s.m.MLock(ctx, v.ar.Start, uint64(v.ar.Length()), mode) // Faulting errors are ignored.
		}
	}
	return nil
}

// MUnlockAll implements munlockall.
func MUnlockAll(t *kernel.Task) {
	s := lock(t)
	defer s.Unlock()
	p := processOf(t)
	if p.bits&(procMCLFuture|procMCLOnFault) != 0 {
		p.bits &^= procMCLFuture | procMCLOnFault
		setProcess(t, p)
	}
	for _, v := range s.all(t) {
		if v.locked() {
			s.setVMABits(v, lockBits, 0)
		}
	}
	s.m.MLockAll(t, gmm.MLockAllOpts{Current: true, Future: true, Mode: memmap.MLockNone})
}

// newLockMode returns the lock mode of a new mapping made by t, with
// MAP_LOCKED if mapLocked: from MAP_LOCKED and MCL_FUTURE.
func newLockMode(p process, mapLocked bool) memmap.MLockMode {
	switch {
	case p.bits&procMCLFuture != 0 && p.bits&procMCLOnFault != 0:
		return memmap.MLockLazy
	case mapLocked || p.bits&procMCLFuture != 0:
		return memmap.MLockEager
	}
	return memmap.MLockNone
}

// newLockRefused applies the limit to a new mapping of length bytes that
// will be locked: EPERM for MAP_LOCKED with a zero limit, EAGAIN if it
// would take locked_vm past the limit; replaced is the part of locked_vm
// the mapping replaces (MAP_FIXED).
//
// Preconditions: s is locked.
func (s Space) newLockRefused(t *kernel.Task, length uint64, mapLocked bool, replace hostarch.AddrRange) error {
	if lockPrivileged(t) {
		return nil
	}
	limit := memlockLimit(t)
	if mapLocked && limit == 0 {
		return linuxerr.EPERM
	}
	total, in := s.lockedVM(t, replace)
	if total-in+length < total-in || total-in+length > limit {
		return linuxerr.EAGAIN
	}
	return nil
}

// lockNew locks the new mapping ar in mode, ignoring faulting errors as
// mmap does (§8.1 step 7); its bits were set by track.
//
// Preconditions: s is locked.
func (s Space) lockNew(t *kernel.Task, ar hostarch.AddrRange, mode memmap.MLockMode) {
	if mode != memmap.MLockNone {
		s.m.MLock(unlimitedLocking(t), ar.Start, uint64(ar.Length()), mode)
	}
}

// lockGrowthRefused applies the limit to growing the locked VMA v from
// oldSize to newSize bytes with mremap (§8.3 step 8): EAGAIN beyond it.
// Unlike mlock, a zero limit is no EPERM here.
//
// Preconditions: s is locked.
func (s Space) lockGrowthRefused(t *kernel.Task, mask uint64, oldSize, newSize uint64) error {
	if mask&bitLocked == 0 || mask&bitHugetlb != 0 || newSize <= oldSize || lockPrivileged(t) {
		return nil
	}
	total, _ := s.lockedVM(t, hostarch.AddrRange{})
	if total+newSize-oldSize > memlockLimit(t) {
		return linuxerr.EAGAIN
	}
	return nil
}

// MLockedBytes returns locked_vm of t's address space, for VmLck in
// /proc/<pid>/status.
func MLockedBytes(t *kernel.Task) uint64 {
	s := lock(t)
	defer s.Unlock()
	total, _ := s.lockedVM(t, hostarch.AddrRange{})
	return total
}
