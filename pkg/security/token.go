package security

// Tokens (spec §3.2): who a thread acts as. A Token is shared by every
// thread using it and by every handle on it; its identity is fixed at
// creation and only its privilege state changes afterwards (enable,
// disable, remove, mark used), under Token.mu.

import (
	"slices"
	"sync"
	"sync/atomic"
)

// GroupAttributes are SID_AND_ATTRIBUTES attribute bits (§3.1).
type GroupAttributes uint32

// Group attribute bits (§3.1).
const (
	GroupMandatory        GroupAttributes = 0x00000001
	GroupEnabledByDefault GroupAttributes = 0x00000002
	GroupEnabled          GroupAttributes = 0x00000004
	GroupOwner            GroupAttributes = 0x00000008
	GroupUseForDenyOnly   GroupAttributes = 0x00000010
	GroupIntegrity        GroupAttributes = 0x00000020
	GroupIntegrityEnabled GroupAttributes = 0x00000040
	GroupResource         GroupAttributes = 0x20000000
	GroupLogonID          GroupAttributes = 0xC0000000
	// GroupDefault is what an ordinary group carries: mandatory, enabled by
	// default and enabled.
	GroupDefault = GroupMandatory | GroupEnabledByDefault | GroupEnabled
)

// Group is one SID_AND_ATTRIBUTES entry of a token.
type Group struct {
	SID        SID
	Attributes GroupAttributes
}

// matchesAllow reports whether the group matches ACCESS_ALLOWED ACEs:
// enabled and not deny-only (§3.1).
func (g Group) matchesAllow() bool {
	return g.Attributes&GroupEnabled != 0 && g.Attributes&GroupUseForDenyOnly == 0
}

// matchesDeny reports whether the group matches ACCESS_DENIED ACEs: enabled
// or deny-only (§3.1).
func (g Group) matchesDeny() bool {
	return g.Attributes&(GroupEnabled|GroupUseForDenyOnly) != 0
}

// TokenType is primary or impersonation (§3.2, query class 4).
type TokenType uint32

// Token types.
const (
	TokenPrimary       TokenType = 1
	TokenImpersonation TokenType = 2
)

// ImpersonationLevel is the level of an impersonation token (§3.2).
type ImpersonationLevel uint32

// Impersonation levels.
const (
	LevelAnonymous      ImpersonationLevel = 0
	LevelIdentification ImpersonationLevel = 1
	LevelImpersonation  ImpersonationLevel = 2
	LevelDelegation     ImpersonationLevel = 3
)

// MandatoryPolicy is the token's mandatory policy (§3.2, query class 17).
type MandatoryPolicy uint32

// Mandatory policy bits. Without PolicyNoWriteUp, MIC is not applied to the
// token (§3.6).
const (
	PolicyNoWriteUp     MandatoryPolicy = 0x1
	PolicyNewProcessMin MandatoryPolicy = 0x2
	policyAll                           = PolicyNoWriteUp | PolicyNewProcessMin
)

// MaxTokenGroups is the largest number of groups on a token, logon SID
// included (§3.2).
const MaxTokenGroups = 64

// PrivilegeState is a token's four privilege bitmasks (§3.2, query class 3).
// A privilege is in effect only if it is both Present and Enabled.
type PrivilegeState struct {
	Present, Enabled, EnabledByDefault, Used uint64
}

// Effective returns the privileges in effect: present and enabled.
func (p PrivilegeState) Effective() uint64 { return p.Present & p.Enabled }

// TokenInfo is the plain-data description of a token, used to create one
// (NewToken) and as the token text form (ParseTokenInfo, String).
type TokenInfo struct {
	// User is the user SID; required.
	User SID
	// UserDenyOnly makes the user SID match deny ACEs only.
	UserDenyOnly bool
	// Groups are the token's groups with their attributes.
	Groups []Group
	// PrimaryGroup is the default group of new objects; required.
	PrimaryGroup SID
	// Owner is the default owner of new objects: the zero SID or User for
	// the user, else a group carrying GroupOwner.
	Owner SID
	// Type is primary or impersonation; zero means primary.
	Type TokenType
	// ImpersonationLevel is the level of an impersonation token; primary
	// tokens have LevelAnonymous (0).
	ImpersonationLevel ImpersonationLevel
	// IntegrityLevel is the X of S-1-16-X (§3.6).
	IntegrityLevel uint32
	// MandatoryPolicy is fixed at creation.
	MandatoryPolicy MandatoryPolicy
	// Privileges is the initial privilege state. Privileges can never be
	// added to a token after creation (§3.2).
	Privileges PrivilegeState
	// RestrictedSIDs makes the token restricted: access must also be
	// granted to these SIDs (§3.5 step 10).
	RestrictedSIDs []Group
	// WriteRestricted limits the restricted pass to write rights.
	WriteRestricted bool
}

// normalize fills defaults: Type 0 becomes primary, an Owner equal to the
// user becomes the zero SID.
func (ti *TokenInfo) normalize() {
	if ti.Type == 0 {
		ti.Type = TokenPrimary
	}
	if ti.Owner == ti.User {
		ti.Owner = SID{}
	}
}

// Validate checks the description's consistency.
func (ti *TokenInfo) Validate() error {
	if ti.User.IsZero() {
		return invalidf("token: no user SID")
	}
	if ti.PrimaryGroup.IsZero() {
		return invalidf("token: no primary group")
	}
	if len(ti.Groups) > MaxTokenGroups {
		return invalidf("token: %d groups; at most %d", len(ti.Groups), MaxTokenGroups)
	}
	if len(ti.RestrictedSIDs) > MaxTokenGroups {
		return invalidf("token: %d restricted SIDs; at most %d", len(ti.RestrictedSIDs), MaxTokenGroups)
	}
	for _, g := range append(slices.Clip(ti.Groups), ti.RestrictedSIDs...) {
		if g.SID.IsZero() {
			return invalidf("token: empty group SID")
		}
	}
	switch ti.Type {
	case 0, TokenPrimary:
		if ti.ImpersonationLevel != LevelAnonymous {
			return invalidf("token: a primary token has no impersonation level")
		}
	case TokenImpersonation:
		if ti.ImpersonationLevel > LevelDelegation {
			return invalidf("token: impersonation level %d; want 0-3", ti.ImpersonationLevel)
		}
	default:
		return invalidf("token: type %d; want 1 (primary) or 2 (impersonation)", ti.Type)
	}
	if ti.MandatoryPolicy&^policyAll != 0 {
		return invalidf("token: mandatory policy %#x; want bits of 0x3", uint32(ti.MandatoryPolicy))
	}
	p := ti.Privileges
	if p.Enabled&^p.Present != 0 || p.EnabledByDefault&^p.Present != 0 {
		return invalidf("token: enabled privileges must be present")
	}
	if !ti.Owner.IsZero() && ti.Owner != ti.User && ti.ownerIndex() < 0 {
		return invalidf("token: default owner %v is neither the user nor a group with the owner attribute", ti.Owner)
	}
	return nil
}

// ownerIndex returns the query-class-6 index of the default owner: 0 for
// the user, N for Groups[N-1]; -1 if the owner is not valid.
func (ti *TokenInfo) ownerIndex() int {
	if ti.Owner.IsZero() || ti.Owner == ti.User {
		return 0
	}
	for i, g := range ti.Groups {
		if g.SID == ti.Owner && g.Attributes&GroupOwner != 0 {
			return i + 1
		}
	}
	return -1
}

// clone returns a deep copy.
func (ti TokenInfo) clone() TokenInfo {
	ti.Groups = slices.Clone(ti.Groups)
	ti.RestrictedSIDs = slices.Clone(ti.RestrictedSIDs)
	return ti
}

// Equal reports whether two descriptions are identical.
func (ti *TokenInfo) Equal(o *TokenInfo) bool {
	a, b := ti.clone(), o.clone()
	a.normalize()
	b.normalize()
	return a.User == b.User && a.UserDenyOnly == b.UserDenyOnly &&
		slices.Equal(a.Groups, b.Groups) && a.PrimaryGroup == b.PrimaryGroup &&
		a.Owner == b.Owner && a.Type == b.Type && a.ImpersonationLevel == b.ImpersonationLevel &&
		a.IntegrityLevel == b.IntegrityLevel && a.MandatoryPolicy == b.MandatoryPolicy &&
		a.Privileges == b.Privileges && slices.Equal(a.RestrictedSIDs, b.RestrictedSIDs) &&
		a.WriteRestricted == b.WriteRestricted
}

// Token is a live token. Use NewToken to create one.
type Token struct {
	info TokenInfo // immutable; info.Privileges is unused (see privs)
	id   uint64

	mu         sync.Mutex
	privs      PrivilegeState      // guarded by mu
	modifiedID uint64              // guarded by mu
	sd         *SecurityDescriptor // guarded by mu; never modified in place

	logonDead atomic.Bool
}

// nextTokenID allocates token ids (query class 11).
var nextTokenID atomic.Uint64

func init() { nextTokenID.Store(0x1000) }

// NewToken creates a token from a validated description, with the default
// token SD of a token the sandbox's launcher (SYSTEM) creates (§24.7).
func NewToken(info TokenInfo) (*Token, error) {
	info = info.clone()
	info.normalize()
	if err := info.Validate(); err != nil {
		return nil, err
	}
	t := &Token{info: info, id: nextTokenID.Add(1), privs: info.Privileges, sd: DefaultTokenSD(tokenCreator, info.User)}
	t.info.Privileges = PrivilegeState{}
	return t, nil
}

// MustNewToken is NewToken for descriptions known to be valid; it panics
// otherwise.
func MustNewToken(info TokenInfo) *Token {
	t, err := NewToken(info)
	if err != nil {
		panic(err)
	}
	return t
}

// Clone returns an independent copy with a new token id, as a forked child
// gets (§24.7): the same privilege state and token SD, taken at one instant.
func (t *Token) Clone() *Token {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &Token{info: t.info.clone(), id: nextTokenID.Add(1), privs: t.privs, modifiedID: t.modifiedID, sd: t.sd}
	c.logonDead.Store(t.logonDead.Load())
	return c
}

// Info returns a snapshot of the token as a description, including the
// current privilege state.
func (t *Token) Info() TokenInfo {
	ti := t.info.clone()
	ti.Privileges = t.Privileges()
	return ti
}

// String returns the token text form (see ParseTokenInfo).
func (t *Token) String() string {
	ti := t.Info()
	return ti.String()
}

// ID returns the token id.
func (t *Token) ID() uint64 { return t.id }

// User returns the user SID.
func (t *Token) User() SID { return t.info.User }

// UserDenyOnly reports whether the user SID matches deny ACEs only.
func (t *Token) UserDenyOnly() bool { return t.info.UserDenyOnly }

// Groups returns a copy of the groups.
func (t *Token) Groups() []Group { return slices.Clone(t.info.Groups) }

// PrimaryGroup returns the primary group SID.
func (t *Token) PrimaryGroup() SID { return t.info.PrimaryGroup }

// DefaultOwner returns the default owner SID of new objects.
func (t *Token) DefaultOwner() SID {
	if t.info.Owner.IsZero() {
		return t.info.User
	}
	return t.info.Owner
}

// Type returns the token type.
func (t *Token) Type() TokenType { return t.info.Type }

// ImpersonationLevel returns the impersonation level (0 for primary tokens).
func (t *Token) ImpersonationLevel() ImpersonationLevel { return t.info.ImpersonationLevel }

// IntegrityLevel returns the integrity level.
func (t *Token) IntegrityLevel() uint32 { return t.info.IntegrityLevel }

// MandatoryPolicy returns the mandatory policy.
func (t *Token) MandatoryPolicy() MandatoryPolicy { return t.info.MandatoryPolicy }

// RestrictedSIDs returns a copy of the restricting SIDs.
func (t *Token) RestrictedSIDs() []Group { return slices.Clone(t.info.RestrictedSIDs) }

// WriteRestricted reports whether the restriction covers write rights only.
func (t *Token) WriteRestricted() bool { return t.info.WriteRestricted }

// LogonSID returns the first group carrying GroupLogonID, or the zero SID.
func (t *Token) LogonSID() SID {
	for _, g := range t.info.Groups {
		if g.Attributes&GroupLogonID == GroupLogonID {
			return g.SID
		}
	}
	return SID{}
}

// AuthenticationID returns the logon session id: (X<<32)|Y for a logon SID
// S-1-5-5-X-Y, else 0.
func (t *Token) AuthenticationID() uint64 {
	s := t.LogonSID()
	if s.Authority() == 5 && s.SubAuthorityCount() == 3 && s.SubAuthority(0) == 5 {
		return uint64(s.SubAuthority(1))<<32 | uint64(s.SubAuthority(2))
	}
	return 0
}

// SetLogonSessionDead marks the token's logon session dead; every later
// AccessCheck with the token fails (§3.5 step 0).
func (t *Token) SetLogonSessionDead() { t.logonDead.Store(true) }

// LogonSessionDead reports whether the logon session is dead.
func (t *Token) LogonSessionDead() bool { return t.logonDead.Load() }

// ModifiedID returns the counter bumped by privilege adjustments (never by
// marking a privilege used).
func (t *Token) ModifiedID() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.modifiedID
}

// Privileges returns a snapshot of the privilege state.
func (t *Token) Privileges() PrivilegeState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.privs
}

// PrivilegeEnabled reports whether p is present and enabled.
func (t *Token) PrivilegeEnabled(p Privilege) bool {
	return t.Privileges().Effective()&p.Mask() != 0
}

// MarkPrivilegeUsed sets p's sticky used bit; the modified id is unchanged
// (§3.2).
func (t *Token) MarkPrivilegeUsed(p Privilege) {
	t.markUsed(p.Mask())
}

// markUsed sets the used bits of mask.
func (t *Token) markUsed(mask uint64) {
	if mask == 0 {
		return
	}
	t.mu.Lock()
	t.privs.Used |= mask
	t.mu.Unlock()
}

// UsePrivilege reports whether p is in effect and, if so, marks it used:
// the check that answers a Linux capability (§3.8).
func (t *Token) UsePrivilege(p Privilege) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.privs.Effective()&p.Mask() == 0 {
		return false
	}
	t.privs.Used |= p.Mask()
	return true
}

// matchAllow reports whether sid matches ACCESS_ALLOWED ACEs for the token:
// the user unless deny-only, or an enabled, not deny-only group (§3.1).
func (t *Token) matchAllow(sid SID) bool {
	if sid == t.info.User && !t.info.UserDenyOnly {
		return true
	}
	for _, g := range t.info.Groups {
		if g.SID == sid && g.matchesAllow() {
			return true
		}
	}
	return false
}

// matchDeny reports whether sid matches ACCESS_DENIED ACEs: the user
// (deny-only or not), or an enabled or deny-only group (§3.1).
func (t *Token) matchDeny(sid SID) bool {
	if sid == t.info.User {
		return true
	}
	for _, g := range t.info.Groups {
		if g.SID == sid && g.matchesDeny() {
			return true
		}
	}
	return false
}
