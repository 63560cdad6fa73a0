package kacs

// Checkpoint and restore. The table lives outside gVisor's objects, so it is
// handed to the kernel as additional checkpoint state (once per kernel, on
// first use): savedTable's StateSave snapshots the live table at the moment
// of the checkpoint, keyed by the thread groups themselves, and its
// StateLoad rebuilds the table when a sandbox is restored.

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/state"

	"github.com/peios/runsc-peios/pkg/logging"
	"github.com/peios/runsc-peios/pkg/security"
)

// checkpointKey names the table in the kernel's additional checkpoint state.
const checkpointKey = "github.com/peios/runsc-peios/pkg/sentry/kacs.table"

// savedTable is the table as a checkpoint holds it.
type savedTable struct {
	groups  []*kernel.ThreadGroup
	records []string // encode(process) of groups[i]
}

func init() { state.Register((*savedTable)(nil)) }

// StateTypeName implements state.Type.
func (*savedTable) StateTypeName() string {
	return "github.com/peios/runsc-peios/pkg/sentry/kacs.savedTable"
}

// StateFields implements state.Type.
func (*savedTable) StateFields() []string { return []string{"groups", "records"} }

// StateSave implements state.SaverLoader: it snapshots the live table.
func (s *savedTable) StateSave(sink state.Sink) {
	s.groups, s.records = nil, nil
	table.Range(func(k, v any) bool {
		if tg := k.(weak.Pointer[kernel.ThreadGroup]).Value(); tg != nil {
			s.groups = append(s.groups, tg)
			s.records = append(s.records, encode(v.(*Process)))
		}
		return true
	})
	sink.Save(0, &s.groups)
	sink.Save(1, &s.records)
}

// StateLoad implements state.SaverLoader: it rebuilds the table.
func (s *savedTable) StateLoad(_ context.Context, src state.Source) {
	src.Load(0, &s.groups)
	src.Load(1, &s.records)
	src.AfterLoad(func() {
		for i, tg := range s.groups {
			p, err := decode(s.records[i])
			if err != nil {
				logging.L.Warnf("peios: restoring the KACS state of process %d: %v", tg.ID(), err)
				continue
			}
			install(tg, p)
		}
	})
}

var (
	// bindMu serialises bindKernel.
	bindMu sync.Mutex
	// bound is the kernel that holds savedTable; written under bindMu.
	bound atomic.Pointer[kernel.Kernel]
)

// bindKernel hands the table to k's checkpoint state, once per kernel (a
// restored sandbox has a new kernel; it drops the restored savedTable,
// whose contents are already in the table, for a fresh one).
func bindKernel(k *kernel.Kernel) {
	bindMu.Lock()
	defer bindMu.Unlock()
	if bound.Load() == k {
		return
	}
	bound.Store(k)
	// Peios has no Yama (§22 #13): the gate of §6.2 alone decides who may
	// attach, so gVisor's default "relational" scope is turned off.
	k.YAMAPtraceScope.Store(linux.YAMA_SCOPE_DISABLED)
	k.PopCheckpointState(checkpointKey)
	k.AddStateToCheckpoint(checkpointKey, &savedTable{})
}

// encode serialises p: PIP type and trust, mitigations, GUID, process SD,
// token text, the token's used-privilege mask, the token's own SD and the
// image PIP type and trust, separated by newlines.
func encode(p *Process) string {
	pt, pr := p.PSB.PIP()
	sd, _ := p.PSB.SD().MarshalBinary()
	tsd, _ := p.Token.SD().MarshalBinary()
	return fmt.Sprintf("%d\n%d\n%d\n%s\n%s\n%s\n%d\n%s\n%d\n%d", pt, pr, uint32(p.PSB.Mitigations()), p.PSB.GUID(),
		hex.EncodeToString(sd), p.Token.String(), p.Token.Privileges().Used, hex.EncodeToString(tsd),
		p.imagePIP.Type, p.imagePIP.Trust)
}

// decode is the inverse of encode.
func decode(s string) (*Process, error) {
	f := strings.Split(s, "\n")
	if len(f) != 10 {
		return nil, fmt.Errorf("record has %d fields, want 10", len(f))
	}
	var pt, pr, m uint32
	var used uint64
	var image PIP
	if _, err := fmt.Sscanf(f[0]+" "+f[1]+" "+f[2]+" "+f[6]+" "+f[8]+" "+f[9], "%d %d %d %d %d %d", &pt, &pr, &m, &used, &image.Type, &image.Trust); err != nil {
		return nil, err
	}
	guid, err := security.ParseGUID(f[3])
	if err != nil {
		return nil, err
	}
	sd, err := decodeSD(f[4])
	if err != nil {
		return nil, err
	}
	tok, err := security.ParseToken(f[5])
	if err != nil {
		return nil, err
	}
	for _, priv := range security.Privileges(used) {
		tok.MarkPrivilegeUsed(priv)
	}
	tsd, err := decodeSD(f[7])
	if err != nil {
		return nil, err
	}
	tok.SetSD(tsd)
	return &Process{PSB: security.RestorePSB(guid, pt, pr, security.Mitigation(m), sd), Token: tok, imagePIP: image}, nil
}

// decodeSD parses a hex-encoded self-relative SD.
func decodeSD(h string) (*security.SecurityDescriptor, error) {
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, err
	}
	return security.ParseSecurityDescriptor(raw)
}
