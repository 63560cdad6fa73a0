package syscalls

// The KACS syscalls on process targets (spec §24.2-§24.4). Token handles
// (kacs_open_self_token and the token ioctls) are not provided yet, so a
// token can only be named through the annotations.

import (
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
)

const (
	sysKacsGetSD = 1021
	sysKacsSetSD = 1022

	atEmptyPath       = 0x1000
	atSymlinkNoFollow = 0x100
	// maxSD is the largest self-relative SD (§24.4 step 1).
	maxSD = 65535
)

// sdTarget resolves (dirfd, path, flags) to a process per §24.2, in order:
// flags other than AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW -> EINVAL; without
// AT_EMPTY_PATH a path lookup, which never names a process -> ENOENT for an
// empty path, ENOTDIR otherwise; path unreadable -> EFAULT; a non-empty path
// -> EOPNOTSUPP; dirfd not open -> EBADF; a pidfd -> its process (ESRCH if
// reaped); any other file -> EOPNOTSUPP (file SDs are outside this layer).
func sdTarget(t *kernel.Task, dirfd int32, path hostarch.Addr, flags uint32) (*kernel.ThreadGroup, error) {
	if flags&^(atEmptyPath|atSymlinkNoFollow) != 0 {
		return nil, linuxerr.EINVAL
	}
	var first [1]byte
	if path == 0 {
		return nil, linuxerr.EFAULT
	}
	if _, err := t.CopyInBytes(path, first[:]); err != nil {
		return nil, linuxerr.EFAULT
	}
	if flags&atEmptyPath == 0 {
		if first[0] == 0 {
			return nil, linuxerr.ENOENT
		}
		return nil, linuxerr.ENOTDIR
	}
	if first[0] != 0 {
		return nil, linuxerr.EOPNOTSUPP
	}
	file := t.GetFile(dirfd)
	if file == nil {
		return nil, linuxerr.EBADF
	}
	defer file.DecRef(t)
	target, err := kernel.PIDFDTask(file)
	if err != nil {
		if linuxerr.Equals(linuxerr.ESRCH, err) {
			return nil, err
		}
		return nil, linuxerr.EOPNOTSUPP
	}
	return target.ThreadGroup(), nil
}

// kacsGetSD implements kacs_get_sd(dirfd, path, security_info, buf, buf_len,
// flags): it returns the size of the subset SD and copies it only if it fits
// a non-zero buf_len (no ERANGE: callers probe with buf_len 0).
func kacsGetSD(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	target, err := sdTarget(t, args[0].Int(), args[1].Pointer(), args[5].Uint())
	if err != nil {
		return 0, nil, err
	}
	sd, err := kacs.GetSD(t, target, security.SecurityInformation(args[2].Uint()))
	if err != nil {
		return 0, nil, err
	}
	buf, bufLen := args[3].Pointer(), args[4].Uint()
	if bufLen != 0 && uint32(len(sd)) <= bufLen {
		if buf == 0 {
			return 0, nil, linuxerr.EFAULT
		}
		if _, err := t.CopyOutBytes(buf, sd); err != nil {
			return 0, nil, linuxerr.EFAULT
		}
	}
	return uintptr(len(sd)), nil, nil
}

// kacsSetSD implements kacs_set_sd(dirfd, path, security_info, sd_buf,
// sd_len, flags).
func kacsSetSD(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	buf, n := args[3].Pointer(), args[4].Uint()
	if buf == 0 || n == 0 || n > maxSD {
		return 0, nil, linuxerr.EINVAL
	}
	target, err := sdTarget(t, args[0].Int(), args[1].Pointer(), args[5].Uint())
	if err != nil {
		return 0, nil, err
	}
	input := make([]byte, n)
	if _, err := t.CopyInBytes(buf, input); err != nil {
		return 0, nil, linuxerr.EFAULT
	}
	return 0, nil, kacs.SetSD(t, target, security.SecurityInformation(args[2].Uint()), input)
}
