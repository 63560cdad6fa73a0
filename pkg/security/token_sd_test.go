package security

import (
	"errors"
	"testing"
)

// §24.7: the default token SD and what it grants (§24.19 #6).
func TestDefaultTokenSD(t *testing.T) {
	user := mustToken(t, tokenU)
	if got, want := sddlOf(t, user.SD()), "O:SYG:SYD:(A;;0xe8;;;"+userU+")(A;;0xf01ff;;;SY)(A;;0xf01ff;;;SY)"; got != want {
		t.Errorf("token SD of a user token\n got %s\nwant %s", got, want)
	}
	b, err := user.SD().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if ctl := uint16(b[2]) | uint16(b[3])<<8; ctl != 0x800F {
		t.Errorf("control %#x, want 0x800F", ctl)
	}
	if got, want := sddlOf(t, DefaultTokenSD(SIDLocalSystem, SIDLocalSystem)), "O:SYG:SYD:(A;;0x20000;;;OW)(A;;0xe8;;;SY)(A;;0xf01ff;;;SY)"; got != want {
		t.Errorf("token SD created by its own user\n got %s\nwant %s", got, want)
	}

	low := mustToken(t, tokenU+";integrity=Low")
	system := mustToken(t, "user=S-1-5-18;integrity=System")
	security := mustToken(t, tokenU+";privileges=SeSecurityPrivilege")
	for _, c := range []struct {
		name    string
		subject *Token
		target  *Token
		desired AccessMask
		want    AccessMask
		err     error
	}{
		{"query", user, user, TokenQuery, TokenQuery, nil},
		{"query+adjust", user, user, 0x28, 0x28, nil},
		{"duplicate", user, user, TokenDuplicate, 0, ErrAccessDenied},
		{"impersonate", user, user, TokenImpersonate, 0, ErrAccessDenied},
		{"read control", user, user, ReadControl, 0, ErrAccessDenied},
		{"write dac", user, user, WriteDAC, 0, ErrAccessDenied},
		{"generic read needs READ_CONTROL", user, user, GenericRead, 0, ErrAccessDenied},
		{"maximum allowed", user, user, MaximumAllowed, 0xE8, nil},
		{"maximum allowed and query", user, user, MaximumAllowed | TokenQuery, 0xE8, nil},
		{"maximum allowed and duplicate", user, user, MaximumAllowed | TokenDuplicate, 0, ErrAccessDenied},
		{"low: query", low, low, TokenQuery, TokenQuery, nil},
		{"low: adjust (implicit Medium label)", low, low, 0x28, 0, ErrAccessDenied},
		{"another user's token", user, mustToken(t, "user=S-1-5-21-1-2-3-1002"), TokenQuery, 0, ErrAccessDenied},
		{"SYSTEM: all access", system, system, TokenAllAccess, TokenAllAccess, nil},
		{"SYSTEM: another user's token", system, user, GenericAll, TokenAllAccess, nil},
		{"ACCESS_SYSTEM_SECURITY without SeSecurity", user, user, AccessSystemSecurity, 0, ErrAccessDenied},
		{"ACCESS_SYSTEM_SECURITY with SeSecurity", security, security, AccessSystemSecurity | TokenQuery, AccessSystemSecurity | TokenQuery, nil},
	} {
		got, err := TokenAccessCheck(c.subject, 0, 0, c.target, c.desired, 0)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s: err %v, want %v", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %#x, %v; want %#x", c.name, uint32(got), err, uint32(c.want))
		}
	}
}

// §24.8 step 2.
func TestCheckTokenOpenMask(t *testing.T) {
	for m, ok := range map[AccessMask]bool{
		0: false, Synchronize: false, 0x200: false, 0x00200000: false, 0x04000000: false,
		TokenQuery: true, TokenOpenMask: true, MaximumAllowed: true, GenericRead: true, AccessSystemSecurity: true,
	} {
		if err := CheckTokenOpenMask(m); (err == nil) != ok || (err != nil && !errors.Is(err, ErrInvalidArgument)) {
			t.Errorf("CheckTokenOpenMask(%#x) = %v, want ok=%v", uint32(m), err, ok)
		}
	}
}

// §24.14: setting the token SD bumps the modified id; a clone (fork) has
// its own copy.
func TestTokenSetSD(t *testing.T) {
	tok := mustToken(t, tokenU)
	before := tok.ModifiedID()
	sd := DefaultTokenSD(SIDLocalSystem, SIDLocalSystem)
	c := tok.Clone()
	tok.SetSD(sd)
	if tok.SD() != sd || tok.ModifiedID() != before+1 {
		t.Errorf("SetSD: sd %v, modified id %d (was %d)", tok.SD(), tok.ModifiedID(), before)
	}
	if c.SD() == sd {
		t.Error("a clone shares later SD changes")
	}
}

func sddlOf(t *testing.T, sd *SecurityDescriptor) string {
	t.Helper()
	s, err := sd.SDDL()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
