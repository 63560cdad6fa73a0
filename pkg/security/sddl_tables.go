package security

// SDDL vocabulary (spec §24.17). Two-letter codes mean different things in
// the SID, rights and type fields (WD, RC, AU, FA ...), so each field has
// its own table.

// sddlAbsoluteAliases are the SID aliases that need no domain.
var sddlAbsoluteAliases = map[string]SID{
	"WD": mustSID(1, 0), "AN": mustSID(5, 7), "AU": mustSID(5, 11), "IU": mustSID(5, 4),
	"NU": mustSID(5, 2), "SU": mustSID(5, 6), "RC": mustSID(5, 12), "WR": mustSID(5, 33),
	"PS": mustSID(5, 10), "ED": mustSID(5, 9), "CO": mustSID(3, 0), "CG": mustSID(3, 1),
	"OW": mustSID(3, 4), "AC": mustSID(15, 2, 1), "SY": mustSID(5, 18),
	"LS": mustSID(5, 19), "NS": mustSID(5, 20),
	"LW": mustSID(16, 4096), "ME": mustSID(16, 8192), "MP": mustSID(16, 8448),
	"HI": mustSID(16, 12288), "SI": mustSID(16, 16384),
	"BA": mustSID(5, 32, 544), "BU": mustSID(5, 32, 545), "BG": mustSID(5, 32, 546),
	"PU": mustSID(5, 32, 547), "AO": mustSID(5, 32, 548), "SO": mustSID(5, 32, 549),
	"PO": mustSID(5, 32, 550), "BO": mustSID(5, 32, 551), "RE": mustSID(5, 32, 552),
	"RU": mustSID(5, 32, 554), "RD": mustSID(5, 32, 555), "NO": mustSID(5, 32, 556),
	"MU": mustSID(5, 32, 558), "LU": mustSID(5, 32, 559), "IS": mustSID(5, 32, 568),
	"CY": mustSID(5, 32, 569), "ER": mustSID(5, 32, 573), "CD": mustSID(5, 32, 574),
	"RA": mustSID(5, 32, 575), "ES": mustSID(5, 32, 576), "MS": mustSID(5, 32, 577),
	"HA": mustSID(5, 32, 578), "AA": mustSID(5, 32, 579), "RM": mustSID(5, 32, 580),
}

// sddlDomainAliases are RIDs relative to the domain SID.
var sddlDomainAliases = map[string]uint32{
	"RO": 498, "DA": 512, "DU": 513, "DG": 514, "DC": 515, "DD": 516, "CA": 517,
	"SA": 518, "EA": 519, "PA": 520, "CN": 522, "AP": 525, "KA": 526, "EK": 527, "RS": 553,
}

// sddlMachineAliases are RIDs relative to the machine SID.
var sddlMachineAliases = map[string]uint32{"LA": 500, "LG": 501}

// sddlAliasBySID is the reverse of sddlAbsoluteAliases, for formatting.
var sddlAliasBySID = func() map[SID]string {
	m := make(map[SID]string, len(sddlAbsoluteAliases))
	for k, v := range sddlAbsoluteAliases {
		m[v] = k
	}
	return m
}()

// sddlACETypes maps type codes to ACE types. RA (resource attribute) and FL
// (access filter) need claim and condition syntax, which this parser does
// not support.
var sddlACETypes = map[string]ACEType{
	"A": ACEAccessAllowed, "D": ACEAccessDenied, "AU": ACESystemAudit, "AL": ACESystemAlarm,
	"OA": ACEAccessAllowedObject, "OD": ACEAccessDeniedObject, "OU": ACESystemAuditObject, "OL": ACESystemAlarmObject,
	"XA": ACEAccessAllowedCallback, "XD": ACEAccessDeniedCallback, "ZA": ACEAccessAllowedCallbackObject,
	"ZD": ACEAccessDeniedCallbackObject, "XU": ACESystemAuditCallback, "XL": ACESystemAlarmCallback,
	"ZU": ACESystemAuditCallbackObject, "ZL": ACESystemAlarmCallbackObject,
	"ML": ACESystemMandatoryLabel, "SP": ACESystemScopedPolicyID, "TL": ACESystemProcessTrustLabel,
}

// sddlACETypeCode is the reverse of sddlACETypes.
var sddlACETypeCode = func() map[ACEType]string {
	m := make(map[ACEType]string, len(sddlACETypes))
	for k, v := range sddlACETypes {
		m[v] = k
	}
	return m
}()

// sddlACEFlags are the ACE flag codes, in formatting order.
var sddlACEFlags = []struct {
	code string
	flag ACEFlags
}{
	{"OI", ACEObjectInherit}, {"CI", ACEContainerInherit}, {"NP", ACENoPropagate},
	{"IO", ACEInheritOnly}, {"ID", ACEInherited}, {"SA", ACESuccessfulAccess}, {"FA", ACEFailedAccess},
}

// sddlRights are the rights codes (§24.17, including libpeios's K* codes).
// The label codes NW, NR and NX are deliberately absent: see
// sddlLabelCodes.
var sddlRights = map[string]AccessMask{
	"GA": GenericAll, "GR": GenericRead, "GW": GenericWrite, "GX": GenericExecute,
	"RC": ReadControl, "SD": Delete, "WD": WriteDAC, "WO": WriteOwner,
	"FA": 0x001F01FF, "FR": 0x00120089, "FW": 0x00120116, "FX": 0x001200A0,
	"KA": 0x000F003F, "KR": 0x00020019, "KX": 0x00020019, "KW": 0x00020006,
	"CC": 0x1, "DC": 0x2, "LC": 0x4, "SW": 0x8, "RP": 0x10, "WP": 0x20, "DT": 0x40, "LO": 0x80, "CR": 0x100,
}

// sddlLabelCodes are rejected: the libraries map NW to 0x1 and NR to 0x2
// (MS-DTYP numbering) while KACS reads 0x1 as NO_READ_UP and 0x2 as
// NO_WRITE_UP (§24.17 warning, §24.18 #18). Accepting them either way would
// silently mean the opposite of what some reader expects, so SDDL for Peios
// writes label masks in hex.
var sddlLabelCodes = map[string]bool{"NW": true, "NR": true, "NX": true}

// sddlACLFlags are the ACL flag codes and the control bits they set in a
// DACL and a SACL.
var sddlACLFlags = []struct {
	code       string
	dacl, sacl SDControl
}{
	{"P", DACLProtected, SACLProtected},
	{"AI", DACLAutoInherited, SACLAutoInherited},
	{"AR", DACLAutoInheritReq, SACLAutoInheritReq},
}

// sddlNullACL is the literal for a NULL ACL.
const sddlNullACL = "NO_ACCESS_CONTROL"
