package security

// The default process security descriptor (spec §5.3, stored form §24.5).
//
//	Control 0x801F  SELF_RELATIVE | SACL_PRESENT | DACL_DEFAULTED |
//	                DACL_PRESENT | GROUP_DEFAULTED | OWNER_DEFAULTED
//	Owner   token user           Group  token primary group
//	SACL    rev 2: ML  S-1-16-<token integrity>  mask NO_WRITE_UP (0x2)
//	DACL    rev 2: A   <user>         GENERIC_ALL  (0x10000000, stored unmapped)
//	               A   S-1-5-32-544   GENERIC_ALL
//	               A   S-1-5-18       GENERIC_ALL
//	               A   S-1-1-0        PROCESS_QUERY_LIMITED (0x1000)
//
// The SACL label follows the spec rather than the kernel snapshot, which
// omits it (§22 #10).

// defaultProcessSDControl is the control word of §24.5.
const defaultProcessSDControl = SelfRelative | SACLPresent | DACLDefaulted | DACLPresent | GroupDefaulted | OwnerDefaulted

// DefaultProcessSD builds the default process SD from the forking thread's
// primary token (never an impersonation token).
func DefaultProcessSD(primary *Token) *SecurityDescriptor {
	allow := func(sid SID, m AccessMask) ACE { return ACE{Type: ACEAccessAllowed, Mask: m, SID: sid} }
	return &SecurityDescriptor{
		Control: defaultProcessSDControl,
		Owner:   primary.User(),
		Group:   primary.PrimaryGroup(),
		SACL: &ACL{Revision: ACLRevision, ACEs: []ACE{
			{Type: ACESystemMandatoryLabel, Mask: LabelNoWriteUp, SID: IntegritySID(primary.IntegrityLevel())},
		}},
		DACL: &ACL{Revision: ACLRevision, ACEs: []ACE{
			allow(primary.User(), GenericAll),
			allow(SIDAdministrators, GenericAll),
			allow(SIDLocalSystem, GenericAll),
			allow(SIDEveryone, ProcessQueryLimited),
		}},
	}
}
