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
// token and pip take one value for every process, or values by UID:
//
//	value   = single | entry *( "|" entry )
//	entry   = uid "=" single             ; spaces around parts are ignored
//	uid     = a decimal UID | "*"        ; "*": every UID without an entry
//
// e.g. --peios-pip='0=Protected:PeiosTcb|1000=Protected:App|*=None:0'. A
// value is read as entries when it starts with a UID or "*" followed by "=",
// which neither a token text nor a PIP label does. A process runsc starts
// (a container's first process, or runsc exec --user N) takes the entry of
// its UID; a UID without one, and no "*", gets the default (the D8 token,
// PIP None:0). Each UID may appear once.
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
	"wx": {"enforce, off or locked", func(c *config, v string) error {
		wx, err := mm.ParseWXPolicy(v)
		c.policy.WX = wx
		return err
	}},
	"token": {"a token text such as user=S-1-5-21-1-2-3-1001;integrity=Medium (see README), " +
		"or UID=token entries separated by | with * for every other UID, e.g. 0=user=S-1-5-18|*=user=S-1-5-21-1-2-3-1001", func(c *config, v string) error {
		tokens, err := parseByUID(v, func(s string) (string, error) {
			_, err := security.ParseToken(s)
			return s, err
		})
		c.identity.Token = tokens
		return err
	}},
	"process-sd": {"an SDDL security descriptor such as O:...G:...D:(A;;0x1f0fff;;;BA)", func(c *config, v string) error {
		if _, err := security.ParseSDDL(v); err != nil {
			return err
		}
		c.identity.ProcessSD = v
		return nil
	}},
	"pip": {"type:trust, e.g. None:0, Protected:PeiosTcb or 512:8192, " +
		"or UID=type:trust entries separated by | with * for every other UID, e.g. 0=Protected:PeiosTcb|*=None:0", func(c *config, v string) error {
		pips, err := parseByUID(v, func(s string) (kacs.PIP, error) {
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
	"mitigations": {"PSB mitigation bits in hex, e.g. 0x1 (WXP) or 0x21 (WXP|NO_CHILD), within 0x3ff", func(c *config, v string) error {
		m, err := security.ParseMitigations(v)
		c.policy.Mitigations = m.Normalize()
		c.identity.Mitigations = c.policy.Mitigations
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

// byUIDEntry matches the start of a value given by UID.
var byUIDEntry = regexp.MustCompile(`^\s*(\d+|\*)\s*=`)

// parseByUID parses a token or pip value (see setting): one value for every
// UID, or UID=value entries separated by "|". Errors name the entry.
func parseByUID[T any](v string, parse func(string) (T, error)) (kacs.ByUID[T], error) {
	var b kacs.ByUID[T]
	if !byUIDEntry.MatchString(v) {
		all, err := parse(v)
		b.All = all
		return b, err
	}
	b.UID = map[uint32]T{}
	seen := map[string]bool{}
	for i, entry := range strings.Split(v, "|") {
		uid, value, ok := strings.Cut(entry, "=")
		uid = strings.TrimSpace(uid)
		if !ok || uid == "" {
			return b, fmt.Errorf("entry %d %q: want UID=value", i+1, entry)
		}
		if seen[uid] {
			return b, fmt.Errorf("entry %d: UID %s is given twice", i+1, uid)
		}
		seen[uid] = true
		x, err := parse(strings.TrimSpace(value))
		if err != nil {
			return b, fmt.Errorf("entry %d (UID %s): %w", i+1, uid, err)
		}
		if uid == "*" {
			b.All = x
			continue
		}
		n, err := strconv.ParseUint(uid, 10, 32)
		if err != nil {
			return b, fmt.Errorf("entry %d: %q is not a UID; want a decimal UID or *", i+1, uid)
		}
		b.UID[uint32(n)] = x
	}
	return b, nil
}
