package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// A setting is one piece of sandbox policy (DECISIONS D6). Each is the flag
// --peios-<name> (the sandbox's default) and the annotation
// dev.peios.mm/<name> (a container's own value, which wins).
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
	"token": {"a token text such as user=S-1-5-21-1-2-3-1001;integrity=Medium (see README)", func(c *config, v string) error {
		if _, err := security.ParseToken(v); err != nil {
			return err
		}
		c.identity.Token = v
		return nil
	}},
	"process-sd": {"an SDDL security descriptor such as O:...G:...D:(A;;0x1f0fff;;;BA)", func(c *config, v string) error {
		if _, err := security.ParseSDDL(v); err != nil {
			return err
		}
		c.identity.ProcessSD = v
		return nil
	}},
	"pip": {"type:trust, e.g. None:0, Protected:PeiosTcb or 512:8192", func(c *config, v string) error {
		t, r, err := security.ParsePIP(v)
		c.identity.PIPType, c.identity.PIPTrust = t, r
		return err
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
