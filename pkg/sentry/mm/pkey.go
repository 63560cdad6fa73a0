package mm

// Memory protection keys (spec §8.5, §8.6, §13; DECISIONS D5). The sandbox
// has no hardware keys (gVisor does not use PKU, and the host may lack it),
// so the calls answer exactly as Linux does on a CPU without PKU:
//
// pkey_alloc(flags, access_rights):
//
//	flags != 0                                         -> EINVAL
//	access_rights outside PKEY_DISABLE_ACCESS|_WRITE   -> EINVAL
//	the first call in the address space                -> EINVAL
//	every later one (fork children included)           -> ENOSPC
//
// pkey_free(pkey): every key, 0 included                -> EINVAL
//
// pkey_mprotect(addr, len, prot, pkey): any pkey but -1  -> EINVAL
// (mprotect.go, after the prot check and before the VMA lookup).
//
// Without a key ever allocated, every VMA keeps key 0 and every thread the
// default PKRU, so the bookkeeping of D5 (keys per address space, key per
// mapping, PKRU per thread) has exactly one state; what Linux remembers
// (the failed first allocation) is procPkeyTried, copied by fork and
// cleared by exec with the address space. Software keys (D5's policy
// option) are not implemented.

import (
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// pkeyAccessMask are the valid access_rights bits of pkey_alloc on x86.
const pkeyAccessMask = 0x3

// procPkeyTried records that the address space's first pkey_alloc was
// made (process.go).
const procPkeyTried uint64 = 1 << 54

// PkeyAlloc implements pkey_alloc(flags, accessRights).
func PkeyAlloc(t *kernel.Task, flags, accessRights uint64) error {
	if flags != 0 || accessRights&^pkeyAccessMask != 0 {
		return linuxerr.EINVAL
	}
	s := lock(t)
	defer s.Unlock()
	p := processOf(t)
	if p.bits&procPkeyTried != 0 {
		return linuxerr.ENOSPC
	}
	p.bits |= procPkeyTried
	setProcess(t, p)
	return linuxerr.EINVAL
}

// PkeyFree implements pkey_free(pkey).
func PkeyFree(t *kernel.Task, pkey int32) error {
	return linuxerr.EINVAL
}
