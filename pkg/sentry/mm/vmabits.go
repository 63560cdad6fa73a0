package mm

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/hostarch"
)

// The Peios per-VMA state is stored in the high 32 bits of the VMA's NUMA
// nodemask. The sandbox advertises a single NUMA node, and gVisor refuses any
// user nodemask with bits beyond it, so programs can neither see nor forge
// these bits; mempolicy.go hides them from get_mempolicy and keeps them
// across mbind.
//
// gVisor merges two adjacent VMAs only if their nodemasks are equal, so a
// sealed VMA never merges with an unsealed one, and it copies the nodemask on
// split, fork, mremap move and checkpoint. In-place mremap growth creates a
// fresh VMA for the added part; mremap.go re-applies the bits there.
const (
	// peiosBits are the nodemask bits owned by this layer.
	peiosBits uint64 = 0xffffffff_00000000

	// bitTracked says that the bits below describe the VMA. VMAs that gVisor
	// created itself (exec, stack, vdso, brk) start untracked and are
	// adopted by adopt() from /proc/self/maps data on first use.
	bitTracked uint64 = 1 << 63
	// bitSealed is the mseal state (§12). Never cleared.
	bitSealed uint64 = 1 << 62
	// bitExec is set exactly when the VMA is executable, as W^X (§7.4)
	// must know; gVisor exports no way to read a VMA's protection.
	bitExec uint64 = 1 << 61
	// bitWrite is set whenever the VMA is writable, and may stay set after
	// write access is removed: clearing it would cost a VMA update on every
	// R <-> RW toggle, a common pattern, while the only rule that asks
	// (adding PROT_EXEC to a writable VMA) is rare and then checks the real
	// protection (writable). A clear bit means "not writable".
	bitWrite uint64 = 1 << 60
	// bitNoMayWrite and bitNoMayExec are the cleared "may" bits of the
	// VMA's maximum protection (§7.2).
	bitNoMayWrite uint64 = 1 << 58
	bitNoMayExec  uint64 = 1 << 57

	protBits = bitWrite | bitExec
)

// vma is the Peios view of one VMA, or of the part of it inside a range.
type vma struct {
	ar     hostarch.AddrRange
	policy linux.NumaPolicy
	mask   uint64 // the whole nodemask, user and Peios bits
}

func (v vma) tracked() bool       { return v.mask&bitTracked != 0 }
func (v vma) sealed() bool        { return v.mask&bitSealed != 0 }
func (v vma) mayBeWritable() bool { return v.mask&bitWrite != 0 }
func (v vma) executable() bool    { return v.mask&bitExec != 0 }

// allows reports whether the VMA's maximum protection allows at.
func (v vma) allows(at hostarch.AccessType) bool {
	return !(at.Write && v.mask&bitNoMayWrite != 0) && !(at.Execute && v.mask&bitNoMayExec != 0)
}

// protMask returns the nodemask bits that record protection at exactly.
func protMask(at hostarch.AccessType) uint64 {
	var b uint64
	if at.Write {
		b |= bitWrite
	}
	if at.Execute {
		b |= bitExec
	}
	return b
}

// protMaskAfter returns the protection bits of v once its protection is
// changed to at: exact, except that a bitWrite already set is kept (see
// bitWrite).
func protMaskAfter(v vma, at hostarch.AccessType) uint64 {
	return protMask(at) | v.mask&bitWrite
}

// collect appends to buf the VMAs overlapping ar in address order, each
// clipped to ar. Holes are the gaps between consecutive results (and before
// the first or after the last). It costs O(log n) per VMA in ar, plus a
// binary search per hole, independent of the number of VMAs outside ar.
//
// Preconditions: s is locked.
func (s Space) collect(ar hostarch.AddrRange, buf []vma) []vma {
	if ar.Length() == hostarch.PageSize {
		// A page lies in one VMA or none: one lookup is enough.
		if policy, mask, err := s.m.NumaPolicy(ar.Start); err == nil {
			buf = append(buf, vma{ar: ar, policy: policy, mask: mask})
		}
		return buf
	}
	for a := ar.Start; a < ar.End; {
		vr, err := s.m.FindVMARange(a)
		if err != nil {
			next, ok := s.nextMapped(a, ar.End)
			if !ok {
				break
			}
			a = next
			continue
		}
		policy, mask, err := s.m.NumaPolicy(a)
		if err != nil {
			break // Cannot happen under s.mu: the VMA was just found.
		}
		buf = append(buf, vma{ar: vr.Intersect(ar), policy: policy, mask: mask})
		a = vr.End
	}
	return buf
}

// nextMapped returns the lowest mapped address in [a, end), by binary search
// on the mapped size of sub-ranges.
func (s Space) nextMapped(a, end hostarch.Addr) (hostarch.Addr, bool) {
	if s.m.VirtualMemorySizeRange(hostarch.AddrRange{Start: a, End: end}) == 0 {
		return 0, false
	}
	lo, hi := a, end // [a, lo) is unmapped; [lo, hi) holds a mapped page.
	for hi-lo > hostarch.PageSize {
		mid := (lo + (hi-lo)/2).RoundDown()
		if s.m.VirtualMemorySizeRange(hostarch.AddrRange{Start: lo, End: mid}) > 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo, true
}

// collectTracked is collect, first adopting untracked VMAs so that every
// returned VMA has valid Peios bits.
//
// Preconditions: s is locked.
func (s Space) collectTracked(ctx context.Context, ar hostarch.AddrRange, buf []vma) []vma {
	vs := s.collect(ar, buf)
	for _, v := range vs {
		if !v.tracked() {
			s.adopt(ctx)
			return s.collect(ar, vs[:0])
		}
	}
	return vs
}

// adopt gives every untracked VMA its Peios bits, taking the protection from
// the maps data gVisor exports. It runs once after exec (the loader's VMAs)
// and whenever gVisor created a VMA on its own; its cost is linear in the
// number of VMAs, which is why the bits are kept up to date everywhere else.
//
// Preconditions: s is locked.
func (s Space) adopt(ctx context.Context) {
	vdso := s.vdsoStart()
	for _, e := range s.mapsEntries(ctx) {
		policy, mask, err := s.m.NumaPolicy(e.ar.Start)
		if err != nil || mask&bitTracked != 0 {
			continue // [vsyscall] has no VMA.
		}
		bits := protMask(e.prot) | kindBits(e, vdso)
		bits |= adoptCharge(bits, uint64(e.ar.Length()))
		s.m.SetNumaPolicy(e.ar.Start, uint64(e.ar.Length()), policy, mask|bitTracked|bits)
	}
}

// mapsEntry is one VMA as gVisor's maps data shows it.
type mapsEntry struct {
	ar      hostarch.AddrRange
	prot    hostarch.AccessType
	private bool
	offset  uint64 // the file offset of ar.Start
	ino     uint64 // 0 for anonymous memory
	path    string // the file, or a name such as [vdso]
}

// mapsEntries returns every VMA with its real protection. It is linear in
// the number of VMAs, so only rare paths use it.
//
// Preconditions: s is locked.
func (s Space) mapsEntries(ctx context.Context) []mapsEntry {
	var entries []mapsEntry
	s.m.ReadMapsDataInto(ctx, func(start, end hostarch.Addr, perms hostarch.AccessType, private string, offset uint64, _, _ uint32, ino uint64, path string) {
		entries = append(entries, mapsEntry{hostarch.AddrRange{Start: start, End: end}, perms, private == "p", offset, ino, path})
	})
	return entries
}

// entryAt returns the entry of the VMA holding addr.
func entryAt(entries []mapsEntry, addr hostarch.Addr) (mapsEntry, bool) {
	for _, e := range entries {
		if e.ar.Contains(addr) {
			return e, true
		}
	}
	return mapsEntry{}, false
}

// realProt returns the real protection of the VMA holding v.
func realProt(entries []mapsEntry, v vma) hostarch.AccessType {
	e, _ := entryAt(entries, v.ar.Start)
	return e.prot
}

// writable reports whether v is really writable now, and clears a stale
// bitWrite so the next question is cheap.
//
// Preconditions: s is locked.
func (s Space) writable(ctx context.Context, v vma) bool {
	if !v.mayBeWritable() {
		return false
	}
	if realProt(s.mapsEntries(ctx), v).Write {
		return true
	}
	s.setVMABits(v, bitWrite, 0)
	return false
}

// setBits replaces, on every VMA in vs, the Peios bits selected by which
// with those in bits, keeping the user's NUMA policy.
//
// Preconditions: s is locked; vs came from collect under the same hold.
func (s Space) setBits(vs []vma, which, bits uint64) {
	for _, v := range vs {
		s.setVMABits(v, which, bits)
	}
}

// setVMABits is setBits for one VMA.
func (s Space) setVMABits(v vma, which, bits uint64) {
	if mask := v.mask&^which | bits&which; mask != v.mask {
		s.m.SetNumaPolicy(v.ar.Start, uint64(v.ar.Length()), v.policy, mask)
	}
}

// track marks the fresh mapping ar, just created by gVisor, with its Peios
// bits.
//
// Preconditions: s is locked; ar is exactly one new mapping.
func (s Space) track(ar hostarch.AddrRange, prot hostarch.AccessType, extra uint64) {
	policy, mask, err := s.m.NumaPolicy(ar.Start)
	if err != nil {
		return
	}
	s.m.SetNumaPolicy(ar.Start, uint64(ar.Length()), policy, mask&^peiosBits|bitTracked|protMask(prot)|extra)
}

// holeIn reports whether vs, collected over ar, leaves any of ar unmapped.
func holeIn(ar hostarch.AddrRange, vs []vma) bool {
	next := ar.Start
	for _, v := range vs {
		if v.ar.Start != next {
			return true
		}
		next = v.ar.End
	}
	return next != ar.End
}
