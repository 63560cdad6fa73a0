// Package security is the subset of KACS, the Peios security model, that the
// memory layer needs (spec §3-§6, §24): SIDs, tokens, security descriptors in
// binary and SDDL form, AccessCheck with MIC and PIP, the cross-process gate,
// the process security block and the token query encodings. It is plain Go
// with no gVisor imports; the Sentry adapts it to tasks and syscalls.
//
// Files, one job each:
//
//	sid.go, wellknown.go   SIDs (§3.1), well-known SIDs, integrity and trust labels
//	mask.go                access masks, process/file/token rights, generic mappings (§3.3, §5.1-5.2)
//	privilege.go           privilege bit numbers and names (§24.11)
//	capability.go          Linux capability -> privilege (§3.8)
//	token.go               tokens (§3.2); token_text.go the text form (D6, D8);
//	token_default.go       the default container token (D8);
//	token_adjust.go        KACS_IOC_ADJUST_PRIVS (§24.10.2); token_query.go KACS_IOC_QUERY payloads (§24.10.1)
//	token_sd.go            a token's own SD and the handle access check (§24.7-24.9, §24.14)
//	ace.go, acl.go, sd.go  the self-relative SD format (§3.4, §24.4 step 8)
//	sd_info.go             kacs_get_sd subsets and kacs_set_sd merging (§24.3-24.4)
//	sddl*.go               SDDL (§24.17)
//	accesscheck.go         AccessCheck (§3.5); mic.go MIC (§3.6); pip.go PIP (§3.7, §6.2)
//	gate.go                the two-check rule (§6.2)
//	process_sd.go          the default process SD (§5.3, §24.5)
//	psb.go, psb_state.go   the PSB (§4)
//	errors.go              error kinds and their errnos
//
// Locking: Token.mu guards a token's privilege state and SD pointer; PSB.mu guards a PSB's
// PIP, mitigations and SD pointer. Both are leaves: no function holds one
// while taking another, so there is no lock order to keep. Security
// descriptors are values: a stored SD is replaced (PSB.SetSD, Token.SetSD), never
// modified in place.
//
// Not modelled (each can only narrow access, §3): confinement, CAAP,
// auditing, conditional-expression evaluation (conditions count as unknown:
// allow-callback ACEs never apply, deny-callback ACEs always do), claims.
package security
