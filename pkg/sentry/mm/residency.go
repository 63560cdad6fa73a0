package mm

import (
	"sort"
	"strconv"
	"strings"

	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/hostarch"
)

// residency lists, in address order, the ranges of an address space that
// are resident: backed by memory gVisor has already allocated or mapped
// for it (its "pmas"), which is what a page fault would otherwise create.
type residency []hostarch.AddrRange

// residency reads which pages of the address space are resident.
//
// gVisor exports no per-page query; its MemoryManager.DebugString lists the
// pmas, one "start-end perms ..." line each after a "PMAs:" line, and this
// is the one place that reads it. The cost is linear in the number of VMAs
// and pmas, so only mincore and MADV_COLLAPSE use it.
//
// Preconditions: s is locked.
func (s Space) residency(ctx context.Context) residency {
	dump := s.m.DebugString(ctx)
	i := strings.Index(dump, "PMAs:\n")
	if i < 0 {
		return nil
	}
	var res residency
	for _, line := range strings.Split(dump[i+len("PMAs:\n"):], "\n") {
		rng, _, _ := strings.Cut(line, " ")
		lo, hi, ok := strings.Cut(rng, "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || start >= end {
			continue
		}
		ar := hostarch.AddrRange{Start: hostarch.Addr(start), End: hostarch.Addr(end)}
		if n := len(res); n > 0 && res[n-1].End == ar.Start {
			res[n-1].End = ar.End
		} else {
			res = append(res, ar)
		}
	}
	return res
}

// first returns the index of the first range that ends after addr.
func (r residency) first(addr hostarch.Addr) int {
	return sort.Search(len(r), func(i int) bool { return r[i].End > addr })
}

// any reports whether any page of ar is resident.
func (r residency) any(ar hostarch.AddrRange) bool {
	i := r.first(ar.Start)
	return i < len(r) && r[i].Start < ar.End
}

// fill sets vec[i] to 1 if page i of ar is resident, else 0.
func (r residency) fill(ar hostarch.AddrRange, vec []byte) {
	clear(vec)
	for i := r.first(ar.Start); i < len(r) && r[i].Start < ar.End; i++ {
		in := r[i].Intersect(ar)
		for a := in.Start; a < in.End; a += hostarch.PageSize {
			vec[(a-ar.Start)/hostarch.PageSize] = 1
		}
	}
}
