package security

// Access control lists (spec §3.4, §24.4 step 8).
//
// 8-byte header AclRevision(1) Sbz1(1) AclSize(2 LE) AceCount(2 LE) Sbz2(2),
// then exactly AceCount ACEs ending exactly at AclSize. The revision byte is
// kept but not checked (§24.4 step 8: "The ACL revision byte is not
// checked"; §3.4 allows 2 and 4).

import (
	"encoding/binary"
	"slices"
)

// ACL revisions.
const (
	ACLRevision   uint8 = 2
	ACLRevisionDS uint8 = 4
	aclHeaderSize       = 8
)

// ACL is an access control list.
type ACL struct {
	Revision uint8
	Sbz1     uint8
	Sbz2     uint16
	ACEs     []ACE
}

// NewACL returns an ACL of the lowest revision the ACE types need.
func NewACL(aces ...ACE) *ACL {
	acl := &ACL{Revision: ACLRevision, ACEs: aces}
	for _, a := range aces {
		acl.Revision = max(acl.Revision, a.Type.requiredACLRevision())
	}
	return acl
}

// Equal reports whether two ACLs are identical; nil equals only nil.
func (l *ACL) Equal(o *ACL) bool {
	if l == nil || o == nil {
		return l == o
	}
	return l.Revision == o.Revision && l.Sbz1 == o.Sbz1 && l.Sbz2 == o.Sbz2 &&
		slices.EqualFunc(l.ACEs, o.ACEs, func(a, b ACE) bool { return a.Equal(&b) })
}

// Clone returns a deep copy.
func (l *ACL) Clone() *ACL {
	if l == nil {
		return nil
	}
	c := *l
	c.ACEs = make([]ACE, len(l.ACEs))
	for i, a := range l.ACEs {
		a.ApplicationData = slices.Clone(a.ApplicationData)
		a.Opaque = slices.Clone(a.Opaque)
		c.ACEs[i] = a
	}
	return &c
}

// Size returns the serialised size (AclSize).
func (l *ACL) Size() int {
	n := aclHeaderSize
	for i := range l.ACEs {
		n += l.ACEs[i].size()
	}
	return n
}

// appendTo serialises the ACL.
func (l *ACL) appendTo(b []byte) ([]byte, error) {
	n := l.Size()
	if n > 0xFFFF {
		return nil, toolargef("ACL of %d bytes", n)
	}
	if len(l.ACEs) > 0xFFFF {
		return nil, toolargef("ACL with %d ACEs", len(l.ACEs))
	}
	b = append(b, l.Revision, l.Sbz1, byte(n), byte(n>>8), byte(len(l.ACEs)), byte(len(l.ACEs)>>8))
	b = binary.LittleEndian.AppendUint16(b, l.Sbz2)
	for i := range l.ACEs {
		var err error
		if b, err = l.ACEs[i].appendTo(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// MarshalBinary serialises the ACL on its own (as query class 20 returns a
// default DACL).
func (l *ACL) MarshalBinary() ([]byte, error) { return l.appendTo(nil) }

// decodeACL decodes the ACL at the start of b and returns it with its
// AclSize.
func decodeACL(b []byte) (*ACL, int, error) {
	if len(b) < aclHeaderSize {
		return nil, 0, malformedf("ACL header needs 8 bytes, have %d", len(b))
	}
	size := int(binary.LittleEndian.Uint16(b[2:4]))
	count := int(binary.LittleEndian.Uint16(b[4:6]))
	if size < aclHeaderSize || size > len(b) {
		return nil, 0, malformedf("AclSize %d outside 8..%d", size, len(b))
	}
	l := &ACL{Revision: b[0], Sbz1: b[1], Sbz2: binary.LittleEndian.Uint16(b[6:8])}
	// Every ACE takes at least 4 bytes, so the count is bounded by the size
	// before anything is allocated.
	if count > (size-aclHeaderSize)/4 {
		return nil, 0, malformedf("AceCount %d cannot fit in AclSize %d", count, size)
	}
	l.ACEs = make([]ACE, 0, count)
	off := aclHeaderSize
	for i := 0; i < count; i++ {
		a, n, err := decodeACE(b[off:size])
		if err != nil {
			return nil, 0, err
		}
		l.ACEs = append(l.ACEs, a)
		off += n
	}
	if off != size {
		return nil, 0, malformedf("%d ACEs end at %d, AclSize is %d", count, off, size)
	}
	return l, size, nil
}

// ParseACL decodes a binary ACL that must fill b exactly.
func ParseACL(b []byte) (*ACL, error) {
	l, n, err := decodeACL(b)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, malformedf("%d bytes after the ACL", len(b)-n)
	}
	return l, nil
}
