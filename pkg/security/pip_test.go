package security

import "testing"

// pipLabels are the v0.22 labels of §3.1, in matrix order.
var pipLabels = []struct {
	name       string
	typ, trust uint32
}{
	{"None/0", 0, 0},
	{"Protected/1024", 512, 1024},
	{"Protected/1536", 512, 1536},
	{"Protected/2048", 512, 2048},
	{"Protected/4096", 512, 4096},
	{"Protected/8192", 512, 8192},
	{"Isolated/8192", 1024, 8192},
}

// §6.2: PipDominates for every (caller, target) pair of the standard labels.
// Row = caller, column = target, in pipLabels order; 1 = dominates.
func TestPIPMatrix(t *testing.T) {
	matrix := []string{
		"1000000", // None/0 dominates only None
		"1100000",
		"1110000",
		"1111000",
		"1111100",
		"1111110", // Protected/8192 does not dominate Isolated
		"1111111", // Isolated/8192 dominates all v0.22 labels
	}
	for i, c := range pipLabels {
		for j, tg := range pipLabels {
			want := matrix[i][j] == '1'
			if got := PIPDominates(c.typ, c.trust, tg.typ, tg.trust); got != want {
				t.Errorf("caller %s, target %s: %v, want %v", c.name, tg.name, got, want)
			}
		}
	}
}

// §6.2: both axes must dominate; no combined score.
func TestPIPEdges(t *testing.T) {
	for _, c := range []struct {
		ct, cr, tt, tr uint32
		want           bool
	}{
		{512, 1024, 512, 8192, false}, // Protected/1024 vs Protected/8192
		{512, 4096, 1024, 0, false},   // Protected/4096 vs Isolated/anything
		{512, 4096, 1024, 1024, false},
		{0, 8192, 512, 1024, false}, // None/anything dominates only None
		{0, 8192, 0, 0, true},
		{0, 0, 0, 8192, true},          // an unprotected target, whatever its trust
		{1024, 1024, 512, 4096, false}, // type higher, trust lower
		{2048, 8192, 1024, 8192, true}, // non-catalogue values compare numerically
		{512, 8192, 512, 8192, true},
	} {
		if got := PIPDominates(c.ct, c.cr, c.tt, c.tr); got != c.want {
			t.Errorf("PIPDominates(%d/%d over %d/%d) = %v, want %v", c.ct, c.cr, c.tt, c.tr, got, c.want)
		}
	}
}

// §3.7: trust label ACEs in AccessCheck, for every caller label against a
// label ACE at each standard level granting only QUERY_LIMITED.
func TestTrustLabelACEMatrix(t *testing.T) {
	for _, lbl := range pipLabels {
		sd := &SecurityDescriptor{Owner: MustParseSID(userO),
			DACL: NewACL(ACE{Type: ACEAccessAllowed, Mask: GenericAll, SID: SIDEveryone}),
			SACL: NewACL(ACE{Type: ACESystemProcessTrustLabel, Mask: ProcessQueryLimited, SID: TrustLabelSID(lbl.typ, lbl.trust)})}
		for _, c := range pipLabels {
			tok := mustToken(t, tokenU)
			_, err := AccessCheck(&AccessRequest{SD: sd, Token: tok, Desired: ProcessVMRead, Mapping: ProcessMapping, PIPType: c.typ, PIPTrust: c.trust})
			// The label ACE has no "unprotected" shortcut, but S-1-19-0-0 is
			// dominated by everyone, so the answer equals PIPDominates.
			want := c.typ >= lbl.typ && c.trust >= lbl.trust
			if (err == nil) != want {
				t.Errorf("caller %s, label %s: VM_READ err %v, want allowed=%v", c.name, lbl.name, err, want)
			}
			if _, err := AccessCheck(&AccessRequest{SD: sd, Token: tok, Desired: ProcessQueryLimited, Mapping: ProcessMapping, PIPType: c.typ, PIPTrust: c.trust}); err != nil {
				t.Errorf("caller %s, label %s: QUERY_LIMITED %v", c.name, lbl.name, err)
			}
		}
	}
}
