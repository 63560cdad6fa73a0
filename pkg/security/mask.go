package security

// Access masks, object rights and generic mappings (spec §3.3, §5.1, §5.2,
// §24.7).

// AccessMask is a 32-bit access mask: bits 0-15 object-specific, then the
// standard rights, ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED and the generic
// bits (§3.3).
type AccessMask uint32

// Standard and generic rights (§3.3).
const (
	Delete               AccessMask = 0x00010000
	ReadControl          AccessMask = 0x00020000
	WriteDAC             AccessMask = 0x00040000
	WriteOwner           AccessMask = 0x00080000
	Synchronize          AccessMask = 0x00100000
	AccessSystemSecurity AccessMask = 0x01000000
	// MaximumAllowed is request-only: AccessCheck returns every right it can
	// grant. It is never meaningful in an ACE.
	MaximumAllowed AccessMask = 0x02000000
	GenericAll     AccessMask = 0x10000000
	GenericExecute AccessMask = 0x20000000
	GenericWrite   AccessMask = 0x40000000
	GenericRead    AccessMask = 0x80000000
	// GenericMask is the four generic bits.
	GenericMask AccessMask = 0xF0000000
	// ReservedMask is bits 21-23 and 26-27: invalid in a desired mask, kept
	// but ignored in stored ACE masks (§3.3).
	ReservedMask AccessMask = 0x0CE00000
)

// Process rights (§5.1). Bits 0x0004, 0x0008, 0x0080 and 0x0100 are unused.
const (
	ProcessTerminate        AccessMask = 0x0001
	ProcessSignal           AccessMask = 0x0002
	ProcessVMRead           AccessMask = 0x0010
	ProcessVMWrite          AccessMask = 0x0020
	ProcessDupHandle        AccessMask = 0x0040
	ProcessSetInformation   AccessMask = 0x0200
	ProcessQueryInformation AccessMask = 0x0400
	ProcessSuspendResume    AccessMask = 0x0800
	ProcessQueryLimited     AccessMask = 0x1000
)

// File rights (§3.3), used for file-backed mappings.
const (
	FileReadData        AccessMask = 0x0001
	FileWriteData       AccessMask = 0x0002
	FileAppendData      AccessMask = 0x0004
	FileReadEA          AccessMask = 0x0008
	FileWriteEA         AccessMask = 0x0010
	FileExecute         AccessMask = 0x0020
	FileDeleteChild     AccessMask = 0x0040
	FileReadAttributes  AccessMask = 0x0080
	FileWriteAttributes AccessMask = 0x0100
)

// Token rights (§24.7).
const (
	TokenAssignPrimary    AccessMask = 0x0001
	TokenDuplicate        AccessMask = 0x0002
	TokenImpersonate      AccessMask = 0x0004
	TokenQuery            AccessMask = 0x0008
	TokenQuerySource      AccessMask = 0x0010
	TokenAdjustPrivileges AccessMask = 0x0020
	TokenAdjustGroups     AccessMask = 0x0040
	TokenAdjustDefault    AccessMask = 0x0080
	TokenAdjustSessionID  AccessMask = 0x0100
	TokenAllAccess        AccessMask = 0x000F01FF
)

// Mandatory label policy bits, held in the mask of a SYSTEM_MANDATORY_LABEL
// ACE (§3.6). Note the KACS numbering: NO_READ_UP is 0x1 and NO_WRITE_UP 0x2,
// unlike MS-DTYP.
const (
	LabelNoReadUp    AccessMask = 0x1
	LabelNoWriteUp   AccessMask = 0x2
	LabelNoExecuteUp AccessMask = 0x4
)

// GenericMapping gives the object-specific rights of each generic bit.
type GenericMapping struct {
	Read, Write, Execute, All AccessMask
}

// ProcessMapping is the process generic mapping (§5.2). GENERIC_ALL is
// 0x000E1E73 per the spec and kernel, without DELETE and SYNCHRONIZE (§22
// #11).
var ProcessMapping = GenericMapping{
	Read:    ProcessQueryInformation | ProcessVMRead | ReadControl,         // 0x00020410
	Write:   ProcessSetInformation | ProcessVMWrite | WriteDAC,             // 0x00040220
	Execute: ProcessTerminate | ProcessSuspendResume | ProcessQueryLimited, // 0x00001801
	All:     0x1E73 | ReadControl | WriteDAC | WriteOwner,                  // 0x000E1E73
}

// TokenMapping is the token generic mapping (§24.7).
var TokenMapping = GenericMapping{
	Read:    TokenQuery | ReadControl,                                                  // 0x00020008
	Write:   TokenAdjustPrivileges | TokenAdjustGroups | TokenAdjustDefault | WriteDAC, // 0x000400E0
	Execute: TokenImpersonate,                                                          // 0x00000004
	All:     TokenAllAccess,                                                            // 0x000F01FF
}

// Map replaces each generic bit of m by its mapped rights and clears the
// generic bits (MapGenericBits, §3.3). Other bits are kept.
func (g GenericMapping) Map(m AccessMask) AccessMask {
	out := m &^ GenericMask
	if m&GenericRead != 0 {
		out |= g.Read
	}
	if m&GenericWrite != 0 {
		out |= g.Write
	}
	if m&GenericExecute != 0 {
		out |= g.Execute
	}
	if m&GenericAll != 0 {
		out |= g.All
	}
	return out
}
