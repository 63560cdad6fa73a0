package mm

// msync(addr, len, flags) (spec §8.13), in Linux's order:
//
//	flags outside MS_ASYNC|MS_INVALIDATE|MS_SYNC         -> EINVAL
//	addr not page-aligned                                -> EINVAL
//	MS_ASYNC and MS_SYNC together                        -> EINVAL
//	len rounded up modulo 2^64 (SIZE_MAX rounds to 0);
//	addr + len wraps                                     -> ENOMEM
//	empty range                                          -> 0
//	walk the VMAs (gVisor): MS_INVALIDATE on a locked VMA -> EBUSY
//	  MS_SYNC writes back shared file mappings           -> EIO, ...
//	  a hole                                             -> ENOMEM, at the end
//
// Seals do not block msync. Nothing in the address space changes, so the
// layer's lock is not held while gVisor writes back.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
)

// MSync implements msync.
func MSync(t *kernel.Task, addr hostarch.Addr, length uint64, flags uint32) error {
	if flags&^(linux.MS_ASYNC|linux.MS_SYNC|linux.MS_INVALIDATE) != 0 || !addr.IsPageAligned() ||
		flags&linux.MS_ASYNC != 0 && flags&linux.MS_SYNC != 0 {
		return linuxerr.EINVAL
	}
	length = (length + hostarch.PageSize - 1) &^ (hostarch.PageSize - 1)
	ar, ok := addr.ToRange(length)
	if !ok {
		return linuxerr.ENOMEM
	}
	if ar.Length() == 0 {
		return nil
	}
	err := t.MemoryManager().MSync(t, addr, length, gmm.MSyncOpts{
		Sync:       flags&linux.MS_SYNC != 0,
		Invalidate: flags&linux.MS_INVALIDATE != 0,
	})
	return linuxerr.ConvertIntr(err, linuxerr.ERESTARTSYS)
}
