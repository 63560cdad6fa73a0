package syscalls

import (
	"reflect"
	"testing"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/hostarch"
)

// TestFirstBytes checks the cut of process_vm_*'s local iovecs at the end
// of their accessible prefix, inside an iovec or at its edge.
func TestFirstBytes(t *testing.T) {
	r := func(start, end hostarch.Addr) hostarch.AddrRange { return hostarch.AddrRange{Start: start, End: end} }
	for _, c := range []struct {
		n    uint64
		want []hostarch.AddrRange
	}{
		{50, []hostarch.AddrRange{r(0x1000, 0x1032)}},
		{100, []hostarch.AddrRange{r(0x1000, 0x1064)}},
		{150, []hostarch.AddrRange{r(0x1000, 0x1064), r(0x3000, 0x3032)}},
		{300, []hostarch.AddrRange{r(0x1000, 0x1064), r(0x3000, 0x30c8)}},
		{1000, []hostarch.AddrRange{r(0x1000, 0x1064), r(0x3000, 0x30c8)}},
	} {
		iovs := []hostarch.AddrRange{r(0x1000, 0x1064), r(0x3000, 0x30c8)}
		if got := firstBytes(iovs, c.n); !reflect.DeepEqual(got, c.want) {
			t.Errorf("firstBytes(100+200 bytes, %d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// TestUserRange checks that a buffer is taken at most MAX_RW_COUNT long
// and that a wrapping one is empty (the call reports it).
func TestUserRange(t *testing.T) {
	if got := userRange(0x1000, 16); got.Length() != 16 || got.Start != 0x1000 {
		t.Errorf("userRange(0x1000, 16) = %v", got)
	}
	if got := userRange(0x1000, 1<<40); int(got.Length()) != linux.MAX_RW_COUNT {
		t.Errorf("userRange(0x1000, 1<<40) is %#x long, want MAX_RW_COUNT", got.Length())
	}
	if got := userRange(^hostarch.Addr(0)-8, 16); got.Length() != 0 {
		t.Errorf("userRange wrapping = %v, want empty", got)
	}
}
