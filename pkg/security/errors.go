package security

// Error kinds. Every error this package returns wraps exactly one of these
// sentinels, so callers map a failure to an errno with errors.Is:
//
//	ErrAccessDenied    -> EACCES (EPERM for process_vm_readv/writev, §6.3)
//	ErrInvalidArgument -> EINVAL
//	ErrMalformed       -> EINVAL for input being parsed; deny (EACCES) when a
//	                      stored SD fails an AccessCheck (§3.5 step 2, §3.6)
//	ErrTooLarge        -> ERANGE (§24.4 step 9)
//	ErrNotRepresentable-> EINVAL (SDDL cannot express the descriptor)

import (
	"errors"
	"fmt"
)

var (
	// ErrAccessDenied means a check did not grant what was asked for.
	ErrAccessDenied = errors.New("access denied")
	// ErrInvalidArgument means a request was malformed (reserved mask bits,
	// a bad selector, an unknown privilege, ...).
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrMalformed means binary or text input does not follow its format.
	ErrMalformed = errors.New("malformed")
	// ErrTooLarge means a result would exceed a format limit (65,535 bytes
	// for an SD, §3.4).
	ErrTooLarge = errors.New("too large")
	// ErrNotRepresentable means SDDL cannot express a descriptor (opaque ACEs,
	// conditions, unknown flag bits).
	ErrNotRepresentable = errors.New("not representable in SDDL")
)

// malformedf returns an ErrMalformed error with a message.
func malformedf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// invalidf returns an ErrInvalidArgument error with a message.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}

// deniedf returns an ErrAccessDenied error with a message.
func deniedf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrAccessDenied}, args...)...)
}

// toolargef returns an ErrTooLarge error with a message.
func toolargef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrTooLarge}, args...)...)
}
