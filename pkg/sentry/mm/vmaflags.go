package mm

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/hostarch"
)

// The per-VMA state of the mapping flags, madvise, locking, huge pages and
// commit accounting (spec §0.5), in the free high bits of the VMA's NUMA
// nodemask next to those of vmabits.go. Like those, the bits are split,
// merged, copied on fork, moved by mremap and checkpointed with the VMA.
//
// A VMA that gVisor created itself is adopted (vmabits.go: adopt) with its
// kind (shared, file, special) taken from the maps data; every other bit is
// zero there, which is right for such VMAs (exec's mappings, stack, vdso,
// heap): none is locked, advised, huge or charged.
const (
	// bitLocked is set on a VMA locked by mlock, mlock2, mlockall,
	// MAP_LOCKED or MCL_FUTURE; bitLockOnFault on one locked with
	// MLOCK_ONFAULT/MCL_ONFAULT (§14). gVisor keeps its own lock mode in the
	// VMA; these bits mirror it, since gVisor exports no way to read it.
	bitLocked      uint64 = 1 << 59
	bitLockOnFault uint64 = 1 << 56

	// The madvise flags of §10 and §0.5.
	bitDontFork   uint64 = 1 << 55 // MADV_DONTFORK (gVisor keeps its own copy)
	bitWipeOnFork uint64 = 1 << 54 // MADV_WIPEONFORK
	bitDontDump   uint64 = 1 << 53 // MADV_DONTDUMP
	bitMergeable  uint64 = 1 << 52 // MADV_MERGEABLE (KSM dormant: nothing merges)
	bitHugePage   uint64 = 1 << 51 // MADV_HUGEPAGE
	bitNoHugePage uint64 = 1 << 50 // MADV_NOHUGEPAGE, or MAP_STACK
	bitSeqRead    uint64 = 1 << 49 // MADV_SEQUENTIAL
	bitRandRead   uint64 = 1 << 48 // MADV_RANDOM

	// bitNoReserve marks a MAP_NORESERVE mapping: never commit-charged
	// (§11.3). bitAccounted marks a VMA holding a strict-mode commit charge
	// of its size (§11.2, commit.go).
	bitNoReserve uint64 = 1 << 47
	bitAccounted uint64 = 1 << 46

	// bitHugetlb marks a MAP_HUGETLB mapping (§15); bitHuge1G says its
	// page size is 1 GiB rather than 2 MiB.
	bitHugetlb uint64 = 1 << 45
	bitHuge1G  uint64 = 1 << 44

	// bitDroppable marks a MAP_DROPPABLE mapping (§8.1 step 5k), which also
	// carries bitNoReserve, bitWipeOnFork and bitDontDump. Linux may drop
	// its pages under memory pressure; the Sentry never does, which the
	// flag allows. It is never locked (mlock, mlockall, MCL_FUTURE: §8.12),
	// and MADV_KEEPONFORK and MADV_DODUMP refuse it (§10.4, §10.5).
	bitDroppable uint64 = 1 << 36

	// pkeyShift positions the VMA's protection key (§13, 4 bits: 43..40),
	// set by pkey_mprotect under software keys (pkey.go); 0 elsewhere.
	pkeyShift        = 40
	pkeyBits  uint64 = 0xf << pkeyShift

	// The kind of mapping, which several advices and commit accounting
	// depend on: bitShared for MAP_SHARED (file or anonymous), bitFile for a
	// file mapping, bitSpecial for a mapping of gVisor's own ([vdso],
	// [vvar]), which Linux makes VM_SPECIAL. Zero is private anonymous.
	bitShared  uint64 = 1 << 39
	bitFile    uint64 = 1 << 38
	bitSpecial uint64 = 1 << 37

	// lockBits are the lock state of a VMA.
	lockBits = bitLocked | bitLockOnFault
	// forkResetBits are the bits a fork child's copy of a VMA loses (§20:
	// locks are not inherited).
	forkResetBits = lockBits
)

func (v vma) locked() bool         { return v.mask&bitLocked != 0 }
func (v vma) hugetlb() bool        { return v.mask&bitHugetlb != 0 }
func (v vma) droppable() bool      { return v.mask&bitDroppable != 0 }
func (v vma) shared() bool         { return v.mask&bitShared != 0 }
func (v vma) file() bool           { return v.mask&bitFile != 0 }
func (v vma) special() bool        { return v.mask&bitSpecial != 0 }
func (v vma) privateAnon() bool    { return v.mask&(bitShared|bitFile|bitSpecial) == 0 }
func (v vma) wipeOnFork() bool     { return v.mask&bitWipeOnFork != 0 }
func (v vma) accounted() bool      { return v.mask&bitAccounted != 0 }
func (v vma) mayWriteShared() bool { return v.shared() && v.mask&bitNoMayWrite == 0 }

// neverLocked reports whether v is never locked nor counted in locked_vm
// (hugetlb, §15; MAP_DROPPABLE, §8.12): mlock and mlockall accept it and
// leave it as it is.
func (v vma) neverLocked() bool { return v.mask&(bitHugetlb|bitDroppable) != 0 }

// hugeSize returns the huge page size of a hugetlb VMA.
func (v vma) hugeSize() uint64 {
	if v.mask&bitHuge1G != 0 {
		return 1 << 30
	}
	return 2 << 20
}

// kindBits returns the kind bits of a VMA as gVisor's maps data shows it;
// vdso is the start of the vDSO, which gVisor does not name.
func kindBits(e mapsEntry, vdso hostarch.Addr) uint64 {
	var b uint64
	if !e.private {
		b |= bitShared
	}
	switch {
	case e.ar.Start == vdso, e.path == "[vdso]", e.path == "[vvar]", e.path == "[usertrap]":
		b |= bitSpecial
	case e.ino != 0:
		b |= bitFile
	}
	return b
}

// vdsoStart returns the start of the vDSO (AT_SYSINFO_EHDR), or 0.
//
// Preconditions: s is locked.
func (s Space) vdsoStart() hostarch.Addr {
	for _, e := range s.m.Auxv() {
		if e.Key == linux.AT_SYSINFO_EHDR {
			return e.Value
		}
	}
	return 0
}

// everything is the whole user address range.
var everything = hostarch.AddrRange{Start: 0, End: TaskSize}

// all returns every VMA of the address space, adopted.
//
// Preconditions: s is locked.
func (s Space) all(ctx context.Context) []vma {
	return s.collectTracked(ctx, everything, nil)
}

// span returns the total length of the VMAs in vs that have every bit of
// want set.
func span(vs []vma, want uint64) uint64 {
	var n uint64
	for _, v := range vs {
		if v.mask&want == want {
			n += uint64(v.ar.Length())
		}
	}
	return n
}
