package mm

// W^X (spec §7.4; DECISIONS D1).
//
// W^X is active for a process when its PSB has the WXP mitigation, or when
// the process chose to prohibit dynamic code, or - if it made no choice -
// when the sandbox policy is enforce or locked. While it is active:
//
//	mmap      prot has PROT_WRITE and PROT_EXEC                -> EACCES
//	mprotect  prot has PROT_WRITE and PROT_EXEC                -> EACCES
//	          a VMA is currently writable, prot has PROT_EXEC  -> EACCES
//	          a VMA is currently executable, prot has PROT_WRITE -> EACCES
//
// "Currently" is the VMA's protection now, so RW -> R -> RX is allowed.
//
// PR_SET_DYNAMIC_CODE_POLICY(1) relaxes W^X for the calling process; it fails
// EPERM when W^X is locked (sandbox policy locked, or WXP set). (0) makes it
// active again, and fails EACCES while a W+X mapping exists. Any other
// argument is EINVAL. Fork copies the choice; exec clears it (ExecCompleted).
//
// Every refusal is logged once per process, with the address and the way
// to opt out.

import (
	"fmt"
	"runtime"
	"sync"
	"weak"

	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/logging"
	"github.com/peios/runsc-peios/pkg/security"
)

// Peios prctl options (D1).
const (
	PR_SET_DYNAMIC_CODE_POLICY = 0x50444350
	PR_GET_DYNAMIC_CODE_POLICY = 0x50444351
)

// wxActive reports whether W^X applies to p, a process of t's container.
func wxActive(t *kernel.Task, p process) bool {
	if security.Mitigation(p.mitigations())&security.MitigationWXP != 0 {
		return true
	}
	if p.bits&procDynChosen != 0 {
		return p.bits&procDynAllowed == 0
	}
	return wxPolicy(t) != WXOff
}

// wxLocked reports whether p may not relax W^X.
func wxLocked(t *kernel.Task, p process) bool {
	return security.Mitigation(p.mitigations())&security.MitigationWXP != 0 ||
		wxPolicy(t) == WXLocked
}

// wxRefusesMap applies rule 1 to an mmap of protection at.
func wxRefusesMap(at hostarch.AccessType) bool {
	return at.Write && at.Execute
}

// wxRefusesProtect applies rules 2a and 2c to changing v to protection at.
// Rule 2b (a writable VMA made executable) needs the VMA's real protection:
// see Space.writable.
func wxRefusesProtect(v vma, at hostarch.AccessType) bool {
	return (at.Write && at.Execute) || (v.executable() && at.Write)
}

// refusedOnce records the processes whose W^X refusal was already logged,
// keyed by weak.Pointer[kernel.ThreadGroup].
var refusedOnce sync.Map

// refuseWX logs the first W^X refusal of t's process and returns EACCES.
func refuseWX(t *kernel.Task, op string, addr hostarch.Addr, at hostarch.AccessType) error {
	tg := t.ThreadGroup()
	key := weak.Make(tg)
	if _, loaded := refusedOnce.LoadOrStore(key, struct{}{}); !loaded {
		runtime.AddCleanup(tg, func(k weak.Pointer[kernel.ThreadGroup]) { refusedOnce.Delete(k) }, key)
		logging.L.Warnf("peios: W^X refused %s %s at %#x (pid %d, %s, container %q): the mapping would be writable and executable. "+
			"A JIT opts out with prctl(PR_SET_DYNAMIC_CODE_POLICY=0x%x, 1); a container with --peios-wx=off or the annotation dev.peios.mm/wx=off. "+
			"Further refusals in this process are not logged.",
			op, protString(at), uint64(addr), t.ThreadGroup().ID(), t.Name(), t.ContainerID(), PR_SET_DYNAMIC_CODE_POLICY)
	}
	return linuxerr.EACCES
}

func protString(at hostarch.AccessType) string {
	b := []byte("---")
	if at.Read {
		b[0] = 'r'
	}
	if at.Write {
		b[1] = 'w'
	}
	if at.Execute {
		b[2] = 'x'
	}
	return fmt.Sprintf("prot %s", b)
}

// SetDynamicCodePolicy implements prctl(PR_SET_DYNAMIC_CODE_POLICY, allow,
// a3, a4, a5).
func SetDynamicCodePolicy(t *kernel.Task, allow, a3, a4, a5 uint64) error {
	if allow > 1 || a3 != 0 || a4 != 0 || a5 != 0 {
		return linuxerr.EINVAL
	}
	s := lock(t)
	defer s.Unlock()
	p := processOf(t)
	if allow == 1 {
		if wxLocked(t, p) {
			return linuxerr.EPERM
		}
		p.bits |= procDynChosen | procDynAllowed
	} else {
		if !wxActive(t, p) && s.anyWriteExec(t) {
			return linuxerr.EACCES
		}
		p.bits = p.bits&^procDynAllowed | procDynChosen
	}
	setProcess(t, p)
	return nil
}

// DynamicCodePolicy implements prctl(PR_GET_DYNAMIC_CODE_POLICY): 1 if the
// calling process may generate code (W^X inactive), else 0.
func DynamicCodePolicy(t *kernel.Task) uintptr {
	if wxActive(t, processOf(t)) {
		return 0
	}
	return 1
}

// anyWriteExec reports whether any VMA is both writable and executable. It
// reads gVisor's maps data rather than the Peios bits, so it is exact even
// for VMAs this layer has not adopted yet.
//
// Preconditions: s is locked.
func (s Space) anyWriteExec(ctx context.Context) bool {
	found := false
	s.m.ReadMapsDataInto(ctx, func(_, _ hostarch.Addr, perms hostarch.AccessType, _ string, _ uint64, _, _ uint32, _ uint64, _ string) {
		found = found || (perms.Write && perms.Execute)
	})
	return found
}
