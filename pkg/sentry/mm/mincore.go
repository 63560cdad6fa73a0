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
// resident from the start.

import (
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
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
	s.Unlock()
	m := t.MemoryManager()
	buf := make([]byte, min(pages, hostarch.PageSize))
	for pages > 0 {
		vr, err := m.FindVMARange(addr)
		if err != nil {
			return linuxerr.ENOMEM
		}
		n := min(pages, hostarch.PageSize, uint64(vr.End-addr)/hostarch.PageSize)
		chunk := hostarch.AddrRange{Start: addr, End: addr + hostarch.Addr(n*hostarch.PageSize)}
		res.fill(chunk, buf[:n])
		if _, err := t.CopyOutBytes(vec, buf[:n]); err != nil {
			return linuxerr.EFAULT
		}
		pages -= n
		vec += hostarch.Addr(n)
		addr = chunk.End
	}
	return nil
}
