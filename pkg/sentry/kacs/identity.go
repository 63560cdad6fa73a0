package kacs

import (
	"fmt"

	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/containercfg"
	"github.com/peios/runsc-peios/pkg/security"
)

// Selected is a setting with one value for every process, or values
// selected by the name of the container a process runsc starts belongs to
// (a container's first process, or `runsc exec`), or by that process's UID:
// different containers and processes of one sandbox can so carry different
// identities and policies even where containers have no annotations of
// their own (Kubernetes). A container's name is its
// io.kubernetes.cri.container-name annotation, which gVisor records for
// every container (kernel.Kernel.ContainerName).
type Selected[T any] struct {
	// All is the value of a process that no entry selects.
	All T
	// UID holds the values of particular UIDs.
	UID map[uint32]T
	// Name holds the values of particular container names; they win over
	// UID entries.
	Name map[string]T
}

// For returns the value of a process with uid in the container named
// name: the entry of its container's name, else that of its UID, else All.
func (b Selected[T]) For(name string, uid uint32) T {
	if v, ok := b.Name[name]; ok {
		return v
	}
	if v, ok := b.UID[uid]; ok {
		return v
	}
	return b.All
}

// each calls f for every value, All first.
func (b Selected[T]) each(f func(T) error) error {
	if err := f(b.All); err != nil {
		return err
	}
	for _, v := range b.UID {
		if err := f(v); err != nil {
			return err
		}
	}
	for _, v := range b.Name {
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
	// Token is the primary token text form (security.ParseToken) by
	// container name and UID; empty means the D8 default derived from the
	// process's UID and GID.
	Token Selected[string]
	// ProcessSD is the process SD in SDDL by container name; empty means
	// the default SD of §5.3 built from the token.
	ProcessSD Selected[string]
	// PIP is the PIP label by container name and UID. A process keeps the
	// label it started with, and its children inherit it: exec commits
	// that label, whatever UID the process has by then.
	PIP Selected[PIP]
	// Mitigations are the PSB mitigations a process runsc starts begins
	// with, by container name and UID. pkg/sentry/mm enforces them; the
	// PSB mirrors them.
	Mitigations Selected[security.Mitigation]
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
	if err := id.ProcessSD.each(func(v string) error {
		if v == "" {
			return nil
		}
		_, err := security.ParseSDDL(v)
		return err
	}); err != nil {
		return fmt.Errorf("process-sd: %w", err)
	}
	return nil
}

// identities holds the sandbox's and each container's identity.
var identities containercfg.Table[Identity]

// SetSandboxIdentity sets the identity of containers that have none of
// their own.
func SetSandboxIdentity(id Identity) { identities.SetSandbox(id) }

// SetContainerIdentity sets the identity of container cid.
func SetContainerIdentity(cid string, id Identity) { identities.SetContainer(cid, id) }

// identityOf returns the identity of container cid.
func identityOf(cid string) Identity { return identities.For(cid) }

// firstProcess builds the state of a process no clone created: the first
// process of a container, or one started by runsc exec. Its token, PIP
// label and process SD are those its container's identity gives its
// container's name and its real UID.
func firstProcess(t *kernel.Task) (*Process, error) {
	cid := t.ContainerID()
	id := identityOf(cid)
	name := t.Kernel().ContainerName(cid)
	creds := t.Credentials()
	uid := uint32(creds.RealKUID)
	var tok *security.Token
	var err error
	if text := id.Token.For(name, uid); text != "" {
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
	pip := id.PIP.For(name, uid)
	psb.Exec(pip.Type, pip.Trust)
	if _, err := psb.AddMitigations(id.Mitigations.For(name, uid)); err != nil {
		return nil, err
	}
	if text := id.ProcessSD.For(name, uid); text != "" {
		sd, err := security.ParseSDDL(text)
		if err != nil {
			return nil, err
		}
		psb.SetSD(sd)
	}
	return &Process{PSB: psb, Token: tok, imagePIP: pip}, nil
}
