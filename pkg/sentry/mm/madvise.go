package mm

// madvise (spec §8.8, §10), in the spec's order:
//
//	1 advice not one of §2.4 (GUARD_INSTALL/_REMOVE are not
//	  supported, §10.8)                                      -> EINVAL
//	2 addr not page-aligned                                  -> EINVAL
//	3 len rounds to 0 from non-zero, or the range wraps      -> EINVAL
//	4 empty range                                            -> 0
//	5 HWPOISON, SOFT_OFFLINE (no SeTcbPrivilege here)         -> EPERM
//	6 DONTNEED, FREE, DONTNEED_LOCKED, REMOVE, DONTFORK,
//	  WIPEONFORK on a range holding a sealed VMA (seal.go)   -> EPERM
//	7 first pass, every VMA in address order (nothing changed
//	  if one fails, D4):
//	    POPULATE_READ/_WRITE: a hole before it               -> ENOMEM
//	    DONTNEED, FREE, COLD, PAGEOUT, REMOVE on a locked VMA -> EINVAL
//	    DONTNEED on hugetlb with a start not huge-aligned,
//	      COLD and PAGEOUT on hugetlb                         -> EINVAL
//	    FREE, WIPEONFORK on anything but private anonymous
//	      (hugetlb is a file here)                           -> EINVAL
//	    REMOVE on private anonymous memory                    -> EINVAL
//	    REMOVE on a file (or hugetlb) VMA not shared and
//	      may-write                                          -> EACCES
//	    DODUMP, DONTDUMP, HUGEPAGE, NOHUGEPAGE on a special
//	      VMA ([vdso], [vvar])                               -> EINVAL
//	    DODUMP, KEEPONFORK on a MAP_DROPPABLE VMA            -> EINVAL
//	    COLLAPSE on a NOHUGEPAGE, hugetlb or special VMA, or
//	      one too small to hold an aligned 2 MiB block        -> EINVAL
//	    POPULATE_READ on a VMA without PROT_READ,
//	    POPULATE_WRITE on one without PROT_WRITE             -> EINVAL
//	8 second pass: apply to every VMA;
//	    POPULATE_*: a fault that would raise SIGBUS           -> EFAULT
//	    COLLAPSE: the VMA's part of the range has its first 2 MiB
//	      boundary past its last, or an aligned 2 MiB block in it
//	      has no resident page (after trying the others)     -> EINVAL
//	  a hole anywhere in the range (advice applied to the
//	  mapped parts)                                          -> ENOMEM
//
// Effects (§10): DONTNEED, DONTNEED_LOCKED and FREE drop the pages (next
// access: zero for anonymous memory, the file's contents for a file);
// REMOVE zeroes the backing object's range and drops the pages; PAGEOUT
// drops the pages of shared mappings, whose contents stay in their object
// (private pages have no swap to go to); POPULATE_READ/_WRITE fault the
// range in (WRITE breaks copy-on-write); COLLAPSE faults in the aligned
// 2 MiB blocks; WILLNEED and COLD are hints with no effect here. DONTFORK
// and WIPEONFORK are honoured by fork (fork.go); DONTDUMP, MERGEABLE (KSM is
// dormant: nothing is ever merged; not recorded on shared, hugetlb, special
// and MAP_DROPPABLE VMAs, as Linux), HUGEPAGE/NOHUGEPAGE and
// SEQUENTIAL/RANDOM are recorded in the VMA and shown in smaps.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/safemem"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/memmap"
	"gvisor.dev/gvisor/pkg/usermem"
)

// madvise advice values gVisor's abi/linux package lacks (§2.4).
const (
	MADV_KEEPONFORK     = 19
	MADV_COLD           = 20
	MADV_PAGEOUT        = 21
	MADV_POPULATE_READ  = 22
	MADV_POPULATE_WRITE = 23
	MADV_COLLAPSE       = 25
	MADV_SOFT_OFFLINE   = 101
)

// madviseKnown reports whether advice is an advice this layer implements
// (§8.8 step 1).
func madviseKnown(advice int32) bool {
	switch advice {
	case linux.MADV_NORMAL, linux.MADV_RANDOM, linux.MADV_SEQUENTIAL, linux.MADV_WILLNEED, linux.MADV_DONTNEED,
		MADV_FREE, linux.MADV_REMOVE, linux.MADV_DONTFORK, linux.MADV_DOFORK,
		linux.MADV_MERGEABLE, linux.MADV_UNMERGEABLE, linux.MADV_HUGEPAGE, linux.MADV_NOHUGEPAGE,
		linux.MADV_DONTDUMP, linux.MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK,
		MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED,
		MADV_COLLAPSE, linux.MADV_HWPOISON, MADV_SOFT_OFFLINE:
		return true
	}
	return false
}

// MAdvise implements madvise(addr, length, advice) for t's own address
// space.
func MAdvise(t *kernel.Task, addr hostarch.Addr, length uint64, advice int32) error {
	if !madviseKnown(advice) || !addr.IsPageAligned() {
		return linuxerr.EINVAL
	}
	ar, ok := pageRange(addr, length)
	if !ok {
		return linuxerr.EINVAL
	}
	if ar.Length() == 0 {
		return nil
	}
	if advice == linux.MADV_HWPOISON || advice == MADV_SOFT_OFFLINE {
		return linuxerr.EPERM
	}
	s := lock(t)
	defer s.Unlock()

	// First pass: only look.
	var buf [8]vma
	var vs []vma
	if madviseNeedsKind(advice) {
		vs = s.collectTracked(t, ar, buf[:0])
	} else {
		vs = s.collect(ar, buf[:0])
	}
	if madviseDiscards(advice) {
		for _, v := range vs {
			if v.sealed() {
				return linuxerr.EPERM
			}
		}
	}
	populate := advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE
	if populate && holeIn(ar, vs) {
		return linuxerr.ENOMEM
	}
	var prots []mapsEntry // real protections, read once if a check needs them
	for _, v := range vs {
		vr := v.ar
		if advice == MADV_COLLAPSE {
			vr, _ = s.m.FindVMARange(v.ar.Start)
		}
		if err := madviseRefuses(advice, v, vr); err != nil {
			return err
		}
		if populate {
			if prots == nil {
				prots = s.mapsEntries(t)
			}
			if p := realProt(prots, v); advice == MADV_POPULATE_READ && !p.Read || advice == MADV_POPULATE_WRITE && !p.Write {
				return linuxerr.EINVAL
			}
		}
	}

	// Second pass: apply.
	if err := s.madviseApply(t, advice, ar, vs); err != nil {
		return err
	}
	if holeIn(ar, vs) {
		return linuxerr.ENOMEM
	}
	return nil
}

// madviseNeedsKind reports whether advice looks at or sets bits that only
// adopted VMAs have (the kind of mapping, the advice flags). The others
// (DONTNEED, WILLNEED, ...) only look at locks, seals and huge pages, which
// no unadopted VMA has.
func madviseNeedsKind(advice int32) bool {
	switch advice {
	case linux.MADV_DONTNEED, linux.MADV_WILLNEED, MADV_COLD, MADV_DONTNEED_LOCKED:
		return false
	}
	return true
}

// madviseRefuses applies the per-VMA rules of §10 to v, a VMA clipped to
// the range; vr is the whole VMA (only COLLAPSE looks at it).
func madviseRefuses(advice int32, v vma, vr hostarch.AddrRange) error {
	switch advice {
	case linux.MADV_DONTNEED:
		if v.locked() || v.hugetlb() && uint64(v.ar.Start)%v.hugeSize() != 0 {
			return linuxerr.EINVAL
		}
	case MADV_FREE:
		if v.locked() || !v.privateAnon() || v.hugetlb() {
			return linuxerr.EINVAL
		}
	case MADV_COLD, MADV_PAGEOUT:
		if v.locked() || v.hugetlb() {
			return linuxerr.EINVAL
		}
	case linux.MADV_REMOVE:
		switch {
		case v.locked(), v.privateAnon() && !v.hugetlb(), v.special():
			return linuxerr.EINVAL
		case !v.mayWriteShared():
			return linuxerr.EACCES // Private hugetlb memory has a file too.
		}
	case MADV_WIPEONFORK:
		if !v.privateAnon() || v.hugetlb() {
			return linuxerr.EINVAL
		}
	case linux.MADV_DODUMP:
		if v.special() || v.droppable() {
			return linuxerr.EINVAL
		}
	case MADV_KEEPONFORK:
		if v.droppable() {
			return linuxerr.EINVAL
		}
	case linux.MADV_DONTDUMP, linux.MADV_HUGEPAGE, linux.MADV_NOHUGEPAGE:
		if v.special() {
			return linuxerr.EINVAL
		}
	case MADV_COLLAPSE:
		if v.mask&bitNoHugePage != 0 || v.hugetlb() || v.special() || !holdsHugeBlock(vr) {
			return linuxerr.EINVAL
		}
	}
	return nil
}

// holdsHugeBlock reports whether vr holds an aligned 2 MiB block.
func holdsHugeBlock(vr hostarch.AddrRange) bool {
	return hugeBlocks(vr).Length() != 0
}

// hugeBlocks returns the part of ar made of whole, aligned 2 MiB blocks.
func hugeBlocks(ar hostarch.AddrRange) hostarch.AddrRange {
	start, ok := ar.Start.HugeRoundUp()
	end := ar.End.HugeRoundDown()
	if !ok || start >= end {
		return hostarch.AddrRange{}
	}
	return hostarch.AddrRange{Start: start, End: end}
}

// madviseFlags returns the nodemask bits an advice that only records state
// changes: which bits it replaces and with what.
func madviseFlags(advice int32) (which, bits uint64, ok bool) {
	switch advice {
	case linux.MADV_NORMAL:
		return bitSeqRead | bitRandRead, 0, true
	case linux.MADV_SEQUENTIAL:
		return bitSeqRead | bitRandRead, bitSeqRead, true
	case linux.MADV_RANDOM:
		return bitSeqRead | bitRandRead, bitRandRead, true
	case linux.MADV_DONTDUMP:
		return bitDontDump, bitDontDump, true
	case linux.MADV_DODUMP:
		return bitDontDump, 0, true
	case MADV_WIPEONFORK:
		return bitWipeOnFork, bitWipeOnFork, true
	case MADV_KEEPONFORK:
		return bitWipeOnFork, 0, true
	case linux.MADV_MERGEABLE:
		return bitMergeable, bitMergeable, true
	case linux.MADV_UNMERGEABLE:
		return bitMergeable, 0, true
	case linux.MADV_HUGEPAGE:
		return bitHugePage | bitNoHugePage, bitHugePage, true
	case linux.MADV_NOHUGEPAGE:
		return bitHugePage | bitNoHugePage, bitNoHugePage, true
	case linux.MADV_DONTFORK:
		return bitDontFork, bitDontFork, true
	case linux.MADV_DOFORK:
		return bitDontFork, 0, true
	}
	return 0, 0, false
}

// madviseApply applies advice to the validated VMAs vs, clipped to ar.
//
// Preconditions: s is locked; vs passed madviseRefuses.
func (s Space) madviseApply(t *kernel.Task, advice int32, ar hostarch.AddrRange, vs []vma) error {
	if which, bits, ok := madviseFlags(advice); ok {
		for _, v := range vs {
			if advice == linux.MADV_MERGEABLE && (v.shared() || v.hugetlb() || v.special() || v.droppable()) {
				continue // Never merged, so not recorded (§10.6).
			}
			if advice == MADV_WIPEONFORK {
				setForkState(t)
			}
			s.setVMABits(v, which, bits)
			if advice == linux.MADV_DONTFORK || advice == linux.MADV_DOFORK {
				s.m.SetDontFork(v.ar.Start, uint64(v.ar.Length()), advice == linux.MADV_DONTFORK)
			}
		}
		return nil
	}
	switch advice {
	case linux.MADV_DONTNEED, MADV_FREE:
		for _, v := range vs {
			s.discard(v)
		}
	case MADV_DONTNEED_LOCKED:
		for _, v := range vs {
			if v.locked() {
				s.discardLocked(t, v)
			} else {
				s.discard(v)
			}
		}
	case linux.MADV_REMOVE:
		for _, v := range vs {
			s.m.ZeroOut(t, v.ar.Start, int64(v.ar.Length()), usermem.IOOpts{IgnorePermissions: true})
			s.m.Decommit(v.ar.Start, uint64(v.ar.Length()))
		}
	case MADV_PAGEOUT:
		for _, v := range vs {
			if v.shared() {
				s.m.Decommit(v.ar.Start, uint64(v.ar.Length()))
			}
		}
	case MADV_POPULATE_READ, MADV_POPULATE_WRITE:
		at := hostarch.Read
		if advice == MADV_POPULATE_WRITE {
			at = hostarch.Write
		}
		for _, v := range vs {
			if err := s.populate(t, v.ar, at); err != nil {
				return err
			}
		}
	case MADV_COLLAPSE:
		res := s.residency(t)
		for _, v := range vs {
			if err := s.collapse(t, v, res); err != nil {
				return err
			}
		}
	}
	// WILLNEED, COLD: hints with nothing to do here.
	return nil
}

// discard drops the pages of v (DONTNEED, FREE). A hugetlb VMA is
// discarded up to the end of the huge page holding the range's end, as
// Linux does.
//
// Preconditions: s is locked; v is not locked.
func (s Space) discard(v vma) {
	ar := v.ar
	if v.hugetlb() {
		if vr, err := s.m.FindVMARange(ar.Start); err == nil {
			hs := v.hugeSize()
			end := hostarch.Addr((uint64(ar.End) + hs - 1) / hs * hs)
			ar.End = min(max(end, ar.End), vr.End)
		}
	}
	s.m.Decommit(ar.Start, uint64(ar.Length()))
}

// discardLocked drops the pages of a locked VMA (DONTNEED_LOCKED): gVisor
// refuses to decommit locked memory, so the VMA is unlocked, decommitted and
// locked again in its mode; an eagerly locked VMA is faulted in again (zero
// pages), which Linux leaves to the next touch.
//
// Preconditions: s is locked; v is locked.
func (s Space) discardLocked(t *kernel.Task, v vma) {
	s.m.MLock(t, v.ar.Start, uint64(v.ar.Length()), memmap.MLockNone)
	s.m.Decommit(v.ar.Start, uint64(v.ar.Length()))
	s.m.MLock(unlimitedLocking(t), v.ar.Start, uint64(v.ar.Length()), lockMode(v.mask))
}

// populate faults ar in for access at (MADV_POPULATE_*, §10.2). The
// permissions were checked by the first pass, so a failure is a fault
// beyond the end of a file (SIGBUS): EFAULT.
//
// Preconditions: s is locked.
func (s Space) populate(ctx context.Context, ar hostarch.AddrRange, at hostarch.AccessType) error {
	var err error
	if at.Write {
		_, err = s.m.EnsurePMAsExist(ctx, ar.Start, int64(ar.Length()), usermem.IOOpts{})
	} else {
		_, err = s.m.CopyInTo(ctx, hostarch.AddrRangeSeqOf(ar), discard{}, usermem.IOOpts{})
	}
	if err != nil {
		return linuxerr.EFAULT
	}
	return nil
}

// discard is a safemem.Writer that keeps nothing: reading a range into it
// faults the range in without copying it.
type discard struct{}

// WriteFromBlocks implements safemem.Writer.WriteFromBlocks.
func (discard) WriteFromBlocks(srcs safemem.BlockSeq) (uint64, error) { return srcs.NumBytes(), nil }

// collapse implements MADV_COLLAPSE on v as Linux does for memory it can
// back with huge pages: the aligned 2 MiB blocks between the first block
// boundary at or after the range's start and the last one at or before its
// end are collapsed; if the start's boundary lies past the end's (the
// range holds no boundary pair), the call fails EINVAL. A block that holds
// a resident page is made resident as a whole (gVisor backs aligned
// private anonymous memory with huge pages where it can); one with no
// resident page cannot be collapsed, and the VMA then fails EINVAL after
// the others were tried.
//
// Preconditions: s is locked; v passed madviseRefuses.
func (s Space) collapse(ctx context.Context, v vma, res residency) error {
	hstart, ok := v.ar.Start.HugeRoundUp()
	hend := v.ar.End.HugeRoundDown()
	if !ok || hstart > hend {
		return linuxerr.EINVAL
	}
	var err error
	for b := hstart; b < hend; b += hostarch.HugePageSize {
		block := hostarch.AddrRange{Start: b, End: b + hostarch.HugePageSize}
		if !res.any(block) {
			err = linuxerr.EINVAL
			continue
		}
		s.populate(ctx, block, hostarch.Read)
	}
	return err
}
