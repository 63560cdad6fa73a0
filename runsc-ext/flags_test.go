package main

import (
	"reflect"
	"strings"
	"testing"

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
		{in: []string{"r", "--peios-wx=sometimes", "do"}, wantErr: `--peios-wx: "sometimes" is not a W^X policy; accepted: enforce, off, locked`},
		{in: []string{"r", "--peios-wx"}, wantErr: "--peios-wx needs a value"},
		{in: []string{"r", "--peios-commmit=strict"}, wantErr: "unknown flag -peios-commmit"},
		{in: []string{"r", "--peios-commit=sometimes", "do"}, wantErr: `--peios-commit: "sometimes" is not a commit policy; accepted: heuristic, strict`},
		{in: []string{"r", "--peios-commit-limit=0", "do"}, wantErr: `--peios-commit-limit: "0" is not a commit limit`},
		{in: []string{"r", "--peios-privileges=SeDebugPrivilege", "do"}, wantErr: `--peios-privileges: "SeDebugPrivilege" is not a privilege this runtime grants`},
	} {
		out, f, err := extractPeiosFlags(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("extractPeiosFlags(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(out, tc.out) || f.wx != tc.wx {
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

func TestContainerPolicy(t *testing.T) {
	sandbox := mm.Policy{WX: mm.WXEnforce}
	p, err := containerPolicy(sandbox, map[string]string{"dev.peios.mm/wx": "off", "other/key": "x"})
	if err != nil || p.WX != mm.WXOff {
		t.Errorf("annotation wx=off: got %+v, %v", p, err)
	}
	p, err = containerPolicy(sandbox, nil)
	if err != nil || p != sandbox {
		t.Errorf("no annotations: got %+v, %v; want the sandbox policy", p, err)
	}
	if _, err := containerPolicy(sandbox, map[string]string{"dev.peios.mm/wx": "no"}); err == nil ||
		!strings.Contains(err.Error(), "annotation dev.peios.mm/wx") || !strings.Contains(err.Error(), "enforce, off, locked") {
		t.Errorf("bad wx annotation: error %v does not name the key and the accepted values", err)
	}
	if _, err := containerPolicy(sandbox, map[string]string{"dev.peios.mm/bogus": "1"}); err == nil ||
		!strings.Contains(err.Error(), "dev.peios.mm/bogus") {
		t.Errorf("unknown annotation: error %v does not name the key", err)
	}
}

func TestMemoryPolicyFlags(t *testing.T) {
	_, f, err := extractPeiosFlags([]string{"r", "--peios-commit=strict", "--peios-commit-limit", "256M",
		"--peios-privileges=SeLockMemoryPrivilege", "do", "ls"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.policy()
	if err != nil || p.Commit != mm.CommitStrict || p.CommitLimit != 256<<20 || !p.LockMemory {
		t.Errorf("policy = %+v, %v; want strict, 256 MiB, SeLockMemoryPrivilege", p, err)
	}
	// The flags survive the sandbox's re-exec through the environment.
	t.Setenv(envPolicy, "")
	t.Setenv(envFlags, "")
	f.wx = "off"
	f.setEnv()
	got, err := flagsFromEnv("off")
	if err != nil || got != f {
		t.Errorf("flagsFromEnv = %+v, %v; want %+v", got, err, f)
	}
}

func TestCommitAnnotations(t *testing.T) {
	p, err := containerPolicy(mm.Policy{}, map[string]string{"dev.peios.mm/commit": "strict", "dev.peios.mm/commit-limit": "1G"})
	if err != nil || p.Commit != mm.CommitStrict || p.CommitLimit != 1<<30 {
		t.Errorf("commit annotations: got %+v, %v", p, err)
	}
	for key, bad := range map[string]string{"dev.peios.mm/commit": "lazy", "dev.peios.mm/commit-limit": "12X"} {
		if _, err := containerPolicy(mm.Policy{}, map[string]string{key: bad}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("bad %s=%s: error %v does not name the key", key, bad, err)
		}
	}
}
