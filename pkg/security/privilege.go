package security

// Privileges and their bit numbers (the "luid" values, spec §24.11).

import (
	"strconv"
	"strings"
)

// Privilege is a privilege's bit number in the token bitmasks (0-63). The
// bitmask of privilege p is p.Mask().
type Privilege uint8

// The assigned privileges (§24.11). Bits 0, 1 and 36-61 are unassigned.
const (
	SeCreateTokenPrivilege          Privilege = 2
	SeAssignPrimaryTokenPrivilege   Privilege = 3
	SeLockMemoryPrivilege           Privilege = 4
	SeIncreaseQuotaPrivilege        Privilege = 5
	SeMachineAccountPrivilege       Privilege = 6
	SeTcbPrivilege                  Privilege = 7
	SeSecurityPrivilege             Privilege = 8
	SeTakeOwnershipPrivilege        Privilege = 9
	SeLoadDriverPrivilege           Privilege = 10
	SeSystemProfilePrivilege        Privilege = 11
	SeSystemtimePrivilege           Privilege = 12
	SeProfileSingleProcessPrivilege Privilege = 13
	SeIncreaseBasePriorityPrivilege Privilege = 14
	SeCreatePagefilePrivilege       Privilege = 15
	SeCreatePermanentPrivilege      Privilege = 16
	SeBackupPrivilege               Privilege = 17
	SeRestorePrivilege              Privilege = 18
	SeShutdownPrivilege             Privilege = 19
	SeDebugPrivilege                Privilege = 20
	SeAuditPrivilege                Privilege = 21
	SeSystemEnvironmentPrivilege    Privilege = 22
	SeChangeNotifyPrivilege         Privilege = 23
	SeRemoteShutdownPrivilege       Privilege = 24
	SeUndockPrivilege               Privilege = 25
	SeSyncAgentPrivilege            Privilege = 26
	SeEnableDelegationPrivilege     Privilege = 27
	SeManageVolumePrivilege         Privilege = 28
	SeImpersonatePrivilege          Privilege = 29
	SeCreateGlobalPrivilege         Privilege = 30
	SeTrustedCredManAccessPrivilege Privilege = 31
	SeRelabelPrivilege              Privilege = 32
	SeIncreaseWorkingSetPrivilege   Privilege = 33
	SeTimeZonePrivilege             Privilege = 34
	SeCreateSymbolicLinkPrivilege   Privilege = 35
	SeCreateJobPrivilege            Privilege = 62
	SeBindPrivilegedPortPrivilege   Privilege = 63
	maxPrivilege                    Privilege = 63
)

// privilegeNames holds the names of the assigned privileges by bit.
var privilegeNames = map[Privilege]string{
	SeCreateTokenPrivilege:          "SeCreateTokenPrivilege",
	SeAssignPrimaryTokenPrivilege:   "SeAssignPrimaryTokenPrivilege",
	SeLockMemoryPrivilege:           "SeLockMemoryPrivilege",
	SeIncreaseQuotaPrivilege:        "SeIncreaseQuotaPrivilege",
	SeMachineAccountPrivilege:       "SeMachineAccountPrivilege",
	SeTcbPrivilege:                  "SeTcbPrivilege",
	SeSecurityPrivilege:             "SeSecurityPrivilege",
	SeTakeOwnershipPrivilege:        "SeTakeOwnershipPrivilege",
	SeLoadDriverPrivilege:           "SeLoadDriverPrivilege",
	SeSystemProfilePrivilege:        "SeSystemProfilePrivilege",
	SeSystemtimePrivilege:           "SeSystemtimePrivilege",
	SeProfileSingleProcessPrivilege: "SeProfileSingleProcessPrivilege",
	SeIncreaseBasePriorityPrivilege: "SeIncreaseBasePriorityPrivilege",
	SeCreatePagefilePrivilege:       "SeCreatePagefilePrivilege",
	SeCreatePermanentPrivilege:      "SeCreatePermanentPrivilege",
	SeBackupPrivilege:               "SeBackupPrivilege",
	SeRestorePrivilege:              "SeRestorePrivilege",
	SeShutdownPrivilege:             "SeShutdownPrivilege",
	SeDebugPrivilege:                "SeDebugPrivilege",
	SeAuditPrivilege:                "SeAuditPrivilege",
	SeSystemEnvironmentPrivilege:    "SeSystemEnvironmentPrivilege",
	SeChangeNotifyPrivilege:         "SeChangeNotifyPrivilege",
	SeRemoteShutdownPrivilege:       "SeRemoteShutdownPrivilege",
	SeUndockPrivilege:               "SeUndockPrivilege",
	SeSyncAgentPrivilege:            "SeSyncAgentPrivilege",
	SeEnableDelegationPrivilege:     "SeEnableDelegationPrivilege",
	SeManageVolumePrivilege:         "SeManageVolumePrivilege",
	SeImpersonatePrivilege:          "SeImpersonatePrivilege",
	SeCreateGlobalPrivilege:         "SeCreateGlobalPrivilege",
	SeTrustedCredManAccessPrivilege: "SeTrustedCredManAccessPrivilege",
	SeRelabelPrivilege:              "SeRelabelPrivilege",
	SeIncreaseWorkingSetPrivilege:   "SeIncreaseWorkingSetPrivilege",
	SeTimeZonePrivilege:             "SeTimeZonePrivilege",
	SeCreateSymbolicLinkPrivilege:   "SeCreateSymbolicLinkPrivilege",
	SeCreateJobPrivilege:            "SeCreateJobPrivilege",
	SeBindPrivilegedPortPrivilege:   "SeBindPrivilegedPortPrivilege",
}

// Mask returns the privilege's bit in a token privilege bitmask.
func (p Privilege) Mask() uint64 { return 1 << (p & 63) }

// Name returns the privilege's name, or "" for an unassigned bit.
func (p Privilege) Name() string { return privilegeNames[p] }

// String returns the name, or the decimal bit number for an unassigned bit.
func (p Privilege) String() string {
	if n := p.Name(); n != "" {
		return n
	}
	return strconv.Itoa(int(p))
}

// LookupPrivilege finds a privilege by name, ignoring case.
func LookupPrivilege(name string) (Privilege, bool) {
	for p, n := range privilegeNames {
		if strings.EqualFold(n, name) {
			return p, true
		}
	}
	return 0, false
}

// Privileges returns the privileges whose bits are set in mask, in bit
// order.
func Privileges(mask uint64) []Privilege {
	var out []Privilege
	for b := Privilege(0); b <= maxPrivilege; b++ {
		if mask&b.Mask() != 0 {
			out = append(out, b)
		}
	}
	return out
}
