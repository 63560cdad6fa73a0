package security

// Reading and replacing parts of a security descriptor: the pure logic of
// kacs_get_sd and kacs_set_sd (spec §24.3, §24.4). The syscalls resolve the
// target, copy buffers and run the AccessCheck; these functions build the
// subset SD and the merged SD.

import "encoding/binary"

// SecurityInformation selects SD components (§24.3).
type SecurityInformation uint32

// Selector bits.
const (
	OwnerSecurityInformation SecurityInformation = 0x01
	GroupSecurityInformation SecurityInformation = 0x02
	DACLSecurityInformation  SecurityInformation = 0x04
	SACLSecurityInformation  SecurityInformation = 0x08
	LabelSecurityInformation SecurityInformation = 0x10
	allSecurityInformation   SecurityInformation = 0x1F
)

// Validate rejects a selector that is 0, has a bit outside 0x1F, or has both
// SACL and LABEL (§24.3 step 1).
func (si SecurityInformation) Validate() error {
	if si == 0 || si&^allSecurityInformation != 0 {
		return invalidf("security information %#x; want bits of 0x1f", uint32(si))
	}
	if si&SACLSecurityInformation != 0 && si&LabelSecurityInformation != 0 {
		return invalidf("security information %#x has both SACL and LABEL", uint32(si))
	}
	return nil
}

// GetAccess returns the rights kacs_get_sd needs for si (§24.3 table).
func (si SecurityInformation) GetAccess() AccessMask {
	var m AccessMask
	if si&(OwnerSecurityInformation|GroupSecurityInformation|DACLSecurityInformation|LabelSecurityInformation) != 0 {
		m |= ReadControl
	}
	if si&SACLSecurityInformation != 0 {
		m |= AccessSystemSecurity
	}
	return m
}

// SetAccess returns the rights kacs_set_sd needs for si (§24.3 table).
func (si SecurityInformation) SetAccess() AccessMask {
	var m AccessMask
	if si&(OwnerSecurityInformation|GroupSecurityInformation|LabelSecurityInformation) != 0 {
		m |= WriteOwner
	}
	if si&DACLSecurityInformation != 0 {
		m |= WriteDAC
	}
	if si&SACLSecurityInformation != 0 {
		m |= AccessSystemSecurity
	}
	return m
}

// Control bits carried with each component (§24.3, §24.4).
const (
	ownerControl = OwnerDefaulted
	groupControl = GroupDefaulted
	daclControl  = DACLDefaulted | DACLTrusted | DACLAutoInheritReq | DACLAutoInherited | DACLProtected
	saclControl  = SACLDefaulted | SACLAutoInheritReq | SACLAutoInherited | SACLProtected
)

// firstLabel returns the index of the first non-inherit-only ACE of type t
// in l, or -1.
func firstLabel(l *ACL, t ACEType) int {
	if l == nil {
		return -1
	}
	for i := range l.ACEs {
		if l.ACEs[i].Type == t && !l.ACEs[i].inheritOnly() {
			return i
		}
	}
	return -1
}

// Subset returns the descriptor kacs_get_sd reports for si (§24.3): the
// requested components that exist, control bits of the requested components
// plus RM_CONTROL_VALID, and for LABEL a SACL holding only the first
// non-inherit-only mandatory label ACE. si must be valid.
func (sd *SecurityDescriptor) Subset(si SecurityInformation) *SecurityDescriptor {
	out := &SecurityDescriptor{RMControl: sd.RMControl, Control: sd.Control & RMControlValid}
	if si&OwnerSecurityInformation != 0 {
		out.Owner = sd.Owner
		out.Control |= sd.Control & ownerControl
	}
	if si&GroupSecurityInformation != 0 {
		out.Group = sd.Group
		out.Control |= sd.Control & groupControl
	}
	if si&DACLSecurityInformation != 0 {
		out.DACL = sd.DACL.Clone()
		out.Control |= sd.Control & daclControl
	}
	if si&SACLSecurityInformation != 0 {
		out.SACL = sd.SACL.Clone()
		out.Control |= sd.Control & saclControl
	}
	if si&LabelSecurityInformation != 0 {
		out.Control |= sd.Control & saclControl
		if i := firstLabel(sd.SACL, ACESystemMandatoryLabel); i >= 0 {
			l := &ACL{Revision: max(sd.SACL.Revision, ACLRevision), Sbz1: sd.SACL.Sbz1, Sbz2: sd.SACL.Sbz2}
			l.ACEs = []ACE{sd.SACL.Clone().ACEs[i]}
			out.SACL = l
		}
	}
	out.Control |= SelfRelative
	return out
}

// validLabelLevels are the integrity levels a label may be set to
// (§24.4 label check; §24.18 #6 follows the kernel).
var validLabelLevels = map[uint32]bool{
	IntegrityUntrusted: true, IntegrityLow: true, IntegrityMedium: true, IntegrityHigh: true, IntegritySystem: true,
}

// claimMandatory is the MANDATORY claim flag of a resource attribute ACE.
const claimMandatory = 0x0020

// mandatoryClaim reports whether a resource attribute ACE's claim flags
// (CLAIM_SECURITY_ATTRIBUTE_RELATIVE_V1: Name u32, ValueType u16, Reserved
// u16, Flags u32) include MANDATORY.
func mandatoryClaim(a *ACE) bool {
	return a.Type == ACESystemResourceAttribute && len(a.ApplicationData) >= 12 &&
		binary.LittleEndian.Uint32(a.ApplicationData[8:])&claimMandatory != 0
}

// MergeForSet builds the descriptor kacs_set_sd stores (§24.4 step 9) from
// the current one, the caller's input and the selector, checking owner and
// label assignment against the subject token. It runs after the AccessCheck
// of step 6; privileges it relies on (SeRestore, SeTcb, SeRelabel) are
// marked used only when the merge succeeds.
//
//	OWNER without an input owner                          -> ErrInvalidArgument
//	new owner not the user, a GroupOwner group, nor
//	  SeRestorePrivilege enabled                          -> ErrAccessDenied
//	SACL: a MANDATORY resource attribute ACE dropped
//	  without SeTcbPrivilege                              -> ErrAccessDenied
//	SACL: more than one non-inherit-only label ACE        -> ErrInvalidArgument
//	LABEL: SACL not exactly one non-inherit-only label ACE -> ErrInvalidArgument
//	label SID not S-1-16-{0,4096,8192,12288,16384}        -> ErrInvalidArgument
//	label above the subject's integrity without
//	  SeRelabelPrivilege                                  -> ErrAccessDenied
//	result larger than 65,535 bytes                       -> ErrTooLarge
func MergeForSet(current, input *SecurityDescriptor, si SecurityInformation, subject *Token) (*SecurityDescriptor, error) {
	if err := si.Validate(); err != nil {
		return nil, err
	}
	var use uint64 // privileges to mark used on success
	privs := subject.Privileges().Effective()
	out := current.Clone()

	if si&OwnerSecurityInformation != 0 {
		if input.Owner.IsZero() {
			return nil, invalidf("set owner: the input has no owner")
		}
		if !ownerAssignable(subject, input.Owner) {
			if privs&SeRestorePrivilege.Mask() == 0 {
				return nil, deniedf("set owner: %v is not the caller's user or an owner group", input.Owner)
			}
			use |= SeRestorePrivilege.Mask()
		}
		out.Owner = input.Owner
		out.Control = out.Control&^ownerControl | input.Control&ownerControl
	}
	if si&GroupSecurityInformation != 0 {
		out.Group = input.Group
		out.Control = out.Control&^groupControl | input.Control&groupControl
	}
	if si&DACLSecurityInformation != 0 {
		out.DACL = input.DACL.Clone()
		out.Control = out.Control&^daclControl | input.Control&daclControl
	}
	labelCheck := func(a *ACE) error {
		level, ok := a.SID.IntegrityLevel()
		if !ok || !validLabelLevels[level] {
			return invalidf("label SID %v is not S-1-16-{0,4096,8192,12288,16384}", a.SID)
		}
		if level > subject.IntegrityLevel() {
			if privs&SeRelabelPrivilege.Mask() == 0 {
				return deniedf("label %d above the caller's integrity %d", level, subject.IntegrityLevel())
			}
			use |= SeRelabelPrivilege.Mask()
		}
		return nil
	}
	if si&SACLSecurityInformation != 0 {
		if current.SACL != nil {
			for i := range current.SACL.ACEs {
				a := &current.SACL.ACEs[i]
				if !mandatoryClaim(a) || aclContains(input.SACL, a) {
					continue
				}
				if privs&SeTcbPrivilege.Mask() == 0 {
					return nil, deniedf("set SACL: a mandatory resource attribute would be removed")
				}
				use |= SeTcbPrivilege.Mask()
			}
		}
		if input.SACL != nil {
			label := -1
			for i := range input.SACL.ACEs {
				a := &input.SACL.ACEs[i]
				if a.Type != ACESystemMandatoryLabel || a.inheritOnly() {
					continue
				}
				if label >= 0 {
					return nil, invalidf("set SACL: more than one mandatory label")
				}
				label = i
			}
			if label >= 0 {
				if err := labelCheck(&input.SACL.ACEs[label]); err != nil {
					return nil, err
				}
			}
		}
		out.SACL = input.SACL.Clone()
		out.Control = out.Control&^saclControl | input.Control&saclControl
	}
	if si&LabelSecurityInformation != 0 {
		var keep []ACE
		rev, sbz1, sbz2 := ACLRevision, uint8(0), uint16(0)
		if current.SACL != nil {
			rev, sbz1, sbz2 = current.SACL.Revision, current.SACL.Sbz1, current.SACL.Sbz2
			for _, a := range current.SACL.Clone().ACEs {
				if a.Type != ACESystemMandatoryLabel {
					keep = append(keep, a)
				}
			}
		}
		if input.SACL != nil {
			l := input.SACL
			if len(l.ACEs) != 1 || l.ACEs[0].Type != ACESystemMandatoryLabel || l.ACEs[0].inheritOnly() {
				return nil, invalidf("set label: the SACL must hold exactly one non-inherit-only mandatory label")
			}
			if err := labelCheck(&l.ACEs[0]); err != nil {
				return nil, err
			}
			keep = append(l.Clone().ACEs, keep...)
		}
		if len(keep) == 0 {
			out.SACL = nil
		} else {
			out.SACL = &ACL{Revision: rev, Sbz1: sbz1, Sbz2: sbz2, ACEs: keep}
			for _, a := range keep {
				out.SACL.Revision = max(out.SACL.Revision, a.Type.requiredACLRevision())
			}
		}
	}
	out.Control |= SelfRelative
	out.Control &^= DACLPresent | SACLPresent
	out.Control |= out.control() & (DACLPresent | SACLPresent)
	if _, err := out.MarshalBinary(); err != nil {
		return nil, err
	}
	subject.markUsed(use)
	return out, nil
}

// ownerAssignable reports whether the subject may name sid as owner without
// a privilege: its user, or one of its groups carrying GroupOwner (enabled
// or not) (§24.4 step 9).
func ownerAssignable(t *Token, sid SID) bool {
	if sid == t.User() {
		return true
	}
	for _, g := range t.info.Groups {
		if g.SID == sid && g.Attributes&GroupOwner != 0 {
			return true
		}
	}
	return false
}

// aclContains reports whether l holds an ACE identical to a.
func aclContains(l *ACL, a *ACE) bool {
	if l == nil {
		return false
	}
	for i := range l.ACEs {
		if l.ACEs[i].Equal(a) {
			return true
		}
	}
	return false
}
