package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// A setting is one piece of sandbox policy (DECISIONS D6). Each is the flag
// --peios-<name> (the sandbox's default) and the annotation
// dev.peios.mm/<name> (a container's own value, which wins).
//
// token, pip, process-sd and wx take one value for every process, or values
// selected by container name (all four) and by UID (token and pip):
//
//	value    = single | entry *( "|" entry )
//	entry    = selector "=" single     ; spaces around parts are ignored
//	selector = "container:" name       ; the container named name
//	         | uid                     ; a decimal UID (token and pip only)
//	         | "*"                     ; every process no other entry selects
//
// e.g. --peios-pip='0=Protected:PeiosTcb|1000=Protected:App|*=None:0' or
// dev.peios.mm/wx='container:jit=off|*=locked'. A container's name is its
// io.kubernetes.cri.container-name annotation (containerd's CRI sets it to
// the name in the Pod spec; gVisor records it for every container of the
// sandbox); name is any text without "=", "|" or spaces. A value is read as
// entries when it starts with "container:", a UID or "*" followed by "=",
// which no token text, PIP label, SDDL or W^X policy does. A process runsc
// starts (a container's first process, or runsc exec into the container)
// takes the entry of its container's name, else the entry of its UID, else
// "*"; with none of them it gets the default (the D8 token, PIP None:0,
// the §5.3 process SD, W^X enforce). Every process of a container has the
// W^X policy of its container's name, else "*". Each selector may appear
// once.
type setting struct {
	// accepted describes the accepted values, for error messages.
	accepted string
	// apply parses value into c.
	apply func(c *config, value string) error
}

// config is everything the settings configure.
type config struct {
	policy   mm.Policy
	identity kacs.Identity
}

// settings lists every setting by name.
var settings = map[string]setting{
	"wx": {"enforce, off or locked, or container:NAME=policy entries separated by | with * for every other container, " +
		"e.g. container:jit=off|*=locked", func(c *config, v string) error {
		wx, err := parseSelected(v, false, mm.ParseWXPolicy)
		c.policy.WX, c.policy.WXByName = wx.All, wx.Name
		return err
	}},
	"token": {"a token text such as user=S-1-5-21-1-2-3-1001;integrity=Medium (see README), " +
		"or container:NAME=token and UID=token entries separated by | with * for every other process, " +
		"e.g. container:app=user=S-1-5-21-1-2-3-1001|0=user=S-1-5-18|*=user=S-1-5-21-1-2-3-1002", func(c *config, v string) error {
		tokens, err := parseSelected(v, true, func(s string) (string, error) {
			_, err := security.ParseToken(s)
			return s, err
		})
		c.identity.Token = tokens
		return err
	}},
	"process-sd": {"an SDDL security descriptor such as O:...G:...D:(A;;0x1f0fff;;;BA), " +
		"or container:NAME=SDDL entries separated by | with * for every other container", func(c *config, v string) error {
		sds, err := parseSelected(v, false, func(s string) (string, error) {
			_, err := security.ParseSDDL(s)
			return s, err
		})
		c.identity.ProcessSD = sds
		return err
	}},
	"pip": {"type:trust, e.g. None:0, Protected:PeiosTcb or 512:8192, " +
		"or container:NAME=type:trust and UID=type:trust entries separated by | with * for every other process, " +
		"e.g. container:app=Protected:App|0=Protected:PeiosTcb|*=None:0", func(c *config, v string) error {
		pips, err := parseSelected(v, true, func(s string) (kacs.PIP, error) {
			t, r, err := security.ParsePIP(s)
			return kacs.PIP{Type: t, Trust: r}, err
		})
		c.identity.PIP = pips
		return err
	}},
	"commit": {"heuristic or strict", func(c *config, v string) error {
		p, err := mm.ParseCommitPolicy(v)
		c.policy.Commit = p
		return err
	}},
	"pkeys": {"none (Linux without PKU) or software (keys kept and enforced on the Sentry's own accesses to user memory)", func(c *config, v string) error {
		p, err := mm.ParsePKeyPolicy(v)
		c.policy.PKeys = p
		return err
	}},
	"commit-limit": {"a byte count, optionally with K, M, G or T (e.g. 512M); default the sandbox's memory size", func(c *config, v string) error {
		l, err := mm.ParseCommitLimit(v)
		c.policy.CommitLimit = l
		return err
	}},
	"privileges": {"SeLockMemoryPrivilege (granted to every process on top of its token)", func(c *config, v string) error {
		for _, priv := range strings.Split(v, ",") {
			if priv != "SeLockMemoryPrivilege" {
				return fmt.Errorf("%q is not a privilege this setting grants", priv)
			}
			c.policy.LockMemory = true
		}
		return nil
	}},
	"mitigations": {"PSB mitigation bits in hex within 0x3ff, e.g. 0x1 (WXP) or 0x21 (WXP|NO_CHILD), " +
		"or container:NAME=bits and UID=bits entries separated by | with * for every other process", func(c *config, v string) error {
		m, err := parseSelected(v, true, func(s string) (security.Mitigation, error) {
			m, err := security.ParseMitigations(s)
			return m.Normalize(), err
		})
		c.policy.Mitigations = m
		c.identity.Mitigations = m
		return err
	}},
}

// settingNames returns the names, sorted, for error messages.
func settingNames(prefix string) string {
	var names []string
	for n := range settings {
		names = append(names, prefix+n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// buildConfig applies the flag values and then the annotations. Errors name
// the flag or annotation key and what it accepts.
func buildConfig(flags peiosFlags, annotations map[string]string) (config, error) {
	var c config
	for _, name := range sortedKeys(flags) {
		if err := settings[name].apply(&c, flags[name]); err != nil {
			return c, fmt.Errorf("--peios-%s=%q: %v; accepted: %s", name, flags[name], err, settings[name].accepted)
		}
	}
	for _, key := range sortedKeys(annotations) {
		name, ok := strings.CutPrefix(key, annotationPrefix)
		if !ok {
			continue
		}
		s, known := settings[name]
		if !known {
			return c, fmt.Errorf("annotation %s is not supported; supported: %s", key, settingNames(annotationPrefix))
		}
		if err := s.apply(&c, annotations[key]); err != nil {
			return c, fmt.Errorf("annotation %s=%q: %v; accepted: %s", key, annotations[key], err, s.accepted)
		}
	}
	return c, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// selectedEntry matches the start of a value given by entries.
var selectedEntry = regexp.MustCompile(`^\s*(container:[^=|\s]+|\d+|\*)\s*=`)

// containerPrefix starts a selector by container name.
const containerPrefix = "container:"

// parseSelected parses a value of token, pip, process-sd or wx (see
// setting): one value for every process, or entries by container name, by
// UID if byUID, and "*", separated by "|". Errors name the entry and the
// accepted form.
func parseSelected[T any](v string, byUID bool, parse func(string) (T, error)) (kacs.Selected[T], error) {
	var b kacs.Selected[T]
	if !selectedEntry.MatchString(v) {
		all, err := parse(v)
		b.All = all
		return b, err
	}
	want := "container:NAME=value or *=value"
	if byUID {
		want = "container:NAME=value, UID=value or *=value"
	}
	seen := map[string]bool{}
	for i, entry := range strings.Split(v, "|") {
		sel, value, ok := strings.Cut(entry, "=")
		sel = strings.TrimSpace(sel)
		if !ok || sel == "" {
			return b, fmt.Errorf("entry %d %q: want %s", i+1, entry, want)
		}
		what := "UID " + sel
		if name, ok := strings.CutPrefix(sel, containerPrefix); ok {
			what = "container " + name
		} else if sel == "*" {
			what = "*"
		}
		if seen[sel] {
			return b, fmt.Errorf("entry %d %q: %s is given twice", i+1, entry, what)
		}
		seen[sel] = true
		x, err := parse(strings.TrimSpace(value))
		if err != nil {
			return b, fmt.Errorf("entry %d (%s): %w", i+1, what, err)
		}
		if sel == "*" {
			b.All = x
			continue
		}
		if name, ok := strings.CutPrefix(sel, containerPrefix); ok {
			if name == "" || strings.ContainsAny(name, " \t|") {
				return b, fmt.Errorf("entry %d %q: %q is not a container name; want %s", i+1, entry, name, want)
			}
			if b.Name == nil {
				b.Name = map[string]T{}
			}
			b.Name[name] = x
			continue
		}
		n, err := strconv.ParseUint(sel, 10, 32)
		if err != nil && strings.Trim(sel, "0123456789") == "" {
			return b, fmt.Errorf("entry %d %q: %q is not a UID; want %s", i+1, entry, sel, want)
		}
		if err != nil {
			return b, fmt.Errorf("entry %d %q: %q is not a selector; want %s", i+1, entry, sel, want)
		}
		if !byUID {
			return b, fmt.Errorf("entry %d %q: this setting is not selected by UID; want %s", i+1, entry, want)
		}
		if b.UID == nil {
			b.UID = map[uint32]T{}
		}
		b.UID[uint32(n)] = x
	}
	return b, nil
}
