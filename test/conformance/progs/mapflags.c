/*
 * mapflags.c - the mmap flags of spec §9 and their errno precedence (§8.1):
 * MAP_SHARED_VALIDATE (EOPNOTSUPP), MAP_TYPE values, MAP_SYNC, MAP_HUGETLB
 * sizes, rounding, alignment and the hugetlb rules of §15, MAP_32BIT,
 * MAP_STACK, MAP_POPULATE/MAP_NONBLOCK, MAP_FIXED_NOREPLACE,
 * MAP_GROWSDOWN, MAP_NORESERVE, MAP_DROPPABLE. MAP_LOCKED: mlock.c;
 * MAP_UNINITIALIZED: mmap_flags.c; commit accounting: commit.c; growth of
 * MAP_GROWSDOWN mappings: growsdown.c.
 *
 * MAP_HUGETLB needs a huge page pool on Linux (the test host has none, so
 * there it fails ENOMEM); the sandbox backs it with its memory. The checks
 * that need a mapping run only where a pool exists; the errno checks that
 * come before the pool is asked run everywhere.
 *
 * Usage: mapflags
 */
#include "check.h"
#include "mm_util.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int memfd(size_t pages)
{
	int fd = syscall(SYS_memfd_create, "peios-mapflags", 0);

	if (fd >= 0 && ftruncate(fd, pages * PG) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- MAP_SHARED_VALIDATE and MAP_TYPE (§8.1 5j, 5k) ---- */

static void map_types(void)
{
	int fd = memfd(2);
	void *p;
	unsigned char *q;

	SETUP("setup_memfd", fd >= 0);
	if (fd < 0)
		return;
	EXPECT_MAP_ERR("shared_validate_anon_einval_9", mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0),
		       EINVAL);
	p = mmap(NULL, PG, RW, MAP_SHARED_VALIDATE, fd, 0);
	EXPECT_MAP_OK("shared_validate_file_ok_9", p);
	if (p != MAP_FAILED) {
		((unsigned char *)p)[0] = 0x5a;
		EXPECT_TRUE("shared_validate_is_shared_9", perms_is(p, "rw-s"));
		munmap(p, PG);
	}
	EXPECT_MAP_ERR("shared_validate_sync_eopnotsupp_9", mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0),
		       EOPNOTSUPP);
	EXPECT_MAP_ERR("shared_validate_unknown_bit_eopnotsupp_9",
		       mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | 0x200, fd, 0), EOPNOTSUPP);
	EXPECT_MAP_ERR("shared_validate_bit31_eopnotsupp_9",
		       mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | 0x80000000u, fd, 0), EOPNOTSUPP);
	q = reserve(1);
	EXPECT_MAP_ERR("shared_validate_noreplace_free_eopnotsupp_9",
		       mmap(q, PG, RW, MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE, fd, 0), EOPNOTSUPP);
	EXPECT_TRUE("shared_validate_refused_nothing_mapped_8.1", perms_is(q, "none"));
	q = map_anon(1, RW);
	SETUP("setup_existing", q);
	if (q) {
		q[0] = 0x21;
		EXPECT_MAP_ERR("shared_validate_noreplace_overlap_eexist_first_8.1.5h",
			       mmap(q, PG, RW, MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE, fd, 0), EEXIST);
		EXPECT_MAP_ERR("shared_validate_sync_fixed_eopnotsupp_9",
			       mmap(q, PG, RW, MAP_SHARED_VALIDATE | MAP_SYNC | MAP_FIXED, fd, 0), EOPNOTSUPP);
		EXPECT_TRUE("shared_validate_refused_old_mapping_kept_0.1", perms_is(q, "rw-p") && q[0] == 0x21);
		munmap(q, PG);
	}
	p = mmap(NULL, PG, RW, MAP_SHARED | MAP_SYNC, fd, 0);
	EXPECT_MAP_OK("shared_sync_ignored_ok_9", p);
	if (p != MAP_FAILED)
		munmap(p, PG);
	p = mmap(NULL, PG, RW, MAP_PRIVATE | MAP_SYNC, fd, 0);
	EXPECT_MAP_OK("private_sync_ignored_ok_9", p);
	if (p != MAP_FAILED)
		munmap(p, PG);
	p = mmap(NULL, PG, RW, ANON | MAP_SYNC, -1, 0);
	EXPECT_MAP_OK("anon_sync_ignored_ok_9", p);
	if (p != MAP_FAILED)
		munmap(p, PG);

	for (int type = 0; type <= 0xf; type++) {
		if (type == MAP_SHARED || type == MAP_PRIVATE || type == MAP_SHARED_VALIDATE || type == 0x08)
			continue; /* 0x08 is MAP_DROPPABLE: droppable() */
		EXPECT_MAP_ERR(nm("type_%#x_anon_einval_8.1.5k", type), mmap(NULL, PG, RW, type | MAP_ANONYMOUS, -1, 0),
			       EINVAL);
		EXPECT_MAP_ERR(nm("type_%#x_file_einval_8.1.5j", type), mmap(NULL, PG, RW, type, fd, 0), EINVAL);
	}
	/* Precedence: the fd (2) and placement (5) come first. */
	EXPECT_MAP_ERR("type_0_bad_fd_ebadf_first_8.1.2", mmap(NULL, PG, RW, 0, -1, 0), EBADF);
	EXPECT_MAP_ERR("type_0_huge_length_enomem_first_8.1.5g",
		       mmap(NULL, 1UL << 47, PROT_READ, MAP_ANONYMOUS, -1, 0), ENOMEM);
	q = map_anon(1, RW);
	if (q) {
		EXPECT_MAP_ERR("type_0_noreplace_overlap_eexist_first_8.1.5h",
			       mmap(q, PG, RW, MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
		q[0] = 0x31;
		EXPECT_MAP_ERR("type_0_fixed_over_mapping_einval_8.1.5k",
			       mmap(q, PG, RW, MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
		EXPECT_TRUE("type_0_refused_old_mapping_kept_0.1", perms_is(q, "rw-p") && q[0] == 0x31);
		munmap(q, PG);
	}
	EXPECT_MAP_ERR("type_0_len0_einval_8.1.5a", mmap(NULL, 0, RW, MAP_ANONYMOUS, -1, 0), EINVAL);
	close(fd);
}

/* ---- MAP_HUGETLB (§8.1 step 2, §9, §15) ---- */

static void hugetlb(void)
{
	int pool = hugetlb_pool(), fd = memfd(1);
	unsigned char *p, *base;

	INFO("hugetlb pool: %s", pool ? "yes" : "no (Linux without nr_hugepages)");
	EXPECT_MAP_ERR("hugetlb_size_code_22_einval_8.1.2",
		       mmap(NULL, HUGE_2M, RW, ANON | MAP_HUGETLB | (22 << 26), -1, 0), EINVAL);
	EXPECT_MAP_ERR("hugetlb_size_code_31_einval_8.1.2",
		       mmap(NULL, HUGE_2M, RW, ANON | MAP_HUGETLB | (31u << 26), -1, 0), EINVAL);
	EXPECT_MAP_ERR("hugetlb_file_einval_8.1.2", mmap(NULL, HUGE_2M, RW, MAP_PRIVATE | MAP_HUGETLB, fd, 0), EINVAL);
	EXPECT_MAP_ERR("hugetlb_bad_fd_ebadf_first_8.1.2",
		       mmap(NULL, HUGE_2M, RW, MAP_PRIVATE | MAP_HUGETLB | (22 << 26), -1, 0), EBADF);
	base = huge_free(2, HUGE_2M);
	EXPECT_MAP_ERR("hugetlb_fixed_not_huge_aligned_einval_8.1.5g",
		       mmap(base + PG, HUGE_2M, RW, ANON | MAP_HUGETLB | MAP_FIXED, -1, 0), EINVAL);
	EXPECT_MAP_ERR("hugetlb_noreplace_not_huge_aligned_einval_8.1.5g",
		       mmap(base + PG, HUGE_2M, RW, ANON | MAP_HUGETLB | MAP_FIXED_NOREPLACE, -1, 0), EINVAL);
	EXPECT_MAP_ERR("hugetlb_growsdown_einval_8.1.5k",
		       mmap(NULL, HUGE_2M, RW, ANON | MAP_HUGETLB | MAP_GROWSDOWN, -1, 0), EINVAL);
	close(fd);
	if (!pool) {
		EXPECT_MAP_ERR("hugetlb_no_pool_enomem_15", mmap(NULL, PG, RW, ANON | MAP_HUGETLB, -1, 0), ENOMEM);
		return;
	}

	p = mmap(NULL, PG, RW, ANON | MAP_HUGETLB, -1, 0);
	EXPECT_MAP_OK("hugetlb_default_2mb_ok_15", p);
	if (p != MAP_FAILED) {
		EXPECT_TRUE("hugetlb_2mb_address_aligned_15", ((uintptr_t)p & (HUGE_2M - 1)) == 0);
		EXPECT_EQ("hugetlb_2mb_length_rounded_up_15", vma_length(p), HUGE_2M);
		memset(p, 0x41, HUGE_2M);
		EXPECT_TRUE("hugetlb_2mb_usable_15", filled(p, HUGE_2M, 0x41));
		EXPECT_TRUE("hugetlb_smaps_ht_19", has_flag(p, "ht"));
		EXPECT_ERR("hugetlb_munmap_split_einval_8.2.3", munmap(p, PG), EINVAL);
		EXPECT_ERR("hugetlb_munmap_tail_split_einval_8.2.3", munmap(p + PG, HUGE_2M - PG), EINVAL);
		EXPECT_ERR("hugetlb_mprotect_split_einval_8.4.8g", mprotect(p, PG, PROT_READ), EINVAL);
		EXPECT_OK("hugetlb_mprotect_whole_ok_8.4", mprotect(p, HUGE_2M, PROT_READ));
		EXPECT_ERR("hugetlb_mseal_split_einval_8.11.6", sys_mseal(p + PG, PG, 0), EINVAL);
		EXPECT_ERR("hugetlb_dontneed_unaligned_einval_10.1", madvise(p + PG, PG, MADV_DONTNEED), EINVAL);
		EXPECT_OK("hugetlb_dontneed_aligned_ok_10.1", madvise(p, PG, MADV_DONTNEED));
		EXPECT_TRUE("hugetlb_dontneed_whole_huge_page_zeroed_10.1", filled(p, HUGE_2M, 0));
		EXPECT_ERR("hugetlb_cold_einval_10.1", madvise(p, HUGE_2M, MADV_COLD), EINVAL);
		EXPECT_ERR("hugetlb_pageout_einval_10.1", madvise(p, HUGE_2M, MADV_PAGEOUT), EINVAL);
		EXPECT_ERR("hugetlb_free_einval_10.1", madvise(p, HUGE_2M, MADV_FREE), EINVAL);
		EXPECT_ERR("hugetlb_wipeonfork_einval_10.4", madvise(p, HUGE_2M, MADV_WIPEONFORK), EINVAL);
		EXPECT_ERR("hugetlb_private_remove_eacces_10.1", madvise(p, HUGE_2M, MADV_REMOVE), EACCES);
		EXPECT_ERR("hugetlb_collapse_einval_10.7", madvise(p, HUGE_2M, MADV_COLLAPSE), EINVAL);
		EXPECT_OK("hugetlb_hugepage_ok_10.7", madvise(p, HUGE_2M, MADV_HUGEPAGE));
		EXPECT_OK("hugetlb_mergeable_ok_10.6", madvise(p, HUGE_2M, MADV_MERGEABLE));
		EXPECT_TRUE("hugetlb_mergeable_not_recorded_10.6", !has_flag(p, "mg"));
		EXPECT_OK("hugetlb_mlock_ok_15", mlock(p, PG));
		EXPECT_EQ("hugetlb_mlock_not_counted_15", field_kb("/proc/self/status", "VmLck"), 0);
		EXPECT_MAP_ERR("hugetlb_mremap_grow_einval_8.3.6",
			       mremap(p, HUGE_2M, 2 * HUGE_2M, MREMAP_MAYMOVE), EINVAL);
		EXPECT_MAP_AT("hugetlb_mremap_same_rounded_noop_8.3.6", mremap(p, HUGE_2M, HUGE_2M - PG, 0), p);
		EXPECT_EQ("hugetlb_mremap_rounded_length_kept_8.3.6", vma_length(p), HUGE_2M);
		EXPECT_OK("hugetlb_munmap_whole_ok_8.2", munmap(p, HUGE_2M));
		EXPECT_TRUE("hugetlb_munmap_removed_8.2", perms_is(p, "none"));
	}
	p = mmap(NULL, 3 * HUGE_2M, RW, ANON | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	EXPECT_MAP_OK("hugetlb_explicit_2mb_ok_15", p);
	if (p != MAP_FAILED) {
		EXPECT_OK("hugetlb_munmap_middle_aligned_ok_8.2", munmap(p + HUGE_2M, HUGE_2M));
		munmap(p, 3 * HUGE_2M);
	}
	p = mmap(NULL, HUGE_2M, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	EXPECT_MAP_OK("hugetlb_shared_ok_15", p);
	if (p != MAP_FAILED)
		munmap(p, HUGE_2M);
	p = mmap(NULL, HUGE_2M, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	EXPECT_MAP_OK("hugetlb_shared_validate_anon_ok_9", p);
	if (p != MAP_FAILED)
		munmap(p, HUGE_2M);
	base = huge_free(1, HUGE_2M);
	p = mmap(base, HUGE_2M, RW, ANON | MAP_HUGETLB | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT_MAP_AT("hugetlb_fixed_aligned_ok_15", p, base);
	if (p == base)
		munmap(p, HUGE_2M);
	p = mmap(NULL, PG, RW, ANON | MAP_HUGETLB | MAP_HUGE_1GB | MAP_NORESERVE, -1, 0);
	EXPECT_MAP_OK("hugetlb_1gb_ok_15", p);
	if (p != MAP_FAILED) {
		EXPECT_TRUE("hugetlb_1gb_address_aligned_15", ((uintptr_t)p & (HUGE_1G - 1)) == 0);
		EXPECT_EQ("hugetlb_1gb_length_rounded_up_15", vma_length(p), HUGE_1G);
		munmap(p, HUGE_1G);
	}
}

/* ---- MAP_32BIT, MAP_STACK, MAP_POPULATE, MAP_NONBLOCK, NOREPLACE,
 * MAP_GROWSDOWN, MAP_NORESERVE (§9) ---- */

static void others(void)
{
	int fd = memfd(1);
	unsigned char *p, *q;

	p = mmap(NULL, 4 * PG, RW, ANON | MAP_32BIT, -1, 0);
	EXPECT_MAP_OK("map_32bit_ok_9", p);
	EXPECT_TRUE("map_32bit_below_2gib_9", p != MAP_FAILED && (uintptr_t)p + 4 * PG <= 0x80000000UL);
	if (p != MAP_FAILED)
		munmap(p, 4 * PG);
	/* A free hint ending below 2 GiB is honoured, even below 1 GiB. */
	p = mmap((void *)0x30000000, 2 * PG, RW, ANON | MAP_32BIT, -1, 0);
	EXPECT_MAP_AT("map_32bit_free_hint_below_1gib_honoured_8.1.5g", p, 0x30000000);
	if (p != MAP_FAILED)
		munmap(p, 2 * PG);
	p = mmap((void *)0x200000000UL, PG, RW, ANON | MAP_32BIT, -1, 0);
	EXPECT_TRUE("map_32bit_hint_above_2gib_ignored_8.1.5g", p != MAP_FAILED && (uintptr_t)p + PG <= 0x80000000UL);
	if (p != MAP_FAILED)
		munmap(p, PG);
	q = reserve(1);
	p = mmap(q, PG, RW, ANON | MAP_32BIT | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT_MAP_AT("map_32bit_ignored_with_fixed_9", p, q);
	if (p != MAP_FAILED)
		munmap(p, PG);

	p = mmap(NULL, 4 * PG, RW, ANON | MAP_STACK, -1, 0);
	EXPECT_MAP_OK("map_stack_ok_9", p);
	if (p != MAP_FAILED) {
		EXPECT_TRUE("map_stack_smaps_nh_19", has_flag(p, "nh"));
		munmap(p, 4 * PG);
	}
	p = mmap(NULL, 4 * PG, RW, ANON | MAP_POPULATE, -1, 0);
	EXPECT_MAP_OK("map_populate_ok_9", p);
	if (p != MAP_FAILED)
		munmap(p, 4 * PG);
	p = mmap(NULL, PG, RW, MAP_SHARED | MAP_POPULATE | MAP_NONBLOCK, fd, 0);
	EXPECT_MAP_OK("map_populate_nonblock_ok_9", p);
	if (p != MAP_FAILED)
		munmap(p, PG);
	p = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	EXPECT_MAP_OK("map_populate_beyond_eof_errors_ignored_8.1.7", p);
	if (p != MAP_FAILED)
		munmap(p, 2 * PG);

	q = map_anon(2, RW);
	if (q) {
		EXPECT_MAP_ERR("noreplace_overlap_eexist_9", mmap(q + PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			       EEXIST);
		EXPECT_MAP_ERR("noreplace_unaligned_einval_9", mmap(q + 1, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			       EINVAL);
		munmap(q, 2 * PG);
	}

	p = mmap(NULL, 4 * PG, RW, ANON | MAP_GROWSDOWN, -1, 0);
	EXPECT_MAP_OK("growsdown_private_anon_ok_9", p);
	if (p != MAP_FAILED) {
		EXPECT_TRUE("growsdown_smaps_gd_19", has_flag(p, "gd"));
		EXPECT_OK("growsdown_mprotect_prot_growsdown_ok_8.4", mprotect(p + 2 * PG, PG, PROT_READ | PROT_GROWSDOWN));
		EXPECT_TRUE("growsdown_mprotect_reaches_start_8.4", perms_is(p, "r--p"));
		munmap(p, 4 * PG);
	}
	EXPECT_MAP_ERR("growsdown_shared_anon_einval_9",
		       mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0), EINVAL);
	EXPECT_MAP_ERR("growsdown_file_einval_9", mmap(NULL, PG, RW, MAP_PRIVATE | MAP_GROWSDOWN, fd, 0), EINVAL);

	p = mmap(NULL, 4 * PG, RW, ANON | MAP_NORESERVE, -1, 0);
	EXPECT_MAP_OK("noreserve_ok_9", p);
	if (p != MAP_FAILED) {
		EXPECT_TRUE("noreserve_smaps_nr_19", has_flag(p, "nr"));
		memset(p, 1, 4 * PG);
		munmap(p, 4 * PG);
	}
	p = mmap(NULL, PG, RW, ANON | MAP_DENYWRITE | MAP_EXECUTABLE, -1, 0);
	EXPECT_MAP_OK("denywrite_executable_ignored_ok_9", p);
	if (p != MAP_FAILED)
		munmap(p, PG);
	close(fd);
}

/* ---- MAP_DROPPABLE (§8.1 5k, §9, §8.12, §10.4-10.6) ---- */

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#define DROP (MAP_DROPPABLE | MAP_ANONYMOUS)

/* wiped_in_child checks, in a forked child, that p reads as zero. */
static void wiped_in_child(void *arg)
{
	EXPECT_TRUE("droppable_fork_child_wiped_9", filled(arg, 4 * PG, 0));
}

static void droppable(void)
{
	int fd = memfd(1);
	unsigned char *p, *q;
	struct rlimit rl;

	/* A known lock limit, so that MAP_LOCKED meets no EPERM or EAGAIN
	 * before the map type's EINVAL (§8.1 5i, 5k). */
	getrlimit(RLIMIT_MEMLOCK, &rl);
	rl.rlim_cur = 64 * PG;
	SETUP("setup_memlock", (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 64 * PG) || setrlimit(RLIMIT_MEMLOCK, &rl) == 0);

	/* Refused: a file, locked, grows-down or hugetlb (§8.1 5j, 5k). */
	EXPECT_MAP_ERR("droppable_file_einval_8.1.5j", mmap(NULL, PG, RW, MAP_DROPPABLE, fd, 0), EINVAL);
	EXPECT_MAP_ERR("droppable_bad_fd_ebadf_first_8.1.2", mmap(NULL, PG, RW, MAP_DROPPABLE, -1, 0), EBADF);
	EXPECT_MAP_ERR("droppable_locked_einval_8.1.5k", mmap(NULL, PG, RW, DROP | MAP_LOCKED, -1, 0), EINVAL);
	EXPECT_MAP_ERR("droppable_growsdown_einval_8.1.5k", mmap(NULL, PG, RW, DROP | MAP_GROWSDOWN, -1, 0), EINVAL);
	EXPECT_MAP_ERR("droppable_hugetlb_einval_8.1.5k", mmap(NULL, HUGE_2M, RW, DROP | MAP_HUGETLB, -1, 0), EINVAL);
	EXPECT_MAP_ERR("droppable_len0_einval_first_8.1.5a", mmap(NULL, 0, RW, DROP | MAP_LOCKED, -1, 0), EINVAL);
	EXPECT_MAP_ERR("droppable_locked_huge_length_enomem_first_8.1.5g",
		       mmap(NULL, 1UL << 47, RW, DROP | MAP_LOCKED, -1, 0), ENOMEM);
	q = map_anon(1, RW);
	if (q) {
		EXPECT_MAP_ERR("droppable_locked_noreplace_overlap_eexist_first_8.1.5h",
			       mmap(q, PG, RW, DROP | MAP_LOCKED | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
		q[0] = 0x61;
		EXPECT_MAP_ERR("droppable_locked_fixed_einval_9", mmap(q, PG, RW, DROP | MAP_LOCKED | MAP_FIXED, -1, 0),
			       EINVAL);
		EXPECT_TRUE("droppable_refused_old_mapping_kept_0.1", perms_is(q, "rw-p") && q[0] == 0x61);
		munmap(q, PG);
	}
	close(fd);

	p = mmap(NULL, 4 * PG, RW, DROP, -1, 0);
	EXPECT_MAP_OK("droppable_anon_ok_9", p);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x62, 4 * PG);
	EXPECT_TRUE("droppable_private_rw_9", perms_is(p, "rw-p") && filled(p, 4 * PG, 0x62));
	EXPECT_TRUE("droppable_smaps_nr_wf_dd_dp_19", strstr(vmflags(p), " nr wf dd dp ") != NULL);

	/* Advice (§10.4-10.6). */
	EXPECT_ERR("droppable_keeponfork_einval_10.4", madvise(p, PG, MADV_KEEPONFORK), EINVAL);
	EXPECT_ERR("droppable_dodump_einval_10.5", madvise(p, PG, MADV_DODUMP), EINVAL);
	EXPECT_TRUE("droppable_refused_advice_flags_kept_10.4", has_flag(p, "wf") && has_flag(p, "dd"));
	EXPECT_OK("droppable_wipeonfork_ok_10.4", madvise(p, PG, MADV_WIPEONFORK));
	EXPECT_OK("droppable_dontdump_ok_10.5", madvise(p, PG, MADV_DONTDUMP));
	EXPECT_OK("droppable_mergeable_ok_10.6", madvise(p, 4 * PG, MADV_MERGEABLE));
	EXPECT_TRUE("droppable_mergeable_not_recorded_10.6", !has_flag(p, "mg"));

	/* Fork wipes it (WIPEONFORK); the parent keeps its contents. */
	check_fork_child("droppable_fork_child", wiped_in_child, p);
	EXPECT_TRUE("droppable_fork_parent_kept_9", filled(p, 4 * PG, 0x62));

	/* mlock accepts it and never locks it (§8.12). */
	EXPECT_OK("droppable_mlock_ok_8.12", mlock(p, 4 * PG));
	EXPECT_TRUE("droppable_mlock_not_locked_8.12", !has_flag(p, "lo"));
	EXPECT_EQ("droppable_mlock_not_counted_8.12", field_kb("/proc/self/status", "VmLck"), 0);
	EXPECT_OK("droppable_mlock2_onfault_ok_8.12", syscall(SYS_mlock2, p, 4 * PG, MLOCK_ONFAULT));
	EXPECT_EQ("droppable_mlock2_not_counted_8.12", field_kb("/proc/self/status", "VmLck"), 0);
	EXPECT_OK("droppable_munlock_ok_8.12", munlock(p, 4 * PG));
	EXPECT_OK("droppable_mlockall_future_ok_8.12", mlockall(MCL_FUTURE));
	q = mmap(NULL, 4 * PG, RW, DROP, -1, 0);
	EXPECT_MAP_OK("droppable_under_mcl_future_ok_8.12", q);
	EXPECT_TRUE("droppable_under_mcl_future_not_locked_8.12", q != MAP_FAILED && !has_flag(q, "lo"));
	EXPECT_OK("droppable_munlockall_ok_8.12", munlockall());
	if (q != MAP_FAILED)
		munmap(q, 4 * PG);

	/* mremap growth keeps it droppable; mseal shows after dp. */
	q = mremap(p, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
	EXPECT_MAP_OK("droppable_mremap_grow_ok_8.3", q);
	if (q == MAP_FAILED)
		return;
	EXPECT_TRUE("droppable_mremap_grown_droppable_19", strstr(vmflags(q + 6 * PG), " nr wf dd dp ") != NULL);
	EXPECT_OK("droppable_mseal_ok_8.11", sys_mseal(q, 8 * PG, 0));
	EXPECT_TRUE("droppable_smaps_dp_before_sl_19", strstr(vmflags(q), " dp sl ") != NULL);
}

int main(int argc, char **argv)
{
	check_init("mapflags", &argc, argv);
	probe_install();
	map_types();
	hugetlb();
	others();
	droppable();
	return check_finish();
}
