// Package syscalls installs the Peios memory layer into the Sentry's syscall
// tables. Each handler only decodes its arguments, calls the verb of
// github.com/peios/runsc-peios/pkg/sentry/mm that implements the rule, and
// returns its result; gVisor's own handler, kept as the continuation, does
// the page-level work.
package syscalls

import (
	"fmt"

	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/syscalls/linux"
)

// wrap builds a Peios handler around gVisor's handler orig.
type wrap func(orig kernel.SyscallFn) kernel.SyscallFn

// wrapped lists gVisor's syscalls, by name, that the Peios layer gates.
// Every name is in the AMD64 table; those missing from ARM64's (the legacy
// calls open, creat, fork, vfork, stat, lstat and access) are skipped
// there.
var wrapped = map[string]wrap{
	"mmap":          mmap,
	"munmap":        munmap,
	"mprotect":      mprotect,
	"pkey_mprotect": pkeyMprotect,
	"mremap":        mremap,
	"madvise":       madvise,
	"brk":           brk,
	"shmdt":         shmdt,
	"io_destroy":    ioDestroy,
	"clone":         clone,
	"clone3":        clone3,
	"fork":          fork,
	"vfork":         vfork,
	"execve":        execve,
	"execveat":      execve,
	"prctl":         prctl,
	"mbind":         mbind,
	"set_mempolicy": setMempolicy,
	"get_mempolicy": getMempolicy,

	"mlock":            mlock,
	"mlock2":           mlock2,
	"munlock":          munlock,
	"mlockall":         mlockall,
	"munlockall":       munlockall,
	"pkey_alloc":       pkeyAlloc,
	"pkey_free":        pkeyFree,
	"msync":            msync,
	"mincore":          mincore,
	"remap_file_pages": remapFilePages,
	// Opens: the Peios /proc lines (procfs.go), then the cross-process
	// gate on /proc/<pid>/* (procgate.go), then /proc/<pid>/psb, which
	// gVisor does not have (psbfile.go).
	"open":    chain(chain(open, gateProcOpen(openPlain)), openPSB(openPlain)),
	"openat":  chain(chain(open, gateProcOpen(openAt)), openPSB(openAt)),
	"openat2": chain(chain(open, gateProcOpen(openAtHow)), openPSB(openAtHow)),
	"creat":   gateProcOpen(openCreat),
	// stat and access of the same Peios files (psbstat.go).
	"stat":       statPSB(statPlain),
	"lstat":      statPSB(statPlain),
	"newfstatat": statPSB(statAt),
	"statx":      statPSB(statxAt),
	"access":     statPSB(accessPlain),
	"faccessat":  statPSB(accessAt),
	"faccessat2": statPSB(accessAt),

	"pidfd_open": pidfdOpen,
	"ptrace":     ptrace,
	// Reimplemented: only the process SD and PIP decide (kacs); the local
	// side is grown and checked against protection keys first
	// (userbuf.go).
	"process_vm_readv":  replace(processVMReadv),
	"process_vm_writev": replace(processVMWritev),

	// Stack growth and protection keys on the Sentry's accesses to user
	// buffers (userbuf.go).
	"read":      touches(userIO{shape: oneBuffer, ptr: 1, n: 2, written: true}),
	"pread64":   touches(userIO{shape: oneBuffer, ptr: 1, n: 2, written: true}),
	"recvfrom":  touches(userIO{shape: oneBuffer, ptr: 1, n: 2, written: true, addr: true}),
	"getrandom": touches(userIO{shape: oneBuffer, ptr: 0, n: 1, written: true, fd: -1}),
	"write":     touches(userIO{shape: oneBuffer, ptr: 1, n: 2}),
	"pwrite64":  touches(userIO{shape: oneBuffer, ptr: 1, n: 2}),
	"sendto":    touches(userIO{shape: oneBuffer, ptr: 1, n: 2, addr: true}),
	"readv":     touches(userIO{shape: iovecs, ptr: 1, n: 2, written: true, single: "read"}),
	"preadv":    touches(userIO{shape: iovecs, ptr: 1, n: 2, written: true, single: "pread64"}),
	"preadv2":   touches(userIO{shape: iovecs, ptr: 1, n: 2, written: true, single: "pread64", v2: true}),
	"writev":    touches(userIO{shape: iovecs, ptr: 1, n: 2, single: "write"}),
	"pwritev":   touches(userIO{shape: iovecs, ptr: 1, n: 2, single: "pwrite64"}),
	"pwritev2":  touches(userIO{shape: iovecs, ptr: 1, n: 2, single: "pwrite64", v2: true}),
	"recvmsg":   touches(userIO{shape: msgHeader, ptr: 1, written: true}),
	"sendmsg":   touches(userIO{shape: msgHeader, ptr: 1}),
	// A changed RLIMIT_STACK may let a main stack grow (userbuf.go).
	"setrlimit": stackLimit(0),
	"prlimit64": stackLimit(1),
}

// optional lists the wrapped syscalls an architecture may lack (ARM64 has
// no fork, vfork, open, creat, stat, lstat or access).
var optional = map[string]bool{"fork": true, "vfork": true, "open": true, "creat": true, "stat": true, "lstat": true, "access": true}

// replace is a wrap that does not use gVisor's handler.
func replace(fn kernel.SyscallFn) wrap { return func(kernel.SyscallFn) kernel.SyscallFn { return fn } }

// chain applies inner, then outer: outer's handler runs inner's.
func chain(inner, outer wrap) wrap {
	return func(orig kernel.SyscallFn) kernel.SyscallFn { return outer(inner(orig)) }
}

// Numbers of the syscalls gVisor does not have; the same on both
// architectures.
const (
	sysProcessMadvise = 440
	sysMseal          = 462
	sysKacsSetPSB     = 1005
)

// added lists the syscalls the Peios layer adds.
var added = map[uintptr]kernel.Syscall{
	sysMseal:          {Name: "mseal", Fn: mseal, SupportLevel: kernel.SupportFull, Note: "Peios memory sealing."},
	sysKacsSetPSB:     {Name: "kacs_set_psb", Fn: kacsSetPSB, SupportLevel: kernel.SupportFull, Note: "Peios process security block mitigations."},
	sysProcessMadvise: {Name: "process_madvise", Fn: processMadvise, SupportLevel: kernel.SupportPartial, Note: "Remote advice is a hint the Sentry cannot act on."},
	sysKacsGetSD:      {Name: "kacs_get_sd", Fn: kacsGetSD, SupportLevel: kernel.SupportPartial, Note: "Process (pidfd) and token (token handle) targets; no file targets."},
	sysKacsSetSD:      {Name: "kacs_set_sd", Fn: kacsSetSD, SupportLevel: kernel.SupportPartial, Note: "Process (pidfd) and token (token handle) targets; no file targets."},

	sysKacsOpenSelfToken:    {Name: "kacs_open_self_token", Fn: kacsOpenSelfToken, SupportLevel: kernel.SupportFull, Note: "Token handle on the calling thread's token."},
	sysKacsOpenProcessToken: {Name: "kacs_open_process_token", Fn: kacsOpenProcessToken, SupportLevel: kernel.SupportFull, Note: "Token handle on a process's primary token."},
	sysKacsOpenThreadToken:  {Name: "kacs_open_thread_token", Fn: kacsOpenThreadToken, SupportLevel: kernel.SupportFull, Note: "No impersonation: a thread's token is its process's."},
}

// Install puts the Peios handlers into gVisor's AMD64 and ARM64 tables. It
// must run before the kernel starts (before runsc's boot command creates
// it). Each replaced entry keeps its name, support level and trace point;
// only its handler changes.
func Install() error {
	for _, table := range []*kernel.SyscallTable{linux.AMD64, linux.ARM64} {
		for name, w := range wrapped {
			nr, err := table.LookupNo(name)
			if err != nil {
				if optional[name] {
					continue
				}
				return fmt.Errorf("installing the Peios handler for %s on %v: %w", name, table.Arch, err)
			}
			sc := table.Table[nr]
			sc.Fn = w(sc.Fn)
			table.Table[nr] = sc
		}
		for nr, sc := range added {
			if have, ok := table.Table[nr]; ok {
				return fmt.Errorf("syscall %d on %v is already %q; cannot add %q", nr, table.Arch, have.Name, sc.Name)
			}
			table.Table[nr] = sc
		}
		if table == linux.AMD64 {
			madviseHandler = table.Table[28].Fn
		}
		table.Init()
	}
	return nil
}
