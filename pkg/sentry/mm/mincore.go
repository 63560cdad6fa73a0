package mm

// mincore(addr, len, vec) (spec §8.14), in Linux's order:
//
//	addr not page-aligned                                 -> EINVAL
//	[addr, addr+len) wraps or leaves user space           -> ENOMEM
//	[vec, vec + ceil(len/PAGE_SIZE)) wraps or leaves it   -> EFAULT
//	len == 0                                              -> 0
//	then chunk by chunk (one VMA, at most PAGE_SIZE pages):
//	  no VMA at the chunk's start (a hole)                -> ENOMEM
//	  vec not writable                                    -> EFAULT
//	(the entries of earlier chunks stay written)
//
// One byte per page, bit 0 set if the page is resident: backed by memory
// gVisor allocated or mapped for this address space (residency.go). gVisor
// eagerly backs small anonymous mappings when they are made, so those are
// resident from the start. A file VMA whose file the caller neither owns
// nor may open for writing shows every page resident (Linux's
// can_do_mincore: residency of a file others write is a side channel;
// FACS's FILE_WRITE_DATA is the file's write permission here).

import (
	"strings"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/fspath"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/kernel/auth"
	"gvisor.dev/gvisor/pkg/sentry/vfs"
)

// MInCore implements mincore.
func MInCore(t *kernel.Task, addr hostarch.Addr, length uint64, vec hostarch.Addr) error {
	if !addr.IsPageAligned() {
		return linuxerr.EINVAL
	}
	if end := addr + hostarch.Addr(length); end < addr || end > TaskSize {
		return linuxerr.ENOMEM
	}
	pages := length / hostarch.PageSize
	if length%hostarch.PageSize != 0 {
		pages++
	}
	if end := vec + hostarch.Addr(pages); end < vec || end > TaskSize {
		return linuxerr.EFAULT
	}
	if pages == 0 {
		return nil
	}
	s := lock(t)
	res := s.residency(t)
	entries := s.mapsEntries(t)
	s.Unlock()
	hidden := residencyHider{t: t}
	m := t.MemoryManager()
	buf := make([]byte, min(pages, hostarch.PageSize))
	for pages > 0 {
		vr, err := m.FindVMARange(addr)
		if err != nil {
			return linuxerr.ENOMEM
		}
		n := min(pages, hostarch.PageSize, uint64(vr.End-addr)/hostarch.PageSize)
		chunk := hostarch.AddrRange{Start: addr, End: addr + hostarch.Addr(n*hostarch.PageSize)}
		if e, ok := entryAt(entries, addr); ok && hidden.hides(e) {
			for i := range buf[:n] {
				buf[i] = 1
			}
		} else {
			res.fill(chunk, buf[:n])
		}
		if _, err := t.CopyOutBytes(vec, buf[:n]); err != nil {
			return linuxerr.EFAULT
		}
		pages -= n
		vec += hostarch.Addr(n)
		addr = chunk.End
	}
	return nil
}

// residencyHider decides, once per file, whether mincore hides a file
// VMA's residency from its task.
type residencyHider struct {
	t     *kernel.Task
	known map[mapsEntry]bool
}

// hides reports whether every page of the file VMA e must read resident:
// the task neither owns its file (nor has CAP_FOWNER) nor may open it for
// writing. gVisor exports no VMA's file, so the file is found again by the
// path the maps file shows, and must have the VMA's inode number; a file
// that cannot be found so (unlinked, or replaced since) keeps its real
// residency, as does anonymous and special memory.
func (h *residencyHider) hides(e mapsEntry) bool {
	if e.ino == 0 || !strings.HasPrefix(e.path, "/") {
		return false
	}
	key := mapsEntry{ino: e.ino, path: e.path}
	if v, ok := h.known[key]; ok {
		return v
	}
	v := h.check(e.path, e.ino)
	if h.known == nil {
		h.known = map[mapsEntry]bool{}
	}
	h.known[key] = v
	return v
}

// check applies the rule to the file at path with inode number ino.
func (h *residencyHider) check(path string, ino uint64) bool {
	t := h.t
	creds := t.Credentials()
	root := t.FSContext().RootDirectory()
	defer root.DecRef(t)
	pop := &vfs.PathOperation{Root: root, Start: root, Path: fspath.Parse(path), FollowFinalSymlink: true}
	stat, err := t.Kernel().VFS().StatAt(t, creds, pop, &vfs.StatOptions{Mask: linux.STATX_INO | linux.STATX_UID | linux.STATX_GID})
	if err != nil || stat.Ino != ino {
		return false
	}
	if auth.KUID(stat.UID) == creds.EffectiveKUID || creds.HasCapabilityOnFile(linux.CAP_FOWNER, auth.KUID(stat.UID), auth.KGID(stat.GID)) {
		return false
	}
	return t.Kernel().VFS().AccessAt(t, creds, vfs.MayWrite, pop) != nil
}
