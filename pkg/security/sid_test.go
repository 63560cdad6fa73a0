package security

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// unhex decodes a hex string with optional spaces.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// §3.1: string form, canonical formatting, binary layout.
func TestSIDParseFormat(t *testing.T) {
	for _, c := range []struct {
		in, out, bin string
	}{
		{"S-1-1-0", "S-1-1-0", "0101 000000000001 00000000"},
		{"S-1-5-18", "S-1-5-18", "0101 000000000005 12000000"},
		{"S-1-5-32-544", "S-1-5-32-544", "0102 000000000005 20000000 20020000"},
		{"S-1-16-8192", "S-1-16-8192", "0101 000000000010 00200000"},
		{"S-1-19-512-8192", "S-1-19-512-8192", "0102 000000000013 00020000 00200000"},
		{"S-1-5", "S-1-5", "0100 000000000005"},
		{"s-1-5-18", "S-1-5-18", "0101 000000000005 12000000"},
		{"S-1-0x000000000005-18", "S-1-5-18", "0101 000000000005 12000000"},
		{"S-1-0x5-18", "S-1-5-18", "0101 000000000005 12000000"},
		{"S-1-4294967295-1", "S-1-4294967295-1", "0101 0000ffffffff 01000000"},
		{"S-1-4294967296-1", "S-1-0x000100000000-1", "0101 000100000000 01000000"},
		{"S-1-0xFFFFFFFFFFFF", "S-1-0xffffffffffff", "0100 ffffffffffff"},
		{"S-1-281474976710655", "S-1-0xffffffffffff", "0100 ffffffffffff"},
		{"S-1-5-21-1-2-3-4294967295", "S-1-5-21-1-2-3-4294967295", "0105 000000000005 15000000 01000000 02000000 03000000 ffffffff"},
		{"S-1-5-018", "S-1-5-18", "0101 000000000005 12000000"},
		{"S-1-1-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", "S-1-1-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15",
			"010f 000000000001 01000000 02000000 03000000 04000000 05000000 06000000 07000000 08000000 09000000 0a000000 0b000000 0c000000 0d000000 0e000000 0f000000"},
	} {
		s, err := ParseSID(c.in)
		if err != nil {
			t.Errorf("ParseSID(%q): %v", c.in, err)
			continue
		}
		if got := s.String(); got != c.out {
			t.Errorf("ParseSID(%q).String() = %q, want %q", c.in, got, c.out)
		}
		if want := unhex(t, c.bin); !bytes.Equal(s.Bytes(), want) {
			t.Errorf("ParseSID(%q).Bytes() = %x, want %x", c.in, s.Bytes(), want)
		}
		back, err := ParseSIDBytes(s.Bytes())
		if err != nil || back != s {
			t.Errorf("ParseSIDBytes(%x) = %v, %v; want %v", s.Bytes(), back, err, s)
		}
	}
}

// §3.1: malformed strings are errors.
func TestSIDParseBad(t *testing.T) {
	for _, in := range []string{
		"", "S", "S-", "S-1", "S-1-", "S-2-5-18", "S-1-5-", "S-1--5", "X-1-5-18", "S-1-5-18-",
		"S-1-5-4294967296", "S-1-281474976710656", "S-1-0x1000000000000", "S-1-0x", "S-1-0xg",
		"S-1-5-+1", "S-1-5--1", "S-1-5-1a", "S-1-1-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
		"S-1-5-18 ", " S-1-5-18", "S-01-5-18", "S-1-0x00000000000005",
	} {
		if s, err := ParseSID(in); err == nil {
			t.Errorf("ParseSID(%q) = %v, want error", in, s)
		} else if !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSID(%q) error %v does not match ErrMalformed", in, err)
		}
	}
}

// §3.1: binary decoding is bounds-checked.
func TestDecodeSIDBad(t *testing.T) {
	for _, c := range []struct{ name, bin string }{
		{"empty", ""},
		{"short header", "0101 0000000000"},
		{"revision 2", "0201 000000000005 12000000"},
		{"16 subs", "0110 000000000005"},
		{"sub-authority missing", "0102 000000000005 20000000"},
		{"truncated sub-authority", "0101 000000000005 1200"},
	} {
		if _, _, err := DecodeSID(unhex(t, c.bin)); err == nil {
			t.Errorf("%s: DecodeSID succeeded", c.name)
		}
	}
	if _, err := ParseSIDBytes(unhex(t, "0101 000000000005 12000000 00")); err == nil {
		t.Errorf("ParseSIDBytes with a trailing byte succeeded")
	}
}

// §3.1: the label SIDs have exact sub-authority counts.
func TestSIDLabels(t *testing.T) {
	if l, ok := MustParseSID("S-1-16-12288").IntegrityLevel(); !ok || l != 12288 {
		t.Errorf("S-1-16-12288 level = %d, %v", l, ok)
	}
	for _, s := range []string{"S-1-16", "S-1-16-1-2", "S-1-5-18"} {
		if _, ok := MustParseSID(s).IntegrityLevel(); ok {
			t.Errorf("%s is not an integrity label", s)
		}
	}
	if ty, tr, ok := MustParseSID("S-1-19-1024-8192").TrustLabel(); !ok || ty != 1024 || tr != 8192 {
		t.Errorf("S-1-19-1024-8192 = %d, %d, %v", ty, tr, ok)
	}
	for _, s := range []string{"S-1-19-512", "S-1-19-1-2-3", "S-1-16-8192"} {
		if _, _, ok := MustParseSID(s).TrustLabel(); ok {
			t.Errorf("%s is not a trust label", s)
		}
	}
	if TrustLabelSID(PIPProtected, TrustPeiosTcb).String() != "S-1-19-512-8192" {
		t.Errorf("TrustLabelSID(Protected, PeiosTcb) = %v", TrustLabelSID(PIPProtected, TrustPeiosTcb))
	}
	if !(SID{}).IsZero() || SIDEveryone.IsZero() || SIDEveryone.String() != "S-1-1-0" {
		t.Errorf("zero/Everyone SIDs wrong")
	}
	if SIDAdministrators.RID() != 544 || SIDAdministrators.Len() != 16 {
		t.Errorf("Administrators RID %d len %d", SIDAdministrators.RID(), SIDAdministrators.Len())
	}
}
