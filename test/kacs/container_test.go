package kacs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// podAnnotations are the root container's (with CRI, the Pod's): values by
// container name for the container "app", by UID and "*" for the others.
var podAnnotations = map[string]string{
	"io.kubernetes.cri.container-type": "sandbox",
	"dev.peios.mm/token":               "container:app=user=S-1-5-21-1-2-3-1001|0=user=S-1-5-18|*=user=S-1-5-21-1-2-3-1002",
	"dev.peios.mm/pip":                 "container:app=Protected:App|*=None:0",
	"dev.peios.mm/process-sd":          "container:app=O:BAG:BAD:(A;;0x1f0fff;;;WD)",
	"dev.peios.mm/wx":                  "container:app=off|*=locked",
	"dev.peios.mm/mitigations":         "container:app=0x100|*=0x200",
}

// Values by container name (runsc-ext/settings.go): a sandbox started with
// raw runsc-peios whose root container carries podAnnotations, and a second
// container "app" created in it as CRI would (container-type container,
// sandbox-id, container-name). Each container's first process and processes
// runsc exec starts in it get their container's token, process SD, PIP
// label and W^X policy; a name entry wins over a UID entry.
func TestIdentityByContainerName(t *testing.T) {
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) { identityByContainerName(t, p) })
	}
}

func identityByContainerName(t *testing.T, platform string) {
	s := newSandbox(t, platform, podAnnotations)
	ident := s.build("ident")

	// The root container: the sandbox, no name of its own.
	s.writeBundle(ident, "wait")
	rootOut := filepath.Join(t.TempDir(), "root.out")
	s.runOut(rootOut, "run", "--detach", "--bundle", s.bundle, s.id)
	s.cleanup()

	system := map[string]string{
		"user": "S-1-5-18", "sd_owner": "S-1-5-18", "psb": "pip_type=0 pip_trust=0 mitigations=0x200 *",
		"wx_get": "0", "mmap_wx": "-1 EACCES", "wx_optout": "-1 EPERM",
	}
	appWant := map[string]string{
		"user": "S-1-5-21-1-2-3-1001", "sd_owner": "S-1-5-32-544", "psb": "pip_type=512 pip_trust=2048 mitigations=0x104 *", // PIE, and LSV with a PIP label
		"wx_get": "1", "mmap_wx": "0", "wx_optout": "0",
	}
	expectIdent(t, "root container's first process (uid 0)", waitLines(t, rootOut, 6), system)
	// The container "app", joining the sandbox, gets the pod's entries
	// for its name.
	app := s.joinContainer(t, "app", nil, ident, appWant)
	expectIdent(t, "exec into the root container as uid 0", lines(s.exec("0:0", false, ident)), system)
	other := map[string]string{}
	for k, v := range system {
		other[k] = v
	}
	other["user"], other["sd_owner"] = "S-1-5-21-1-2-3-1002", "S-1-5-21-1-2-3-1002"
	expectIdent(t, "exec into the root container as uid 1000", lines(s.exec("1000:1000", false, ident)), other)
	sub := &sandbox{t: t, runtime: s.runtime, root: s.root, id: app, platform: platform}
	expectIdent(t, "exec into app as uid 1000", lines(sub.exec("1000:1000", false, ident)), appWant)

	// The container "own" carries annotations of its own, as
	// crictl/containerd pass a container's annotations: its keys replace
	// the pod's (entries by name and "*" alike); the pod's other keys
	// would still apply.
	ownWant := map[string]string{
		"user": "S-1-5-21-1-2-3-1007", "sd_owner": "S-1-5-21-1-2-3-1007", "psb": "pip_type=512 pip_trust=8192 mitigations=0x004 *",
		"wx_get": "1", "mmap_wx": "0", "wx_optout": "0",
	}
	s.joinContainer(t, "own", map[string]string{
		"dev.peios.mm/token":       "user=S-1-5-21-1-2-3-1007",
		"dev.peios.mm/pip":         "Protected:PeiosTcb",
		"dev.peios.mm/wx":          "off",
		"dev.peios.mm/mitigations": "0",
	}, ident, ownWant)
	// A container with no annotation of its own keeps the pod's values.
	s.joinContainer(t, "plain", nil, ident, system)
	// A malformed annotation of a joining container refuses its create,
	// naming the key.
	bad, badBundle := s.joinSpec(t, "bad", map[string]string{"dev.peios.mm/pip": "Protected:Nonsense"}, ident)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := s.runsc(ctx, "create", "--bundle", badBundle, bad).CombinedOutput()
	s.runsc(ctx, "delete", "-force", bad).Run()
	if err == nil || !strings.Contains(string(out), "dev.peios.mm/pip") {
		t.Errorf("create of a container with dev.peios.mm/pip=Protected:Nonsense: err %v, output %q; want a refusal naming the key", err, out)
	}
}

// joinSpec writes the bundle of a container named name that joins the
// sandbox as CRI would make it (container-type container, sandbox-id,
// container-name), with the annotations ann of its own, running prog wait.
// It returns the container's ID and bundle directory.
func (s *sandbox) joinSpec(t *testing.T, name string, ann map[string]string, prog string) (id, bundle string) {
	t.Helper()
	id = name + "-" + s.id // not s.id + anything: runsc takes ID prefixes
	bundle = filepath.Join(t.TempDir(), name)
	all := map[string]string{
		"io.kubernetes.cri.container-type": "container",
		"io.kubernetes.cri.sandbox-id":     s.id,
		"io.kubernetes.cri.container-name": name,
	}
	for k, v := range ann {
		all[k] = v
	}
	s.writeSpec(bundle, all, prog, "wait")
	return id, bundle
}

// joinContainer creates and starts the container of joinSpec, compares
// its first process's identity (progs/ident.c) with want, and returns the
// container's ID.
func (s *sandbox) joinContainer(t *testing.T, name string, ann map[string]string, prog string, want map[string]string) string {
	t.Helper()
	id, bundle := s.joinSpec(t, name, ann, prog)
	out := filepath.Join(t.TempDir(), name+".out")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s.runsc(ctx, "delete", "-force", id).Run()
	})
	s.runOut(out, "create", "--bundle", bundle, id)
	s.runOut(out, "start", id)
	expectIdent(t, name+"'s first process (uid 0)", waitLines(t, out, 6), want)
	return id
}

// runOut runs runsc with args, its output appended to the file out.
func (s *sandbox) runOut(out string, args ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	cmd := s.runsc(ctx, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out)
		s.t.Fatalf("runsc %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// waitLines waits for the file path to hold n lines and returns them by
// name.
func waitLines(t *testing.T, path string, n int) map[string]string {
	t.Helper()
	for i := 0; i < 400; i++ {
		if b, _ := os.ReadFile(path); strings.Count(string(b), "\n") >= n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	return lines(string(b))
}

// expectIdent compares progs/ident.c's lines with want; a want ending in
// " *" matches any line with that prefix.
func expectIdent(t *testing.T, who string, got, want map[string]string) {
	t.Helper()
	for name, w := range want {
		g := got[name]
		if prefix, ok := strings.CutSuffix(w, " *"); ok && strings.HasPrefix(g, prefix+" ") {
			continue
		}
		if g != w {
			t.Errorf("%s: %s = %q, want %q", who, name, g, w)
		}
	}
	if t.Failed() {
		t.Logf("%s: %v", who, got)
	}
}

// TestJoiningContainersInParallel creates containers that join one sandbox
// at the same time, each with its own annotations, longer together than a
// pipe's atomic write (PIPE_BUF, 4096 bytes; the writers take turns on the
// container pipe): every container's first process must get exactly its
// own token.
func TestJoiningContainersInParallel(t *testing.T) {
	s := newSandbox(t, "systrap", map[string]string{"io.kubernetes.cri.container-type": "sandbox"})
	ident := s.build("ident")
	s.writeBundle(ident, "wait")
	s.runOut(filepath.Join(t.TempDir(), "root.out"), "run", "--detach", "--bundle", s.bundle, s.id)
	s.cleanup()

	const n = 6
	// 60 groups (a token holds at most 64) and a 60-ACE process SD: a
	// line of about 6 KiB.
	var groups, aces []string
	for g := 0; g < 60; g++ {
		sid := fmt.Sprintf("S-1-5-21-1000000000-2000000000-3000000000-%d", 50000+g)
		groups = append(groups, sid)
		aces = append(aces, "(A;;0x1000;;;"+sid+")")
	}
	sd := "O:BAG:BAD:(A;;0x1f0fff;;;BA)" + strings.Join(aces, "")
	type joined struct{ id, bundle, out, user string }
	cs := make([]joined, n)
	for i := range cs {
		c := &cs[i]
		c.user = fmt.Sprintf("S-1-5-21-1-2-3-%d", 2000+i)
		token := "user=" + c.user + ";groups=" + strings.Join(groups, ",")
		ann := map[string]string{"dev.peios.mm/token": token, "dev.peios.mm/process-sd": sd}
		c.id, c.bundle = s.joinSpec(t, fmt.Sprintf("c%d", i), ann, ident)
		c.out = filepath.Join(t.TempDir(), c.id+".out")
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s.runsc(ctx, "delete", "-force", c.id).Run()
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errs := make(chan error, n)
	for _, c := range cs {
		go func() {
			out, err := s.runsc(ctx, "create", "--bundle", c.bundle, c.id).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("create %s: %v\n%s", c.id, err, out)
			}
			errs <- err
		}()
	}
	for range cs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cs {
		s.runOut(c.out, "start", c.id)
	}
	for _, c := range cs {
		if got := waitLines(t, c.out, 6)["user"]; got != c.user {
			t.Errorf("%s's first process has user %q, want its own %q", c.id, got, c.user)
		}
	}
}
