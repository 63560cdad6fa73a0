package mm

// mmap (spec §8.1), the steps this layer owns, in the spec's order:
//
//	1  offset not page-aligned                          -> EINVAL
//	2  file: fd not open -> EBADF; MAP_HUGETLB on a file -> EINVAL
//	   anonymous MAP_HUGETLB with a size other than
//	   default, 2 MiB or 1 GiB                          -> EINVAL
//	3b W^X (rule 1, after READ_IMPLIES_EXEC)            -> EACCES
//	4  MAP_UNINITIALIZED without MAP_HUGETLB            -> EINVAL
//	5  gVisor's core checks (EINVAL, ENOMEM, EEXIST, ...)
//	6a MAP_FIXED over a sealed VMA                      -> EPERM
//
// A MAP_FIXED request over sealed memory must report every earlier error
// first, so it is run by gVisor as MAP_FIXED_NOREPLACE, which makes every
// check and then fails EEXIST on the occupied range without changing
// anything; that EEXIST is the seal's EPERM.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/fsimpl/tmpfs"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// MMapRequest is a decoded mmap(2) call.
type MMapRequest struct {
	Addr   hostarch.Addr
	Length uint64
	Prot   uint32
	Flags  uint32
	FD     int32
	Offset uint64
}

// MMapFunc has gVisor perform an mmap with the given flags and protection
// (the other arguments as requested).
type MMapFunc func(flags, prot uint32) (hostarch.Addr, error)

// MMap checks req against the Peios rules and has do perform it.
func MMap(t *kernel.Task, req MMapRequest, do MMapFunc) (hostarch.Addr, error) {
	if req.Offset%hostarch.PageSize != 0 {
		return 0, linuxerr.EINVAL
	}
	flags, prot := req.Flags, req.Prot
	hugetlb := flags&linux.MAP_HUGETLB != 0
	var extra uint64 // maximum-protection bits of a file mapping (§7.2)
	if flags&linux.MAP_ANONYMOUS == 0 {
		file := t.GetFile(req.FD)
		if file == nil {
			return 0, linuxerr.EBADF
		}
		defer file.DecRef(t)
		if hugetlb {
			return 0, linuxerr.EINVAL // The sandbox has no hugetlbfs.
		}
		shared := flags&mapType != linux.MAP_PRIVATE
		if shared && !file.IsWritable() {
			extra |= bitNoMayWrite
		}
		if seals, err := tmpfs.GetSeals(file); shared && err == nil && seals&linux.F_SEAL_WRITE != 0 {
			extra |= bitNoMayWrite
		}
		if file.Mount().MountFlags()&linux.ST_NOEXEC != 0 {
			extra |= bitNoMayExec
		}
	} else if hugetlb {
		switch (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK {
		case 0, 21, 30:
		default:
			return 0, linuxerr.EINVAL
		}
	}
	if t.Personality()&READ_IMPLIES_EXEC != 0 && prot&linux.PROT_READ != 0 && extra&bitNoMayExec == 0 {
		prot |= linux.PROT_EXEC
	}
	at := hostarch.AccessType{
		Read:    prot&linux.PROT_READ != 0,
		Write:   prot&linux.PROT_WRITE != 0,
		Execute: prot&linux.PROT_EXEC != 0,
	}

	s := lock(t)
	defer s.Unlock()
	if wxRefusesMap(at) && wxActive(t, processOf(t)) {
		return 0, refuseWX(t, "mmap", req.Addr, at)
	}
	if flags&MAP_UNINITIALIZED != 0 && !hugetlb {
		return 0, linuxerr.EINVAL
	}
	if flags&linux.MAP_FIXED != 0 && flags&linux.MAP_FIXED_NOREPLACE == 0 && s.fixedOverSealed(req) {
		probe := flags&^linux.MAP_FIXED | linux.MAP_FIXED_NOREPLACE
		if _, err := do(probe, prot); err != nil && !linuxerr.Equals(linuxerr.EEXIST, err) && !linuxerr.Equals(linuxerr.ENOMEM, err) {
			return 0, err
		}
		return 0, linuxerr.EPERM
	}
	addr, err := do(flags, prot)
	if err != nil {
		return 0, err
	}
	if ar, ok := pageRange(addr, req.Length); ok {
		s.track(ar, at, extra)
	}
	return addr, nil
}

// fixedOverSealed reports whether the MAP_FIXED range of req holds a sealed
// VMA. An invalid range holds none; gVisor will refuse it.
//
// Preconditions: s is locked.
func (s Space) fixedOverSealed(req MMapRequest) bool {
	ar, ok := pageRange(req.Addr, req.Length)
	if !ok || ar.Length() == 0 || ar.End > TaskSize || !req.Addr.IsPageAligned() {
		return false
	}
	return s.sealedIn(ar)
}
