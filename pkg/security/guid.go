package security

// GUIDs: the PSB process GUID (spec §4.1, a UUIDv4) and the object-type
// GUIDs of object ACEs (§3.4).

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// GUID is 16 bytes in stored order.
type GUID [16]byte

// NewProcessGUID returns a random RFC 4122 version-4 UUID from crypto/rand.
func NewProcessGUID() (GUID, error) {
	var g GUID
	if _, err := rand.Read(g[:]); err != nil {
		return GUID{}, err
	}
	g[6] = g[6]&0x0f | 0x40 // version 4
	g[8] = g[8]&0x3f | 0x80 // RFC 4122 variant
	return g, nil
}

// String formats the bytes in stored order as 8-4-4-4-12 lowercase hex, the
// form of /proc/<pid>/psb (§24.16).
func (g GUID) String() string {
	h := hex.EncodeToString(g[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// IsZero reports whether every byte is zero.
func (g GUID) IsZero() bool { return g == GUID{} }

// ParseGUID parses the stored-order form of String.
func ParseGUID(s string) (GUID, error) {
	return parseGUID(s, false)
}

// windowsGUIDString formats g the way Windows and SDDL do (MS-DTYP §2.3.4):
// Data1 (u32), Data2 and Data3 (u16) are little-endian in the stored bytes
// and printed as numbers; the last 8 bytes are printed in order. Upper case,
// as Windows prints them.
func windowsGUIDString(g GUID) string {
	return fmt.Sprintf("%08X-%04X-%04X-%02X%02X-%X",
		binary.LittleEndian.Uint32(g[0:4]), binary.LittleEndian.Uint16(g[4:6]),
		binary.LittleEndian.Uint16(g[6:8]), g[8], g[9], g[10:16])
}

// parseGUID parses 8-4-4-4-12 hex; with windows set, the first three groups
// are stored little-endian.
func parseGUID(s string, windows bool) (GUID, error) {
	var g GUID
	parts := strings.Split(s, "-")
	if len(parts) != 5 || len(parts[0]) != 8 || len(parts[1]) != 4 || len(parts[2]) != 4 ||
		len(parts[3]) != 4 || len(parts[4]) != 12 {
		return g, malformedf("GUID %q: want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	b, err := hex.DecodeString(strings.Join(parts, ""))
	if err != nil {
		return g, malformedf("GUID %q: bad hex digit", s)
	}
	copy(g[:], b)
	if windows {
		g[0], g[1], g[2], g[3] = g[3], g[2], g[1], g[0]
		g[4], g[5] = g[5], g[4]
		g[6], g[7] = g[7], g[6]
	}
	return g, nil
}
