package kacs

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/security"
)

// Identity is what the processes of a container start with: set from the
// runtime flags and the container's annotations (DECISIONS D6, D8).
type Identity struct {
	// Token is the primary token text form (security.ParseToken); empty
	// means the D8 default derived from the process's UID and GID.
	Token string
	// ProcessSD is the process SD in SDDL; empty means the default SD of
	// §5.3 built from the token.
	ProcessSD string
	// PIPType and PIPTrust are the PIP label of the container's images
	// (the launcher's configuration; the Sentry verifies no signatures).
	PIPType, PIPTrust uint32
	// Mitigations are the PSB mitigations of the container's first
	// process. pkg/sentry/mm enforces them; the PSB mirrors them.
	Mitigations security.Mitigation
}

// Validate reports the first malformed field, naming it.
func (id Identity) Validate() error {
	if id.Token != "" {
		if _, err := security.ParseToken(id.Token); err != nil {
			return fmt.Errorf("token: %w", err)
		}
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
// process of a container, or one started by runsc exec.
func firstProcess(t *kernel.Task) (*Process, error) {
	id := identityOf(t.ContainerID())
	var tok *security.Token
	var err error
	if id.Token != "" {
		tok, err = security.ParseToken(id.Token)
	} else {
		creds := t.Credentials()
		tok, err = security.DefaultContainerToken(uint32(creds.RealKUID), uint32(creds.RealKGID))
	}
	if err != nil {
		return nil, err
	}
	psb, err := security.NewPSB(tok)
	if err != nil {
		return nil, err
	}
	psb.Exec(id.PIPType, id.PIPTrust)
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
	return &Process{PSB: psb, Token: tok}, nil
}
