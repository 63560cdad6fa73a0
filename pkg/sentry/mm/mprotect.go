package mm

// mprotect and pkey_mprotect (spec §8.4, §8.5), in the spec's order:
//
//	1 PROT_GROWSDOWN and PROT_GROWSUP together        -> EINVAL
//	2 addr not page-aligned                           -> EINVAL
//	3 len == 0                                        -> 0
//	4 len rounds up past the end of memory            -> ENOMEM
//	5 prot bits other than R, W, X, SEM               -> EINVAL
//	  pkey_mprotect: pkey other than -1, or with
//	  software keys not 0 or allocated (pkey.go)      -> EINVAL
//	6 no VMA at addr                                  -> ENOMEM
//	  PROT_GROWSDOWN: no VMA in the range             -> ENOMEM
//	    the first VMA in it does not grow down        -> EINVAL
//	    (else the range starts at that VMA's start)
//	  PROT_GROWSUP                                    -> EINVAL
//	8 for each VMA in order:
//	    a hole before it                              -> ENOMEM
//	    b beyond its maximum protection               -> EACCES
//	    c W^X (wx.go)                                 -> EACCES
//	    f sealed                                      -> EPERM
//	    g a hugetlb VMA split inside a huge page      -> EINVAL
//	  the range runs past the last VMA                -> ENOMEM
//	9 strict commit: PROT_WRITE added to uncharged
//	  private VMAs (commit.go)                        -> ENOMEM
//
// The whole range is validated before anything changes (D4). gVisor then
// applies the change; if it still fails (a maximum protection this layer
// could not see), the VMAs it already changed are put back.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// NoPKey is the pkey argument of pkey_mprotect that leaves keys unchanged;
// MProtect of plain mprotect passes it.
const NoPKey = -1

// ProtectFunc has gVisor set the protection of ar.
type ProtectFunc func(ar hostarch.AddrRange, at hostarch.AccessType, growsDown bool) error

// MProtect checks mprotect(addr, length, prot) or pkey_mprotect with pkey,
// and has do apply it.
func MProtect(t *kernel.Task, addr hostarch.Addr, length uint64, prot uint32, pkey int32, do ProtectFunc) error {
	growsDown := prot&linux.PROT_GROWSDOWN != 0
	growsUp := prot&linux.PROT_GROWSUP != 0
	if growsDown && growsUp {
		return linuxerr.EINVAL
	}
	if !addr.IsPageAligned() {
		return linuxerr.EINVAL
	}
	if length == 0 {
		return nil
	}
	ar, ok := pageRange(addr, length)
	if !ok {
		return linuxerr.ENOMEM
	}
	if prot&^(linux.PROT_READ|linux.PROT_WRITE|linux.PROT_EXEC|linux.PROT_SEM|linux.PROT_GROWSDOWN|linux.PROT_GROWSUP) != 0 {
		return linuxerr.EINVAL
	}
	at := hostarch.AccessType{
		Read:    prot&linux.PROT_READ != 0,
		Write:   prot&linux.PROT_WRITE != 0,
		Execute: prot&linux.PROT_EXEC != 0,
	}
	s := lock(t)
	defer s.Unlock()
	keyWhich, keyBits, err := checkMProtectKey(t, pkey)
	if err != nil {
		return err
	}
	if growsDown {
		// The range starts at the start of the first VMA in it, which
		// must grow down (checked here, before the per-VMA checks, as
		// Linux does; gVisor would check it only when applying).
		var buf [1]vma
		first := s.collect(ar, buf[:0])
		if len(first) == 0 {
			return linuxerr.ENOMEM
		}
		if !s.isGrowsDown(t, first[0].ar.Start) {
			return linuxerr.EINVAL
		}
		vr, _ := s.m.FindVMARange(first[0].ar.Start)
		ar.Start = vr.Start
	}
	var buf [8]vma
	vs := s.collectTracked(t, ar, buf[:0])
	if len(vs) == 0 || vs[0].ar.Start != ar.Start {
		return linuxerr.ENOMEM
	}
	if growsUp {
		return linuxerr.EINVAL
	}
	impliesExec := t.Personality()&READ_IMPLIES_EXEC != 0 && at.Read
	wx := wxActive(t, processOf(t))
	next := ar.Start
	for i, v := range vs {
		if v.ar.Start != next {
			return linuxerr.ENOMEM
		}
		next = v.ar.End
		want := effectiveProt(v, at, impliesExec)
		if !v.allows(want) {
			return linuxerr.EACCES
		}
		if wx && (wxRefusesProtect(v, want) || want.Execute && s.writable(t, v)) {
			return refuseWX(t, "mprotect", v.ar.Start, want)
		}
		if v.sealed() {
			return linuxerr.EPERM
		}
		if hugeSplit(vs[i : i+1]) {
			return linuxerr.EINVAL
		}
	}
	if next != ar.End {
		return linuxerr.ENOMEM
	}
	need := protectCharge(vs, at)
	if err := reserve(t, need); err != nil {
		return err
	}
	if err := s.apply(t, vs, at, impliesExec, growsDown, do); err != nil {
		settle(need, 0, false)
		return err
	}
	for _, v := range vs {
		s.setVMABits(v, protBits|bitAccounted|keyWhich, protMaskAfter(v, effectiveProt(v, at, impliesExec))|chargedAfter(v, at)|keyBits)
	}
	settle(need, 0, true) // After the bits carry the charge.
	return nil
}

// effectiveProt is the protection v gets from a request for at (§7.1:
// READ_IMPLIES_EXEC adds PROT_EXEC where the VMA may execute).
func effectiveProt(v vma, at hostarch.AccessType, impliesExec bool) hostarch.AccessType {
	if impliesExec && v.mask&bitNoMayExec == 0 {
		at.Execute = true
	}
	return at
}

// apply has do change the protection of the validated VMAs vs. gVisor
// checks a VMA's maximum protection before changing it, so a refusal leaves a
// single VMA untouched; over several VMAs it may come after earlier ones were
// changed, so their real protection is read first and put back (D4).
//
// Preconditions: s is locked.
func (s Space) apply(ctx context.Context, vs []vma, at hostarch.AccessType, impliesExec, growsDown bool, do ProtectFunc) error {
	var before []mapsEntry
	if len(vs) > 1 {
		before = s.mapsEntries(ctx)
	}
	var err error
	if impliesExec {
		for _, v := range vs {
			if err = do(v.ar, effectiveProt(v, at, true), false); err != nil {
				break
			}
		}
	} else {
		whole := hostarch.AddrRange{Start: vs[0].ar.Start, End: vs[len(vs)-1].ar.End}
		err = do(whole, at, growsDown)
	}
	if err != nil && before != nil {
		for _, v := range vs {
			do(v.ar, realProt(before, v), false)
		}
	}
	return err
}
