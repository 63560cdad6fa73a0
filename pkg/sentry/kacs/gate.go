package kacs

import (
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"

	"github.com/peios/runsc-peios/pkg/logging"
	"github.com/peios/runsc-peios/pkg/security"
)

// Authorize applies the two-check rule of §6.2 to the calling task t acting
// on the process target for right: allowed without checks when target is
// t's own process or shares its address space; otherwise the target's
// process SD must grant right to t's token (or SeDebugPrivilege replaces
// that check, and is marked used) and t's PSB must dominate the target's.
// There is no parent/child shortcut and UID 0 is not special. The caller
// maps a denial to its syscall's errno (§6.3).
func Authorize(t *kernel.Task, target *kernel.ThreadGroup, right security.AccessMask) bool {
	return authorize(t, target, right, false)
}

// AuthorizeSDOnly is Authorize without the PIP dominance check: the
// target's process SD must grant right (SeDebugPrivilege rescue as §6.2).
// /proc/<pid>/psb uses it with PROCESS_QUERY_LIMITED (§24.16).
func AuthorizeSDOnly(t *kernel.Task, target *kernel.ThreadGroup, right security.AccessMask) bool {
	return authorize(t, target, right, true)
}

// authorize is Authorize, with or without the PIP check.
func authorize(t *kernel.Task, target *kernel.ThreadGroup, right security.AccessMask, sdOnly bool) bool {
	if target == t.ThreadGroup() || sharesAddressSpace(t, target) {
		return true
	}
	caller, tp := Of(t), OfGroup(target)
	d := security.AuthorizeProcessAccess(security.ProcessAccess{
		Caller: caller.PSB,
		Token:  caller.Token,
		Target: tp.PSB,
		Right:  right,
		SDOnly: sdOnly,
	})
	if !d.Allowed {
		logging.L.Debugf("peios: process %d denied %#x on process %d: %v", t.ThreadGroup().ID(), uint32(right), target.ID(), d.Reason)
	}
	return d.Allowed
}

// sharesAddressSpace reports whether target's leader uses t's address space
// (a CLONE_VM sibling).
func sharesAddressSpace(t *kernel.Task, target *kernel.ThreadGroup) bool {
	leader := target.Leader()
	if leader == nil {
		return false
	}
	var m *gmm.MemoryManager
	leader.WithMuLocked(func(lt *kernel.Task) { m = lt.MemoryManager() })
	return m != nil && m == t.MemoryManager()
}

// Dominates reports whether t's process dominates target in PIP terms
// (§6.2 check 2 alone).
func Dominates(t *kernel.Task, target *kernel.ThreadGroup) bool {
	return Of(t).PSB.Dominates(OfGroup(target).PSB)
}
