package kacs

// Opening token handles (spec §24.8, §24.9). The syscall layer checks the
// flags and the access mask (security.CheckTokenOpenMask, EINVAL) and
// resolves the pidfd (EBADF, ESRCH) first; then, in order:
//
//	kacs_open_process_token / kacs_open_thread_token only:
//	  PROCESS_QUERY_INFORMATION on the target's process SD, even for self
//	  (SeDebugPrivilege rescues it unless a trust label ACE denied it),
//	  and PIP dominance of the target                          -> EACCES
//	both:
//	  AccessCheck of the token's own SD for the mask, with the token
//	  mapping and the caller's PIP                             -> EACCES
//	  fd allocation                                            -> EMFILE, ENOMEM
//
// The sandbox has no impersonation, so a thread's effective token is its
// process's primary token: every handle refers to a process's primary
// token, the live object its checks use.

import (
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/logging"
	"github.com/peios/runsc-peios/pkg/security"
)

// OpenSelfToken opens a handle with the rights desired on the calling
// thread's token and returns its descriptor (kacs_open_self_token).
func OpenSelfToken(t *kernel.Task, desired security.AccessMask) (int32, error) {
	return openToken(t, t.ThreadGroup(), desired)
}

// OpenProcessToken opens a handle with the rights desired on target's
// primary token and returns its descriptor (kacs_open_process_token).
func OpenProcessToken(t *kernel.Task, target *kernel.ThreadGroup, desired security.AccessMask) (int32, error) {
	caller := Of(t)
	d := security.AuthorizeProcessAccess(security.ProcessAccess{
		Caller:    caller.PSB,
		Token:     caller.Token,
		Target:    OfGroup(target).PSB,
		Right:     security.ProcessQueryInformation,
		CheckSelf: true,
	})
	if !d.Allowed {
		logging.L.Debugf("peios: process %d may not open the token of process %d: %v", t.ThreadGroup().ID(), target.ID(), d.Reason)
		return 0, linuxerr.EACCES
	}
	return openToken(t, target, desired)
}

// openToken checks desired against owner's token SD and installs the
// handle.
func openToken(t *kernel.Task, owner *kernel.ThreadGroup, desired security.AccessMask) (int32, error) {
	caller := Of(t)
	pt, pr := caller.PSB.PIP()
	granted, err := security.TokenAccessCheck(caller.Token, pt, pr, OfGroup(owner).Token, desired, 0)
	if err != nil {
		return 0, errno(err)
	}
	file, err := newTokenFile(t, owner, granted)
	if err != nil {
		return 0, err
	}
	defer file.DecRef(t)
	return t.NewFDFrom(0, file, kernel.FDFlags{CloseOnExec: true})
}

// OpenQueryToken installs a query-only handle (the fixed cached mask
// TOKEN_QUERY, no check against the token's SD) on owner's primary token,
// as the files of §24.13 yield; the caller checks access to owner.
func OpenQueryToken(t *kernel.Task, owner *kernel.ThreadGroup, cloexec bool) (int32, error) {
	file, err := newTokenFile(t, owner, security.TokenQuery)
	if err != nil {
		return 0, err
	}
	defer file.DecRef(t)
	return t.NewFDFrom(0, file, kernel.FDFlags{CloseOnExec: cloexec})
}
