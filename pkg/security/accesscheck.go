package security

// AccessCheck (spec §3.5), in this order:
//
//	 -  desired has reserved bits (0x0CE00000)            -> ErrInvalidArgument
//	 0. the token's logon session is dead                  -> denied
//	 1. impersonation token below Impersonation level      -> denied
//	 2. no SD, or an SD without owner                      -> ErrMalformed (deny)
//	 3. desired = Map(desired); note and strip MAXIMUM_ALLOWED
//	 4. effective privileges = present & enabled; SeBackup / SeRestore only
//	    with the matching intent
//	 5. ACCESS_SYSTEM_SECURITY is always decided; SeSecurityPrivilege grants
//	    it; SeBackup / SeRestore seed their rights (decided + granted +
//	    privilege-granted)
//	 6. SACL pre-walk: first non-inherit-only mandatory label -> MIC (mic.go),
//	    first non-inherit-only trust label -> PIP (pip.go); a bad label SID
//	    -> ErrMalformed (deny)
//	 7. a token matching the owner gets the virtual group OWNER RIGHTS
//	 8. owner implicit READ_CONTROL|WRITE_DAC unless a DACL ACE names OWNER
//	    RIGHTS; then the DACL walk, first writer wins
//	 9. SeTakeOwnershipPrivilege grants WRITE_OWNER unless MIC or PIP
//	    decided it
//	10. restricted tokens: re-walk with the restricting SIDs and intersect
//	12. success iff every desired bit is granted
//
// Step 11 (CAAP, auditing) is out of scope (§3.5). Privileges that
// contributed to a successful result are marked used (§3.8).

import "fmt"

// PrivilegeIntent says which intent-gated privileges an AccessCheck may use
// (§3.5 step 4). Process-object memory gates pass 0.
type PrivilegeIntent uint32

// Privilege intents.
const (
	IntentBackup  PrivilegeIntent = 0x1
	IntentRestore PrivilegeIntent = 0x2
)

// AccessRequest is the input of AccessCheck.
type AccessRequest struct {
	// SD is the object's security descriptor.
	SD *SecurityDescriptor
	// Token is the subject: the calling thread's effective token.
	Token *Token
	// Desired is the requested mask; it may hold generic bits and
	// MAXIMUM_ALLOWED.
	Desired AccessMask
	// Mapping is the object type's generic mapping.
	Mapping GenericMapping
	// PIPType and PIPTrust are the caller's PIP axes, from its PSB, never
	// from the token (§3.10).
	PIPType, PIPTrust uint32
	// Intent enables SeBackupPrivilege / SeRestorePrivilege.
	Intent PrivilegeIntent
	// SelfSID, if set, is matched where an ACE names PRINCIPAL SELF
	// (S-1-5-10).
	SelfSID SID
}

// AccessDeniedError is the error of a denied AccessCheck. It matches
// ErrAccessDenied.
type AccessDeniedError struct {
	// Granted is what was granted (of the request, or everything in
	// MAXIMUM_ALLOWED mode).
	Granted AccessMask
	// Missing are the requested rights not granted.
	Missing AccessMask
	// TrustLabel is set when a process trust label ACE (0x14) in the SD
	// removed a missing right (§6.2 deniedByTrustLabelAce).
	TrustLabel bool
	// Reason says why, for logs.
	Reason string
}

// Error implements error.
func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("access denied: %s (granted %#x, missing %#x)", e.Reason, uint32(e.Granted), uint32(e.Missing))
}

// Unwrap makes the error match ErrAccessDenied.
func (e *AccessDeniedError) Unwrap() error { return ErrAccessDenied }

// checkState is the per-bit state of one evaluation (§3.5).
type checkState struct {
	decided, granted, privGranted AccessMask
	mandatoryDecided, pipDenied   AccessMask
	// byPriv records the bits each privilege supplied, to mark used.
	byPriv map[Privilege]AccessMask
}

// grantByPrivilege seeds bits as decided + granted + privilege-granted.
func (st *checkState) grantByPrivilege(p Privilege, bits AccessMask) {
	st.decided |= bits
	st.granted |= bits
	st.privGranted |= bits
	st.byPriv[p] |= bits
}

// matcher decides whether a SID matches allow or deny ACEs.
type matcher interface {
	allow(SID) bool
	deny(SID) bool
}

// restrictedMatcher matches against a token's restricting SIDs.
type restrictedMatcher []Group

func (m restrictedMatcher) allow(s SID) bool {
	for _, g := range m {
		if g.SID == s && g.matchesAllow() {
			return true
		}
	}
	return false
}

func (m restrictedMatcher) deny(s SID) bool {
	for _, g := range m {
		if g.SID == s && g.matchesDeny() {
			return true
		}
	}
	return false
}

// tokenMatcher matches against a token's user and groups.
type tokenMatcher struct{ t *Token }

func (m tokenMatcher) allow(s SID) bool { return m.t.matchAllow(s) }
func (m tokenMatcher) deny(s SID) bool  { return m.t.matchDeny(s) }

// AccessCheck evaluates r and returns the granted mask. On denial the error
// is an *AccessDeniedError (ErrAccessDenied); a malformed or ownerless SD is
// ErrMalformed, reserved bits in the desired mask ErrInvalidArgument. The
// granted mask is returned in every case.
func AccessCheck(r *AccessRequest) (AccessMask, error) {
	tok := r.Token
	if tok == nil {
		return 0, invalidf("AccessCheck without a token")
	}
	if r.Desired&ReservedMask != 0 {
		return 0, invalidf("desired mask %#x has reserved bits", uint32(r.Desired))
	}
	// Steps 0-2.
	if tok.LogonSessionDead() {
		return 0, &AccessDeniedError{Missing: r.Desired, Reason: "logon session is dead"}
	}
	// §3.5 step 1 names Identification; Anonymous is below it and fails
	// likewise, as on Windows (SeAccessCheck requires SecurityImpersonation).
	if tok.Type() == TokenImpersonation && tok.ImpersonationLevel() < LevelImpersonation {
		return 0, &AccessDeniedError{Missing: r.Desired, Reason: "impersonation token below Impersonation level"}
	}
	sd := r.SD
	if sd == nil || sd.Owner.IsZero() {
		return 0, malformedf("security descriptor without owner")
	}

	// Step 3.
	desired := r.Mapping.Map(r.Desired)
	maxAllowed := desired&MaximumAllowed != 0
	desired &^= MaximumAllowed
	wanted := desired
	if maxAllowed {
		wanted = ^AccessMask(0)
	}

	// Step 4.
	privs := tok.Privileges().Effective()
	if r.Intent&IntentBackup == 0 {
		privs &^= SeBackupPrivilege.Mask()
	}
	if r.Intent&IntentRestore == 0 {
		privs &^= SeRestorePrivilege.Mask()
	}
	has := func(p Privilege) bool { return privs&p.Mask() != 0 }

	// Step 5.
	st := checkState{byPriv: map[Privilege]AccessMask{}}
	st.decided |= AccessSystemSecurity
	// Only an explicit request obtains ACCESS_SYSTEM_SECURITY; MAXIMUM_ALLOWED
	// does not include it, as on Windows.
	if has(SeSecurityPrivilege) && desired&AccessSystemSecurity != 0 {
		st.grantByPrivilege(SeSecurityPrivilege, AccessSystemSecurity)
	}
	// §3.5 only gives the restore set (§24.4 step 6). The backup set is
	// Windows's: read rights, READ_CONTROL and ACCESS_SYSTEM_SECURITY.
	if has(SeBackupPrivilege) {
		st.grantByPrivilege(SeBackupPrivilege, r.Mapping.Map(GenericRead)|ReadControl|AccessSystemSecurity)
	}
	if has(SeRestorePrivilege) {
		st.grantByPrivilege(SeRestorePrivilege, r.Mapping.Map(GenericWrite)|WriteDAC|WriteOwner|Delete|AccessSystemSecurity)
	}

	// Step 6.
	var ml, tl *ACE
	if i := firstLabel(sd.SACL, ACESystemMandatoryLabel); i >= 0 {
		ml = &sd.SACL.ACEs[i]
		if _, ok := ml.SID.IntegrityLevel(); !ok {
			return 0, malformedf("mandatory label SID %v is not S-1-16-X", ml.SID)
		}
	}
	if i := firstLabel(sd.SACL, ACESystemProcessTrustLabel); i >= 0 {
		tl = &sd.SACL.ACEs[i]
		if _, _, ok := tl.SID.TrustLabel(); !ok {
			return 0, malformedf("trust label SID %v is not S-1-19-T-R", tl.SID)
		}
	}
	applyMIC(&st, tok, ml, r.Mapping, has(SeRelabelPrivilege))
	applyTrustLabel(&st, tl, r.PIPType, r.PIPTrust, r.Mapping)
	afterLabels := st

	// Steps 7-8.
	walkDACL(&st, sd, tokenMatcher{tok}, r, desired, maxAllowed)

	// Step 9. PIP-denied bits are excluded too: no privilege bypasses a
	// trust label (§3.7).
	if has(SeTakeOwnershipPrivilege) && wanted&WriteOwner != 0 && st.granted&WriteOwner == 0 &&
		(st.mandatoryDecided|st.pipDenied)&WriteOwner == 0 {
		st.grantByPrivilege(SeTakeOwnershipPrivilege, WriteOwner)
	}

	// Step 10. Confinement is not modelled.
	granted := st.granted
	if rs := tok.info.RestrictedSIDs; len(rs) > 0 {
		st2 := afterLabels
		st2.byPriv = map[Privilege]AccessMask{}
		walkDACL(&st2, sd, restrictedMatcher(rs), r, desired, maxAllowed)
		if tok.WriteRestricted() {
			write := r.Mapping.Map(GenericWrite)
			granted = granted&^write | granted&st2.granted&write
		} else {
			granted &= st2.granted
		}
		granted |= st.privGranted
	}

	// Step 12.
	missing := desired &^ granted
	ok := missing == 0
	if maxAllowed {
		// MAXIMUM_ALLOWED with nothing granted is a denial, as on Windows.
		ok = ok && granted != 0
	} else {
		granted &= desired
	}
	if !ok {
		e := &AccessDeniedError{Granted: granted, Missing: missing, Reason: "not granted by the security descriptor"}
		if missing&st.pipDenied != 0 || (missing == 0 && st.pipDenied != 0) {
			e.TrustLabel = true
			e.Reason = "removed by the process trust label"
		} else if missing&st.mandatoryDecided != 0 {
			e.Reason = "removed by mandatory integrity control"
		}
		return granted, e
	}
	var used uint64
	for p, bits := range st.byPriv {
		if bits&granted&wanted != 0 {
			used |= p.Mask()
		}
	}
	tok.markUsed(used)
	return granted, nil
}

// walkDACL runs steps 7-8 and the DACL walk for one set of SIDs.
func walkDACL(st *checkState, sd *SecurityDescriptor, m matcher, r *AccessRequest, desired AccessMask, maxAllowed bool) {
	ownerMatched := m.allow(sd.Owner)
	match := func(s SID, allow bool) bool {
		if ownerMatched && s == SIDOwnerRights {
			return true // the virtual OWNER RIGHTS group (step 7)
		}
		if s == SIDPrincipalSelf && !r.SelfSID.IsZero() {
			s = r.SelfSID
		}
		if allow {
			return m.allow(s)
		}
		return m.deny(s)
	}
	grant := func(bits AccessMask) {
		st.granted |= bits &^ st.decided
		st.decided |= bits
	}
	if ownerMatched && !namesOwnerRights(sd.DACL) {
		grant(ReadControl | WriteDAC)
	}
	if sd.DACL == nil {
		grant(r.Mapping.Map(GenericAll)) // NULL DACL (§3.4)
		return
	}
	for i := range sd.DACL.ACEs {
		if !maxAllowed && desired&^st.decided == 0 {
			return
		}
		a := &sd.DACL.ACEs[i]
		if a.inheritOnly() {
			continue
		}
		allow, applies := aceEffect(a)
		if !applies || !match(a.SID, allow) {
			continue
		}
		bits := r.Mapping.Map(a.Mask) &^ (ReservedMask | MaximumAllowed)
		if allow {
			grant(bits)
		} else {
			st.decided |= bits
		}
	}
}

// aceEffect says whether a DACL ACE takes part in the walk and whether it
// allows or denies. Without an object type list (process and token checks
// have none) an object ACE applies only if it names no object type, as on
// Windows. Conditions are not evaluated: they count as unknown, which
// Windows treats as "does not apply" for allow ACEs and "applies" for deny
// ACEs, so skipping them can only narrow access (§3). Audit, label and
// unknown types are skipped (§3.4).
func aceEffect(a *ACE) (allow, applies bool) {
	objectType := a.ObjectFlags&ObjectTypePresent != 0
	switch a.Type {
	case ACEAccessAllowed:
		return true, true
	case ACEAccessDenied, ACEAccessDeniedCallback:
		return false, true
	case ACEAccessAllowedObject:
		return true, !objectType
	case ACEAccessDeniedObject, ACEAccessDeniedCallbackObject:
		return false, !objectType
	}
	return false, false
}

// namesOwnerRights reports whether a non-inherit-only DACL ACE names OWNER
// RIGHTS (§3.5 step 8).
func namesOwnerRights(l *ACL) bool {
	if l == nil {
		return false
	}
	for i := range l.ACEs {
		a := &l.ACEs[i]
		if !a.inheritOnly() && a.Type.hasSID() && a.SID == SIDOwnerRights {
			return true
		}
	}
	return false
}
