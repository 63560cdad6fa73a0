package security

// Security identifiers (spec §3.1).
//
// Binary layout (MS-DTYP compatible):
//
//	0  1    Revision, always 1
//	1  1    SubAuthorityCount, 0..15
//	2  6    IdentifierAuthority, 48-bit big-endian
//	8  4*N  SubAuthority[N], u32 little-endian each
//
// String form S-1-<authority>-<sub1>-...; the authority is decimal when its
// top 16 bits are zero, else 0x followed by 12 lowercase hex digits. Two SIDs
// are equal iff their binary forms are byte-equal; there is no normalisation.

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// SID limits (§3.1).
const (
	// SIDRevision is the only valid SID revision.
	SIDRevision = 1
	// MaxSubAuthorities is the largest SubAuthorityCount.
	MaxSubAuthorities = 15
	// MinSIDSize is the size of a SID without sub-authorities.
	MinSIDSize = 8
	// MaxSIDSize is the size of a SID with 15 sub-authorities.
	MaxSIDSize = 8 + 4*MaxSubAuthorities
	// maxAuthority is the largest 48-bit identifier authority.
	maxAuthority = 1<<48 - 1
)

// SID is a security identifier. It holds the binary form, so == compares
// SIDs exactly as §3.1 requires and a SID can be a map key. The zero value is
// "no SID" (IsZero); it is never a valid SID.
type SID struct {
	b string
}

// NewSID returns the SID with the given identifier authority (48 bits) and
// sub-authorities (at most 15).
func NewSID(authority uint64, subs ...uint32) (SID, error) {
	if authority > maxAuthority {
		return SID{}, invalidf("SID authority %d exceeds 48 bits", authority)
	}
	if len(subs) > MaxSubAuthorities {
		return SID{}, invalidf("SID has %d sub-authorities; at most %d", len(subs), MaxSubAuthorities)
	}
	b := make([]byte, 8+4*len(subs))
	b[0] = SIDRevision
	b[1] = byte(len(subs))
	for i := 0; i < 6; i++ {
		b[2+i] = byte(authority >> (8 * (5 - i)))
	}
	for i, s := range subs {
		binary.LittleEndian.PutUint32(b[8+4*i:], s)
	}
	return SID{b: string(b)}, nil
}

// mustSID is NewSID for arguments known to be valid.
func mustSID(authority uint64, subs ...uint32) SID {
	s, err := NewSID(authority, subs...)
	if err != nil {
		panic(err)
	}
	return s
}

// MustParseSID is ParseSID for constants; it panics on bad input.
func MustParseSID(s string) SID {
	sid, err := ParseSID(s)
	if err != nil {
		panic(err)
	}
	return sid
}

// ParseSID parses the string form S-1-<authority>-<sub>... (§3.1). The
// authority is decimal (< 2^48) or 0x followed by 1 to 12 hex digits;
// sub-authorities are decimal u32. A lower-case "s" is accepted, as Windows
// does.
func ParseSID(s string) (SID, error) {
	bad := func(why string) (SID, error) {
		return SID{}, malformedf("SID %q: %s; want S-1-<authority>-<sub>...", s, why)
	}
	if len(s) < 2 || (s[0] != 'S' && s[0] != 's') || s[1] != '-' {
		return bad("does not start with S-")
	}
	parts := strings.Split(s[2:], "-")
	if len(parts) < 2 {
		return bad("missing identifier authority")
	}
	if parts[0] != "1" {
		return bad("revision is not 1")
	}
	var auth uint64
	a := parts[1]
	if len(a) > 2 && (a[:2] == "0x" || a[:2] == "0X") {
		h := a[2:]
		if len(h) > 12 || !allHex(h) {
			return bad("bad hex authority")
		}
		auth, _ = strconv.ParseUint(h, 16, 64)
	} else {
		if !allDigits(a) {
			return bad("bad authority")
		}
		v, err := strconv.ParseUint(a, 10, 64)
		if err != nil || v > maxAuthority {
			return bad("authority exceeds 48 bits")
		}
		auth = v
	}
	subs := parts[2:]
	if len(subs) > MaxSubAuthorities {
		return bad("more than 15 sub-authorities")
	}
	vals := make([]uint32, len(subs))
	for i, p := range subs {
		if !allDigits(p) {
			return bad("bad sub-authority " + strconv.Quote(p))
		}
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return bad("sub-authority " + p + " exceeds 32 bits")
		}
		vals[i] = uint32(v)
	}
	return NewSID(auth, vals...)
}

// allDigits reports whether s is a non-empty run of decimal digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// allHex reports whether s is a non-empty run of hex digits.
func allHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// DecodeSID decodes the binary SID at the start of b and returns it with its
// size. It never reads past b.
func DecodeSID(b []byte) (SID, int, error) {
	if len(b) < MinSIDSize {
		return SID{}, 0, malformedf("SID needs %d bytes, have %d", MinSIDSize, len(b))
	}
	if b[0] != SIDRevision {
		return SID{}, 0, malformedf("SID revision %d, want 1", b[0])
	}
	n := int(b[1])
	if n > MaxSubAuthorities {
		return SID{}, 0, malformedf("SID has %d sub-authorities; at most 15", n)
	}
	size := 8 + 4*n
	if len(b) < size {
		return SID{}, 0, malformedf("SID needs %d bytes, have %d", size, len(b))
	}
	return SID{b: string(b[:size])}, size, nil
}

// ParseSIDBytes decodes a binary SID that must fill b exactly.
func ParseSIDBytes(b []byte) (SID, error) {
	s, n, err := DecodeSID(b)
	if err != nil {
		return SID{}, err
	}
	if n != len(b) {
		return SID{}, malformedf("%d bytes after the SID", len(b)-n)
	}
	return s, nil
}

// IsZero reports whether s is the zero SID ("no SID").
func (s SID) IsZero() bool { return s.b == "" }

// Bytes returns the binary form (nil for the zero SID).
func (s SID) Bytes() []byte {
	if s.b == "" {
		return nil
	}
	return []byte(s.b)
}

// Len returns the size of the binary form (0 for the zero SID).
func (s SID) Len() int { return len(s.b) }

// Authority returns the 48-bit identifier authority.
func (s SID) Authority() uint64 {
	if s.b == "" {
		return 0
	}
	var a uint64
	for i := 2; i < 8; i++ {
		a = a<<8 | uint64(s.b[i])
	}
	return a
}

// SubAuthorityCount returns the number of sub-authorities.
func (s SID) SubAuthorityCount() int {
	if s.b == "" {
		return 0
	}
	return int(s.b[1])
}

// SubAuthority returns sub-authority i; it panics if i is out of range.
func (s SID) SubAuthority(i int) uint32 {
	if i < 0 || i >= s.SubAuthorityCount() {
		panic("security: SID sub-authority index out of range")
	}
	return binary.LittleEndian.Uint32([]byte(s.b[8+4*i : 12+4*i]))
}

// SubAuthorities returns all sub-authorities.
func (s SID) SubAuthorities() []uint32 {
	out := make([]uint32, s.SubAuthorityCount())
	for i := range out {
		out[i] = s.SubAuthority(i)
	}
	return out
}

// RID returns the last sub-authority (0 if there is none).
func (s SID) RID() uint32 {
	n := s.SubAuthorityCount()
	if n == 0 {
		return 0
	}
	return s.SubAuthority(n - 1)
}

// String returns the S-1-... form, or "" for the zero SID.
func (s SID) String() string {
	if s.b == "" {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("S-1-")
	a := s.Authority()
	if a>>32 == 0 {
		sb.WriteString(strconv.FormatUint(a, 10))
	} else {
		h := strconv.FormatUint(a, 16)
		sb.WriteString("0x")
		sb.WriteString(strings.Repeat("0", 12-len(h)))
		sb.WriteString(h)
	}
	for i := 0; i < s.SubAuthorityCount(); i++ {
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatUint(uint64(s.SubAuthority(i)), 10))
	}
	return sb.String()
}

// IntegrityLevel returns X for a mandatory label SID S-1-16-X with exactly
// one sub-authority (§3.1, §3.6).
func (s SID) IntegrityLevel() (uint32, bool) {
	if s.Authority() != 16 || s.SubAuthorityCount() != 1 {
		return 0, false
	}
	return s.SubAuthority(0), true
}

// TrustLabel returns T and R for a process trust label SID S-1-19-T-R with
// exactly two sub-authorities (§3.1, §3.7).
func (s SID) TrustLabel() (pipType, pipTrust uint32, ok bool) {
	if s.Authority() != 19 || s.SubAuthorityCount() != 2 {
		return 0, 0, false
	}
	return s.SubAuthority(0), s.SubAuthority(1), true
}

// Append returns the SID formed by appending sub-authorities to s, e.g. a
// RID to a domain SID.
func (s SID) Append(subs ...uint32) (SID, error) {
	return NewSID(s.Authority(), append(s.SubAuthorities(), subs...)...)
}
