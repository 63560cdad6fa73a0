// Package mm is the Peios memory-manager layer: the per-address-space and
// per-mapping Peios state, and every Peios rule about what may be put into an
// address space (W^X, sealing), on top of gVisor's mm.MemoryManager, which
// keeps doing the page-level work.
//
// # Where the state lives
//
// Per-mapping state (sealed, current protection, maximum protection, the
// kind of mapping, locks, advice flags, hugetlb, commit charge) is kept in
// the high 32 bits of the VMA's NUMA nodemask (see vmabits.go and
// vmaflags.go). gVisor
// splits, merges, copies on fork, moves with mremap and saves for
// checkpoint/restore exactly that field together with the VMA, so the Peios
// state cannot drift from gVisor's mappings. A side table keyed by address
// space cannot do this: a forked child runs before clone returns, and a
// restored sandbox has new address-space objects.
//
// Per-process state (mitigations, dynamic-code policy, protection-key
// allocation) is kept the same way in the high bits of every task's own
// NUMA nodemask (see process.go), and a thread's PKRU in bits 2..31 of its
// own (pkey.go): the clone wrapper copies them to a new task, and gVisor
// keeps them across exec and saves them.
//
// The mempolicy syscalls are wrapped (mempolicy.go) so that programs never
// see or change these bits.
//
// # Locking
//
// Lock order:
//
//	spaceLock.mu (this package, one per address space)
//	  spaceLock.mu of a fork child's new address space (fork.go)
//	  commit.mu (commit.go, one per sandbox)
//	    gVisor's mm.MemoryManager.mappingMu (of any address space)
//	      gVisor's mm.MemoryManager.activeMu
//	  kernel.Task.mu (via Task.NumaPolicy / SetNumaPolicy)
//
// Every syscall this layer gates takes spaceLock.mu of the caller's address space
// for the whole of its check and its act, so no other thread can change a
// mapping between the two. clone, fork and vfork also hold it, so a child
// never copies a half-applied change. gVisor's own locks are taken inside the
// exported MemoryManager methods this layer calls; this layer never calls
// back into itself while holding them.
package mm
