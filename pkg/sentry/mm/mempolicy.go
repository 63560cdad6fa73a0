package mm

// The mempolicy syscalls see the NUMA nodemasks that also carry the Peios
// bits (vmabits.go, process.go; a task's also its PKRU, pkey.go). gVisor's
// own handlers do the work; these
// wrappers hide the bits from get_mempolicy and keep them across
// set_mempolicy and mbind. Each runs under spaceLock.mu, so no Peios check sees
// the moment in which the bits are hidden or rewritten.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// GetMempolicy runs do, gVisor's get_mempolicy, with the Peios bits of the
// task (or, with MPOL_F_ADDR, of the VMA at addr) hidden.
func GetMempolicy(t *kernel.Task, addr hostarch.Addr, flags uint32, do func() error) error {
	s := lock(t)
	defer s.Unlock()
	if flags&linux.MPOL_F_ADDR == 0 || flags&linux.MPOL_F_MEMS_ALLOWED != 0 {
		policy, mask := t.NumaPolicy()
		t.SetNumaPolicy(policy, mask&^taskHidden)
		defer t.SetNumaPolicy(policy, mask)
		return do()
	}
	vr, err := s.m.FindVMARange(addr)
	if err != nil {
		return do() // gVisor reports the missing VMA.
	}
	policy, mask, _ := s.m.NumaPolicy(addr)
	if mask&peiosBits == 0 {
		return do()
	}
	s.m.SetNumaPolicy(vr.Start, uint64(vr.Length()), policy, mask&^peiosBits)
	defer s.m.SetNumaPolicy(vr.Start, uint64(vr.Length()), policy, mask)
	return do()
}

// SetMempolicy runs do, gVisor's set_mempolicy, keeping the task's Peios
// bits.
func SetMempolicy(t *kernel.Task, do func() error) error {
	s := lock(t)
	defer s.Unlock()
	_, before := t.NumaPolicy()
	err := do()
	policy, mask := t.NumaPolicy()
	t.SetNumaPolicy(policy, mask&^taskHidden|before&taskHidden)
	return err
}

// taskHidden are the bits of a task nodemask that are not the program's.
const taskHidden = peiosBits | taskPKRUBits

// Mbind runs do, gVisor's mbind over [addr, addr+length), and then restores
// the Peios bits of every VMA it touched.
func Mbind(t *kernel.Task, addr hostarch.Addr, length uint64, do func() error) error {
	s := lock(t)
	defer s.Unlock()
	ar, ok := pageRange(addr, length)
	if !ok || !addr.IsPageAligned() {
		return do() // gVisor refuses it before touching a VMA.
	}
	var buf [8]vma
	before := s.collect(ar, buf[:0])
	err := do()
	for _, v := range before {
		if policy, mask, e := s.m.NumaPolicy(v.ar.Start); e == nil {
			s.m.SetNumaPolicy(v.ar.Start, uint64(v.ar.Length()), policy, mask&^peiosBits|v.mask&peiosBits)
		}
	}
	return err
}
