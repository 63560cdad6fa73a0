package security

// The token text form, used by the dev.peios.mm/token annotation and the
// runtime flags (DECISIONS D6, D8).
//
//	token   = field *( ";" field )          ; empty fields are ignored
//	field   = key "=" value                 ; spaces around parts are ignored
//
//	user=SID[:deny-only]        required
//	group=SID                   primary group          default: the user SID
//	groups=[G *("," G)]         groups                 default: S-1-1-0,S-1-5-11,S-1-5-32-545
//	    G = SID[":" A *("+" A)]   A = mandatory | default | enabled | owner |
//	        deny-only | integrity | integrity-enabled | resource | logon-id |
//	        0x<hex>;  no suffix = mandatory+default+enabled
//	privileges=[P *("," P)]     privileges             default: SeChangeNotifyPrivilege
//	    P = NAME-or-BIT[":" S]    S = enabled+default (the same as no suffix) |
//	        enabled (not by default) | default (by default, now disabled) |
//	        disabled (present only)
//	integrity=LEVEL             Untrusted|Low|Medium|High|System, S-1-16-<n>,
//	                            LW|ME|HI|SI or a number   default: Medium
//	owner=SID                   default owner          default: the user
//	type=primary|impersonation                         default: primary
//	level=anonymous|identification|impersonation|delegation
//	                            impersonation tokens only; default: impersonation
//	policy=[no-write-up][,new-process-min]             default: no-write-up
//	restricted=[G *("," G)]     restricting SIDs       default: none
//	write-restricted=true|false                        default: false
//
// An empty list value ("groups=") means none. Names are matched without
// regard to case. Omitted fields take the D8 default-container values, so
// "user=S-1-5-21-1-2-3-1001" alone is an ordinary Medium user. Example:
//
//	user=S-1-5-21-1-2-3-1001;groups=S-1-1-0,S-1-5-32-544:default+enabled+owner;privileges=SeDebugPrivilege,SeLockMemoryPrivilege:disabled;integrity=High
//
// String emits the canonical form: user, group, groups, privileges and
// integrity always, the other fields only when they differ from the default.
// ParseTokenInfo(ti.String()) equals ti for every valid ti (the privilege
// used mask is runtime state and is not part of the text).

import (
	"fmt"
	"strconv"
	"strings"
)

// TokenTextError reports a bad token text: the field, the offending value
// and the accepted form.
type TokenTextError struct {
	Field, Value, Problem, Want string
}

// Error implements error.
func (e *TokenTextError) Error() string {
	s := "token text"
	if e.Field != "" {
		s += fmt.Sprintf(": field %q", e.Field)
	}
	if e.Value != "" {
		s += fmt.Sprintf(": %q", e.Value)
	}
	s += ": " + e.Problem
	if e.Want != "" {
		s += "; want " + e.Want
	}
	return s
}

// Unwrap makes the error match ErrMalformed.
func (e *TokenTextError) Unwrap() error { return ErrMalformed }

// Accepted forms, for error messages.
const (
	wantFields     = "user, group, groups, privileges, integrity, owner, type, level, policy, restricted, write-restricted"
	wantSID        = "a SID S-1-<authority>-<sub>..."
	wantGroup      = "SID[:attr+attr...] with attrs mandatory, default, enabled, owner, deny-only, integrity, integrity-enabled, resource, logon-id or 0x<hex>"
	wantPrivilege  = "a privilege name (e.g. SeDebugPrivilege) or bit number 0-63, optionally :enabled+default, :enabled, :default or :disabled"
	wantIntegrity  = "Untrusted, Low, Medium, High, System, S-1-16-<n>, LW, ME, HI, SI or a number"
	wantType       = "primary or impersonation"
	wantLevel      = "anonymous, identification, impersonation or delegation"
	wantPolicy     = "a comma list of no-write-up and new-process-min, or empty"
	wantBool       = "true or false"
	wantUser       = "SID or SID:deny-only"
	defaultGroupsT = "S-1-1-0,S-1-5-11,S-1-5-32-545"
)

// groupAttrNames names group attribute bits, multi-bit values first.
var groupAttrNames = []struct {
	name string
	bits GroupAttributes
}{
	{"logon-id", GroupLogonID},
	{"mandatory", GroupMandatory},
	{"default", GroupEnabledByDefault},
	{"enabled", GroupEnabled},
	{"owner", GroupOwner},
	{"deny-only", GroupUseForDenyOnly},
	{"integrity", GroupIntegrity},
	{"integrity-enabled", GroupIntegrityEnabled},
	{"resource", GroupResource},
}

// levelNames names impersonation levels.
var levelNames = []string{"anonymous", "identification", "impersonation", "delegation"}

// ParseToken parses the token text form and creates the token.
func ParseToken(s string) (*Token, error) {
	ti, err := ParseTokenInfo(s)
	if err != nil {
		return nil, err
	}
	return NewToken(ti)
}

// ParseTokenInfo parses the token text form into a validated description.
func ParseTokenInfo(s string) (TokenInfo, error) {
	var ti TokenInfo
	seen := map[string]bool{}
	fields := map[string]string{}
	for _, f := range strings.Split(s, ";") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok {
			return ti, &TokenTextError{Value: f, Problem: "field without '='", Want: "key=value fields separated by ';'"}
		}
		switch k {
		case "user", "group", "groups", "privileges", "integrity", "owner", "type", "level", "policy", "restricted", "write-restricted":
		default:
			return ti, &TokenTextError{Field: k, Problem: "unknown field", Want: "one of " + wantFields}
		}
		if seen[k] {
			return ti, &TokenTextError{Field: k, Problem: "given twice"}
		}
		seen[k] = true
		fields[k] = v
	}
	var err error

	// user
	u, ok := fields["user"]
	if !ok {
		return ti, &TokenTextError{Field: "user", Problem: "missing", Want: wantUser}
	}
	us, flag, hasFlag := strings.Cut(u, ":")
	if ti.User, err = ParseSID(strings.TrimSpace(us)); err != nil {
		return ti, &TokenTextError{Field: "user", Value: u, Problem: "bad SID", Want: wantUser}
	}
	if hasFlag {
		if !strings.EqualFold(strings.TrimSpace(flag), "deny-only") {
			return ti, &TokenTextError{Field: "user", Value: u, Problem: "unknown user flag", Want: wantUser}
		}
		ti.UserDenyOnly = true
	}

	// group
	ti.PrimaryGroup = ti.User
	if g, ok := fields["group"]; ok {
		if ti.PrimaryGroup, err = ParseSID(g); err != nil {
			return ti, &TokenTextError{Field: "group", Value: g, Problem: "bad SID", Want: wantSID}
		}
	}

	// groups, restricted
	gtext, ok := fields["groups"]
	if !ok {
		gtext = defaultGroupsT
	}
	if ti.Groups, err = parseGroupList("groups", gtext); err != nil {
		return ti, err
	}
	if r, ok := fields["restricted"]; ok {
		if ti.RestrictedSIDs, err = parseGroupList("restricted", r); err != nil {
			return ti, err
		}
	}

	// privileges
	ptext, ok := fields["privileges"]
	if !ok {
		ptext = "SeChangeNotifyPrivilege"
	}
	if ti.Privileges, err = parsePrivilegeList(ptext); err != nil {
		return ti, err
	}

	// integrity
	ti.IntegrityLevel = IntegrityMedium
	if v, ok := fields["integrity"]; ok {
		if ti.IntegrityLevel, err = parseIntegrity(v); err != nil {
			return ti, err
		}
	}

	// owner
	if v, ok := fields["owner"]; ok {
		if ti.Owner, err = ParseSID(v); err != nil {
			return ti, &TokenTextError{Field: "owner", Value: v, Problem: "bad SID", Want: wantSID}
		}
		if ti.Owner != ti.User && ti.ownerIndex() < 0 {
			return ti, &TokenTextError{Field: "owner", Value: v, Problem: "not the user or a group with the owner attribute",
				Want: "the user SID or a SID listed in groups with :...+owner"}
		}
	}

	// type, level
	ti.Type = TokenPrimary
	if v, ok := fields["type"]; ok {
		switch strings.ToLower(v) {
		case "primary":
		case "impersonation":
			ti.Type = TokenImpersonation
			ti.ImpersonationLevel = LevelImpersonation
		default:
			return ti, &TokenTextError{Field: "type", Value: v, Problem: "unknown token type", Want: wantType}
		}
	}
	if v, ok := fields["level"]; ok {
		if ti.Type != TokenImpersonation {
			return ti, &TokenTextError{Field: "level", Value: v, Problem: "only impersonation tokens have a level", Want: "type=impersonation with it"}
		}
		found := false
		for i, n := range levelNames {
			if strings.EqualFold(v, n) {
				ti.ImpersonationLevel, found = ImpersonationLevel(i), true
			}
		}
		if !found {
			return ti, &TokenTextError{Field: "level", Value: v, Problem: "unknown impersonation level", Want: wantLevel}
		}
	}

	// policy
	ti.MandatoryPolicy = PolicyNoWriteUp
	if v, ok := fields["policy"]; ok {
		ti.MandatoryPolicy = 0
		for _, p := range splitList(v) {
			switch strings.ToLower(p) {
			case "no-write-up":
				ti.MandatoryPolicy |= PolicyNoWriteUp
			case "new-process-min":
				ti.MandatoryPolicy |= PolicyNewProcessMin
			default:
				return ti, &TokenTextError{Field: "policy", Value: p, Problem: "unknown policy", Want: wantPolicy}
			}
		}
	}

	// write-restricted
	if v, ok := fields["write-restricted"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return ti, &TokenTextError{Field: "write-restricted", Value: v, Problem: "not a boolean", Want: wantBool}
		}
		ti.WriteRestricted = b
	}

	ti.normalize()
	if err := ti.Validate(); err != nil {
		return ti, &TokenTextError{Problem: strings.TrimPrefix(err.Error(), ErrInvalidArgument.Error()+": token: ")}
	}
	return ti, nil
}

// splitList splits a comma list, trimming items; "" gives no items.
func splitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	items := strings.Split(v, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// parseGroupList parses a groups or restricted list.
func parseGroupList(field, v string) ([]Group, error) {
	var out []Group
	for _, item := range splitList(v) {
		ss, attrs, hasAttrs := strings.Cut(item, ":")
		sid, err := ParseSID(strings.TrimSpace(ss))
		if err != nil {
			return nil, &TokenTextError{Field: field, Value: item, Problem: "bad SID", Want: wantGroup}
		}
		g := Group{SID: sid, Attributes: GroupDefault}
		if hasAttrs {
			g.Attributes = 0
			for _, a := range strings.Split(attrs, "+") {
				a = strings.TrimSpace(a)
				bits, ok := GroupAttributes(0), false
				for _, n := range groupAttrNames {
					if strings.EqualFold(a, n.name) {
						bits, ok = n.bits, true
					}
				}
				if !ok && len(a) > 2 && strings.EqualFold(a[:2], "0x") {
					if x, err := strconv.ParseUint(a[2:], 16, 32); err == nil {
						bits, ok = GroupAttributes(x), true
					}
				}
				if !ok {
					return nil, &TokenTextError{Field: field, Value: item, Problem: fmt.Sprintf("unknown group attribute %q", a), Want: wantGroup}
				}
				g.Attributes |= bits
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// parsePrivilegeList parses the privileges list.
func parsePrivilegeList(v string) (PrivilegeState, error) {
	var ps PrivilegeState
	for _, item := range splitList(v) {
		name, state, hasState := strings.Cut(item, ":")
		name = strings.TrimSpace(name)
		p, ok := LookupPrivilege(name)
		if !ok && allDigits(name) {
			if n, err := strconv.ParseUint(name, 10, 8); err == nil && n <= uint64(maxPrivilege) {
				p, ok = Privilege(n), true
			}
		}
		if !ok {
			return ps, &TokenTextError{Field: "privileges", Value: item, Problem: "unknown privilege", Want: wantPrivilege}
		}
		bit := p.Mask()
		if ps.Present&bit != 0 {
			return ps, &TokenTextError{Field: "privileges", Value: item, Problem: "privilege given twice"}
		}
		ps.Present |= bit
		enabled, byDefault := true, true
		if hasState {
			enabled, byDefault = false, false
			st := strings.ToLower(strings.TrimSpace(state))
			if st != "disabled" {
				for _, w := range strings.Split(st, "+") {
					switch strings.TrimSpace(w) {
					case "enabled":
						enabled = true
					case "default":
						byDefault = true
					default:
						return ps, &TokenTextError{Field: "privileges", Value: item, Problem: "unknown privilege state", Want: wantPrivilege}
					}
				}
			}
		}
		if enabled {
			ps.Enabled |= bit
		}
		if byDefault {
			ps.EnabledByDefault |= bit
		}
	}
	return ps, nil
}

// parseIntegrity parses an integrity level: a name, an SDDL alias, a label
// SID or a number.
func parseIntegrity(v string) (uint32, error) {
	for _, n := range integrityNames {
		if strings.EqualFold(v, n.name) {
			return n.level, nil
		}
	}
	switch strings.ToUpper(v) {
	case "LW":
		return IntegrityLow, nil
	case "ME":
		return IntegrityMedium, nil
	case "HI":
		return IntegrityHigh, nil
	case "SI":
		return IntegritySystem, nil
	}
	if allDigits(v) {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			return uint32(n), nil
		}
	}
	if sid, err := ParseSID(v); err == nil {
		if l, ok := sid.IntegrityLevel(); ok {
			return l, nil
		}
	}
	return 0, &TokenTextError{Field: "integrity", Value: v, Problem: "unknown integrity level", Want: wantIntegrity}
}

// formatGroup formats one group entry.
func formatGroup(g Group) string {
	if g.Attributes == GroupDefault {
		return g.SID.String()
	}
	var names []string
	rest := g.Attributes
	for _, n := range groupAttrNames {
		if rest&n.bits == n.bits {
			names = append(names, n.name)
			rest &^= n.bits
		}
	}
	if rest != 0 {
		names = append(names, fmt.Sprintf("0x%x", uint32(rest)))
	}
	if len(names) == 0 {
		names = []string{"0x0"}
	}
	return g.SID.String() + ":" + strings.Join(names, "+")
}

// formatGroups formats a group list.
func formatGroups(gs []Group) string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = formatGroup(g)
	}
	return strings.Join(out, ",")
}

// String returns the canonical token text form.
func (ti TokenInfo) String() string {
	ti = ti.clone()
	ti.normalize()
	var b strings.Builder
	b.WriteString("user=" + ti.User.String())
	if ti.UserDenyOnly {
		b.WriteString(":deny-only")
	}
	b.WriteString(";group=" + ti.PrimaryGroup.String())
	b.WriteString(";groups=" + formatGroups(ti.Groups))
	b.WriteString(";privileges=")
	var ps []string
	for _, p := range Privileges(ti.Privileges.Present) {
		s := p.String()
		en := ti.Privileges.Enabled&p.Mask() != 0
		def := ti.Privileges.EnabledByDefault&p.Mask() != 0
		switch {
		case en && def:
		case en:
			s += ":enabled"
		case def:
			s += ":default"
		default:
			s += ":disabled"
		}
		ps = append(ps, s)
	}
	b.WriteString(strings.Join(ps, ","))
	b.WriteString(";integrity=")
	if n := IntegrityName(ti.IntegrityLevel); n != "" {
		b.WriteString(n)
	} else {
		b.WriteString(strconv.FormatUint(uint64(ti.IntegrityLevel), 10))
	}
	if !ti.Owner.IsZero() {
		b.WriteString(";owner=" + ti.Owner.String())
	}
	if ti.Type == TokenImpersonation {
		b.WriteString(";type=impersonation")
		if int(ti.ImpersonationLevel) < len(levelNames) {
			b.WriteString(";level=" + levelNames[ti.ImpersonationLevel])
		}
	}
	if ti.MandatoryPolicy != PolicyNoWriteUp {
		var p []string
		if ti.MandatoryPolicy&PolicyNoWriteUp != 0 {
			p = append(p, "no-write-up")
		}
		if ti.MandatoryPolicy&PolicyNewProcessMin != 0 {
			p = append(p, "new-process-min")
		}
		b.WriteString(";policy=" + strings.Join(p, ","))
	}
	if len(ti.RestrictedSIDs) > 0 {
		b.WriteString(";restricted=" + formatGroups(ti.RestrictedSIDs))
	}
	if ti.WriteRestricted {
		b.WriteString(";write-restricted=true")
	}
	return b.String()
}
