// Package runtime locates the runsc-peios binary that the sandbox tests run.
package runtime

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the absolute path of the runsc-peios binary under test:
// $RUNSC_PEIOS, else bin/runsc-peios two directories up (the repository
// root, seen from a test package under test/). It fails the test, with the
// build command, if there is none.
func Path(t testing.TB) string {
	t.Helper()
	p := os.Getenv("RUNSC_PEIOS")
	if p == "" {
		p = "../../bin/runsc-peios"
	}
	p, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("runsc-peios not found at %s (build it with `make build`): %v", p, err)
	}
	return p
}
