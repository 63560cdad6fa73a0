package mm

// brk growth and shrinking (spec §8.12 MCL_FUTURE, §11.2): brk reports no
// errno, so a refusal leaves the break where it was.
//
//	growth under MCL_FUTURE past RLIMIT_MEMLOCK without the privilege -> break kept
//	growth past the strict commit limit                             -> break kept
//
// The grown part is locked under MCL_FUTURE and charged in strict mode; a
// shrink releases the charge of what it removes.

import (
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	"gvisor.dev/gvisor/pkg/sentry/memmap"
)

// brkOp is a brk in progress.
type brkOp struct {
	need, released uint64
	mode           memmap.MLockMode // of the grown part
	bits           uint64           // of the grown part: lock and charge
}

// beginBrk checks moving the break's page from curPage to cover addr; ok
// is false if the break must stay.
//
// Preconditions: s is locked.
func (s Space) beginBrk(t *kernel.Task, curPage, addr hostarch.Addr) (op brkOp, ok bool) {
	newPage, ok := addr.RoundUp()
	if !ok {
		return op, true // gVisor refuses it.
	}
	if newPage < curPage {
		op.released = s.accountedSpan(hostarch.AddrRange{Start: newPage, End: curPage})
		beginRelease(op.released)
		return op, true
	}
	if newPage == curPage {
		return op, true
	}
	size := uint64(newPage - curPage)
	op.mode = newLockMode(processOf(t), false)
	if op.mode != memmap.MLockNone && s.newLockRefused(t, size, false, hostarch.AddrRange{}) != nil {
		return op, false
	}
	op.bits = lockBitsFor(op.mode)
	if strictCommit() {
		if reserve(t, size) != nil {
			return op, false
		}
		op.need = size
		op.bits |= bitAccounted
	}
	return op, true
}

// end settles the charge of a brk that moved the break's page from curPage
// to gotPage.
func (op brkOp) end(curPage, gotPage hostarch.Addr) {
	settle(op.need, 0, gotPage > curPage)
	endRelease(op.released, gotPage < curPage)
}
