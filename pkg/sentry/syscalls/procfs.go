package syscalls

// /proc files that show Peios state (pkg/sentry/mm/procfs.go). gVisor's
// proc filesystem generates them with no hook for the layer, so open,
// openat and openat2 are wrapped: when the file opened is one of them, the
// new descriptor is replaced by one that reads gVisor's file (kept open
// behind it) and adds the Peios lines. Everything else about the file
// (stat, permissions, the dentry) stays gVisor's. This is the one place
// that does it.

import (
	"bytes"
	gocontext "context"
	"io"
	"strings"

	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/fsimpl/kernfs"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
	"gvisor.dev/gvisor/pkg/sentry/vfs"
	"gvisor.dev/gvisor/pkg/state"
	"gvisor.dev/gvisor/pkg/usermem"

	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// procKind names a /proc file this layer adds to.
type procKind int

const (
	procNone procKind = iota
	procSmaps
	procStatus
	procMeminfo
	procOvercommit
	procPSB // psbfile.go
)

// procKindOf returns the kind of the file at path, a path in the proc
// filesystem ("/meminfo", "/12/task/12/smaps").
func procKindOf(path string) procKind {
	switch path {
	case "/meminfo":
		return procMeminfo
	case "/sys/vm/overcommit_memory":
		return procOvercommit
	}
	switch {
	case strings.HasSuffix(path, "/smaps"):
		return procSmaps
	case strings.HasSuffix(path, "/status"):
		return procStatus
	}
	return procNone
}

// open wraps gVisor's open, openat and openat2.
func open(orig kernel.SyscallFn) kernel.SyscallFn {
	return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
		fd, ctrl, err := orig(t, sysno, args)
		if err == nil {
			augmentProcFile(t, int32(fd))
		}
		return fd, ctrl, err
	}
}

// augmentProcFile replaces the descriptor fd by a Peios view if it is one
// of the /proc files this layer adds to. Failures leave gVisor's file.
func augmentProcFile(t *kernel.Task, fd int32) {
	file, flags := t.FDTable().Get(fd)
	if file == nil {
		return
	}
	defer file.DecRef(t)
	if file.Mount().Filesystem().FilesystemType().Name() != "proc" {
		return
	}
	path, err := t.Kernel().VFS().PathnameInFilesystem(t, file.VirtualDentry())
	if err != nil {
		return
	}
	kind := procKindOf(path)
	d, ok := file.Dentry().Impl().(*kernfs.Dentry)
	if kind == procNone || !ok {
		return
	}
	src := &procSource{Kind: kind, Orig: file}
	if kind == procSmaps || kind == procStatus {
		// The file's directory is the task's (/<pid> or /<pid>/task/<tid>).
		parent := d.Parent()
		if parent == nil {
			return
		}
		owner, ok := parent.Inode().(kernel.TaskOwnedInode)
		if !ok || owner.TaskFromProcPIDInode() == nil {
			return
		}
		src.Task = owner.TaskFromProcPIDInode()
	}
	view := &procFD{}
	if err := view.InitWithImpl(view, file.Mount(), d, src, &vfs.FileLocks{}, file.StatusFlags(), file.Credentials()); err != nil {
		return
	}
	file.IncRef() // Now also held by the view, until it is released.
	view.orig = file
	if old, err := t.FDTable().NewFDAt(t, fd, view.VFSFileDescription(), flags); err == nil && old != nil {
		old.DecRef(t) // The table's reference to gVisor's file.
	}
	view.VFSFileDescription().DecRef(t) // The table holds it now.
}

// procFD is a /proc file with the Peios lines. It holds gVisor's file
// (orig) open for as long as it lives.
type procFD struct {
	kernfs.DynamicBytesFD
	orig *vfs.FileDescription
}

// Release implements vfs.FileDescriptionImpl.Release.
func (fd *procFD) Release(ctx context.Context) {
	fd.orig.DecRef(ctx)
}

// procSource generates a procFD's contents: gVisor's file (Orig), read
// afresh, with the Peios lines added for Task.
type procSource struct {
	Kind procKind
	Orig *vfs.FileDescription
	Task *kernel.Task
}

// Generate implements vfs.DynamicBytesSource.Generate.
func (s *procSource) Generate(ctx context.Context, buf *bytes.Buffer) error {
	if s.Kind == procPSB {
		return psbText(ctx, s.Task, buf)
	}
	if s.Kind == procOvercommit {
		buf.Write(mm.OvercommitMemory())
		return nil
	}
	text, err := readAll(ctx, s.Orig)
	if err != nil {
		return err
	}
	switch s.Kind {
	case procMeminfo:
		text = mm.Meminfo(kernel.KernelFromContext(ctx), text)
	case procSmaps, procStatus:
		m := s.memoryManager()
		if m == nil {
			break
		}
		if s.Kind == procSmaps {
			text = mm.Smaps(s.Task, m, text)
		} else {
			text = mm.Status(m, text)
		}
		m.DecUsers(ctx)
	}
	buf.Write(text)
	return nil
}

// memoryManager returns the address space of s.Task with a user reference
// the caller drops, or nil if it has none.
func (s *procSource) memoryManager() *gmm.MemoryManager {
	var m *gmm.MemoryManager
	s.Task.WithMuLocked(func(t *kernel.Task) {
		if tm := t.MemoryManager(); tm != nil && tm.IncUsers() {
			m = tm
		}
	})
	return m
}

// readAll reads the whole of f from offset 0.
func readAll(ctx context.Context, f *vfs.FileDescription) ([]byte, error) {
	var out []byte
	chunk := make([]byte, 16<<10)
	for off := int64(0); ; {
		n, err := f.PRead(ctx, usermem.BytesIOSequence(chunk), off, vfs.ReadOptions{})
		out = append(out, chunk[:n]...)
		off += n
		if err == io.EOF || err == nil && n == 0 {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// The state of the views, for checkpoint and restore.

// StateTypeName implements state.Type.StateTypeName.
func (*procFD) StateTypeName() string {
	return "github.com/peios/runsc-peios/pkg/sentry/syscalls.procFD"
}

// StateFields implements state.Type.StateFields.
func (*procFD) StateFields() []string { return []string{"DynamicBytesFD", "orig"} }

// StateSave implements state.SaverLoader.StateSave.
func (fd *procFD) StateSave(sink state.Sink) {
	sink.Save(0, &fd.DynamicBytesFD)
	sink.Save(1, &fd.orig)
}

// StateLoad implements state.SaverLoader.StateLoad.
func (fd *procFD) StateLoad(ctx gocontext.Context, source state.Source) {
	source.Load(0, &fd.DynamicBytesFD)
	source.Load(1, &fd.orig)
}

// StateTypeName implements state.Type.StateTypeName.
func (*procSource) StateTypeName() string {
	return "github.com/peios/runsc-peios/pkg/sentry/syscalls.procSource"
}

// StateFields implements state.Type.StateFields.
func (*procSource) StateFields() []string { return []string{"Kind", "Orig", "Task"} }

// StateSave implements state.SaverLoader.StateSave.
func (s *procSource) StateSave(sink state.Sink) {
	sink.Save(0, &s.Kind)
	sink.Save(1, &s.Orig)
	sink.Save(2, &s.Task)
}

// StateLoad implements state.SaverLoader.StateLoad.
func (s *procSource) StateLoad(ctx gocontext.Context, source state.Source) {
	source.Load(0, &s.Kind)
	source.Load(1, &s.Orig)
	source.Load(2, &s.Task)
}

func init() {
	state.Register((*procFD)(nil))
	state.Register((*procSource)(nil))
}
