package mm

import (
	"runtime"
	"sync"
	"weak"

	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
)

// Space is the Peios layer's handle on one address space. It holds no state
// that must survive fork or restore (that lives in the VMAs themselves); it
// only serialises the layer's check-and-act sequences.
type Space struct {
	// mu is held by every gated syscall for the whole of its check and its
	// act, and by clone so that a child copies no half-applied change. It
	// is taken before any gVisor mm lock.
	mu sync.Mutex

	// m is the gVisor address space. Immutable.
	m *gmm.MemoryManager
}

// spaces maps weak.Pointer[gmm.MemoryManager] to *Space. Entries are removed
// by a cleanup once the address space is garbage, so exited processes leave
// nothing behind.
var spaces sync.Map

// spaceOf returns the Space of m, creating it on first use. A Space created
// after fork or restore starts unlocked, which is all it ever needs to be.
func spaceOf(m *gmm.MemoryManager) *Space {
	key := weak.Make(m)
	if s, ok := spaces.Load(key); ok {
		return s.(*Space)
	}
	s, loaded := spaces.LoadOrStore(key, &Space{m: m})
	if !loaded {
		runtime.AddCleanup(m, func(k weak.Pointer[gmm.MemoryManager]) { spaces.Delete(k) }, key)
	}
	return s.(*Space)
}
