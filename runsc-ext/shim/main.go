// Command containerd-shim-runsc-peios-v1 is the containerd shim v2 for
// runsc-peios. containerd finds it for runtime_type
// "io.containerd.runsc-peios.v1".
//
// The task service is gVisor's (gvisor.dev/gvisor/pkg/shim/v1): it runs
// `runsc-peios create/start/exec/...` on the bundle that containerd wrote, so
// the container's annotations (dev.peios.mm/* included) reach runsc-peios
// through the bundle's config.json. This package supplies the start-up code
// around it:
//
//   - manager.go: starting the shim daemon. Setting the daemon's
//     oom_score_adj to -999 needs CAP_SYS_RESOURCE; without it the write
//     fails with EACCES, which is logged and tolerated instead of failing
//     every container.
//   - options.go: the runtime binary. Unless the options TOML names another
//     binary_name, the shim runs runsc-peios (found next to the shim, then on
//     PATH), never stock runsc.
//   - stdio.go: container output without a terminal. The shim hands the
//     container's stdout/stderr to the sandbox as pipes and copies them to
//     containerd's FIFOs until EOF; the sandbox keeps the pipes' write ends
//     open until it is deleted, so a client that waits for the output to end
//     before deleting the task (`ctr run` without -t) waits forever (upstream
//     gVisor issue 12198). The shim ends the copy when the container's init
//     process has exited.
package main

import (
	"context"

	containerdshim "github.com/containerd/containerd/v2/pkg/shim"
)

// runtimeName is the containerd runtime type this shim serves.
const runtimeName = "io.containerd.runsc-peios.v1"

func main() {
	registerTaskService()
	containerdshim.Run(context.Background(), newManager(runtimeName))
}
