package mm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"

	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
)

// spaceLock is the Peios layer's lock for one address space. The layer keeps
// no state of its own per address space that must survive fork or restore
// (that lives in the VMAs themselves); it only serialises its
// check-and-act sequences.
type spaceLock struct {
	// mu is held by every gated syscall for the whole of its check and its
	// act, and by clone so that a child copies no half-applied change. It
	// is taken before any gVisor mm lock.
	mu sync.Mutex

	// self is a weak reference to the address space, by which a stale table
	// entry (left by an address space that died, whose address was reused)
	// is told from a live one. Immutable.
	self weak.Pointer[gmm.MemoryManager]
}

// locks maps the address of a gmm.MemoryManager to its *spaceLock. Keying by
// address keeps the lookup on every syscall cheap; nothing in the table
// refers to an address space strongly, and a cleanup removes the entry once
// the address space is garbage, so exited processes leave nothing behind.
var locks sync.Map

// recentLocks caches the locks of recently used address spaces, indexed by
// a hash of the address, so that the common lookup is one atomic load; a
// miss (or a slot taken by another address space) falls back to locks.
var recentLocks [256]atomic.Pointer[spaceLock]

// lockOf returns the lock of m, creating it on first use. A lock created
// after fork or restore starts unlocked, which is all it ever needs to be.
func lockOf(m *gmm.MemoryManager) *spaceLock {
	key := uintptr(unsafe.Pointer(m))
	slot := &recentLocks[(key>>10^key>>18)%uintptr(len(recentLocks))]
	if l := slot.Load(); l != nil && l.self.Value() == m {
		return l
	}
	l := lockOfSlow(m, key)
	slot.Store(l)
	return l
}

// lockOfSlow finds or creates the lock of m in the table.
func lockOfSlow(m *gmm.MemoryManager, key uintptr) *spaceLock {
	for {
		old, ok := locks.Load(key)
		if ok && old.(*spaceLock).self.Value() == m {
			return old.(*spaceLock)
		}
		l := &spaceLock{self: weak.Make(m)}
		var stored bool
		if ok {
			stored = locks.CompareAndSwap(key, old, l)
		} else {
			_, loaded := locks.LoadOrStore(key, l)
			stored = !loaded
		}
		if stored {
			runtime.AddCleanup(m, func(l *spaceLock) { locks.CompareAndDelete(key, l) }, l)
			return l
		}
	}
}

// Space is an address space whose Peios lock is held: what lock returns and
// what every check and act of this layer works on. It is valid until Unlock.
type Space struct {
	l *spaceLock
	m *gmm.MemoryManager
}

// lock locks and returns the address space of t.
func lock(t *kernel.Task) Space {
	return lockSpace(t.MemoryManager())
}

// lockSpace locks and returns the address space m.
func lockSpace(m *gmm.MemoryManager) Space {
	l := lockOf(m)
	l.mu.Lock()
	return Space{l: l, m: m}
}

// Unlock releases the address space.
func (s Space) Unlock() { s.l.mu.Unlock() }

// LockAddressSpace locks t's address space for a syscall that must not
// interleave with the layer's check-and-act sequences (clone, execve).
func LockAddressSpace(t *kernel.Task) Space { return lock(t) }
