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
//	  written (VM_SHARED; not a SysV segment attached
//	  SHM_RDONLY), or one of neither a file nor a segment  -> EINVAL
//	the range runs into a hole, or into a VMA of another
//	  object or with other flags or protection             -> EINVAL
//	a hugetlb VMA, and start, size or the offset not
//	  aligned to its huge page size                        -> EINVAL
//	a sealed VMA in the range (it is a MAP_FIXED)          -> EPERM
//	then mmap's own errors for the object (below)
//
// The emulation is mmap(start, size, <the VMA's protection>,
// MAP_SHARED|MAP_FIXED|MAP_POPULATE, <the VMA's object>, pgoff*PAGE_SIZE),
// keeping the VMA's lock and its Peios bits (sealing aside, the same on
// every VMA of the range), as the mapping's own state rather than a fresh
// mmap's: the range stays what it was but for the pages it shows. A
// one-time notice is logged per process, as Linux does.
//
// The object is the VMA's own, as Linux maps vma->vm_file again, so no
// permission is checked beyond mmap's own rules for that open file (a
// write-sealed memfd, a noexec mount: EPERM), and every offset can be
// reached, whatever else maps the object. gVisor hands out a VMA's
// mappable and open file only as the key of a shared futex
// (MemoryManager.GetSharedFutexKey); the file's ConfigureMMap then sets
// up the new mapping as mmap(2) does. That covers files (unlinked ones
// too), memfds and shared anonymous memory. A SysV shared memory
// attachment is mapped again from its segment; one attached SHM_RDONLY is
// no VM_SHARED mapping in Linux (EINVAL), which only gVisor's maximum
// protection of the VMA records, so it is asked of a one-page duplicate
// (mremap, old_size 0) made writable. The key needs a readable page, so a
// PROT_NONE VMA's key is taken from such a duplicate made readable. The
// duplicate lies where nothing was mapped and is unmapped under the same
// hold of the lock, so no call sees it (another thread of the process
// could touch it, and would see a page of an object its process maps).

import (
	"runtime"
	"sync"
	"weak"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/fsimpl/tmpfs"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/kernel/futex"
	"gvisor.dev/gvisor/pkg/sentry/kernel/shm"
	"gvisor.dev/gvisor/pkg/sentry/memmap"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
	"gvisor.dev/gvisor/pkg/sentry/vfs"

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
	key, err := s.objectAt(t, start, first.prot)
	if err != nil {
		return err
	}
	defer key.MappingIdentity.DecRef(t)
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
	off := pgoff * hostarch.PageSize
	_, mask, err := s.m.NumaPolicy(start)
	if err != nil {
		return linuxerr.EINVAL
	}
	if v := (vma{mask: mask}); v.hugetlb() && (uint64(start)|size|off)%v.hugeSize() != 0 {
		return linuxerr.EINVAL
	}
	if s.sealedIn(ar) {
		return linuxerr.EPERM
	}
	if err := s.remapObject(t, key, first.prot, ar, off); err != nil {
		return err
	}
	if flags&linux.MAP_NONBLOCK == 0 {
		s.populate(t, ar, hostarch.Read) // Errors are ignored, as by MAP_POPULATE.
	}
	return nil
}

// objectAt returns the key of the object the shared VMA at addr, of
// protection prot, maps: an open file or a SysV shared memory segment,
// with a reference on it (MappingIdentity) for the caller to drop. It is
// EINVAL if the VMA maps something else, or a segment attached read-only.
//
// Preconditions: s is locked; the VMA at addr is a shared mapping.
func (s Space) objectAt(t *kernel.Task, addr hostarch.Addr, prot hostarch.AccessType) (futex.Key, error) {
	var dup hostarch.Addr // A one-page duplicate of the VMA, once made.
	duplicate := func() error {
		if dup != 0 {
			return nil
		}
		d, err := s.m.MRemap(unlimitedLocking(t), addr, 0, hostarch.PageSize, gmm.MRemapOpts{Move: gmm.MRemapMayMove})
		if err != nil {
			return err
		}
		dup = d
		return nil
	}
	defer func() {
		if dup != 0 {
			s.m.MUnmap(t, dup, hostarch.PageSize)
		}
	}()
	at := addr
	if !prot.Any() {
		if err := duplicate(); err != nil {
			return futex.Key{}, err
		}
		if err := s.m.MProtect(dup, hostarch.PageSize, hostarch.Read, false); err != nil {
			return futex.Key{}, linuxerr.EINVAL
		}
		at = dup
	}
	key, err := s.m.GetSharedFutexKey(t, at)
	if err != nil {
		return futex.Key{}, linuxerr.EINVAL
	}
	switch key.MappingIdentity.(type) {
	case *vfs.FileDescription:
		if key.Kind == futex.KindSharedMappable && key.Mappable != nil {
			return key, nil
		}
	case *shm.Shm:
		if err := duplicate(); err != nil {
			key.MappingIdentity.DecRef(t)
			return futex.Key{}, err
		}
		if s.m.MProtect(dup, hostarch.PageSize, hostarch.ReadWrite, false) == nil {
			return key, nil
		}
	}
	if key.MappingIdentity != nil {
		key.MappingIdentity.DecRef(t)
	}
	return futex.Key{}, linuxerr.EINVAL
}

// remapObject maps offset off of the object of key over ar with
// protection prot, as mmap(MAP_SHARED|MAP_FIXED) of its open file (or
// shmat of its segment) would, and gives the new mapping the lock and the
// Peios state (and NUMA policy) of the VMA it replaces at ar.Start.
//
// Preconditions: s is locked; ar lies in VMAs of the object that carry
// the same Peios bits, none sealed; key came from objectAt.
func (s Space) remapObject(t *kernel.Task, key futex.Key, prot hostarch.AccessType, ar hostarch.AddrRange, off uint64) error {
	policy, mask, err := s.m.NumaPolicy(ar.Start)
	if err != nil {
		return linuxerr.EINVAL
	}
	opts := memmap.MMapOpts{
		Length:    uint64(ar.Length()),
		Offset:    off,
		Addr:      ar.Start,
		Fixed:     true,
		Unmap:     true,
		Perms:     prot,
		MaxPerms:  hostarch.AnyAccess,
		MLockMode: lockMode(mask),
	}
	if fd, ok := key.MappingIdentity.(*vfs.FileDescription); ok {
		// mmap(2)'s rules for a shared mapping of fd (gVisor's Mmap
		// handler): the maximum protection follows the open mode, the
		// seals and the mount, and the new mapping must fit in it.
		if !fd.IsReadable() {
			return linuxerr.EACCES
		}
		if !fd.IsWritable() {
			opts.MaxPerms.Write = false
		}
		if seals, err := tmpfs.GetSeals(fd); err == nil && seals&linux.F_SEAL_WRITE != 0 {
			if prot.Write {
				return linuxerr.EPERM
			}
			opts.MaxPerms.Write = false
		}
		if fd.Mount().MountFlags()&linux.ST_NOEXEC != 0 {
			if prot.Execute {
				return linuxerr.EPERM
			}
			opts.MaxPerms.Execute = false
		}
		if err := fd.ConfigureMMap(t, &opts); err != nil {
			return err
		}
		defer opts.MappingIdentity.DecRef(t)
	} else {
		// A segment attached for writing (objectAt), as shmat maps it.
		opts.Mappable, opts.MappingIdentity = key.Mappable, key.MappingIdentity
	}
	// The VMA's lock was checked against the limit when it was made and is
	// replaced by as much locked memory.
	if _, err := s.m.MMap(unlimitedLocking(t), opts); err != nil {
		return err
	}
	s.m.SetNumaPolicy(ar.Start, uint64(ar.Length()), policy, mask)
	if mask&bitDontFork != 0 {
		s.m.SetDontFork(ar.Start, uint64(ar.Length()), true)
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
