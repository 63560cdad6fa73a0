/*
 * madvise.c - madvise (spec §8.8, §10, §20; DECISIONS D4).
 *
 * Covers the argument rules in order (unknown advice, alignment, length,
 * empty range, HWPOISON/SOFT_OFFLINE without the privilege), the per-VMA
 * rules of every advice group with their exact errnos, the real effects
 * (DONTNEED/FREE/REMOVE/PAGEOUT contents, POPULATE faulting, COLLAPSE),
 * ENOMEM after a walk over holes with the mapped parts advised, a refused
 * advice changing nothing (D4, Peios), and DONTFORK/WIPEONFORK/KEEPONFORK
 * as fork honours them. Seals: seal.c.
 *
 * Usage: madvise
 */
#include "check.h"
#include "mm_util.h"

#include <sys/auxv.h>

#define RW (PROT_READ | PROT_WRITE)

/* anon maps n private anonymous pages filled with v. */
static unsigned char *anon(size_t n, unsigned char v)
{
	unsigned char *p = map_anon(n, RW);

	if (p)
		memset(p, v, n * PG);
	return p;
}

static unsigned char *shared_anon(size_t n, unsigned char v)
{
	void *p = mmap(NULL, n * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, v, n * PG);
	return p;
}

/* ---- §8.8 steps 1-5 ---- */

static void arguments(void)
{
	unsigned char *p = anon(2, 1);

	SETUP("setup_args", p);
	if (!p)
		return;
	EXPECT_ERR("unknown_advice_5_einval_8.8.1", madvise(p, PG, 5), EINVAL);
	EXPECT_ERR("unknown_advice_26_einval_8.8.1", madvise(p, PG, 26), EINVAL);
	EXPECT_ERR("unknown_advice_104_einval_8.8.1", madvise(p, PG, 104), EINVAL);
	EXPECT_ERR("unknown_advice_negative_einval_8.8.1", madvise(p, PG, -1), EINVAL);
	EXPECT_ERR("unknown_advice_len0_einval_8.8.1", madvise(p, 0, 5), EINVAL);
	EXPECT_ERR("unaligned_einval_8.8.2", madvise(p + 1, PG, MADV_DONTNEED), EINVAL);
	EXPECT_ERR("unaligned_len0_einval_8.8.2", madvise(p + 1, 0, MADV_NORMAL), EINVAL);
	EXPECT_ERR("len_rounds_to_0_einval_8.8.3", madvise(p, (size_t)-1, MADV_DONTNEED), EINVAL);
	EXPECT_ERR("range_wraps_einval_8.8.3", madvise(p, (size_t)0 - (uintptr_t)p, MADV_NORMAL), EINVAL);
	EXPECT_OK("len0_ok_8.8.4", madvise(p, 0, MADV_DONTNEED));
	EXPECT_OK("len0_unmapped_ok_8.8.4", madvise(reserve(1), 0, MADV_WIPEONFORK));
	EXPECT_ERR("hwpoison_unaligned_einval_8.8.2", madvise(p + 1, PG, MADV_HWPOISON), EINVAL);
	/* Peios builds memory-failure support, so HWPOISON and SOFT_OFFLINE
	 * are known advice refused without SeTcbPrivilege; a Linux without it
	 * (the test host) refuses them as unknown, EINVAL. Native root holds
	 * CAP_SYS_ADMIN (SeTcbPrivilege): drop it first. */
	PEXPECT_OK("hwpoison_len0_ok_8.8.4", madvise(p, 0, MADV_HWPOISON));
	SETUP("setup_drop_cap_sys_admin", drop_cap(CAP_SYS_ADMIN) == 0);
	PEXPECT_ERR("hwpoison_no_privilege_eperm_8.8.5", madvise(p, PG, MADV_HWPOISON), EPERM);
	PEXPECT_ERR("soft_offline_no_privilege_eperm_8.8.5", madvise(p, PG, MADV_SOFT_OFFLINE), EPERM);
	EXPECT_TRUE("hwpoison_refused_page_intact_8.8.5", filled(p, PG, 1));
	/* Guard regions are not supported by the sandbox (§10.8: MAY). */
	PEXPECT_ERR("guard_install_unsupported_einval_10.8", madvise(p, PG, MADV_GUARD_INSTALL), EINVAL);
	PEXPECT_ERR("guard_remove_unsupported_einval_10.8", madvise(p, PG, MADV_GUARD_REMOVE), EINVAL);
	PEXPECT_TRUE("guard_refused_page_intact_10.8", filled(p, 2 * PG, 1));
	munmap(p, 2 * PG);
}

/* ---- §10.1 reclaim ---- */

static void reclaim(void)
{
	unsigned char *p = anon(4, 0x11), *sh = shared_anon(2, 0x22), *f, *fs, *fr, *l;
	int fd, fdr;

	SETUP("setup_reclaim", p && sh);
	if (!p || !sh)
		return;
	EXPECT_OK("dontneed_private_anon_ok_10.1", madvise(p, 2 * PG, MADV_DONTNEED));
	EXPECT_TRUE("dontneed_private_anon_zero_filled_10.1", filled(p, 2 * PG, 0));
	EXPECT_TRUE("dontneed_rest_untouched_10.1", filled(p + 2 * PG, 2 * PG, 0x11));
	EXPECT_OK("dontneed_shared_anon_ok_10.1", madvise(sh, PG, MADV_DONTNEED));
	EXPECT_TRUE("dontneed_shared_anon_contents_kept_10.1", filled(sh, PG, 0x22));
	EXPECT_OK("free_private_anon_ok_10.1", madvise(p + 2 * PG, PG, MADV_FREE));
	EXPECT_ERR("free_shared_anon_einval_10.1", madvise(sh, PG, MADV_FREE), EINVAL);
	EXPECT_OK("cold_private_anon_ok_10.1", madvise(p + 3 * PG, PG, MADV_COLD));
	EXPECT_TRUE("cold_contents_kept_10.1", filled(p + 3 * PG, PG, 0x11));
	EXPECT_OK("pageout_private_anon_ok_10.1", madvise(p + 3 * PG, PG, MADV_PAGEOUT));
	EXPECT_TRUE("pageout_private_contents_kept_10.1", filled(p + 3 * PG, PG, 0x11));
	EXPECT_OK("pageout_shared_anon_ok_10.1", madvise(sh, 2 * PG, MADV_PAGEOUT));
	EXPECT_TRUE("pageout_shared_contents_kept_10.1", filled(sh, 2 * PG, 0x22));
	EXPECT_OK("cold_shared_anon_ok_10.1", madvise(sh, PG, MADV_COLD));
	EXPECT_ERR("remove_private_anon_einval_10.1", madvise(p, PG, MADV_REMOVE), EINVAL);
	EXPECT_OK("remove_shared_anon_ok_10.1", madvise(sh + PG, PG, MADV_REMOVE));
	EXPECT_TRUE("remove_shared_anon_zeroes_10.1", filled(sh + PG, PG, 0) && filled(sh, PG, 0x22));

	fd = tmpfile_of("madvise", 2, 0x33);
	SETUP("setup_file", fd >= 0);
	if (fd >= 0) {
		f = mmap(NULL, 2 * PG, RW, MAP_PRIVATE, fd, 0);
		fs = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
		fdr = open(tmp_path, O_RDONLY);
		fr = mmap(NULL, PG, PROT_READ, MAP_SHARED, fdr, 0);
		SETUP("setup_file_maps", f != MAP_FAILED && fs != MAP_FAILED && fr != MAP_FAILED);
		if (f != MAP_FAILED && fs != MAP_FAILED && fr != MAP_FAILED) {
			memset(f, 0x44, PG);
			EXPECT_OK("dontneed_private_file_ok_10.1", madvise(f, PG, MADV_DONTNEED));
			EXPECT_TRUE("dontneed_private_file_rereads_file_10.1", filled(f, PG, 0x33));
			EXPECT_ERR("free_private_file_einval_10.1", madvise(f, PG, MADV_FREE), EINVAL);
			EXPECT_ERR("remove_private_file_eacces_10.1", madvise(f, PG, MADV_REMOVE), EACCES);
			EXPECT_ERR("remove_shared_file_opened_ro_eacces_10.1", madvise(fr, PG, MADV_REMOVE), EACCES);
			EXPECT_OK("remove_shared_file_rw_prot_read_ok_10.1", madvise(fs + PG, PG, MADV_REMOVE));
			EXPECT_TRUE("remove_shared_file_reads_zero_10.1", filled(fs + PG, PG, 0) && filled(fs, PG, 0x33));
			EXPECT_OK("pageout_shared_file_ok_10.1", madvise(fs, PG, MADV_PAGEOUT));
			EXPECT_TRUE("pageout_shared_file_contents_kept_10.1", filled(fs, PG, 0x33));
		}
		close(fd);
		close(fdr);
		unlink(tmp_path);
	}

	l = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	SETUP("setup_locked", l != MAP_FAILED);
	if (l != MAP_FAILED) {
		memset(l, 0x55, 2 * PG);
		EXPECT_ERR("dontneed_locked_einval_10.1", madvise(l, PG, MADV_DONTNEED), EINVAL);
		EXPECT_ERR("free_locked_einval_10.1", madvise(l, PG, MADV_FREE), EINVAL);
		EXPECT_ERR("cold_locked_einval_14", madvise(l, PG, MADV_COLD), EINVAL);
		EXPECT_ERR("pageout_locked_einval_14", madvise(l, PG, MADV_PAGEOUT), EINVAL);
		EXPECT_ERR("remove_locked_einval_14", madvise(l, PG, MADV_REMOVE), EINVAL);
		EXPECT_TRUE("locked_refused_contents_kept_14", filled(l, 2 * PG, 0x55));
		EXPECT_OK("willneed_locked_ok_10.2", madvise(l, PG, MADV_WILLNEED));
		EXPECT_OK("dontneed_locked_advice_ok_10.1", madvise(l, PG, MADV_DONTNEED_LOCKED));
		EXPECT_TRUE("dontneed_locked_zero_filled_10.1", filled(l, PG, 0) && filled(l + PG, PG, 0x55));
		EXPECT_TRUE("dontneed_locked_still_locked_14", has_flag(l, "lo"));
		EXPECT_OK("dontneed_locked_on_unlocked_ok_10.1", madvise(p, PG, MADV_DONTNEED_LOCKED));
		munmap(l, 2 * PG);
	}
	munmap(p, 4 * PG);
	munmap(sh, 2 * PG);
}

/* ---- §10.2 prefetch ---- */

static void prefetch(void)
{
	unsigned char *none = map_anon(1, PROT_NONE), *wo = map_anon(1, PROT_WRITE), *ro = map_anon(1, PROT_READ);
	unsigned char *rw = anon(2, 7), *f;
	int fd;

	SETUP("setup_prefetch", none && wo && ro && rw);
	if (!none || !wo || !ro || !rw)
		return;
	EXPECT_OK("willneed_ok_10.2", madvise(rw, 2 * PG, MADV_WILLNEED));
	EXPECT_ERR("populate_read_prot_none_einval_10.2", madvise(none, PG, MADV_POPULATE_READ), EINVAL);
	EXPECT_ERR("populate_write_prot_none_einval_10.2", madvise(none, PG, MADV_POPULATE_WRITE), EINVAL);
	EXPECT_ERR("populate_read_write_only_einval_10.2", madvise(wo, PG, MADV_POPULATE_READ), EINVAL);
	EXPECT_ERR("populate_write_read_only_einval_10.2", madvise(ro, PG, MADV_POPULATE_WRITE), EINVAL);
	EXPECT_OK("populate_read_read_only_ok_10.2", madvise(ro, PG, MADV_POPULATE_READ));
	EXPECT_OK("populate_write_write_only_ok_10.2", madvise(wo, PG, MADV_POPULATE_WRITE));
	EXPECT_OK("populate_write_rw_ok_10.2", madvise(rw, 2 * PG, MADV_POPULATE_WRITE));
	EXPECT_TRUE("populate_write_keeps_contents_10.2", filled(rw, 2 * PG, 7));
	EXPECT_OK("populate_read_rw_ok_10.2", madvise(rw, 2 * PG, MADV_POPULATE_READ));

	fd = tmpfile_of("populate", 1, 0x66);
	SETUP("setup_populate_file", fd >= 0);
	if (fd >= 0) {
		f = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
		SETUP("setup_populate_file_map", f != MAP_FAILED);
		if (f != MAP_FAILED) {
			EXPECT_OK("populate_read_file_ok_10.2", madvise(f, PG, MADV_POPULATE_READ));
			EXPECT_ERR("populate_read_beyond_eof_efault_10.2", madvise(f, 3 * PG, MADV_POPULATE_READ), EFAULT);
			EXPECT_ERR("populate_read_only_beyond_eof_efault_10.2", madvise(f + PG, PG, MADV_POPULATE_READ),
				   EFAULT);
			munmap(f, 3 * PG);
		}
		close(fd);
		unlink(tmp_path);
	}
	munmap(none, PG);
	munmap(wo, PG);
	munmap(ro, PG);
	munmap(rw, 2 * PG);
}

/* ---- §10.3, §10.5, §10.6, §10.7 state-only advice ---- */

static void state_only(void)
{
	static const struct {
		const char *name;
		int advice;
	} advs[] = {
		{"normal", MADV_NORMAL},       {"random", MADV_RANDOM},     {"sequential", MADV_SEQUENTIAL},
		{"dontdump", MADV_DONTDUMP},   {"dodump", MADV_DODUMP},     {"mergeable", MADV_MERGEABLE},
		{"unmergeable", MADV_UNMERGEABLE}, {"hugepage", MADV_HUGEPAGE}, {"nohugepage", MADV_NOHUGEPAGE},
		{"dofork", MADV_DOFORK},       {"keeponfork", MADV_KEEPONFORK},
	};
	unsigned char *p = anon(2, 9), *sh = shared_anon(1, 8), *f, *vdso;
	int fd = tmpfile_of("state", 1, 5);

	f = fd >= 0 ? mmap(NULL, PG, RW, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	SETUP("setup_state", p && sh && f != MAP_FAILED);
	if (!p || !sh || f == MAP_FAILED)
		return;
	for (size_t i = 0; i < sizeof(advs) / sizeof(advs[0]); i++) {
		EXPECT_OK(nm("%s_private_anon_ok_10", advs[i].name), madvise(p, 2 * PG, advs[i].advice));
		EXPECT_OK(nm("%s_shared_anon_ok_10", advs[i].name), madvise(sh, PG, advs[i].advice));
		EXPECT_OK(nm("%s_private_file_ok_10", advs[i].name), madvise(f, PG, advs[i].advice));
	}
	EXPECT_TRUE("state_only_contents_kept_10", filled(p, 2 * PG, 9) && filled(sh, PG, 8) && filled(f, PG, 5));
	vdso = (unsigned char *)getauxval(AT_SYSINFO_EHDR);
	SETUP("setup_vdso", vdso);
	if (vdso)
		EXPECT_ERR("dodump_vdso_special_einval_10.5", madvise(vdso, PG, MADV_DODUMP), EINVAL);
	munmap(p, 2 * PG);
	munmap(sh, PG);
	munmap(f, PG);
	close(fd);
	unlink(tmp_path);
}

/* ---- §19: the recorded advice shows in smaps VmFlags ---- */

static void smaps_flags(void)
{
	static const struct {
		const char *name;
		int advice;
		const char *flag;
		int shown;
	} cases[] = {
		{"dontdump", MADV_DONTDUMP, "dd", 1},   {"dodump", MADV_DODUMP, "dd", 0},
		{"mergeable", MADV_MERGEABLE, "mg", 1}, {"unmergeable", MADV_UNMERGEABLE, "mg", 0},
		{"hugepage", MADV_HUGEPAGE, "hg", 1},   {"nohugepage", MADV_NOHUGEPAGE, "nh", 1},
		{"nohugepage_clears_hg", MADV_NOHUGEPAGE, "hg", 0},
		{"sequential", MADV_SEQUENTIAL, "sr", 1}, {"random", MADV_RANDOM, "rr", 1},
		{"random_clears_sr", MADV_RANDOM, "sr", 0}, {"normal", MADV_NORMAL, "rr", 0},
		{"dontfork", MADV_DONTFORK, "dc", 1},   {"dofork", MADV_DOFORK, "dc", 0},
		{"wipeonfork", MADV_WIPEONFORK, "wf", 1}, {"keeponfork", MADV_KEEPONFORK, "wf", 0},
	};
	unsigned char *r = reserve(3), *p, *sh;

	/* The advised page sits between two others, so it is its own VMA. */
	SETUP("setup_smaps", r && map_at(r, 3, RW));
	if (!r)
		return;
	p = r + PG;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SETUP(nm("setup_smaps_%s", cases[i].name), madvise(p, PG, cases[i].advice) == 0);
		EXPECT_EQ(nm("smaps_%s_%s_%s_19", cases[i].name, cases[i].shown ? "shows" : "drops", cases[i].flag),
			  has_flag(p, cases[i].flag), cases[i].shown);
	}
	EXPECT_TRUE("smaps_neighbour_unflagged_19", !has_flag(r, "dd") && !has_flag(r, "mg"));
	SETUP("setup_smaps_seal", sys_mseal(p, PG, 0) == 0);
	EXPECT_TRUE("smaps_sealed_sl_19", has_flag(p, "sl"));
	EXPECT_TRUE("smaps_unsealed_neighbour_no_sl_19", !has_flag(r, "sl"));
	sh = mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh != MAP_FAILED) {
		EXPECT_OK("mergeable_shared_anon_ok_10.6", madvise(sh, PG, MADV_MERGEABLE));
		EXPECT_TRUE("mergeable_shared_anon_not_recorded_10.6", !has_flag(sh, "mg"));
		munmap(sh, PG);
	}
}

/* ---- §10.7 MADV_COLLAPSE ---- */

static void collapse(void)
{
	unsigned char *base = huge_free(3, HUGE_2M), *p, *small;

	SETUP("setup_collapse", base);
	if (!base)
		return;
	p = mmap(base, 3 * HUGE_2M, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	small = map_anon(4, RW);
	SETUP("setup_collapse_maps", p == base && small);
	if (p != base || !small)
		return;
	memset(p, 3, PG); /* the first block has a resident page */
	EXPECT_OK("collapse_block_with_resident_page_ok_10.7", madvise(p, HUGE_2M, MADV_COLLAPSE));
	EXPECT_TRUE("collapse_contents_kept_10.7", filled(p, PG, 3) && filled(p + PG, HUGE_2M - PG, 0));
	EXPECT_OK("collapse_aligned_range_without_whole_block_ok_10.7", madvise(p, 4 * PG, MADV_COLLAPSE));
	EXPECT_ERR("collapse_unaligned_range_without_whole_block_einval_10.7", madvise(p + PG, 4 * PG, MADV_COLLAPSE),
		   EINVAL);
	EXPECT_ERR("collapse_block_without_resident_page_einval_10.7", madvise(p + HUGE_2M, HUGE_2M, MADV_COLLAPSE),
		   EINVAL);
	EXPECT_ERR("collapse_vma_too_small_einval_10.7", madvise(small, 4 * PG, MADV_COLLAPSE), EINVAL);
	SETUP("setup_collapse_nohuge", madvise(p + 2 * HUGE_2M, HUGE_2M, MADV_NOHUGEPAGE) == 0);
	memset(p + 2 * HUGE_2M, 4, PG);
	EXPECT_ERR("collapse_nohugepage_einval_10.7", madvise(p + 2 * HUGE_2M, HUGE_2M, MADV_COLLAPSE), EINVAL);
	munmap(p, 3 * HUGE_2M);
	munmap(small, 4 * PG);
}

/* ---- §8.8 step 7: walks, holes, atomicity ---- */

static void walks(void)
{
	unsigned char *r = reserve(6); /* pages 1, 3 and 5 stay holes */

	SETUP("setup_walk", r && map_at(r, 1, RW) && map_at(r + 2 * PG, 1, RW) && map_at(r + 4 * PG, 1, RW));
	if (!r)
		return;
	memset(r, 0x77, PG);
	memset(r + 2 * PG, 0x77, PG);
	memset(r + 4 * PG, 0x77, PG);
	EXPECT_ERR("dontneed_holes_enomem_8.8.7", madvise(r, 5 * PG, MADV_DONTNEED), ENOMEM);
	EXPECT_TRUE("dontneed_holes_mapped_parts_advised_8.8.7",
		    filled(r, PG, 0) && filled(r + 2 * PG, PG, 0) && filled(r + 4 * PG, PG, 0));
	EXPECT_ERR("normal_leading_hole_enomem_8.8.7", madvise(r + PG, 2 * PG, MADV_NORMAL), ENOMEM);
	EXPECT_ERR("wipeonfork_trailing_hole_enomem_8.8.7", madvise(r + 4 * PG, 2 * PG, MADV_WIPEONFORK), ENOMEM);
	EXPECT_ERR("willneed_only_hole_enomem_8.8.7", madvise(r + PG, PG, MADV_WILLNEED), ENOMEM);
	EXPECT_ERR("populate_read_hole_enomem_10.2", madvise(r, 3 * PG, MADV_POPULATE_READ), ENOMEM);
	EXPECT_ERR("populate_write_hole_first_enomem_10.2", madvise(r + PG, 2 * PG, MADV_POPULATE_WRITE), ENOMEM);
	munmap(r, 5 * PG);

	/* A later VMA refuses: nothing is discarded (D4); Linux has zapped
	 * the earlier VMA by then. */
	r = reserve(2);
	SETUP("setup_atomic", r && map_at(r, 1, RW) &&
				  mmap(r + PG, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_LOCKED, -1,
				       0) == r + PG);
	if (!r)
		return;
	memset(r, 0x78, 2 * PG);
	EXPECT_ERR("dontneed_later_locked_einval_10.1", madvise(r, 2 * PG, MADV_DONTNEED), EINVAL);
	PEXPECT_TRUE("dontneed_refused_earlier_vma_intact_D4", filled(r, PG, 0x78));
	EXPECT_TRUE("dontneed_refused_locked_vma_intact_D4", filled(r + PG, PG, 0x78));
	munmap(r, 2 * PG);

	r = reserve(2);
	SETUP("setup_atomic_wipe", r && map_at(r, 1, RW) &&
				       mmap(r + PG, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
					       r + PG);
	if (!r)
		return;
	EXPECT_ERR("wipeonfork_later_shared_einval_10.4", madvise(r, 2 * PG, MADV_WIPEONFORK), EINVAL);
	PEXPECT_TRUE("wipeonfork_refused_earlier_vma_not_flagged_D4", !has_flag(r, "wf"));
	munmap(r, 2 * PG);
}

/* ---- §10.4 inheritance, honoured by fork ---- */

struct fork_case {
	unsigned char *dontfork, *dofork, *wipe, *keep, *sh;
	const char *round; /* "" or "again_" */
};

static void fork_child(void *arg)
{
	struct fork_case *c = arg;
	unsigned char v;

	EXPECT_TRUE(nm("%sdontfork_absent_in_child_10.4", c->round), !probe_read(c->dontfork, &v));
	EXPECT_TRUE(nm("%sdofork_present_in_child_10.4", c->round), probe_read(c->dofork, &v) && v == 0x12);
	EXPECT_TRUE(nm("%swipeonfork_zero_in_child_10.4", c->round), filled(c->wipe, 2 * PG, 0));
	EXPECT_TRUE(nm("%swipeonfork_flag_kept_in_child_10.4", c->round), has_flag(c->wipe, "wf"));
	EXPECT_TRUE(nm("%skeeponfork_present_in_child_10.4", c->round), filled(c->keep, PG, 0x14));
	EXPECT_TRUE(nm("%sdontfork_shared_absent_in_child_10.4", c->round), !probe_read(c->sh, &v));
	c->wipe[0] = 0x99; /* the child's copy only */
}

static void inheritance(void)
{
	struct fork_case c = {anon(1, 0x11), anon(1, 0x12), anon(2, 0x13), anon(1, 0x14), shared_anon(1, 0x15), ""};

	SETUP("setup_fork", c.dontfork && c.dofork && c.wipe && c.keep && c.sh);
	if (!c.dontfork || !c.dofork || !c.wipe || !c.keep || !c.sh)
		return;
	EXPECT_OK("dontfork_ok_10.4", madvise(c.dontfork, PG, MADV_DONTFORK));
	EXPECT_OK("dontfork_then_dofork_ok_10.4",
		  madvise(c.dofork, PG, MADV_DONTFORK) == 0 ? madvise(c.dofork, PG, MADV_DOFORK) : -1);
	EXPECT_OK("wipeonfork_private_anon_ok_10.4", madvise(c.wipe, 2 * PG, MADV_WIPEONFORK));
	EXPECT_ERR("wipeonfork_shared_anon_einval_10.4", madvise(c.sh, PG, MADV_WIPEONFORK), EINVAL);
	EXPECT_OK("wipeonfork_then_keeponfork_ok_10.4",
		  madvise(c.keep, PG, MADV_WIPEONFORK) == 0 ? madvise(c.keep, PG, MADV_KEEPONFORK) : -1);
	EXPECT_OK("dontfork_shared_anon_ok_10.4", madvise(c.sh, PG, MADV_DONTFORK));
	check_fork_child("fork_child_exits_0_10.4", fork_child, &c);
	EXPECT_TRUE("wipeonfork_parent_keeps_contents_10.4", filled(c.wipe, 2 * PG, 0x13));
	EXPECT_TRUE("dontfork_parent_keeps_contents_10.4", filled(c.dontfork, PG, 0x11) && filled(c.sh, PG, 0x15));
	/* A second fork zeroes again. */
	c.round = "again_";
	check_fork_child("fork_again_child_exits_0_10.4", fork_child, &c);
}

int main(int argc, char **argv)
{
	check_init("madvise", &argc, argv);
	probe_install();
	reclaim();
	prefetch();
	state_only();
	smaps_flags();
	collapse();
	walks();
	inheritance();
	arguments(); /* last: drops CAP_SYS_ADMIN */
	return check_finish();
}
