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
//	5g MAP_HUGETLB|MAP_FIXED not huge-aligned (mapflags.go) -> EINVAL
//	5i MAP_LOCKED, MCL_FUTURE (lock.go)                 -> EPERM, EAGAIN
//	5j, 5k MAP_SHARED_VALIDATE, MAP_TYPE, MAP_GROWSDOWN
//	   (mapflags.go)                                    -> EOPNOTSUPP, EINVAL
//	6a MAP_FIXED over a sealed VMA                      -> EPERM
//	6d commit charge (commit.go)                        -> ENOMEM
//
// The errors of 5i-6d must come after every earlier error, which gVisor
// reports while it places the mapping; so such a request is run by gVisor
// as a probe that changes nothing (refuse): MAP_FIXED as
// MAP_FIXED_NOREPLACE, which makes every check and then fails EEXIST on
// the occupied range; a probe that succeeds is unmapped again.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/fsimpl/tmpfs"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/memmap"
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

// MMapFunc has gVisor perform the mmap r.
type MMapFunc func(r MMapRequest) (hostarch.Addr, error)

// MMap checks req against the Peios rules and has do perform it.
func MMap(t *kernel.Task, req MMapRequest, do MMapFunc) (hostarch.Addr, error) {
	if req.Offset%hostarch.PageSize != 0 {
		return 0, linuxerr.EINVAL
	}
	flags, prot := req.Flags, req.Prot
	if flags&linux.MAP_GROWSDOWN != 0 {
		stacksMayGrow.Store(true) // Sentry accesses may grow it (stack.go).
	}
	hugetlb := flags&linux.MAP_HUGETLB != 0
	anon := flags&linux.MAP_ANONYMOUS != 0
	var extra uint64 // maximum-protection bits of a file mapping (§7.2)
	if !anon {
		file := t.GetFile(req.FD)
		if file == nil {
			return 0, linuxerr.EBADF
		}
		defer file.DecRef(t)
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
	}
	plan, err := planMap(&req, !anon)
	if err != nil {
		return 0, err
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
	fixedAR, replaces := s.fixedRange(req)
	if plan.hugeFixedMisaligned(req) && (replaces || fixedAR.Length() != 0) {
		return 0, linuxerr.EINVAL
	}
	mode := newLockMode(processOf(t), flags&linux.MAP_LOCKED != 0)
	bits := plan.bits | extra | lockBitsFor(mode)
	var late error
	if mode != memmap.MLockNone {
		late = s.newLockRefused(t, req.Length, flags&linux.MAP_LOCKED != 0, fixedAR)
	}
	if plan.bits&bitDroppable != 0 {
		// Checked as locked, made unlocked (§8.12); never MAP_LOCKED here
		// (plan.late).
		mode = memmap.MLockNone
		bits &^= lockBits
	}
	if late == nil {
		late = plan.late
	}
	if late == nil && replaces && s.sealedIn(fixedAR) {
		late = linuxerr.EPERM
	}
	var charge, released uint64
	if late == nil {
		if strictCommit() {
			if length, ok := hostarch.PageRoundUp(req.Length); ok && accountable(bits, at.Write) {
				charge = length
				bits |= bitAccounted
			}
			if replaces {
				released = s.accountedSpan(fixedAR)
			}
			late = reserveReplacing(t, charge, released)
		} else if accountable(bits, at.Write) {
			late = heuristicRefuses(t.Kernel(), req.Length)
		}
	}
	if late != nil {
		return s.refuse(t, req, plan, late, do)
	}
	gv := req
	gv.Flags, gv.Prot = plan.flags, prot
	addr, err := s.place(t, gv, plan, do)
	if err != nil {
		settle(charge, released, false)
		return 0, err
	}
	if ar, ok := pageRange(addr, req.Length); ok {
		if bits&bitWipeOnFork != 0 {
			setForkState(t) // MAP_DROPPABLE: fork must wipe it.
		}
		s.track(ar, at, bits)
		if mode != memmap.MLockNone {
			setForkState(t)
			s.lockNew(t, ar, mode)
		}
	}
	settle(charge, released, true) // After the bits carry the charge.
	return addr, nil
}

// refuse fails req with late, an error of §8.1 steps 5i-6d, unless gVisor
// finds an earlier error: it runs req as a probe (MAP_FIXED as
// MAP_FIXED_NOREPLACE, nothing locked or populated) and returns the probe's
// error, if it is not the probe's own EEXIST, or late. A probe that maps
// is unmapped. An ENOMEM of a MAP_FIXED probe may be gVisor's RLIMIT_AS
// check, which the probe fails where the real request would not, so it
// counts as the probe's own.
//
// Preconditions: s is locked.
func (s Space) refuse(t *kernel.Task, req MMapRequest, plan mapPlan, late error, do MMapFunc) (hostarch.Addr, error) {
	probe := req
	probe.Flags = plan.flags &^ linux.MAP_POPULATE
	replaces := req.Flags&linux.MAP_FIXED != 0 && req.Flags&linux.MAP_FIXED_NOREPLACE == 0
	if replaces {
		probe.Flags = probe.Flags&^linux.MAP_FIXED | linux.MAP_FIXED_NOREPLACE
	}
	addr, err := do(probe)
	switch {
	case err == nil:
		s.m.MUnmap(t, addr, probe.Length)
		return 0, late
	case replaces && (linuxerr.Equals(linuxerr.EEXIST, err) || linuxerr.Equals(linuxerr.ENOMEM, err)):
		return 0, late
	}
	return 0, err
}

// fixedRange returns the range a MAP_FIXED or MAP_FIXED_NOREPLACE request
// names, if it is a valid one, and whether the request replaces what is
// there (MAP_FIXED without NOREPLACE). An invalid range is empty; gVisor
// will refuse it.
func (s Space) fixedRange(req MMapRequest) (hostarch.AddrRange, bool) {
	if req.Flags&(linux.MAP_FIXED|linux.MAP_FIXED_NOREPLACE) == 0 {
		return hostarch.AddrRange{}, false
	}
	ar, ok := pageRange(req.Addr, req.Length)
	if !ok || ar.Length() == 0 || ar.End > TaskSize || !req.Addr.IsPageAligned() {
		return hostarch.AddrRange{}, false
	}
	return ar, req.Flags&linux.MAP_FIXED_NOREPLACE == 0
}
