package security

// The cross-process gate, "two-check rule" (spec §6.1, §6.2), implemented
// exactly:
//
//	AuthorizeProcessAccess(caller, target, right)
//	  own process or shared address space            -> allow, no checks
//	  check 1: AccessCheck(target SD, effective token, right,
//	           PROCESS mapping, caller PIP from its PSB)
//	    denied because a trust label ACE (0x14) removed the right -> deny
//	    denied otherwise: SeDebugPrivilege enabled? mark it used, go on;
//	                      else deny
//	  check 2: PipDominates(caller PSB, target PSB)   -> else deny
//	  allow
//
// No parent/child shortcut, no UID comparison, no dumpable test. SeDebug
// replaces only check 1; nothing bypasses check 2. Both denials map to the
// same errno (§6.3: EPERM for process_vm_readv/writev, EACCES elsewhere).

import "errors"

// GateReason says how the gate decided.
type GateReason int

// Gate reasons.
const (
	// GateSelf: the target is the caller's own process; nothing was checked.
	GateSelf GateReason = iota
	// GateGranted: the SD granted the right and PIP dominance holds.
	GateGranted
	// GateDebugPrivilege: the SD denied, SeDebugPrivilege replaced check 1
	// and PIP dominance holds.
	GateDebugPrivilege
	// GateDeniedSD: the SD denied and SeDebugPrivilege is not enabled.
	GateDeniedSD
	// GateDeniedTrustLabel: a trust label ACE in the SD denied the right;
	// SeDebugPrivilege cannot help.
	GateDeniedTrustLabel
	// GateDeniedPIP: the caller's PSB does not dominate the target's.
	GateDeniedPIP
	// GateDeniedInvalid: the right itself is invalid (reserved bits).
	GateDeniedInvalid
)

// String names the reason.
func (r GateReason) String() string {
	switch r {
	case GateSelf:
		return "same process"
	case GateGranted:
		return "granted by the process SD"
	case GateDebugPrivilege:
		return "SeDebugPrivilege"
	case GateDeniedSD:
		return "denied by the process SD"
	case GateDeniedTrustLabel:
		return "denied by the process trust label"
	case GateDeniedPIP:
		return "caller does not dominate the target's PIP"
	case GateDeniedInvalid:
		return "invalid right"
	}
	return "unknown"
}

// ProcessAccess is a request for the gate. Caller, Token and Target must be
// non-nil.
type ProcessAccess struct {
	// Caller is the calling process's PSB.
	Caller *PSB
	// Token is the calling thread's effective token.
	Token *Token
	// Target is the target process's PSB.
	Target *PSB
	// Right is the process right wanted (e.g. ProcessVMRead).
	Right AccessMask
	// SameProcess says the target is the caller's own thread group or shares
	// its address space (CLONE_VM). A Target equal to Caller is also self.
	SameProcess bool
	// CheckSelf runs both checks even on the caller's own process, as
	// kacs_open_process_token does (§24.9 step 4); dominance of itself is
	// trivially true.
	CheckSelf bool
	// SDOnly skips check 2 (PIP dominance): /proc/<pid>/psb lets a
	// non-dominant caller see how a process is protected (§24.16).
	SDOnly bool
}

// GateDecision is the gate's answer.
type GateDecision struct {
	Allowed bool
	Reason  GateReason
}

// Err returns nil when allowed, else an error matching ErrAccessDenied (or
// ErrInvalidArgument for GateDeniedInvalid) that names the reason.
func (d GateDecision) Err() error {
	switch {
	case d.Allowed:
		return nil
	case d.Reason == GateDeniedInvalid:
		return invalidf("%v", d.Reason)
	}
	return deniedf("%v", d.Reason)
}

// AuthorizeProcessAccess is the §6.2 gate. A stored SD that fails to
// evaluate (malformed label SID) counts as an SD denial, which
// SeDebugPrivilege rescues like any other (§22 #23); the caller maps a
// denial to EPERM or EACCES per §6.3.
func AuthorizeProcessAccess(r ProcessAccess) GateDecision {
	if !r.CheckSelf && (r.SameProcess || r.Caller == r.Target) {
		return GateDecision{true, GateSelf}
	}
	reason := GateGranted
	_, err := ProcessAccessCheck(r.Caller, r.Token, r.Target, r.Right, 0)
	if err != nil {
		var ade *AccessDeniedError
		switch {
		case errors.Is(err, ErrInvalidArgument):
			return GateDecision{false, GateDeniedInvalid}
		case errors.As(err, &ade) && ade.TrustLabel:
			return GateDecision{false, GateDeniedTrustLabel}
		case !r.Token.PrivilegeEnabled(SeDebugPrivilege):
			return GateDecision{false, GateDeniedSD}
		}
		r.Token.MarkPrivilegeUsed(SeDebugPrivilege)
		reason = GateDebugPrivilege
	}
	if !r.SDOnly && !r.Caller.Dominates(r.Target) {
		return GateDecision{false, GateDeniedPIP}
	}
	return GateDecision{true, reason}
}

// ProcessAccessCheck is check 1 alone: AccessCheck of the target's process
// SD for desired, with the process mapping and the caller's PIP axes. It
// has no self shortcut and no SeDebugPrivilege rescue, as kacs_get_sd and
// kacs_set_sd need (§24.3 step 2, §24.4 step 6 with IntentRestore).
func ProcessAccessCheck(caller *PSB, tok *Token, target *PSB, desired AccessMask, intent PrivilegeIntent) (AccessMask, error) {
	pt, pr := caller.PIP()
	return AccessCheck(&AccessRequest{
		SD:       target.SD(),
		Token:    tok,
		Desired:  desired,
		Mapping:  ProcessMapping,
		PIPType:  pt,
		PIPTrust: pr,
		Intent:   intent,
	})
}
