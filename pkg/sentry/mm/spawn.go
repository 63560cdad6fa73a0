package mm

// clone, fork and vfork (spec §4.4, §20; D1).
//
//	a new process while the NO_CHILD mitigation is set -> EPERM
//
// The child gets its parent's per-process Peios state (mitigations,
// dynamic-code choice, keys) and the calling thread's PKRU (pkey.go)
// exactly as they are at the moment of the clone: the clone runs under the
// parent's address-space lock, so no other thread can change that state or
// a mapping's Peios bits half-way, and the child's bits are set before any
// task that waits on spawnMu can look at them.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// CloneFunc has gVisor perform the clone; it returns the new task's ID in
// the caller's PID namespace.
type CloneFunc func() (uintptr, *kernel.SyscallControl, error)

// Spawn checks a clone-family call by t with the clone flags flags (fork:
// 0, vfork: CLONE_VM|CLONE_VFORK) and has do perform it. What the child's
// address space gets is in fork.go.
func Spawn(t *kernel.Task, flags uint64, do CloneFunc) (uintptr, *kernel.SyscallControl, error) {
	s := lock(t)
	defer s.Unlock()
	p := processOf(t)
	if flags&linux.CLONE_THREAD == 0 && !ForkAllowed(t) {
		return 0, nil, linuxerr.EPERM
	}
	spawnMu.RLock()
	defer spawnMu.RUnlock()
	f, err := s.beginFork(t, p, flags)
	if err != nil {
		return 0, nil, err
	}
	tid, ctrl, err := do()
	if err == nil {
		if child := t.PIDNamespace().TaskWithID(kernel.ThreadID(tid)); child != nil {
			_, own := t.NumaPolicy()
			policy, mask := child.NumaPolicy()
			child.SetNumaPolicy(policy, mask&^(peiosBits|taskPKRUBits)|f.childBits(p.bits)|own&taskPKRUBits)
			f.child(child)
		}
	}
	f.end(err)
	return tid, ctrl, err
}
