// Package containercfg holds a sandbox's per-container configuration: one
// value for the sandbox, which applies to containers without one of their
// own, and one per container ID. It is written a few times, when
// containers start, and read on every syscall that needs it, so reads take
// no lock: every write replaces an immutable snapshot.
//
// A container's configuration may still be on its way when its first
// process looks it up (runsc-peios create sends it to the sandbox; see
// SetPending): a lookup that finds no entry first takes in what is pending,
// then looks again, once per container.
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

// pending takes in configuration that has arrived for containers but is
// not in the tables yet; nil when nothing can arrive.
var pending atomic.Pointer[func()]

// SetPending sets the function a lookup calls when a container has no
// entry: it must put what has arrived into the tables (SetContainer) and
// return without waiting for more. SetPending(nil) removes it.
func SetPending(f func()) {
	if f == nil {
		pending.Store(nil)
		return
	}
	pending.Store(&f)
}

// For returns the value of container cid, or the sandbox's.
func (t *Table[T]) For(cid string) T {
	if v, ok := t.lookup(cid); ok {
		return v
	}
	if f := pending.Load(); f != nil {
		(*f)()
		if v, ok := t.lookup(cid); ok {
			return v
		}
		// Nothing is on its way for cid (a container's configuration
		// arrives before its first process), so cid takes the
		// sandbox's value from now on, without looking twice: lookups
		// sit on hot paths (every mprotect asks for the W^X policy).
		// A value set for cid later replaces it.
		v := t.Sandbox()
		t.update(func(s *snapshot[T]) {
			if _, ok := s.containers[cid]; !ok {
				s.containers[cid] = v
			}
		})
		return v
	}
	return t.Sandbox()
}

// lookup returns the entry of container cid.
func (t *Table[T]) lookup(cid string) (T, bool) {
	if s := t.cur.Load(); s != nil {
		v, ok := s.containers[cid]
		return v, ok
	}
	var zero T
	return zero, false
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
