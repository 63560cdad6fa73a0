package security

// A token's own security descriptor and the access check that opens a
// handle on the token (spec §24.7-§24.9, §24.14).
//
// Default token SD, built when the token is created:
//
//	Control 0x800F  SELF_RELATIVE | DACL_PRESENT | DACL_DEFAULTED |
//	                GROUP_DEFAULTED | OWNER_DEFAULTED; no SACL
//	Owner = Group = the creator's user SID
//	DACL rev 2:  A  S-1-3-4 (OWNER RIGHTS)  READ_CONTROL   only if creator == user
//	             A  <user>                  0x000000E8     QUERY | ADJUST_PRIVILEGES |
//	                                                       ADJUST_GROUPS | ADJUST_DEFAULT
//	             A  <creator>               0x000F01FF     only if creator != user
//	             A  S-1-5-18                0x000F01FF
//
// The sandbox mints every token as SYSTEM (S-1-5-18), so an ordinary user
// can open its own token for TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES but not
// for TOKEN_DUPLICATE, TOKEN_IMPERSONATE, READ_CONTROL or WRITE_DAC; without
// a label the implicit Medium NO_WRITE_UP label applies, so a token below
// Medium cannot get the ADJUST_* rights on itself.

// TokenOpenMask is every bit a token handle may be requested with: the
// token rights, the standard rights but SYNCHRONIZE, ACCESS_SYSTEM_SECURITY,
// MAXIMUM_ALLOWED and the generic bits (§24.8 step 2).
const TokenOpenMask AccessMask = 0xF30F01FF

// tokenUserRights is what the default token SD grants the token's user.
const tokenUserRights = TokenQuery | TokenAdjustPrivileges | TokenAdjustGroups | TokenAdjustDefault

// defaultTokenSDControl is the control word of a default token SD.
const defaultTokenSDControl = SelfRelative | DACLPresent | DACLDefaulted | GroupDefaulted | OwnerDefaulted

// tokenCreator is the creator of the tokens the sandbox mints (§24.7: the
// launcher's tokens are created by SYSTEM).
var tokenCreator = SIDLocalSystem

// DefaultTokenSD builds the SD of a new token whose user is user, created
// by a thread whose user is creator.
func DefaultTokenSD(creator, user SID) *SecurityDescriptor {
	allow := func(sid SID, m AccessMask) ACE { return ACE{Type: ACEAccessAllowed, Mask: m, SID: sid} }
	var aces []ACE
	if creator == user {
		aces = append(aces, allow(SIDOwnerRights, ReadControl))
	}
	aces = append(aces, allow(user, tokenUserRights))
	if creator != user {
		aces = append(aces, allow(creator, TokenAllAccess))
	}
	aces = append(aces, allow(SIDLocalSystem, TokenAllAccess))
	return &SecurityDescriptor{
		Control: defaultTokenSDControl,
		Owner:   creator,
		Group:   creator,
		DACL:    &ACL{Revision: ACLRevision, ACEs: aces},
	}
}

// CheckTokenOpenMask rejects a handle access mask that is 0 or has a bit
// outside TokenOpenMask (§24.8 step 2): ErrInvalidArgument.
func CheckTokenOpenMask(desired AccessMask) error {
	if desired == 0 || desired&^TokenOpenMask != 0 {
		return invalidf("token access mask %#x; want a non-zero mask of bits of %#x", uint32(desired), uint32(TokenOpenMask))
	}
	return nil
}

// TokenAccessCheck is AccessCheck of target's own SD for subject, with the
// token mapping and the caller's PIP axes. For a handle (§24.8 steps 2, 4,
// 5) it returns the handle's cached mask: every granted right when desired
// holds MAXIMUM_ALLOWED, else the granted part of the mapped request. A
// denial is ErrAccessDenied; the caller checks desired with
// CheckTokenOpenMask first.
func TokenAccessCheck(subject *Token, pipType, pipTrust uint32, target *Token, desired AccessMask, intent PrivilegeIntent) (AccessMask, error) {
	return AccessCheck(&AccessRequest{
		SD:       target.SD(),
		Token:    subject,
		Desired:  desired,
		Mapping:  TokenMapping,
		PIPType:  pipType,
		PIPTrust: pipTrust,
		Intent:   intent,
	})
}

// SD returns the token's own SD. The descriptor must not be modified;
// SetSD replaces it.
func (t *Token) SD() *SecurityDescriptor {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sd
}

// SetSD replaces the token's own SD and bumps the modified id (§24.14).
func (t *Token) SetSD(sd *SecurityDescriptor) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sd = sd
	t.modifiedID++
}
