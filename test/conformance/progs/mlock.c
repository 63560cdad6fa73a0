/*
 * mlock.c - memory locking (spec §8.12, §14, §8.1 step 5i, §8.3 step 8,
 * §20): mlock, mlock2, munlock, mlockall, munlockall and MAP_LOCKED with
 * RLIMIT_MEMLOCK and SeLockMemoryPrivilege, VmLck in /proc/self/status,
 * "lo" in smaps, and locks not inherited by fork.
 *
 * Usage: mlock          without SeLockMemoryPrivilege (the sandbox default;
 *                       natively CAP_IPC_LOCK, the capability Peios maps to
 *                       the privilege, is dropped first)
 *        mlock priv     with it (runsc-peios --peios-privileges=
 *                       SeLockMemoryPrivilege; natively: as root)
 */
#include "check.h"
#include "mm_util.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define LIMIT_PAGES 16

/* set_memlock sets the soft RLIMIT_MEMLOCK (the hard one stays). */
static int set_memlock(unsigned long bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return -1;
	rl.rlim_cur = bytes;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < bytes)
		return -1;
	return setrlimit(RLIMIT_MEMLOCK, &rl);
}

static long vmlck(void)
{
	return field_kb("/proc/self/status", "VmLck");
}

/* ---- without the privilege ---- */

static void arguments(void)
{
	unsigned char *p = map_anon(2, RW);

	EXPECT_ERR("mlock2_bad_flags_einval_8.12", syscall(SYS_mlock2, p, PG, 2), EINVAL);
	EXPECT_ERR("mlock2_all_flags_einval_8.12", syscall(SYS_mlock2, p, PG, ~0u), EINVAL);
	EXPECT_OK("mlock_len_rounds_to_0_noop_8.12", mlock(p, (size_t)-1));
	EXPECT_OK("mlock_len0_ok_8.12", mlock(p, 0));
	EXPECT_OK("munlock_len0_ok_8.12", munlock(p, 0));
	EXPECT_ERR("munlock_wraps_einval_8.12", munlock(p, (size_t)0 - 2 * PG), EINVAL);
	EXPECT_ERR("mlockall_0_einval_8.12", mlockall(0), EINVAL);
	EXPECT_ERR("mlockall_onfault_alone_einval_8.12", mlockall(MCL_ONFAULT), EINVAL);
	EXPECT_ERR("mlockall_unknown_bit_einval_8.12", mlockall(MCL_CURRENT | 8), EINVAL);
	EXPECT_EQ("vmlck_initially_0_14", vmlck(), 0);
	munmap(p, 2 * PG);
}

static void within_limit(void)
{
	unsigned char *p = map_anon(LIMIT_PAGES + 4, RW), *r;

	SETUP("setup_limit", p && set_memlock(LIMIT_PAGES * PG) == 0);
	if (!p)
		return;
	EXPECT_OK("mlock_within_limit_ok_8.12", mlock(p + 1, 8 * PG - 1)); /* 8 pages */
	EXPECT_EQ("vmlck_8_pages_14", vmlck(), 8 * PG / 1024);
	EXPECT_TRUE("mlock_smaps_lo_19", has_flag(p, "lo") && !has_flag(p + 8 * PG, "lo"));
	EXPECT_OK("mlock_again_not_double_counted_8.12", mlock(p, 8 * PG));
	EXPECT_OK("mlock_overlap_counts_new_pages_only_8.12", mlock(p + 4 * PG, 12 * PG));
	EXPECT_EQ("vmlck_16_pages_14", vmlck(), 16 * PG / 1024);
	EXPECT_ERR("mlock_over_limit_enomem_8.12", mlock(p + 16 * PG, PG), ENOMEM);
	EXPECT_TRUE("mlock_refused_not_locked_8.12", !has_flag(p + 16 * PG, "lo"));
	EXPECT_ERR("mlock_wraps_over_limit_enomem_first_8.12", mlock(p, (size_t)0 - 2 * PG), ENOMEM);
	EXPECT_ERR("mlock2_over_limit_enomem_8.12", syscall(SYS_mlock2, p + 16 * PG, PG, MLOCK_ONFAULT), ENOMEM);
	EXPECT_OK("munlock_one_undoes_many_8.12", munlock(p, 16 * PG));
	EXPECT_EQ("vmlck_0_after_munlock_14", vmlck(), 0);
	EXPECT_TRUE("munlock_smaps_no_lo_19", !has_flag(p, "lo"));

	EXPECT_OK("mlock2_onfault_ok_8.12", syscall(SYS_mlock2, p, 4 * PG, MLOCK_ONFAULT));
	EXPECT_TRUE("mlock2_onfault_smaps_lo_19", has_flag(p, "lo"));
	EXPECT_EQ("vmlck_onfault_counted_14", vmlck(), 4 * PG / 1024);
	EXPECT_OK("munlock_onfault_ok_8.12", munlock(p, 4 * PG));

	/* A hole: ENOMEM, and nothing locked (Peios: Linux locks the VMAs
	 * before the hole). */
	r = reserve(3);
	SETUP("setup_hole", r && map_at(r, 1, RW) && map_at(r + 2 * PG, 1, RW));
	EXPECT_ERR("mlock_hole_enomem_8.12", mlock(r, 3 * PG), ENOMEM);
	PEXPECT_TRUE("mlock_hole_nothing_locked_D4", !has_flag(r, "lo") && !has_flag(r + 2 * PG, "lo"));
	PEXPECT_EQ("mlock_hole_vmlck_unchanged_D4", vmlck(), 0);
	SETUP("setup_hole_lock_both", mlock(r, PG) == 0 && mlock(r + 2 * PG, PG) == 0);
	EXPECT_ERR("munlock_hole_enomem_8.12", munlock(r, 3 * PG), ENOMEM);
	PEXPECT_TRUE("munlock_hole_nothing_unlocked_D4", has_flag(r, "lo") && has_flag(r + 2 * PG, "lo"));
	munlock(r, PG);
	munlock(r + 2 * PG, PG);
	EXPECT_ERR("mlock_unmapped_enomem_8.12", mlock(r + PG, PG), ENOMEM);
	EXPECT_ERR("munlock_unmapped_enomem_8.12", munlock(r + PG, PG), ENOMEM);
	munmap(r, 3 * PG);

	/* PROT_NONE: locked but not faulted; plain mlock reports ENOMEM. */
	r = map_anon(2, PROT_NONE);
	SETUP("setup_prot_none", r);
	if (r) {
		EXPECT_ERR("mlock_prot_none_enomem_8.12", mlock(r, PG), ENOMEM);
		EXPECT_TRUE("mlock_prot_none_still_locked_8.12", has_flag(r, "lo"));
		EXPECT_OK("mlock2_onfault_prot_none_ok_8.12", syscall(SYS_mlock2, r + PG, PG, MLOCK_ONFAULT));
		munlock(r, 2 * PG);
		munmap(r, 2 * PG);
	}
	munmap(p, (LIMIT_PAGES + 4) * PG);
}

static void map_locked(void)
{
	unsigned char *p, *q;

	SETUP("setup_limit_map", set_memlock(LIMIT_PAGES * PG) == 0);
	p = mmap(NULL, 4 * PG, RW, ANON | MAP_LOCKED, -1, 0);
	EXPECT_MAP_OK("map_locked_within_limit_ok_8.1.5i", p);
	EXPECT_TRUE("map_locked_smaps_lo_19", p != MAP_FAILED && has_flag(p, "lo"));
	EXPECT_EQ("map_locked_vmlck_14", vmlck(), 4 * PG / 1024);
	EXPECT_MAP_ERR("map_locked_over_limit_eagain_8.1.5i", mmap(NULL, 13 * PG, RW, ANON | MAP_LOCKED, -1, 0), EAGAIN);
	EXPECT_EQ("map_locked_refused_vmlck_unchanged_14", vmlck(), 4 * PG / 1024);
	q = map_anon(13, RW);
	SETUP("setup_fixed_target", q);
	if (q) {
		q[0] = 0x3c;
		EXPECT_MAP_ERR("map_locked_fixed_over_limit_eagain_8.1.5i",
			       mmap(q, 13 * PG, RW, ANON | MAP_LOCKED | MAP_FIXED, -1, 0), EAGAIN);
		EXPECT_TRUE("map_locked_refused_old_mapping_kept_0.1", q[0] == 0x3c && !has_flag(q, "lo"));
		EXPECT_MAP_ERR("map_locked_noreplace_overlap_eexist_first_8.1.5h",
			       mmap(q, 13 * PG, RW, ANON | MAP_LOCKED | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
		/* Replacing a locked mapping frees its share of the limit. */
		EXPECT_MAP_AT("map_locked_fixed_replacing_locked_ok_8.1.5i",
			      mmap(p, 4 * PG, RW, ANON | MAP_LOCKED | MAP_FIXED, -1, 0), p);
		munmap(q, 13 * PG);
	}
	if (p != MAP_FAILED) {
		/* Growing a locked mapping past the limit (§8.3 step 8). */
		EXPECT_MAP_ERR("mremap_grow_locked_over_limit_eagain_8.3.8",
			       mremap(p, 4 * PG, 17 * PG, MREMAP_MAYMOVE), EAGAIN);
		q = mremap(p, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
		EXPECT_MAP_OK("mremap_grow_locked_within_limit_ok_8.3.8", q);
		EXPECT_EQ("mremap_grown_locked_vmlck_14", vmlck(), 8 * PG / 1024);
		if (q != MAP_FAILED)
			p = q;
		EXPECT_OK("munmap_locked_ok_8.2", munmap(p, 8 * PG));
	}
	EXPECT_EQ("munmap_releases_vmlck_14", vmlck(), 0);
}

static void lock_all(void)
{
	unsigned char *p;

	SETUP("setup_limit_all", set_memlock(LIMIT_PAGES * PG) == 0);
	EXPECT_ERR("mlockall_current_over_limit_enomem_8.12", mlockall(MCL_CURRENT), ENOMEM);
	EXPECT_EQ("mlockall_refused_vmlck_0_14", vmlck(), 0);
	EXPECT_OK("mlockall_future_ok_8.12", mlockall(MCL_FUTURE));
	p = mmap(NULL, 4 * PG, RW, ANON, -1, 0);
	EXPECT_MAP_OK("mcl_future_mmap_ok_8.12", p);
	EXPECT_TRUE("mcl_future_mmap_locked_8.12", p != MAP_FAILED && has_flag(p, "lo"));
	EXPECT_MAP_ERR("mcl_future_mmap_over_limit_eagain_8.1.5i", mmap(NULL, 13 * PG, RW, ANON, -1, 0), EAGAIN);
	EXPECT_OK("munlockall_ok_8.12", munlockall());
	EXPECT_TRUE("munlockall_unlocks_8.12", p != MAP_FAILED && !has_flag(p, "lo"));
	EXPECT_EQ("munlockall_vmlck_0_14", vmlck(), 0);
	if (p != MAP_FAILED)
		munmap(p, 4 * PG);
	p = mmap(NULL, 13 * PG, RW, ANON, -1, 0);
	EXPECT_MAP_OK("munlockall_ends_mcl_future_8.12", p);
	EXPECT_TRUE("munlockall_new_mapping_unlocked_8.12", p != MAP_FAILED && !has_flag(p, "lo"));
	if (p != MAP_FAILED)
		munmap(p, 13 * PG);
	EXPECT_OK("mlockall_future_onfault_ok_8.12", mlockall(MCL_FUTURE | MCL_ONFAULT));
	p = mmap(NULL, 2 * PG, RW, ANON, -1, 0);
	EXPECT_TRUE("mcl_future_onfault_mmap_locked_8.12", p != MAP_FAILED && has_flag(p, "lo"));
	EXPECT_OK("munlockall_again_ok_8.12", munlockall());
	if (p != MAP_FAILED)
		munmap(p, 2 * PG);
}

static void fork_child(void *arg)
{
	unsigned char *p = arg, *q;

	EXPECT_TRUE("fork_child_vma_unlocked_20", !has_flag(p, "lo"));
	EXPECT_EQ("fork_child_vmlck_0_20", vmlck(), 0);
	q = mmap(NULL, 2 * PG, RW, ANON, -1, 0);
	EXPECT_TRUE("fork_child_no_mcl_future_20", q != MAP_FAILED && !has_flag(q, "lo"));
	EXPECT_OK("fork_child_dontneed_ok_14", madvise(p, PG, MADV_DONTNEED));
}

static void inheritance(void)
{
	unsigned char *p;

	SETUP("setup_limit_fork", set_memlock(LIMIT_PAGES * PG) == 0);
	p = mmap(NULL, 2 * PG, RW, ANON | MAP_LOCKED, -1, 0);
	SETUP("setup_fork_locked", p != MAP_FAILED && mlockall(MCL_FUTURE) == 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x7e, 2 * PG);
	check_fork_child("fork_child_exits_0_20", fork_child, p);
	EXPECT_TRUE("fork_parent_still_locked_20", has_flag(p, "lo") && filled(p, 2 * PG, 0x7e));
	munlockall();
	munmap(p, 2 * PG);
}

static void zero_limit(void)
{
	unsigned char *p = map_anon(2, RW);

	SETUP("setup_limit_0", p && set_memlock(0) == 0);
	if (!p)
		return;
	EXPECT_ERR("mlock_limit_0_eperm_8.12", mlock(p, PG), EPERM);
	EXPECT_ERR("mlock_limit_0_len0_eperm_8.12", mlock(p, 0), EPERM);
	EXPECT_ERR("mlock2_limit_0_eperm_8.12", syscall(SYS_mlock2, p, PG, MLOCK_ONFAULT), EPERM);
	EXPECT_ERR("mlockall_limit_0_eperm_8.12", mlockall(MCL_CURRENT), EPERM);
	EXPECT_ERR("mlockall_future_limit_0_eperm_8.12", mlockall(MCL_FUTURE), EPERM);
	EXPECT_MAP_ERR("map_locked_limit_0_eperm_8.1.5i", mmap(NULL, PG, RW, ANON | MAP_LOCKED, -1, 0), EPERM);
	EXPECT_OK("munlock_limit_0_ok_8.12", munlock(p, PG));
	EXPECT_OK("munlockall_limit_0_ok_8.12", munlockall());
	munmap(p, 2 * PG);
}

/* ---- with SeLockMemoryPrivilege ---- */

static void privileged(void)
{
	unsigned char *p = map_anon(32, RW), *q;

	SETUP("setup_priv_limit_0", p && set_memlock(0) == 0);
	if (!p)
		return;
	EXPECT_OK("priv_mlock_limit_0_ok_14", mlock(p, 4 * PG));
	EXPECT_EQ("priv_vmlck_counted_14", vmlck(), 4 * PG / 1024);
	EXPECT_OK("priv_mlock2_limit_0_ok_14", syscall(SYS_mlock2, p + 4 * PG, 4 * PG, MLOCK_ONFAULT));
	q = mmap(NULL, 4 * PG, RW, ANON | MAP_LOCKED, -1, 0);
	EXPECT_MAP_OK("priv_map_locked_limit_0_ok_14", q);
	SETUP("setup_priv_limit", set_memlock(LIMIT_PAGES * PG) == 0);
	EXPECT_OK("priv_mlock_beyond_limit_ok_14", mlock(p, 32 * PG));
	EXPECT_EQ("priv_vmlck_beyond_limit_14", vmlck(), 36 * PG / 1024);
	EXPECT_OK("priv_mlockall_current_beyond_limit_ok_14", mlockall(MCL_CURRENT | MCL_FUTURE));
	EXPECT_TRUE("priv_mlockall_locks_14", has_flag(p, "lo"));
	EXPECT_OK("priv_munlockall_ok_14", munlockall());
	EXPECT_EQ("priv_vmlck_0_after_munlockall_14", vmlck(), 0);
	if (q != MAP_FAILED)
		munmap(q, 4 * PG);
	munmap(p, 32 * PG);
}

int main(int argc, char **argv)
{
	int priv = argc > 1 && strcmp(argv[1], "priv") == 0;

	check_init("mlock", &argc, argv);
	probe_install();
	if (priv) {
		privileged();
		return check_finish();
	}
	SETUP("setup_drop_cap_ipc_lock", drop_cap(CAP_IPC_LOCK) == 0);
	arguments();
	within_limit();
	map_locked();
	lock_all();
	inheritance();
	zero_limit();
	return check_finish();
}
