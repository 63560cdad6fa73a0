package kacs

// kacs_get_sd and kacs_set_sd on a process (spec §24.3, §24.4), after the
// syscall layer has resolved the pidfd:
//
//	get: selector invalid -> EINVAL; AccessCheck of the process SD for the
//	     selector's rights (READ_CONTROL, ACCESS_SYSTEM_SECURITY), even for
//	     self, no SeDebugPrivilege rescue -> EACCES; another process not
//	     PIP-dominated -> EACCES
//	set: as get with the set rights and the RESTORE intent; then the input
//	     merged component by component (security.MergeForSet: EINVAL,
//	     EACCES, ERANGE) and the SD replaced atomically

import (
	"errors"

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
	in, err := security.ParseSecurityDescriptor(input)
	if err != nil {
		return linuxerr.EINVAL
	}
	next, err := security.MergeForSet(tp.PSB.SD(), in, si, Of(t).Token)
	if err != nil {
		return errno(err)
	}
	tp.PSB.SetSD(next)
	return nil
}
