package mm

// What fork does to the Peios state of the address space (spec §20, §10.4,
// §14, §11.2), for a clone that creates a new address space (no CLONE_VM):
//
//	DONTFORK VMAs      absent in the child (gVisor)
//	WIPEONFORK VMAs    present in the child, zero-filled (the flag is kept)
//	locks, MCL_FUTURE  not inherited: the child's VMAs are unlocked
//	seals, advice, keys, commit state of the VMAs: copied (they are VMA bits)
//	strict commit      the child is charged for every accounted VMA it gets;
//	                   over the limit the clone fails           -> ENOMEM
//
// gVisor copies the VMAs; the child then needs fixing (zeroing, unlocking)
// before it runs, or it could read a WIPEONFORK range's old contents. gVisor
// has no hook between creating and starting a task, so a fork from a
// process that ever had WIPEONFORK or locked memory (procForkState) holds
// every task of the sandbox in an external stop (the mechanism checkpointing
// uses) from before the clone until the child is fixed: the child starts
// stopped, and the other tasks resume where they were. Forks of other
// processes pay nothing.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
)

// procForkState says the process may have WIPEONFORK or locked VMAs, or
// MCL_FUTURE: a fork must fix the child (process.go). It is never cleared
// while the image lives; exec clears it.
const procForkState uint64 = 1 << 51

// procImageBits are the process bits that describe the address space and
// so end with exec: MCL_FUTURE, the fork state and the pkey state.
const procImageBits = procMCLFuture | procMCLOnFault | procForkState | procPkeyBits

// setForkState records that t's process has state a fork must fix.
//
// Preconditions: t's address space is locked.
func setForkState(t *kernel.Task) {
	if p := processOf(t); p.bits&procForkState == 0 {
		p.bits |= procForkState
		setProcess(t, p)
	}
}

// forkOp is a clone in progress, from beginFork to end.
type forkOp struct {
	s      Space
	newMM  bool            // the child gets its own address space
	fix    bool            // the child needs fixing before it runs
	stop   *kernel.TaskSet // stopped for the clone, or nil
	charge uint64          // strict commit reserved for the child
}

// beginFork prepares a clone with flags by t, whose process state is p:
// it reserves the child's strict commit charge (ENOMEM over the limit) and
// stops the sandbox if the child will need fixing.
//
// Preconditions: s is t's locked address space.
func (s Space) beginFork(t *kernel.Task, p process, flags uint64) (forkOp, error) {
	f := forkOp{s: s, newMM: flags&linux.CLONE_VM == 0}
	if !f.newMM {
		return f, nil
	}
	if strictCommit() {
		var charge uint64
		for _, v := range s.all(t) {
			if v.accounted() && v.mask&bitDontFork == 0 {
				charge += uint64(v.ar.Length())
			}
		}
		if err := reserve(t, charge); err != nil {
			return f, err
		}
		f.charge = charge
	}
	if p.bits&procForkState != 0 {
		f.fix = true
		f.stop = t.Kernel().TaskSet()
		f.stop.BeginExternalStop()
	}
	return f, nil
}

// childBits returns the process bits the child gets from bits.
func (f forkOp) childBits(bits uint64) uint64 {
	if f.newMM {
		return bits &^ (procMCLFuture | procMCLOnFault)
	}
	return bits
}

// child fixes the new child's address space, if it has its own.
//
// Preconditions: f.s is locked; the child has not run yet if f.fix.
func (f forkOp) child(child *kernel.Task) {
	if !f.newMM {
		return
	}
	var m *gmm.MemoryManager
	child.WithMuLocked(func(c *kernel.Task) { m = c.MemoryManager() })
	if m == nil || m == f.s.m {
		return
	}
	// The child's lock exists from now on, so commit.go counts its
	// address space. It is taken after the parent's (doc.go).
	cs := Space{l: lockOf(m), m: m}
	if !f.fix {
		return
	}
	cs.l.mu.Lock()
	defer cs.l.mu.Unlock()
	for _, v := range cs.collect(everything, nil) {
		if v.mask&forkResetBits != 0 {
			cs.setVMABits(v, forkResetBits, 0)
		}
		if v.wipeOnFork() {
			m.Decommit(v.ar.Start, uint64(v.ar.Length()))
		}
	}
}

// end finishes the clone: the reserved charge now belongs to the child's
// accounted VMAs, or is given back if the clone failed; the sandbox
// resumes.
func (f forkOp) end(err error) {
	if err != nil {
		unreserve(f.charge)
	} else {
		settled(f.charge)
	}
	if f.stop != nil {
		f.stop.EndExternalStop()
	}
}
