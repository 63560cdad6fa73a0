// Package growsdown wraps gVisor's platforms so that a memory fault just
// below a MAP_GROWSDOWN mapping grows the mapping, as Linux does (spec §9),
// before gVisor handles the fault.
//
// gVisor's fault handler (mm.MemoryManager.HandleUserFault, called by the
// task run loop when platform.Context.Switch returns
// platform.ErrContextSignal with an access type) finds no VMA below a
// grows-down mapping and never grows one, and it has no hook. The platform
// is the one piece of that path chosen at run time: runsc looks it up by
// name (platform.Lookup) when the sandbox boots, and platform.Register
// replaces an entry. So WrapPlatforms, called before runsc's boot command
// runs, registers every platform again wrapped: its contexts' Switch hands
// a SIGSEGV fault to the Peios layer (mm.GrowStack) and then returns the
// unchanged result, so gVisor's run loop handles the fault as before, now
// inside the grown VMA.
//
// The wrappers embed gVisor's interface values, so every other method is
// gVisor's own; no code in gVisor type-asserts a Platform or a Context to
// its concrete type (the platforms assert only their AddressSpace, which is
// not wrapped).
package growsdown

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/platform"

	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// WrapPlatforms re-registers every registered platform wrapped. It must run
// before runsc looks the platform up (the boot command), once.
func WrapPlatforms() {
	for _, name := range platform.List() {
		c, err := platform.Lookup(name)
		if err != nil {
			continue
		}
		if _, done := c.(constructor); !done {
			platform.Register(name, constructor{c})
		}
	}
}

// constructor wraps a platform constructor so that its platforms are
// wrapped.
type constructor struct {
	platform.Constructor
}

// New implements platform.Constructor.New.
func (c constructor) New(opts platform.Options) (platform.Platform, error) {
	p, err := c.Constructor.New(opts)
	if err != nil {
		return nil, err
	}
	return wrappedPlatform{p}, nil
}

// wrappedPlatform is a platform whose contexts grow grows-down mappings.
type wrappedPlatform struct {
	platform.Platform
}

// NewContext implements platform.Platform.NewContext.
func (p wrappedPlatform) NewContext(ctx context.Context) platform.Context {
	return &wrappedContext{p.Platform.NewContext(ctx)}
}

// wrappedContext is a platform context whose Switch grows a grows-down
// mapping on a fault below it.
type wrappedContext struct {
	platform.Context
}

// Switch implements platform.Context.Switch.
func (c *wrappedContext) Switch(ctx context.Context, m platform.MemoryManager, ac *arch.Context64, cpu int32) (*linux.SignalInfo, hostarch.AccessType, error) {
	info, at, err := c.Context.Switch(ctx, m, ac, cpu)
	if err == platform.ErrContextSignal && at.Any() && info != nil && linux.Signal(info.Signo) == linux.SIGSEGV {
		// Most faults are first touches inside a VMA, and until the
		// sandbox has a stack that can grow, none may grow: then the
		// fault costs one flag and limit test, not a VMA lookup.
		if t, ok := ctx.(*kernel.Task); ok && mm.StacksMayGrow(t) {
			mm.GrowStack(t, hostarch.Addr(info.Addr()))
		}
	}
	return info, at, err
}
