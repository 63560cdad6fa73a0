package security

// Access control entries (spec §3.4, structural rules of §24.4 step 8).
//
// ACE header: AceType(1) AceFlags(1) AceSize(2 LE); AceSize >= 4, a multiple
// of 4, within the ACL. Bodies by type:
//
//	single-SID   0x00-0x03, 0x11, 0x13, 0x14   Mask(4) SID            size >= 16, SID fills the rest
//	object       0x05-0x08                      Mask(4) Flags(4) [GUID] [GUID] SID, SID fills the rest
//	callback     0x09, 0x0A, 0x0D, 0x0E         Mask(4) SID ApplicationData
//	cb. object   0x0B, 0x0C, 0x0F, 0x10         Mask(4) Flags(4) [GUID] [GUID] SID ApplicationData
//	resource     0x12, access filter 0x15       Mask(4) SID ApplicationData (claim / condition, opaque)
//	other        0x04 and unknown types         opaque body, preserved byte for byte
//
// Callback-type ApplicationData and opaque bodies are kept verbatim, so a
// parsed ACE re-serialises to the same bytes.

import (
	"bytes"
	"encoding/binary"
)

// ACEType is an ACE's type byte.
type ACEType uint8

// ACE types (§3.4, §24.17).
const (
	ACEAccessAllowed               ACEType = 0x00
	ACEAccessDenied                ACEType = 0x01
	ACESystemAudit                 ACEType = 0x02
	ACESystemAlarm                 ACEType = 0x03
	ACEAccessAllowedCompound       ACEType = 0x04
	ACEAccessAllowedObject         ACEType = 0x05
	ACEAccessDeniedObject          ACEType = 0x06
	ACESystemAuditObject           ACEType = 0x07
	ACESystemAlarmObject           ACEType = 0x08
	ACEAccessAllowedCallback       ACEType = 0x09
	ACEAccessDeniedCallback        ACEType = 0x0A
	ACEAccessAllowedCallbackObject ACEType = 0x0B
	ACEAccessDeniedCallbackObject  ACEType = 0x0C
	ACESystemAuditCallback         ACEType = 0x0D
	ACESystemAlarmCallback         ACEType = 0x0E
	ACESystemAuditCallbackObject   ACEType = 0x0F
	ACESystemAlarmCallbackObject   ACEType = 0x10
	ACESystemMandatoryLabel        ACEType = 0x11
	ACESystemResourceAttribute     ACEType = 0x12
	ACESystemScopedPolicyID        ACEType = 0x13
	ACESystemProcessTrustLabel     ACEType = 0x14
	ACEAccessFilter                ACEType = 0x15
)

// aceLayout is how an ACE type's body is laid out.
type aceLayout int

const (
	layoutOpaque     aceLayout = iota
	layoutSID                  // Mask SID
	layoutObject               // Mask Flags GUIDs SID
	layoutSIDData              // Mask SID Data
	layoutObjectData           // Mask Flags GUIDs SID Data
)

// layout returns the body layout of t.
func (t ACEType) layout() aceLayout {
	switch t {
	case ACEAccessAllowed, ACEAccessDenied, ACESystemAudit, ACESystemAlarm,
		ACESystemMandatoryLabel, ACESystemScopedPolicyID, ACESystemProcessTrustLabel:
		return layoutSID
	case ACEAccessAllowedObject, ACEAccessDeniedObject, ACESystemAuditObject, ACESystemAlarmObject:
		return layoutObject
	case ACEAccessAllowedCallback, ACEAccessDeniedCallback, ACESystemAuditCallback, ACESystemAlarmCallback,
		ACESystemResourceAttribute, ACEAccessFilter:
		return layoutSIDData
	case ACEAccessAllowedCallbackObject, ACEAccessDeniedCallbackObject, ACESystemAuditCallbackObject, ACESystemAlarmCallbackObject:
		return layoutObjectData
	}
	return layoutOpaque
}

// isObject reports whether t carries object flags and GUIDs.
func (t ACEType) isObject() bool {
	l := t.layout()
	return l == layoutObject || l == layoutObjectData
}

// hasSID reports whether t carries a mask and a SID.
func (t ACEType) hasSID() bool { return t.layout() != layoutOpaque }

// hasData reports whether t carries trailing application data.
func (t ACEType) hasData() bool {
	l := t.layout()
	return l == layoutSIDData || l == layoutObjectData
}

// requiredACLRevision is the lowest ACL revision for t: 4 (ACL_REVISION_DS)
// for object ACEs, else 2 (ACL_REVISION), as on Windows.
func (t ACEType) requiredACLRevision() uint8 {
	if t.isObject() {
		return ACLRevisionDS
	}
	return ACLRevision
}

// ACEFlags are an ACE's flag bits (§3.4).
type ACEFlags uint8

// ACE flags.
const (
	ACEObjectInherit    ACEFlags = 0x01
	ACEContainerInherit ACEFlags = 0x02
	ACENoPropagate      ACEFlags = 0x04
	ACEInheritOnly      ACEFlags = 0x08
	ACEInherited        ACEFlags = 0x10
	ACESuccessfulAccess ACEFlags = 0x40
	ACEFailedAccess     ACEFlags = 0x80
)

// Object ACE flags: which GUIDs are present.
const (
	ObjectTypePresent          uint32 = 0x1
	InheritedObjectTypePresent uint32 = 0x2
)

// ACE is one access control entry. Which fields are used depends on Type
// (see the layouts above); unused fields are zero.
type ACE struct {
	Type  ACEType
	Flags ACEFlags
	// Mask is the access mask, or the label policy of a mandatory label.
	Mask AccessMask
	// ObjectFlags, ObjectType and InheritedObjectType belong to object
	// types. A GUID is meaningful only when its ObjectFlags bit is set.
	ObjectFlags         uint32
	ObjectType          GUID
	InheritedObjectType GUID
	// SID is the trustee (every type except opaque ones).
	SID SID
	// ApplicationData is the trailing data of callback, resource-attribute
	// and access-filter ACEs.
	ApplicationData []byte
	// Opaque is the whole body of a compound or unknown-type ACE.
	Opaque []byte
}

// inheritOnly reports whether the ACE is ignored for the object itself.
func (a *ACE) inheritOnly() bool { return a.Flags&ACEInheritOnly != 0 }

// Equal reports whether two ACEs are identical.
func (a *ACE) Equal(b *ACE) bool {
	return a.Type == b.Type && a.Flags == b.Flags && a.Mask == b.Mask &&
		a.ObjectFlags == b.ObjectFlags && a.ObjectType == b.ObjectType &&
		a.InheritedObjectType == b.InheritedObjectType && a.SID == b.SID &&
		bytes.Equal(a.ApplicationData, b.ApplicationData) && bytes.Equal(a.Opaque, b.Opaque)
}

// size returns the serialised size before alignment padding.
func (a *ACE) rawSize() int {
	if !a.Type.hasSID() {
		return 4 + len(a.Opaque)
	}
	n := 4 + 4
	if a.Type.isObject() {
		n += 4
		if a.ObjectFlags&ObjectTypePresent != 0 {
			n += 16
		}
		if a.ObjectFlags&InheritedObjectTypePresent != 0 {
			n += 16
		}
	}
	n += a.SID.Len()
	if a.Type.hasData() {
		n += len(a.ApplicationData)
	}
	return n
}

// maxACESize is the largest AceSize that is a multiple of 4.
const maxACESize = 0xFFFC

// size returns AceSize: rawSize rounded up to a multiple of 4.
func (a *ACE) size() int { return (a.rawSize() + 3) &^ 3 }

// appendTo serialises the ACE. Data that does not end on a 4-byte boundary
// is padded with zeros, as Windows does.
func (a *ACE) appendTo(b []byte) ([]byte, error) {
	if a.Type.hasSID() && a.SID.IsZero() {
		return nil, invalidf("ACE type %#x without a SID", uint8(a.Type))
	}
	n := a.size()
	if n > maxACESize {
		return nil, toolargef("ACE of %d bytes", n)
	}
	start := len(b)
	b = append(b, byte(a.Type), byte(a.Flags), byte(n), byte(n>>8))
	if !a.Type.hasSID() {
		b = append(b, a.Opaque...)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(a.Mask))
		if a.Type.isObject() {
			b = binary.LittleEndian.AppendUint32(b, a.ObjectFlags)
			if a.ObjectFlags&ObjectTypePresent != 0 {
				b = append(b, a.ObjectType[:]...)
			}
			if a.ObjectFlags&InheritedObjectTypePresent != 0 {
				b = append(b, a.InheritedObjectType[:]...)
			}
		}
		b = append(b, a.SID.b...)
		if a.Type.hasData() {
			b = append(b, a.ApplicationData...)
		}
	}
	for len(b)-start < n {
		b = append(b, 0)
	}
	return b, nil
}

// decodeACE decodes the ACE at the start of b (the rest of its ACL) and
// returns it with its size.
func decodeACE(b []byte) (ACE, int, error) {
	var a ACE
	if len(b) < 4 {
		return a, 0, malformedf("ACE header needs 4 bytes, have %d", len(b))
	}
	a.Type, a.Flags = ACEType(b[0]), ACEFlags(b[1])
	n := int(binary.LittleEndian.Uint16(b[2:4]))
	if n < 4 || n%4 != 0 {
		return a, 0, malformedf("AceSize %d is not a multiple of 4 of at least 4", n)
	}
	if n > len(b) {
		return a, 0, malformedf("AceSize %d exceeds the %d bytes left in the ACL", n, len(b))
	}
	body := b[4:n]
	if !a.Type.hasSID() {
		if len(body) > 0 {
			a.Opaque = bytes.Clone(body)
		}
		return a, n, nil
	}
	if len(body) < 4 {
		return a, 0, malformedf("ACE type %#x of %d bytes has no mask", uint8(a.Type), n)
	}
	a.Mask = AccessMask(binary.LittleEndian.Uint32(body))
	body = body[4:]
	if a.Type.isObject() {
		if len(body) < 4 {
			return a, 0, malformedf("object ACE without object flags")
		}
		a.ObjectFlags = binary.LittleEndian.Uint32(body)
		body = body[4:]
		if a.ObjectFlags&ObjectTypePresent != 0 {
			if len(body) < 16 {
				return a, 0, malformedf("object ACE too short for its object type GUID")
			}
			copy(a.ObjectType[:], body)
			body = body[16:]
		}
		if a.ObjectFlags&InheritedObjectTypePresent != 0 {
			if len(body) < 16 {
				return a, 0, malformedf("object ACE too short for its inherited object type GUID")
			}
			copy(a.InheritedObjectType[:], body)
			body = body[16:]
		}
	}
	sid, sn, err := DecodeSID(body)
	if err != nil {
		return a, 0, err
	}
	a.SID = sid
	body = body[sn:]
	if a.Type.hasData() {
		if len(body) > 0 {
			a.ApplicationData = bytes.Clone(body)
		}
	} else if len(body) != 0 {
		return a, 0, malformedf("ACE type %#x: %d bytes after the SID; the SID must fill the ACE", uint8(a.Type), len(body))
	}
	return a, n, nil
}
