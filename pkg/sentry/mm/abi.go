package mm

import (
	"gvisor.dev/gvisor/pkg/hostarch"
)

// ABI values that gVisor's abi/linux package does not define (spec §2).
const (
	// TaskSize is the end of the user address range (4-level paging).
	TaskSize hostarch.Addr = 0x00007ffffffff000

	mapType           = 0x0f // MAP_TYPE, the mask of the mapping kind
	MAP_UNINITIALIZED = 0x4000000
	MAP_HUGE_SHIFT    = 26
	MAP_HUGE_MASK     = 0x3f

	MREMAP_DONTUNMAP = 4

	MADV_FREE            = 8
	MADV_WIPEONFORK      = 18
	MADV_DONTNEED_LOCKED = 24
	MADV_GUARD_INSTALL   = 102

	// READ_IMPLIES_EXEC is the personality bit of §7.1.
	READ_IMPLIES_EXEC = 0x0400000
)

// pageRange converts addr and a byte length to a page-aligned range,
// rounding the length up. ok is false if the rounding or the end wraps.
func pageRange(addr hostarch.Addr, length uint64) (ar hostarch.AddrRange, ok bool) {
	rl, ok := hostarch.PageRoundUp(length)
	if !ok {
		return ar, false
	}
	return addr.ToRange(rl)
}
