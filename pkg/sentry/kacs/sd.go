package kacs

// kacs_get_sd and kacs_set_sd on a process (spec §24.3, §24.4), after the
// syscall layer has resolved the pidfd:
//
//	get: selector invalid -> EINVAL; AccessCheck of the process SD for the
//	     selector's rights (READ_CONTROL, ACCESS_SYSTEM_SECURITY), even for
//	     self, no SeDebugPrivilege rescue -> EACCES; another process not
//	     PIP-dominated -> EACCES
//	set: as get with the set rights and the RESTORE intent; then the input
//	     parsed (EINVAL), merged component by component
//	     (security.MergeForSet: EINVAL, EACCES, ERANGE) and the SD
//	     replaced atomically
//
// and on a token through a token handle (§24.14): the same, except that the
// AccessCheck is of the token's own SD with the token mapping (the handle's
// cached mask plays no part), there is no PIP dominance step, and a set
// bumps the token's modified id.

import (
	"errors"
	"sync"

	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/security"
)

// errno maps a security error to the errno KACS returns for it.
func errno(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, security.ErrAccessDenied):
		return linuxerr.EACCES
	case errors.Is(err, security.ErrTooLarge):
		return linuxerr.ERANGE
	}
	return linuxerr.EINVAL
}

// checkSDAccess is steps 2-3 of both calls.
func checkSDAccess(t *kernel.Task, target *kernel.ThreadGroup, desired security.AccessMask, intent security.PrivilegeIntent) (*Process, error) {
	caller, tp := Of(t), OfGroup(target)
	if _, err := security.ProcessAccessCheck(caller.PSB, caller.Token, tp.PSB, desired, intent); err != nil {
		return nil, errno(err)
	}
	if target != t.ThreadGroup() && !caller.PSB.Dominates(tp.PSB) {
		return nil, linuxerr.EACCES
	}
	return tp, nil
}

// GetSD returns the subset of target's process SD named by si, serialised.
func GetSD(t *kernel.Task, target *kernel.ThreadGroup, si security.SecurityInformation) ([]byte, error) {
	if err := si.Validate(); err != nil {
		return nil, linuxerr.EINVAL
	}
	tp, err := checkSDAccess(t, target, si.GetAccess(), 0)
	if err != nil {
		return nil, err
	}
	b, err := tp.PSB.SD().Subset(si).MarshalBinary()
	return b, errno(err)
}

// SetSD replaces the components named by si of target's process SD with
// those of input (a self-relative SD), all or nothing.
func SetSD(t *kernel.Task, target *kernel.ThreadGroup, si security.SecurityInformation, input []byte) error {
	if err := si.Validate(); err != nil {
		return linuxerr.EINVAL
	}
	tp := OfGroup(target)
	tp.sdMu.Lock()
	defer tp.sdMu.Unlock()
	if _, err := checkSDAccess(t, target, si.SetAccess(), security.IntentRestore); err != nil {
		return err
	}
	in, err := parseInput(input)
	if err != nil {
		return err
	}
	next, err := security.MergeForSet(tp.PSB.SD(), in, si, Of(t).Token)
	if err != nil {
		return errno(err)
	}
	tp.PSB.SetSD(next)
	return nil
}

// tokenSDMu serialises kacs_set_sd on tokens (§24.4 step 5). Token SD
// changes are rare; one lock serves every token.
var tokenSDMu sync.Mutex

// checkTokenSDAccess is the AccessCheck of a token SD get or set.
func checkTokenSDAccess(t *kernel.Task, tok *security.Token, desired security.AccessMask, intent security.PrivilegeIntent) error {
	caller := Of(t)
	pt, pr := caller.PSB.PIP()
	_, err := security.TokenAccessCheck(caller.Token, pt, pr, tok, desired, intent)
	return errno(err)
}

// GetTokenSD returns the subset of tok's own SD named by si, serialised.
func GetTokenSD(t *kernel.Task, tok *security.Token, si security.SecurityInformation) ([]byte, error) {
	if err := si.Validate(); err != nil {
		return nil, linuxerr.EINVAL
	}
	if err := checkTokenSDAccess(t, tok, si.GetAccess(), 0); err != nil {
		return nil, err
	}
	b, err := tok.SD().Subset(si).MarshalBinary()
	return b, errno(err)
}

// SetTokenSD replaces the components named by si of tok's own SD with those
// of input (a self-relative SD), all or nothing.
func SetTokenSD(t *kernel.Task, tok *security.Token, si security.SecurityInformation, input []byte) error {
	if err := si.Validate(); err != nil {
		return linuxerr.EINVAL
	}
	tokenSDMu.Lock()
	defer tokenSDMu.Unlock()
	if err := checkTokenSDAccess(t, tok, si.SetAccess(), security.IntentRestore); err != nil {
		return err
	}
	in, err := parseInput(input)
	if err != nil {
		return err
	}
	next, err := security.MergeForSet(tok.SD(), in, si, Of(t).Token)
	if err != nil {
		return errno(err)
	}
	tok.SetSD(next)
	return nil
}

// parseInput parses the SD given to kacs_set_sd with the structural rules
// of §24.4 step 8, including the kernel's ACE mask rule (§24.18 #5): EINVAL.
func parseInput(input []byte) (*security.SecurityDescriptor, error) {
	in, err := security.ParseSecurityDescriptor(input)
	if err != nil || in.CheckMasks() != nil {
		return nil, linuxerr.EINVAL
	}
	return in, nil
}
