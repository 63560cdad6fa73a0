package security

// Mandatory Integrity Control (spec §3.6), step 6 of AccessCheck.
//
// The object label is the first non-inherit-only SYSTEM_MANDATORY_LABEL ACE
// of the SACL (its SID S-1-16-X, its mask the label policy); without one the
// label is Medium with NO_WRITE_UP. MIC does nothing when the token's policy
// lacks NO_WRITE_UP or the token's level is >= X. Otherwise
//
//	allowed = Map(GENERIC_READ) | Map(GENERIC_EXECUTE) | READ_CONTROL | SYNCHRONIZE
//	          minus Map(GENERIC_READ)    if NO_READ_UP
//	          minus Map(GENERIC_WRITE)   if NO_WRITE_UP
//	          minus Map(GENERIC_EXECUTE) if NO_EXECUTE_UP
//	          plus  WRITE_OWNER          if SeRelabelPrivilege is enabled
//	denied  = Map(GENERIC_ALL) & ~allowed
//
// The denied bits become decided (so the DACL cannot grant them) and are
// recorded as mandatory-decided. Bits already granted by a privilege stay
// granted. The formula is the spec's: write rights are never in the starting
// set, so a lower caller gets no write-category right even from a label
// without NO_WRITE_UP (unlike Windows).

// defaultLabelPolicy is the policy of the implicit label.
const defaultLabelPolicy = LabelNoWriteUp

// micDenied returns the rights MIC denies a token of level tokenLevel with
// policy tokenPolicy on an object labelled (labelLevel, labelPolicy). The
// second result is the rights SeRelabelPrivilege kept (WRITE_OWNER or 0).
func micDenied(tokenLevel uint32, tokenPolicy MandatoryPolicy, labelLevel uint32, labelPolicy AccessMask, g GenericMapping, relabel bool) (denied, relabelled AccessMask) {
	if tokenPolicy&PolicyNoWriteUp == 0 || tokenLevel >= labelLevel {
		return 0, 0
	}
	allowed := g.Map(GenericRead) | g.Map(GenericExecute) | ReadControl | Synchronize
	if labelPolicy&LabelNoReadUp != 0 {
		allowed &^= g.Map(GenericRead)
	}
	if labelPolicy&LabelNoWriteUp != 0 {
		allowed &^= g.Map(GenericWrite)
	}
	if labelPolicy&LabelNoExecuteUp != 0 {
		allowed &^= g.Map(GenericExecute)
	}
	denied = g.Map(GenericAll) &^ allowed
	if relabel {
		relabelled = denied & WriteOwner
		denied &^= WriteOwner
	}
	return denied, relabelled
}

// applyMIC applies the label (nil for the implicit one) to st.
func applyMIC(st *checkState, tok *Token, label *ACE, g GenericMapping, relabel bool) {
	level, policy := IntegrityMedium, defaultLabelPolicy
	if label != nil {
		level, _ = label.SID.IntegrityLevel()
		policy = label.Mask
	}
	denied, relabelled := micDenied(tok.IntegrityLevel(), tok.MandatoryPolicy(), level, policy, g, relabel)
	st.mandatoryDecided |= denied
	st.decided |= denied
	if relabelled != 0 {
		// WRITE_OWNER got through MIC only thanks to SeRelabelPrivilege; it is
		// marked used if WRITE_OWNER ends up granted.
		st.byPriv[SeRelabelPrivilege] |= relabelled
	}
}
