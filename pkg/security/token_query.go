package security

// Payloads of KACS_IOC_QUERY (spec §24.10.1). The ioctl checks the handle,
// negotiates the buffer and copies out; QueryToken produces the bytes.
// Integers are little-endian; a SID is its §3.1 binary form; a SID list is
// u32 count, then count records of (u32 sid_len, SID, u32 attributes), packed.
//
// Classes 1-7, 17 and 21 carry real values. The others carry the layouts of
// §24.10.1 with fixed values where the sandbox has no model (documented per
// class below).

import "encoding/binary"

// TokenClass is a KACS_IOC_QUERY class number.
type TokenClass uint32

// Token query classes (§24.10.1).
const (
	TokenClassUser                       TokenClass = 1
	TokenClassGroups                     TokenClass = 2
	TokenClassPrivileges                 TokenClass = 3
	TokenClassType                       TokenClass = 4
	TokenClassIntegrityLevel             TokenClass = 5
	TokenClassOwner                      TokenClass = 6
	TokenClassPrimaryGroup               TokenClass = 7
	TokenClassSessionID                  TokenClass = 8
	TokenClassRestrictedSIDs             TokenClass = 9
	TokenClassSource                     TokenClass = 10
	TokenClassStatistics                 TokenClass = 11
	TokenClassOrigin                     TokenClass = 12
	TokenClassElevationType              TokenClass = 13
	TokenClassDeviceGroups               TokenClass = 14
	TokenClassAppContainerSID            TokenClass = 15
	TokenClassCapabilities               TokenClass = 16
	TokenClassMandatoryPolicy            TokenClass = 17
	TokenClassLogonType                  TokenClass = 18
	TokenClassLogonSID                   TokenClass = 19
	TokenClassDefaultDACL                TokenClass = 20
	TokenClassImpersonationLevel         TokenClass = 21
	TokenClassUserClaims                 TokenClass = 22
	TokenClassDeviceClaims               TokenClass = 23
	TokenClassProjectedSupplementaryGIDs TokenClass = 24
)

// Fixed answers for what the sandbox does not model.
const (
	// tokenSourceName is the 8-byte TOKEN_SOURCE name of sandbox tokens.
	tokenSourceName = "runsc\x00\x00\x00"
	// tokenNoExpiry is the STATISTICS expiration of a token that never
	// expires (Windows uses the largest signed 64-bit value).
	tokenNoExpiry = 1<<63 - 1
	// tokenElevationDefault is ELEVATION_TYPE Default.
	tokenElevationDefault = 1
	// tokenLogonService is LOGON_TYPE 5 (service), what a container's
	// processes are.
	tokenLogonService = 5
)

// QueryToken returns the KACS_IOC_QUERY payload of class for t. A class of 0
// or above 24 is ErrInvalidArgument. An empty payload (n == 0) means an
// absent optional value.
func QueryToken(t *Token, class TokenClass) ([]byte, error) {
	le := binary.LittleEndian
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }
	switch class {
	case TokenClassUser:
		return t.User().Bytes(), nil
	case TokenClassGroups:
		return sidList(t.info.Groups), nil
	case TokenClassPrivileges:
		p := t.Privileges()
		b := le.AppendUint64(nil, p.Present)
		b = le.AppendUint64(b, p.Enabled)
		b = le.AppendUint64(b, p.EnabledByDefault)
		return le.AppendUint64(b, p.Used), nil
	case TokenClassType:
		return u32(uint32(t.Type())), nil
	case TokenClassIntegrityLevel:
		return IntegritySID(t.IntegrityLevel()).Bytes(), nil
	case TokenClassOwner:
		return t.DefaultOwner().Bytes(), nil
	case TokenClassPrimaryGroup:
		return t.PrimaryGroup().Bytes(), nil
	case TokenClassSessionID:
		return u32(0), nil
	case TokenClassRestrictedSIDs:
		return sidList(t.info.RestrictedSIDs), nil
	case TokenClassSource:
		return le.AppendUint64([]byte(tokenSourceName), 0), nil
	case TokenClassStatistics:
		// Kernel layout, 40 bytes (§24.18 #2).
		b := le.AppendUint64(nil, t.ID())
		b = le.AppendUint64(b, t.AuthenticationID())
		b = le.AppendUint64(b, t.ModifiedID())
		b = le.AppendUint32(b, uint32(t.Type()))
		b = le.AppendUint32(b, 0)
		return le.AppendUint64(b, tokenNoExpiry), nil
	case TokenClassOrigin:
		return le.AppendUint64(nil, 0), nil
	case TokenClassElevationType:
		return u32(tokenElevationDefault), nil
	case TokenClassDeviceGroups, TokenClassCapabilities:
		return sidList(nil), nil
	case TokenClassAppContainerSID, TokenClassUserClaims, TokenClassDeviceClaims, TokenClassDefaultDACL:
		// Not confined, no claims, no default DACL (the default process SD
		// does not use one, §5.3): empty.
		return nil, nil
	case TokenClassMandatoryPolicy:
		return u32(uint32(t.MandatoryPolicy())), nil
	case TokenClassLogonType:
		return u32(tokenLogonService), nil
	case TokenClassLogonSID:
		return t.LogonSID().Bytes(), nil
	case TokenClassImpersonationLevel:
		return u32(uint32(t.ImpersonationLevel())), nil
	case TokenClassProjectedSupplementaryGIDs:
		return u32(0), nil
	}
	return nil, invalidf("token class %d; want 1-24", uint32(class))
}

// sidList encodes a SID list: u32 count, then (u32 sid_len, SID, u32
// attributes) per entry.
func sidList(gs []Group) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, uint32(len(gs)))
	for _, g := range gs {
		b = le.AppendUint32(b, uint32(g.SID.Len()))
		b = append(b, g.SID.b...)
		b = le.AppendUint32(b, uint32(g.Attributes))
	}
	return b
}
