package mm

import "testing"

// The allocation bitmap must use only process bits nothing else uses, and
// survive the round trip through them for every set of keys 1..15.
func TestAllocatedKeysBits(t *testing.T) {
	others := procMitigationMask | procDynChosen | procDynAllowed | procInit | procForkState |
		procMCLFuture | procMCLOnFault | procPkeyUsed
	if procPkeyAllocBits&others != 0 || procPkeyAllocBits&^peiosBits != 0 {
		t.Fatalf("procPkeyAllocBits %#x overlaps other process bits %#x or leaves the Peios half", procPkeyAllocBits, others)
	}
	for keys := uint16(0); keys < 1<<15; keys++ {
		k := keys << 1 // key 0 is never allocated
		bits := withAllocatedKeys(others, k)
		if got := allocatedKeys(bits); got != k || bits&others != others {
			t.Fatalf("keys %#x: stored %#x, read back %#x", k, bits, got)
		}
	}
}

// A thread's PKRU lives in bits 2..31 of its task nodemask: zero bits mean
// the default, and node 0 (bit 0) and the Peios half are left alone.
func TestPKRUBits(t *testing.T) {
	if got := pkruOf(0); got != 0x55555554 {
		t.Errorf("pkruOf(0) = %#x, want the default 0x55555554", got)
	}
	const keep = uint64(1) | peiosBits // node 0, process bits
	for _, pkru := range []uint32{0, 0x55555554, 0xfffffffc, 0x8, 0x40000000} {
		mask := withPKRU(keep, pkru)
		if got := pkruOf(mask); got != pkru || mask&keep != keep {
			t.Errorf("PKRU %#x: mask %#x, read back %#x", pkru, mask, got)
		}
	}
	if taskPKRUBits&peiosBits != 0 || taskPKRUBits&1 != 0 {
		t.Errorf("taskPKRUBits %#x overlaps node 0 or the process bits", taskPKRUBits)
	}
}

func TestParsePKeyPolicy(t *testing.T) {
	for _, p := range []PKeyPolicy{PKeysNone, PKeysSoftware} {
		if got, err := ParsePKeyPolicy(p.String()); err != nil || got != p {
			t.Errorf("ParsePKeyPolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParsePKeyPolicy("hardware"); err == nil {
		t.Error("ParsePKeyPolicy(hardware) succeeded")
	}
}
