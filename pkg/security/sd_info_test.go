package security

import (
	"errors"
	"testing"
)

// §24.3 step 1 and the right tables.
func TestSecurityInformation(t *testing.T) {
	for _, c := range []struct {
		si       SecurityInformation
		ok       bool
		get, set AccessMask
	}{
		{0x01, true, ReadControl, WriteOwner},
		{0x02, true, ReadControl, WriteOwner},
		{0x04, true, ReadControl, WriteDAC},
		{0x08, true, AccessSystemSecurity, AccessSystemSecurity},
		{0x10, true, ReadControl, WriteOwner},
		{0x07, true, ReadControl, WriteOwner | WriteDAC},
		{0x0f, true, ReadControl | AccessSystemSecurity, WriteOwner | WriteDAC | AccessSystemSecurity},
		{0x00, false, 0, 0},
		{0x18, false, 0, 0},
		{0x20, false, 0, 0},
	} {
		if err := c.si.Validate(); (err == nil) != c.ok {
			t.Errorf("Validate(%#x) = %v", c.si, err)
		}
		if c.ok && (c.si.GetAccess() != c.get || c.si.SetAccess() != c.set) {
			t.Errorf("%#x: get %#x set %#x", c.si, c.si.GetAccess(), c.si.SetAccess())
		}
	}
}

// §24.4 step 9: merging components, with the owner and label checks.
func TestMergeForSet(t *testing.T) {
	cur := DefaultProcessSD(exampleToken(t))
	medium := exampleToken(t)
	for _, c := range []struct {
		name  string
		input string
		si    SecurityInformation
		tok   string
		err   error
		check func(t *testing.T, sd *SecurityDescriptor)
		used  Privilege
	}{
		{name: "example A replaces the DACL", input: "D:(A;;GA;;;SY)(A;;0x1000;;;WD)", si: 0x04, check: func(t *testing.T, sd *SecurityDescriptor) {
			if !sd.DACL.Equal(mustSDDL(t, "D:(A;;GA;;;SY)(A;;0x1000;;;WD)").DACL) || sd.Owner != cur.Owner || !sd.SACL.Equal(cur.SACL) {
				t.Errorf("merged %+v", sd)
			}
			if sd.Control != SelfRelative|OwnerDefaulted|GroupDefaulted|DACLPresent|SACLPresent {
				t.Errorf("control %#x", sd.Control)
			}
		}},
		{name: "NULL DACL", input: "O:SY", si: 0x04, check: func(t *testing.T, sd *SecurityDescriptor) {
			if sd.DACL != nil || sd.control()&DACLPresent != 0 {
				t.Errorf("DACL %+v", sd.DACL)
			}
		}},
		{name: "DACL flags follow", input: "D:PAI(A;;GA;;;SY)", si: 0x04, check: func(t *testing.T, sd *SecurityDescriptor) {
			if sd.Control&(DACLProtected|DACLAutoInherited|DACLDefaulted) != DACLProtected|DACLAutoInherited {
				t.Errorf("control %#x", sd.Control)
			}
		}},
		{name: "owner must be given", input: "G:SY", si: 0x01, err: ErrInvalidArgument},
		{name: "owner self", input: "O:" + userU, si: 0x01, check: func(t *testing.T, sd *SecurityDescriptor) {
			if sd.Owner.String() != userU || sd.Control&OwnerDefaulted != 0 {
				t.Errorf("owner %v control %#x", sd.Owner, sd.Control)
			}
		}},
		{name: "owner SYSTEM denied", input: "O:SY", si: 0x01, err: ErrAccessDenied},
		{name: "owner SYSTEM with SeRestore", input: "O:SY", si: 0x01, tok: tokenU + ";privileges=SeRestorePrivilege", used: SeRestorePrivilege},
		{name: "owner group with owner attribute", input: "O:BA", si: 0x01, tok: tokenU + ",S-1-5-32-544:mandatory+owner"},
		{name: "owner group without owner attribute", input: "O:BA", si: 0x01, tok: tokenU + ",S-1-5-32-544", err: ErrAccessDenied},
		{name: "group replaced", input: "G:BA", si: 0x02, check: func(t *testing.T, sd *SecurityDescriptor) {
			if sd.Group != SIDAdministrators {
				t.Errorf("group %v", sd.Group)
			}
		}},
		{name: "group removed", input: "D:", si: 0x02, check: func(t *testing.T, sd *SecurityDescriptor) {
			if !sd.Group.IsZero() {
				t.Errorf("group %v", sd.Group)
			}
		}},
		{name: "label example B", input: "S:(ML;;0x3;;;ME)", si: 0x10, check: func(t *testing.T, sd *SecurityDescriptor) {
			if !sd.SACL.Equal(mustSDDL(t, "S:(ML;;0x3;;;ME)").SACL) {
				t.Errorf("SACL %+v", sd.SACL)
			}
		}},
		{name: "label High from Medium", input: "S:(ML;;0x2;;;HI)", si: 0x10, err: ErrAccessDenied},
		{name: "label High with SeRelabel", input: "S:(ML;;0x2;;;HI)", si: 0x10, tok: tokenU + ";privileges=SeRelabelPrivilege", used: SeRelabelPrivilege},
		{name: "label Low", input: "S:(ML;;0x2;;;LW)", si: 0x10},
		{name: "label two ACEs", input: "S:(ML;;0x2;;;LW)(ML;;0x2;;;LW)", si: 0x10, err: ErrInvalidArgument},
		{name: "label inherit-only", input: "S:(ML;IO;0x2;;;LW)", si: 0x10, err: ErrInvalidArgument},
		{name: "label wrong type", input: "S:(AU;SA;0x2;;;WD)", si: 0x10, err: ErrInvalidArgument},
		{name: "label MP level", input: "S:(ML;;0x2;;;MP)", si: 0x10, err: ErrInvalidArgument},
		{name: "label removed", input: "D:", si: 0x10, check: func(t *testing.T, sd *SecurityDescriptor) {
			if sd.SACL != nil || sd.control()&SACLPresent != 0 {
				t.Errorf("SACL %+v", sd.SACL)
			}
		}},
		{name: "SACL with two labels", input: "S:(ML;;0x2;;;LW)(ML;;0x2;;;LW)", si: 0x08, err: ErrInvalidArgument},
		{name: "SACL with audit and label", input: "S:(AU;SA;0x10;;;WD)(ML;IO;0x2;;;SI)(ML;;0x1;;;LW)", si: 0x08},
		{name: "SACL label above", input: "S:(ML;;0x1;;;SI)", si: 0x08, err: ErrAccessDenied},
		{name: "bad selector", input: "D:", si: 0x18, err: ErrInvalidArgument},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := medium
			if c.tok != "" {
				tok = mustToken(t, c.tok)
			}
			sd, err := MergeForSet(cur, mustSDDL(t, c.input), c.si, tok)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err %v, want %v", err, c.err)
				}
				if tok.Privileges().Used != 0 {
					t.Errorf("privileges marked used on failure")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.check != nil {
				c.check(t, sd)
			}
			if c.used != 0 && tok.Privileges().Used != c.used.Mask() {
				t.Errorf("used %#x, want %v", tok.Privileges().Used, c.used)
			}
			if _, err := sd.MarshalBinary(); err != nil {
				t.Errorf("merged SD does not serialise: %v", err)
			}
		})
	}
	if !cur.Equal(DefaultProcessSD(exampleToken(t))) {
		t.Errorf("MergeForSet modified the current SD")
	}
}

// §24.4 step 9 LABEL: the new label goes first, every old label (inherit-only
// ones included) goes, other SACL ACEs stay in order.
func TestMergeLabelKeepsOtherACEs(t *testing.T) {
	cur := mustSDDL(t, "O:"+userU+"S:(AU;SA;0x10;;;WD)(ML;IO;0x1;;;LW)(ML;;0x2;;;ME)(AU;FA;0x20;;;WD)")
	cur.SACL.Revision = 4
	sd, err := MergeForSet(cur, mustSDDL(t, "S:(ML;;0x7;;;LW)"), LabelSecurityInformation, exampleToken(t))
	if err != nil {
		t.Fatal(err)
	}
	want := mustSDDL(t, "S:(ML;;0x7;;;LW)(AU;SA;0x10;;;WD)(AU;FA;0x20;;;WD)").SACL
	want.Revision = 4
	if !sd.SACL.Equal(want) {
		t.Errorf("SACL %+v", sd.SACL)
	}
}

// §24.4 step 9 SACL (a): mandatory resource attributes stay unless SeTcb.
func TestMergeMandatoryClaim(t *testing.T) {
	claim := ACE{Type: ACESystemResourceAttribute, SID: SIDEveryone, ApplicationData: []byte{0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0}}
	cur := &SecurityDescriptor{Owner: MustParseSID(userU), SACL: NewACL(claim)}
	in := &SecurityDescriptor{SACL: NewACL()}
	if _, err := MergeForSet(cur, in, SACLSecurityInformation, exampleToken(t)); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("dropping a mandatory claim: %v", err)
	}
	tcb := mustToken(t, tokenU+";privileges=SeTcbPrivilege")
	if _, err := MergeForSet(cur, in, SACLSecurityInformation, tcb); err != nil || tcb.Privileges().Used != SeTcbPrivilege.Mask() {
		t.Errorf("with SeTcb: %v", err)
	}
	keep := &SecurityDescriptor{SACL: NewACL(claim, ACE{Type: ACESystemAudit, Mask: 1, SID: SIDEveryone})}
	if _, err := MergeForSet(cur, keep, SACLSecurityInformation, exampleToken(t)); err != nil {
		t.Errorf("keeping the claim: %v", err)
	}
}
