package mm

// mremap (spec §8.3), the steps this layer owns:
//
//	1 flags outside MAYMOVE|FIXED|DONTUNMAP                  -> EINVAL
//	2 FIXED without MAYMOVE                                  -> EINVAL
//	3 DONTUNMAP without MAYMOVE, or with old_size != new_size -> EINVAL
//	4 old_address not page-aligned; new_size 0; new_size,
//	  old_size or old_address+old_size beyond TASK_SIZE      -> EINVAL
//	5 FIXED/DONTUNMAP: new range beyond TASK_SIZE, new_address
//	  not aligned, old and new ranges overlap                -> EINVAL
//	6 no VMA at old_address                                  -> EFAULT
//	  that VMA sealed                                        -> EPERM
//	7 shrink: a sealed VMA in the dropped tail               -> EPERM
//	9 FIXED: a sealed VMA in the destination                 -> EPERM
//
//	8 old_size 0 (duplicate) of a private mapping            -> EINVAL
//	6, 8 hugetlb, locked growth, commit (remapstate.go)       -> EINVAL, EAGAIN, ENOMEM
//
// Step 4 also keeps gVisor from unmapping everything above a huge old_size
// (which would kill the caller).
//
// gVisor has no MREMAP_DONTUNMAP; moveKeepingSource builds it from two
// gVisor moves.
//
// gVisor grows a mapping in place by creating a new VMA for the added part;
// the Peios bits (and the NUMA policy) of the source VMA are re-applied there.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/memmap"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
)

// MRemapRequest is a decoded mremap(2) call.
type MRemapRequest struct {
	OldAddr hostarch.Addr
	OldSize uint64
	NewSize uint64
	Flags   uint64
	NewAddr hostarch.Addr
}

// MRemap checks req and has do perform it.
func MRemap(t *kernel.Task, req MRemapRequest, do func() (hostarch.Addr, error)) (hostarch.Addr, error) {
	mayMove := req.Flags&linux.MREMAP_MAYMOVE != 0
	fixed := req.Flags&linux.MREMAP_FIXED != 0
	dontUnmap := req.Flags&MREMAP_DONTUNMAP != 0
	if req.Flags&^(linux.MREMAP_MAYMOVE|linux.MREMAP_FIXED|MREMAP_DONTUNMAP) != 0 || (fixed && !mayMove) {
		return 0, linuxerr.EINVAL
	}
	oldSize, ok1 := hostarch.PageRoundUp(req.OldSize)
	newSize, ok2 := hostarch.PageRoundUp(req.NewSize)
	if dontUnmap && (!mayMove || !ok1 || !ok2 || oldSize != newSize) {
		return 0, linuxerr.EINVAL
	}
	if !req.OldAddr.IsPageAligned() || !ok2 || newSize == 0 || hostarch.Addr(newSize) > TaskSize ||
		!ok1 || hostarch.Addr(oldSize) > TaskSize || req.OldAddr > TaskSize-hostarch.Addr(oldSize) {
		return 0, linuxerr.EINVAL
	}
	oldAR := hostarch.AddrRange{Start: req.OldAddr, End: req.OldAddr + hostarch.Addr(oldSize)}
	var newAR hostarch.AddrRange
	if fixed || dontUnmap {
		if req.NewAddr > TaskSize || hostarch.Addr(newSize) > TaskSize-req.NewAddr || !req.NewAddr.IsPageAligned() {
			return 0, linuxerr.EINVAL
		}
		newAR = hostarch.AddrRange{Start: req.NewAddr, End: req.NewAddr + hostarch.Addr(newSize)}
		if newAR.Overlaps(oldAR) {
			return 0, linuxerr.EINVAL
		}
	}

	s := lock(t)
	defer s.Unlock()
	vr, err := s.m.FindVMARange(req.OldAddr)
	if err != nil {
		return 0, linuxerr.EFAULT
	}
	policy, mask, _ := s.m.NumaPolicy(req.OldAddr)
	if mask&bitSealed != 0 {
		return 0, linuxerr.EPERM
	}
	// A shrink drops [OldAddr+newSize, oldAR.End); the part inside the
	// source VMA was just found unsealed.
	if tailStart := req.OldAddr + hostarch.Addr(newSize); newSize < oldSize && oldAR.End > vr.End &&
		s.sealedIn(hostarch.AddrRange{Start: max(tailStart, vr.End), End: oldAR.End}) {
		return 0, linuxerr.EPERM
	}
	if fixed && s.sealedIn(newAR) {
		return 0, linuxerr.EPERM
	}
	if oldSize == 0 && mayMove {
		if e, _ := entryAt(s.mapsEntries(t), req.OldAddr); e.private {
			return 0, linuxerr.EINVAL
		}
	}
	op, err := s.beginRemap(t, req, mask, oldSize, newSize)
	if err != nil {
		return 0, err
	}
	if dontUnmap {
		addr, err := s.moveKeepingSource(t, oldAR, req.NewAddr, fixed)
		op.end(err)
		return addr, err
	}
	if mask&bitHugetlb != 0 {
		do = s.hugeRemap(t, req, mask)
	}
	addr, err := do()
	if err != nil {
		op.end(err)
		return 0, err
	}
	if addr == req.OldAddr && newSize > oldSize && oldAR.End == vr.End {
		// Grown in place: the added part is a fresh VMA.
		s.m.SetNumaPolicy(oldAR.End, newSize-oldSize, policy, mask)
	}
	op.end(nil) // After the bits carry the charge.
	return addr, nil
}

// moveKeepingSource implements MREMAP_DONTUNMAP (§8.3 step 11): the mapping
// and its pages move to dest (a hint unless fixed), and the old range stays
// mapped with the same attributes but none of the private pages, so private
// anonymous memory refaults as zero and file or shared memory refaults from
// its backing object. gVisor moves the VMA (pages and Peios bits) to dest,
// then duplicates it back at the old range (an old_size 0 mremap, which
// copies the VMA without its private pages). If the duplicate cannot be
// made, the mapping is moved back and the call fails as a whole.
//
// Preconditions: s is locked; old is one VMA's range, checked as above.
func (s Space) moveKeepingSource(ctx context.Context, old hostarch.AddrRange, dest hostarch.Addr, fixed bool) (hostarch.Addr, error) {
	size := uint64(old.Length())
	if !fixed {
		// Reserve a free range, which the move then replaces.
		a, err := s.m.MMap(ctx, memmap.MMapOpts{Length: size, Addr: dest, Private: true, MaxPerms: hostarch.AnyAccess})
		if err != nil {
			return 0, err
		}
		dest = a
	}
	moved, err := s.m.MRemap(ctx, old.Start, size, size, gmm.MRemapOpts{Move: gmm.MRemapMustMove, NewAddr: dest})
	if err != nil {
		if !fixed {
			s.m.MUnmap(ctx, dest, size)
		}
		return 0, err
	}
	if _, err := s.m.MRemap(ctx, moved, 0, size, gmm.MRemapOpts{Move: gmm.MRemapMustMove, NewAddr: old.Start}); err != nil {
		s.m.MRemap(ctx, moved, size, size, gmm.MRemapOpts{Move: gmm.MRemapMustMove, NewAddr: old.Start})
		return 0, err
	}
	return moved, nil
}
