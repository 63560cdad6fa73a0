package security

// Privilege adjustment: the logic of KACS_IOC_ADJUST_PRIVS (spec §24.10.2,
// steps 3 and 5-8). The ioctl decodes its arguments, checks the handle's
// TOKEN_ADJUST_PRIVILEGES and copies the entries in; this does the rest.
//
//	count == 0 or > 64                                  -> ErrInvalidArgument
//	reset entry not alone, or with luid != 0            -> ErrInvalidArgument
//	luid > 63, a luid twice, attributes not in {0,2,4}  -> ErrInvalidArgument
//	enable (2) of a privilege not present               -> ErrInvalidArgument
//
// Nothing changes unless every entry is valid. Privileges are never added;
// the used mask is never changed.

// Privilege adjustment attributes (§24.10.2).
const (
	PrivilegeDisable  uint32 = 0
	PrivilegeEnable   uint32 = 0x00000002
	PrivilegeRemove   uint32 = 0x00000004
	PrivilegeResetAll uint32 = 0x80000000
	maxAdjustEntries         = 64
)

// PrivilegeChange is one kacs_priv_entry: a privilege bit number and an
// attribute (PrivilegeDisable, PrivilegeEnable, PrivilegeRemove or, alone
// with LUID 0, PrivilegeResetAll).
type PrivilegeChange struct {
	LUID       uint32
	Attributes uint32
}

// AdjustPrivileges applies changes atomically and returns the enabled mask
// from before the call. Every successful call bumps the modified id.
func (t *Token) AdjustPrivileges(changes []PrivilegeChange) (previousEnabled uint64, err error) {
	if len(changes) == 0 || len(changes) > maxAdjustEntries {
		return 0, invalidf("adjust privileges: %d entries; want 1-%d", len(changes), maxAdjustEntries)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.privs.Enabled
	if changes[0].Attributes == PrivilegeResetAll {
		if len(changes) != 1 || changes[0].LUID != 0 {
			return 0, invalidf("adjust privileges: the reset entry must be alone with luid 0")
		}
		t.privs.Enabled = t.privs.EnabledByDefault & t.privs.Present
		t.modifiedID++
		return prev, nil
	}
	var seen uint64
	for _, c := range changes {
		if c.LUID > uint32(maxPrivilege) {
			return 0, invalidf("adjust privileges: luid %d; want 0-63", c.LUID)
		}
		bit := Privilege(c.LUID).Mask()
		if seen&bit != 0 {
			return 0, invalidf("adjust privileges: luid %d given twice", c.LUID)
		}
		seen |= bit
		switch c.Attributes {
		case PrivilegeDisable, PrivilegeRemove:
		case PrivilegeEnable:
			if t.privs.Present&bit == 0 {
				return 0, invalidf("adjust privileges: %v is not present", Privilege(c.LUID))
			}
		default:
			return 0, invalidf("adjust privileges: attributes %#x; want 0, 2 or 4", c.Attributes)
		}
	}
	for _, c := range changes {
		bit := Privilege(c.LUID).Mask()
		switch c.Attributes {
		case PrivilegeDisable:
			t.privs.Enabled &^= bit
		case PrivilegeEnable:
			t.privs.Enabled |= bit
		case PrivilegeRemove:
			t.privs.Present &^= bit
			t.privs.Enabled &^= bit
			t.privs.EnabledByDefault &^= bit
		}
	}
	t.modifiedID++
	return prev, nil
}
