package main

// Row is one benchmark row: a membench workload run with a fixed argument
// and iteration count.
type Row struct {
	// Name labels the row in the table and is matched by -run.
	Name string
	// Workload names the workload in membench.c's workloads[] table.
	Workload string
	// Arg is passed to the workload (e.g. the number of other VMAs mapped
	// for mprotect); 0 when the workload takes none.
	Arg int
	// Scale names what Arg measures (e.g. "VMA count"). When set, the
	// summary compares the ratio of this workload's largest-Arg row with its
	// smallest-Arg row to tell whether peios's overhead grows with Arg.
	Scale string
	// Iters is the number of timed iterations. Pick it so one run takes
	// about 0.3–1 s inside a systrap sandbox; membench adds a 10% warm-up
	// and reports the fastest of 15 equal batches.
	Iters int
	// PeiosFlags are global flags given to runsc-peios only (stock runsc
	// has no Peios flags), e.g. to measure strict commit accounting.
	PeiosFlags []string
}

const vmaCount = "VMA count"

// rows is the benchmark table, in print order. To add a row, add a workload
// to membench.c's workloads[] table and an entry here.
var rows = []Row{
	{Name: "mmap+touch+munmap 64KiB", Workload: "mmap_touch", Iters: 2500},
	{Name: "mprotect toggle, 10 VMAs", Workload: "mprotect", Arg: 10, Scale: vmaCount, Iters: 50000},
	{Name: "mprotect toggle, 1000 VMAs", Workload: "mprotect", Arg: 1000, Scale: vmaCount, Iters: 50000},
	{Name: "mprotect toggle, 10000 VMAs", Workload: "mprotect", Arg: 10000, Scale: vmaCount, Iters: 50000},
	{Name: "madvise DONTNEED 64KiB+retouch", Workload: "madvise_dontneed", Iters: 2500},
	{Name: "mremap grow 4KiB->64KiB+shrink", Workload: "mremap_grow", Iters: 150000},
	// Stock gVisor refuses PAGEOUT and POPULATE_WRITE with EINVAL (membench
	// accepts that); the POPULATE_WRITE row touches the pages afterwards,
	// so both runtimes fault the same memory in, by madvise or by faults.
	{Name: "madvise PAGEOUT 64KiB", Workload: "madvise_pageout", Iters: 100000},
	{Name: "madvise POPULATE_WRITE 64KiB+touch", Workload: "madvise_populate_write", Iters: 2500},
	{Name: "mmap+touch+munmap 64KiB, strict commit", Workload: "mmap_touch", Iters: 2500,
		PeiosFlags: []string{"--peios-commit=strict"}},
	// read and write are wrapped for stack growth and software keys
	// (pkg/sentry/syscalls/userbuf.go): the plain call, and the call whose
	// buffer is checked because a key is in use.
	{Name: "read 4KiB /dev/zero", Workload: "read_zero", Iters: 200000},
	{Name: "read 4KiB /dev/zero, software keys, a key in use", Workload: "read_zero", Arg: 1, Iters: 200000,
		PeiosFlags: []string{"--peios-pkeys=software"}},
}
