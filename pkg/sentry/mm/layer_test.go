package mm

import (
	"testing"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
)

func TestParseCommitLimit(t *testing.T) {
	for in, want := range map[string]uint64{"4096": 4096, "64K": 64 << 10, "256M": 256 << 20, "1g": 1 << 30, "2T": 2 << 40} {
		if got, err := ParseCommitLimit(in); err != nil || got != want {
			t.Errorf("ParseCommitLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "1.5G", "12X", "M", "99999999999999999999", "17000000T"} {
		if _, err := ParseCommitLimit(bad); err == nil {
			t.Errorf("ParseCommitLimit(%q) succeeded, want an error", bad)
		}
	}
}

func TestPlanMap(t *testing.T) {
	const anon = linux.MAP_PRIVATE | linux.MAP_ANONYMOUS
	for _, tc := range []struct {
		name    string
		flags   uint32
		file    bool
		length  uint64
		err     error // step 2
		late    error // steps 5j, 5k
		bits    uint64
		gvFlags uint32
		rounded uint64
	}{
		{name: "private anon", flags: anon, length: 4096, gvFlags: anon, rounded: 4096},
		{name: "shared validate file", flags: mapSharedValidate, file: true, length: 1, bits: bitShared | bitFile, gvFlags: linux.MAP_SHARED, rounded: 1},
		{name: "shared validate sync", flags: mapSharedValidate | MAP_SYNC, file: true, length: 1, late: linuxerr.EOPNOTSUPP, bits: bitShared | bitFile, gvFlags: linux.MAP_SHARED | MAP_SYNC, rounded: 1},
		{name: "shared validate anon", flags: mapSharedValidate | linux.MAP_ANONYMOUS, length: 1, late: linuxerr.EINVAL, bits: bitShared, gvFlags: linux.MAP_SHARED | linux.MAP_ANONYMOUS, rounded: 1},
		{name: "type 0", flags: linux.MAP_ANONYMOUS, length: 1, late: linuxerr.EINVAL, gvFlags: anon, rounded: 1},
		{name: "hugetlb default", flags: anon | linux.MAP_HUGETLB, length: 1, bits: bitHugetlb, gvFlags: anon | linux.MAP_HUGETLB, rounded: 2 << 20},
		{name: "hugetlb 1G", flags: anon | linux.MAP_HUGETLB | mapHuge1GB, length: 1 << 30, bits: bitHugetlb | bitHuge1G, gvFlags: anon | linux.MAP_HUGETLB | mapHuge1GB, rounded: 1 << 30},
		{name: "hugetlb bad size", flags: anon | linux.MAP_HUGETLB | 22<<MAP_HUGE_SHIFT, length: 1, err: linuxerr.EINVAL},
		{name: "hugetlb file", flags: linux.MAP_PRIVATE | linux.MAP_HUGETLB, file: true, length: 1, err: linuxerr.EINVAL},
		{name: "hugetlb growsdown", flags: anon | linux.MAP_HUGETLB | linux.MAP_GROWSDOWN, length: 1, late: linuxerr.EINVAL, bits: bitHugetlb, gvFlags: anon | linux.MAP_HUGETLB | linux.MAP_GROWSDOWN, rounded: 2 << 20},
		{name: "droppable", flags: mapDroppable | linux.MAP_ANONYMOUS, length: 1, bits: bitDroppable | bitNoReserve | bitWipeOnFork | bitDontDump, gvFlags: anon, rounded: 1},
		{name: "droppable locked", flags: mapDroppable | linux.MAP_ANONYMOUS | linux.MAP_LOCKED, length: 1, late: linuxerr.EINVAL, bits: bitDroppable | bitNoReserve | bitWipeOnFork | bitDontDump, gvFlags: anon, rounded: 1},
		{name: "droppable file", flags: mapDroppable, file: true, length: 1, late: linuxerr.EINVAL, bits: bitDroppable | bitNoReserve | bitWipeOnFork | bitDontDump | bitFile, gvFlags: linux.MAP_PRIVATE, rounded: 1},
		{name: "locked nonblock populate stack noreserve", flags: anon | linux.MAP_LOCKED | linux.MAP_NONBLOCK | linux.MAP_POPULATE | linux.MAP_STACK | linux.MAP_NORESERVE,
			length: 1, bits: bitNoHugePage | bitNoReserve, gvFlags: anon | linux.MAP_NONBLOCK | linux.MAP_STACK | linux.MAP_NORESERVE, rounded: 1},
	} {
		req := MMapRequest{Flags: tc.flags, Length: tc.length}
		p, err := planMap(&req, tc.file)
		if err != tc.err {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if p.late != tc.late || p.bits != tc.bits || p.flags != tc.gvFlags || req.Length != tc.rounded {
			t.Errorf("%s: plan late %v bits %#x flags %#x length %d; want %v %#x %#x %d", tc.name, p.late, p.bits, p.flags, req.Length, tc.late, tc.bits, tc.gvFlags, tc.rounded)
		}
	}
}

func TestHugeRules(t *testing.T) {
	const h = 2 << 20
	huge := vma{mask: bitHugetlb}
	at := func(start, end uint64) vma {
		v := huge
		v.ar = hostarch.AddrRange{Start: hostarch.Addr(start), End: hostarch.Addr(end)}
		return v
	}
	if hugeSplit([]vma{at(h, 3*h)}) || !hugeSplit([]vma{at(h, h+4096)}) || !hugeSplit([]vma{at(h+4096, 2*h)}) {
		t.Error("hugeSplit: wrong answer")
	}
	if hugeSplit([]vma{{ar: hostarch.AddrRange{Start: 4096, End: 8192}}}) {
		t.Error("hugeSplit of a small-page VMA")
	}
	if !hugeRemapRefused(bitHugetlb, h, 0, false, h, 2*h) || hugeRemapRefused(bitHugetlb, h, 0, false, h, h-4096) ||
		!hugeRemapRefused(bitHugetlb, h+4096, 0, false, h, h) || !hugeRemapRefused(bitHugetlb, h, 4096, true, h, h) {
		t.Error("hugeRemapRefused: wrong answer")
	}
	if got := hugeBlocks(hostarch.AddrRange{Start: 4096, End: 3*h + 4096}); got != (hostarch.AddrRange{Start: h, End: 3 * h}) {
		t.Errorf("hugeBlocks = %v", got)
	}
}

func TestResidency(t *testing.T) {
	r := residency{{Start: 0x1000, End: 0x3000}, {Start: 0x5000, End: 0x6000}}
	vec := make([]byte, 6)
	r.fill(hostarch.AddrRange{Start: 0x0, End: 0x6000}, vec)
	if string(vec) != "\x00\x01\x01\x00\x00\x01" {
		t.Errorf("fill = %v", vec)
	}
	if !r.any(hostarch.AddrRange{Start: 0x2000, End: 0x8000}) || r.any(hostarch.AddrRange{Start: 0x3000, End: 0x5000}) {
		t.Error("any: wrong answer")
	}
}

func TestVMAHeader(t *testing.T) {
	if a, ok := vmaHeader([]byte("7f0000001000-7f0000002000 rw-p 00000000 00:00 0\n")); !ok || a != 0x7f0000001000 {
		t.Errorf("vmaHeader = %#x, %v", a, ok)
	}
	for _, l := range []string{"VmFlags: rd wr\n", "Size:  4 kB\n", "-\n"} {
		if _, ok := vmaHeader([]byte(l)); ok {
			t.Errorf("vmaHeader(%q) parsed", l)
		}
	}
}
