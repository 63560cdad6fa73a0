package mm

// The state mremap changes besides gVisor's VMAs (spec §8.3 steps 6 and 8),
// checked after the seal checks of mremap.go and in this order:
//
//	a hugetlb VMA: an address not huge-aligned, or growth    -> EINVAL
//	growing a locked VMA past RLIMIT_MEMLOCK without
//	  SeLockMemoryPrivilege (lock.go)                        -> EAGAIN
//	strict commit: the added part of a charged VMA (growth,
//	  old_size 0 duplication, DONTUNMAP's copy) (commit.go)  -> ENOMEM
//
// A shrink and an MREMAP_FIXED destination release the charges of what
// they remove. A hugetlb mapping is remapped with both sizes rounded up to
// its huge page size.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
)

// remapOp is an mremap in progress, from beginRemap to end.
type remapOp struct {
	need, released uint64 // strict commit reserved and released
}

// beginRemap makes the checks above for req, whose source VMA carries
// mask, with page-rounded sizes, and reserves the commit charge.
//
// Preconditions: s is locked; the seal checks passed.
func (s Space) beginRemap(t *kernel.Task, req MRemapRequest, mask, oldSize, newSize uint64) (remapOp, error) {
	var op remapOp
	fixed := req.Flags&linux.MREMAP_FIXED != 0
	dontUnmap := req.Flags&MREMAP_DONTUNMAP != 0
	if hugeRemapRefused(mask, req.OldAddr, req.NewAddr, fixed || dontUnmap, oldSize, newSize) {
		return op, linuxerr.EINVAL
	}
	if err := s.lockGrowthRefused(t, mask, oldSize, newSize); err != nil {
		return op, err
	}
	if !strictCommit() {
		return op, nil
	}
	if mask&bitAccounted != 0 {
		switch {
		case oldSize == 0:
			op.need = newSize
		case newSize > oldSize:
			op.need = newSize - oldSize
		}
		if dontUnmap {
			op.need += oldSize
		}
	}
	if newSize < oldSize {
		op.released = s.accountedSpan(hostarch.AddrRange{Start: req.OldAddr + hostarch.Addr(newSize), End: req.OldAddr + hostarch.Addr(oldSize)})
	}
	if fixed {
		op.released += s.accountedSpan(hostarch.AddrRange{Start: req.NewAddr, End: req.NewAddr + hostarch.Addr(newSize)})
	}
	if err := reserveReplacing(t, op.need, op.released); err != nil {
		return remapOp{}, err
	}
	return op, nil
}

// end settles the commit charge of the mremap, which failed if err is set.
func (op remapOp) end(err error) {
	settle(op.need, op.released, err == nil)
}

// hugeRemap returns an mremap of req, a request for a hugetlb VMA whose
// bits are mask, with both sizes rounded up to the huge page size.
//
// Preconditions: s is locked.
func (s Space) hugeRemap(t *kernel.Task, req MRemapRequest, mask uint64) func() (hostarch.Addr, error) {
	hs := (vma{mask: mask}).hugeSize()
	round := func(n uint64) uint64 { return (n + hs - 1) / hs * hs }
	opts := gmm.MRemapOpts{Move: gmm.MRemapNoMove, NewAddr: req.NewAddr}
	switch {
	case req.Flags&linux.MREMAP_FIXED != 0:
		opts.Move = gmm.MRemapMustMove
	case req.Flags&linux.MREMAP_MAYMOVE != 0:
		opts.Move = gmm.MRemapMayMove
	}
	return func() (hostarch.Addr, error) {
		return s.m.MRemap(t, req.OldAddr, round(req.OldSize), round(req.NewSize), opts)
	}
}
