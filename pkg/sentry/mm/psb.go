package mm

// kacs_set_psb on the calling process (spec §4.3).
//
//	bits outside MitigationAll                          -> EINVAL
//	WXP requested while a VMA is writable and executable -> EACCES
//	TLP or LSV requested while a file-backed executable
//	  VMA exists (the sandbox has no approved path prefix
//	  and no signed files)                               -> EACCES
//
// Bits are OR-ed in and never cleared. The request is transactional: if any
// newly requested bit fails validation, none is stored.

import (
	"strings"

	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"

	"github.com/peios/runsc-peios/pkg/security"
)

// SetMitigations ORs req into the PSB mitigations of target's process,
// validated against that process's mappings. For another process, the
// caller has already passed the cross-process gate.
func SetMitigations(target *kernel.Task, req security.Mitigation) error {
	if req&^security.MitigationAll != 0 {
		return linuxerr.EINVAL
	}
	var m *gmm.MemoryManager
	target.WithMuLocked(func(tt *kernel.Task) { m = tt.MemoryManager() })
	if m == nil || !m.IncUsers() {
		return linuxerr.ESRCH
	}
	defer m.DecUsers(target)
	s := lockSpace(m)
	defer s.Unlock()
	t := target
	p := processOf(t)
	have := security.Mitigation(p.mitigations())
	add := req.Normalize() &^ have
	if add == 0 {
		return nil
	}
	if add&security.MitigationWXP != 0 && s.anyWriteExec(t) {
		return linuxerr.EACCES
	}
	if add&(security.MitigationTLP|security.MitigationLSV) != 0 && s.anyExecutableFile(t) {
		return linuxerr.EACCES
	}
	p.bits |= uint64(add) << procMitigationShift
	setProcess(t, p)
	return nil
}

// OwnMitigations returns the PSB mitigations of t's process.
func OwnMitigations(t *kernel.Task) security.Mitigation {
	return security.Mitigation(processOf(t).mitigations())
}

// ForkAllowed reports whether t's process may create a child process: not
// when it set the NO_CHILD mitigation (§4.2).
func ForkAllowed(t *kernel.Task) bool {
	return security.Mitigation(processOf(t).mitigations())&security.MitigationNoChild == 0
}

// anyExecutableFile reports whether a file-backed VMA is executable.
//
// Preconditions: s is locked.
func (s Space) anyExecutableFile(t *kernel.Task) bool {
	found := false
	s.m.ReadMapsDataInto(t, func(_, _ hostarch.Addr, perms hostarch.AccessType, _ string, _ uint64, _, _ uint32, ino uint64, path string) {
		fileBacked := ino != 0 && path != "" && !strings.HasPrefix(path, "[")
		found = found || (perms.Execute && fileBacked)
	})
	return found
}
