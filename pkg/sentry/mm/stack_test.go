package mm

import (
	"testing"

	"gvisor.dev/gvisor/pkg/hostarch"
)

func TestParseMapsLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
		want smapsEntry
	}{
		{line: "7f0000000000-7f0000004000 rw-p 00000000 00:00 0 ", ok: true,
			want: smapsEntry{ar: hostarch.AddrRange{Start: 0x7f0000000000, End: 0x7f0000004000}, prot: hostarch.ReadWrite}},
		{line: "7ffc00000000-7ffc00800000 rw-p 00000000 00:00 0                          [stack]", ok: true,
			want: smapsEntry{ar: hostarch.AddrRange{Start: 0x7ffc00000000, End: 0x7ffc00800000}, prot: hostarch.ReadWrite, name: "[stack]"}},
		{line: "00400000-00401000 r-xp 00001000 08:01 1234   [anon:a name]", ok: true,
			want: smapsEntry{ar: hostarch.AddrRange{Start: 0x400000, End: 0x401000}, prot: hostarch.ReadExecute, name: "[anon:a name]"}},
		{line: "VmFlags: rd wr mr mw me gd ac"},
		{line: "Size:                 16 kB"},
		{line: "5000-4000 rw-p 00000000 00:00 0"},
	} {
		got, ok := parseMapsLine([]byte(tc.line))
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseMapsLine(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}
