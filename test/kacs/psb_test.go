package kacs

import (
	"regexp"
	"strings"
	"testing"
)

// psbLine is the /proc/<pid>/psb line of §24.16.
var psbLine = regexp.MustCompile(`^pip_type=(\d+) pip_trust=(\d+) mitigations=(0x[0-9a-f]{3,}) process_guid=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

// psbFields parses a psb line: pip_type, pip_trust, mitigations, guid.
func psbFields(t *testing.T, who, line string) []string {
	t.Helper()
	m := psbLine.FindStringSubmatch(line)
	if m == nil {
		t.Errorf("%s: %q is not a psb line of §24.16", who, line)
		return []string{"", "", "", ""}
	}
	return m[1:]
}

// TestPSBFile checks /proc/<pid>/psb (§24.16, §24.19 #11): the own
// process's line reflects kacs_set_psb; a child's is a copy with a new
// GUID and shows bits set on it through its pidfd; access is
// PROCESS_QUERY_LIMITED on the target's SD checked at read (EACCES), and a
// reaped process is ESRCH; only the process-level file exists and it is
// read-only. It also checks the query-only token files of §24.13:
// /proc/self/token, /proc/self/task/<tid>/token,
// /sys/kernel/security/kacs/self and another process's /proc/<pid>/token
// (PROCESS_QUERY_INFORMATION, EACCES at open). stat, lstat, fstatat,
// statx and access of those files answer for a 0444 regular file with the
// attributes of the stat file beside it (kacs/self: root's).
func TestPSBFile(t *testing.T) {
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) {
			s := newSandbox(t, p, nil)
			got := lines(s.run(s.build("psb"), "self"))
			self := psbFields(t, "self", got["self"])
			if got["pid"] != got["self"] {
				t.Errorf("/proc/<pid>/psb = %q, /proc/self/psb = %q", got["pid"], got["self"])
			}
			if self[0] != "0" || self[1] != "0" || self[2] != "0x000" {
				t.Errorf("self: %q, want PIP 0/0 and no mitigations", got["self"])
			}
			after := psbFields(t, "self_after", got["self_after"])
			if after[2] != "0x110" || after[3] != self[3] {
				t.Errorf("after kacs_set_psb(-1, 0x110): %q (before: %q)", got["self_after"], got["self"])
			}
			child := psbFields(t, "child", got["child"])
			if child[2] != "0x110" || child[3] == self[3] {
				t.Errorf("child: %q, want the parent's mitigations 0x110 and a new GUID (parent %s)", got["child"], self[3])
			}
			if sml := psbFields(t, "child_sml", got["child_sml"]); sml[2] != "0x310" || sml[3] != child[3] {
				t.Errorf("child after kacs_set_psb(pidfd, SML): %q", got["child_sml"])
			}
			if got["child_self"] != got["child_sml"] {
				t.Errorf("the child's own psb with a denying SD = %q, want %q", got["child_self"], got["child_sml"])
			}
			for _, k := range []string{"openat", "openat2"} {
				if got[k] != got["self_after"] {
					t.Errorf("%s: %q, want %q", k, got[k], got["self_after"])
				}
			}
			// §24.13: query-only token handles from the filesystem.
			if !strings.HasPrefix(got["tok_self"], "S-1-5-") {
				t.Errorf("/proc/self/token: %q, want the user SID", got["tok_self"])
			}
			for _, k := range []string{"tok_task", "tok_sys", "tok_child"} {
				if got[k] != got["tok_self"] {
					t.Errorf("%s: %q, want %q", k, got[k], got["tok_self"])
				}
			}
			expect(t, "psb", got, map[string]string{
				"tok_self_adjust":    "-1 EACCES",
				"tok_task_adjust":    "-1 EACCES",
				"tok_sys_adjust":     "-1 EACCES",
				"tok_child_adjust":   "-1 EACCES",
				"tok_child_denied":   "-1 EACCES",
				"tok_write_open":     "-1 EACCES",
				"tok_sys_write_open": "-1 EACCES",
				"set_psb":            "0",
				"set_child":          "0",
				"child_set_sd":       "0",
				"task_open":          "-1 ENOENT",
				"nonexistent_open":   "-1 ENOENT",
				"write_open":         "-1 EACCES",
				"rdwr_open":          "-1 EACCES",
				"write":              "-1 EBADF",
				"fstat":              "100444",
				"denied_open":        "0",
				"denied_read":        "-1 EACCES",
				"gone":               "-1 ESRCH",
				// stat and access (psbstat.go): a 0444 regular file with
				// the attributes of the stat file beside it ("1"), for
				// every caller R_OK and never W_OK or X_OK.
				"psb_stat":                "100444 0 0 1 0 1",
				"psb_lstat":               "100444 0 0 1 0 1",
				"psb_fstatat":             "100444 0 0 1 0 1",
				"psb_statx":               "100444 0 0 1 0 1",
				"psb_access":              "0 0 EACCES EACCES 0 EACCES",
				"psb_fstatat_dir":         "100444 0 0 1 0 1",
				"psb_faccessat_dir":       "0",
				"psb_faccessat_dir_w":     "-1 EACCES",
				"psb_stat_trailing_slash": "-1 ENOENT",
				"child_psb_stat":          "100444 0 0 1 0 1",
				"child_psb_statx":         "100444 0 0 1 0 1",
				"child_psb_access":        "0 0 EACCES EACCES 0 EACCES",
				"denied_psb_stat":         "100444 0 0 1 0 1",
				"denied_psb_statx":        "100444 0 0 1 0 1",
				"denied_psb_access":       "0 0 EACCES EACCES 0 EACCES",
				"tok_stat":                "100444 0 0 1 0 1",
				"tok_lstat":               "100444 0 0 1 0 1",
				"tok_fstatat":             "100444 0 0 1 0 1",
				"tok_statx":               "100444 0 0 1 0 1",
				"tok_access":              "0 0 EACCES EACCES 0 EACCES",
				"tok_task_stat":           "100444 0 0 1 0 1",
				"tok_task_statx":          "100444 0 0 1 0 1",
				"tok_task_access":         "0 0 EACCES EACCES 0 EACCES",
				// kacs/self: root's, inode 0x4b414353 ("1").
				"sys_stat":           "100444 0 0 1 0 1",
				"sys_lstat":          "100444 0 0 1 0 1",
				"sys_fstatat":        "100444 0 0 1 0 1",
				"sys_statx":          "100444 0 0 1 0 1",
				"sys_access":         "0 0 EACCES EACCES 0 EACCES",
				"task_stat":          "-1 ENOENT",
				"task_access":        "-1 ENOENT",
				"nonexistent_stat":   "-1 ENOENT",
				"nonexistent_access": "-1 ENOENT",
			})
			if t.Failed() {
				t.Logf("output:\n%v", got)
			}
		})
	}
}

// TestPSBFileAcrossPIP checks that /proc/<pid>/psb needs no PIP dominance
// (§24.16, §24.18 #9): another user with PIP None reads the line of a
// Protected/8192 process, whose other /proc files stay denied (§6.4), its
// token file included (§24.13); stat and access of both work.
func TestPSBFileAcrossPIP(t *testing.T) {
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) {
			s := start(t, p, map[string]string{"dev.peios.mm/pip": "0=Protected:PeiosTcb"})
			psb := s.build("psb")
			got := lines(s.exec("1000:1000", false, psb, "read", s.pid))
			f := psbFields(t, "psb", got["psb"])
			// LSV (0x004) is set by exec for a PIP-protected process (§4.4).
			if f[0] != "512" || f[1] != "8192" || f[2] != "0x004" {
				t.Errorf("psb of a Protected/8192 process: %q", got["psb"])
			}
			expect(t, "PIP None caller", got, map[string]string{
				"status": "EACCES",
				// §24.13: PROCESS_QUERY_INFORMATION and PIP dominance.
				"token":          "-1 EACCES",
				"tok_sys":        machineUser(1000),
				"tok_sys_adjust": "-1 EACCES",
				// stat and access need no access to the process.
				"psb_stat":     "100444 0 0 1 0 1",
				"psb_statx":    "100444 0 0 1 0 1",
				"psb_access":   "0 0 EACCES EACCES 0 EACCES",
				"token_stat":   "100444 0 0 1 0 1",
				"token_statx":  "100444 0 0 1 0 1",
				"token_access": "0 0 EACCES EACCES 0 EACCES",
			})
		})
	}
}
