package syscalls

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/kernel/auth"
)

// userStat fills the arm64 struct stat st from sx for t, with the owner
// mapped into t's user namespace, as gVisor's stat does.
func userStat(t *kernel.Task, sx *linux.Statx, st *linux.Stat) {
	userns := t.UserNamespace()
	*st = linux.Stat{
		Dev:     uint64(linux.MakeDeviceID(uint16(sx.DevMajor), sx.DevMinor)),
		Ino:     sx.Ino,
		Nlink:   sx.Nlink,
		Mode:    uint32(sx.Mode),
		UID:     uint32(auth.KUID(sx.UID).In(userns).OrOverflow()),
		GID:     uint32(auth.KGID(sx.GID).In(userns).OrOverflow()),
		Rdev:    uint64(linux.MakeDeviceID(uint16(sx.RdevMajor), sx.RdevMinor)),
		Size:    int64(sx.Size),
		Blksize: int32(sx.Blksize),
		Blocks:  int64(sx.Blocks),
		ATime:   timespec(sx.Atime),
		MTime:   timespec(sx.Mtime),
		CTime:   timespec(sx.Ctime),
	}
}
