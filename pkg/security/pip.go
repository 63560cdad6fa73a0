package security

// Protected Integrity Processes: dominance (spec §6.2) and object trust
// labels in AccessCheck (§3.7).

// PIPDominates reports whether a caller with PIP axes (callerType,
// callerTrust) dominates a target with (targetType, targetTrust) (§6.2):
// every caller dominates an unprotected target (type 0); otherwise both axes
// must be >= (there is no combined score).
func PIPDominates(callerType, callerTrust, targetType, targetTrust uint32) bool {
	if targetType == PIPNone {
		return true
	}
	return callerType >= targetType && callerTrust >= targetTrust
}

// trustLabelDenied returns the rights a trust label ACE removes from a
// caller with PIP axes (pipType, pipTrust) (§3.7): nothing if there is no
// label or the caller dominates it (both axes >= the label's T and R);
// otherwise (Map(GENERIC_ALL) | ACCESS_SYSTEM_SECURITY) & ~Map(ace mask).
func trustLabelDenied(label *ACE, pipType, pipTrust uint32, g GenericMapping) AccessMask {
	if label == nil {
		return 0
	}
	t, r, _ := label.SID.TrustLabel()
	if pipType >= t && pipTrust >= r {
		return 0
	}
	allowed := g.Map(label.Mask) &^ ReservedMask
	return (g.Map(GenericAll) | AccessSystemSecurity) &^ allowed
}

// applyTrustLabel applies the label to st. PIP also strips rights granted by
// privileges: no privilege bypasses it.
func applyTrustLabel(st *checkState, label *ACE, pipType, pipTrust uint32, g GenericMapping) {
	d := trustLabelDenied(label, pipType, pipTrust, g)
	st.pipDenied |= d
	st.decided |= d
	st.granted &^= d
	st.privGranted &^= d
}
