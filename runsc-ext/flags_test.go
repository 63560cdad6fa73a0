package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

func TestExtractPeiosFlags(t *testing.T) {
	for _, tc := range []struct {
		in      []string
		out     []string
		wx      string
		wantErr string
	}{
		{in: []string{"r", "--root=/x", "do", "ls"}, out: []string{"r", "--root=/x", "do", "ls"}},
		{in: []string{"r", "--peios-wx=off", "do", "ls"}, out: []string{"r", "do", "ls"}, wx: "off"},
		{in: []string{"r", "-peios-wx", "locked", "--debug", "run", "c"}, out: []string{"r", "--debug", "run", "c"}, wx: "locked"},
		{in: []string{"r", "--peios-wx=sometimes", "do"}, wantErr: `--peios-wx="sometimes": "sometimes" is not a W^X policy`},
		{in: []string{"r", "--peios-wx"}, wantErr: "--peios-wx needs a value"},
		{in: []string{"r", "--peios-pkeys=hardware", "do"}, wantErr: `--peios-pkeys="hardware": "hardware" is not a protection-key policy; accepted: none`},
		{in: []string{"r", "--peios-bogus=1"}, wantErr: "unknown flag -peios-bogus"},
	} {
		out, f, err := extractPeiosFlags(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("extractPeiosFlags(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(out, tc.out) || f["wx"] != tc.wx {
			t.Errorf("extractPeiosFlags(%q) = %q, %+v, %v; want %q, wx %q", tc.in, out, f, err, tc.out, tc.wx)
		}
	}
}

func TestSubcommand(t *testing.T) {
	for in, want := range map[string]string{
		"runsc --root /var/run/x create --bundle b id":      "create",
		"runsc --root=/r --network=none boot --bundle=b id": "boot",
		"runsc --version": "",
	} {
		if got := subcommand(strings.Fields(in)); got != want {
			t.Errorf("subcommand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildConfig(t *testing.T) {
	c, err := buildConfig(peiosFlags{"wx": "locked"}, map[string]string{"dev.peios.mm/wx": "off", "other/key": "x"})
	if err != nil || c.policy.WX != mm.WXOff {
		t.Errorf("annotation wx=off over flag locked: got %+v, %v", c, err)
	}
	c, err = buildConfig(peiosFlags{"wx": "locked"}, nil)
	if err != nil || c.policy.WX != mm.WXLocked {
		t.Errorf("flag only: got %+v, %v; want locked", c, err)
	}
	c, err = buildConfig(peiosFlags{"pkeys": "none"}, map[string]string{"dev.peios.mm/pkeys": "software"})
	if err != nil || c.policy.PKeys != mm.PKeysSoftware {
		t.Errorf("annotation pkeys=software over flag none: got %v, %v", c.policy.PKeys, err)
	}
	if c, err = buildConfig(nil, nil); err != nil || c.policy.PKeys != mm.PKeysNone {
		t.Errorf("pkeys default: got %v, %v; want none", c.policy.PKeys, err)
	}
	c, err = buildConfig(nil, map[string]string{
		"dev.peios.mm/pip":         "Protected:PeiosTcb",
		"dev.peios.mm/mitigations": "0x8",
		"dev.peios.mm/token":       "user=S-1-5-21-1-2-3-1001;integrity=Low",
	})
	if err != nil || c.identity.PIP.For("", 0) != (kacs.PIP{Type: 512, Trust: 8192}) || c.policy.Mitigations.For("", 0) != 0xc0 || c.identity.Token.For("", 0) == "" {
		t.Errorf("pip, mitigations (CFI alias -> CFIF|CFIB) and token: got %+v, %v", c, err)
	}
	for key, want := range map[string]string{
		"dev.peios.mm/wx":           "enforce, off or locked",
		"dev.peios.mm/pip":          "type:trust",
		"dev.peios.mm/mitigations":  "0x3ff",
		"dev.peios.mm/token":        "token text",
		"dev.peios.mm/process-sd":   "SDDL",
		"dev.peios.mm/commit":       "heuristic or strict",
		"dev.peios.mm/commit-limit": "byte count",
		"dev.peios.mm/pkeys":        "none (Linux without PKU) or software",
		"dev.peios.mm/bogus":        "supported:",
	} {
		_, err := buildConfig(nil, map[string]string{key: "no such value"})
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), want) {
			t.Errorf("bad %s: error %v does not name the key and %q", key, err, want)
		}
	}
}

// Identities by UID (settings.go): the accepted forms, and errors that name
// the key, the entry and the accepted form.
func TestSettingsByUID(t *testing.T) {
	c, err := buildConfig(peiosFlags{"pip": "Protected:App"}, map[string]string{
		"dev.peios.mm/pip":   " 0 = Protected:PeiosTcb | 1000=512:1024|*=None:0",
		"dev.peios.mm/token": "1000=user=S-1-5-21-1-2-3-1001;integrity=Low|2000=user=S-1-5-18",
	})
	if err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[uint32]kacs.PIP{0: {Type: 512, Trust: 8192}, 1000: {Type: 512, Trust: 1024}, 5: {}} {
		if got := c.identity.PIP.For("", uid); got != want {
			t.Errorf("pip of uid %d = %+v, want %+v", uid, got, want)
		}
	}
	if c.identity.Token.For("", 1000) != "user=S-1-5-21-1-2-3-1001;integrity=Low" || c.identity.Token.For("", 2000) != "user=S-1-5-18" || c.identity.Token.For("", 0) != "" {
		t.Errorf("tokens by uid: %+v", c.identity.Token)
	}
	c, err = buildConfig(peiosFlags{"pip": "Protected:App"}, nil)
	if err != nil || c.identity.PIP.For("", 7) != (kacs.PIP{Type: 512, Trust: 2048}) || len(c.identity.PIP.UID) != 0 {
		t.Errorf("one pip for every uid: %+v, %v", c.identity.PIP, err)
	}
	for v, want := range map[string]string{
		"0=None:0|0=None:0":          `entry 2 "0=None:0": UID 0 is given twice`,
		"0=None:0|*=None:0|*=None:0": `entry 3 "*=None:0": * is given twice`,
		"0=None:0|1000=Protected":    "entry 2 (UID 1000): ",
		"0=None:0|x=None:0":          `entry 2 "x=None:0": "x" is not a selector; want container:NAME=value, UID=value or *=value`,
		"0=None:0|None:0":            `entry 2 "None:0": want container:NAME=value, UID=value or *=value`,
		"99999999999=None:0":         `"99999999999" is not a UID`,
	} {
		_, err := buildConfig(nil, map[string]string{"dev.peios.mm/pip": v})
		if err == nil || !strings.Contains(err.Error(), "dev.peios.mm/pip") || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "UID=type:trust entries") {
			t.Errorf("pip %q: error %v, want one naming the key, %q and the accepted form", v, err, want)
		}
	}
	_, err = buildConfig(peiosFlags{"token": "1000=user=S-1-5-21-1-2-3-1001|*=user=bogus"}, nil)
	if err == nil || !strings.Contains(err.Error(), "--peios-token") || !strings.Contains(err.Error(), "entry 2 (*)") {
		t.Errorf("bad token entry: %v", err)
	}
}

// Values by container name (settings.go): name entries win over UID
// entries, which win over "*"; process-sd and wx take names but no UIDs.
func TestSettingsByContainerName(t *testing.T) {
	c, err := buildConfig(peiosFlags{"wx": "container:jit=off|*=locked"}, map[string]string{
		"dev.peios.mm/pip":         "container:app=Protected:App|0=Protected:PeiosTcb|*=None:0",
		"dev.peios.mm/token":       "container:app = user=S-1-5-21-1-2-3-1001 | 0=user=S-1-5-18",
		"dev.peios.mm/process-sd":  "container:app=D:(A;;0x1f0fff;;;WD)",
		"dev.peios.mm/mitigations": "container:app=0x8|1000=0x20|*=0x1",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name string
		uid  uint32
		want security.Mitigation
	}{{"app", 1000, 0xc0 /* the CFI alias stores CFIF|CFIB */}, {"db", 1000, 0x20}, {"db", 0, 0x1}} {
		if got := c.policy.Mitigations.For(x.name, x.uid); got != x.want || c.identity.Mitigations.For(x.name, x.uid) != x.want {
			t.Errorf("mitigations of %q uid %d = %#x, want %#x", x.name, x.uid, got, x.want)
		}
	}
	for _, x := range []struct {
		name string
		uid  uint32
		pip  kacs.PIP
		tok  string
		sd   string
	}{
		{"app", 0, kacs.PIP{Type: 512, Trust: 2048}, "user=S-1-5-21-1-2-3-1001", "D:(A;;0x1f0fff;;;WD)"},
		{"app", 1000, kacs.PIP{Type: 512, Trust: 2048}, "user=S-1-5-21-1-2-3-1001", "D:(A;;0x1f0fff;;;WD)"},
		{"db", 0, kacs.PIP{Type: 512, Trust: 8192}, "user=S-1-5-18", ""},
		{"", 1000, kacs.PIP{}, "", ""},
	} {
		if got := c.identity.PIP.For(x.name, x.uid); got != x.pip {
			t.Errorf("pip of %q uid %d = %+v, want %+v", x.name, x.uid, got, x.pip)
		}
		if got := c.identity.Token.For(x.name, x.uid); got != x.tok {
			t.Errorf("token of %q uid %d = %q, want %q", x.name, x.uid, got, x.tok)
		}
		if got := c.identity.ProcessSD.For(x.name, x.uid); got != x.sd {
			t.Errorf("process-sd of %q uid %d = %q, want %q", x.name, x.uid, got, x.sd)
		}
	}
	if c.policy.WX != mm.WXLocked || len(c.policy.WXByName) != 1 || c.policy.WXByName["jit"] != mm.WXOff {
		t.Errorf("wx by name: %v %v", c.policy.WX, c.policy.WXByName)
	}
	// The annotation's value replaces the flag's, entries and all.
	c, err = buildConfig(peiosFlags{"wx": "container:jit=off"}, map[string]string{"dev.peios.mm/wx": "enforce"})
	if err != nil || c.policy.WX != mm.WXEnforce || len(c.policy.WXByName) != 0 {
		t.Errorf("wx annotation over flag: %v %v %v", c.policy.WX, c.policy.WXByName, err)
	}
	for _, x := range []struct{ key, value, want, accepted string }{
		{"dev.peios.mm/wx", "container:jit=off|container:jit=off", `entry 2 "container:jit=off": container jit is given twice`, "container:NAME=policy entries"},
		{"dev.peios.mm/wx", "container:jit=sometimes", `entry 1 (container jit): "sometimes" is not a W^X policy`, "container:NAME=policy entries"},
		{"dev.peios.mm/wx", "0=off", `entry 1 "0=off": this setting is not selected by UID; want container:NAME=value or *=value`, "enforce, off or locked"},
		{"dev.peios.mm/process-sd", "container:a=D:(A;;0x1;;;WD)|1000=D:", "this setting is not selected by UID", "container:NAME=SDDL entries"},
		{"dev.peios.mm/token", "container:app=user=S-1-5-18|container:=user=S-1-5-18", `entry 2 "container:=user=S-1-5-18": "" is not a container name`, "container:NAME=token"},
		{"dev.peios.mm/pip", "container:app=Protected:App|container:b c=None:0", `entry 2 "container:b c=None:0": "b c" is not a container name`, "container:NAME=type:trust"},
	} {
		_, err := buildConfig(nil, map[string]string{x.key: x.value})
		if err == nil || !strings.Contains(err.Error(), x.key) || !strings.Contains(err.Error(), x.want) || !strings.Contains(err.Error(), x.accepted) {
			t.Errorf("%s=%q: error %v, want one naming the key, %q and %q", x.key, x.value, err, x.want, x.accepted)
		}
	}
}
