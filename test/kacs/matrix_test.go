package kacs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peios/runsc-peios/pkg/security"
)

// The cells of the matrix: probe_target's results (progs/kacs.h) for
// readv, writev, process_madvise, /proc/<pid>/mem read and write, and the
// extra columns pidfd_open, kacs_open_process_token and kacs_get_sd. The
// errnos are §6.3's: EPERM for process_vm_readv/writev, EACCES elsewhere.
const (
	// allowed: the SD grants everything and PIP dominance holds.
	allowed = "readv=ok writev=ok madvise=ok mem_r=ok mem_w=ok pidfd_open=ok token=ok get_sd=ok"
	// pipDenied: the caller does not dominate a protected target; nothing,
	// not even pidfd_open or SeDebugPrivilege, gets through (§6.2 check 2,
	// §24.19 #3).
	pipDenied = "readv=EPERM writev=EPERM madvise=EACCES mem_r=EACCES mem_w=EACCES pidfd_open=EACCES token=EACCES get_sd=EACCES"
	// stranger: the default SD gives Everyone PROCESS_QUERY_LIMITED only.
	stranger = "readv=EPERM writev=EPERM madvise=EACCES mem_r=EACCES mem_w=EACCES pidfd_open=ok token=EACCES get_sd=EACCES"
	// lowerIntegrity: the same user at Low integrity against the default
	// label (Medium, NO_WRITE_UP): MIC removes the write rights only
	// (§5.2), so reading and querying stay allowed.
	lowerIntegrity = "readv=ok writev=EPERM madvise=EACCES mem_r=ok mem_w=EACCES pidfd_open=ok token=ok get_sd=ok"
	// debugger: SeDebugPrivilege replaces the SD check of the gate (§6.2),
	// but not the token's own SD (§24.9 step 6) nor kacs_get_sd's check
	// (§24.18 #11).
	debugger = "readv=ok writev=ok madvise=ok mem_r=ok mem_w=ok pidfd_open=ok token=EACCES get_sd=EACCES"
	// grantedRead: a stranger the target granted PROCESS_VM_READ with
	// kacs_set_sd.
	grantedRead = "readv=ok writev=EPERM madvise=EACCES mem_r=ok mem_w=EACCES pidfd_open=ok token=EACCES get_sd=EACCES"
)

// matrixTargets are the targets, each a process of its own UID.
var matrixTargets = []struct{ name, uid string }{
	{"none", "1000"},  // user A, Medium, PIP None
	{"p1024", "2000"}, // user A, Medium, Protected-1024 (512:1024)
	{"p8192", "3000"}, // user A, Medium, Protected-8192 (512:8192)
}

// matrixAnnotations give each UID its identity (settings by UID). User A is
// the D8 user of UID 1000; UIDs without a token entry (1000, 1001) get the
// D8 token of their UID, and every PIP without an entry is None.
func matrixAnnotations() map[string]string {
	a := machineUser(1000)
	return map[string]string{
		"dev.peios.mm/token": strings.Join([]string{
			"1002=user=" + a + ";integrity=Low",
			"1003=user=" + machineUser(1003) + ";privileges=SeChangeNotifyPrivilege,SeDebugPrivilege",
			"1004=user=" + a,
			"1005=user=" + a,
			"2000=user=" + a,
			"3000=user=" + a,
		}, "|"),
		"dev.peios.mm/pip": "1004=Protected:Authenticode|1005=Protected:PeiosTcb|2000=Protected:Authenticode|3000=Protected:PeiosTcb",
	}
}

// TestMatrix is the conformance matrix: caller × target over
// {same user, other user, lower integrity, with SeDebugPrivilege, PIP
// None / Protected-1024 / Protected-8192} × {process_vm_readv,
// process_vm_writev, process_madvise, /proc/<pid>/mem read, write}, with
// the exact errno of every cell, on systrap and ptrace; then a target that
// grants PROCESS_VM_READ to the other user with kacs_set_sd, which flips
// that caller's read cells. After every row each target reports its secret:
// an allowed process_vm_writev is read back intact, a denied one changed
// nothing.
func TestMatrix(t *testing.T) {
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) { matrix(t, p) })
	}
}

func matrix(t *testing.T, platform string) {
	s := start(t, platform, matrixAnnotations())
	probe := s.build("probe")
	target := filepath.Join(s.share, "target")
	var names []string
	secrets := map[string]string{}
	for _, tg := range matrixTargets {
		dir := filepath.Join(s.share, tg.name)
		os.Mkdir(dir, 0o777)
		os.Chmod(dir, 0o777)
		out := filepath.Join(t.TempDir(), tg.name+".out")
		s.execDetached(tg.uid+":"+tg.uid, out, target, dir)
		pid, addr := waitFields(t, out)
		names = append(names, fmt.Sprintf("%s:%s:%s", tg.name, pid, addr))
		secrets[tg.name] = "target-secret"
	}

	// No caller has a capability unless noted: the gate alone decides,
	// whatever the caller's UID (§3.9, §6.4), and ptraceCaps, which would
	// satisfy Linux's own checks, change nothing.
	rows := []struct {
		name string
		uid  string
		caps bool
		want [3]string // none, p1024, p8192
	}{
		{"same user (uid 1000: user A, None)", "1000", false, [3]string{allowed, pipDenied, pipDenied}},
		{"other user (uid 1001: user B, None)", "1001", false, [3]string{stranger, pipDenied, pipDenied}},
		{"lower integrity (uid 1002: user A at Low, None)", "1002", false, [3]string{lowerIntegrity, pipDenied, pipDenied}},
		{"SeDebugPrivilege (uid 1003: user D, None)", "1003", false, [3]string{debugger, pipDenied, pipDenied}},
		{"PIP Protected-1024 (uid 1004: user A)", "1004", false, [3]string{allowed, allowed, pipDenied}},
		{"PIP Protected-8192 (uid 1005: user A)", "1005", false, [3]string{allowed, allowed, allowed}},
		{"other user with CAP_SYS_PTRACE and CAP_DAC_OVERRIDE", "1001", true, [3]string{stranger, pipDenied, pipDenied}},
	}
	for i, r := range rows {
		runRow(t, s, probe, names, secrets, fmt.Sprintf("row%02d-wrote-it", i), r.name, r.uid, r.caps, r.want)
	}

	// The unprotected target grants PROCESS_VM_READ to user B: only that
	// caller's read cells flip.
	s.grantIn(t, filepath.Join(s.share, "none"), machineUser(1000), machineUser(1001), security.ProcessVMRead)
	runRow(t, s, probe, names, secrets, "granted-read!!", "other user after the target granted it PROCESS_VM_READ", "1001", false,
		[3]string{grantedRead, pipDenied, pipDenied})
}

// runRow runs probe as uid against every target, compares each line with
// want, and then checks every target's secret: tag where writev was
// allowed, unchanged elsewhere.
func runRow(t *testing.T, s *sandbox, probe string, targets []string, secrets map[string]string, tag, name, uid string, caps bool, want [3]string) {
	t.Helper()
	got := lines(s.exec(uid+":"+uid, caps, append([]string{probe, tag}, targets...)...))
	for i, tg := range matrixTargets {
		if got[tg.name] != want[i] {
			t.Errorf("%s -> target %s:\n got %s\nwant %s", name, tg.name, got[tg.name], want[i])
		}
		if strings.Contains(want[i], "writev=ok") {
			secrets[tg.name] = tag
		}
		if secret := s.dumpSecret(t, filepath.Join(s.share, tg.name)); secret != secrets[tg.name] {
			t.Errorf("%s -> target %s: its secret is %q, want %q", name, tg.name, secret, secrets[tg.name])
		}
	}
}

// dumpSecret has the target serving dir write its secret and returns it.
func (s *sandbox) dumpSecret(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "secret")
	os.Remove(path)
	os.WriteFile(filepath.Join(dir, "dump"), nil, 0o666)
	return strings.TrimSuffix(waitFile(t, path), "\n")
}

// TestParentChildStrangers checks that a parent and its child get no
// shortcut (§6.1): a child whose SD shuts its parent out denies it like a
// stranger, and a child reaches its parent through the parent's SD.
func TestParentChildStrangers(t *testing.T) {
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) {
			s := start(t, p, nil)
			got := lines(s.exec("1000:1000", false, s.build("family")))
			for name, want := range map[string]string{
				"parent->child": allowed,
				// The child's DACL names SYSTEM only; as the owner's user
				// the parent keeps READ_CONTROL (get_sd) and nothing else.
				"parent->child(SD)": "readv=EPERM writev=EPERM madvise=EACCES mem_r=EACCES mem_w=EACCES pidfd_open=EACCES token=EACCES get_sd=ok",
				"child->parent":     allowed,
				// The child's allowed process_vm_writev, read back by
				// the parent itself.
				"parent": "secret child-wrote-it",
				// pidfd_open once the child's SD is in place (the pidfd
				// the parent used above was taken before).
				"after-sd-change": "pidfd_open=EACCES",
			} {
				if got[name] != want {
					t.Errorf("%s:\n got %s\nwant %s", name, got[name], want)
				}
			}
		})
	}
}
