package mm

// Commit accounting (spec §11, DECISIONS D3), per sandbox.
//
// Policies (--peios-commit, annotation dev.peios.mm/commit):
//
//	heuristic (default)  charged on first touch: Committed_AS is the memory
//	                     the sandbox's address spaces have resident; only a
//	                     single accountable request larger than the commit
//	                     limit is refused                      -> ENOMEM
//	strict               charged at the mapping call; a call that would take
//	                     Committed_AS past the limit fails up front and
//	                     changes nothing                       -> ENOMEM
//
// The limit is --peios-commit-limit / dev.peios.mm/commit-limit (bytes),
// else the sandbox's memory size (MemTotal).
//
// A VMA is accountable when it is private and writable, or shared
// anonymous, and neither MAP_NORESERVE (whatever the policy, §11.3) nor
// hugetlb. In strict mode an accountable VMA carries bitAccounted and is
// charged its size:
//
//	mmap                        +size, checked
//	mprotect adding PROT_WRITE  +size of the affected uncharged parts, checked
//	mremap growth, duplication  +added size, checked
//	brk growth                  +added size, checked (brk keeps the break)
//	fork                        the child: +every charged VMA it inherits,
//	                            checked (fork.go)
//	exec                        the new image's writable private VMAs are
//	                            charged when exec completes (not checked)
//	munmap, mremap shrink, MAP_FIXED replacement, brk shrink: -removed part
//	exit, exec, SIGKILL         the address space is gone: nothing to release
//
// How the total is kept: the truth is the bitAccounted VMAs of the live
// address spaces. bound is an upper bound of it, raised by every charge and
// lowered by every release this layer makes; it does not see an address
// space die (exit, exec, SIGKILL), so it only drifts up. When a charge
// would pass the limit by bound, and whenever Committed_AS is reported,
// bound is recounted from the VMAs of every live address space. A charge
// is in flight from its check until its VMAs carry the bit, and a release
// from before its VMAs lose the bit until bound is lowered: a recount adds
// both, so it can never fall below the truth while other address spaces
// change concurrently.

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gvisor.dev/gvisor/pkg/errors/linuxerr"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
	"gvisor.dev/gvisor/pkg/sentry/usage"
)

// CommitPolicy is the sandbox's commit-accounting policy (D3).
type CommitPolicy int

const (
	// CommitHeuristic charges on first touch and refuses only absurd
	// requests. The default.
	CommitHeuristic CommitPolicy = iota
	// CommitStrict reserves at the mapping call and fails up front.
	CommitStrict
)

// String returns the flag and annotation spelling of p.
func (p CommitPolicy) String() string {
	switch p {
	case CommitHeuristic:
		return "heuristic"
	case CommitStrict:
		return "strict"
	}
	return fmt.Sprintf("CommitPolicy(%d)", int(p))
}

// ParseCommitPolicy parses the value of --peios-commit or the
// dev.peios.mm/commit annotation.
func ParseCommitPolicy(s string) (CommitPolicy, error) {
	switch s {
	case "heuristic":
		return CommitHeuristic, nil
	case "strict":
		return CommitStrict, nil
	}
	return 0, fmt.Errorf("%q is not a commit policy; accepted: heuristic, strict", s)
}

// ParseCommitLimit parses the value of --peios-commit-limit or the
// dev.peios.mm/commit-limit annotation: a positive number of bytes,
// optionally with a binary suffix K, M, G or T (KiB, ...).
func ParseCommitLimit(s string) (uint64, error) {
	num, shift := s, uint(0)
	if n := len(s); n > 0 {
		switch strings.ToUpper(s[n-1:]) {
		case "K":
			num, shift = s[:n-1], 10
		case "M":
			num, shift = s[:n-1], 20
		case "G":
			num, shift = s[:n-1], 30
		case "T":
			num, shift = s[:n-1], 40
		}
	}
	v, err := strconv.ParseUint(num, 10, 64)
	if err != nil || v == 0 || v > (^uint64(0))>>shift {
		return 0, fmt.Errorf("%q is not a commit limit; accepted: a positive number of bytes, optionally with K, M, G or T", s)
	}
	return v << shift, nil
}

// commit is the sandbox's strict-mode account. mu is taken after any
// address-space lock and before gVisor's mm locks (doc.go).
var commit struct {
	mu sync.Mutex
	// bound, inflight and releasing are in bytes; see the file comment.
	bound     uint64
	inflight  uint64
	releasing uint64
}

// sandboxPolicy returns the sandbox-wide policy.
func sandboxPolicy() Policy { return policies.Sandbox() }

// strictCommit reports whether the sandbox accounts strictly.
func strictCommit() bool { return sandboxPolicy().Commit == CommitStrict }

// memTotal returns the sandbox's memory size, as /proc/meminfo's MemTotal.
func memTotal(k *kernel.Kernel) uint64 {
	_, used := usage.MemoryAccounting.Copy()
	return usage.TotalMemory(k.MemoryFile().TotalSize(), used)
}

// CommitLimit returns the sandbox's commit limit in bytes.
func CommitLimit(k *kernel.Kernel) uint64 {
	if l := sandboxPolicy().CommitLimit; l != 0 {
		return l
	}
	return memTotal(k)
}

// accountable reports whether a mapping with the given kind bits (see
// vmaflags.go, plus bitNoReserve and bitHugetlb) and protection is charged
// in strict mode.
func accountable(bits uint64, writable bool) bool {
	if bits&(bitNoReserve|bitHugetlb|bitSpecial) != 0 {
		return false
	}
	if bits&bitShared != 0 {
		return bits&bitFile == 0
	}
	return writable
}

// heuristicRefuses applies the heuristic policy's one check to an
// accountable request of size bytes (§22 #5). The limit is only read for
// requests that could exceed any sandbox, keeping mmap cheap.
func heuristicRefuses(k *kernel.Kernel, size uint64) error {
	const cheap = 1 << 30
	if size > cheap && size > CommitLimit(k) {
		return linuxerr.ENOMEM
	}
	return nil
}

// reserve charges need bytes for a change about to replace released bytes
// of charged VMAs (MAP_FIXED): ENOMEM if that would take the sandbox past
// the limit. On success the charge is in flight and the release pending
// until settle.
func reserve(t *kernel.Task, need uint64) error {
	return reserveReplacing(t, need, 0)
}

// reserveReplacing is reserve for a change that also removes released
// bytes of charged VMAs.
func reserveReplacing(t *kernel.Task, need, released uint64) error {
	if need == 0 && released == 0 {
		return nil
	}
	limit := CommitLimit(t.Kernel())
	commit.mu.Lock()
	defer commit.mu.Unlock()
	over := func() bool {
		after := commit.bound - min(released, commit.bound) + need
		return after < need || after > limit
	}
	if need > released && over() {
		recountLocked()
		if over() {
			return linuxerr.ENOMEM
		}
	}
	commit.bound += need
	commit.inflight += need
	commit.releasing += released
	return nil
}

// settle ends a reservation: its charge is now in VMA bits (or, if done is
// false, given back), and its release has happened (or not).
func settle(need, released uint64, done bool) {
	if need == 0 && released == 0 {
		return
	}
	commit.mu.Lock()
	defer commit.mu.Unlock()
	commit.inflight -= need
	commit.releasing -= released
	if !done {
		released = 0
		commit.bound -= min(need, commit.bound)
	}
	commit.bound -= min(released, commit.bound)
}

// settled and unreserve end a reservation without a release.
func settled(need uint64)   { settle(need, 0, true) }
func unreserve(need uint64) { settle(need, 0, false) }

// beginRelease and endRelease bracket a change that removes released bytes
// of charged VMAs without charging anything (munmap, mremap shrink).
func beginRelease(released uint64) {
	if released != 0 {
		commit.mu.Lock()
		commit.releasing += released
		commit.mu.Unlock()
	}
}

func endRelease(released uint64, done bool) { settle(0, released, done) }

// chargeUnchecked charges n bytes that are already in VMA bits (exec's
// image).
func chargeUnchecked(n uint64) {
	if n != 0 {
		commit.mu.Lock()
		commit.bound += n
		commit.mu.Unlock()
	}
}

// recountLocked sets bound from the charged VMAs of every live address
// space, plus the charges in flight and the releases pending.
//
// Preconditions: commit.mu is locked.
func recountLocked() {
	var exact uint64
	locks.Range(func(_, v any) bool {
		if m := v.(*spaceLock).self.Value(); m != nil {
			exact += accountedIn(m)
		}
		return true
	})
	commit.bound = exact + commit.inflight + commit.releasing
}

// accountedIn returns the size of the charged VMAs of m. It takes no
// Peios lock: m may be changing, and every change in progress is counted
// by inflight or releasing, so the walk only has to see each VMA that no
// change touches.
func accountedIn(m *gmm.MemoryManager) uint64 {
	var n uint64
	for a := hostarch.Addr(0); a < TaskSize; {
		vr, err := m.FindVMARange(a)
		if err != nil {
			next, ok := (Space{m: m}).nextMapped(a, TaskSize)
			if !ok || next <= a {
				break
			}
			a = next
			continue
		}
		if _, mask, err := m.NumaPolicy(a); err == nil && mask&bitAccounted != 0 {
			n += uint64(vr.End - max(vr.Start, a))
		}
		a = vr.End
	}
	return n
}

// Committed returns the sandbox's Committed_AS in bytes: in strict mode the
// charged VMAs of the live address spaces and the charges in flight, in
// heuristic mode their resident memory.
func Committed() uint64 {
	if !strictCommit() {
		var n uint64
		locks.Range(func(_, v any) bool {
			if m := v.(*spaceLock).self.Value(); m != nil {
				n += m.ResidentSetSize()
			}
			return true
		})
		return n
	}
	commit.mu.Lock()
	defer commit.mu.Unlock()
	recountLocked()
	return commit.bound - commit.releasing
}

// accountedSpan returns the charged bytes of the VMAs in ar, in strict
// mode; 0 otherwise.
//
// Preconditions: s is locked.
func (s Space) accountedSpan(ar hostarch.AddrRange) uint64 {
	if !strictCommit() || ar.Length() == 0 {
		return 0
	}
	var buf [8]vma
	return accountedOf(s.collect(ar, buf[:0]))
}

// accountedOf returns the charged bytes of vs, in strict mode.
func accountedOf(vs []vma) uint64 {
	var n uint64
	if strictCommit() {
		for _, v := range vs {
			if v.accounted() {
				n += uint64(v.ar.Length())
			}
		}
	}
	return n
}

// release brackets do, which removes charged VMAs holding released bytes
// (munmap, shmdt, io_destroy), with the release of their charges.
func release(released uint64, do func() error) error {
	beginRelease(released)
	err := do()
	endRelease(released, err == nil)
	return err
}

// adoptCharge returns bitAccounted for a VMA adopted with the given kind
// and protection bits, in strict mode, and charges it (unchecked: the VMA
// exists already).
func adoptCharge(bits uint64, length uint64) uint64 {
	if !strictCommit() || !accountable(bits, bits&bitWrite != 0) {
		return 0
	}
	chargeUnchecked(length)
	return bitAccounted
}

// imageLoaded charges the image exec just loaded, in strict mode: its VMAs
// are adopted, and the accountable ones charged (they exist already, so
// nothing is refused).
func imageLoaded(t *kernel.Task) {
	if !strictCommit() {
		return
	}
	s := lock(t)
	defer s.Unlock()
	s.adopt(t)
}

// protectCharge returns the strict-mode charge of giving the VMAs vs
// protection at: the uncharged private ones that become writable (§11.2).
func protectCharge(vs []vma, at hostarch.AccessType) uint64 {
	var n uint64
	for _, v := range vs {
		if chargedAfter(v, at) != 0 && !v.accounted() {
			n += uint64(v.ar.Length())
		}
	}
	return n
}

// chargedAfter returns the bitAccounted v has after mprotect to at: it
// keeps a charge it has (removing PROT_WRITE keeps the reservation), and
// gains one if it becomes accountable, in strict mode.
func chargedAfter(v vma, at hostarch.AccessType) uint64 {
	if v.accounted() || strictCommit() && accountable(v.mask, at.Write) {
		return bitAccounted
	}
	return 0
}
