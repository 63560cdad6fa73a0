package security

import (
	"bytes"
	"errors"
	"testing"
)

// Worked example A of §24.6: "SYSTEM: GENERIC_ALL; Everyone: QUERY_LIMITED".
const exampleA = "01 00 04 80  00000000 00000000 00000000  14000000" +
	"02 00 30 00 02 00 00 00" +
	"00 00 14 00 00000010 01 01 00 00 00 00 00 05 12 00 00 00" +
	"00 00 14 00 00100000 01 01 00 00 00 00 00 01 00 00 00 00"

// Worked example B of §24.6: a Medium label with NO_READ_UP | NO_WRITE_UP.
const exampleB = "01 00 10 80  00000000 00000000  14000000  00000000" +
	"02 00 1C 00 01 00 00 00" +
	"11 00 14 00 03000000 01 01 00 00 00 00 00 10 00 20 00 00"

// The §24.5 default SD for user S-1-5-21-1-2-3-1001, group
// S-1-5-21-1-2-3-513, Medium: owner@20, group@48, SACL@76, DACL@104, 212
// bytes, control 0x801F.
const defaultSDBytes = "01 00 1f 80  14000000 30000000 4c000000 68000000" +
	// owner S-1-5-21-1-2-3-1001
	"0105 000000000005 15000000 01000000 02000000 03000000 e9030000" +
	// group S-1-5-21-1-2-3-513
	"0105 000000000005 15000000 01000000 02000000 03000000 01020000" +
	// SACL: rev 2, size 28, 1 ACE: ML, NO_WRITE_UP, S-1-16-8192
	"02 00 1c 00 01 00 00 00" +
	"11 00 14 00 02000000 0101 000000000010 00200000" +
	// DACL: rev 2, size 108, 4 ACEs
	"02 00 6c 00 04 00 00 00" +
	"00 00 24 00 00000010 0105 000000000005 15000000 01000000 02000000 03000000 e9030000" +
	"00 00 18 00 00000010 0102 000000000005 20000000 20020000" +
	"00 00 14 00 00000010 0101 000000000005 12000000" +
	"00 00 14 00 00100000 0101 000000000001 00000000"

// exampleToken is the token of the §24.6 C and §24.17 examples.
func exampleToken(t testing.TB) *Token {
	return MustNewToken(TokenInfo{
		User:            MustParseSID("S-1-5-21-1-2-3-1001"),
		PrimaryGroup:    MustParseSID("S-1-5-21-1-2-3-513"),
		Groups:          []Group{{SIDEveryone, GroupDefault}},
		IntegrityLevel:  IntegrityMedium,
		MandatoryPolicy: PolicyNoWriteUp,
	})
}

// §24.6 A and B parse to the documented structure and re-serialise to the
// same bytes.
func TestWorkedExamples(t *testing.T) {
	a := unhex(t, exampleA)
	if len(a) != 68 {
		t.Fatalf("example A is %d bytes, want 68", len(a))
	}
	sd, err := ParseSecurityDescriptor(a)
	if err != nil {
		t.Fatalf("example A: %v", err)
	}
	wantA := &SecurityDescriptor{Control: SelfRelative | DACLPresent, DACL: &ACL{Revision: 2, ACEs: []ACE{
		{Type: ACEAccessAllowed, Mask: GenericAll, SID: SIDLocalSystem},
		{Type: ACEAccessAllowed, Mask: ProcessQueryLimited, SID: SIDEveryone},
	}}}
	if !sd.Equal(wantA) {
		t.Errorf("example A parsed to %+v", sd)
	}
	if b, err := wantA.MarshalBinary(); err != nil || !bytes.Equal(b, a) {
		t.Errorf("example A serialises to %x, %v; want %x", b, err, a)
	}

	b := unhex(t, exampleB)
	if len(b) != 48 {
		t.Fatalf("example B is %d bytes, want 48", len(b))
	}
	sd, err = ParseSecurityDescriptor(b)
	if err != nil {
		t.Fatalf("example B: %v", err)
	}
	wantB := &SecurityDescriptor{Control: SelfRelative | SACLPresent, SACL: &ACL{Revision: 2, ACEs: []ACE{
		{Type: ACESystemMandatoryLabel, Mask: LabelNoReadUp | LabelNoWriteUp, SID: SIDMediumIntegrity},
	}}}
	if !sd.Equal(wantB) {
		t.Errorf("example B parsed to %+v", sd)
	}
	if out, err := wantB.MarshalBinary(); err != nil || !bytes.Equal(out, b) {
		t.Errorf("example B serialises to %x, %v; want %x", out, err, b)
	}
}

// §24.5: the stored default process SD, byte for byte; §24.6 C: the subset
// sizes 184 (0x07, control 0x800F) and 48 (0x10, control 0x8010).
func TestDefaultProcessSDBytes(t *testing.T) {
	tok := exampleToken(t)
	sd := DefaultProcessSD(tok)
	got, err := sd.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, defaultSDBytes)
	if !bytes.Equal(got, want) {
		t.Errorf("default SD\n got %x\nwant %x", got, want)
	}
	if back, err := ParseSecurityDescriptor(got); err != nil || !back.Equal(sd) {
		t.Errorf("default SD does not round-trip: %v", err)
	}

	for _, c := range []struct {
		si      SecurityInformation
		size    int
		control SDControl
	}{
		{OwnerSecurityInformation | GroupSecurityInformation | DACLSecurityInformation, 184, 0x800F},
		{LabelSecurityInformation, 48, 0x8010},
		{SACLSecurityInformation, 48, 0x8010},
		{OwnerSecurityInformation, 48, 0x8001},
		{DACLSecurityInformation, 128, 0x800C},
	} {
		sub := sd.Subset(c.si)
		b, err := sub.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != c.size || sub.control() != c.control {
			t.Errorf("Subset(%#x): %d bytes control %#x; want %d bytes control %#x", c.si, len(b), sub.control(), c.size, c.control)
		}
	}
	// The 0x07 subset lays out owner@20, group@48, DACL@76.
	b, _ := sd.Subset(0x07).MarshalBinary()
	if !bytes.Equal(b[4:20], unhex(t, "14000000 30000000 00000000 4c000000")) {
		t.Errorf("0x07 subset offsets %x", b[4:20])
	}
	// The 0x10 subset equals example-B layout with the default label.
	b, _ = sd.Subset(LabelSecurityInformation).MarshalBinary()
	if want := unhex(t, "01001080 00000000 00000000 14000000 00000000 02001c00 01000000 11001400 02000000 0101000000000010 00200000"); !bytes.Equal(b, want) {
		t.Errorf("label subset %x, want %x", b, want)
	}
}

// setByte returns a copy of b with b[i] = v.
func setByte(b []byte, i int, v byte) []byte {
	c := bytes.Clone(b)
	c[i] = v
	return c
}

// §3.4 and §24.4 step 8: malformed descriptors are errors (never panics).
func TestParseSDMalformed(t *testing.T) {
	a := unhex(t, exampleA)
	b := unhex(t, exampleB)
	big := make([]byte, 65536)
	copy(big, a)
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"19 bytes", a[:19]},
		{"65536 bytes", big},
		{"revision 2", setByte(a, 0, 2)},
		{"SELF_RELATIVE clear", setByte(a, 3, 0x00)},
		{"DACL_PRESENT with offset 0", setByte(a, 16, 0)},
		{"DACL offset without DACL_PRESENT", setByte(a, 2, 0x00)},
		{"DACL offset < 20", setByte(a, 16, 8)},
		{"DACL offset past end", setByte(a, 16, 68)},
		{"owner offset < 20", setByte(a, 4, 4)},
		{"owner offset past end", setByte(a, 4, 200)},
		{"owner SID does not fit", setByte(a, 4, 60)},
		{"AclSize too small", setByte(a, 22, 4)},
		{"AclSize past end", setByte(a, 22, 0x40)},
		{"AclSize with slack", append(setByte(a, 22, 0x34), 0, 0, 0, 0)},
		{"AceCount too high", setByte(a, 24, 3)},
		{"AceCount 65535", setByte(setByte(a, 24, 0xff), 25, 0xff)},
		{"AceCount too low", setByte(a, 24, 1)},
		{"AceSize not a multiple of 4", setByte(a, 30, 0x13)},
		{"AceSize 0", setByte(a, 30, 0)},
		{"AceSize past ACL", setByte(a, 30, 0x28)},
		{"ACE SID does not fill the ACE", setByte(setByte(a, 30, 0x18), 50, 0x10)},
		{"ACE SID sub-authority count too big", setByte(a, 37, 2)},
		{"ACE SID revision", setByte(a, 36, 2)},
		{"SACL_PRESENT with offset 0", setByte(b, 12, 0)},
		{"label SID count", setByte(b, 37, 3)},
		{"owner overlaps DACL", setByte(setByte(a, 4, 36), 2, 0x04)},
		{"DACL and SACL overlap", setByte(setByte(a, 12, 20), 2, 0x14)},
	} {
		if sd, err := ParseSecurityDescriptor(c.in); err == nil {
			t.Errorf("%s: parsed to %+v", c.name, sd)
		} else if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error %v does not match ErrMalformed", c.name, err)
		}
	}
}

// Well-formed variants that must parse and round-trip: slack bytes outside
// components, revision 4 ACLs, unknown and callback ACE types, object ACEs.
func TestParseSDVariants(t *testing.T) {
	a := unhex(t, exampleA)
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"trailing bytes", append(bytes.Clone(a), 1, 2, 3, 4)},
		{"ACL revision 4", setByte(a, 20, 4)},
		{"ACL revision 7 (not checked)", setByte(a, 20, 7)},
		{"RM control byte", setByte(a, 1, 0x5a)},
		{"unknown ACE type", setByte(a, 28, 0x42)},
		{"compound ACE type", setByte(a, 28, 0x04)},
		{"callback ACE with data", unhex(t, "01000480 00000000 00000000 00000000 14000000"+
			"02001c00 01000000 09001400 00000010 0101000000000001 00000000")},
		{"callback ACE with 8 bytes of data", unhex(t, "01000480 00000000 00000000 00000000 14000000"+
			"02002400 01000000 0a001c00 00000010 0101000000000001 00000000 61727478 00000000")},
		{"object ACE with GUID", unhex(t, "01000480 00000000 00000000 00000000 14000000"+
			"04003000 01000000 05002800 10000000 01000000 00112233445566778899aabbccddeeff 0101000000000001 00000000")},
		{"empty DACL", unhex(t, "01000480 00000000 00000000 00000000 14000000 02000800 00000000")},
		{"empty SACL and no DACL", unhex(t, "01001080 00000000 00000000 14000000 00000000 02000800 00000000")},
		{"reserved mask bits", setByte(a, 34, 0x20)},
	} {
		sd, err := ParseSecurityDescriptor(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		out, err := sd.MarshalBinary()
		if err != nil {
			t.Errorf("%s: serialise: %v", c.name, err)
			continue
		}
		back, err := ParseSecurityDescriptor(out)
		if err != nil || !back.Equal(sd) {
			t.Errorf("%s: round trip differs: %v", c.name, err)
		}
		if c.name != "trailing bytes" && !bytes.Equal(out, c.in) {
			t.Errorf("%s: serialised\n %x\nwant %x", c.name, out, c.in)
		}
	}
}

// §24.4 step 8 / §24.18 #5: kacs_set_sd rejects reserved bits and
// MAXIMUM_ALLOWED in single-SID ACE masks, but not in label masks.
func TestCheckMasks(t *testing.T) {
	for _, c := range []struct {
		ace ACE
		ok  bool
	}{
		{ACE{Type: ACEAccessAllowed, Mask: 0x1000, SID: SIDEveryone}, true},
		{ACE{Type: ACEAccessAllowed, Mask: 0x00200000, SID: SIDEveryone}, false},
		{ACE{Type: ACEAccessDenied, Mask: MaximumAllowed, SID: SIDEveryone}, false},
		{ACE{Type: ACESystemProcessTrustLabel, Mask: 0x08000000, SID: TrustLabelSID(512, 8192)}, false},
		{ACE{Type: ACESystemMandatoryLabel, Mask: 0xffffffff, SID: SIDHighIntegrity}, true},
		{ACE{Type: ACEAccessAllowedCallback, Mask: 0x00200000, SID: SIDEveryone}, true},
	} {
		sd := &SecurityDescriptor{DACL: NewACL(c.ace)}
		if err := sd.CheckMasks(); (err == nil) != c.ok {
			t.Errorf("CheckMasks(%+v) = %v, want ok=%v", c.ace, err, c.ok)
		}
	}
}

// §3.4: serialisation limits.
func TestMarshalTooLarge(t *testing.T) {
	aces := make([]ACE, 3300)
	for i := range aces {
		aces[i] = ACE{Type: ACEAccessAllowed, Mask: 1, SID: SIDEveryone}
	}
	sd := &SecurityDescriptor{Owner: SIDLocalSystem, DACL: NewACL(aces...)}
	if _, err := sd.MarshalBinary(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("66 KB ACL: %v, want ErrTooLarge", err)
	}
	sd = &SecurityDescriptor{DACL: NewACL(ACE{Type: ACEAccessAllowed})}
	if _, err := sd.MarshalBinary(); err == nil {
		t.Errorf("ACE without SID serialised")
	}
}
