package security

// Well-known SIDs, integrity levels and process trust labels (spec §3.1,
// §4.1, §24.17).

import "fmt"

// Well-known SIDs used by the spec.
var (
	// SIDNull is S-1-0-0, the NULL SID.
	SIDNull = mustSID(0, 0)
	// SIDEveryone is S-1-1-0 (SDDL WD).
	SIDEveryone = mustSID(1, 0)
	// SIDCreatorOwner is S-1-3-0 (SDDL CO).
	SIDCreatorOwner = mustSID(3, 0)
	// SIDCreatorGroup is S-1-3-1 (SDDL CG).
	SIDCreatorGroup = mustSID(3, 1)
	// SIDOwnerRights is S-1-3-4 (SDDL OW); an ACE naming it replaces the
	// owner's implicit READ_CONTROL|WRITE_DAC (§3.5 steps 7-8).
	SIDOwnerRights = mustSID(3, 4)
	// SIDPrincipalSelf is S-1-5-10 (SDDL PS); matched only against a self SID
	// given to AccessCheck.
	SIDPrincipalSelf = mustSID(5, 10)
	// SIDAuthenticatedUsers is S-1-5-11 (SDDL AU).
	SIDAuthenticatedUsers = mustSID(5, 11)
	// SIDLocalSystem is S-1-5-18 (SDDL SY).
	SIDLocalSystem = mustSID(5, 18)
	// SIDAdministrators is S-1-5-32-544, BUILTIN\Administrators (SDDL BA).
	SIDAdministrators = mustSID(5, 32, 544)
	// SIDUsers is S-1-5-32-545, BUILTIN\Users (SDDL BU).
	SIDUsers = mustSID(5, 32, 545)
)

// Integrity levels: the X of the mandatory label SID S-1-16-X (§3.1). Any
// value is valid and levels compare numerically.
const (
	IntegrityUntrusted uint32 = 0
	IntegrityLow       uint32 = 4096
	IntegrityMedium    uint32 = 8192
	IntegrityHigh      uint32 = 12288
	IntegritySystem    uint32 = 16384
)

// Mandatory label SIDs for the standard integrity levels (SDDL LW, ME, HI,
// SI; Untrusted has no alias).
var (
	SIDUntrustedIntegrity = IntegritySID(IntegrityUntrusted)
	SIDLowIntegrity       = IntegritySID(IntegrityLow)
	SIDMediumIntegrity    = IntegritySID(IntegrityMedium)
	SIDHighIntegrity      = IntegritySID(IntegrityHigh)
	SIDSystemIntegrity    = IntegritySID(IntegritySystem)
)

// IntegritySID returns the mandatory label SID S-1-16-level.
func IntegritySID(level uint32) SID { return mustSID(16, level) }

// integrityNames maps the standard levels to their names.
var integrityNames = []struct {
	name  string
	level uint32
}{
	{"Untrusted", IntegrityUntrusted},
	{"Low", IntegrityLow},
	{"Medium", IntegrityMedium},
	{"High", IntegrityHigh},
	{"System", IntegritySystem},
}

// IntegrityName returns the name of a standard level ("Medium"), or "" for a
// non-standard one.
func IntegrityName(level uint32) string {
	for _, n := range integrityNames {
		if n.level == level {
			return n.name
		}
	}
	return ""
}

// PIP types (§4.1). Other values are legal and compare numerically.
const (
	PIPNone      uint32 = 0
	PIPProtected uint32 = 512
	PIPIsolated  uint32 = 1024
)

// PIP trust tiers of the v0.22 catalogue (§4.1).
const (
	TrustNone         uint32 = 0
	TrustAuthenticode uint32 = 1024
	TrustAntiMalware  uint32 = 1536
	TrustApp          uint32 = 2048
	TrustPeios        uint32 = 4096
	TrustPeiosTcb     uint32 = 8192
)

// TrustLabelSID returns the process trust label SID S-1-19-pipType-pipTrust
// (§3.1).
func TrustLabelSID(pipType, pipTrust uint32) SID { return mustSID(19, pipType, pipTrust) }

// pipTypeNames and pipTrustNames name the catalogue values (§4.1).
var (
	pipTypeNames = []struct {
		name string
		v    uint32
	}{{"None", PIPNone}, {"Protected", PIPProtected}, {"Isolated", PIPIsolated}}
	pipTrustNames = []struct {
		name string
		v    uint32
	}{
		{"None", TrustNone}, {"Authenticode", TrustAuthenticode}, {"AntiMalware", TrustAntiMalware},
		{"App", TrustApp}, {"Peios", TrustPeios}, {"PeiosTcb", TrustPeiosTcb},
	}
)

// PIPString formats a PIP pair as "Type/Trust" with catalogue names where
// they exist, else numbers ("Protected/PeiosTcb", "512/3").
func PIPString(pipType, pipTrust uint32) string {
	t := fmt.Sprint(pipType)
	for _, n := range pipTypeNames {
		if n.v == pipType {
			t = n.name
		}
	}
	r := fmt.Sprint(pipTrust)
	for _, n := range pipTrustNames {
		if n.v == pipTrust {
			r = n.name
		}
	}
	return t + "/" + r
}
