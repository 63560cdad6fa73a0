package syscalls

// stat and access of the Peios files of psbfile.go (/proc/<pid>/psb,
// /proc/<pid>/token, /proc/<pid>/task/<tid>/token,
// /sys/kernel/security/kacs/self). gVisor's proc and sys filesystems do
// not have them, so stat, lstat, newfstatat, statx, access, faccessat and
// faccessat2 are wrapped like the open family: when gVisor answers ENOENT
// for a path that names one of them (findPeiosFile), the call answers
// for a read-only regular file (mode 0444):
//
//   - stat, lstat, newfstatat, statx: the attributes of the stat file
//     beside it (/proc/<pid>/stat, or the thread's for a thread's token),
//     the same ones fstat shows on an open psb file, in the caller's
//     struct stat or struct statx, with the owner mapped into the
//     caller's user namespace as gVisor's stat does;
//     /sys/kernel/security/kacs/self, which has no inode to borrow (its
//     open yields a token handle), answers as a securityfs file: 0444,
//     owned by root, one link, empty, with the device and times of
//     /sys/kernel (zero without it) and the fixed inode number
//     kacsSelfIno;
//   - access, faccessat, faccessat2: F_OK and R_OK succeed; W_OK or X_OK
//     is EACCES, for every caller (an open for writing is EACCES whatever
//     the caller's privileges, and the file is not executable).
//
// Access to the contents is not part of this: as Linux's mode bits, R_OK
// succeeds on another process's psb or token even where reading the one
// or opening the other is denied.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/kernel/auth"
	"gvisor.dev/gvisor/pkg/sentry/vfs"
)

// statCall says where a stat- or access-family syscall keeps its
// arguments.
type statCall int

const (
	statPlain   statCall = iota // stat(path, buf), lstat(path, buf)
	statAt                      // newfstatat(dirfd, path, buf, flags)
	statxAt                     // statx(dirfd, path, flags, mask, buf)
	accessPlain                 // access(path, mode)
	accessAt                    // faccessat(dirfd, path, mode[, flags])
)

// kacsSelfIno is the inode number /sys/kernel/security/kacs/self shows
// ("KACS" in ASCII): the file has no inode, and this one is above every
// number gVisor's sysfs hands out.
const kacsSelfIno = 0x4b414353

// statPSB wraps a stat- or access-family handler of kind c with the Peios
// files.
func statPSB(c statCall) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			rv, ctrl, err := orig(t, sysno, args)
			if err == nil || !linuxerr.Equals(linuxerr.ENOENT, err) {
				return rv, ctrl, err
			}
			if ok, perr := statPeiosFile(t, c, args); ok {
				return 0, nil, perr
			}
			return rv, ctrl, err
		}
	}
}

// statPeiosFile answers the call of kind c if its path names a Peios
// file; ok is false when it does not (the caller keeps gVisor's ENOENT).
// gVisor has already validated the flags, the mode and the path.
func statPeiosFile(t *kernel.Task, c statCall, args arch.SyscallArguments) (bool, error) {
	dirfd, pathArg := int32(linux.AT_FDCWD), 0
	if c == statAt || c == statxAt || c == accessAt {
		dirfd, pathArg = args[0].Int(), 1
	}
	path, err := t.CopyInString(args[pathArg].Pointer(), linux.PATH_MAX)
	if err != nil {
		return false, nil
	}
	f, ok := findPeiosFile(t, dirfd, path)
	if !ok {
		return false, nil
	}
	defer f.release(t)
	switch c {
	case accessPlain, accessAt:
		const wOK, xOK = 2, 1
		if args[pathArg+1].Uint()&(wOK|xOK) != 0 {
			return true, linuxerr.EACCES
		}
		return true, nil
	case statxAt:
		opts := vfs.StatOptions{Mask: args[3].Uint(), Sync: uint32(args[2].Int() & linux.AT_STATX_SYNC_TYPE)}
		sx, err := f.statx(t, opts)
		if err != nil {
			return true, err
		}
		userStatx(t, &sx)
		_, err = sx.CopyOut(t, args[4].Pointer())
		return true, err
	}
	sx, err := f.statx(t, vfs.StatOptions{Mask: linux.STATX_BASIC_STATS})
	if err != nil {
		return true, err
	}
	var st linux.Stat
	userStat(t, &sx, &st)
	_, err = st.CopyOut(t, args[pathArg+1].Pointer())
	return true, err
}

// statx returns the attributes of f (see the top of the file), with the
// owner as a kernel ID.
func (f *peiosFile) statx(t *kernel.Task, opts vfs.StatOptions) (linux.Statx, error) {
	if f.stat != nil {
		return f.stat.Stat(t, opts)
	}
	sx := linux.Statx{
		Mask:    linux.STATX_BASIC_STATS,
		Blksize: hostarch.PageSize,
		Nlink:   1,
		UID:     uint32(auth.RootKUID),
		GID:     uint32(auth.RootKGID),
		Mode:    linux.S_IFREG | 0o444,
		Ino:     kacsSelfIno,
	}
	if dir, err := openPath(t, linux.AT_FDCWD, "/sys/kernel"); err == nil {
		ds, err := dir.Stat(t, vfs.StatOptions{Mask: linux.STATX_BASIC_STATS})
		dir.DecRef(t)
		if err == nil {
			sx.Atime, sx.Mtime, sx.Ctime = ds.Atime, ds.Mtime, ds.Ctime
			sx.DevMajor, sx.DevMinor = ds.DevMajor, ds.DevMinor
		}
	}
	return sx, nil
}

// userStatx maps the owner of sx into t's user namespace, as gVisor's
// statx does.
func userStatx(t *kernel.Task, sx *linux.Statx) {
	userns := t.UserNamespace()
	sx.UID = uint32(auth.KUID(sx.UID).In(userns).OrOverflow())
	sx.GID = uint32(auth.KGID(sx.GID).In(userns).OrOverflow())
}

// timespec converts a statx timestamp to a struct stat one.
func timespec(ts linux.StatxTimestamp) linux.Timespec {
	return linux.Timespec{Sec: ts.Sec, Nsec: int64(ts.Nsec)}
}
