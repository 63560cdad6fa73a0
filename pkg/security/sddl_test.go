package security

import (
	"errors"
	"strings"
	"testing"
)

// §24.17: the example parses to the §24.5 default SD minus the *_DEFAULTED
// bits, which SDDL cannot express.
func TestSDDLDefaultSDExample(t *testing.T) {
	const text = "O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;GA;;;BA)(A;;GA;;;SY)(A;;0x1000;;;WD)S:(ML;;0x2;;;ME)"
	sd := mustSDDL(t, text)
	want := DefaultProcessSD(exampleToken(t))
	want.Control &^= OwnerDefaulted | GroupDefaulted | DACLDefaulted
	if !sd.Equal(want) {
		t.Errorf("parsed %+v\nwant %+v", sd, want)
	}
	out, err := DefaultProcessSD(exampleToken(t)).SDDL()
	if err != nil {
		t.Fatal(err)
	}
	const canon = "O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:(A;;0x10000000;;;S-1-5-21-1-2-3-1001)(A;;0x10000000;;;BA)(A;;0x10000000;;;SY)(A;;0x1000;;;WD)S:(ML;;0x2;;;ME)"
	if out != canon {
		t.Errorf("SDDL()\n got %s\nwant %s", out, canon)
	}
}

// SDDL parse and canonical format.
func TestSDDLParseFormat(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"", ""},
		{"O:BAG:SY", "O:BAG:SY"},
		{"O:S-1-5-18G:S-1-5-32-544", "O:SYG:BA"},
		{"D:", "D:"},
		{"S:", "S:"},
		{"D:NO_ACCESS_CONTROL", ""},
		{"D:PNO_ACCESS_CONTROL", "D:PNO_ACCESS_CONTROL"},
		{"D:PAIAR(A;;GA;;;WD)", "D:PAIAR(A;;0x10000000;;;WD)"},
		{"S:ARP(ML;;0x2;;;HI)", "S:PAR(ML;;0x2;;;HI)"},
		{"D:(A;OICINPIOIDSAFA;FA;;;AU)", "D:(A;OICINPIOIDSAFA;0x1f01ff;;;AU)"},
		{"D:(D;;4096;;;WD)(A;;0x30;;;S-1-5-21-1-2-3-1001)", "D:(D;;0x1000;;;WD)(A;;0x30;;;S-1-5-21-1-2-3-1001)"},
		{"D:(A;;;;;WD)", "D:(A;;0x0;;;WD)"},
		{"D:(A;;RCSDWDWO;;;WD)", "D:(A;;0xf0000;;;WD)"},
		{"D:(A;;0X1;;;WD)", "D:(A;;0x1;;;WD)"},
		{"S:(TL;;0x1000;;;S-1-19-512-8192)(ML;;0x7;;;S-1-16-0)", "S:(TL;;0x1000;;;S-1-19-512-8192)(ML;;0x7;;;S-1-16-0)"},
		{"S:(AU;SAFA;GA;;;WD)(AL;;0x1;;;WD)(SP;;0x0;;;S-1-17-1)", "S:(AU;SAFA;0x10000000;;;WD)(AL;;0x1;;;WD)(SP;;0x0;;;S-1-17-1)"},
		{"D:(OA;CI;0x10;00112233-4455-6677-8899-aabbccddeeff;;WD)", "D:(OA;CI;0x10;00112233-4455-6677-8899-AABBCCDDEEFF;;WD)"},
		{"D:(OD;;0x10;;00112233-4455-6677-8899-AABBCCDDEEFF;WD)", "D:(OD;;0x10;;00112233-4455-6677-8899-AABBCCDDEEFF;WD)"},
		{"D:(XA;;0x10;;;WD)(XD;;0x10;;;WD;)", "D:(XA;;0x10;;;WD)(XD;;0x10;;;WD)"},
		{"D:(ZA;;0x10;00112233-4455-6677-8899-AABBCCDDEEFF;;WD;)", "D:(ZA;;0x10;00112233-4455-6677-8899-AABBCCDDEEFF;;WD)"},
		{" O:BA \n D:(A;;GA;;;WD) (A;;GR;;;BU)\tS:", "O:BAD:(A;;0x10000000;;;WD)(A;;0x80000000;;;BU)S:"},
		{"O:S-1-0x000100000000-5D:", "O:S-1-0x000100000000-5D:"},
		{"O:S-1-5D:", "O:S-1-5D:"},
		{"S:(ML;;0x2;;;MP)", "S:(ML;;0x2;;;MP)"},
		{"D:(A;;0x1;;;CO)(A;;0x1;;;CG)(A;;0x1;;;OW)(A;;0x1;;;AC)(A;;0x1;;;RM)", "D:(A;;0x1;;;CO)(A;;0x1;;;CG)(A;;0x1;;;OW)(A;;0x1;;;AC)(A;;0x1;;;RM)"},
		{"G:SYO:BA", "O:BAG:SY"},
	} {
		sd, err := ParseSDDL(c.in)
		if err != nil {
			t.Errorf("ParseSDDL(%q): %v", c.in, err)
			continue
		}
		out, err := sd.SDDL()
		if err != nil || out != c.out {
			t.Errorf("ParseSDDL(%q).SDDL() = %q, %v; want %q", c.in, out, err, c.out)
			continue
		}
		back, err := ParseSDDL(out)
		if err != nil || !back.Equal(sd) {
			t.Errorf("%q does not round-trip: %v", c.in, err)
		}
		bin, err := sd.MarshalBinary()
		if err != nil {
			t.Errorf("%q: binary: %v", c.in, err)
			continue
		}
		fromBin, err := ParseSecurityDescriptor(bin)
		if err != nil || !fromBin.Equal(sd) {
			t.Errorf("%q: binary round trip: %v", c.in, err)
		}
	}
}

// Object ACEs need revision 4; others get 2.
func TestSDDLACLRevision(t *testing.T) {
	if r := mustSDDL(t, "D:(A;;0x1;;;WD)").DACL.Revision; r != 2 {
		t.Errorf("revision %d", r)
	}
	if r := mustSDDL(t, "D:(A;;0x1;;;WD)(OA;;0x1;;;WD)").DACL.Revision; r != 4 {
		t.Errorf("object ACE revision %d", r)
	}
}

// Domain- and machine-relative aliases.
func TestSDDLRelativeAliases(t *testing.T) {
	if _, err := ParseSDDL("O:DA"); err == nil || !strings.Contains(err.Error(), "domain SID") {
		t.Errorf("DA without a domain: %v", err)
	}
	if _, err := ParseSDDL("D:(A;;0x1;;;LA)"); err == nil || !strings.Contains(err.Error(), "machine SID") {
		t.Errorf("LA without a machine: %v", err)
	}
	o := SDDLOptions{Domain: MustParseSID("S-1-5-21-1-2-3"), Machine: MachineDomainSID}
	sd, err := o.Parse("O:DAG:DUD:(A;;0x1;;;LA)(A;;0x1;;;S-1-5-21-1-2-3-519)")
	if err != nil {
		t.Fatal(err)
	}
	if sd.Owner.String() != "S-1-5-21-1-2-3-512" || sd.Group.String() != "S-1-5-21-1-2-3-513" ||
		sd.DACL.ACEs[0].SID != MustParseSID(MachineDomainSID.String()+"-500") {
		t.Errorf("resolved %v %v %v", sd.Owner, sd.Group, sd.DACL.ACEs[0].SID)
	}
	out, err := o.Format(sd)
	if err != nil || out != "O:DAG:DUD:(A;;0x1;;;LA)(A;;0x1;;;EA)" {
		t.Errorf("Format = %q, %v", out, err)
	}
	if plain, _ := sd.SDDL(); !strings.HasPrefix(plain, "O:S-1-5-21-1-2-3-512G:") {
		t.Errorf("without options: %q", plain)
	}
}

// Bad SDDL is an error naming the place.
func TestSDDLErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"X:BA", "want O:, G:, D: or S:"},
		{"O", "want O:"},
		{"O:BAO:SY", "given twice"},
		{"O:ZZ", "unknown SID alias"},
		{"O:S-1-5-99999999999", "S-1-"},
		{"O:", "want a SID alias"},
		{"O:B", "want a SID alias"},
		{"D:(A;;GA;;;WD", "unterminated"},
		{"D:(A;;GA;;WD)", "fields"},
		{"D:(Q;;GA;;;WD)", "unknown ACE type"},
		{"D:(RA;;GA;;;WD)", "not supported"},
		{"D:(FL;;GA;;;WD)", "not supported"},
		{"D:(A;XX;GA;;;WD)", "unknown ACE flag"},
		{"D:(A;O;GA;;;WD)", "bad ACE flags"},
		{"D:(A;;QQ;;;WD)", "unknown rights code"},
		{"D:(A;;G;;;WD)", "bad rights"},
		{"S:(ML;;NW;;;HI)", "ambiguous"},
		{"S:(ML;;NR;;;HI)", "ambiguous"},
		{"S:(ML;;NX;;;HI)", "ambiguous"},
		{"D:(A;;0x100000000;;;WD)", "bad hex rights"},
		{"D:(A;;0xg;;;WD)", "bad hex rights"},
		{"D:(A;;99999999999;;;WD)", "exceed 32 bits"},
		{"D:(A;;GA;00112233-4455-6677-8899-AABBCCDDEEFF;;;WD)", "only object ACE types"},
		{"D:(OA;;GA;0011;;WD)", "GUID"},
		{"D:(A;;GA;;;)", "want a SID alias"},
		{"D:(A;;GA;;;wd)", "want a SID alias"},
		{"D:(A;;GA;;;S-1-5-)", "S-1-"},
		{"D:(A;;GA;;;WD;)", "only callback"},
		{"D:(XA;;GA;;;WD;(@User.x == 1))", "conditional expressions"},
		{"D:NO_ACCESS_CONTROL(A;;GA;;;WD)", "cannot have ACEs"},
		{"D:NO_ACCESS_CONTROLNO_ACCESS_CONTROL", "twice"},
		{"D:(A;;GA;;;WD)junk", "want O:"},
		{"D:(A;; GA;;;WD)", "rights"},
	} {
		_, err := ParseSDDL(c.in)
		var se *SDDLError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSDDL(%q) = %v; want an SDDLError mentioning %q", c.in, err, c.want)
		}
	}
}

// Descriptors SDDL cannot express.
func TestSDDLNotRepresentable(t *testing.T) {
	for _, a := range []ACE{
		{Type: 0x42, Opaque: []byte{1, 2, 3, 4}},
		{Type: ACESystemResourceAttribute, SID: SIDEveryone},
		{Type: ACEAccessAllowed, Flags: 0x20, SID: SIDEveryone},
		{Type: ACEAccessAllowedCallback, SID: SIDEveryone, ApplicationData: []byte("artx")},
		{Type: ACEAccessAllowedObject, ObjectFlags: 0x4, SID: SIDEveryone},
	} {
		sd := &SecurityDescriptor{DACL: NewACL(a)}
		if s, err := sd.SDDL(); !errors.Is(err, ErrNotRepresentable) {
			t.Errorf("SDDL of %+v = %q, %v", a, s, err)
		}
	}
}
