// Package kacs keeps the KACS state of every process in the sandbox - its
// process security block (PIP, GUID, process SD) and its primary token -
// beside gVisor's thread group, with the lifecycle of spec §4.4, and answers
// the cross-process gate of §6.2 for the syscalls that act on another
// process.
//
// # Lifecycle
//
//	first process of a container  identity of the container (identity.go)
//	fork                          PSB.Fork: PIP and mitigations copied, new
//	                              GUID, new default SD from the parent's
//	                              primary token; the token is copied
//	thread                        the thread group's state, shared
//	exec                          PIP recomputed from the container's
//	                              configuration; SD, GUID, token kept
//	exit                          dropped with the thread group
//	checkpoint / restore          saved with the kernel (save.go)
//
// The PSB's mitigation bits are enforced by pkg/sentry/mm, which keeps them
// with each task; the PSB here mirrors them for /proc and queries.
//
// # Locking
//
// The table is a sync.Map. spawnMu is read-held by Spawn from before a child
// exists until its state is installed; a lookup that finds no state takes it
// for writing, so it waits for any clone that may be about to install the
// state, and only then creates the state of a container's first process.
// Spawn takes spawnMu inside pkg/sentry/mm's address-space lock.
package kacs
