package mm

// What /proc shows of the Peios state (spec §19, §11.2, §14), added to the
// text gVisor generates (the syscalls package routes the files through
// these functions):
//
//	/proc/<pid>/smaps, .../task/<tid>/smaps   VmFlags gains sl (sealed),
//	    dd (dontdump), dc (dontfork), wf (wipeonfork), mg (mergeable),
//	    hg/nh (huge/no huge page, nh also for MAP_STACK), sr/rr (sequential
//	    / random), nr (noreserve), ht (hugetlb), dp (MAP_DROPPABLE); gVisor
//	    itself shows gd (grows down); with software keys (pkey.go) each
//	    VMA also has ProtectionKey, its key, before VmFlags as Linux prints
//	    it on a CPU with PKU
//	/proc/<pid>/status                         VmLck: the locked bytes
//	/proc/meminfo                              CommitLimit, Committed_AS
//	/proc/sys/vm/overcommit_memory             0 heuristic, 2 strict

import (
	"bytes"
	"fmt"
	"strconv"

	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/sentry/kernel"
	gmm "gvisor.dev/gvisor/pkg/sentry/mm"
)

// vmFlagNames are the smaps VmFlags of the Peios bits, in Linux's order
// (that of the VM_* bits).
var vmFlagNames = []struct {
	bit  uint64
	name string
}{
	{bitSeqRead, "sr"}, {bitRandRead, "rr"}, {bitDontFork, "dc"}, {bitNoReserve, "nr"},
	{bitHugetlb, "ht"}, {bitWipeOnFork, "wf"}, {bitDontDump, "dd"}, {bitHugePage, "hg"},
	{bitNoHugePage, "nh"}, {bitMergeable, "mg"}, {bitDroppable, "dp"}, {bitSealed, "sl"},
}

// Smaps adds the Peios lines of the VMAs of m, the address space of t, to
// text, gVisor's smaps.
func Smaps(t *kernel.Task, m *gmm.MemoryManager, text []byte) []byte {
	keys := softKeys(t)
	var out bytes.Buffer
	out.Grow(len(text) + len(text)/16)
	var mask uint64
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		if start, ok := vmaHeader(line); ok {
			mask = 0
			if _, nm, err := m.NumaPolicy(start); err == nil {
				mask = nm
			}
		}
		if keys && bytes.HasPrefix(line, []byte("VmFlags:")) {
			fmt.Fprintf(&out, "ProtectionKey:  %8d\n", mask&pkeyBits>>pkeyShift)
		}
		if !bytes.HasPrefix(line, []byte("VmFlags:")) || mask == 0 {
			out.Write(line)
			continue
		}
		out.Write(bytes.TrimRight(line, "\n"))
		if !bytes.HasSuffix(line, []byte(" \n")) {
			out.WriteByte(' ')
		}
		for _, f := range vmFlagNames {
			if mask&f.bit != 0 {
				out.WriteString(f.name)
				out.WriteByte(' ')
			}
		}
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// vmaHeader parses the start address of an smaps entry's first line
// ("start-end perms ...").
func vmaHeader(line []byte) (hostarch.Addr, bool) {
	dash := bytes.IndexByte(line, '-')
	sp := bytes.IndexByte(line, ' ')
	if dash <= 0 || sp < dash {
		return 0, false
	}
	start, err := strconv.ParseUint(string(line[:dash]), 16, 64)
	return hostarch.Addr(start), err == nil
}

// Status adds VmLck, the locked bytes of m, to text, gVisor's
// /proc/<pid>/status, after VmSize as Linux orders it.
func Status(m *gmm.MemoryManager, text []byte) []byte {
	var locked uint64
	for _, v := range (Space{m: m}).collect(everything, nil) {
		if v.locked() && !v.hugetlb() {
			locked += uint64(v.ar.Length())
		}
	}
	line := fmt.Sprintf("VmLck:\t%d kB\n", locked>>10)
	i := bytes.Index(text, []byte("VmSize:"))
	if i < 0 {
		return text
	}
	end := bytes.IndexByte(text[i:], '\n')
	if end < 0 {
		return text
	}
	at := i + end + 1
	out := make([]byte, 0, len(text)+len(line))
	out = append(out, text[:at]...)
	out = append(out, line...)
	return append(out, text[at:]...)
}

// Meminfo adds CommitLimit and Committed_AS to text, gVisor's
// /proc/meminfo.
func Meminfo(k *kernel.Kernel, text []byte) []byte {
	return fmt.Appendf(text, "CommitLimit:    %8d kB\nCommitted_AS:   %8d kB\n", CommitLimit(k)>>10, Committed()>>10)
}

// OvercommitMemory returns /proc/sys/vm/overcommit_memory: 0 for the
// heuristic policy, 2 for strict.
func OvercommitMemory() []byte {
	if strictCommit() {
		return []byte("2\n")
	}
	return []byte("0\n")
}
