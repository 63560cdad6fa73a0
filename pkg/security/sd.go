package security

// Security descriptors, self-relative binary form (spec §3.4; parse rules of
// §24.4 step 8).
//
//	0  1  Revision = 1
//	1  1  Sbz1 (resource-manager control byte; preserved)
//	2  2  Control (LE)
//	4  4  Owner SID offset (0 = absent)
//	8  4  Group SID offset (0 = absent)
//	12 4  SACL offset (0 = absent)
//	16 4  DACL offset (0 = absent)
//
// Parsing rejects: fewer than 20 or more than 65,535 bytes; revision != 1;
// SELF_RELATIVE clear; an owner/group offset that is non-zero and < 20 or
// >= length, or whose SID is invalid or does not fit; an ACL offset present
// without its PRESENT bit or vice versa, or outside 20..length-1; any ACL or
// ACE structure error (acl.go, ace.go); component byte ranges that overlap.
// Bytes not covered by any component are allowed and dropped.
//
// Serialising lays the components out back to back from offset 20 in the
// order owner, group, SACL, DACL (as the kernel does, §24.3), forces
// SELF_RELATIVE and sets DACL_PRESENT/SACL_PRESENT exactly when the ACL
// exists. So parse(serialise(x)) == x for every parsed x.

import (
	"encoding/binary"
	"fmt"
)

// SDControl is the SD control word (§3.4).
type SDControl uint16

// Control bits.
const (
	OwnerDefaulted     SDControl = 0x0001
	GroupDefaulted     SDControl = 0x0002
	DACLPresent        SDControl = 0x0004
	DACLDefaulted      SDControl = 0x0008
	SACLPresent        SDControl = 0x0010
	SACLDefaulted      SDControl = 0x0020
	DACLTrusted        SDControl = 0x0040
	ServerSecurity     SDControl = 0x0080
	DACLAutoInheritReq SDControl = 0x0100
	SACLAutoInheritReq SDControl = 0x0200
	DACLAutoInherited  SDControl = 0x0400
	SACLAutoInherited  SDControl = 0x0800
	DACLProtected      SDControl = 0x1000
	SACLProtected      SDControl = 0x2000
	RMControlValid     SDControl = 0x4000
	SelfRelative       SDControl = 0x8000
)

// SD limits.
const (
	// SDRevision is the only valid SD revision.
	SDRevision = 1
	// SDHeaderSize is the size of the self-relative header.
	SDHeaderSize = 20
	// MaxSDSize is the largest serialised SD (§3.4).
	MaxSDSize = 65535
)

// SecurityDescriptor is a parsed security descriptor. A nil DACL is a NULL
// DACL (every right of the mapping's GENERIC_ALL granted); a non-nil DACL
// with no ACEs is an empty DACL (nothing but the owner's implicit rights).
type SecurityDescriptor struct {
	// RMControl is header byte 1 (Sbz1), preserved.
	RMControl uint8
	// Control is the control word. DACLPresent, SACLPresent and SelfRelative
	// are recomputed on serialisation.
	Control SDControl
	// Owner and Group are the zero SID when absent.
	Owner, Group SID
	// SACL and DACL are nil when absent.
	SACL, DACL *ACL
}

// Equal reports whether two descriptors are identical.
func (sd *SecurityDescriptor) Equal(o *SecurityDescriptor) bool {
	if sd == nil || o == nil {
		return sd == o
	}
	return sd.RMControl == o.RMControl && sd.Control == o.Control && sd.Owner == o.Owner &&
		sd.Group == o.Group && sd.SACL.Equal(o.SACL) && sd.DACL.Equal(o.DACL)
}

// Clone returns a deep copy.
func (sd *SecurityDescriptor) Clone() *SecurityDescriptor {
	if sd == nil {
		return nil
	}
	c := *sd
	c.SACL = sd.SACL.Clone()
	c.DACL = sd.DACL.Clone()
	return &c
}

// control returns the control word as serialised.
func (sd *SecurityDescriptor) control() SDControl {
	c := sd.Control | SelfRelative
	c &^= DACLPresent | SACLPresent
	if sd.DACL != nil {
		c |= DACLPresent
	}
	if sd.SACL != nil {
		c |= SACLPresent
	}
	return c
}

// MarshalBinary serialises the descriptor in self-relative form. A result
// larger than 65,535 bytes is ErrTooLarge.
func (sd *SecurityDescriptor) MarshalBinary() ([]byte, error) {
	b := make([]byte, SDHeaderSize, 256)
	b[0] = SDRevision
	b[1] = sd.RMControl
	binary.LittleEndian.PutUint16(b[2:], uint16(sd.control()))
	put := func(at int) { binary.LittleEndian.PutUint32(b[at:], uint32(len(b))) }
	if !sd.Owner.IsZero() {
		put(4)
		b = append(b, sd.Owner.b...)
	}
	if !sd.Group.IsZero() {
		put(8)
		b = append(b, sd.Group.b...)
	}
	var err error
	if sd.SACL != nil {
		put(12)
		if b, err = sd.SACL.appendTo(b); err != nil {
			return nil, err
		}
	}
	if sd.DACL != nil {
		put(16)
		if b, err = sd.DACL.appendTo(b); err != nil {
			return nil, err
		}
	}
	if len(b) > MaxSDSize {
		return nil, toolargef("security descriptor of %d bytes; at most %d", len(b), MaxSDSize)
	}
	return b, nil
}

// ParseSecurityDescriptor parses a self-relative security descriptor. It
// never panics and allocates at most in proportion to len(b).
func ParseSecurityDescriptor(b []byte) (*SecurityDescriptor, error) {
	if len(b) < SDHeaderSize {
		return nil, malformedf("security descriptor of %d bytes; at least 20", len(b))
	}
	if len(b) > MaxSDSize {
		return nil, malformedf("security descriptor of %d bytes; at most %d", len(b), MaxSDSize)
	}
	if b[0] != SDRevision {
		return nil, malformedf("security descriptor revision %d, want 1", b[0])
	}
	sd := &SecurityDescriptor{RMControl: b[1], Control: SDControl(binary.LittleEndian.Uint16(b[2:]))}
	if sd.Control&SelfRelative == 0 {
		return nil, malformedf("SELF_RELATIVE is clear")
	}
	type span struct{ start, end int }
	var spans []span
	offset := func(at int) (int, error) {
		off := int(binary.LittleEndian.Uint32(b[at:]))
		if off != 0 && (off < SDHeaderSize || off >= len(b)) {
			return 0, malformedf("component offset %d outside 20..%d", off, len(b)-1)
		}
		return off, nil
	}
	sidAt := func(at int, what string) (SID, error) {
		off, err := offset(at)
		if err != nil || off == 0 {
			return SID{}, err
		}
		s, n, err := DecodeSID(b[off:])
		if err != nil {
			return SID{}, fmt.Errorf("%s: %w", what, err)
		}
		spans = append(spans, span{off, off + n})
		return s, nil
	}
	aclAt := func(at int, present bool, what string) (*ACL, error) {
		off, err := offset(at)
		if err != nil {
			return nil, err
		}
		if !present {
			if off != 0 {
				return nil, malformedf("%s offset %d without its PRESENT bit", what, off)
			}
			return nil, nil
		}
		if off == 0 {
			return nil, malformedf("%s PRESENT with offset 0", what)
		}
		l, n, err := decodeACL(b[off:])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		spans = append(spans, span{off, off + n})
		return l, nil
	}
	var err error
	if sd.Owner, err = sidAt(4, "owner"); err != nil {
		return nil, err
	}
	if sd.Group, err = sidAt(8, "group"); err != nil {
		return nil, err
	}
	if sd.SACL, err = aclAt(12, sd.Control&SACLPresent != 0, "SACL"); err != nil {
		return nil, err
	}
	if sd.DACL, err = aclAt(16, sd.Control&DACLPresent != 0, "DACL"); err != nil {
		return nil, err
	}
	for i := range spans {
		for j := i + 1; j < len(spans); j++ {
			if spans[i].start < spans[j].end && spans[j].start < spans[i].end {
				return nil, malformedf("components overlap at bytes %d..%d and %d..%d",
					spans[i].start, spans[i].end, spans[j].start, spans[j].end)
			}
		}
	}
	return sd, nil
}

// CheckMasks applies the kernel's ACE mask rule for kacs_set_sd (§24.4 step
// 8, §24.18 #5): in single-SID ACEs other than mandatory labels the mask
// holds no reserved bit (0x0CE00000) and not MAXIMUM_ALLOWED. AccessCheck
// itself keeps and ignores such bits (§3.3).
func (sd *SecurityDescriptor) CheckMasks() error {
	for _, l := range []*ACL{sd.SACL, sd.DACL} {
		if l == nil {
			continue
		}
		for i := range l.ACEs {
			a := &l.ACEs[i]
			if a.Type.layout() != layoutSID || a.Type == ACESystemMandatoryLabel {
				continue
			}
			if a.Mask&(ReservedMask|MaximumAllowed) != 0 {
				return invalidf("ACE %d mask %#08x has reserved or MAXIMUM_ALLOWED bits", i, uint32(a.Mask))
			}
		}
	}
	return nil
}
