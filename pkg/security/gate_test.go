package security

import (
	"errors"
	"testing"
)

// process is a test process: its PSB and primary token.
type process struct {
	psb *PSB
	tok *Token
}

// newProcess creates a process with the given token text and PIP.
func newProcess(t testing.TB, tokText string, pipType, pipTrust uint32) process {
	t.Helper()
	tok := mustToken(t, tokText)
	p, err := NewPSB(tok)
	if err != nil {
		t.Fatal(err)
	}
	p.Exec(pipType, pipTrust)
	return process{p, tok}
}

// gate runs the §6.2 gate from caller (with effective token tok) to target.
func gate(caller process, tok *Token, target process, right AccessMask) GateDecision {
	return AuthorizeProcessAccess(ProcessAccess{Caller: caller.psb, Token: tok, Target: target.psb, Right: right})
}

// setDACL replaces a process's DACL.
func setDACL(t testing.TB, p process, sddl string) {
	t.Helper()
	sd := p.psb.SD().Clone()
	sd.DACL = mustSDDL(t, "D:"+sddl).DACL
	p.psb.SetSD(sd)
}

// §21 item 10 (process_vm_readv / writev) at the library level.
func TestGateChecklist10(t *testing.T) {
	const other = "user=" + userO + ";groups=S-1-1-0"
	debug := tokenU + ";privileges=SeDebugPrivilege"
	for _, c := range []struct {
		name       string
		caller     string
		callerPIP  [2]uint32
		targetPIP  [2]uint32
		targetDACL string // "" keeps the default SD
		right      AccessMask
		want       GateReason
		debugUsed  bool
	}{
		{"SD grants VM_READ, None to None", tokenU, [2]uint32{}, [2]uint32{}, "(A;;0x10;;;" + userU + ")", ProcessVMRead, GateGranted, false},
		{"SD grants VM_READ, target Protected/8192", tokenU, [2]uint32{}, [2]uint32{512, 8192}, "(A;;0x10;;;" + userU + ")", ProcessVMRead, GateDeniedPIP, false},
		{"SeDebug, SD denies, PIP dominates", debug, [2]uint32{}, [2]uint32{}, "(A;;GA;;;SY)", ProcessVMRead, GateDebugPrivilege, true},
		{"SeDebug, PIP fails", debug, [2]uint32{}, [2]uint32{512, 8192}, "(A;;GA;;;SY)", ProcessVMRead, GateDeniedPIP, true},
		{"SeDebug, SD grants, PIP fails", debug, [2]uint32{}, [2]uint32{512, 8192}, "", ProcessVMRead, GateDeniedPIP, false},
		{"SeDebug disabled", tokenU + ";privileges=SeDebugPrivilege:disabled", [2]uint32{}, [2]uint32{}, "(A;;GA;;;SY)", ProcessVMRead, GateDeniedSD, false},
		{"writev with only VM_READ", tokenU, [2]uint32{}, [2]uint32{}, "(A;;0x10;;;" + userU + ")", ProcessVMWrite, GateDeniedSD, false},
		{"readv with only VM_WRITE", tokenU, [2]uint32{}, [2]uint32{}, "(A;;0x20;;;" + userU + ")", ProcessVMRead, GateDeniedSD, false},
		{"other user, default SD", other, [2]uint32{}, [2]uint32{}, "", ProcessVMRead, GateDeniedSD, false},
		{"other user may query limited", other, [2]uint32{}, [2]uint32{}, "", ProcessQueryLimited, GateGranted, false},
		{"same user, default SD", tokenU, [2]uint32{}, [2]uint32{}, "", ProcessVMWrite, GateGranted, false},
		{"projected uid 0 without rights", "user=" + MachineDomainSID.String() + "-1000", [2]uint32{}, [2]uint32{}, "", ProcessVMRead, GateDeniedSD, false},
		{"Isolated caller into Protected", tokenU, [2]uint32{1024, 8192}, [2]uint32{512, 8192}, "", ProcessVMRead, GateGranted, false},
		{"Protected/4096 into Protected/8192", tokenU, [2]uint32{512, 4096}, [2]uint32{512, 8192}, "", ProcessVMRead, GateDeniedPIP, false},
		{"None caller, None target with high trust", tokenU, [2]uint32{}, [2]uint32{0, 8192}, "", ProcessVMRead, GateGranted, false},
		{"reserved right", tokenU, [2]uint32{}, [2]uint32{}, "", 0x00400000, GateDeniedInvalid, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			caller := newProcess(t, c.caller, c.callerPIP[0], c.callerPIP[1])
			target := newProcess(t, tokenU, c.targetPIP[0], c.targetPIP[1])
			if c.targetDACL != "" {
				setDACL(t, target, c.targetDACL)
			}
			d := gate(caller, caller.tok, target, c.right)
			if d.Reason != c.want || d.Allowed != (c.want <= GateDebugPrivilege) {
				t.Errorf("gate = %+v (%v), want %v", d, d.Reason, c.want)
			}
			if got := caller.tok.Privileges().Used&SeDebugPrivilege.Mask() != 0; got != c.debugUsed {
				t.Errorf("SeDebugPrivilege used = %v, want %v", got, c.debugUsed)
			}
			if err := d.Err(); (err == nil) != d.Allowed {
				t.Errorf("Err() = %v for %+v", err, d)
			} else if err != nil && !errors.Is(err, ErrAccessDenied) && !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

// §6.1: no parent/child shortcut; §6.5: the own process is never checked.
func TestGateChildAndSelf(t *testing.T) {
	parent := newProcess(t, tokenU, 0, 0)
	childPSB, err := parent.psb.Fork(parent.tok)
	if err != nil {
		t.Fatal(err)
	}
	child := process{childPSB, parent.tok.Clone()}
	setDACL(t, child, "(A;;GA;;;SY)")
	if d := gate(parent, parent.tok, child, ProcessVMRead); d.Allowed {
		t.Errorf("parent into a child with a denying SD: %+v", d)
	}
	if d := gate(child, child.tok, parent, ProcessVMRead); !d.Allowed {
		t.Errorf("child into its parent's default SD: %+v", d)
	}
	// Self: no checks at all, even with a denying SD and a protected PSB.
	setDACL(t, parent, "")
	parent.psb.Exec(512, 8192)
	if d := gate(parent, parent.tok, parent, ProcessVMWrite); !d.Allowed || d.Reason != GateSelf {
		t.Errorf("self: %+v", d)
	}
	// CheckSelf (kacs_open_process_token, §24.9 step 4): the SD decides
	// even for self.
	d := AuthorizeProcessAccess(ProcessAccess{Caller: parent.psb, Token: parent.tok, Target: parent.psb, Right: ProcessQueryInformation, CheckSelf: true})
	if d.Allowed || d.Reason != GateDeniedSD {
		t.Errorf("self with CheckSelf and a denying SD: %+v", d)
	}
	other := newProcess(t, tokenU, 0, 0)
	d = AuthorizeProcessAccess(ProcessAccess{Caller: other.psb, Token: other.tok, Target: parent.psb, Right: ProcessVMWrite, SameProcess: true})
	if !d.Allowed || d.Reason != GateSelf {
		t.Errorf("shared address space: %+v", d)
	}
}

// §6.2: a trust label ACE in the SD cannot be rescued by SeDebugPrivilege;
// an Identification-level token can (§22 #23); impersonation never changes
// PIP (§3.10).
func TestGateTrustLabelAndImpersonation(t *testing.T) {
	caller := newProcess(t, tokenU+";privileges=SeDebugPrivilege", 0, 0)
	target := newProcess(t, tokenU, 0, 0)
	sd := target.psb.SD().Clone()
	sd.SACL.ACEs = append(sd.SACL.ACEs, ACE{Type: ACESystemProcessTrustLabel, Mask: ProcessQueryLimited, SID: TrustLabelSID(512, 1024)})
	target.psb.SetSD(sd)
	if d := gate(caller, caller.tok, target, ProcessVMRead); d.Allowed || d.Reason != GateDeniedTrustLabel {
		t.Errorf("trust label with SeDebug: %+v", d)
	}
	if caller.tok.Privileges().Used != 0 {
		t.Errorf("SeDebug marked used for a trust-label denial")
	}
	if d := gate(caller, caller.tok, target, ProcessQueryLimited); !d.Allowed {
		t.Errorf("QUERY_LIMITED under the trust label: %+v", d)
	}

	plain := newProcess(t, tokenU, 0, 0)
	ident := mustToken(t, tokenU+";type=impersonation;level=identification;privileges=SeDebugPrivilege")
	if d := gate(caller, ident, plain, ProcessVMRead); !d.Allowed || d.Reason != GateDebugPrivilege {
		t.Errorf("identification token with SeDebug: %+v", d)
	}
	if d := gate(caller, mustToken(t, tokenU+";type=impersonation;level=identification"), plain, ProcessVMRead); d.Allowed {
		t.Errorf("identification token without SeDebug: %+v", d)
	}

	// Impersonating a SYSTEM token with every privilege does not raise PIP.
	protected := newProcess(t, tokenU, 512, 8192)
	sys := mustToken(t, "user=S-1-5-18;groups=S-1-5-32-544;privileges=SeDebugPrivilege,SeTcbPrivilege,SeBackupPrivilege,SeRestorePrivilege,SeImpersonatePrivilege,SeTakeOwnershipPrivilege;integrity=System;type=impersonation;level=impersonation")
	if d := gate(caller, sys, protected, ProcessVMRead); d.Allowed || d.Reason != GateDeniedPIP {
		t.Errorf("impersonating SYSTEM into a protected process: %+v", d)
	}
}

// §21 item 11 (process_madvise: PROCESS_VM_WRITE + PIP, D2).
func TestGateChecklist11(t *testing.T) {
	caller := newProcess(t, tokenU, 0, 0)
	target := newProcess(t, tokenU, 0, 0)
	if d := gate(caller, caller.tok, target, ProcessVMWrite); !d.Allowed {
		t.Errorf("VM_WRITE granted: %+v", d)
	}
	setDACL(t, target, "(A;;0x10;;;"+userU+")")
	if d := gate(caller, caller.tok, target, ProcessVMWrite); d.Allowed {
		t.Errorf("VM_WRITE denied: %+v", d)
	}
	if d := AuthorizeProcessAccess(ProcessAccess{Caller: target.psb, Token: target.tok, Target: target.psb, Right: ProcessVMWrite}); !d.Allowed {
		t.Errorf("self: %+v", d)
	}
}

// §21 item 12: Medium caller, same user, High target with the default SD.
func TestGateChecklist12(t *testing.T) {
	target := newProcess(t, tokenU+";integrity=High", 0, 0)
	for _, c := range []struct {
		tok   string
		right AccessMask
		want  GateReason
	}{
		{tokenU, ProcessVMRead, GateGranted},
		{tokenU, ProcessVMWrite, GateDeniedSD},
		{tokenU + ";privileges=SeDebugPrivilege", ProcessVMRead, GateGranted},
		{tokenU + ";privileges=SeDebugPrivilege", ProcessVMWrite, GateDebugPrivilege},
	} {
		caller := newProcess(t, c.tok, 0, 0)
		if d := gate(caller, caller.tok, target, c.right); d.Reason != c.want {
			t.Errorf("%s, right %#x: %+v (%v), want %v", c.tok, c.right, d, d.Reason, c.want)
		}
	}
}

// §24.19 #3 at the library level: kacs_get_sd has no SeDebug rescue and
// still needs PIP dominance.
func TestProcessAccessCheckGetSD(t *testing.T) {
	caller := newProcess(t, tokenU+";privileges=SeDebugPrivilege", 0, 0)
	target := newProcess(t, tokenU, 0, 0)
	need := (OwnerSecurityInformation | GroupSecurityInformation | DACLSecurityInformation).GetAccess()
	if _, err := ProcessAccessCheck(caller.psb, caller.tok, target.psb, need, 0); err != nil {
		t.Errorf("same user, default SD: %v", err)
	}
	target.psb.Exec(512, 8192)
	if caller.psb.Dominates(target.psb) {
		t.Errorf("None caller dominates Protected/8192")
	}
	other := newProcess(t, "user="+userO, 0, 0)
	if _, err := ProcessAccessCheck(caller.psb, caller.tok, other.psb, need, 0); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("other user's SD with SeDebug: %v", err)
	}
}

// The gate, privilege adjustment and SD replacement may run concurrently
// (run with -race).
func TestGateConcurrent(t *testing.T) {
	caller := newProcess(t, tokenU+";privileges=SeDebugPrivilege", 0, 0)
	target := newProcess(t, tokenU, 0, 0)
	done := make(chan bool)
	go func() {
		for i := 0; i < 200; i++ {
			setDACL(t, target, "(A;;GA;;;SY)")
			target.psb.SetSD(DefaultProcessSD(target.tok))
			caller.tok.AdjustPrivileges([]PrivilegeChange{{uint32(SeDebugPrivilege), PrivilegeEnable * uint32(i%2)}})
			target.psb.Exec(0, uint32(i))
		}
		done <- true
	}()
	for i := 0; i < 200; i++ {
		gate(caller, caller.tok, target, ProcessVMRead)
	}
	<-done
}

// §24.16: SDOnly (the /proc/<pid>/psb read) skips PIP dominance but keeps
// the SD check.
func TestGateSDOnly(t *testing.T) {
	caller := newProcess(t, tokenU, 0, 0)
	target := newProcess(t, tokenU, 512, 8192)
	if d := gate(caller, caller.tok, target, ProcessQueryLimited); d.Allowed || d.Reason != GateDeniedPIP {
		t.Errorf("non-dominant caller without SDOnly: %+v", d)
	}
	d := AuthorizeProcessAccess(ProcessAccess{Caller: caller.psb, Token: caller.tok, Target: target.psb, Right: ProcessQueryLimited, SDOnly: true})
	if !d.Allowed {
		t.Errorf("non-dominant caller with SDOnly: %+v", d)
	}
	setDACL(t, target, "(A;;GA;;;SY)")
	d = AuthorizeProcessAccess(ProcessAccess{Caller: caller.psb, Token: caller.tok, Target: target.psb, Right: ProcessQueryLimited, SDOnly: true})
	if d.Allowed || d.Reason != GateDeniedSD {
		t.Errorf("SDOnly with a denying SD: %+v", d)
	}
}
