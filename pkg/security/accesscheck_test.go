package security

import (
	"errors"
	"testing"
)

// Test identities.
const (
	userU  = "S-1-5-21-1-2-3-1001"
	userO  = "S-1-5-21-1-2-3-1002"
	tokenU = "user=" + userU + ";groups=S-1-1-0"
)

// mustToken parses a token text form.
func mustToken(t testing.TB, s string) *Token {
	t.Helper()
	tok, err := ParseToken(s)
	if err != nil {
		t.Fatalf("ParseToken(%q): %v", s, err)
	}
	return tok
}

// mustSDDL parses SDDL.
func mustSDDL(t testing.TB, s string) *SecurityDescriptor {
	t.Helper()
	sd, err := ParseSDDL(s)
	if err != nil {
		t.Fatalf("ParseSDDL(%q): %v", s, err)
	}
	return sd
}

// §3.5: every step of the evaluation order, on process objects.
func TestAccessCheckOrder(t *testing.T) {
	const objGUID = "00112233-4455-6677-8899-AABBCCDDEEFF"
	for _, c := range []struct {
		name    string
		sd      string
		tok     string
		desired AccessMask
		intent  PrivilegeIntent
		pip     [2]uint32
		self    string
		want    AccessMask
		err     error
		trust   bool
		used    []Privilege
	}{
		// Argument checks and steps 1-3.
		{name: "reserved desired bits", sd: "O:" + userO + "D:(A;;GA;;;WD)", tok: tokenU, desired: 0x00200000, err: ErrInvalidArgument},
		{name: "identification level", sd: "O:" + userO + "D:(A;;GA;;;WD)", tok: tokenU + ";type=impersonation;level=identification", desired: 0x10, err: ErrAccessDenied},
		{name: "anonymous level", sd: "O:" + userO + "D:(A;;GA;;;WD)", tok: tokenU + ";type=impersonation;level=anonymous", desired: 0x10, err: ErrAccessDenied},
		{name: "impersonation level", sd: "O:" + userO + "D:(A;;GA;;;WD)", tok: tokenU + ";type=impersonation;level=impersonation", desired: 0x10, want: 0x10},
		{name: "SD without owner", sd: "D:(A;;GA;;;WD)", tok: tokenU, desired: 0x10, err: ErrMalformed},
		{name: "generic desired is mapped", sd: "O:" + userO + "D:(A;;0x20410;;;WD)", tok: tokenU, desired: GenericRead, want: 0x20410},
		{name: "generic desired partly granted", sd: "O:" + userO + "D:(A;;0x410;;;WD)", tok: tokenU, desired: GenericRead, want: 0x410, err: ErrAccessDenied},
		{name: "zero desired succeeds", sd: "O:" + userO + "D:", tok: tokenU, desired: 0, want: 0},

		// Step 5: ACCESS_SYSTEM_SECURITY only through SeSecurityPrivilege.
		{name: "ASS not from the DACL", sd: "O:" + userO + "D:(A;;0x1000000;;;WD)", tok: tokenU, desired: AccessSystemSecurity, err: ErrAccessDenied},
		{name: "ASS from SeSecurity", sd: "O:" + userO + "D:", tok: tokenU + ";privileges=SeSecurityPrivilege", desired: AccessSystemSecurity, want: AccessSystemSecurity, used: []Privilege{SeSecurityPrivilege}},
		{name: "ASS with SeSecurity disabled", sd: "O:" + userO + "D:", tok: tokenU + ";privileges=SeSecurityPrivilege:disabled", desired: AccessSystemSecurity, err: ErrAccessDenied},

		// Step 4/5: backup and restore need their intent.
		{name: "SeRestore without intent", sd: "O:" + userO + "D:", tok: tokenU + ";privileges=SeRestorePrivilege", desired: WriteDAC, err: ErrAccessDenied},
		{name: "SeRestore with intent", sd: "O:" + userO + "D:", tok: tokenU + ";privileges=SeRestorePrivilege", desired: WriteDAC | ProcessVMWrite, intent: IntentRestore, want: WriteDAC | ProcessVMWrite, used: []Privilege{SeRestorePrivilege}},
		{name: "SeBackup with intent", sd: "O:" + userO + "D:", tok: tokenU + ";privileges=SeBackupPrivilege", desired: GenericRead, intent: IntentBackup, want: 0x20410, used: []Privilege{SeBackupPrivilege}},
		{name: "SeBackup does not give write", sd: "O:" + userO + "D:", tok: tokenU + ";privileges=SeBackupPrivilege", desired: ProcessVMWrite, intent: IntentBackup, err: ErrAccessDenied},

		// Step 6: MIC before the DACL.
		{name: "MIC denies write up", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(ML;;0x2;;;HI)", tok: tokenU, desired: ProcessVMWrite, err: ErrAccessDenied},
		{name: "MIC allows read up", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(ML;;0x2;;;HI)", tok: tokenU, desired: ProcessVMRead, want: ProcessVMRead},
		{name: "implicit label is Medium NW", sd: "O:" + userO + "D:(A;;GA;;;WD)", tok: tokenU + ";integrity=Low", desired: ProcessVMWrite, err: ErrAccessDenied},
		{name: "implicit label, Medium caller", sd: "O:" + userO + "D:(A;;GA;;;WD)", tok: tokenU, desired: ProcessVMWrite, want: ProcessVMWrite},
		{name: "token without NO_WRITE_UP skips MIC", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(ML;;0x7;;;SI)", tok: tokenU + ";integrity=Low;policy=", desired: ProcessVMWrite, want: ProcessVMWrite},
		{name: "MIC keeps privilege grants", sd: "O:" + userO + "D:S:(ML;;0x7;;;SI)", tok: tokenU + ";integrity=Low;privileges=SeRestorePrivilege", desired: WriteDAC, intent: IntentRestore, want: WriteDAC, used: []Privilege{SeRestorePrivilege}},
		{name: "inherit-only label skipped", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(ML;IO;0x2;;;SI)(ML;;0x2;;;LW)", tok: tokenU, desired: ProcessVMWrite, want: ProcessVMWrite},
		{name: "bad label SID", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(ML;;0x2;;;WD)", tok: tokenU, desired: ProcessVMRead, err: ErrMalformed},

		// Step 6: PIP trust labels.
		{name: "trust label denies", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(TL;;0x1000;;;S-1-19-512-8192)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied, trust: true},
		{name: "trust label allows its mask", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(TL;;0x1000;;;S-1-19-512-8192)", tok: tokenU, desired: ProcessQueryLimited, want: ProcessQueryLimited},
		{name: "trust label dominated", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(TL;;0x1000;;;S-1-19-512-8192)", tok: tokenU, desired: ProcessVMRead, pip: [2]uint32{512, 8192}, want: ProcessVMRead},
		{name: "trust label, one axis short", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(TL;;0x1000;;;S-1-19-512-8192)", tok: tokenU, desired: ProcessVMRead, pip: [2]uint32{1024, 4096}, err: ErrAccessDenied, trust: true},
		{name: "trust label strips privileges", sd: "O:" + userO + "D:S:(TL;;0x0;;;S-1-19-512-1024)", tok: tokenU + ";privileges=SeRestorePrivilege", desired: WriteDAC, intent: IntentRestore, err: ErrAccessDenied, trust: true},
		{name: "trust label strips ASS", sd: "O:" + userO + "D:S:(TL;;GA;;;S-1-19-512-1024)", tok: tokenU + ";privileges=SeSecurityPrivilege", desired: AccessSystemSecurity, err: ErrAccessDenied, trust: true},
		{name: "trust label generic mask", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(TL;;GR;;;S-1-19-512-1024)", tok: tokenU, desired: ProcessVMRead | ProcessQueryInformation, want: 0x410},
		{name: "bad trust label SID", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(TL;;0x0;;;S-1-19-512)", tok: tokenU, desired: ProcessVMRead, err: ErrMalformed},

		// Steps 7-8: owner rights.
		{name: "owner implicit RC|WD", sd: "O:" + userU + "D:", tok: tokenU, desired: ReadControl | WriteDAC, want: ReadControl | WriteDAC},
		{name: "owner has no implicit WO", sd: "O:" + userU + "D:", tok: tokenU, desired: WriteOwner, err: ErrAccessDenied},
		{name: "owner via group", sd: "O:WDD:", tok: tokenU, desired: ReadControl, want: ReadControl},
		{name: "OWNER RIGHTS suppresses implicit", sd: "O:" + userU + "D:(A;;0x20000;;;OW)", tok: tokenU, desired: WriteDAC, err: ErrAccessDenied},
		{name: "OWNER RIGHTS grants", sd: "O:" + userU + "D:(A;;0x20010;;;OW)", tok: tokenU, desired: ReadControl | ProcessVMRead, want: ReadControl | ProcessVMRead},
		{name: "OWNER RIGHTS for non-owner", sd: "O:" + userO + "D:(A;;0x10;;;OW)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "inherit-only OWNER RIGHTS ignored", sd: "O:" + userU + "D:(A;IO;0x20000;;;OW)", tok: tokenU, desired: WriteDAC, want: WriteDAC},
		{name: "implicit rights precede the DACL", sd: "O:" + userU + "D:(D;;WD;;;WD)", tok: tokenU, desired: WriteDAC, want: WriteDAC},
		{name: "MIC beats implicit", sd: "O:" + userU + "D:S:(ML;;0x2;;;HI)", tok: tokenU, desired: WriteDAC, err: ErrAccessDenied},

		// Step 8: the DACL walk.
		{name: "deny first", sd: "O:" + userO + "D:(D;;0x10;;;WD)(A;;GA;;;WD)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "allow first", sd: "O:" + userO + "D:(A;;GA;;;WD)(D;;0x10;;;WD)", tok: tokenU, desired: ProcessVMRead, want: ProcessVMRead},
		{name: "partial deny", sd: "O:" + userO + "D:(D;;0x20;;;WD)(A;;GA;;;WD)", tok: tokenU, desired: 0x30, want: 0x10, err: ErrAccessDenied},
		{name: "inherit-only deny skipped", sd: "O:" + userO + "D:(D;IO;0x10;;;WD)(A;;GA;;;WD)", tok: tokenU, desired: ProcessVMRead, want: ProcessVMRead},
		{name: "allows accumulate", sd: "O:" + userO + "D:(A;;0x10;;;WD)(A;;0x20;;;" + userU + ")", tok: tokenU, desired: 0x30, want: 0x30},
		{name: "other SID does not match", sd: "O:" + userO + "D:(A;;GA;;;" + userO + ")", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "NULL DACL grants GENERIC_ALL", sd: "O:" + userO, tok: tokenU, desired: GenericAll, want: 0x000E1E73},
		{name: "NULL DACL not SYNCHRONIZE", sd: "O:" + userO, tok: tokenU, desired: Synchronize, err: ErrAccessDenied},
		{name: "NO_ACCESS_CONTROL", sd: "O:" + userO + "D:NO_ACCESS_CONTROL", tok: tokenU, desired: ProcessVMWrite, want: ProcessVMWrite},
		{name: "NULL DACL under MIC", sd: "O:" + userO + "S:(ML;;0x2;;;HI)", tok: tokenU, desired: ProcessVMWrite, err: ErrAccessDenied},
		{name: "empty DACL", sd: "O:" + userO + "D:", tok: tokenU, desired: ProcessQueryLimited, err: ErrAccessDenied},
		{name: "deny-only group matches deny", sd: "O:" + userO + "D:(D;;0x10;;;BA)(A;;0x10;;;WD)", tok: tokenU + ",S-1-5-32-544:deny-only", desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "deny-only group not allow", sd: "O:" + userO + "D:(A;;0x10;;;BA)", tok: tokenU + ",S-1-5-32-544:enabled+deny-only", desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "disabled group matches nothing", sd: "O:" + userO + "D:(D;;0x10;;;BA)(A;;0x10;;;WD)", tok: tokenU + ",S-1-5-32-544:mandatory", desired: ProcessVMRead, want: ProcessVMRead},
		{name: "disabled group does not allow", sd: "O:" + userO + "D:(A;;0x10;;;BA)", tok: tokenU + ",S-1-5-32-544:mandatory", desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "deny-only user not allow", sd: "O:" + userO + "D:(A;;0x10;;;" + userU + ")", tok: "user=" + userU + ":deny-only;groups=", desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "deny-only user matches deny", sd: "O:" + userO + "D:(D;;0x10;;;" + userU + ")(A;;0x10;;;WD)", tok: "user=" + userU + ":deny-only", desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "deny-only user is not owner", sd: "O:" + userU + "D:", tok: "user=" + userU + ":deny-only;groups=", desired: ReadControl, err: ErrAccessDenied},
		{name: "reserved ACE bits ignored", sd: "O:" + userO + "D:(A;;0x00200010;;;WD)", tok: tokenU, desired: MaximumAllowed, want: 0x10},
		{name: "generic ACE mask mapped", sd: "O:" + userO + "D:(A;;GX;;;WD)", tok: tokenU, desired: ProcessTerminate | ProcessQueryLimited, want: ProcessTerminate | ProcessQueryLimited},
		{name: "allow callback ignored", sd: "O:" + userO + "D:(XA;;0x10;;;WD)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "deny callback applies", sd: "O:" + userO + "D:(XD;;0x10;;;WD)(A;;0x10;;;WD)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "object ACE without type", sd: "O:" + userO + "D:(OA;;0x10;;;WD)", tok: tokenU, desired: ProcessVMRead, want: ProcessVMRead},
		{name: "object ACE with type skipped", sd: "O:" + userO + "D:(OA;;0x10;" + objGUID + ";;WD)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "object deny with type skipped", sd: "O:" + userO + "D:(OD;;0x10;" + objGUID + ";;WD)(A;;0x10;;;WD)", tok: tokenU, desired: ProcessVMRead, want: ProcessVMRead},
		{name: "audit ACE in DACL skipped", sd: "O:" + userO + "D:(AU;;0x10;;;WD)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},
		{name: "principal self", sd: "O:" + userO + "D:(A;;0x10;;;PS)", tok: tokenU, self: userU, desired: ProcessVMRead, want: ProcessVMRead},
		{name: "principal self unset", sd: "O:" + userO + "D:(A;;0x10;;;PS)", tok: tokenU, desired: ProcessVMRead, err: ErrAccessDenied},

		// Step 9: SeTakeOwnershipPrivilege.
		{name: "take ownership over a deny", sd: "O:" + userO + "D:(D;;WO;;;WD)", tok: tokenU + ";privileges=SeTakeOwnershipPrivilege", desired: WriteOwner, want: WriteOwner, used: []Privilege{SeTakeOwnershipPrivilege}},
		{name: "take ownership disabled", sd: "O:" + userO + "D:", tok: tokenU + ";privileges=SeTakeOwnershipPrivilege:disabled", desired: WriteOwner, err: ErrAccessDenied},
		{name: "take ownership not through MIC", sd: "O:" + userO + "D:S:(ML;;0x2;;;HI)", tok: tokenU + ";privileges=SeTakeOwnershipPrivilege", desired: WriteOwner, err: ErrAccessDenied},
		{name: "take ownership not through PIP", sd: "O:" + userO + "D:S:(TL;;0x0;;;S-1-19-512-1024)", tok: tokenU + ";privileges=SeTakeOwnershipPrivilege", desired: WriteOwner, err: ErrAccessDenied, trust: true},
		{name: "take ownership unused when DACL grants", sd: "O:" + userO + "D:(A;;WO;;;WD)", tok: tokenU + ";privileges=SeTakeOwnershipPrivilege", desired: WriteOwner, want: WriteOwner},
		{name: "relabel lets WO through MIC", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(ML;;0x2;;;HI)", tok: tokenU + ";privileges=SeRelabelPrivilege", desired: WriteOwner, want: WriteOwner, used: []Privilege{SeRelabelPrivilege}},
		{name: "relabel does not grant", sd: "O:" + userO + "D:S:(ML;;0x2;;;HI)", tok: tokenU + ";privileges=SeRelabelPrivilege", desired: WriteOwner, err: ErrAccessDenied},
		{name: "relabel unused without MIC", sd: "O:" + userO + "D:(A;;GA;;;WD)", tok: tokenU + ";privileges=SeRelabelPrivilege", desired: WriteOwner, want: WriteOwner},

		// Step 10: restricted tokens.
		{name: "restricted intersects", sd: "O:" + userO + "D:(A;;0x30;;;" + userU + ")(A;;0x10;;;WD)", tok: tokenU + ";restricted=S-1-1-0", desired: 0x30, want: 0x10, err: ErrAccessDenied},
		{name: "restricted allows", sd: "O:" + userO + "D:(A;;0x30;;;" + userU + ")(A;;0x10;;;WD)", tok: tokenU + ";restricted=S-1-1-0", desired: 0x10, want: 0x10},
		{name: "write-restricted reads freely", sd: "O:" + userO + "D:(A;;0x410;;;" + userU + ")", tok: tokenU + ";restricted=S-1-1-0;write-restricted=true", desired: 0x410, want: 0x410},
		{name: "write-restricted writes", sd: "O:" + userO + "D:(A;;0x20;;;" + userU + ")", tok: tokenU + ";restricted=S-1-1-0;write-restricted=true", desired: 0x20, err: ErrAccessDenied},
		{name: "restricted keeps privileges", sd: "O:" + userO + "D:", tok: tokenU + ";restricted=S-1-1-0;privileges=SeTakeOwnershipPrivilege", desired: WriteOwner, want: WriteOwner, used: []Privilege{SeTakeOwnershipPrivilege}},

		// Step 12 and MAXIMUM_ALLOWED.
		{name: "max allowed", sd: "O:" + userO + "D:(A;;0x1010;;;WD)", tok: tokenU, desired: MaximumAllowed, want: 0x1010},
		{name: "max allowed as owner", sd: "O:" + userU + "D:(A;;0x1010;;;WD)", tok: tokenU, desired: MaximumAllowed, want: 0x61010},
		{name: "max allowed with deny", sd: "O:" + userO + "D:(D;;0x10;;;WD)(A;;GA;;;WD)", tok: tokenU, desired: MaximumAllowed, want: 0xE1E63},
		{name: "max allowed under MIC", sd: "O:" + userO + "D:(A;;GA;;;WD)S:(ML;;0x2;;;HI)", tok: tokenU, desired: MaximumAllowed, want: 0x21C11},
		{name: "max allowed nothing", sd: "O:" + userO + "D:", tok: tokenU, desired: MaximumAllowed, err: ErrAccessDenied},
		{name: "max allowed plus missing bit", sd: "O:" + userO + "D:(A;;0x10;;;WD)", tok: tokenU, desired: MaximumAllowed | 0x20, want: 0x10, err: ErrAccessDenied},
		{name: "max allowed no ASS", sd: "O:" + userO + "D:(A;;0x10;;;WD)", tok: tokenU + ";privileges=SeSecurityPrivilege", desired: MaximumAllowed, want: 0x10},
		{name: "max allowed take ownership", sd: "O:" + userO + "D:(A;;0x10;;;WD)", tok: tokenU + ";privileges=SeTakeOwnershipPrivilege", desired: MaximumAllowed, want: 0x80010, used: []Privilege{SeTakeOwnershipPrivilege}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := mustToken(t, c.tok)
			req := &AccessRequest{SD: mustSDDL(t, c.sd), Token: tok, Desired: c.desired, Mapping: ProcessMapping,
				PIPType: c.pip[0], PIPTrust: c.pip[1], Intent: c.intent}
			if c.self != "" {
				req.SelfSID = MustParseSID(c.self)
			}
			got, err := AccessCheck(req)
			if c.err == nil && err != nil || c.err != nil && !errors.Is(err, c.err) {
				t.Fatalf("AccessCheck = %#x, %v; want error %v", got, err, c.err)
			}
			if got != c.want {
				t.Errorf("granted %#x, want %#x", got, c.want)
			}
			var ade *AccessDeniedError
			if errors.As(err, &ade) && ade.TrustLabel != c.trust {
				t.Errorf("TrustLabel = %v, want %v (%v)", ade.TrustLabel, c.trust, err)
			}
			var want uint64
			for _, p := range c.used {
				want |= p.Mask()
			}
			if u := tok.Privileges().Used; u != want {
				t.Errorf("used privileges %v, want %v", Privileges(u), c.used)
			}
		})
	}
}

// §3.5 step 0: a dead logon session fails every check.
func TestAccessCheckLogonDead(t *testing.T) {
	tok := mustToken(t, tokenU+";privileges=SeDebugPrivilege,SeTakeOwnershipPrivilege")
	sd := mustSDDL(t, "O:"+userU+"D:(A;;GA;;;WD)")
	if _, err := AccessCheck(&AccessRequest{SD: sd, Token: tok, Desired: 0x10, Mapping: ProcessMapping}); err != nil {
		t.Fatalf("live session: %v", err)
	}
	tok.SetLogonSessionDead()
	for _, d := range []AccessMask{0, 0x10, MaximumAllowed, WriteOwner} {
		if _, err := AccessCheck(&AccessRequest{SD: sd, Token: tok, Desired: d, Mapping: ProcessMapping}); !errors.Is(err, ErrAccessDenied) {
			t.Errorf("dead session, desired %#x: %v", d, err)
		}
	}
}

// §3.4: unknown ACE types are skipped during evaluation and preserved.
func TestAccessCheckUnknownACE(t *testing.T) {
	sd := &SecurityDescriptor{Owner: MustParseSID(userO), DACL: NewACL(
		ACE{Type: 0x42, Opaque: []byte{1, 0, 0, 0, 0x10, 0, 0, 0}},
		ACE{Type: ACEAccessAllowed, Mask: 0x10, SID: SIDEveryone},
	)}
	got, err := AccessCheck(&AccessRequest{SD: sd, Token: mustToken(t, tokenU), Desired: 0x10, Mapping: ProcessMapping})
	if err != nil || got != 0x10 {
		t.Errorf("AccessCheck = %#x, %v", got, err)
	}
	if _, err := AccessCheck(&AccessRequest{SD: nil, Token: mustToken(t, tokenU), Desired: 0x10}); !errors.Is(err, ErrMalformed) {
		t.Errorf("nil SD: %v", err)
	}
	if _, err := AccessCheck(&AccessRequest{SD: sd}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil token: %v", err)
	}
}
