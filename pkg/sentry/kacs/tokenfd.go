package kacs

// Token handles (spec §24.7, §24.10): an anonymous file "kacs-token",
// always close-on-exec, that refers to the live primary token of a process
// and carries the access mask granted when it was opened. It supports
// ioctl only; each ioctl tests that cached mask and nothing else.
//
//	KACS_IOC_QUERY (0xC0104B00), struct kacs_query_args {u32 token_class;
//	u32 buf_len; u64 buf_ptr}, in this order:
//	  handle without TOKEN_QUERY                          -> EACCES
//	  arg NULL or unreadable                              -> EFAULT
//	  token_class 0 or > 24                               -> EINVAL
//	  buf_ptr 0 or buf_len 0: probe, buf_len := size      -> 0
//	  buf_len < size: buf_len := size                     -> ERANGE
//	  [buf_ptr, buf_ptr+size) overlaps the 16-byte args   -> EINVAL
//	  payload unwritable (buf_len := size written back)   -> EFAULT
//	  otherwise the payload is written, buf_len := size   -> 0
//
//	KACS_IOC_ADJUST_PRIVS (0x40184B01), struct kacs_adjust_privs_args
//	{u32 count; u32 _pad; u64 data_ptr; u64 previous_enabled}, entries
//	{u32 luid; u32 attributes}:
//	  handle without TOKEN_ADJUST_PRIVILEGES              -> EACCES
//	  arg NULL or unreadable                              -> EFAULT
//	  _pad != 0, count 0 or > 64                          -> EINVAL
//	  entries unreadable                                  -> EFAULT
//	  an invalid entry (security.Token.AdjustPrivileges)  -> EINVAL, nothing changed
//	  previous_enabled unwritable (the change stays)      -> EFAULT
//	  otherwise previous_enabled written                  -> 0
//
//	any other request                                     -> ENOTTY
//
// Because the handle names the process, not a copy of its token, a change
// made through it is seen at once by every later check of that process (the
// gate, kacs_get_sd, other handles) and survives checkpoint and restore.

import (
	"context"
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/abi/linux"
	gcontext "gvisor.dev/gvisor/pkg/context"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/vfs"
	"gvisor.dev/gvisor/pkg/state"
	"gvisor.dev/gvisor/pkg/usermem"

	"github.com/peios/runsc-peios/pkg/security"
)

// Token ioctl requests (§24.10).
const (
	iocQuery        = 0xC0104B00
	iocAdjustPrivs  = 0x40184B01
	queryArgsSize   = 16
	adjustArgsSize  = 24
	privEntrySize   = 8
	maxAdjustCount  = 64
	tokenAnonName   = "kacs-token"
	tokenStateName  = "github.com/peios/runsc-peios/pkg/sentry/kacs.tokenFD"
	queryClassLimit = 24
)

// tokenFD is a token handle.
type tokenFD struct {
	vfsfd vfs.FileDescription
	vfs.FileDescriptionDefaultImpl
	vfs.DentryMetadataFileDescriptionImpl
	vfs.NoLockFD

	// owner is the process whose primary token the handle refers to.
	// Immutable. It keeps the thread group, and so its KACS state, alive.
	owner *kernel.ThreadGroup
	// granted is the cached access mask (§24.7). Immutable.
	granted security.AccessMask
}

var _ vfs.FileDescriptionImpl = (*tokenFD)(nil)

func init() { state.Register((*tokenFD)(nil)) }

// newTokenFile returns a new token handle on owner's primary token with
// the cached mask granted. The caller owns the returned reference.
func newTokenFile(t *kernel.Task, owner *kernel.ThreadGroup, granted security.AccessMask) (*vfs.FileDescription, error) {
	vd := t.Kernel().VFS().NewAnonVirtualDentry(tokenAnonName)
	defer vd.DecRef(t)
	fd := &tokenFD{owner: owner, granted: granted}
	if err := fd.vfsfd.Init(fd, linux.O_RDONLY, t.Credentials(), vd.Mount(), vd.Dentry(), &vfs.FileDescriptionOptions{
		UseDentryMetadata: true,
		DenyPRead:         true,
		DenyPWrite:        true,
	}); err != nil {
		return nil, err
	}
	return &fd.vfsfd, nil
}

// TokenOfFile returns the token a token handle refers to, or false if file
// is not a token handle.
func TokenOfFile(file *vfs.FileDescription) (*security.Token, bool) {
	fd, ok := file.Impl().(*tokenFD)
	if !ok {
		return nil, false
	}
	return fd.token(), true
}

// token returns the live token.
func (fd *tokenFD) token() *security.Token { return OfGroup(fd.owner).Token }

// Release implements vfs.FileDescriptionImpl.Release.
func (fd *tokenFD) Release(gcontext.Context) {}

// Ioctl implements vfs.FileDescriptionImpl.Ioctl.
func (fd *tokenFD) Ioctl(ctx gcontext.Context, uio usermem.IO, sysno uintptr, args arch.SyscallArguments) (uintptr, error) {
	io := userIO{ctx, uio}
	switch args[1].Uint() {
	case iocQuery:
		return 0, fd.query(io, args[2].Pointer())
	case iocAdjustPrivs:
		return 0, fd.adjustPrivileges(io, args[2].Pointer())
	}
	return 0, linuxerr.ENOTTY
}

// query implements KACS_IOC_QUERY.
func (fd *tokenFD) query(io userIO, arg hostarch.Addr) error {
	if fd.granted&security.TokenQuery == 0 {
		return linuxerr.EACCES
	}
	var a [queryArgsSize]byte
	if err := io.in(arg, a[:]); err != nil {
		return err
	}
	le := binary.LittleEndian
	class, bufLen, bufPtr := le.Uint32(a[0:]), le.Uint32(a[4:]), le.Uint64(a[8:])
	if class == 0 || class > queryClassLimit {
		return linuxerr.EINVAL
	}
	payload, err := security.QueryToken(fd.token(), security.TokenClass(class))
	if err != nil {
		return linuxerr.EINVAL
	}
	n := uint64(len(payload))
	le.PutUint32(a[4:], uint32(n))
	writeBack := func() error { return io.out(arg, a[:]) }
	switch {
	case bufPtr == 0 || bufLen == 0:
		return writeBack()
	case uint64(bufLen) < n:
		if err := writeBack(); err != nil {
			return err
		}
		return linuxerr.ERANGE
	case n > 0 && overlaps(bufPtr, n, uint64(arg), queryArgsSize):
		return linuxerr.EINVAL
	}
	if n > 0 {
		if err := io.out(hostarch.Addr(bufPtr), payload); err != nil {
			writeBack()
			return err
		}
	}
	return writeBack()
}

// overlaps reports whether [a, a+n) and [b, b+m) intersect; a range that
// would pass the end of the address space is cut there.
func overlaps(a, n, b, m uint64) bool {
	end := func(start, size uint64) uint64 {
		if start+size < start {
			return ^uint64(0)
		}
		return start + size
	}
	return a < end(b, m) && b < end(a, n)
}

// adjustPrivileges implements KACS_IOC_ADJUST_PRIVS.
func (fd *tokenFD) adjustPrivileges(io userIO, arg hostarch.Addr) error {
	if fd.granted&security.TokenAdjustPrivileges == 0 {
		return linuxerr.EACCES
	}
	var a [adjustArgsSize]byte
	if err := io.in(arg, a[:]); err != nil {
		return err
	}
	le := binary.LittleEndian
	count, pad, data := le.Uint32(a[0:]), le.Uint32(a[4:]), le.Uint64(a[8:])
	if pad != 0 || count == 0 || count > maxAdjustCount {
		return linuxerr.EINVAL
	}
	raw := make([]byte, count*privEntrySize)
	if err := io.in(hostarch.Addr(data), raw); err != nil {
		return err
	}
	changes := make([]security.PrivilegeChange, count)
	for i := range changes {
		changes[i] = security.PrivilegeChange{LUID: le.Uint32(raw[i*privEntrySize:]), Attributes: le.Uint32(raw[i*privEntrySize+4:])}
	}
	prev, err := fd.token().AdjustPrivileges(changes)
	if err != nil {
		return linuxerr.EINVAL
	}
	le.PutUint64(a[16:], prev)
	return io.out(arg+16, a[16:])
}

// userIO copies to and from the calling task's memory; every failure,
// including a NULL address, is EFAULT.
type userIO struct {
	ctx gcontext.Context
	uio usermem.IO
}

func (u userIO) in(addr hostarch.Addr, b []byte) error {
	if addr == 0 {
		return linuxerr.EFAULT
	}
	if n, err := u.uio.CopyIn(u.ctx, addr, b, usermem.IOOpts{}); err != nil || n != len(b) {
		return linuxerr.EFAULT
	}
	return nil
}

func (u userIO) out(addr hostarch.Addr, b []byte) error {
	if addr == 0 {
		return linuxerr.EFAULT
	}
	if n, err := u.uio.CopyOut(u.ctx, addr, b, usermem.IOOpts{}); err != nil || n != len(b) {
		return linuxerr.EFAULT
	}
	return nil
}

// StateTypeName implements state.Type.
func (*tokenFD) StateTypeName() string { return tokenStateName }

// StateFields implements state.Type.
func (*tokenFD) StateFields() []string { return []string{"vfsfd", "owner", "granted"} }

// StateSave implements state.SaverLoader.
func (fd *tokenFD) StateSave(sink state.Sink) {
	sink.Save(0, &fd.vfsfd)
	sink.Save(1, &fd.owner)
	sink.Save(2, &fd.granted)
}

// StateLoad implements state.SaverLoader.
func (fd *tokenFD) StateLoad(_ context.Context, src state.Source) {
	src.Load(0, &fd.vfsfd)
	src.Load(1, &fd.owner)
	src.Load(2, &fd.granted)
}
