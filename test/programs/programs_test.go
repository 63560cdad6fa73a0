// Package programs runs real programs from the host inside runsc-peios
// under the default policy: shells and interpreters that never map memory
// writable and executable must work unchanged, and a JIT (node) must be
// refused by W^X with a log line that names the opt-out, and run once the
// sandbox policy opts out.
package programs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peios/runsc-peios/test/runtime"
)

// result is what a sandboxed run produced.
type result struct {
	out string // stdout and stderr
	log string // every log file of the run
	err error
}

// run runs argv inside a fresh sandbox with the given global flags.
func run(t *testing.T, flags []string, argv ...string) result {
	t.Helper()
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log") + "/"
	args := append([]string{"--root", filepath.Join(dir, "root"), "--network=none", "--debug-log=" + logDir}, flags...)
	args = append(append(args, "do"), argv...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, runtime.Path(t), args...).CombinedOutput()
	var logs strings.Builder
	files, _ := filepath.Glob(filepath.Join(dir, "log", "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		logs.Write(b)
	}
	return result{out: string(out), log: logs.String(), err: err}
}

func need(t *testing.T, program string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err != nil {
		t.Skipf("%s is not installed on this host, so it cannot be run in the sandbox", program)
	}
	return p
}

func TestInterpretersRunUnderDefaultPolicy(t *testing.T) {
	for _, tc := range []struct {
		program string
		argv    []string
		want    string
	}{
		{"bash", []string{"-c", "for i in 1 2 3; do echo -n $i; done; echo; cat /proc/self/status | grep -c VmRSS"}, "123\n1\n"},
		{"python3", []string{"-c", "import json, hashlib, ctypes; print(json.dumps(sum(range(10))), hashlib.sha256(b'x').hexdigest()[:8])"}, "45 2d711642\n"},
		{"perl", []string{"-e", "my %h = map { $_ => $_*$_ } 1..4; print join(',', map { $h{$_} } sort keys %h), qq(\\n)"}, "1,4,9,16\n"},
	} {
		t.Run(tc.program, func(t *testing.T) {
			path := need(t, tc.program)
			r := run(t, nil, append([]string{path}, tc.argv...)...)
			if r.err != nil || r.out != tc.want {
				t.Fatalf("%s under --peios-wx=enforce: err %v, output %q; want %q", tc.program, r.err, r.out, tc.want)
			}
			if strings.Contains(r.log, "W^X refused") {
				t.Errorf("%s caused a W^X refusal:\n%s", tc.program, grepLines(r.log, "W^X refused"))
			}
		})
	}
}

func TestNodeNeedsTheOptOut(t *testing.T) {
	node := need(t, "node")
	script := []string{node, "-e", "let s = 0; for (let i = 0; i < 1e6; i++) s += i; console.log('node', s)"}

	refused := run(t, nil, script...)
	if refused.err == nil {
		t.Fatalf("node ran under --peios-wx=enforce; W^X should have refused its JIT. Output:\n%s", refused.out)
	}
	lines := grepLines(refused.log, "W^X refused")
	if n := strings.Count(lines, "\n"); n != 1 {
		t.Fatalf("want exactly one W^X log line for the node process, got %d:\n%s", n, lines)
	}
	for _, want := range []string{"node", "PR_SET_DYNAMIC_CODE_POLICY", "--peios-wx=off", " at 0x"} {
		if !strings.Contains(lines, want) {
			t.Errorf("the W^X log line does not name %q:\n%s", want, lines)
		}
	}

	allowed := run(t, []string{"--peios-wx=off"}, script...)
	if allowed.err != nil || allowed.out != "node 499999500000\n" {
		t.Fatalf("node under --peios-wx=off: err %v, output %q", allowed.err, allowed.out)
	}
}

// grepLines returns the lines of s that contain sub, each ending in "\n".
func grepLines(s, sub string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
