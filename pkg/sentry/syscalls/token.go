package syscalls

// Token handles (spec §24.8, §24.9). Decoding and target resolution here;
// the checks and the handle itself are in pkg/sentry/kacs.
//
//	kacs_open_self_token(flags, access_mask)                    1000
//	  flags other than KACS_TOKEN_OPEN_REAL (0x1)     -> EINVAL
//	  access_mask 0 or outside 0xF30F01FF             -> EINVAL
//	  then kacs.OpenSelfToken                         -> EACCES, EMFILE
//	kacs_open_process_token(pidfd, access_mask)                 1001
//	  access_mask as above                            -> EINVAL
//	  pidfd not open or not a pidfd (-1 is not self)  -> EBADF
//	  process reaped                                  -> ESRCH
//	  then kacs.OpenProcessToken                      -> EACCES, EMFILE
//	kacs_open_thread_token(pidfd, tid, access_mask)             1002
//	  access_mask as above                            -> EINVAL
//	  tid <= 0                                        -> EINVAL
//	  pidfd as above                                  -> EBADF, ESRCH
//	  tid not a thread of the pidfd's process         -> ESRCH
//	  then as kacs_open_process_token (a thread's effective token is its
//	  process's primary token: the sandbox has no impersonation)
//
// All return the new descriptor, close-on-exec.

import (
	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/sentry/arch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"

	"github.com/peios/runsc-peios/pkg/security"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
)

const (
	sysKacsOpenSelfToken    = 1000
	sysKacsOpenProcessToken = 1001
	sysKacsOpenThreadToken  = 1002

	// kacsTokenOpenReal opens the primary token even while impersonating.
	kacsTokenOpenReal = 0x1
)

// tokenMask decodes and checks an access_mask argument.
func tokenMask(a arch.SyscallArgument) (security.AccessMask, error) {
	m := security.AccessMask(a.Uint())
	if security.CheckTokenOpenMask(m) != nil {
		return 0, linuxerr.EINVAL
	}
	return m, nil
}

// kacsOpenSelfToken implements kacs_open_self_token.
func kacsOpenSelfToken(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	if args[0].Uint()&^kacsTokenOpenReal != 0 {
		return 0, nil, linuxerr.EINVAL
	}
	m, err := tokenMask(args[1])
	if err != nil {
		return 0, nil, err
	}
	fd, err := kacs.OpenSelfToken(t, m)
	return uintptr(fd), nil, err
}

// kacsOpenProcessToken implements kacs_open_process_token.
func kacsOpenProcessToken(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	m, err := tokenMask(args[1])
	if err != nil {
		return 0, nil, err
	}
	tg, err := pidfdProcess(t, args[0].Int())
	if err != nil {
		return 0, nil, err
	}
	fd, err := kacs.OpenProcessToken(t, tg, m)
	return uintptr(fd), nil, err
}

// kacsOpenThreadToken implements kacs_open_thread_token.
func kacsOpenThreadToken(t *kernel.Task, sysno uintptr, args arch.SyscallArguments) (uintptr, *kernel.SyscallControl, error) {
	m, err := tokenMask(args[2])
	if err != nil {
		return 0, nil, err
	}
	tid := args[1].Int()
	if tid <= 0 {
		return 0, nil, linuxerr.EINVAL
	}
	tg, err := pidfdProcess(t, args[0].Int())
	if err != nil {
		return 0, nil, err
	}
	if thread := t.PIDNamespace().TaskWithID(kernel.ThreadID(tid)); thread == nil || thread.ThreadGroup() != tg {
		return 0, nil, linuxerr.ESRCH
	}
	fd, err := kacs.OpenProcessToken(t, tg, m)
	return uintptr(fd), nil, err
}

// pidfdProcess returns the process a pidfd refers to: EBADF if fd is not
// open or not a pidfd (a /proc/<pid> directory is not one); ESRCH once the
// process has been reaped (a zombie is still present, §24.2 step 7). A
// PIDFD_THREAD pidfd names its thread's process.
func pidfdProcess(t *kernel.Task, fd int32) (*kernel.ThreadGroup, error) {
	tg, _, err := t.ThreadGroupFromPIDFD(fd)
	if !linuxerr.Equals(linuxerr.EINVAL, err) {
		return tg, err
	}
	file := t.GetFile(fd)
	if file == nil {
		return nil, linuxerr.EBADF
	}
	defer file.DecRef(t)
	thread, err := kernel.PIDFDTask(file)
	if err != nil {
		return nil, err
	}
	return thread.ThreadGroup(), nil
}
