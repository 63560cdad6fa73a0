package security

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// fuzzSDSeeds are binary seeds: the worked examples and the default SD.
func fuzzSDSeeds(f *testing.F) {
	for _, h := range []string{exampleA, exampleB, defaultSDBytes} {
		b, _ := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		f.Add(b)
	}
	for _, s := range []string{
		"O:BAG:SYD:PAI(A;OICI;GA;;;WD)(D;;0x20;;;BU)(OA;;0x10;00112233-4455-6677-8899-AABBCCDDEEFF;;WD)(XD;;0x1;;;AU)S:(ML;;0x7;;;HI)(TL;;0x1000;;;S-1-19-512-8192)",
		"O:S-1-0x000100000000-1D:NO_ACCESS_CONTROLS:",
	} {
		sd, _ := ParseSDDL(s)
		b, _ := sd.MarshalBinary()
		f.Add(b)
	}
}

// FuzzParseSecurityDescriptor: any input parses or fails without panicking;
// what parses re-serialises and re-parses to the same value, and can be
// evaluated, subset and formatted without panicking.
func FuzzParseSecurityDescriptor(f *testing.F) {
	fuzzSDSeeds(f)
	tok := MustNewToken(TokenInfo{User: MustParseSID(userU), PrimaryGroup: MustParseSID(userU),
		Groups: []Group{{SIDEveryone, GroupDefault}, {SIDAdministrators, GroupUseForDenyOnly}}, IntegrityLevel: IntegrityLow,
		MandatoryPolicy: PolicyNoWriteUp, Privileges: PrivilegeState{Present: ^uint64(0), Enabled: ^uint64(0)},
		RestrictedSIDs: []Group{{SIDEveryone, GroupDefault}}})
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := ParseSecurityDescriptor(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		out, err := sd.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed SD does not serialise: %v", err)
		}
		if len(out) > len(b) {
			t.Fatalf("serialised %d bytes from %d", len(out), len(b))
		}
		back, err := ParseSecurityDescriptor(out)
		if err != nil {
			t.Fatalf("re-parse: %v\n%x", err, out)
		}
		if !back.Equal(sd) {
			t.Fatalf("round trip differs:\n%+v\n%+v", sd, back)
		}
		for _, d := range []AccessMask{ProcessVMRead, MaximumAllowed, GenericAll | AccessSystemSecurity} {
			AccessCheck(&AccessRequest{SD: sd, Token: tok, Desired: d, Mapping: ProcessMapping, PIPType: 512, PIPTrust: 1024, Intent: IntentBackup | IntentRestore})
		}
		for si := SecurityInformation(1); si <= 0x17; si++ {
			if si.Validate() == nil {
				if _, err := sd.Subset(si).MarshalBinary(); err != nil {
					t.Fatalf("subset %#x: %v", si, err)
				}
			}
		}
		_ = sd.CheckMasks()
		if s, err := sd.SDDL(); err == nil {
			if _, err := ParseSDDL(s); err != nil {
				t.Fatalf("formatted SDDL %q does not parse: %v", s, err)
			}
		}
	})
}

// FuzzParseSDDL: any text parses or fails without panicking; what parses
// formats, and the text re-parses to the same value; the binary form
// round-trips too.
func FuzzParseSDDL(f *testing.F) {
	for _, s := range []string{
		"O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;GA;;;BA)(A;;GA;;;SY)(A;;0x1000;;;WD)S:(ML;;0x2;;;ME)",
		"D:PAIAR(A;OICINPIOIDSAFA;FA;;;AU)(D;;4096;;;WD)",
		"S:(TL;;0x1000;;;S-1-19-512-8192)(AU;SA;GA;;;WD)",
		"D:(OA;CI;0x10;00112233-4455-6677-8899-aabbccddeeff;00112233-4455-6677-8899-aabbccddeeff;WD)(ZA;;0x1;;;WD;)",
		"D:NO_ACCESS_CONTROL",
		"O:S-1-0x000100000000-5D:",
		" O:BA \n D:(A;;GA;;;WD) (A;;GR;;;BU)\tS:",
		"S:(ML;;NW;;;HI)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sd, err := ParseSDDL(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		text, err := sd.SDDL()
		if err != nil {
			t.Fatalf("parsed SDDL does not format: %v", err)
		}
		back, err := ParseSDDL(text)
		if err != nil {
			t.Fatalf("formatted %q does not parse: %v", text, err)
		}
		if !back.Equal(sd) {
			t.Fatalf("text round trip differs for %q -> %q", s, text)
		}
		if again, _ := back.SDDL(); again != text {
			t.Fatalf("formatting is not stable: %q then %q", text, again)
		}
		b, err := sd.MarshalBinary()
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return
			}
			t.Fatalf("binary: %v", err)
		}
		fromBin, err := ParseSecurityDescriptor(b)
		if err != nil || !fromBin.Equal(sd) {
			t.Fatalf("binary round trip: %v", err)
		}
	})
}

// FuzzParseToken: any text parses or fails without panicking; what parses
// formats canonically and re-parses to the same value.
func FuzzParseToken(f *testing.F) {
	for _, s := range []string{
		"user=S-1-5-21-1-2-3-1001",
		"user=S-1-5-21-1-2-3-1001;groups=S-1-1-0,S-1-5-11;privileges=SeDebugPrivilege,SeLockMemoryPrivilege;integrity=S-1-16-8192",
		"user=S-1-5-21-1-2-3-1001:deny-only;groups=S-1-5-32-544:mandatory+owner,S-1-2-0:0x100;owner=S-1-5-32-544;privileges=SeTcbPrivilege:enabled,40:disabled;integrity=High",
		"user=S-1-5-18;type=impersonation;level=identification;policy=;restricted=S-1-1-0;write-restricted=true",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ti, err := ParseTokenInfo(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		text := ti.String()
		back, err := ParseTokenInfo(text)
		if err != nil {
			t.Fatalf("canonical %q does not parse: %v", text, err)
		}
		if !back.Equal(&ti) {
			t.Fatalf("round trip differs for %q -> %q", s, text)
		}
		if back.String() != text {
			t.Fatalf("canonical form is not stable: %q then %q", text, back.String())
		}
		if _, err := NewToken(ti); err != nil {
			t.Fatalf("NewToken: %v", err)
		}
	})
}

// FuzzParseSID: string and binary forms round-trip.
func FuzzParseSID(f *testing.F) {
	for _, s := range []string{"S-1-5-18", "S-1-0xffffffffffff-1-2", "s-1-5", "S-1-5-32-544"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sid, err := ParseSID(s)
		if err != nil {
			return
		}
		back, err := ParseSID(sid.String())
		if err != nil || back != sid {
			t.Fatalf("%q -> %q: %v", s, sid.String(), err)
		}
		if b, err := ParseSIDBytes(sid.Bytes()); err != nil || b != sid {
			t.Fatalf("binary round trip of %q: %v", s, err)
		}
	})
}
