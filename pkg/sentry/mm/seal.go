package mm

// mseal (spec §8.11, §12; DECISIONS D4).
//
// mseal(addr, len, flags):
//
//	flags != 0                                   -> EINVAL
//	addr not page-aligned                        -> EINVAL
//	len rounds to 0 from non-zero, or wraps      -> EINVAL
//	len == 0                                     -> 0
//	any hole in [addr, addr+len)                 -> ENOMEM, nothing sealed
//	a hugetlb VMA split inside a huge page       -> EINVAL, nothing sealed
//
// A sealed VMA's mapping never changes again. These fail with EPERM and
// change nothing, also when the range is only partly sealed:
//
//	munmap                                   (munmap.go)
//	mmap MAP_FIXED over it                   (mmap.go; NOREPLACE: EEXIST)
//	mremap as source, or as FIXED target     (mremap.go)
//	mprotect, pkey_mprotect, even a no-op    (mprotect.go)
//	madvise DONTNEED, FREE, DONTNEED_LOCKED,
//	  REMOVE, DONTFORK, WIPEONFORK,
//	  GUARD_INSTALL                           (madvise.go)
//	brk shrinking into it                     (Brk: break unchanged)
//	shmdt, io_destroy of memory it covers     (DetachCheck)
//
// The seal is a bit in the VMA (vmabits.go), so it is copied to a forked
// child, moves nowhere (a sealed VMA cannot be moved) and is saved with the
// VMA by checkpoint.

import (
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// MSeal implements mseal(2).
func MSeal(t *kernel.Task, addr hostarch.Addr, length uint64, flags uint64) error {
	if flags != 0 || !addr.IsPageAligned() {
		return linuxerr.EINVAL
	}
	ar, ok := pageRange(addr, length)
	if !ok {
		return linuxerr.EINVAL
	}
	if ar.Length() == 0 {
		return nil
	}
	s := lock(t)
	defer s.Unlock()
	// First pass: only look.
	var buf [8]vma
	vs := s.collectTracked(t, ar, buf[:0])
	if holeIn(ar, vs) {
		return linuxerr.ENOMEM
	}
	if hugeSplit(vs) {
		return linuxerr.EINVAL // hugetlb.go
	}
	// Second pass: cannot fail.
	s.setBits(vs, bitSealed, bitSealed)
	return nil
}

// sealedIn reports whether any VMA overlapping ar is sealed.
//
// Preconditions: s is locked.
func (s Space) sealedIn(ar hostarch.AddrRange) bool {
	var buf [8]vma
	for _, v := range s.collect(ar, buf[:0]) {
		if v.sealed() {
			return true
		}
	}
	return false
}

// madviseDiscards is the advice that would discard or detach the contents of
// sealed memory (§8.8 step 6, §22 #8).
func madviseDiscards(advice int32) bool {
	switch advice {
	case 4 /* MADV_DONTNEED */, MADV_FREE, MADV_DONTNEED_LOCKED, 9 /* MADV_REMOVE */, 10 /* MADV_DONTFORK */, MADV_WIPEONFORK, MADV_GUARD_INSTALL:
		return true
	}
	return false
}

// Brk implements brk(2) around do, gVisor's brk: a shrink into sealed memory
// leaves the break unchanged, and a grown heap is tracked; under
// MCL_FUTURE and strict commit, growth is locked and charged, or refused
// (brkstate.go).
func Brk(t *kernel.Task, addr hostarch.Addr, do func() hostarch.Addr) hostarch.Addr {
	s := lock(t)
	defer s.Unlock()
	cur, _ := s.m.Brk(t, 0) // Fails by design and returns the break.
	curPage, _ := cur.RoundUp()
	if addr < cur {
		if newPage, ok := addr.RoundUp(); ok && newPage < curPage && s.sealedIn(hostarch.AddrRange{Start: newPage, End: curPage}) {
			return cur
		}
	}
	op, ok := s.beginBrk(t, curPage, addr)
	if !ok {
		return cur
	}
	got := do()
	gotPage, _ := got.RoundUp()
	if gotPage > curPage {
		ar := hostarch.AddrRange{Start: curPage, End: gotPage}
		s.track(ar, hostarch.ReadWrite, op.bits)
		s.lockNew(t, ar, op.mode)
	}
	op.end(curPage, gotPage)
	return got
}

// DetachCheck fails with EPERM if the mapping at addr, which shmdt or
// io_destroy is about to remove, is sealed; else it has do remove it.
func DetachCheck(t *kernel.Task, addr hostarch.Addr, do func() error) error {
	s := lock(t)
	defer s.Unlock()
	vr, err := s.m.FindVMARange(addr)
	if err == nil && s.sealedIn(vr) {
		return linuxerr.EPERM
	}
	return release(s.accountedSpan(vr), do)
}
