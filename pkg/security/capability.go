package security

// Linux capabilities answered from the token (spec §3.8): a capability is
// held iff the mapped privilege is present and enabled, and a successful
// check marks the privilege used. UID 0 and capability sets grant nothing
// (§3.9).

// Linux capability numbers used by the mapping.
const (
	CapSetPCap           = 8
	CapIPCLock           = 14
	CapSysRawIO          = 17
	CapSysPtrace         = 19
	CapSysAdmin          = 21
	CapSysNice           = 23
	CapSysResource       = 24
	CapSetFCap           = 31
	CapMACOverride       = 32
	CapBPF               = 39
	CapCheckpointRestore = 40
)

// capabilityPrivileges is the §3.8 mapping.
var capabilityPrivileges = map[int]Privilege{
	CapIPCLock:           SeLockMemoryPrivilege,
	CapSysNice:           SeIncreaseBasePriorityPrivilege,
	CapSysResource:       SeIncreaseQuotaPrivilege,
	CapSysPtrace:         SeDebugPrivilege,
	CapSysAdmin:          SeTcbPrivilege,
	CapSysRawIO:          SeTcbPrivilege,
	CapCheckpointRestore: SeTcbPrivilege,
	CapBPF:               SeTcbPrivilege,
}

// CapabilityPrivilege returns the privilege that answers capability c. It
// reports false for CAP_SETPCAP, CAP_SETFCAP and CAP_MAC_OVERRIDE (always
// denied) and for capabilities the spec does not map.
func CapabilityPrivilege(c int) (Privilege, bool) {
	p, ok := capabilityPrivileges[c]
	return p, ok
}

// HasCapability answers a Linux capability check from the token: true iff
// the mapped privilege is in effect, which is then marked used. Unmapped
// and always-denied capabilities are false.
func (t *Token) HasCapability(c int) bool {
	p, ok := CapabilityPrivilege(c)
	return ok && t.UsePrivilege(p)
}
