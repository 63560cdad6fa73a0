package syscalls

// kacs_get_sd and kacs_set_sd on process and token targets (spec
// §24.2-§24.4, §24.14). Token handles are opened in token.go.

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

// sdObject is what kacs_get_sd and kacs_set_sd act on: a process or, through
// a token handle, a token. Exactly one field is set.
type sdObject struct {
	process *kernel.ThreadGroup
	token   *security.Token
}

// sdTarget resolves (dirfd, path, flags) per §24.2, in order: flags other
// than AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW -> EINVAL; without AT_EMPTY_PATH a
// path lookup, which never names a process or token -> ENOENT for an empty
// path, ENOTDIR otherwise; path unreadable -> EFAULT; a non-empty path ->
// EOPNOTSUPP; dirfd not open -> EBADF; a token handle -> its token; a pidfd
// -> its process (ESRCH once reaped); any other file -> EOPNOTSUPP (file
// SDs are outside this layer).
func sdTarget(t *kernel.Task, dirfd int32, path hostarch.Addr, flags uint32) (sdObject, error) {
	if flags&^(atEmptyPath|atSymlinkNoFollow) != 0 {
		return sdObject{}, linuxerr.EINVAL
	}
	var first [1]byte
	if path == 0 {
		return sdObject{}, linuxerr.EFAULT
	}
	if _, err := t.CopyInBytes(path, first[:]); err != nil {
		return sdObject{}, linuxerr.EFAULT
	}
	if flags&atEmptyPath == 0 {
		if first[0] == 0 {
			return sdObject{}, linuxerr.ENOENT
		}
		return sdObject{}, linuxerr.ENOTDIR
	}
	if first[0] != 0 {
		return sdObject{}, linuxerr.EOPNOTSUPP
	}
	file := t.GetFile(dirfd)
	if file == nil {
		return sdObject{}, linuxerr.EBADF
	}
	tok, isToken := kacs.TokenOfFile(file)
	file.DecRef(t)
	if isToken {
		return sdObject{token: tok}, nil
	}
	tg, err := pidfdProcess(t, dirfd)
	switch {
	case err == nil:
		return sdObject{process: tg}, nil
	case linuxerr.Equals(linuxerr.ESRCH, err):
		return sdObject{}, err
	}
	return sdObject{}, linuxerr.EOPNOTSUPP
}

// kacsGetSD implements kacs_get_sd(dirfd, path, security_info, buf, buf_len,
// flags): it returns the size of the subset SD and copies it only if it fits
// a non-zero buf_len (no ERANGE: callers probe with buf_len 0).
func kacsGetSD(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	target, err := sdTarget(t, args[0].Int(), args[1].Pointer(), args[5].Uint())
	if err != nil {
		return 0, nil, err
	}
	si := security.SecurityInformation(args[2].Uint())
	var sd []byte
	if target.token != nil {
		sd, err = kacs.GetTokenSD(t, target.token, si)
	} else {
		sd, err = kacs.GetSD(t, target.process, si)
	}
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
	si := security.SecurityInformation(args[2].Uint())
	if target.token != nil {
		return 0, nil, kacs.SetTokenSD(t, target.token, si, input)
	}
	return 0, nil, kacs.SetSD(t, target.process, si, input)
}
