package main

import (
	"context"
	"fmt"

	sandboxapi "github.com/containerd/containerd/api/runtime/sandbox/v1"
	taskapi "github.com/containerd/containerd/api/runtime/task/v2"
	containerdshim "github.com/containerd/containerd/v2/pkg/shim"
	"github.com/containerd/containerd/v2/pkg/shutdown"
	"github.com/containerd/containerd/v2/plugins"
	"github.com/containerd/errdefs/pkg/errgrpc"
	"github.com/containerd/log"
	"github.com/containerd/plugin"
	"github.com/containerd/plugin/registry"
	"github.com/containerd/ttrpc"
	gvisorshim "gvisor.dev/gvisor/pkg/shim/v1"
	"gvisor.dev/gvisor/pkg/shim/v1/extension"
)

// registerTaskService registers the shim daemon's TTRPC task service with
// containerd's shim framework, in place of gVisor's plugin package (which
// would register gVisor's service unwrapped under the same id).
func registerTaskService() {
	registry.Register(&plugin.Registration{
		Type:     plugins.TTRPCPlugin,
		ID:       "task",
		Requires: []plugin.Type{plugins.EventPlugin, plugins.InternalPlugin},
		InitFn: func(ic *plugin.InitContext) (interface{}, error) {
			pp, err := ic.GetByID(plugins.EventPlugin, "publisher")
			if err != nil {
				return nil, err
			}
			ss, err := ic.GetByID(plugins.InternalPlugin, "shutdown")
			if err != nil {
				return nil, err
			}
			return newTaskService(ic.Context, pp.(containerdshim.Publisher), ss.(shutdown.Service))
		},
	})
}

// taskService is gVisor's task service with this shim's additions: the
// runtime binary defaults to runsc-peios (options.go), and output copying
// ends with the container's init process (stdio.go). Every other call goes
// to gVisor's service unchanged.
type taskService struct {
	extension.TaskServiceExt
	sandboxapi.TTRPCSandboxService
}

var _ taskapi.TaskService = (*taskService)(nil)

// newTaskService returns gVisor's task service wrapped by taskService.
func newTaskService(ctx context.Context, publisher containerdshim.Publisher, sd shutdown.Service) (*taskService, error) {
	svc, err := gvisorshim.NewShimRedirector(ctx, publisher, sd)
	if err != nil {
		return nil, err
	}
	sb, ok := svc.(sandboxapi.TTRPCSandboxService)
	if !ok {
		return nil, fmt.Errorf("gVisor's task service %T has no sandbox API", svc)
	}
	return &taskService{TaskServiceExt: svc, TTRPCSandboxService: sb}, nil
}

// RegisterTTRPC implements containerdshim.TTRPCService.
func (s *taskService) RegisterTTRPC(server *ttrpc.Server) error {
	taskapi.RegisterTaskService(server, s)
	sandboxapi.RegisterTTRPCSandboxService(server, s)
	return nil
}

// Create creates the container's sandbox or adds the container to one,
// with the runtime binary defaulted.
func (s *taskService) Create(ctx context.Context, r *taskapi.CreateTaskRequest) (*taskapi.CreateTaskResponse, error) {
	if err := s.prepareCreate(ctx, r); err != nil {
		return nil, errgrpc.ToGRPC(err)
	}
	return s.TaskServiceExt.Create(ctx, r)
}

// CreateWithFSRestore is Create with the container's filesystem restored
// from a snapshot.
func (s *taskService) CreateWithFSRestore(ctx context.Context, r *extension.CreateWithFSRestoreRequest) (*taskapi.CreateTaskResponse, error) {
	if err := s.prepareCreate(ctx, r.Create); err != nil {
		return nil, errgrpc.ToGRPC(err)
	}
	return s.TaskServiceExt.CreateWithFSRestore(ctx, r)
}

// prepareCreate sets the request's runtime options so that runsc-peios
// runs the container (see withDefaultBinary), and gives a container that is
// not part of a pod the sandbox container type (see markStandalone).
func (s *taskService) prepareCreate(ctx context.Context, r *taskapi.CreateTaskRequest) error {
	marked, err := markStandalone(r.Bundle)
	if err != nil {
		return err
	}
	if marked {
		log.G(ctx).WithField("id", r.ID).Debug("container has no container type: runs as the root of its own sandbox")
	}
	opts, err := withDefaultBinary(r.Options, r.Bundle)
	if err != nil {
		return err
	}
	if opts != r.Options {
		log.G(ctx).WithField("id", r.ID).Infof("runtime options name no binary_name; using %s", defaultBinary())
		r.Options = opts
	}
	return nil
}
