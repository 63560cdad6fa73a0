// Package containercfg holds a sandbox's per-container configuration: one
// value for the sandbox, which applies to containers without one of their
// own, and one per container ID. It is written a few times, when
// containers start, and read on every syscall that needs it, so reads take
// no lock: every write replaces an immutable snapshot.
package containercfg

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Table is the configuration of type T for the sandbox and its containers.
// The zero value is an empty table, whose lookups return the zero T.
type Table[T any] struct {
	// mu serialises writers.
	mu sync.Mutex
	// cur is the current snapshot; never modified once stored.
	cur atomic.Pointer[snapshot[T]]
}

type snapshot[T any] struct {
	sandbox    T
	containers map[string]T
}

// SetSandbox sets the value of containers that have none of their own.
func (t *Table[T]) SetSandbox(v T) {
	t.update(func(s *snapshot[T]) { s.sandbox = v })
}

// SetContainer sets the value of the container with ID cid.
func (t *Table[T]) SetContainer(cid string, v T) {
	t.update(func(s *snapshot[T]) { s.containers[cid] = v })
}

// For returns the value of container cid, or the sandbox's.
func (t *Table[T]) For(cid string) T {
	s := t.cur.Load()
	if s == nil {
		var zero T
		return zero
	}
	if v, ok := s.containers[cid]; ok {
		return v
	}
	return s.sandbox
}

// Sandbox returns the sandbox's value.
func (t *Table[T]) Sandbox() T {
	if s := t.cur.Load(); s != nil {
		return s.sandbox
	}
	var zero T
	return zero
}

// update replaces the snapshot with a copy changed by f.
func (t *Table[T]) update(f func(*snapshot[T])) {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := &snapshot[T]{containers: make(map[string]T)}
	if cur := t.cur.Load(); cur != nil {
		next.sandbox = cur.sandbox
		maps.Copy(next.containers, cur.containers)
	}
	f(next)
	t.cur.Store(next)
}
