package syscalls

// Protection keys on the Sentry's own accesses to user memory (D5, spec
// §13; the rule is pkg/sentry/mm/pkey.go). With software keys, these calls
// fail with EFAULT before doing anything when the calling thread's PKRU
// forbids an access they would make:
//
//	read, pread64, recvfrom (its data buffer), getrandom    buffer written
//	write, pwrite64, sendto (its data buffer)                buffer read
//	readv, preadv, preadv2                                   iovec array read,
//	                                                         buffers written
//	writev, pwritev, pwritev2                                iovec array and
//	                                                         buffers read
//	process_vm_readv                                         both iovec arrays
//	                                                         read, local
//	                                                         buffers written
//	process_vm_writev                                        both iovec arrays
//	                                                         and local buffers
//	                                                         read
//
// The remote buffers of process_vm_readv/writev are not checked: a
// target's keys do not apply to cross-process access (§8.10). No other
// call is checked (recvmsg, sendmsg, ioctl, the socket address arguments,
// stat buffers...). When software keys are off, or the address space
// never allocated a key, each call costs one test (mm.KeysInUse).

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// keyedBuffer checks the buffer of args[buf], args[n] bytes long, which
// the call writes if written and reads otherwise.
func keyedBuffer(buf, n int, written bool) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			if mm.KeysInUse(t) {
				ars := []hostarch.AddrRange{userRange(args[buf].Pointer(), uint64(args[n].SizeT()))}
				read, write := ars, []hostarch.AddrRange(nil)
				if written {
					read, write = nil, ars
				}
				if err := mm.CheckKeys(t, read, write); err != nil {
					return 0, nil, err
				}
			}
			return orig(t, sysno, args)
		}
	}
}

// keyedIovecs checks the iovec array of args[iov], args[cnt] entries long,
// and the buffers it names, which the call writes if written and reads
// otherwise.
func keyedIovecs(iov, cnt int, written bool) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			if mm.KeysInUse(t) {
				if err := checkIovecs(t, args, []int{iov, cnt}, written); err != nil {
					return 0, nil, err
				}
			}
			return orig(t, sysno, args)
		}
	}
}

// keyedVM checks process_vm_readv (written) or process_vm_writev: the
// local and remote iovec arrays and the local buffers.
func keyedVM(written bool) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			if mm.KeysInUse(t) {
				if err := checkIovecs(t, args, []int{1, 2, 3, 4}, written); err != nil {
					return 0, nil, err
				}
			}
			return orig(t, sysno, args)
		}
	}
}

// checkIovecs checks the iovec arrays named by the argument pairs
// (array, count) in pairs, and the buffers named by the first array. An
// array the call will refuse itself (a bad count, unreadable memory) is
// left to it.
func checkIovecs(t *kernel.Task, args arch.SyscallArguments, pairs []int, written bool) error {
	var arrays, bufs []hostarch.AddrRange
	for i := 0; i < len(pairs); i += 2 {
		addr, n := args[pairs[i]].Pointer(), args[pairs[i+1]].Int()
		if n < 0 || n > linux.UIO_MAXIOV {
			return nil
		}
		arrays = append(arrays, userRange(addr, uint64(n)*iovecSize))
		if i == 0 && n > 0 {
			iovs, err := t.CopyInIovecsAsSlice(addr, int(n))
			if err != nil {
				return nil
			}
			bufs = iovs
		}
	}
	read, write := append(arrays, bufs...), []hostarch.AddrRange(nil)
	if written {
		read, write = arrays, bufs
	}
	return mm.CheckKeys(t, read, write)
}

// userRange returns the user range of n bytes at addr, at most
// MAX_RW_COUNT as Linux transfers, or an empty one if it wraps (the call
// reports that itself).
func userRange(addr hostarch.Addr, n uint64) hostarch.AddrRange {
	n = min(n, uint64(linux.MAX_RW_COUNT))
	ar, ok := addr.ToRange(n)
	if !ok {
		return hostarch.AddrRange{}
	}
	return ar
}
