package mm

import (
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// The per-process Peios state is kept in the high 32 bits of each task's
// own NUMA nodemask, for the same reasons as the per-VMA state: gVisor copies
// it into a new task at clone (so a forked child holds exactly its parent's
// state at the moment of the fork, even before clone returns), keeps it
// across exec and saves it in checkpoints. All threads of a process carry the
// same bits; setProcess writes them under spaceLock.mu, which clone also holds,
// so no new thread can copy a stale value.
const (
	// procMitigationShift positions the PSB mitigation bits (§4.2, 10 bits).
	procMitigationShift = 32
	procMitigationMask  = uint64(0x3ff) << procMitigationShift
	// procDynChosen says the process chose a dynamic-code policy with
	// PR_SET_DYNAMIC_CODE_POLICY; procDynAllowed is that choice. Both are
	// cleared by exec (D1: the new image starts at the sandbox default).
	procDynChosen  uint64 = 1 << 48
	procDynAllowed uint64 = 1 << 49
)

// process is the Peios state of one process.
type process struct {
	bits uint64 // the Peios half of the task nodemask
}

// Mitigations returns the PSB mitigation bits.
func (p process) mitigations() uint32 {
	return uint32((p.bits & procMitigationMask) >> procMitigationShift)
}

// processOf reads the calling process's state from t.
func processOf(t *kernel.Task) process {
	_, mask := t.NumaPolicy()
	return process{bits: mask & peiosBits}
}

// setProcess stores p on every thread of t's process.
//
// Preconditions: t's address space is locked.
func setProcess(t *kernel.Task, p process) {
	t.ThreadGroup().ForEachTask(func(o *kernel.Task) bool {
		policy, mask := o.NumaPolicy()
		o.SetNumaPolicy(policy, mask&^peiosBits|p.bits)
		return true
	})
}

// ExecCompleted resets the per-image state of t's process after a successful
// execve: the dynamic-code choice goes back to the sandbox default (D1),
// while the PSB mitigations are kept (§4.4).
func ExecCompleted(t *kernel.Task) {
	policy, mask := t.NumaPolicy()
	t.SetNumaPolicy(policy, mask&^(procDynChosen|procDynAllowed))
}
