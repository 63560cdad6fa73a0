package mm

// Grows-down mappings (spec §9 MAP_GROWSDOWN, §8.4 PROT_GROWSDOWN): a fault
// in the gap just below a grows-down VMA extends that VMA down to the
// faulting page, as Linux's expand_stack does (verified on Linux 6.18):
//
//	the faulting page below mmap_min_addr                  -> SIGSEGV
//	the VMA above the fault is not a grows-down VMA        -> SIGSEGV
//	the previous VMA is accessible (not PROT_NONE), is not
//	  grows-down, and ends less than stack_guard_gap
//	  (256 pages) below the faulting page                  -> SIGSEGV
//	the grown VMA would be larger than RLIMIT_STACK        -> SIGSEGV
//	RLIMIT_AS                                              -> SIGSEGV
//	a locked VMA growing past RLIMIT_MEMLOCK without
//	  SeLockMemoryPrivilege (lock.go)                      -> SIGSEGV
//	strict commit: the added part of a charged VMA         -> SIGSEGV
//
// Any address of the gap qualifies, however far below the VMA (Linux no
// longer compares it with the stack pointer). The growth happens before
// the access is checked, so a write below a read-only grows-down VMA grows
// it and then faults (SEGV_ACCERR), as on Linux.
//
// gVisor records grows-down VMAs but its fault handler
// (MemoryManager.HandleUserFault) never grows them, and has no hook. So
// the platform is wrapped instead (pkg/sentry/platform/growsdown): when a
// task's switch to the application returns a memory fault, GrowStack runs
// first, and gVisor's run loop then handles the fault as usual, now inside
// a VMA. The added part is made with gVisor's MMap as a grows-down mapping
// with the VMA's protection, name and lock mode, and given the VMA's Peios
// bits (as mremap.go does for in-place growth), so that gVisor merges it
// into the VMA: /proc/<pid>/maps shows one grown mapping. (gVisor merges
// alike neighbours where Linux's expand_stack does not: a VMA grown until it
// touches an alike grows-down VMA below becomes one mapping with it.)
//
// The Sentry's own accesses to user memory (a read(2) into the gap, say)
// do not fault through the platform. Linux's do grow the VMA (a kernel
// access to a user address faults like the program's own, verified on
// Linux 6.18 with read, getrandom, write to a pipe, readv's iovec array
// and process_vm_readv's local side; a write to /dev/null, which never
// reads its buffer, grows nothing), so the syscall layer grows the VMAs
// below the buffers a call will touch before the call runs
// (GrowStacksFor, pkg/sentry/syscalls/userbuf.go), by the same rules.
// StacksMayGrow is its cheap test: false while no grows-down VMA of the
// sandbox can grow at all.

import (
	"bytes"
	"strconv"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/limits"
	"gvisor.dev/gvisor/pkg/sentry/memmap"
)

// stackGuardGap is Linux's stack_guard_gap: 256 pages.
const stackGuardGap = 256 * hostarch.PageSize

// smapsEntry is one VMA as gVisor's smaps shows it, with what stack growth
// needs that the maps data lacks: whether it grows down.
type smapsEntry struct {
	ar        hostarch.AddrRange
	prot      hostarch.AccessType
	name      string // the path field: a name such as [stack], or ""
	growsDown bool   // VmFlags "gd"
}

// smapsEntries returns every VMA with its grows-down flag, which gVisor
// exports only in its smaps text. It is linear in the number of VMAs and
// is only used on rare paths: a fault outside every VMA, or mprotect with
// PROT_GROWSDOWN.
//
// Preconditions: s is locked.
func (s Space) smapsEntries(t *kernel.Task) []smapsEntry {
	var buf bytes.Buffer
	s.m.ReadSmapsDataInto(t, &buf)
	var entries []smapsEntry
	for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		if flags, ok := bytes.CutPrefix(line, []byte("VmFlags:")); ok {
			if n := len(entries); n > 0 {
				entries[n-1].growsDown = bytes.Contains(append(flags, ' '), []byte(" gd "))
			}
			continue
		}
		if e, ok := parseMapsLine(line); ok {
			entries = append(entries, e)
		}
	}
	return entries
}

// parseMapsLine parses an smaps header line:
// "start-end perms offset dev inode   path".
func parseMapsLine(line []byte) (smapsEntry, bool) {
	fields := bytes.Fields(line)
	if len(fields) < 5 {
		return smapsEntry{}, false
	}
	startText, endText, ok := bytes.Cut(fields[0], []byte("-"))
	perms := fields[1]
	if !ok || len(perms) != 4 {
		return smapsEntry{}, false
	}
	start, err1 := strconv.ParseUint(string(startText), 16, 64)
	end, err2 := strconv.ParseUint(string(endText), 16, 64)
	if err1 != nil || err2 != nil || start >= end {
		return smapsEntry{}, false
	}
	e := smapsEntry{
		ar:   hostarch.AddrRange{Start: hostarch.Addr(start), End: hostarch.Addr(end)},
		prot: hostarch.AccessType{Read: perms[0] == 'r', Write: perms[1] == 'w', Execute: perms[2] == 'x'},
	}
	// The path is what follows the inode field, and may hold spaces
	// ("[anon:a name]").
	rest := line
	for i := 0; i < 5; i++ {
		rest = bytes.TrimLeft(rest, " ")
		if j := bytes.IndexByte(rest, ' '); j >= 0 {
			rest = rest[j:]
		} else {
			rest = nil
		}
	}
	e.name = string(bytes.TrimSpace(rest))
	return e, true
}

// maxExecStack is the largest main stack gVisor maps at exec (its
// maxStackSize); a larger RLIMIT_STACK (RLIM_INFINITY included) leaves the
// main stack room to grow.
const maxExecStack = 128 << 20

// stacksMayGrow is set, for good, once a grows-down VMA of the sandbox may
// have room to grow: a MAP_GROWSDOWN mmap (MMap), a change of RLIMIT_STACK
// (which may raise it above the main stack gVisor made at exec), or a
// growth. Before that, the only grows-down VMAs are the main stacks, made as
// large as RLIMIT_STACK allows, which cannot grow.
var stacksMayGrow atomic.Bool

// NoteStackLimit records that RLIMIT_STACK of some process changed, so that
// its main stack may now grow (setrlimit, prlimit64); a restored sandbox,
// whose history is unknown, records it too.
func NoteStackLimit() { stacksMayGrow.Store(true) }

// StacksMayGrow reports whether an access outside every VMA may grow a
// grows-down VMA of t's sandbox. It is the cheap test that keeps
// GrowStacksFor off the I/O syscalls' fast path, and GrowStack off the
// page-fault path: one atomic load, and one read of t's RLIMIT_STACK.
func StacksMayGrow(t *kernel.Task) bool {
	return stacksMayGrow.Load() || t.ThreadGroup().Limits().Get(limits.Stack).Cur > maxExecStack
}

// GrowStacksFor grows, for an access the Sentry is about to make to ar on
// t's behalf, the grows-down VMAs whose gaps the access reaches, as Linux's
// fault handler does for a kernel access: from ar.Start up, each address
// that no VMA holds grows the VMA above it if GrowStack would. It stops at
// the first address that stays unmapped (Linux's copy stops there), and
// reports whether all of ar is now mapped. A mapped ar costs one VMA lookup
// per VMA it spans.
func GrowStacksFor(t *kernel.Task, ar hostarch.AddrRange) bool {
	m := t.MemoryManager()
	if m == nil {
		return false
	}
	for a := ar.Start; a < ar.End; {
		if vr, err := m.FindVMARange(a); err == nil {
			a = vr.End
			continue
		}
		if !GrowStack(t, a) {
			return false
		}
	}
	return true
}

// GrowStack extends the grows-down VMA just above addr down to addr's
// page, for a fault at addr outside every VMA, if Linux would (see above).
// A fault inside a VMA (the common case) costs one VMA lookup. It reports
// whether a VMA now holds addr.
func GrowStack(t *kernel.Task, addr hostarch.Addr) bool {
	m := t.MemoryManager()
	if m == nil || addr >= TaskSize {
		return false
	}
	if _, err := m.FindVMARange(addr); err == nil {
		return true // Not a fault outside every VMA.
	}
	page := addr.RoundDown()
	if page < mmapMinAddr {
		return false
	}
	s := lockSpace(m)
	defer s.Unlock()
	return s.growStack(t, page) == nil
}

// growStack extends the grows-down VMA above page down to page.
//
// Preconditions: s is locked.
func (s Space) growStack(t *kernel.Task, page hostarch.Addr) error {
	if _, err := s.m.FindVMARange(page); err == nil {
		return nil // Another task grew it first.
	}
	above, ok := s.nextMapped(page, TaskSize)
	if !ok {
		return linuxerr.EFAULT
	}
	var buf [1]vma
	vs := s.collect(hostarch.AddrRange{Start: above, End: above + hostarch.PageSize}, buf[:0])
	if len(vs) != 1 || vs[0].tracked() && !vs[0].privateAnon() || vs[0].hugetlb() {
		return linuxerr.EFAULT // Only private anonymous VMAs grow down.
	}
	entries := s.smapsEntries(t)
	i := 0
	for i < len(entries) && entries[i].ar.Start != above {
		i++
	}
	if i == len(entries) || !entries[i].growsDown {
		return linuxerr.EFAULT
	}
	e := entries[i]
	if i > 0 {
		prev := entries[i-1]
		if !prev.growsDown && prev.prot.Any() && page-prev.ar.End < stackGuardGap {
			return linuxerr.ENOMEM
		}
	}
	grow := uint64(above - page)
	if uint64(e.ar.End-page) > t.ThreadGroup().Limits().Get(limits.Stack).Cur {
		return linuxerr.ENOMEM
	}
	vs = s.collectTracked(t, hostarch.AddrRange{Start: above, End: above + hostarch.PageSize}, vs[:0])
	if len(vs) != 1 {
		return linuxerr.EFAULT
	}
	v := vs[0]
	if err := s.lockGrowthRefused(t, v.mask, 0, grow); err != nil {
		return err
	}
	var need uint64
	switch {
	case strictCommit() && v.accounted():
		need = grow
		if err := reserve(t, need); err != nil {
			return err
		}
	case !strictCommit() && accountable(v.mask, e.prot.Write):
		if err := heuristicRefuses(t.Kernel(), grow); err != nil {
			return err
		}
	}
	err := s.extendDown(t, v, e, page)
	settle(need, 0, err == nil) // After the bits carry the charge.
	if err == nil {
		// A restored sandbox learns of its grown stacks here.
		stacksMayGrow.Store(true)
	}
	return err
}

// extendDown maps [page, v.ar.Start) as the part of the grows-down VMA v
// (whose smaps entry is e) it grows by, so that gVisor merges the two.
// gVisor's VMAs also differ by whether they were made with MAP_STACK, which
// gVisor does not show; the likely value (MAP_STACK mappings carry
// bitNoHugePage) is tried first, and the other if the parts do not merge.
//
// Preconditions: s is locked; [page, v.ar.Start) is unmapped.
func (s Space) extendDown(t *kernel.Task, v vma, e smapsEntry, page hostarch.Addr) error {
	grow := uint64(v.ar.Start - page)
	opts := memmap.MMapOpts{
		Length:    grow,
		Addr:      page,
		Fixed:     true,
		NoReplace: true, // May map over the guard gap gVisor keeps below v.
		Private:   true,
		GrowsDown: true,
		Perms:     e.prot,
		MaxPerms:  hostarch.AnyAccess,
		MLockMode: lockMode(v.mask),
		Name:      e.name,
		NameMut:   memmap.NameMutAnon,
		Stack:     v.mask&bitNoHugePage != 0,
	}
	ctx := unlimitedLocking(t) // lockGrowthRefused decided the limit.
	for try := 0; ; try++ {
		if _, err := s.m.MMap(ctx, opts); err != nil {
			return err
		}
		if v.mask&bitDontFork != 0 {
			s.m.SetDontFork(page, grow, true)
		}
		s.m.SetNumaPolicy(page, grow, v.policy, v.mask)
		if vr, err := s.m.FindVMARange(page); err != nil || vr.End > v.ar.Start || try == 1 {
			return nil
		}
		s.m.MUnmap(t, page, grow)
		opts.Stack = !opts.Stack
	}
}

// isGrowsDown reports whether the VMA holding addr grows down.
//
// Preconditions: s is locked.
func (s Space) isGrowsDown(t *kernel.Task, addr hostarch.Addr) bool {
	for _, e := range s.smapsEntries(t) {
		if e.ar.Contains(addr) {
			return e.growsDown
		}
	}
	return false
}
