package mm

// hugetlb mappings keep their huge pages whole (spec §15, §8.2 step 3,
// §8.3 step 6, §8.4 step 8g, §8.11 step 6): mapflags.go creates them with
// a huge-aligned start and length, and these rules keep them so:
//
//	munmap, mprotect, mseal splitting one inside a huge page -> EINVAL
//	mremap of one: old or new address not huge-aligned, or
//	  growth after rounding both sizes to the huge size     -> EINVAL

import "gvisor.dev/gvisor/pkg/hostarch"

// hugeSplit reports whether a range, collected as vs, cuts a hugetlb VMA
// inside a huge page. A hugetlb VMA's own ends are aligned, so a clipped
// end that is not lies inside it.
func hugeSplit(vs []vma) bool {
	for _, v := range vs {
		if v.hugetlb() && (uint64(v.ar.Start)%v.hugeSize() != 0 || uint64(v.ar.End)%v.hugeSize() != 0) {
			return true
		}
	}
	return false
}

// hugeRemapRefused applies §8.3 step 6 to an mremap of the hugetlb VMA
// whose bits are mask: old and new addresses huge-aligned, no growth.
func hugeRemapRefused(mask uint64, oldAddr, newAddr hostarch.Addr, newGiven bool, oldSize, newSize uint64) bool {
	if mask&bitHugetlb == 0 {
		return false
	}
	hs := (vma{mask: mask}).hugeSize()
	round := func(n uint64) uint64 { return (n + hs - 1) / hs * hs }
	return uint64(oldAddr)%hs != 0 || newGiven && uint64(newAddr)%hs != 0 || round(newSize) > round(oldSize)
}
