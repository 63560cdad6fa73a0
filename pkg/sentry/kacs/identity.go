package kacs

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/security"
)

// ByUID is a setting with one value for every process, or values selected
// by the UID of a process runsc starts (a container's first process, or
// `runsc exec --user`): different processes of one sandbox can so carry
// different identities, although runsc does not hand a later container's
// own annotations to the Sentry.
type ByUID[T any] struct {
	// All is the value of a UID without an entry of its own.
	All T
	// UID holds the values of particular UIDs.
	UID map[uint32]T
}

// For returns the value of uid.
func (b ByUID[T]) For(uid uint32) T {
	if v, ok := b.UID[uid]; ok {
		return v
	}
	return b.All
}

// each calls f for every value, All first.
func (b ByUID[T]) each(f func(T) error) error {
	if err := f(b.All); err != nil {
		return err
	}
	for _, v := range b.UID {
		if err := f(v); err != nil {
			return err
		}
	}
	return nil
}

// PIP is a PIP label: the launcher's configuration for a process's images
// (the Sentry verifies no signatures).
type PIP struct {
	Type, Trust uint32
}

// Identity is what the processes runsc starts in a container begin with: set
// from the runtime flags and the container's annotations (DECISIONS D6, D8).
type Identity struct {
	// Token is the primary token text form (security.ParseToken) by UID;
	// empty means the D8 default derived from the process's UID and GID.
	Token ByUID[string]
	// ProcessSD is the process SD in SDDL; empty means the default SD of
	// §5.3 built from the token.
	ProcessSD string
	// PIP is the PIP label by UID. A process keeps the label it started
	// with, and its children inherit it: exec commits that label, whatever
	// UID the process has by then.
	PIP ByUID[PIP]
	// Mitigations are the PSB mitigations of the container's first
	// process. pkg/sentry/mm enforces them; the PSB mirrors them.
	Mitigations security.Mitigation
}

// Validate reports the first malformed field, naming it.
func (id Identity) Validate() error {
	if err := id.Token.each(func(v string) error {
		if v == "" {
			return nil
		}
		_, err := security.ParseToken(v)
		return err
	}); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	if id.ProcessSD != "" {
		if _, err := security.ParseSDDL(id.ProcessSD); err != nil {
			return fmt.Errorf("process-sd: %w", err)
		}
	}
	return nil
}

// identities is an immutable snapshot, replaced whole on change.
type identities struct {
	sandbox    Identity
	containers map[string]Identity
}

var (
	identitiesMu  sync.Mutex
	identityTable atomic.Pointer[identities]
)

// SetSandboxIdentity sets the identity of containers that have none of
// their own.
func SetSandboxIdentity(id Identity) {
	updateIdentities(func(ids *identities) { ids.sandbox = id })
}

// SetContainerIdentity sets the identity of container cid.
func SetContainerIdentity(cid string, id Identity) {
	updateIdentities(func(ids *identities) { ids.containers[cid] = id })
}

func updateIdentities(f func(*identities)) {
	identitiesMu.Lock()
	defer identitiesMu.Unlock()
	next := &identities{containers: make(map[string]Identity)}
	if cur := identityTable.Load(); cur != nil {
		next.sandbox = cur.sandbox
		maps.Copy(next.containers, cur.containers)
	}
	f(next)
	identityTable.Store(next)
}

func identityOf(cid string) Identity {
	ids := identityTable.Load()
	if ids == nil {
		return Identity{}
	}
	if id, ok := ids.containers[cid]; ok {
		return id
	}
	return ids.sandbox
}

// firstProcess builds the state of a process no clone created: the first
// process of a container, or one started by runsc exec. Its token and PIP
// label are those its container's identity gives its real UID.
func firstProcess(t *kernel.Task) (*Process, error) {
	id := identityOf(t.ContainerID())
	creds := t.Credentials()
	uid := uint32(creds.RealKUID)
	var tok *security.Token
	var err error
	if text := id.Token.For(uid); text != "" {
		tok, err = security.ParseToken(text)
	} else {
		tok, err = security.DefaultContainerToken(uid, uint32(creds.RealKGID))
	}
	if err != nil {
		return nil, err
	}
	psb, err := security.NewPSB(tok)
	if err != nil {
		return nil, err
	}
	pip := id.PIP.For(uid)
	psb.Exec(pip.Type, pip.Trust)
	if _, err := psb.AddMitigations(id.Mitigations); err != nil {
		return nil, err
	}
	if id.ProcessSD != "" {
		sd, err := security.ParseSDDL(id.ProcessSD)
		if err != nil {
			return nil, err
		}
		psb.SetSD(sd)
	}
	return &Process{PSB: psb, Token: tok, imagePIP: pip}, nil
}
