package security

// The default identity of a container's processes (DECISIONS D8).
//
//	user          S-1-5-21-1348823407-1933799278-1952541038-<1000+uid>
//	primary group S-1-5-21-1348823407-1933799278-1952541038-<1000+gid>
//	groups        S-1-1-0 Everyone, S-1-5-11 Authenticated Users,
//	              S-1-5-32-545 Users (each mandatory+default+enabled),
//	              and for uid 0 also S-1-5-32-544 Administrators
//	              (mandatory+default+enabled+owner, as on Windows)
//	integrity     Medium (S-1-16-8192), policy NO_WRITE_UP
//	privileges    SeChangeNotifyPrivilege, present and enabled by default
//	type          primary
//
// The token is never SYSTEM, so the gates mean something in a default
// container. It has no logon SID: D8 lists the groups exhaustively.

// MachineDomainSubAuthorities are the three fixed sub-authorities of the
// sandbox's machine domain S-1-5-21-a-b-c. They are the ASCII bytes of
// "PeiosContain" read as three big-endian u32s: "Peio", "sCon", "tain".
var MachineDomainSubAuthorities = [3]uint32{1348823407, 1933799278, 1952541038}

// MachineDomainSID is S-1-5-21-1348823407-1933799278-1952541038.
var MachineDomainSID = mustSID(5, 21, MachineDomainSubAuthorities[0], MachineDomainSubAuthorities[1], MachineDomainSubAuthorities[2])

// ridBase is added to a Linux uid or gid to form the RID (D8).
const ridBase = 1000

// MachineSID returns the machine-domain SID for a Linux uid or gid:
// S-1-5-21-<MachineDomainSubAuthorities>-<1000+id>. Ids above 2^32-1001 have
// no RID and are an error.
func MachineSID(id uint32) (SID, error) {
	if id > ^uint32(0)-ridBase {
		return SID{}, invalidf("id %d is too large for a RID of 1000+id", id)
	}
	return MachineDomainSID.Append(ridBase + id)
}

// DefaultContainerTokenInfo returns the D8 default token description for an
// OCI process uid and gid.
func DefaultContainerTokenInfo(uid, gid uint32) (TokenInfo, error) {
	user, err := MachineSID(uid)
	if err != nil {
		return TokenInfo{}, err
	}
	group, err := MachineSID(gid)
	if err != nil {
		return TokenInfo{}, err
	}
	ti := TokenInfo{
		User:         user,
		PrimaryGroup: group,
		Groups: []Group{
			{SIDEveryone, GroupDefault},
			{SIDAuthenticatedUsers, GroupDefault},
			{SIDUsers, GroupDefault},
		},
		Type:            TokenPrimary,
		IntegrityLevel:  IntegrityMedium,
		MandatoryPolicy: PolicyNoWriteUp,
		Privileges: PrivilegeState{
			Present:          SeChangeNotifyPrivilege.Mask(),
			Enabled:          SeChangeNotifyPrivilege.Mask(),
			EnabledByDefault: SeChangeNotifyPrivilege.Mask(),
		},
	}
	if uid == 0 {
		ti.Groups = append(ti.Groups, Group{SIDAdministrators, GroupDefault | GroupOwner})
	}
	return ti, nil
}

// DefaultContainerToken returns a new D8 default token for an OCI process
// uid and gid.
func DefaultContainerToken(uid, gid uint32) (*Token, error) {
	ti, err := DefaultContainerTokenInfo(uid, gid)
	if err != nil {
		return nil, err
	}
	return NewToken(ti)
}
