package mm

import (
	"sync"

	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// The per-process Peios state is kept in the high 32 bits of each task's
// own NUMA nodemask, which gVisor keeps across exec and saves in checkpoints.
// All threads of a process carry the same bits; setProcess writes them under
// the address-space lock, which clone also holds.
//
// gVisor does not copy a task's NUMA policy to the tasks clone creates, so
// Spawn copies the bits itself once clone returns. The new task may run
// before that: a task whose bits lack procInit is either such a task or the
// first process of a container (which gVisor's loader started), and
// processOf tells them apart by waiting for every clone in flight to finish
// (spawnMu).
const (
	// procMitigationShift positions the PSB mitigation bits (§4.2, 10 bits).
	procMitigationShift = 32
	procMitigationMask  = uint64(0x3ff) << procMitigationShift
	// procDynChosen says the process chose a dynamic-code policy with
	// PR_SET_DYNAMIC_CODE_POLICY; procDynAllowed is that choice. Both are
	// cleared by exec (D1: the new image starts at the sandbox default).
	procDynChosen  uint64 = 1 << 48
	procDynAllowed uint64 = 1 << 49
	// procInit says the bits are this process's: copied from the parent by
	// Spawn, or set up by processOf for a container's first process.
	procInit uint64 = 1 << 50
)

// spawnMu is read-held by every clone from before the new task exists until
// its bits are set, and write-held by a task that finds its bits unset while
// it waits for that.
var spawnMu sync.RWMutex

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
	if mask&procInit != 0 {
		return process{bits: mask & peiosBits}
	}
	// A new task: wait until any clone that created it has set its bits.
	spawnMu.Lock()
	defer spawnMu.Unlock()
	_, mask = t.NumaPolicy()
	if mask&procInit == 0 {
		// Nobody set them: the first process of a container, which
		// starts at the container's defaults.
		cid := t.ContainerID()
		m := policyFor(cid).Mitigations.For(t.Kernel().ContainerName(cid), uint32(t.Credentials().RealKUID))
		mask |= procInit | uint64(m)<<procMitigationShift
		setProcess(t, process{bits: mask & peiosBits})
	}
	return process{bits: mask & peiosBits}
}

// setProcess stores p on every thread of t's process.
//
// Preconditions: t's address space is locked, or t's process is new and
// spawnMu is held.
func setProcess(t *kernel.Task, p process) {
	t.ThreadGroup().ForEachTask(func(o *kernel.Task) bool {
		policy, mask := o.NumaPolicy()
		o.SetNumaPolicy(policy, mask&^peiosBits|p.bits)
		return true
	})
}

// ExecCompleted resets the per-image state of t's process after a successful
// execve: the dynamic-code choice goes back to the sandbox default (D1),
// while the PSB mitigations are kept (§4.4); the state of the old address
// space (MCL_FUTURE, keys: procImageBits) ends with it, the thread's PKRU
// goes back to the default (pkey.go), and the new image is charged
// (commit.go).
func ExecCompleted(t *kernel.Task) {
	policy, mask := t.NumaPolicy()
	t.SetNumaPolicy(policy, mask&^(procDynChosen|procDynAllowed|procImageBits|taskPKRUBits))
	imageLoaded(t)
}
