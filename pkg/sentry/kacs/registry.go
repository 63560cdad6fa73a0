package kacs

import (
	"runtime"
	"sync"
	"weak"

	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/logging"
	"github.com/peios/runsc-peios/pkg/security"
)

// Process is the KACS state of one process (thread group).
type Process struct {
	// PSB is the process security block. Immutable pointer; the PSB
	// guards its own fields.
	PSB *security.PSB
	// Token is the process's primary token. Immutable pointer; the token
	// guards its privilege state.
	Token *security.Token

	// imagePIP is the PIP label exec commits (§4.4): the one runsc's
	// launcher configured for the process runsc started, inherited by its
	// descendants. Immutable.
	imagePIP PIP

	// sdMu serialises kacs_set_sd calls on this process (§24.4 step 5).
	sdMu sync.Mutex
}

// table maps weak.Pointer[kernel.ThreadGroup] to *Process. Nothing in it
// refers to a thread group strongly; a cleanup drops the entry once the
// thread group is garbage.
var table sync.Map

// spawnMu: see the package comment.
var spawnMu sync.RWMutex

// Of returns the state of t's process.
func Of(t *kernel.Task) *Process {
	return OfGroup(t.ThreadGroup())
}

// OfGroup returns the state of the process tg, creating a container's first
// process's state from its container's identity on first use.
func OfGroup(tg *kernel.ThreadGroup) *Process {
	if l := tg.Leader(); l != nil && bound.Load() != l.Kernel() {
		bindKernel(l.Kernel())
	}
	key := weak.Make(tg)
	if p, ok := table.Load(key); ok {
		return p.(*Process)
	}
	spawnMu.Lock()
	defer spawnMu.Unlock()
	if p, ok := table.Load(key); ok {
		return p.(*Process)
	}
	leader := tg.Leader()
	if leader == nil {
		return deniedProcess() // Reaped: no state was ever needed.
	}
	p, err := firstProcess(leader)
	if err != nil {
		// The identity was validated before the container started; a
		// failure here means the task's own credentials are unusable.
		logging.L.Warnf("peios: process %d of container %q gets a deny-all identity: %v", tg.ID(), leader.ContainerID(), err)
		p = deniedProcess()
	}
	install(tg, p)
	return p
}

// deniedProcess returns the state of a process whose own state cannot be
// built: the Null SID at Untrusted integrity, which no default SD grants
// anything, PIP None.
func deniedProcess() *Process {
	tok := security.MustNewToken(security.TokenInfo{User: security.MustParseSID("S-1-0-0"), IntegrityLevel: 0})
	psb, err := security.NewPSB(tok)
	if err != nil {
		panic(err) // Only fails if the system has no randomness.
	}
	return &Process{PSB: psb, Token: tok}
}

// install records p as the state of tg.
func install(tg *kernel.ThreadGroup, p *Process) {
	key := weak.Make(tg)
	if _, loaded := table.Swap(key, p); !loaded {
		runtime.AddCleanup(tg, func(k weak.Pointer[kernel.ThreadGroup]) { table.Delete(k) }, key)
	}
}

// CloneFunc performs a clone and returns the new task's ID in the caller's
// PID namespace.
type CloneFunc func() (uintptr, *kernel.SyscallControl, error)

// Spawn has do perform a clone-family call of t and gives a new process its
// state (§4.4): the parent's PSB forked (PIP and mitigations copied, new
// GUID, new default SD from the parent's primary token) and a copy of the
// primary token. Threads share their process's state and need nothing.
func Spawn(t *kernel.Task, newProcess bool, do CloneFunc) (uintptr, *kernel.SyscallControl, error) {
	if !newProcess {
		return do()
	}
	parent := Of(t)
	psb, err := parent.PSB.Fork(parent.Token)
	if err != nil {
		return 0, nil, err
	}
	child := &Process{PSB: psb, Token: parent.Token.Clone(), imagePIP: parent.imagePIP}
	spawnMu.RLock()
	defer spawnMu.RUnlock()
	tid, ctrl, err := do()
	if err == nil {
		if ct := t.PIDNamespace().TaskWithID(kernel.ThreadID(tid)); ct != nil {
			install(ct.ThreadGroup(), child)
		}
	}
	return tid, ctrl, err
}

// ExecCompleted commits the PIP of the new image of t's process (§4.4): the
// label configured for the process runsc started, of which t's process is
// or descends from; SD, GUID and token are kept.
func ExecCompleted(t *kernel.Task) {
	p := Of(t)
	p.PSB.Exec(p.imagePIP.Type, p.imagePIP.Trust)
}
