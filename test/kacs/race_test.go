package kacs

import (
	"fmt"
	"strings"
	"testing"
)

// TestForkWhileParentChanges checks §4.4 under concurrency (issue 3 item
// 2): progs/forkrace.c forks 300 times while other threads of the parent
// flip its privileges (one ioctl at a time, each state with two equal
// halves), replace its process DACL and add PSB mitigation bits; every
// child must hold exactly a state its parent had during that fork (its
// mitigations read from /proc/self/psb, §24.16), a fresh default SD and a
// new process GUID.
func TestForkWhileParentChanges(t *testing.T) {
	privs := []string{"SeChangeNotifyPrivilege"}
	for b := 36; b <= 61; b++ {
		privs = append(privs, fmt.Sprintf("%d:disabled", b))
	}
	token := "user=" + machineUser(1000) + ";privileges=" + strings.Join(privs, ",")
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) {
			s := newSandbox(t, p, map[string]string{"dev.peios.mm/token": token})
			out := strings.TrimSpace(s.run(s.build("forkrace")))
			if want := "forks=300 torn=0 stale=0 sd=0 psb=0 overlapped=yes"; out != want {
				t.Errorf("forkrace:\n%s\nwant the single line %q", out, want)
			}
		})
	}
}
