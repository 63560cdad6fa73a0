package security

import (
	"errors"
	"strings"
	"testing"
)

// The token text form: parse, canonical output, round trip.
func TestTokenTextRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"user=" + userU,
			"user=" + userU + ";group=" + userU + ";groups=S-1-1-0,S-1-5-11,S-1-5-32-545;privileges=SeChangeNotifyPrivilege;integrity=Medium"},
		{"user=" + userU + ";group=S-1-5-21-1-2-3-513;groups=S-1-1-0,S-1-5-11;privileges=SeDebugPrivilege,SeLockMemoryPrivilege;integrity=S-1-16-8192",
			"user=" + userU + ";group=S-1-5-21-1-2-3-513;groups=S-1-1-0,S-1-5-11;privileges=SeLockMemoryPrivilege,SeDebugPrivilege;integrity=Medium"},
		{" user = " + userU + " ; groups = ; privileges = ; integrity = high ;",
			"user=" + userU + ";group=" + userU + ";groups=;privileges=;integrity=High"},
		{"user=" + userU + ":deny-only;groups=S-1-5-32-544:mandatory+default+enabled+owner,S-1-5-5-0-999:logon-id+mandatory+default+enabled,S-1-5-32-545:deny-only,S-1-2-0:0x100;owner=S-1-5-32-544;integrity=12345",
			"user=" + userU + ":deny-only;group=" + userU + ";groups=S-1-5-32-544:mandatory+default+enabled+owner,S-1-5-5-0-999:logon-id+mandatory+default+enabled,S-1-5-32-545:deny-only,S-1-2-0:0x100;privileges=SeChangeNotifyPrivilege;integrity=12345;owner=S-1-5-32-544"},
		{"user=" + userU + ";privileges=SeDebugPrivilege:disabled,setcbprivilege:enabled,SeBackupPrivilege:default,SeRestorePrivilege:default+enabled,40,0:disabled;integrity=LW",
			"user=" + userU + ";group=" + userU + ";groups=S-1-1-0,S-1-5-11,S-1-5-32-545;privileges=0:disabled,SeTcbPrivilege:enabled,SeBackupPrivilege:default,SeRestorePrivilege,SeDebugPrivilege:disabled,40;integrity=Low"},
		{"user=" + userU + ";type=impersonation;level=Identification;policy=no-write-up,new-process-min;restricted=S-1-1-0,S-1-5-32-545:deny-only;write-restricted=true;integrity=0",
			"user=" + userU + ";group=" + userU + ";groups=S-1-1-0,S-1-5-11,S-1-5-32-545;privileges=SeChangeNotifyPrivilege;integrity=Untrusted;type=impersonation;level=identification;policy=no-write-up,new-process-min;restricted=S-1-1-0,S-1-5-32-545:deny-only;write-restricted=true"},
		{"user=" + userU + ";type=impersonation;policy=;owner=" + userU,
			"user=" + userU + ";group=" + userU + ";groups=S-1-1-0,S-1-5-11,S-1-5-32-545;privileges=SeChangeNotifyPrivilege;integrity=Medium;type=impersonation;level=impersonation;policy="},
	} {
		ti, err := ParseTokenInfo(c.in)
		if err != nil {
			t.Errorf("ParseTokenInfo(%q): %v", c.in, err)
			continue
		}
		if got := ti.String(); got != c.out {
			t.Errorf("ParseTokenInfo(%q).String()\n got %s\nwant %s", c.in, got, c.out)
		}
		back, err := ParseTokenInfo(ti.String())
		if err != nil || !back.Equal(&ti) {
			t.Errorf("round trip of %q: %v", c.in, err)
		}
		tok, err := NewToken(ti)
		if err != nil || tok.String() != c.out {
			t.Errorf("token String() = %v, %v", tok, err)
		}
	}
}

// Errors name the field and the accepted form.
func TestTokenTextErrors(t *testing.T) {
	for _, c := range []struct{ in, field, want string }{
		{"", "user", "missing"},
		{"groups=S-1-1-0", "user", "missing"},
		{"user=S-1-5-x", "user", "SID:deny-only"},
		{"user=" + userU + ":admin", "user", "unknown user flag"},
		{"user=" + userU + ";user=" + userU, "user", "given twice"},
		{"user=" + userU + ";color=blue", "color", "one of user, group"},
		{"user=" + userU + ";groups", "", "key=value"},
		{"user=" + userU + ";group=nobody", "group", "bad SID"},
		{"user=" + userU + ";groups=S-1-1-0:bogus", "groups", "unknown group attribute"},
		{"user=" + userU + ";groups=S-1-1-0,,S-1-5-11", "groups", "bad SID"},
		{"user=" + userU + ";privileges=SeFlyPrivilege", "privileges", "SeDebugPrivilege"},
		{"user=" + userU + ";privileges=64", "privileges", "unknown privilege"},
		{"user=" + userU + ";privileges=SeDebugPrivilege,SeDebugPrivilege", "privileges", "twice"},
		{"user=" + userU + ";privileges=SeDebugPrivilege:on", "privileges", ":disabled"},
		{"user=" + userU + ";integrity=Meduim", "integrity", "Untrusted, Low, Medium, High, System"},
		{"user=" + userU + ";integrity=S-1-5-18", "integrity", "S-1-16-<n>"},
		{"user=" + userU + ";owner=S-1-1-0", "owner", "owner attribute"},
		{"user=" + userU + ";type=delegate", "type", "primary or impersonation"},
		{"user=" + userU + ";level=identification", "level", "type=impersonation"},
		{"user=" + userU + ";type=impersonation;level=root", "level", "anonymous, identification"},
		{"user=" + userU + ";policy=no-read-up", "policy", "no-write-up"},
		{"user=" + userU + ";write-restricted=yes", "write-restricted", "true or false"},
	} {
		_, err := ParseTokenInfo(c.in)
		var te *TokenTextError
		if !errors.As(err, &te) {
			t.Errorf("ParseTokenInfo(%q) = %v, want a TokenTextError", c.in, err)
			continue
		}
		if te.Field != c.field || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseTokenInfo(%q) error %q; want field %q mentioning %q", c.in, err, c.field, c.want)
		}
	}
	tooMany := "user=" + userU + ";groups=" + strings.Repeat("S-1-1-0,", 64) + "S-1-1-0"
	if _, err := ParseTokenInfo(tooMany); err == nil {
		t.Errorf("65 groups accepted")
	}
}

// D8: the default container token.
func TestDefaultContainerToken(t *testing.T) {
	tok, err := DefaultContainerToken(1000, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := "user=S-1-5-21-1348823407-1933799278-1952541038-2000;group=S-1-5-21-1348823407-1933799278-1952541038-1100;" +
		"groups=S-1-1-0,S-1-5-11,S-1-5-32-545;privileges=SeChangeNotifyPrivilege;integrity=Medium"
	if tok.String() != want {
		t.Errorf("DefaultContainerToken(1000, 100)\n got %s\nwant %s", tok, want)
	}
	if tok.Type() != TokenPrimary || tok.MandatoryPolicy() != PolicyNoWriteUp || tok.IntegrityLevel() != 8192 {
		t.Errorf("type %v policy %v integrity %v", tok.Type(), tok.MandatoryPolicy(), tok.IntegrityLevel())
	}
	for _, p := range []Privilege{SeDebugPrivilege, SeLockMemoryPrivilege, SeTcbPrivilege, SeRestorePrivilege, SeSecurityPrivilege} {
		if tok.PrivilegeEnabled(p) {
			t.Errorf("default token has %v", p)
		}
	}
	if !tok.PrivilegeEnabled(SeChangeNotifyPrivilege) {
		t.Errorf("default token lacks SeChangeNotifyPrivilege")
	}
	root, err := DefaultContainerToken(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if root.User().String() != "S-1-5-21-1348823407-1933799278-1952541038-1000" || root.User() == SIDLocalSystem {
		t.Errorf("root user %v", root.User())
	}
	gs := root.Groups()
	if len(gs) != 4 || gs[3].SID != SIDAdministrators || gs[3].Attributes != GroupDefault|GroupOwner {
		t.Errorf("root groups %v", gs)
	}
	if _, err := DefaultContainerToken(^uint32(0), 0); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("uid 2^32-1: %v", err)
	}
	if s, err := MachineSID(^uint32(0) - 1000); err != nil || s.RID() != ^uint32(0) {
		t.Errorf("largest uid: %v, %v", s, err)
	}
}

// §24.10.2: KACS_IOC_ADJUST_PRIVS semantics.
func TestAdjustPrivileges(t *testing.T) {
	newTok := func() *Token {
		return mustToken(t, tokenU+";privileges=SeDebugPrivilege:disabled,SeLockMemoryPrivilege,SeChangeNotifyPrivilege")
	}
	dbg, lock, cn := uint32(SeDebugPrivilege), uint32(SeLockMemoryPrivilege), uint32(SeChangeNotifyPrivilege)
	for _, c := range []struct {
		name    string
		changes []PrivilegeChange
		err     bool
		enabled uint64
		present uint64
	}{
		{"enable present", []PrivilegeChange{{dbg, PrivilegeEnable}}, false, 1<<20 | 1<<4 | 1<<23, 1<<20 | 1<<4 | 1<<23},
		{"disable", []PrivilegeChange{{lock, PrivilegeDisable}}, false, 1 << 23, 1<<20 | 1<<4 | 1<<23},
		{"remove", []PrivilegeChange{{lock, PrivilegeRemove}}, false, 1 << 23, 1<<20 | 1<<23},
		{"disable absent is fine", []PrivilegeChange{{7, PrivilegeDisable}, {8, PrivilegeRemove}}, false, 1<<4 | 1<<23, 1<<20 | 1<<4 | 1<<23},
		{"enable absent", []PrivilegeChange{{dbg, PrivilegeEnable}, {7, PrivilegeEnable}}, true, 0, 0},
		{"twice", []PrivilegeChange{{dbg, PrivilegeEnable}, {dbg, PrivilegeEnable}}, true, 0, 0},
		{"attributes 6", []PrivilegeChange{{dbg, 6}}, true, 0, 0},
		{"attributes 1", []PrivilegeChange{{dbg, 1}}, true, 0, 0},
		{"luid 64", []PrivilegeChange{{64, PrivilegeDisable}}, true, 0, 0},
		{"reset", []PrivilegeChange{{0, PrivilegeResetAll}}, false, 1<<4 | 1<<23, 1<<20 | 1<<4 | 1<<23},
		{"reset with two entries", []PrivilegeChange{{0, PrivilegeResetAll}, {cn, PrivilegeDisable}}, true, 0, 0},
		{"reset with luid", []PrivilegeChange{{4, PrivilegeResetAll}}, true, 0, 0},
		{"misplaced reset", []PrivilegeChange{{cn, PrivilegeDisable}, {0, PrivilegeResetAll}}, true, 0, 0},
		{"none", nil, true, 0, 0},
		{"65 entries", make([]PrivilegeChange, 65), true, 0, 0},
	} {
		tok := newTok()
		before := tok.Privileges()
		prev, err := tok.AdjustPrivileges(c.changes)
		after := tok.Privileges()
		if c.err {
			if !errors.Is(err, ErrInvalidArgument) || after != before || tok.ModifiedID() != 0 {
				t.Errorf("%s: err %v, state %+v -> %+v", c.name, err, before, after)
			}
			continue
		}
		if err != nil || prev != before.Enabled || after.Enabled != c.enabled || after.Present != c.present || tok.ModifiedID() != 1 {
			t.Errorf("%s: prev %#x err %v, state %+v", c.name, prev, err, after)
		}
	}
	// Removed privileges cannot come back; used is never touched.
	tok := newTok()
	tok.MarkPrivilegeUsed(SeLockMemoryPrivilege)
	if _, err := tok.AdjustPrivileges([]PrivilegeChange{{lock, PrivilegeRemove}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tok.AdjustPrivileges([]PrivilegeChange{{lock, PrivilegeEnable}}); err == nil {
		t.Errorf("re-enabled a removed privilege")
	}
	if tok.Privileges().Used != SeLockMemoryPrivilege.Mask() {
		t.Errorf("used changed: %#x", tok.Privileges().Used)
	}
	// Marking used does not bump the modified id.
	if id := tok.ModifiedID(); tok.UsePrivilege(SeChangeNotifyPrivilege) != true || tok.ModifiedID() != id {
		t.Errorf("UsePrivilege changed modified id")
	}
	if tok.UsePrivilege(SeDebugPrivilege) {
		t.Errorf("UsePrivilege on a disabled privilege")
	}
}

// Clones are independent (fork, §24.7).
func TestTokenClone(t *testing.T) {
	tok := mustToken(t, tokenU+";privileges=SeDebugPrivilege")
	c := tok.Clone()
	if c.ID() == tok.ID() || c.String() != tok.String() {
		t.Errorf("clone %v id %d vs %d", c, c.ID(), tok.ID())
	}
	if _, err := c.AdjustPrivileges([]PrivilegeChange{{uint32(SeDebugPrivilege), PrivilegeDisable}}); err != nil {
		t.Fatal(err)
	}
	if !tok.PrivilegeEnabled(SeDebugPrivilege) || c.PrivilegeEnabled(SeDebugPrivilege) {
		t.Errorf("clone not independent")
	}
}

// NewToken validation.
func TestNewTokenInvalid(t *testing.T) {
	u := MustParseSID(userU)
	for _, ti := range []TokenInfo{
		{},
		{User: u},
		{User: u, PrimaryGroup: u, Type: 3},
		{User: u, PrimaryGroup: u, ImpersonationLevel: LevelDelegation},
		{User: u, PrimaryGroup: u, Type: TokenImpersonation, ImpersonationLevel: 4},
		{User: u, PrimaryGroup: u, MandatoryPolicy: 4},
		{User: u, PrimaryGroup: u, Privileges: PrivilegeState{Enabled: 1}},
		{User: u, PrimaryGroup: u, Owner: SIDEveryone},
		{User: u, PrimaryGroup: u, Groups: []Group{{}}},
	} {
		if _, err := NewToken(ti); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("NewToken(%+v) = %v", ti, err)
		}
	}
}

// §3.8: capabilities are answered from privileges and mark them used.
func TestHasCapability(t *testing.T) {
	tok := mustToken(t, tokenU+";privileges=SeLockMemoryPrivilege,SeDebugPrivilege:disabled,SeTcbPrivilege")
	for _, c := range []struct {
		cap  int
		want bool
	}{
		{CapIPCLock, true}, {CapSysPtrace, false}, {CapSysAdmin, true}, {CapBPF, true},
		{CapSysNice, false}, {CapSetPCap, false}, {CapSetFCap, false}, {CapMACOverride, false}, {0, false},
	} {
		if got := tok.HasCapability(c.cap); got != c.want {
			t.Errorf("HasCapability(%d) = %v", c.cap, got)
		}
	}
	if u := tok.Privileges().Used; u != SeLockMemoryPrivilege.Mask()|SeTcbPrivilege.Mask() {
		t.Errorf("used %v", Privileges(u))
	}
}
