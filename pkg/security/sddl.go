package security

// SDDL, the security descriptor text form (spec §24.17), for the
// dev.peios.mm/process-sd annotation (D6) and for tests.
//
//	SD    = { "O:" SID | "G:" SID | "D:" ACL | "S:" ACL }   each at most once
//	ACL   = { "P" | "AI" | "AR" } [ "NO_ACCESS_CONTROL" ] { ACE }
//	ACE   = "(" TYPE ";" FLAGS ";" RIGHTS ";" GUID ";" GUID ";" SID [ ";" ] ")"
//	SID   = two-letter alias | S-1-<authority>-<sub>...
//	RIGHTS= "" | 0x<hex> | <decimal> | two-letter codes
//
// Choices where the libraries differ or the spec leaves room:
//   - NO_ACCESS_CONTROL is a NULL ACL (PRESENT clear); an omitted D: is the
//     same value, so the formatter writes D: only for a DACL or DACL flags.
//   - The label codes NW, NR, NX are rejected with a hint to use hex
//     (sddl_tables.go).
//   - Types RA and FL, and any non-empty condition field of a callback ACE,
//     are rejected: claims and conditional expressions are not supported.
//     A callback ACE without a condition is accepted (empty application
//     data).
//   - Whitespace is allowed between components and between ACEs, not inside
//     them.
//   - Formatting writes rights in hex ("formatters always emit hex"), SIDs
//     as aliases where one exists, components in the order O, G, D, S. The
//     *_DEFAULTED, DACL_TRUSTED, SERVER_SECURITY and RM_CONTROL_VALID bits,
//     header byte 1 and ACL revisions have no SDDL form and are dropped;
//     parsed ACLs get revision 2, or 4 if they hold object ACEs.
//   - Parse(Format(sd)) equals sd for every sd that Parse produced.

import (
	"fmt"
	"strconv"
	"strings"
)

// SDDLOptions gives the SIDs that relative aliases need: Domain for RO, DA,
// DU, DG, DC, DD, CA, SA, EA, PA, CN, AP, KA, EK, RS; Machine for LA, LG.
// Without them those aliases are an error.
type SDDLOptions struct {
	Domain, Machine SID
}

// SDDLError reports where SDDL text went wrong. It matches ErrMalformed.
type SDDLError struct {
	Offset int
	Msg    string
}

// Error implements error.
func (e *SDDLError) Error() string { return fmt.Sprintf("SDDL at offset %d: %s", e.Offset, e.Msg) }

// Unwrap makes the error match ErrMalformed.
func (e *SDDLError) Unwrap() error { return ErrMalformed }

// ParseSDDL parses SDDL without domain or machine SIDs.
func ParseSDDL(s string) (*SecurityDescriptor, error) { return SDDLOptions{}.Parse(s) }

// SDDL formats sd without domain or machine aliases.
func (sd *SecurityDescriptor) SDDL() (string, error) { return SDDLOptions{}.Format(sd) }

// sddlParser is the parser state.
type sddlParser struct {
	s   string
	pos int
	o   SDDLOptions
}

// errAt returns an SDDLError at offset at.
func (p *sddlParser) errAt(at int, format string, args ...any) error {
	return &SDDLError{Offset: at, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace skips ASCII whitespace.
func (p *sddlParser) skipSpace() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// Parse parses SDDL into a security descriptor.
func (o SDDLOptions) Parse(s string) (*SecurityDescriptor, error) {
	p := &sddlParser{s: s, o: o}
	sd := &SecurityDescriptor{Control: SelfRelative}
	seen := map[byte]bool{}
	p.skipSpace()
	for p.pos < len(p.s) {
		at := p.pos
		if p.pos+1 >= len(p.s) || p.s[p.pos+1] != ':' || strings.IndexByte("OGDS", p.s[p.pos]) < 0 {
			return nil, p.errAt(at, "want O:, G:, D: or S:")
		}
		c := p.s[p.pos]
		if seen[c] {
			return nil, p.errAt(at, "%c: given twice", c)
		}
		seen[c] = true
		p.pos += 2
		var err error
		switch c {
		case 'O':
			sd.Owner, err = p.componentSID()
		case 'G':
			sd.Group, err = p.componentSID()
		case 'D':
			var ctl SDControl
			sd.DACL, ctl, err = p.acl(true)
			sd.Control |= ctl
		case 'S':
			var ctl SDControl
			sd.SACL, ctl, err = p.acl(false)
			sd.Control |= ctl
		}
		if err != nil {
			return nil, err
		}
		p.skipSpace()
	}
	if sd.DACL != nil {
		sd.Control |= DACLPresent
	}
	if sd.SACL != nil {
		sd.Control |= SACLPresent
	}
	return sd, nil
}

// componentSID reads the SID of O: or G:, which ends where the next
// component begins: an alias is two letters; a literal ends after its last
// "-<digits>" (a hex authority takes at most 12 digits).
func (p *sddlParser) componentSID() (SID, error) {
	at := p.pos
	s := p.s
	if at+1 < len(s) && s[at] == 'S' && s[at+1] == '-' {
		i := at + 2
		digits := func(hex bool, limit int) {
			n := 0
			for i < len(s) && n < limit && (s[i] >= '0' && s[i] <= '9' || hex && allHex(s[i:i+1])) {
				i++
				n++
			}
		}
		digits(false, len(s)) // revision
		if i < len(s) && s[i] == '-' {
			i++
			if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
				i += 2
				digits(true, 12)
			} else {
				digits(false, len(s))
			}
			for i+1 < len(s) && s[i] == '-' && s[i+1] >= '0' && s[i+1] <= '9' {
				i++
				digits(false, len(s))
			}
		}
		sid, err := ParseSID(s[at:i])
		if err != nil {
			return SID{}, p.errAt(at, "%v", err)
		}
		p.pos = i
		return sid, nil
	}
	if at+2 > len(s) {
		return SID{}, p.errAt(at, "want a SID alias or S-1-...")
	}
	sid, err := p.alias(s[at:at+2], at)
	if err != nil {
		return SID{}, err
	}
	p.pos += 2
	return sid, nil
}

// alias resolves a two-letter SID alias.
func (p *sddlParser) alias(a string, at int) (SID, error) {
	if sid, ok := sddlAbsoluteAliases[a]; ok {
		return sid, nil
	}
	if rid, ok := sddlDomainAliases[a]; ok {
		if p.o.Domain.IsZero() {
			return SID{}, p.errAt(at, "alias %s needs a domain SID", a)
		}
		return p.o.Domain.Append(rid)
	}
	if rid, ok := sddlMachineAliases[a]; ok {
		if p.o.Machine.IsZero() {
			return SID{}, p.errAt(at, "alias %s needs a machine SID", a)
		}
		return p.o.Machine.Append(rid)
	}
	return SID{}, p.errAt(at, "unknown SID alias %q", a)
}

// fieldSID parses the SID field of an ACE.
func (p *sddlParser) fieldSID(f string, at int) (SID, error) {
	if len(f) == 2 && f[0] >= 'A' && f[0] <= 'Z' && f[1] >= 'A' && f[1] <= 'Z' {
		return p.alias(f, at)
	}
	if !strings.HasPrefix(f, "S-") {
		return SID{}, p.errAt(at, "want a SID alias or S-1-..., got %q", f)
	}
	sid, err := ParseSID(f)
	if err != nil {
		return SID{}, p.errAt(at, "%v", err)
	}
	return sid, nil
}

// acl parses the flags and ACEs of D: or S:. A NULL ACL is returned as nil.
func (p *sddlParser) acl(dacl bool) (*ACL, SDControl, error) {
	var ctl SDControl
	null := false
flags:
	for {
		if strings.HasPrefix(p.s[p.pos:], sddlNullACL) {
			if null {
				return nil, 0, p.errAt(p.pos, "%s given twice", sddlNullACL)
			}
			null = true
			p.pos += len(sddlNullACL)
			continue
		}
		for _, f := range sddlACLFlags {
			if strings.HasPrefix(p.s[p.pos:], f.code) {
				if dacl {
					ctl |= f.dacl
				} else {
					ctl |= f.sacl
				}
				p.pos += len(f.code)
				continue flags
			}
		}
		break
	}
	var aces []ACE
	for p.skipSpace(); p.pos < len(p.s) && p.s[p.pos] == '('; p.skipSpace() {
		at := p.pos
		a, err := p.ace()
		if err != nil {
			return nil, 0, err
		}
		if null {
			return nil, 0, p.errAt(at, "%s cannot have ACEs", sddlNullACL)
		}
		aces = append(aces, a)
	}
	if null {
		return nil, ctl, nil
	}
	return NewACL(aces...), ctl, nil
}

// ace parses one parenthesised ACE.
func (p *sddlParser) ace() (ACE, error) {
	var a ACE
	start := p.pos
	depth, end := 0, -1
	for i := p.pos; i < len(p.s) && end < 0; i++ {
		switch p.s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				end = i
			}
		}
	}
	if end < 0 {
		return a, p.errAt(start, "unterminated ACE")
	}
	body := p.s[start+1 : end]
	p.pos = end + 1
	fields := strings.SplitN(body, ";", 7)
	if len(fields) < 6 {
		return a, p.errAt(start, "ACE has %d fields; want type;flags;rights;guid;guid;sid", len(fields))
	}
	// Offsets of the fields, for messages.
	offs := make([]int, len(fields))
	o := start + 1
	for i, f := range fields {
		offs[i] = o
		o += len(f) + 1
	}

	t, ok := sddlACETypes[fields[0]]
	if !ok {
		if fields[0] == "RA" || fields[0] == "FL" {
			return a, p.errAt(offs[0], "ACE type %s is not supported (claims and conditions)", fields[0])
		}
		return a, p.errAt(offs[0], "unknown ACE type %q", fields[0])
	}
	a.Type = t

	f := fields[1]
	if len(f)%2 != 0 {
		return a, p.errAt(offs[1], "bad ACE flags %q", f)
	}
	for i := 0; i < len(f); i += 2 {
		found := false
		for _, fl := range sddlACEFlags {
			if f[i:i+2] == fl.code {
				a.Flags |= fl.flag
				found = true
			}
		}
		if !found {
			return a, p.errAt(offs[1]+i, "unknown ACE flag %q", f[i:i+2])
		}
	}

	m, err := p.rights(fields[2], offs[2])
	if err != nil {
		return a, err
	}
	a.Mask = m

	for i, bit := range []uint32{ObjectTypePresent, InheritedObjectTypePresent} {
		g := fields[3+i]
		if g == "" {
			continue
		}
		if !t.isObject() {
			return a, p.errAt(offs[3+i], "only object ACE types have GUIDs")
		}
		guid, err := parseGUID(g, true)
		if err != nil {
			return a, p.errAt(offs[3+i], "%v", err)
		}
		a.ObjectFlags |= bit
		if i == 0 {
			a.ObjectType = guid
		} else {
			a.InheritedObjectType = guid
		}
	}

	if a.SID, err = p.fieldSID(fields[5], offs[5]); err != nil {
		return a, err
	}

	if len(fields) == 7 {
		if !t.hasData() {
			return a, p.errAt(offs[6], "only callback ACE types have a condition field")
		}
		if fields[6] != "" {
			return a, p.errAt(offs[6], "conditional expressions are not supported")
		}
	}
	return a, nil
}

// rights parses the rights field.
func (p *sddlParser) rights(f string, at int) (AccessMask, error) {
	switch {
	case f == "":
		return 0, nil
	case len(f) > 2 && (f[:2] == "0x" || f[:2] == "0X"):
		v, err := strconv.ParseUint(f[2:], 16, 32)
		if err != nil || !allHex(f[2:]) {
			return 0, p.errAt(at, "bad hex rights %q", f)
		}
		return AccessMask(v), nil
	case allDigits(f):
		v, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return 0, p.errAt(at, "rights %q exceed 32 bits", f)
		}
		return AccessMask(v), nil
	}
	if len(f)%2 != 0 {
		return 0, p.errAt(at, "bad rights %q", f)
	}
	var m AccessMask
	for i := 0; i < len(f); i += 2 {
		c := f[i : i+2]
		if sddlLabelCodes[c] {
			return 0, p.errAt(at+i, "rights code %s is ambiguous (KACS: NO_READ_UP 0x1, NO_WRITE_UP 0x2, NO_EXECUTE_UP 0x4); write the mask in hex", c)
		}
		v, ok := sddlRights[c]
		if !ok {
			return 0, p.errAt(at+i, "unknown rights code %q", c)
		}
		m |= v
	}
	return m, nil
}

// Format formats sd as SDDL. Descriptors holding what SDDL cannot express
// (opaque or unsupported ACE types, application data, unknown ACE or object
// flag bits) give ErrNotRepresentable.
func (o SDDLOptions) Format(sd *SecurityDescriptor) (string, error) {
	var b strings.Builder
	if !sd.Owner.IsZero() {
		b.WriteString("O:" + o.sidString(sd.Owner))
	}
	if !sd.Group.IsZero() {
		b.WriteString("G:" + o.sidString(sd.Group))
	}
	for _, c := range []struct {
		prefix string
		acl    *ACL
		dacl   bool
	}{{"D:", sd.DACL, true}, {"S:", sd.SACL, false}} {
		var flags string
		for _, f := range sddlACLFlags {
			bit := f.sacl
			if c.dacl {
				bit = f.dacl
			}
			if sd.Control&bit != 0 {
				flags += f.code
			}
		}
		if c.acl == nil && flags == "" {
			continue
		}
		b.WriteString(c.prefix + flags)
		if c.acl == nil {
			b.WriteString(sddlNullACL)
			continue
		}
		for i := range c.acl.ACEs {
			s, err := o.aceString(&c.acl.ACEs[i])
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		}
	}
	return b.String(), nil
}

// aceString formats one ACE.
func (o SDDLOptions) aceString(a *ACE) (string, error) {
	code, ok := sddlACETypeCode[a.Type]
	if !ok {
		return "", fmt.Errorf("%w: ACE type %#x", ErrNotRepresentable, uint8(a.Type))
	}
	var flags string
	rest := a.Flags
	for _, f := range sddlACEFlags {
		if a.Flags&f.flag != 0 {
			flags += f.code
			rest &^= f.flag
		}
	}
	if rest != 0 {
		return "", fmt.Errorf("%w: ACE flags %#x", ErrNotRepresentable, uint8(rest))
	}
	var g1, g2 string
	if a.Type.isObject() {
		if a.ObjectFlags&^(ObjectTypePresent|InheritedObjectTypePresent) != 0 {
			return "", fmt.Errorf("%w: object flags %#x", ErrNotRepresentable, a.ObjectFlags)
		}
		if a.ObjectFlags&ObjectTypePresent != 0 {
			g1 = windowsGUIDString(a.ObjectType)
		}
		if a.ObjectFlags&InheritedObjectTypePresent != 0 {
			g2 = windowsGUIDString(a.InheritedObjectType)
		}
	}
	if len(a.ApplicationData) != 0 {
		return "", fmt.Errorf("%w: ACE application data (conditions, claims)", ErrNotRepresentable)
	}
	return fmt.Sprintf("(%s;%s;0x%x;%s;%s;%s)", code, flags, uint32(a.Mask), g1, g2, o.sidString(a.SID)), nil
}

// sidString formats a SID as an alias where one exists.
func (o SDDLOptions) sidString(s SID) string {
	if a, ok := sddlAliasBySID[s]; ok {
		return a
	}
	for _, rel := range []struct {
		base    SID
		aliases map[string]uint32
	}{{o.Domain, sddlDomainAliases}, {o.Machine, sddlMachineAliases}} {
		if rel.base.IsZero() || s.SubAuthorityCount() != rel.base.SubAuthorityCount()+1 {
			continue
		}
		if parent, err := NewSID(s.Authority(), s.SubAuthorities()[:s.SubAuthorityCount()-1]...); err != nil || parent != rel.base {
			continue
		}
		for a, rid := range rel.aliases {
			if rid == s.RID() {
				return a
			}
		}
	}
	return s.String()
}
