package syscalls

// The user memory an I/O syscall will touch, looked at before the call
// runs, for two rules of the Sentry's own accesses to user memory:
//
//   - Stack growth (spec §9 MAP_GROWSDOWN; pkg/sentry/mm/stack.go). On
//     Linux a kernel access to an address in the gap below a grows-down
//     VMA grows the VMA, by the rules of the program's own fault
//     (RLIMIT_STACK, the guard gap...): verified on Linux 6.18 for read,
//     getrandom, a write to a pipe, readv's iovec array and
//     process_vm_readv's local side. gVisor's copies never grow a VMA, so
//     every range below is handed to mm.GrowStacksFor first, in the order
//     the call accesses them, stopping at the first one that stays
//     unmapped (Linux's call stops there).
//
//   - Software protection keys (D5, spec §13; pkg/sentry/mm/pkey.go). The
//     calling thread's PKRU applies to the Sentry's accesses as to its own:
//     a page whose key PKRU access-disables may be neither read nor
//     written, one it write-disables not written.
//
// The calls and what they touch, in access order ("whole": a structure
// Linux copies whole or fails EFAULT, refused with EFAULT before the call
// when a page of it is denied; "data": the transfer, clamped below):
//
//	read, pread64, getrandom      data written
//	write, pwrite64               data read
//	recvfrom                      data written; whole: addrlen (read and
//	                              written), the address (written)
//	sendto                        whole: the address (read); data read
//	readv, preadv, preadv2        whole: iovec array (read); data written
//	writev, pwritev, pwritev2     whole: iovec array (read); data read
//	recvmsg                       whole: msghdr (read, and written: flags,
//	                              lengths), iovec array (read), name and
//	                              control buffers (written); data written
//	sendmsg                       whole: msghdr, iovec array, name,
//	                              control (read); data read
//	process_vm_readv              whole: both iovec arrays (read); local
//	                              data written
//	process_vm_writev             whole: both iovec arrays (read); local
//	                              data read
//
// The remote side of process_vm_readv/writev is neither grown nor checked:
// Linux reaches it with get_user_pages, which grows nothing, and a
// target's keys do not apply to cross-process access (§8.10).
//
// Data clamping (verified on Linux 6.18 with a PROT_NONE page, which a
// kernel copy meets as it meets a key-denied page: both fault). Linux
// copies up to the first byte it cannot access and returns that count, or
// EFAULT if it is 0: read and pread of a regular file or /dev/zero,
// getrandom, pwrite of a regular file, readv, process_vm_readv/writev. So
// the call is run on the accessible prefix of its data: a single buffer's
// length argument becomes the prefix's length; process_vm_readv/writev cut
// their local iovecs there (crossproc.go); another iovec call gets only the
// iovecs wholly inside the prefix (see README, Known gaps, for a prefix
// ending inside a later iovec), or, when it ends inside the first iovec
// with data, the matching single-buffer call (read for readv...) on its
// accessible part; EFAULT if the prefix is empty. Exceptions, by
// what the call writes to or reads from (one stat of the file):
//
//   - Writes to a socket or a pipe (write, writev, sendto, sendmsg): Linux
//     copies a datagram, a stream socket's chunk or a pipe's page whole
//     and returns EFAULT without sending anything; so EFAULT.
//   - recvmsg: its data cannot be clamped (the iovec count is in user
//     memory), so EFAULT when the prefix is shorter than the data buffers
//     (Linux fails so when the message does not fit the prefix).
//   - Writes to /dev/null and /dev/zero: Linux never reads the buffer, so
//     nothing is grown or checked.
//
// Fast path: while the calling thread's address space allocated no key
// (mm.KeysInUse) and no grows-down VMA of the sandbox can grow
// (mm.StacksMayGrow), each call costs those two tests and nothing else.

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/marshal/primitive"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/vfs"

	"github.com/peios/runsc-peios/pkg/sentry/mm"

	glinux "gvisor.dev/gvisor/pkg/sentry/syscalls/linux"
)

// ioShape is how a call names its data buffers.
type ioShape int

const (
	// oneBuffer: args[ptr] is the buffer, args[n] its length.
	oneBuffer ioShape = iota
	// iovecs: args[ptr] is an iovec array of args[n] entries.
	iovecs
	// msgHeader: args[ptr] is a struct msghdr.
	msgHeader
	// vmLocal: process_vm_readv/writev; args[ptr], args[n] the local
	// iovec array, args[3], args[4] the remote one.
	vmLocal
)

// userIO describes the user memory one syscall touches.
type userIO struct {
	shape   ioShape
	ptr, n  int
	written bool // the Sentry writes the data (read-type calls)
	fd      int  // the file's argument, or -1
	addr    bool // recvfrom/sendto: args[4], args[5] are a socket address
	// single is the single-buffer call (read, write, pread64, pwrite64)
	// that does what an iovec call does with one buffer, taking its file
	// offset where the iovec call does (args[3]); "" if none. v2 says the
	// iovec call has flags in args[5] (preadv2, pwritev2): only without
	// flags is there such a call, and an offset of -1 makes it read or
	// write.
	single string
	v2     bool
}

// touches wraps a syscall so that the user memory u describes is grown and
// checked before the call runs.
func touches(u userIO) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			keys := mm.KeysInUse(t)
			grow := mm.StacksMayGrow(t)
			if !keys && !grow {
				return orig(t, sysno, args)
			}
			c, err := u.prepare(t, &args, keys, grow)
			if err != nil {
				return 0, nil, err
			}
			if single := c.single; single != "" {
				if nr, err := t.SyscallTable().LookupNo(single); err == nil {
					return t.SyscallTable().Lookup(nr)(t, nr, args)
				}
			}
			return orig(t, sysno, args)
		}
	}
}

// clamp is how prepare limits a call's transfer, beyond its arguments.
type clamp struct {
	// single is the single-buffer call to run instead, with the
	// rewritten arguments, or "".
	single string
	// limit is the most bytes process_vm_readv/writev may transfer
	// (vmLocal), or 0 for no limit.
	limit uint64
}

// vmLimit runs the pre-pass of process_vm_readv (written) or
// process_vm_writev, which crossproc.go implements, and returns the most
// local bytes the call may transfer (0: no limit). Linux copies the local
// side up to the first byte it cannot access, so the local iovecs are cut
// there, inside an iovec too.
func vmLimit(t *kernel.Task, args *arch.SyscallArguments, written bool) (uint64, error) {
	keys, grow := mm.KeysInUse(t), mm.StacksMayGrow(t)
	if !keys && !grow {
		return 0, nil
	}
	c, err := userIO{shape: vmLocal, ptr: 1, n: 2, written: written, fd: -1}.prepare(t, args, keys, grow)
	return c.limit, err
}

// plan is the user memory of one call: structures the call accesses whole
// (read: it reads them; written: it writes them) and the data buffers.
type plan struct {
	read, written []hostarch.AddrRange
	data          []hostarch.AddrRange
}

// prepare grows the VMAs below what the call will touch (if grow) and
// checks it against the thread's keys (if keys), possibly clamping args.
// Arguments the call will refuse itself (a bad count, an unreadable
// structure) end it early, leaving the error to the call. It returns the
// call to run instead when an iovec call is clamped to part of one buffer,
// and process_vm_*'s limit.
func (u userIO) prepare(t *kernel.Task, args *arch.SyscallArguments, keys, grow bool) (clamp, error) {
	// kind is the kind of file a write-type call writes to, looked up
	// only when it matters: for data that is not all mapped, or not all
	// accessible.
	kind := -1
	kindOf := func() int {
		if kind < 0 {
			kind = fileOther
			if u.fd >= 0 && !u.written {
				kind = fileKind(t, args[u.fd].Int())
			}
		}
		return kind
	}
	var p plan
	// touch grows the VMAs below ar, a structure the call reads (and writes
	// if written), before the call or this function reads it.
	touch := func(ar hostarch.AddrRange, written bool) {
		if ar.Length() == 0 {
			return
		}
		if grow {
			mm.GrowStacksFor(t, ar)
		}
		p.read = append(p.read, ar)
		if written {
			p.written = append(p.written, ar)
		}
	}
	switch u.shape {
	case oneBuffer:
		if u.addr && !u.written && args[4].Pointer() != 0 {
			touch(userRange(args[4].Pointer(), uint64(args[5].Uint())), false)
		}
		p.data = []hostarch.AddrRange{userRange(args[u.ptr].Pointer(), uint64(args[u.n].SizeT()))}
	case iovecs, vmLocal:
		if u.shape == vmLocal && u.iovecArray(t, args[3].Pointer(), args[4].Int(), touch) == nil {
			return clamp{}, nil
		}
		iovs := u.iovecArray(t, args[u.ptr].Pointer(), args[u.n].Int(), touch)
		if iovs == nil {
			return clamp{}, nil
		}
		p.data = iovs
	case msgHeader:
		ptr := args[u.ptr].Pointer()
		var msg glinux.MessageHeader64
		touch(userRange(ptr, uint64(msg.SizeBytes())), u.written)
		if _, err := msg.CopyIn(t, ptr); err != nil {
			return clamp{}, nil
		}
		iovs := u.iovecArray(t, hostarch.Addr(msg.Iov), int32(min(msg.IovLen, linux.UIO_MAXIOV+1)), touch)
		if iovs == nil {
			return clamp{}, nil
		}
		if msg.Name != 0 {
			touch(userRange(hostarch.Addr(msg.Name), uint64(msg.NameLen)), u.written)
		}
		if msg.Control != 0 {
			touch(userRange(hostarch.Addr(msg.Control), msg.ControlLen), u.written)
		}
		p.data = iovs
	}
	if u.addr && u.written && args[4].Pointer() != 0 && args[5].Pointer() != 0 {
		// recvfrom's address: addrlen is read, then both are written.
		touch(userRange(args[5].Pointer(), 4), true)
		var n primitive.Int32
		if _, err := n.CopyIn(t, args[5].Pointer()); err == nil && n > 0 {
			touch(userRange(args[4].Pointer(), uint64(n)), true)
		}
	}
	if grow {
		for _, ar := range p.data {
			if t.MemoryManager().VirtualMemorySizeRange(ar) == uint64(ar.Length()) {
				continue // All mapped: nothing to grow.
			}
			if kindOf() == fileNull || !mm.GrowStacksFor(t, ar) {
				break // Linux never reads a buffer written to /dev/null.
			}
		}
	}
	if !keys {
		return clamp{}, nil
	}
	if err := mm.CheckKeys(t, p.read, p.written); err != nil {
		return clamp{}, err
	}
	prefix, limited := mm.AccessiblePrefix(t, p.data, u.written)
	if !limited || kindOf() == fileNull {
		return clamp{}, nil
	}
	if prefix == 0 || u.shape == msgHeader || kindOf() == fileSocket || kindOf() == filePipe {
		return clamp{}, linuxerr.EFAULT
	}
	switch u.shape {
	case oneBuffer:
		args[u.n].Value = uintptr(prefix)
	case vmLocal:
		return clamp{limit: prefix}, nil
	case iovecs:
		// The iovecs wholly inside the prefix; if there are none with
		// data, the prefix of the one it ends in, by the single-buffer
		// call.
		var done uint64
		i := 0
		for ; i < len(p.data) && done+uint64(p.data[i].Length()) <= prefix; i++ {
			done += uint64(p.data[i].Length())
		}
		if done > 0 {
			args[u.n].Value = uintptr(i)
			return clamp{}, nil
		}
		single := u.single
		if u.v2 {
			switch {
			case args[5].Int() != 0:
				single = ""
			case args[3].Int64() == -1 && u.written:
				single = "read"
			case args[3].Int64() == -1:
				single = "write"
			}
		}
		if single == "" {
			return clamp{}, linuxerr.EFAULT
		}
		args[1].Value = uintptr(p.data[i].Start)
		args[2].Value = uintptr(prefix)
		return clamp{single: single}, nil
	}
	return clamp{}, nil
}

// iovecArray touches the iovec array at addr, n entries long, and returns
// the buffers it names, or nil if the call will refuse the array itself
// (a bad count, unmapped memory).
func (u userIO) iovecArray(t *kernel.Task, addr hostarch.Addr, n int32, touch func(hostarch.AddrRange, bool)) []hostarch.AddrRange {
	if n < 0 || n > linux.UIO_MAXIOV {
		return nil
	}
	if n == 0 {
		return []hostarch.AddrRange{}
	}
	touch(userRange(addr, uint64(n)*iovecSize), false)
	iovs, err := t.CopyInIovecsAsSlice(addr, int(n))
	if err != nil {
		return nil
	}
	return iovs
}

// fileKinds tell the files whose writes Linux does not clamp.
const (
	fileOther  = iota
	fileSocket // a socket
	filePipe   // a pipe or FIFO
	fileNull   // /dev/null or /dev/zero (a write never reads its buffer)
)

// fileKind classifies the file of fd, one stat.
func fileKind(t *kernel.Task, fd int32) int {
	file := t.GetFile(fd)
	if file == nil {
		return fileOther
	}
	defer file.DecRef(t)
	st, err := file.Stat(t, vfs.StatOptions{Mask: linux.STATX_TYPE})
	if err != nil {
		return fileOther
	}
	switch uint32(st.Mode) & linux.S_IFMT {
	case linux.S_IFSOCK:
		return fileSocket
	case linux.S_IFIFO:
		return filePipe
	case linux.S_IFCHR:
		if st.RdevMajor == 1 && (st.RdevMinor == 3 || st.RdevMinor == 5) {
			return fileNull
		}
	}
	return fileOther
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

// stackLimit wraps setrlimit (resource in args[0]) or prlimit64 (args[1],
// the new limit in args[2]): once RLIMIT_STACK is set, a main stack that
// gVisor made as large as the old limit may grow, so the I/O calls above
// leave their fast path for good (mm.NoteStackLimit).
func stackLimit(resource int) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn {
		return func(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
			if args[resource].Int() == linux.RLIMIT_STACK && args[resource+1].Pointer() != 0 {
				mm.NoteStackLimit()
			}
			return orig(t, sysno, args)
		}
	}
}
