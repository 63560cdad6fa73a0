package security

import (
	"fmt"
	"testing"
)

// §3.6 with the process mapping of §5.2: the rights MIC pre-denies a lower
// caller, for every label policy, written out by hand.
func TestMICDeniedMatrix(t *testing.T) {
	for _, c := range []struct {
		policy        AccessMask
		denied        AccessMask // SeRelabel disabled
		deniedRelabel AccessMask // SeRelabel enabled
	}{
		{0, 0xC0262, 0x40262},
		{LabelNoReadUp, 0xE0672, 0x60672},
		{LabelNoWriteUp, 0xC0262, 0x40262}, // §5.2: allowed 0x00121C11, denied 0x000C0262
		{LabelNoExecuteUp, 0xC1A63, 0x41A63},
		{LabelNoReadUp | LabelNoWriteUp, 0xE0672, 0x60672},
		{LabelNoReadUp | LabelNoExecuteUp, 0xE1E73, 0x61E73},
		{LabelNoWriteUp | LabelNoExecuteUp, 0xC1A63, 0x41A63},
		{LabelNoReadUp | LabelNoWriteUp | LabelNoExecuteUp, 0xE1E73, 0x61E73},
		{0xFFFFFFF8 | LabelNoWriteUp, 0xC0262, 0x40262}, // unknown policy bits ignored
	} {
		for _, relabel := range []bool{false, true} {
			want := c.denied
			if relabel {
				want = c.deniedRelabel
			}
			got, _ := micDenied(IntegrityMedium, PolicyNoWriteUp, IntegrityHigh, c.policy, ProcessMapping, relabel)
			if got != want {
				t.Errorf("policy %#x relabel %v: denied %#x, want %#x", c.policy, relabel, got, want)
			}
			// Equal or higher caller, or a token without NO_WRITE_UP: nothing.
			for _, lv := range []uint32{IntegrityHigh, IntegritySystem, 0xFFFFFFFF} {
				if d, _ := micDenied(lv, PolicyNoWriteUp, IntegrityHigh, c.policy, ProcessMapping, relabel); d != 0 {
					t.Errorf("caller %d >= label: denied %#x", lv, d)
				}
			}
			if d, _ := micDenied(IntegrityUntrusted, PolicyNewProcessMin, IntegrityHigh, c.policy, ProcessMapping, relabel); d != 0 {
				t.Errorf("token without NO_WRITE_UP: denied %#x", d)
			}
		}
	}
}

// §5.2: against the default process SD (NO_WRITE_UP label at the target's
// integrity) a lower-integrity caller of the same user gets exactly the
// read/execute-category rights; an equal or higher one gets every right.
func TestMICProcessRights(t *testing.T) {
	rights := []struct {
		name  string
		right AccessMask
		lower bool // granted to a lower caller
	}{
		{"TERMINATE", ProcessTerminate, true},
		{"SIGNAL", ProcessSignal, false},
		{"VM_READ", ProcessVMRead, true},
		{"VM_WRITE", ProcessVMWrite, false},
		{"DUP_HANDLE", ProcessDupHandle, false},
		{"SET_INFORMATION", ProcessSetInformation, false},
		{"QUERY_INFORMATION", ProcessQueryInformation, true},
		{"SUSPEND_RESUME", ProcessSuspendResume, true},
		{"QUERY_LIMITED", ProcessQueryLimited, true},
		{"READ_CONTROL", ReadControl, true},
		{"WRITE_DAC", WriteDAC, false},
		{"WRITE_OWNER", WriteOwner, false},
	}
	target := mustToken(t, tokenU+";integrity=High")
	sd := DefaultProcessSD(target)
	for _, r := range rights {
		for _, lv := range []string{"Untrusted", "Low", "Medium", "High", "System"} {
			caller := mustToken(t, tokenU+";integrity="+lv)
			_, err := AccessCheck(&AccessRequest{SD: sd, Token: caller, Desired: r.right, Mapping: ProcessMapping})
			want := r.lower || caller.IntegrityLevel() >= IntegrityHigh
			if (err == nil) != want {
				t.Errorf("%s caller, %s on a High process: err %v, want allowed=%v", lv, r.name, err, want)
			}
		}
	}
}

// §3.6: the integrity level matrix for PROCESS_VM_WRITE against a NO_WRITE_UP
// label: allowed iff caller level >= label level, for every pair of standard
// levels (and non-standard ones, compared numerically).
func TestMICLevelMatrix(t *testing.T) {
	levels := []uint32{0, 4096, 8192, 8448, 12288, 16384}
	for _, tl := range levels {
		for _, cl := range levels {
			sd := mustSDDL(t, fmt.Sprintf("O:%sD:(A;;GA;;;WD)S:(ML;;0x2;;;S-1-16-%d)", userO, tl))
			tok := mustToken(t, fmt.Sprintf("%s;integrity=%d", tokenU, cl))
			_, err := AccessCheck(&AccessRequest{SD: sd, Token: tok, Desired: ProcessVMWrite, Mapping: ProcessMapping})
			if want := cl >= tl; (err == nil) != want {
				t.Errorf("caller %d, label %d: err %v, want allowed=%v", cl, tl, err, want)
			}
			// Reads are never blocked by a NO_WRITE_UP label.
			if _, err := AccessCheck(&AccessRequest{SD: sd, Token: tok, Desired: ProcessVMRead, Mapping: ProcessMapping}); err != nil {
				t.Errorf("caller %d, label %d: VM_READ %v", cl, tl, err)
			}
		}
	}
}
