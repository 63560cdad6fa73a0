package mm

// The mmap flags of spec §9 that gVisor ignores, rejects or handles
// differently, with the step of §8.1 that reports each error:
//
//	2  MAP_HUGETLB: a size code other than 0 (2 MiB), 21 (2 MiB) or
//	   30 (1 GiB)                                          -> EINVAL
//	   the length is rounded up to the huge page size
//	5g MAP_HUGETLB|MAP_FIXED at an address not aligned to it -> EINVAL;
//	   without MAP_FIXED the mapping is placed huge-aligned
//	5i MAP_LOCKED, MCL_FUTURE: see lock.go                   -> EPERM, EAGAIN
//	5j file, MAP_SHARED_VALIDATE with a flag outside the
//	   legacy set (MAP_SYNC, MAP_FIXED_NOREPLACE, unknown)   -> EOPNOTSUPP
//	   file, a MAP_TYPE other than SHARED, SHARED_VALIDATE,
//	   PRIVATE                                             -> EINVAL
//	5k anonymous, a MAP_TYPE other than SHARED, PRIVATE,
//	   DROPPABLE (SHARED_VALIDATE only with MAP_HUGETLB)    -> EINVAL
//	   MAP_GROWSDOWN on a shared or hugetlb mapping          -> EINVAL
//	   MAP_DROPPABLE with a file, MAP_HUGETLB, MAP_LOCKED or
//	   MAP_GROWSDOWN                                        -> EINVAL
//	6d strict commit (commit.go)                             -> ENOMEM
//
// Errors of steps 5i-6d come after the placement checks (EINVAL, ENOMEM,
// EEXIST) that gVisor makes; mmap.go has gVisor make them first (refuse).
//
// Accepted without an error: MAP_SYNC without SHARED_VALIDATE (no DAX
// here: ignored), MAP_32BIT (placed below 2 GiB; a free hint ending there
// is honoured, see place), MAP_STACK
// (recorded as no-huge-page, as Linux 6.18 shows it), MAP_POPULATE (faulted
// in, errors ignored) unless MAP_NONBLOCK, MAP_NORESERVE (never charged,
// commit.go), MAP_DENYWRITE, MAP_EXECUTABLE (ignored). MAP_GROWSDOWN makes
// a grows-down VMA, which a fault below it extends (stack.go) and
// mprotect(PROT_GROWSDOWN) reaches the start of.
//
// MAP_DROPPABLE (anonymous only) is given to gVisor as MAP_PRIVATE, which
// it is in every other respect; the VMA carries bitDroppable with
// NORESERVE, WIPEONFORK and DONTDUMP (smaps "nr wf dd dp"). Linux may drop
// its pages under memory pressure; the Sentry never does, which is allowed
// (the contents "may" be dropped), so it keeps them like private memory.
// Under MCL_FUTURE it is checked against the lock limit like any new
// mapping (Linux does so before it looks at the map type) but made
// unlocked.
//
// MAP_HUGETLB is backed by gVisor's memory (the sandbox's huge page pool is
// its memory), with huge pages where gVisor uses them (private anonymous,
// aligned), and keeps the hugetlb rules of §15: never charged nor counted
// as locked; munmap, mprotect and mseal may not split it inside a huge
// page, mremap may not grow it (EINVAL).

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
)

const (
	// MAP_SYNC is accepted only with MAP_SHARED_VALIDATE on a DAX file.
	MAP_SYNC = 0x80000
	// mapSharedValidate is MAP_SHARED_VALIDATE, a MAP_TYPE value.
	mapSharedValidate = 0x03
	// mapDroppable is MAP_DROPPABLE, a MAP_TYPE value (Linux 6.11).
	mapDroppable = 0x08
	// mapAbove4G is x86's MAP_ABOVE4G, a legacy flag.
	mapAbove4G = 0x80
	// mapHuge2MB and mapHuge1GB are the legacy huge-page size codes.
	mapHuge2MB = 21 << MAP_HUGE_SHIFT
	mapHuge1GB = 30 << MAP_HUGE_SHIFT
	// legacyMapFlags are the flags MAP_SHARED_VALIDATE accepts (§2.3).
	legacyMapFlags = linux.MAP_SHARED | linux.MAP_PRIVATE | linux.MAP_FIXED | linux.MAP_ANONYMOUS |
		linux.MAP_DENYWRITE | linux.MAP_EXECUTABLE | MAP_UNINITIALIZED | linux.MAP_GROWSDOWN |
		linux.MAP_LOCKED | linux.MAP_NORESERVE | linux.MAP_POPULATE | linux.MAP_NONBLOCK |
		linux.MAP_STACK | linux.MAP_HUGETLB | linux.MAP_32BIT | mapAbove4G | mapHuge2MB | mapHuge1GB
)

// mapPlan is what planMap decided about a request.
type mapPlan struct {
	// hugeSize is the huge page size of a MAP_HUGETLB request, else 0.
	hugeSize uint64
	// late is an error of §8.1 step 5j/5k, reported after placement.
	late error
	// bits are the kind and flag bits of the new VMA (vmaflags.go).
	bits uint64
	// flags are the flags gVisor is given: MAP_SHARED for
	// MAP_SHARED_VALIDATE, no MAP_LOCKED (lock.go locks), no MAP_POPULATE
	// with MAP_NONBLOCK.
	flags uint32
}

// planMap decodes the flags of req (whose length it rounds for hugetlb).
// file says whether the request maps a file. It returns the errors of
// §8.1 step 2; those of later steps are in the plan.
func planMap(req *MMapRequest, file bool) (mapPlan, error) {
	flags := req.Flags
	p := mapPlan{flags: flags &^ linux.MAP_LOCKED}
	if flags&linux.MAP_HUGETLB != 0 {
		if file {
			return p, linuxerr.EINVAL // The sandbox has no hugetlbfs.
		}
		switch (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK {
		case 0, 21:
			p.hugeSize = 2 << 20
		case 30:
			p.hugeSize = 1 << 30
			p.bits |= bitHuge1G
		default:
			return p, linuxerr.EINVAL
		}
		p.bits |= bitHugetlb
		// A length that rounds past the end of memory stays as it is, for
		// gVisor's ENOMEM.
		if l := (req.Length + p.hugeSize - 1) &^ (p.hugeSize - 1); l >= req.Length {
			req.Length = l
		}
	}
	switch flags & mapType {
	case linux.MAP_PRIVATE:
	case linux.MAP_SHARED:
		p.bits |= bitShared
	case mapSharedValidate:
		p.bits |= bitShared
		p.flags = p.flags&^mapType | linux.MAP_SHARED
		switch {
		case !file && flags&linux.MAP_HUGETLB == 0:
			p.late = linuxerr.EINVAL
		case file && flags&^legacyMapFlags != 0:
			p.late = linuxerr.EOPNOTSUPP
		}
	case mapDroppable:
		// gVisor refuses this map type: it gets a private mapping, and the
		// droppable state lives in the Peios bits.
		p.flags = p.flags&^mapType | linux.MAP_PRIVATE
		if file || p.hugeSize != 0 || flags&(linux.MAP_LOCKED|linux.MAP_GROWSDOWN) != 0 {
			p.late = linuxerr.EINVAL // A hugetlb mapping has a file on Linux.
		}
		p.bits |= bitDroppable | bitNoReserve | bitWipeOnFork | bitDontDump
	default:
		p.late = linuxerr.EINVAL
		p.flags = p.flags&^mapType | linux.MAP_PRIVATE // for the probe
	}
	if file {
		p.bits |= bitFile
	}
	if flags&linux.MAP_GROWSDOWN != 0 && p.late == nil && (p.bits&bitShared != 0 || p.hugeSize != 0) {
		p.late = linuxerr.EINVAL
	}
	if flags&linux.MAP_NORESERVE != 0 {
		p.bits |= bitNoReserve
	}
	if flags&linux.MAP_STACK != 0 {
		p.bits |= bitNoHugePage
	}
	if flags&linux.MAP_NONBLOCK != 0 {
		p.flags &^= linux.MAP_POPULATE
	}
	return p, nil
}

// hugeFixedMisaligned reports whether a MAP_FIXED hugetlb request is not
// aligned to its page size (§8.1 step 5g, after the checks of a plain
// MAP_FIXED that gVisor makes: those are made by running the request as
// usual when this is false).
func (p mapPlan) hugeFixedMisaligned(req MMapRequest) bool {
	return p.hugeSize != 0 && req.Flags&(linux.MAP_FIXED|linux.MAP_FIXED_NOREPLACE) != 0 &&
		uint64(req.Addr)%p.hugeSize != 0
}

// mmapMinAddr is mmap_min_addr (§2.7).
const mmapMinAddr = 0x10000

// map32BitEnd is the end of MAP_32BIT's window (2 GiB).
const map32BitEnd = 0x80000000

// place has do make the mapping req, placing it as Linux does where gVisor
// would not: a hugetlb mapping huge-aligned (mapAligned), and a MAP_32BIT
// mapping at a free hint that ends at or below 2 GiB, even below the 1 GiB
// where gVisor's MAP_32BIT search starts (§8.1 step 5g).
//
// Preconditions: s is locked.
func (s Space) place(ctx context.Context, req MMapRequest, plan mapPlan, do MMapFunc) (hostarch.Addr, error) {
	if req.Flags&(linux.MAP_FIXED|linux.MAP_FIXED_NOREPLACE) != 0 {
		return do(req)
	}
	if plan.hugeSize != 0 {
		return s.mapAligned(ctx, req, plan.hugeSize, do)
	}
	if hint := req.Addr.RoundDown(); req.Flags&linux.MAP_32BIT != 0 && hint >= mmapMinAddr &&
		req.Length <= map32BitEnd && uint64(hint) <= map32BitEnd-req.Length {
		at := req
		at.Addr, at.Flags = hint, req.Flags&^linux.MAP_32BIT|linux.MAP_FIXED_NOREPLACE
		if addr, err := do(at); err == nil {
			return addr, nil
		}
	}
	return do(req)
}

// mapAligned has do place a mapping of req.Length bytes at an address
// aligned to align (a hugetlb mapping without MAP_FIXED): it reserves
// length+align bytes near the hint, maps the request with MAP_FIXED at the
// aligned address inside the reservation, and unmaps the rest.
//
// Preconditions: s is locked; req has no MAP_FIXED.
func (s Space) mapAligned(ctx context.Context, req MMapRequest, align uint64, do MMapFunc) (hostarch.Addr, error) {
	span := req.Length + align
	if span < req.Length {
		return 0, linuxerr.ENOMEM
	}
	hint := req.Addr
	if hint%hostarch.Addr(align) != 0 {
		hint += hostarch.Addr(align) - hint%hostarch.Addr(align)
	}
	base, err := do(MMapRequest{Addr: hint, Length: span, Prot: linux.PROT_NONE,
		Flags: linux.MAP_PRIVATE | linux.MAP_ANONYMOUS | linux.MAP_NORESERVE, FD: -1})
	if err != nil {
		return 0, err
	}
	start := base
	if start%hostarch.Addr(align) != 0 {
		start += hostarch.Addr(align) - start%hostarch.Addr(align)
	}
	fixed := req
	fixed.Addr = start
	fixed.Flags |= linux.MAP_FIXED
	addr, err := do(fixed)
	end := base + hostarch.Addr(span)
	if err != nil {
		s.m.MUnmap(ctx, base, span)
		return 0, err
	}
	if start > base {
		s.m.MUnmap(ctx, base, uint64(start-base))
	}
	if tail := start + hostarch.Addr(req.Length); tail < end {
		s.m.MUnmap(ctx, tail, uint64(end-tail))
	}
	return addr, nil
}
