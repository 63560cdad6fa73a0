package mm

// remap_file_pages(start, size, prot, pgoff, flags) (spec §8.7), deprecated
// and emulated, in Linux's order:
//
//	prot != 0                                              -> EINVAL
//	flags other than MAP_NONBLOCK are ignored
//	start and size rounded down to pages; start+size wraps
//	  or size is 0                                         -> EINVAL
//	pgoff + pages wraps, or pgoff*PAGE_SIZE overflows      -> EINVAL
//	no VMA at start, or not a shared mapping that may be
//	  written (VM_SHARED)                                  -> EINVAL
//	the range runs into a hole, or into a VMA of another
//	  object or with other flags or protection             -> EINVAL
//	a sealed VMA in the range (it is a MAP_FIXED)          -> EPERM
//	no VMA of the object (with the same protection and
//	  flags) maps pgoff*PAGE_SIZE or an offset below it
//	  (see below)                                          -> EINVAL
//
// The emulation is mmap(start, size, <the VMA's protection>,
// MAP_SHARED|MAP_FIXED|MAP_POPULATE, <the VMA's object>, pgoff*PAGE_SIZE),
// keeping the VMA's lock and other state. gVisor exports no way to reach a
// VMA's file, so the new mapping is made from a VMA of the same object: an
// mremap with old_size 0 duplicates it from its start for the offsets up to
// the requested ones, and the requested part is moved to start. That
// reaches every offset at or above the lowest one the address space still
// maps of the object, which covers rearranging the pages of a mapping; a
// lower offset is refused with EINVAL. A one-time notice is logged per
// process, as Linux does.

import (
	"runtime"
	"sync"
	"weak"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"

	"github.com/peios/runsc-peios/pkg/logging"
)

// remapNotified records the processes told that remap_file_pages is
// deprecated.
var remapNotified sync.Map

// RemapFilePages implements remap_file_pages.
func RemapFilePages(t *kernel.Task, start hostarch.Addr, size, prot, pgoff, flags uint64) error {
	tg := t.ThreadGroup()
	if key := weak.Make(tg); func() bool { _, loaded := remapNotified.LoadOrStore(key, struct{}{}); return !loaded }() {
		runtime.AddCleanup(tg, func(k weak.Pointer[kernel.ThreadGroup]) { remapNotified.Delete(k) }, key)
		logging.L.Warnf("peios: %s (pid %d) uses the deprecated remap_file_pages() syscall; it is emulated with mmap", t.Name(), t.ThreadGroup().ID())
	}
	if prot != 0 {
		return linuxerr.EINVAL
	}
	start = start.RoundDown()
	size &^= hostarch.PageSize - 1
	ar, ok := start.ToRange(size)
	if !ok || size == 0 {
		return linuxerr.EINVAL
	}
	pages := size / hostarch.PageSize
	if pgoff+pages < pgoff || pgoff > (^uint64(0))/hostarch.PageSize-pages {
		return linuxerr.EINVAL
	}
	s := lock(t)
	defer s.Unlock()
	entries := s.mapsEntries(t)
	first, ok := entryAt(entries, start)
	if !ok || first.private || !s.mayWrite(start) {
		return linuxerr.EINVAL
	}
	// Every VMA up to the end must continue the first: no hole, the same
	// object, the same flags.
	for next := first; next.ar.End < ar.End; {
		e, ok := entryAt(entries, next.ar.End)
		if !ok || e.ino != first.ino || e.path != first.path || e.prot != first.prot || e.private ||
			!s.sameBits(first.ar.Start, e.ar.Start) {
			return linuxerr.EINVAL
		}
		next = e
	}
	if s.sealedIn(ar) {
		return linuxerr.EPERM
	}
	// The source: a VMA of the same object, protection and flags mapping an
	// offset at or below the requested one.
	off := pgoff * hostarch.PageSize
	src, found := first, false
	for _, e := range entries {
		if !e.private && e.ino == first.ino && e.path == first.path && e.prot == first.prot && e.offset <= off &&
			(!found || e.offset < src.offset) && s.sameBits(first.ar.Start, e.ar.Start) {
			src, found = e, true
		}
	}
	if !found {
		return linuxerr.EINVAL
	}
	// Duplicate the source from its start up to the requested offsets,
	// move the requested part to start, drop the rest.
	head := off - src.offset
	dup, err := s.m.MRemap(t, src.ar.Start, 0, head+size, gmm.MRemapOpts{Move: gmm.MRemapMayMove})
	if err != nil {
		return err
	}
	if _, err := s.m.MRemap(t, dup+hostarch.Addr(head), size, size, gmm.MRemapOpts{Move: gmm.MRemapMustMove, NewAddr: start}); err != nil {
		s.m.MUnmap(t, dup, head+size)
		return err
	}
	if head != 0 {
		s.m.MUnmap(t, dup, head)
	}
	if flags&linux.MAP_NONBLOCK == 0 {
		s.populate(t, ar, hostarch.Read) // Errors are ignored, as by MAP_POPULATE.
	}
	return nil
}

// mayWrite reports whether the VMA at addr may be made writable (its
// maximum protection has write).
//
// Preconditions: s is locked.
func (s Space) mayWrite(addr hostarch.Addr) bool {
	_, mask, err := s.m.NumaPolicy(addr)
	return err == nil && mask&bitNoMayWrite == 0
}

// sameBits reports whether the VMAs at a and b carry the same Peios bits
// (Linux: the same vm_flags).
//
// Preconditions: s is locked.
func (s Space) sameBits(a, b hostarch.Addr) bool {
	_, ma, err1 := s.m.NumaPolicy(a)
	_, mb, err2 := s.m.NumaPolicy(b)
	const flagBits = peiosBits &^ (bitWrite | bitTracked)
	return err1 == nil && err2 == nil && ma&flagBits == mb&flagBits
}
