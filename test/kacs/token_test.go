package kacs

import (
	"os"
	"strings"
	"testing"
)

// tokenAnnotation is the token progs/token.c expects: the user and group of
// the §24.6 C example, SeDebugPrivilege, SeSecurityPrivilege and
// SeRelabelPrivilege present but disabled, SeTimeZonePrivilege enabled by
// default but now disabled.
const tokenAnnotation = "user=S-1-5-21-1-2-3-1001;group=S-1-5-21-1-2-3-513;" +
	"privileges=SeChangeNotifyPrivilege,SeDebugPrivilege:disabled,SeSecurityPrivilege:disabled," +
	"SeRelabelPrivilege:disabled,SeTimeZonePrivilege:default"

// TestTokenHandles runs progs/token.c (spec §24.7-§24.14 and the §24.19
// rows one process can check) and compares its whole output with
// testdata/token.golden; with a SYSTEM token it checks the token SD
// through a handle (testdata/token_system.golden).
func TestTokenHandles(t *testing.T) {
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) {
			s := newSandbox(t, p, map[string]string{"dev.peios.mm/token": tokenAnnotation})
			compareGolden(t, s.run(s.build("token")), "testdata/token.golden")
			s = newSandbox(t, p, map[string]string{"dev.peios.mm/token": "user=S-1-5-18;group=S-1-5-18;integrity=System"})
			compareGolden(t, s.run(s.build("token"), "system"), "testdata/token_system.golden")
		})
	}
}

// compareGolden compares got with the file want line by line and reports
// every difference.
func compareGolden(t *testing.T, got, wantFile string) {
	t.Helper()
	b, err := os.ReadFile(wantFile)
	if err != nil {
		t.Fatal(err)
	}
	g := strings.Split(strings.TrimRight(got, "\n"), "\n")
	w := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s line %d:\n got %q\nwant %q", wantFile, i+1, gl, wl)
		}
	}
	if t.Failed() {
		t.Logf("whole output:\n%s", got)
	}
}
