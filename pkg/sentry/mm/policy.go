package mm

import (
	"fmt"

	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/containercfg"
	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
)

// WXPolicy is the sandbox's W^X policy (DECISIONS D1).
type WXPolicy int

const (
	// WXEnforce makes W^X active in every process unless the process opts
	// out with PR_SET_DYNAMIC_CODE_POLICY. The default.
	WXEnforce WXPolicy = iota
	// WXOff leaves W^X inactive unless a process turns it on itself, for
	// containers that run JITs and cannot be changed.
	WXOff
	// WXLocked makes W^X active in every process with no way to relax it.
	WXLocked
)

// String returns the flag and annotation spelling of p.
func (p WXPolicy) String() string {
	switch p {
	case WXEnforce:
		return "enforce"
	case WXOff:
		return "off"
	case WXLocked:
		return "locked"
	}
	return fmt.Sprintf("WXPolicy(%d)", int(p))
}

// ParseWXPolicy parses the value of --peios-wx or the dev.peios.mm/wx
// annotation.
func ParseWXPolicy(s string) (WXPolicy, error) {
	switch s {
	case "enforce":
		return WXEnforce, nil
	case "off":
		return WXOff, nil
	case "locked":
		return WXLocked, nil
	}
	return 0, fmt.Errorf("%q is not a W^X policy; accepted: enforce, off, locked", s)
}

// Policy is the memory policy of a sandbox or of one container in it.
type Policy struct {
	// WX is the W^X policy of containers whose name WXByName lacks.
	WX WXPolicy
	// WXByName holds the W^X policies of containers by name (their
	// io.kubernetes.cri.container-name annotation, kernel.ContainerName):
	// a pod's annotations can so give each container its own policy.
	WXByName map[string]WXPolicy
	// LockMemory says the container's processes hold
	// SeLockMemoryPrivilege (lock.go). It stands in for the privilege in
	// their tokens until those carry it.
	LockMemory bool
	// Commit is the commit-accounting policy (D3, commit.go).
	Commit CommitPolicy
	// CommitLimit is the strict commit limit in bytes; 0 means the
	// sandbox's memory size.
	CommitLimit uint64
	// Mitigations are the PSB mitigations a process runsc starts (the
	// first of a container, or one entered with runsc exec) begins with,
	// by container name and UID (dev.peios.mm/mitigations); forks copy
	// them.
	Mitigations kacs.Selected[security.Mitigation]
	// PKeys is the protection-key policy (D5, pkey.go).
	PKeys PKeyPolicy
}

// policies holds the sandbox's and each container's policy.
var policies containercfg.Table[Policy]

// SetSandboxPolicy sets the policy of containers that have none of their
// own. It is called once, before the kernel starts.
func SetSandboxPolicy(p Policy) { policies.SetSandbox(p) }

// SetContainerPolicy sets the policy of the container with ID cid.
func SetContainerPolicy(cid string, p Policy) { policies.SetContainer(cid, p) }

// policyFor returns the policy for processes of container cid.
func policyFor(cid string) Policy { return policies.For(cid) }

// wxPolicy returns the W^X policy of t's container: the entry of its name,
// if the policy has entries by name, else the policy's WX.
func wxPolicy(t *kernel.Task) WXPolicy {
	cid := t.ContainerID()
	p := policyFor(cid)
	if len(p.WXByName) > 0 {
		if wx, ok := p.WXByName[t.Kernel().ContainerName(cid)]; ok {
			return wx
		}
	}
	return p.WX
}
