package security

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// §24.10.1 payloads, incl. the §24.12 recipe values and §24.19 #7 sizes.
func TestQueryToken(t *testing.T) {
	tok := mustToken(t, "user="+userU+";group=S-1-5-21-1-2-3-513;groups=S-1-1-0,S-1-5-32-544:mandatory+default+enabled+owner,S-1-5-5-1-2:logon-id+mandatory+default+enabled;"+
		"privileges=SeDebugPrivilege:disabled,SeChangeNotifyPrivilege;integrity=High;owner=S-1-5-32-544")
	tok.MarkPrivilegeUsed(SeChangeNotifyPrivilege)
	q := func(c TokenClass) []byte {
		b, err := QueryToken(tok, c)
		if err != nil {
			t.Fatalf("class %d: %v", c, err)
		}
		return b
	}
	le := binary.LittleEndian
	if !bytes.Equal(q(TokenClassUser), MustParseSID(userU).Bytes()) {
		t.Errorf("USER %x", q(TokenClassUser))
	}
	p := q(TokenClassPrivileges)
	if len(p) != 32 || le.Uint64(p) != 1<<20|1<<23 || le.Uint64(p[8:]) != 1<<23 || le.Uint64(p[16:]) != 1<<23 || le.Uint64(p[24:]) != 1<<23 {
		t.Errorf("PRIVILEGES %x", p)
	}
	if b := q(TokenClassIntegrityLevel); !bytes.Equal(b, unhex(t, "0101 000000000010 00300000")) {
		t.Errorf("INTEGRITY_LEVEL %x", b)
	}
	if b := q(TokenClassType); !bytes.Equal(b, []byte{1, 0, 0, 0}) {
		t.Errorf("TYPE %x", b)
	}
	if b := q(TokenClassOwner); !bytes.Equal(b, SIDAdministrators.Bytes()) {
		t.Errorf("OWNER %x", b)
	}
	if b := q(TokenClassPrimaryGroup); !bytes.Equal(b, MustParseSID("S-1-5-21-1-2-3-513").Bytes()) {
		t.Errorf("PRIMARY_GROUP %x", b)
	}
	g := q(TokenClassGroups)
	want := unhex(t, "03000000"+
		"0c000000 0101000000000001 00000000 07000000"+
		"10000000 0102000000000005 20000000 20020000 0f000000"+
		"14000000 0103000000000005 05000000 01000000 02000000 070000c0")
	if !bytes.Equal(g, want) {
		t.Errorf("GROUPS\n got %x\nwant %x", g, want)
	}
	if b := q(TokenClassLogonSID); !bytes.Equal(b, MustParseSID("S-1-5-5-1-2").Bytes()) {
		t.Errorf("LOGON_SID %x", b)
	}
	if b := q(TokenClassMandatoryPolicy); !bytes.Equal(b, []byte{1, 0, 0, 0}) {
		t.Errorf("MANDATORY_POLICY %x", b)
	}
	if b := q(TokenClassImpersonationLevel); !bytes.Equal(b, []byte{0, 0, 0, 0}) {
		t.Errorf("IMPERSONATION_LEVEL %x", b)
	}
	st := q(TokenClassStatistics)
	if len(st) != 40 || le.Uint64(st) != tok.ID() || le.Uint64(st[8:]) != 1<<32|2 || le.Uint32(st[24:]) != 1 {
		t.Errorf("STATISTICS %x", st)
	}
	for c, n := range map[TokenClass]int{
		TokenClassSessionID: 4, TokenClassRestrictedSIDs: 4, TokenClassSource: 16, TokenClassOrigin: 8,
		TokenClassElevationType: 4, TokenClassDeviceGroups: 4, TokenClassAppContainerSID: 0, TokenClassCapabilities: 4,
		TokenClassLogonType: 4, TokenClassDefaultDACL: 0, TokenClassUserClaims: 0, TokenClassDeviceClaims: 0,
		TokenClassProjectedSupplementaryGIDs: 4,
	} {
		if b := q(c); len(b) != n {
			t.Errorf("class %d: %d bytes, want %d", c, len(b), n)
		}
	}
	for _, c := range []TokenClass{0, 25, 0xffffffff} {
		if _, err := QueryToken(tok, c); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("class %d: %v", c, err)
		}
	}
	imp := mustToken(t, tokenU+";type=impersonation;level=delegation")
	if b, _ := QueryToken(imp, TokenClassImpersonationLevel); !bytes.Equal(b, []byte{3, 0, 0, 0}) {
		t.Errorf("delegation level %x", b)
	}
	if b, _ := QueryToken(imp, TokenClassType); !bytes.Equal(b, []byte{2, 0, 0, 0}) {
		t.Errorf("impersonation type %x", b)
	}
}
