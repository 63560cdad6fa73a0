package syscalls

// /proc/<pid>/psb and /proc/self/psb (spec §24.16): one line,
// security.PSB.String() and a newline. gVisor's proc filesystem has no such
// file and no way to add one, so the open family is wrapped once more:
// when gVisor answers ENOENT for a path whose last component is "psb" and
// the same path ending in "stat" is the process-level stat file of a
// process (/proc/<pid>/stat, not .../task/<tid>/stat), the open yields a
// procFD (procfs.go) that shows the PSB line over that stat file's dentry
// (so fstat shows a 0444 regular file; the stat file itself is only held
// with O_PATH). The file is read-only: an open for
// writing is EACCES. stat and access see it too (psbstat.go); a directory
// listing of /proc/<pid> does not.
//
// Access is decided when the text is generated, as the kernel does it, so
// a denial is EACCES from read (ESRCH once the process is gone): the own
// process always; another needs PROCESS_QUERY_LIMITED on its process SD
// (SeDebugPrivilege rescue) and, deliberately, no PIP dominance, so the
// PIP default-deny of §6.4 does not apply to it (§24.18 #9).
//
// The same way, the query-only token files of §24.13 (mode 0444): an open
// of /proc/<pid>/token (the process's primary token) or
// /proc/<pid>/task/<tid>/token (the thread's effective token, which is
// the primary token: there is no impersonation) yields a token handle with
// the fixed cached mask TOKEN_QUERY: the own process always; another needs
// PROCESS_QUERY_INFORMATION on its SD (SeDebugPrivilege rescue) and PIP
// dominance, else EACCES at open; a vanished task is ESRCH. The absolute
// path /sys/kernel/security/kacs/self yields one on the caller's token.
// Opening any of them for writing is EACCES.

import (
	"bytes"
	pathpkg "path"
	"strconv"
	"strings"

	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/fspath"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/fsimpl/kernfs"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/vfs"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
)

// openCall says where an open-family syscall keeps its arguments.
type openCall int

const (
	openPlain openCall = iota // open(path, flags, mode)
	openAt                    // openat(dirfd, path, flags, mode)
	openAtHow                 // openat2(dirfd, path, how, size)
	openCreat                 // creat(path, mode)
)

// openArgs are the arguments of an open-family call that matter to the
// Peios files: where the path starts, the path, and the open flags.
type openArgs struct {
	dirfd int32
	path  string
	flags uint32
}

// decodeOpen reads the arguments of an open-family call of kind c; ok is
// false when they cannot be read (gVisor's handler has answered already).
func decodeOpen(t *kernel.Task, c openCall, args arch.SyscallArguments) (openArgs, bool) {
	a := openArgs{dirfd: linux.AT_FDCWD}
	pathArg := 0
	if c == openAt || c == openAtHow {
		a.dirfd, pathArg = args[0].Int(), 1
	}
	path, err := t.CopyInString(args[pathArg].Pointer(), linux.PATH_MAX)
	if err != nil {
		return a, false
	}
	a.path = path
	switch c {
	case openPlain:
		a.flags = args[1].Uint()
	case openAt:
		a.flags = args[2].Uint()
	case openAtHow:
		var b [8]byte // struct open_how starts with the u64 flags.
		if _, err := t.CopyInBytes(args[2].Pointer(), b[:]); err != nil {
			return a, false
		}
		a.flags = uint32(hostarch.ByteOrder.Uint64(b[:]))
	case openCreat:
		a.flags = linux.O_CREAT | linux.O_WRONLY | linux.O_TRUNC
	}
	return a, true
}

// openPSB wraps an open-family handler of kind c with the psb file.
func openPSB(c openCall) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			fd, ctrl, err := orig(t, sysno, args)
			if err == nil || !linuxerr.Equals(linuxerr.ENOENT, err) {
				return fd, ctrl, err
			}
			if nfd, ok, perr := openPSBFile(t, c, args); ok {
				return uintptr(nfd), nil, perr
			}
			return fd, ctrl, err
		}
	}
}

// openPSBFile opens the psb file the arguments name; ok is false when they
// do not name one (the caller keeps gVisor's ENOENT).
func openPSBFile(t *kernel.Task, c openCall, args arch.SyscallArguments) (int32, bool, error) {
	call, ok := decodeOpen(t, c, args)
	if !ok || call.flags&linux.O_CREAT != 0 {
		return 0, false, nil
	}
	f, ok := findPeiosFile(t, call.dirfd, call.path)
	if !ok {
		return 0, false, nil
	}
	defer f.release(t)
	flags := call.flags
	cloexec := flags&linux.O_CLOEXEC != 0
	if flags&(linux.O_WRONLY|linux.O_RDWR) != 0 {
		return 0, true, linuxerr.EACCES
	}
	switch f.kind {
	case peiosKACSSelf:
		nfd, err := kacs.OpenQueryToken(t, t.ThreadGroup(), cloexec)
		return nfd, true, err
	case peiosToken:
		if flags&linux.O_DIRECTORY != 0 {
			return 0, true, linuxerr.ENOTDIR
		}
		nfd, err := openTokenFile(t, f.owner, cloexec)
		return nfd, true, err
	}
	if flags&linux.O_DIRECTORY != 0 {
		return 0, true, linuxerr.ENOTDIR
	}
	d := f.stat.Dentry().Impl().(*kernfs.Dentry)
	view := &procFD{}
	src := &procSource{Kind: procPSB, Orig: f.stat, Task: f.owner}
	if err := view.InitWithImpl(view, f.stat.Mount(), d, src, &vfs.FileLocks{}, flags&(linux.O_NONBLOCK|linux.O_APPEND|linux.O_NOATIME)|linux.O_RDONLY, t.Credentials()); err != nil {
		return 0, true, err
	}
	view.orig, f.stat = f.stat, nil // The view holds the stat file now.
	defer view.VFSFileDescription().DecRef(t)
	nfd, err := t.NewFDFrom(0, view.VFSFileDescription(), kernel.FDFlags{CloseOnExec: cloexec})
	return nfd, true, err
}

// peiosKind says which Peios file a path names.
type peiosKind int

const (
	peiosPSB      peiosKind = iota // /proc/<pid>/psb
	peiosToken                     // /proc/<pid>/token, /proc/<pid>/task/<tid>/token
	peiosKACSSelf                  // /sys/kernel/security/kacs/self
)

// peiosFile is a Peios file that a path names and gVisor does not have.
type peiosFile struct {
	kind peiosKind
	// stat is the process's (or, for a thread's token, the thread's) stat
	// file beside it, opened O_PATH; nil for kacs/self. It stands in for
	// the file's dentry and attributes.
	stat *vfs.FileDescription
	// owner is the task the file describes (nil for kacs/self: the
	// caller).
	owner *kernel.Task
}

// findPeiosFile returns the Peios file that path, resolved from dirfd as
// the open and stat families resolve it, names: a last component "psb"
// whose sibling "stat" is the process-level /proc/<pid>/stat, "token"
// whose sibling is that or a thread's /proc/<pid>/task/<tid>/stat, or the
// absolute path /sys/kernel/security/kacs/self. The caller releases it.
func findPeiosFile(t *kernel.Task, dirfd int32, path string) (peiosFile, bool) {
	if pathpkg.Clean(path) == "/sys/kernel/security/kacs/self" {
		return peiosFile{kind: peiosKACSSelf}, true
	}
	name := path[strings.LastIndexByte(path, '/')+1:]
	if name != "psb" && name != "token" {
		return peiosFile{}, false
	}
	stat, err := openPath(t, dirfd, path[:len(path)-len(name)]+"stat")
	if err != nil {
		return peiosFile{}, false
	}
	owner := procOwner(t, stat, name == "token")
	if owner == nil {
		stat.DecRef(t)
		return peiosFile{}, false
	}
	kind := peiosPSB
	if name == "token" {
		kind = peiosToken
	}
	return peiosFile{kind: kind, stat: stat, owner: owner}, true
}

// release drops f's hold on its stat file.
func (f *peiosFile) release(t *kernel.Task) {
	if f.stat != nil {
		f.stat.DecRef(t)
		f.stat = nil
	}
}

// openTokenFile opens the query-only token handle of /proc/<pid>/token
// for owner (§24.13).
func openTokenFile(t *kernel.Task, owner *kernel.Task, cloexec bool) (int32, error) {
	if owner.ExitState() == kernel.TaskExitDead {
		return 0, linuxerr.ESRCH
	}
	tg := owner.ThreadGroup()
	if !kacs.Authorize(t, tg, security.ProcessQueryInformation) {
		return 0, linuxerr.EACCES
	}
	return kacs.OpenQueryToken(t, tg, cloexec)
}

// openPath opens path with O_PATH (no side effect, whatever the file is)
// as the open family would resolve it from dirfd.
func openPath(t *kernel.Task, dirfd int32, path string) (*vfs.FileDescription, error) {
	root := t.FSContext().RootDirectory()
	defer root.DecRef(t)
	start := root
	if !strings.HasPrefix(path, "/") {
		if dirfd == linux.AT_FDCWD {
			start = t.FSContext().WorkingDirectory()
			defer start.DecRef(t)
		} else {
			f := t.GetFile(dirfd)
			if f == nil {
				return nil, linuxerr.EBADF
			}
			defer f.DecRef(t)
			start = f.VirtualDentry()
		}
	}
	return t.Kernel().VFS().OpenAt(t, t.Credentials(), &vfs.PathOperation{
		Root:               root,
		Start:              start,
		Path:               fspath.Parse(path),
		FollowFinalSymlink: true,
	}, &vfs.OpenOptions{Flags: linux.O_PATH})
}

// procOwner returns the task whose stat file f is, or nil if f is not the
// process-level /proc/<pid>/stat (or, with tasks, a thread's
// /proc/<pid>/task/<tid>/stat).
func procOwner(t *kernel.Task, f *vfs.FileDescription, tasks bool) *kernel.Task {
	if f.Mount().Filesystem().FilesystemType().Name() != "proc" {
		return nil
	}
	path, err := t.Kernel().VFS().PathnameInFilesystem(t, f.VirtualDentry())
	if err != nil {
		return nil
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[1] == "stat":
	case tasks && len(parts) == 4 && parts[1] == "task" && parts[3] == "stat":
		if _, err := strconv.Atoi(parts[2]); err != nil {
			return nil
		}
	default:
		return nil
	}
	if _, err := strconv.Atoi(parts[0]); err != nil {
		return nil
	}
	d, ok := f.Dentry().Impl().(*kernfs.Dentry)
	if !ok || d.Parent() == nil {
		return nil
	}
	owner, ok := d.Parent().Inode().(kernel.TaskOwnedInode)
	if !ok {
		return nil
	}
	return owner.TaskFromProcPIDInode()
}

// psbText writes the psb line of owner's process for the reader in ctx.
func psbText(ctx context.Context, owner *kernel.Task, buf *bytes.Buffer) error {
	if owner.ExitState() == kernel.TaskExitDead {
		return linuxerr.ESRCH
	}
	tg := owner.ThreadGroup()
	if reader := kernel.TaskFromContext(ctx); reader != nil &&
		!kacs.AuthorizeSDOnly(reader, tg, security.ProcessQueryLimited) {
		return linuxerr.EACCES
	}
	buf.WriteString(kacs.OfGroup(tg).PSB.String())
	buf.WriteByte('\n')
	return nil
}
