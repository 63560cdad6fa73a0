package mm

// Memory protection keys (spec §8.5, §8.6, §13; DECISIONS D5). The sandbox
// has no hardware keys (gVisor does not use PKU, and the host may lack it).
// The sandbox policy (dev.peios.mm/pkeys) chooses between two behaviours.
//
// none (the default): the calls answer exactly as Linux does on a CPU
// without PKU:
//
//	pkey_alloc(flags, access_rights):
//	  flags != 0                                         -> EINVAL
//	  access_rights outside PKEY_DISABLE_ACCESS|_WRITE   -> EINVAL
//	  the first call in the address space                -> EINVAL
//	  every later one (fork children included)           -> ENOSPC
//	pkey_free(pkey): every key, 0 included                -> EINVAL
//	pkey_mprotect(addr, len, prot, pkey): any pkey but -1 -> EINVAL
//	  (mprotect.go, after the prot check and before the VMA lookup)
//
// software: the calls answer as Linux does on a CPU with PKU:
//
//	pkey_alloc(flags, access_rights):
//	  flags != 0, or access_rights & ~0x3                -> EINVAL
//	  no free key in 1..15                               -> ENOSPC
//	  else the lowest free key, and the calling thread's PKRU bits for
//	  it (AD: bit 2k, WD: bit 2k+1) become access_rights; other threads'
//	  PKRU is unchanged
//	pkey_free(pkey): 0, out of range or not allocated     -> EINVAL
//	  freeing leaves the key on every VMA that carries it
//	pkey_mprotect(addr, len, prot, pkey): pkey neither -1, 0 nor
//	  allocated                                          -> EINVAL
//	  (same place); else mprotect, with every rule of mprotect.go (W^X,
//	  seals, D4), and each VMA of the range gets the key
//
// Keys are allocated per address space (fork copies the allocation and
// the VMAs' keys, exec starts with none); PKRU is per thread (0x55555554,
// every key but 0 access-disabled, for a new image; a new thread or fork
// child starts with its creator's; exec resets it).
//
// Enforcement. Without hardware keys, loads and stores of the program
// itself are NOT checked against PKRU: a program can touch a page whose
// key its PKRU disables. What the Sentry enforces is its own accesses to
// user memory on a thread's behalf (D5, §13), in the syscalls listed in
// pkg/sentry/syscalls/userbuf.go, before they run: a structure they read
// or write whole (an iovec array, a msghdr) that lies on a page whose key
// the calling thread's PKRU access-disables (or, if written, access- or
// write-disables) fails them with EFAULT (CheckKeys); their data is
// clamped, as Linux's copy stops there, to what comes before the first
// such page (AccessiblePrefix), EFAULT if nothing does. The remote side
// of process_vm_readv/writev is not checked (§8.10: a target's keys do
// not apply).
//
// Where the state lives. The VMA's key is in its nodemask (pkeyBits,
// vmaflags.go), so split, merge, fork, mremap and checkpoints carry it. The
// allocation bitmap is in the process bits (procPkeyAllocBits, process.go),
// which fork copies and exec clears. A thread's PKRU, XORed with the
// default so that zero means the default, is in bits 2..31 of its own task
// nodemask (taskPKRUBits): a nodemask holds at most node 0 (bit 0), so
// these bits are free; they are saved with the task, die with it,
// mempolicy.go hides them, and Spawn copies them to a new task.

import (
	"fmt"

	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// PKeyPolicy is the sandbox's protection-key policy (DECISIONS D5).
type PKeyPolicy int

const (
	// PKeysNone answers as Linux on a CPU without PKU. The default.
	PKeysNone PKeyPolicy = iota
	// PKeysSoftware answers as Linux on a CPU with PKU, and the Sentry
	// enforces keys on its own accesses to user memory.
	PKeysSoftware
)

// String returns the flag and annotation spelling of p.
func (p PKeyPolicy) String() string {
	switch p {
	case PKeysNone:
		return "none"
	case PKeysSoftware:
		return "software"
	}
	return fmt.Sprintf("PKeyPolicy(%d)", int(p))
}

// ParsePKeyPolicy parses the value of --peios-pkeys or the
// dev.peios.mm/pkeys annotation.
func ParsePKeyPolicy(s string) (PKeyPolicy, error) {
	switch s {
	case "none":
		return PKeysNone, nil
	case "software":
		return PKeysSoftware, nil
	}
	return 0, fmt.Errorf("%q is not a protection-key policy; accepted: none, software", s)
}

const (
	// pkeyAccessMask are the valid access_rights bits of pkey_alloc on
	// x86: PKEY_DISABLE_ACCESS (1) and PKEY_DISABLE_WRITE (2).
	pkeyAccessMask = 0x3
	// pkeyCount is the number of keys; key 0 is the default key.
	pkeyCount = 16

	// procPkeyUsed says the address space made a pkey_alloc: without
	// software keys the failed first one (later ones are ENOSPC); with
	// software keys a successful one, after which VMAs may carry keys
	// and CheckKeys has work to do. Copied by fork, cleared by exec.
	procPkeyUsed uint64 = 1 << 54
	// procPkeyAllocBits is the allocation bitmap of keys 1..15 (software
	// keys): keys 1..6 in bits 42..47, keys 7..15 in bits 55..63, the
	// process bits left free by the others.
	procPkeyAllocBits uint64 = 0x3f<<42 | 0x1ff<<55
	// procPkeyBits is the pkey state of the address space (exec clears
	// it, fork.go).
	procPkeyBits = procPkeyUsed | procPkeyAllocBits

	// pkruDefault is the PKRU of a new image: keys 1..15 access-disabled.
	pkruDefault uint32 = 0x55555554
	// taskPKRUBits hold a thread's PKRU XOR pkruDefault, in its task
	// nodemask (PKRU bits 0 and 1, key 0's, are always clear).
	taskPKRUBits uint64 = 0xfffffffc
)

// allocatedKeys returns the allocation bitmap (bit k: key k) in bits.
func allocatedKeys(bits uint64) uint16 {
	return uint16(bits>>42&0x3f)<<1 | uint16(bits>>55&0x1ff)<<7
}

// withAllocatedKeys returns bits with the allocation bitmap keys.
func withAllocatedKeys(bits uint64, keys uint16) uint64 {
	return bits&^procPkeyAllocBits | uint64(keys>>1&0x3f)<<42 | uint64(keys>>7&0x1ff)<<55
}

// pkruOf returns the PKRU kept in a task nodemask.
func pkruOf(mask uint64) uint32 { return uint32(mask&taskPKRUBits) ^ pkruDefault }

// withPKRU returns the task nodemask mask holding pkru.
func withPKRU(mask uint64, pkru uint32) uint64 {
	return mask&^taskPKRUBits | uint64(pkru^pkruDefault)&taskPKRUBits
}

// softKeys reports whether t's container has software keys.
func softKeys(t *kernel.Task) bool {
	return policyFor(t.ContainerID()).PKeys == PKeysSoftware
}

// PkeyAlloc implements pkey_alloc(flags, accessRights) and returns the key.
func PkeyAlloc(t *kernel.Task, flags, accessRights uint64) (int32, error) {
	if flags != 0 || accessRights&^pkeyAccessMask != 0 {
		return 0, linuxerr.EINVAL
	}
	s := lock(t)
	defer s.Unlock()
	p := processOf(t)
	if !softKeys(t) {
		if p.bits&procPkeyUsed != 0 {
			return 0, linuxerr.ENOSPC
		}
		p.bits |= procPkeyUsed
		setProcess(t, p)
		return 0, linuxerr.EINVAL
	}
	keys := allocatedKeys(p.bits)
	for k := int32(1); k < pkeyCount; k++ {
		if keys&(1<<k) != 0 {
			continue
		}
		p.bits = withAllocatedKeys(p.bits, keys|1<<k) | procPkeyUsed
		setProcess(t, p)
		policy, mask := t.NumaPolicy()
		pkru := pkruOf(mask)&^(pkeyAccessMask<<(2*k)) | uint32(accessRights)<<(2*k)
		t.SetNumaPolicy(policy, withPKRU(mask, pkru))
		return k, nil
	}
	return 0, linuxerr.ENOSPC
}

// PkeyFree implements pkey_free(pkey).
func PkeyFree(t *kernel.Task, pkey int32) error {
	s := lock(t)
	defer s.Unlock()
	if !softKeys(t) || pkey <= 0 || pkey >= pkeyCount {
		return linuxerr.EINVAL
	}
	p := processOf(t)
	keys := allocatedKeys(p.bits)
	if keys&(1<<pkey) == 0 {
		return linuxerr.EINVAL
	}
	p.bits = withAllocatedKeys(p.bits, keys&^(1<<pkey))
	setProcess(t, p)
	return nil
}

// checkMProtectKey checks the pkey argument of pkey_mprotect (NoPKey for
// mprotect) and returns the VMA bits to replace (which) and their new
// value (bits) on success.
//
// Preconditions: t's address space is locked.
func checkMProtectKey(t *kernel.Task, pkey int32) (which, bits uint64, err error) {
	switch {
	case pkey == NoPKey:
		return 0, 0, nil
	case !softKeys(t), pkey < 0, pkey >= pkeyCount:
		return 0, 0, linuxerr.EINVAL
	case pkey != 0 && allocatedKeys(processOf(t).bits)&(1<<pkey) == 0:
		return 0, 0, linuxerr.EINVAL
	}
	return pkeyBits, uint64(pkey) << pkeyShift, nil
}

// KeysInUse reports whether t's accesses to user memory may have to be
// checked against its PKRU: its container has software keys and its
// address space allocated a key. It is one of the two cheap tests of the I/O
// syscalls' fast path (pkg/sentry/syscalls/userbuf.go).
func KeysInUse(t *kernel.Task) bool {
	_, mask := t.NumaPolicy()
	if mask&procInit == 0 {
		// A new task whose bits (and PKRU) Spawn has not set yet.
		processOf(t)
		_, mask = t.NumaPolicy()
	}
	return mask&procPkeyUsed != 0 && softKeys(t)
}

// deniedKeys returns the keys t's PKRU access-disables (noRead) and those
// it access- or write-disables (noWrite), one bit per key.
func deniedKeys(t *kernel.Task) (noRead, noWrite uint16) {
	_, mask := t.NumaPolicy()
	pkru := pkruOf(mask)
	for k := 0; k < pkeyCount; k++ {
		if pkru>>(2*k)&1 != 0 {
			noRead |= 1 << k
		}
		if pkru>>(2*k)&3 != 0 {
			noWrite |= 1 << k
		}
	}
	return noRead, noWrite
}

// CheckKeys checks the Sentry's accesses on t's behalf to user memory
// that a call makes whole or not at all (an iovec array, a msghdr, a
// socket address) against t's PKRU: it returns EFAULT if a page of read
// (ranges the call reads) carries a key t's PKRU access-disables, or a
// page of written (ranges it writes) one it access- or write-disables.
// Unmapped parts are left to the call, which reports them itself.
func CheckKeys(t *kernel.Task, read, written []hostarch.AddrRange) error {
	noRead, noWrite := deniedKeys(t)
	if noWrite == 0 {
		return nil
	}
	for _, c := range []struct {
		ars  []hostarch.AddrRange
		keys uint16
	}{{read, noRead}, {written, noWrite}} {
		for _, ar := range c.ars {
			if _, limited := keyedPrefix(t, ar, c.keys); limited {
				return linuxerr.EFAULT
			}
		}
	}
	return nil
}

// AccessiblePrefix returns how many bytes of bufs, taken one after the
// other as a call transfers them, the Sentry may access on t's behalf
// before the first one on a page whose key t's PKRU disables for the
// access (written: access- or write-disabled; read: access-disabled), and
// whether such a byte ends it. An unmapped byte met first ends the scan
// with limited false: the call stops there by itself.
func AccessiblePrefix(t *kernel.Task, bufs []hostarch.AddrRange, written bool) (n uint64, limited bool) {
	noRead, noWrite := deniedKeys(t)
	keys := noRead
	if written {
		keys = noWrite
	}
	for _, ar := range bufs {
		if keys == 0 {
			n += uint64(ar.Length())
			continue
		}
		m, limited := keyedPrefix(t, ar, keys)
		n += m
		if limited || m < uint64(ar.Length()) {
			return n, limited
		}
	}
	return n, false
}

// keyedPrefix returns how many bytes from ar.Start are mapped on pages
// whose key is not in keys, and whether a page with such a key (rather
// than the end of ar or an unmapped page) ends them.
func keyedPrefix(t *kernel.Task, ar hostarch.AddrRange, keys uint16) (uint64, bool) {
	end, ok := ar.End.RoundUp()
	if !ok || ar.Length() == 0 || keys == 0 {
		return uint64(ar.Length()), false
	}
	s := lock(t)
	defer s.Unlock()
	var buf [8]vma
	next := ar.Start.RoundDown()
	for _, v := range s.collect(hostarch.AddrRange{Start: next, End: end}, buf[:0]) {
		if v.ar.Start != next {
			break // A hole.
		}
		if keys&(1<<(v.mask&pkeyBits>>pkeyShift)) != 0 {
			return uint64(max(v.ar.Start, ar.Start) - ar.Start), true
		}
		next = v.ar.End
	}
	return uint64(min(next, ar.End) - ar.Start), false
}
