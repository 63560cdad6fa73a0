// Package kacs keeps the KACS state of every process in the sandbox - its
// process security block (PIP, GUID, process SD) and its primary token -
// beside gVisor's thread group, with the lifecycle of spec §4.4, and answers
// the cross-process gate of §6.2 for the syscalls that act on another
// process.
//
// # Lifecycle
//
//	process runsc starts          its container's identity for its UID
//	(first process, exec)         (identity.go): token and PIP label
//	fork                          PSB.Fork: PIP and mitigations copied, new
//	                              GUID, new default SD from the parent's
//	                              primary token; the token is copied; the
//	                              image PIP label is inherited
//	thread                        the thread group's state, shared
//	exec                          PIP recomputed: the image PIP label; SD,
//	                              GUID, token kept
//	exit                          dropped with the thread group
//	checkpoint / restore          saved with the kernel (save.go)
//
// The PSB's mitigation bits are enforced by pkg/sentry/mm, which keeps them
// with each task; the PSB here mirrors them for /proc and queries.
//
// # Token handles
//
// A token handle (tokenfd.go) names the process whose primary token it
// refers to, so it always reaches the live token the gate uses, keeps that
// process's state alive, and survives checkpoint and restore with it.
//
// # Locking
//
// The table is a sync.Map. spawnMu is read-held by Spawn from before a child
// exists until its state is installed; a lookup that finds no state takes it
// for writing, so it waits for any clone that may be about to install the
// state, and only then creates the state of a container's first process.
// Spawn takes spawnMu inside pkg/sentry/mm's address-space lock.
// Process.sdMu (one process's kacs_set_sd) and tokenSDMu (kacs_set_sd on any
// token) are taken with no other lock of this package held; the PSB and
// token locks of pkg/security are leaves under them.
package kacs
