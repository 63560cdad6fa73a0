package mm

// munmap (spec §8.2):
//
//	addr not page-aligned                      -> EINVAL
//	addr > TASK_SIZE or len > TASK_SIZE - addr -> EINVAL
//	len rounds to 0                            -> EINVAL
//	any VMA in the range sealed                -> EPERM, nothing unmapped
//	a hugetlb VMA split inside a huge page     -> EINVAL
//
// Holes are not errors. The charges of the removed VMAs are released
// (commit.go).

import (
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
)

// MUnmap checks munmap(addr, length) and has do perform it.
func MUnmap(t *kernel.Task, addr hostarch.Addr, length uint64, do func() error) error {
	if !addr.IsPageAligned() || addr > TaskSize || length > uint64(TaskSize-addr) {
		return linuxerr.EINVAL
	}
	ar, ok := pageRange(addr, length)
	if !ok || ar.Length() == 0 {
		return linuxerr.EINVAL
	}
	s := lock(t)
	defer s.Unlock()
	var buf [8]vma
	vs := s.collect(ar, buf[:0])
	for _, v := range vs {
		if v.sealed() {
			return linuxerr.EPERM
		}
	}
	if hugeSplit(vs) {
		return linuxerr.EINVAL
	}
	return release(accountedOf(vs), do)
}
