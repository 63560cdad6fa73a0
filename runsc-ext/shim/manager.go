package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/containerd/containerd/v2/pkg/namespaces"
	containerdshim "github.com/containerd/containerd/v2/pkg/shim"
	"github.com/containerd/containerd/v2/pkg/sys"
	"github.com/containerd/log"
	"golang.org/x/sys/unix"
	gvisorshim "gvisor.dev/gvisor/pkg/shim/v1"
	"gvisor.dev/gvisor/pkg/shim/v1/runsc"
	"gvisor.dev/gvisor/runsc/specutils"
)

const (
	// daemonOOMScore is the oom_score_adj the shim daemon asks for, as
	// gVisor's shim does: the shim should be among the last processes the
	// OOM killer picks, since the container dies with it.
	daemonOOMScore = -999

	// criSandboxIDAnnotation is set by containerd's CRI on every container
	// of a pod; with shim grouping all of them share one shim.
	criSandboxIDAnnotation = "io.kubernetes.cri.sandbox-id"

	// addressFile is the file in the bundle directory that holds the shim
	// socket's address. gVisor's task service reads it to remove the socket
	// on shutdown; containerd reads it to reconnect after a restart.
	addressFile = "address"
)

// manager starts and stops shim daemons. Stop and Info are gVisor's; Start
// is this project's, so that the oom_score_adj write may fail.
type manager struct {
	containerdshim.Manager
}

// newManager returns the shim manager for the runtime type name.
func newManager(name string) *manager {
	return &manager{Manager: gvisorshim.NewShimManager(name)}
}

// Start implements containerdshim.Manager.Start: it runs in the short-lived
// `containerd-shim-runsc-peios-v1 start` process, whose standard output and
// error containerd reads as the bootstrap reply, so it logs only to the
// bundle's "log" FIFO (see startLogger).
//
// It listens on the shim socket, starts the daemon (this binary, without an
// action) with the socket as fd 3, and records its pid and address in the
// bundle directory, which is the working directory.
func (m *manager) Start(ctx context.Context, id string, opts containerdshim.StartOpts) (_ containerdshim.BootstrapParams, retErr error) {
	logger, closeLog := startLogger(ctx, id)
	defer closeLog()

	group, err := shimGroup(id)
	if err != nil {
		return containerdshim.BootstrapParams{}, err
	}
	address, err := containerdshim.SocketAddress(ctx, opts.Address, group, opts.Debug)
	if err != nil {
		return containerdshim.BootstrapParams{}, err
	}
	params := containerdshim.BootstrapParams{Version: 2, Address: address, Protocol: "ttrpc"}

	socket, err := containerdshim.NewSocket(address)
	if err != nil {
		if !containerdshim.SocketEaddrinuse(err) {
			return containerdshim.BootstrapParams{}, fmt.Errorf("create shim socket: %w", err)
		}
		// Another container of the same group already started the
		// daemon: share it.
		if containerdshim.CanConnect(address) {
			if err := os.WriteFile(addressFile, []byte(address), 0o644); err != nil {
				return containerdshim.BootstrapParams{}, err
			}
			return params, nil
		}
		// A socket left behind by a daemon that died.
		if err := containerdshim.RemoveSocket(address); err != nil {
			return containerdshim.BootstrapParams{}, fmt.Errorf("remove stale shim socket: %w", err)
		}
		if socket, err = containerdshim.NewSocket(address); err != nil {
			return containerdshim.BootstrapParams{}, fmt.Errorf("create shim socket: %w", err)
		}
	}
	defer func() {
		if retErr != nil {
			socket.Close()
			_ = containerdshim.RemoveSocket(address)
		}
	}()
	if err := os.WriteFile(addressFile, []byte(address), 0o644); err != nil {
		return containerdshim.BootstrapParams{}, err
	}

	cmd, err := daemonCommand(ctx, id, opts)
	if err != nil {
		return containerdshim.BootstrapParams{}, err
	}
	f, err := socket.File()
	if err != nil {
		return containerdshim.BootstrapParams{}, err
	}
	defer f.Close()
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		return containerdshim.BootstrapParams{}, fmt.Errorf("start shim daemon: %w", err)
	}
	defer func() {
		if retErr != nil {
			_ = cmd.Process.Kill()
		}
	}()
	// Reap the daemon if it exits before this process does.
	go func() { _ = cmd.Wait() }()

	if err := containerdshim.WritePidFile("shim.pid", cmd.Process.Pid); err != nil {
		return containerdshim.BootstrapParams{}, err
	}
	if err := setDaemonOOMScore(logger, cmd.Process.Pid); err != nil {
		return containerdshim.BootstrapParams{}, err
	}
	return params, nil
}

// setDaemonOOMScore protects the daemon from the OOM killer. Lowering
// oom_score_adj below the inherited minimum needs CAP_SYS_RESOURCE; root
// without it (some container hosts and VMs) gets EACCES. That costs only the
// protection, so it is logged and tolerated; any other error is returned.
func setDaemonOOMScore(logger *log.Entry, pid int) error {
	err := sys.SetOOMScore(pid, daemonOOMScore)
	if err == nil {
		return nil
	}
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		logger.WithError(err).Warnf("cannot set oom_score_adj of shim daemon (pid %d) to %d, continuing with the inherited score; this needs CAP_SYS_RESOURCE", pid, daemonOOMScore)
		return nil
	}
	return fmt.Errorf("set oom_score_adj of shim daemon: %w", err)
}

// daemonCommand returns the command that runs the shim daemon: this binary
// with the namespace, containerd address and container id, started in its
// own process group so that signals to containerd's group do not reach it.
// Its standard streams are /dev/null; once running it logs to the bundle's
// "log" FIFO.
func daemonCommand(ctx context.Context, id string, opts containerdshim.StartOpts) (*exec.Cmd, error) {
	ns, err := namespaces.NamespaceRequired(ctx)
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	args := []string{"-namespace", ns, "-address", opts.Address, "-id", id}
	if opts.Debug {
		args = append(args, "-debug")
	}
	cmd := exec.Command(self, args...)
	cmd.Dir = cwd
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
	cmd.SysProcAttr = &unix.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// shimGroup returns the key that selects the shim daemon: the container id,
// or, when grouping is on in the global runsc shim config, the pod's sandbox
// id read from the bundle's config.json (so a pod has one shim).
func shimGroup(id string) (string, error) {
	opts := runsc.GetRuntimeOptions()
	if opts == nil || !opts.Grouping {
		return id, nil
	}
	data, err := os.ReadFile("config.json")
	if err != nil {
		return "", fmt.Errorf("read config.json to group shims: %w", err)
	}
	var spec struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return "", fmt.Errorf("parse config.json: %w", err)
	}
	for _, key := range []string{criSandboxIDAnnotation, specutils.CRIOSandboxIDAnnotation} {
		if group, ok := spec.Annotations[key]; ok {
			return group, nil
		}
	}
	return id, nil
}

// startLogger returns a logger for the start action and a function that
// closes it. containerd reads the start action's standard output and error
// together as its JSON reply, so nothing may be logged there; containerd
// opens the bundle's "log" FIFO for reading before running the action and
// copies it into its own log, as it does for the daemon. Without a reader
// the messages are dropped.
func startLogger(ctx context.Context, id string) (*log.Entry, func()) {
	entry := log.G(ctx).WithField("id", id)
	logger := entry.Logger
	prev := logger.Out
	var out io.WriteCloser = nopCloser{io.Discard}
	// O_NONBLOCK: fail at once (ENXIO) rather than block if nobody reads;
	// no O_CREAT: only containerd's FIFO, never a new file.
	if f, err := os.OpenFile("log", os.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
		out = f
	}
	logger.SetOutput(out)
	return entry, func() {
		logger.SetOutput(prev)
		out.Close()
	}
}

// nopCloser is an io.WriteCloser whose Close does nothing.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
