package security

// The Process Security Block (spec §4.1) and its lifecycle (§4.4):
//
//	event   PIP fields            mitigations       process SD                 GUID
//	fork    copied                copied exactly    new default SD from the    new
//	                                                forking thread's primary
//	                                                token (§5.3)
//	thread  shared (same PSB)     shared            shared                     shared
//	exec    recomputed, committed preserved         preserved                  preserved
//	        on success; LSV set
//	        if not None
//
// A PSB is per process and shared by its threads; impersonation never
// changes it. All methods are safe for concurrent use: the gate reads other
// processes' PSBs while their owners change them.

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// PSB is a process security block.
type PSB struct {
	guid GUID // immutable

	mu          sync.Mutex
	pipType     uint32              // guarded by mu
	pipTrust    uint32              // guarded by mu
	mitigations Mitigation          // guarded by mu
	sd          *SecurityDescriptor // guarded by mu; never modified in place
}

// NewPSB returns the PSB of a process without a parent PSB (the first
// process of a container): a fresh GUID, PIP None/0, no mitigations and the
// default process SD built from primary.
func NewPSB(primary *Token) (*PSB, error) {
	g, err := NewProcessGUID()
	if err != nil {
		return nil, err
	}
	return &PSB{guid: g, sd: DefaultProcessSD(primary)}, nil
}

// Fork returns the PSB of a new child process (§4.4): PIP and mitigations
// copied, a new GUID, and a new default SD built from the forking thread's
// primary token. The caller checks NoChild first.
func (p *PSB) Fork(primary *Token) (*PSB, error) {
	g, err := NewProcessGUID()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return &PSB{guid: g, pipType: p.pipType, pipTrust: p.pipTrust, mitigations: p.mitigations, sd: DefaultProcessSD(primary)}, nil
}

// Exec commits the PIP axes computed for a successfully executed image
// (§4.1, §4.4). A protected image (pipType != 0) also gets the LSV
// mitigation. Mitigations, SD and GUID are preserved.
func (p *PSB) Exec(pipType, pipTrust uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pipType, p.pipTrust = pipType, pipTrust
	if pipType != PIPNone {
		p.mitigations |= MitigationLSV
	}
}

// GUID returns the process GUID.
func (p *PSB) GUID() GUID { return p.guid }

// PIP returns the PIP type and trust.
func (p *PSB) PIP() (pipType, pipTrust uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pipType, p.pipTrust
}

// Dominates reports whether p dominates target in PIP terms (§6.2).
func (p *PSB) Dominates(target *PSB) bool {
	ct, cr := p.PIP()
	tt, tr := target.PIP()
	return PIPDominates(ct, cr, tt, tr)
}

// Mitigations returns the mitigation bits.
func (p *PSB) Mitigations() Mitigation {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mitigations
}

// NoChild reports whether the NO_CHILD mitigation is set: fork of a new
// process fails with EPERM (§4.2).
func (p *PSB) NoChild() bool { return p.Mitigations()&MitigationNoChild != 0 }

// AddMitigations ORs the normalised request into the PSB (§4.3): bits are
// never cleared. Bits outside MitigationAll are ErrInvalidArgument. It
// returns the bits that were newly set. The caller validates the new bits
// against the target's mappings first (§4.3 transactionality) and holds
// whatever lock keeps that validation current.
func (p *PSB) AddMitigations(req Mitigation) (Mitigation, error) {
	if req&^MitigationAll != 0 {
		return 0, invalidf("mitigations %#x; want bits of %#x", uint32(req), uint32(MitigationAll))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	add := req.Normalize() &^ p.mitigations
	p.mitigations |= add
	return add, nil
}

// SD returns the process SD. The descriptor must not be modified; SetSD
// replaces it.
func (p *PSB) SD() *SecurityDescriptor {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sd
}

// SetSD replaces the process SD atomically (§24.4 step 10). It never
// changes PIP or mitigations.
func (p *PSB) SetSD(sd *SecurityDescriptor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sd = sd
}

// String returns the /proc/<pid>/psb line without its newline (§24.16):
// pip_type=<u32> pip_trust=<u32> mitigations=0x<hex, >= 3 digits>
// process_guid=<8-4-4-4-12>.
func (p *PSB) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("pip_type=%d pip_trust=%d mitigations=0x%03x process_guid=%s",
		p.pipType, p.pipTrust, uint32(p.mitigations), p.guid)
}

// ParsePIP parses a PIP pair "type:trust" (the dev.peios.mm/pip annotation,
// D6). Each side is a number or a catalogue name (type None, Protected,
// Isolated; trust None, Authenticode, AntiMalware, App, Peios, PeiosTcb),
// ignoring case.
func ParsePIP(s string) (pipType, pipTrust uint32, err error) {
	ts, rs, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, invalidf("PIP %q: want type:trust, e.g. Protected:PeiosTcb or 512:8192", s)
	}
	parse := func(v string, names []struct {
		name string
		v    uint32
	}, what string) (uint32, error) {
		v = strings.TrimSpace(v)
		for _, n := range names {
			if strings.EqualFold(v, n.name) {
				return n.v, nil
			}
		}
		if allDigits(v) {
			if n, err := strconv.ParseUint(v, 10, 32); err == nil {
				return uint32(n), nil
			}
		}
		list := make([]string, len(names))
		for i, n := range names {
			list[i] = n.name
		}
		return 0, invalidf("PIP %q: bad %s %q; want a number or one of %s", s, what, v, strings.Join(list, ", "))
	}
	if pipType, err = parse(ts, pipTypeNames, "type"); err != nil {
		return 0, 0, err
	}
	if pipTrust, err = parse(rs, pipTrustNames, "trust"); err != nil {
		return 0, 0, err
	}
	return pipType, pipTrust, nil
}

// ParseMitigations parses a hex mitigation mask with or without 0x (the
// dev.peios.mm/mitigations annotation, D6). Bits outside MitigationAll are
// an error.
func ParseMitigations(s string) (Mitigation, error) {
	h := strings.TrimSpace(s)
	if len(h) > 2 && (h[:2] == "0x" || h[:2] == "0X") {
		h = h[2:]
	}
	if !allHex(h) || len(h) > 8 {
		return 0, invalidf("mitigations %q: want a hex mask such as 0x001", s)
	}
	v, _ := strconv.ParseUint(h, 16, 32)
	m := Mitigation(v)
	if m&^MitigationAll != 0 {
		return 0, invalidf("mitigations %q: bits %#x are not defined; want bits of %#x", s, uint32(m&^MitigationAll), uint32(MitigationAll))
	}
	return m, nil
}

// RestorePSB rebuilds a PSB from its saved fields, for checkpoint/restore:
// unlike NewPSB and Fork it keeps the given GUID.
func RestorePSB(guid GUID, pipType, pipTrust uint32, m Mitigation, sd *SecurityDescriptor) *PSB {
	return &PSB{guid: guid, pipType: pipType, pipTrust: pipTrust, mitigations: m, sd: sd}
}
