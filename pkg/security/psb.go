// The process security block's mitigation bits (spec §4.2). The package
// comment is in doc.go.

package security

// Mitigation is a set of PSB mitigation bits (spec §4.2).
type Mitigation uint32

// The PSB mitigation bits.
const (
	// MitigationWXP is W^X (§7.4).
	MitigationWXP Mitigation = 0x001
	// MitigationTLP allows PROT_EXEC file mappings only from approved path
	// prefixes (§7.5).
	MitigationTLP Mitigation = 0x002
	// MitigationLSV allows PROT_EXEC file mappings only of validly signed
	// files (§7.5).
	MitigationLSV Mitigation = 0x004
	// MitigationCFI is a request-only alias: it sets CFIF and CFIB and is
	// never stored itself.
	MitigationCFI Mitigation = 0x008
	// MitigationUIAccess is reserved; settable, no effect.
	MitigationUIAccess Mitigation = 0x010
	// MitigationNoChild makes fork of a new process fail with EPERM.
	MitigationNoChild Mitigation = 0x020
	// MitigationCFIF locks forward-edge CFI on.
	MitigationCFIF Mitigation = 0x040
	// MitigationCFIB locks the shadow stack on.
	MitigationCFIB Mitigation = 0x080
	// MitigationPIE refuses exec of non-PIE binaries.
	MitigationPIE Mitigation = 0x100
	// MitigationSML locks speculation mitigations on.
	MitigationSML Mitigation = 0x200
	// MitigationAll is every defined bit; others are invalid.
	MitigationAll Mitigation = 0x3ff
)

// Normalize returns the bits that a request for m stores: the CFI alias is
// replaced by CFIF and CFIB (§4.2).
func (m Mitigation) Normalize() Mitigation {
	if m&MitigationCFI != 0 {
		m = m&^MitigationCFI | MitigationCFIF | MitigationCFIB
	}
	return m
}
