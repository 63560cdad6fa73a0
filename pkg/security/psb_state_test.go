package security

import (
	"errors"
	"regexp"
	"testing"
)

// §4.1, §4.4: PSB creation and lifecycle.
func TestPSBLifecycle(t *testing.T) {
	tok := exampleToken(t)
	p, err := NewPSB(tok)
	if err != nil {
		t.Fatal(err)
	}
	if ty, tr := p.PIP(); ty != 0 || tr != 0 || p.Mitigations() != 0 || p.NoChild() {
		t.Errorf("new PSB: PIP %d/%d mitigations %#x", ty, tr, p.Mitigations())
	}
	if !p.SD().Equal(DefaultProcessSD(tok)) {
		t.Errorf("new PSB SD is not the default")
	}
	g := p.GUID()
	if g[6]>>4 != 4 || g[8]>>6 != 2 || g.IsZero() {
		t.Errorf("GUID %v is not a UUIDv4", g)
	}

	// kacs_set_psb semantics: one-way OR, CFI normalised, unknown bits invalid.
	if add, err := p.AddMitigations(MitigationWXP | MitigationCFI); err != nil || add != MitigationWXP|MitigationCFIF|MitigationCFIB {
		t.Errorf("AddMitigations = %#x, %v", add, err)
	}
	if add, err := p.AddMitigations(MitigationWXP); err != nil || add != 0 {
		t.Errorf("re-adding = %#x, %v", add, err)
	}
	if _, err := p.AddMitigations(0x400); !errors.Is(err, ErrInvalidArgument) || p.Mitigations() != 0x0c1 {
		t.Errorf("0x400: %v, mitigations %#x", err, p.Mitigations())
	}
	custom := mustSDDL(t, "O:"+userU+"D:(A;;GA;;;SY)")
	p.SetSD(custom)

	// exec: PIP recomputed, LSV auto-set, mitigations, SD and GUID kept.
	p.Exec(PIPProtected, TrustPeiosTcb)
	if ty, tr := p.PIP(); ty != 512 || tr != 8192 || p.Mitigations() != 0x0c5 || p.SD() != custom || p.GUID() != g {
		t.Errorf("after exec: PIP %d/%d mitigations %#x", ty, tr, p.Mitigations())
	}
	p.Exec(PIPNone, TrustNone)
	if ty, _ := p.PIP(); ty != 0 || p.Mitigations() != 0x0c5 {
		t.Errorf("exec of an unsigned image: PIP %d mitigations %#x", ty, p.Mitigations())
	}

	// fork: PIP and mitigations copied, new GUID, new default SD from the
	// forking thread's primary token.
	p.Exec(PIPProtected, TrustPeios)
	if _, err := p.AddMitigations(MitigationNoChild); err != nil {
		t.Fatal(err)
	}
	other := mustToken(t, "user="+userO+";integrity=Low")
	c, err := p.Fork(other)
	if err != nil {
		t.Fatal(err)
	}
	if ty, tr := c.PIP(); ty != 512 || tr != 4096 || c.Mitigations() != p.Mitigations() || !c.NoChild() {
		t.Errorf("child PIP %d/%d mitigations %#x", ty, tr, c.Mitigations())
	}
	if c.GUID() == p.GUID() || !c.SD().Equal(DefaultProcessSD(other)) {
		t.Errorf("child GUID or SD not fresh")
	}
}

// §24.16: the /proc/<pid>/psb line.
func TestPSBString(t *testing.T) {
	p, err := NewPSB(exampleToken(t))
	if err != nil {
		t.Fatal(err)
	}
	p.Exec(512, 8192)
	if _, err := p.AddMitigations(MitigationWXP | MitigationPIE); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^pip_type=512 pip_trust=8192 mitigations=0x105 process_guid=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if s := p.String(); !re.MatchString(s) {
		t.Errorf("String() = %q", s)
	}
	q, _ := NewPSB(exampleToken(t))
	if s := q.String(); !regexp.MustCompile(`^pip_type=0 pip_trust=0 mitigations=0x000 `).MatchString(s) {
		t.Errorf("String() = %q", s)
	}
	if g, err := ParseGUID(p.GUID().String()); err != nil || g != p.GUID() {
		t.Errorf("ParseGUID(%v) = %v, %v", p.GUID(), g, err)
	}
}

// D6 annotation helpers.
func TestParsePIPAndMitigations(t *testing.T) {
	for _, c := range []struct {
		in         string
		typ, trust uint32
		ok         bool
	}{
		{"Protected:PeiosTcb", 512, 8192, true},
		{"isolated:peiostcb", 1024, 8192, true},
		{"512:1024", 512, 1024, true},
		{"None:None", 0, 0, true},
		{" 7 : 9 ", 7, 9, true},
		{"Protected", 0, 0, false},
		{"Shielded:App", 0, 0, false},
		{"512:-1", 0, 0, false},
		{"512:4294967296", 0, 0, false},
	} {
		ty, tr, err := ParsePIP(c.in)
		if (err == nil) != c.ok || ty != c.typ || tr != c.trust {
			t.Errorf("ParsePIP(%q) = %d, %d, %v", c.in, ty, tr, err)
		}
	}
	for _, c := range []struct {
		in   string
		want Mitigation
		ok   bool
	}{
		{"0x001", MitigationWXP, true}, {"3ff", MitigationAll, true}, {"0X20", MitigationNoChild, true},
		{"0x400", 0, false}, {"", 0, false}, {"0x", 0, false}, {"xyz", 0, false}, {"0x100000001", 0, false},
	} {
		m, err := ParseMitigations(c.in)
		if (err == nil) != c.ok || m != c.want {
			t.Errorf("ParseMitigations(%q) = %#x, %v", c.in, m, err)
		}
	}
	if PIPString(512, 8192) != "Protected/PeiosTcb" || PIPString(3, 5) != "3/5" {
		t.Errorf("PIPString")
	}
}
