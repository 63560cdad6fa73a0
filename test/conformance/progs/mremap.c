/*
 * mremap.c - mremap argument checks and VMA lookup (spec §8.3 steps 1-6),
 * plus the basic grow / shrink / move behaviour that must keep working, and
 * that mremap is not a W^X event (§7.4: protection is unchanged).
 *
 * The TASK_SIZE cases run in forked children: stock gVisor unmaps
 * everything above old_address + new_size there and kills the caller;
 * this layer must answer EINVAL instead (§8.3 step 4).
 *
 * Usage: mremap
 */
#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)

/* ---- steps 1-5: flags and sizes, no VMA looked at ---- */

static void arg_checks(void)
{
	unsigned char *p = map_anon(2, RW), *hole = reserve(2);

	SETUP("setup_args", p && hole);
	if (!p || !hole)
		return;
	memset(p, 0x21, 2 * PG);
	EXPECT_MAP_ERR("mremap_unknown_flag_8_einval_8.3.1", mremap(p, PG, PG, 8), EINVAL);
	EXPECT_MAP_ERR("mremap_unknown_flag_high_einval_8.3.1", mremap(p, PG, PG, 0x100 | MREMAP_MAYMOVE), EINVAL);
	EXPECT_MAP_ERR("mremap_unknown_flag_unmapped_einval_8.3.1", mremap(hole, PG, PG, 8), EINVAL);
	EXPECT_MAP_ERR("mremap_fixed_without_maymove_einval_8.3.2", mremap(p, PG, PG, MREMAP_FIXED, hole), EINVAL);
	EXPECT_MAP_ERR("mremap_fixed_without_maymove_unmapped_einval_8.3.2",
		       mremap(hole, PG, PG, MREMAP_FIXED, hole + PG), EINVAL);
	EXPECT_MAP_ERR("mremap_dontunmap_without_maymove_einval_8.3.3", mremap(p, PG, PG, MREMAP_DONTUNMAP),
		       EINVAL);
	EXPECT_MAP_ERR("mremap_dontunmap_size_change_einval_8.3.3",
		       mremap(p, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP), EINVAL);
	EXPECT_MAP_ERR("mremap_unaligned_old_einval_8.3.4", mremap(p + 1, PG, PG, 0), EINVAL);
	EXPECT_MAP_ERR("mremap_unaligned_old_unmapped_einval_8.3.4", mremap(hole + 1, PG, PG, 0), EINVAL);
	EXPECT_MAP_ERR("mremap_new_size_0_einval_8.3.4", mremap(p, PG, 0, 0), EINVAL);
	EXPECT_MAP_ERR("mremap_new_size_0_maymove_einval_8.3.4", mremap(p, PG, 0, MREMAP_MAYMOVE), EINVAL);
	EXPECT_MAP_ERR("mremap_new_size_over_task_size_einval_8.3.4",
		       mremap(p, PG, TASK_SIZE_4L + PG, MREMAP_MAYMOVE), EINVAL);
	EXPECT_MAP_ERR("mremap_fixed_unaligned_new_einval_8.3.5",
		       mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, hole + 1), EINVAL);
	EXPECT_MAP_ERR("mremap_fixed_new_beyond_task_size_einval_8.3.5",
		       mremap(p, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(TASK_SIZE_4L - PG)), EINVAL);
	EXPECT_MAP_ERR("mremap_fixed_overlap_einval_8.3.5",
		       mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG), EINVAL);
	EXPECT_MAP_ERR("mremap_fixed_overlap_unmapped_old_einval_before_efault_8.3.5",
		       mremap(hole, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, hole + PG), EINVAL);
	EXPECT_TRUE("mremap_refusals_left_mapping_intact_8.3", intact(p, 2, 0x21) && perms_is(p, "rw-p"));
	munmap(p, 2 * PG);
}

/*
 * Huge old sizes (§8.3 step 4): EINVAL, for a shrink too. Each call runs in
 * a child that reports its result through shared memory, so that a runtime
 * that unmaps the caller's stack fails one check instead of the program.
 */
struct huge_case {
	const char *name;
	unsigned long old_size, new_size;
	int flags;
};

static const struct huge_case huge_cases[] = {
	{"mremap_old_size_16tib_shrink_einval_8.3.4", 16UL << 40, PG, 0},
	{"mremap_old_size_16tib_maymove_einval_8.3.4", 16UL << 40, PG, MREMAP_MAYMOVE},
	{"mremap_old_size_over_task_size_einval_8.3.4", TASK_SIZE_4L + PG, PG, 0},
	{"mremap_old_end_past_task_size_einval_8.3.4", TASK_SIZE_4L - PG, PG, 0},
};

struct huge_result {
	long ret;
	int err;
	int done;
};

static void huge_sizes(void)
{
	struct huge_result *res = mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	SETUP("setup_huge_result", res != MAP_FAILED);
	if (res == MAP_FAILED)
		return;
	for (size_t i = 0; i < sizeof(huge_cases) / sizeof(huge_cases[0]); i++) {
		const struct huge_case *c = &huge_cases[i];
		unsigned char *p = map_anon(2, RW);
		int status = -1;
		char name[128];
		pid_t pid;

		SETUP("setup_huge_map", p);
		memset(res, 0, sizeof(*res));
		pid = fork();
		if (pid == 0) {
			void *r;

			errno = 0;
			r = mremap(p, c->old_size, c->new_size, c->flags);
			res->ret = (long)r;
			res->err = r == MAP_FAILED ? errno : 0;
			res->done = 1;
			_exit(0);
		}
		waitpid(pid, &status, 0);
		if (!res->done) {
			/* The child died inside mremap: report got -2. */
			INFO("%s: child died, wait status %#x", c->name, status);
			check_result(c->name, 0, CK_INT, -2, 0, -1, EINVAL);
		} else {
			check_result(c->name, 0, CK_PTR, res->ret, res->err, -1, EINVAL);
		}
		/* "<case>_einval_8.3.4" -> "<case>_caller_survives_8.3.4" */
		snprintf(name, sizeof(name), "%.*s_caller_survives_8.3.4",
			 (int)(strlen(c->name) - strlen("_einval_8.3.4")), c->name);
		EXPECT_TRUE(name, WIFEXITED(status) && WEXITSTATUS(status) == 0);
		munmap(p, 2 * PG);
	}
	munmap(res, PG);
}

/* ---- step 6: the VMA at old_address ---- */

static void vma_lookup(void)
{
	unsigned char *hole = reserve(2), *r, *p;

	EXPECT_MAP_ERR("mremap_unmapped_shrink_efault_8.3.6", mremap(hole, 2 * PG, PG, 0), EFAULT);
	EXPECT_MAP_ERR("mremap_unmapped_grow_efault_8.3.6", mremap(hole, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
	EXPECT_MAP_ERR("mremap_unmapped_same_size_efault_8.3.6", mremap(hole, PG, PG, 0), EFAULT);

	/* Growing a range that spans two VMAs: EFAULT (§8.3 step 8). */
	r = reserve(3);
	SETUP("setup_two_vmas", r && map_at(r, 1, RW) && map_at(r + PG, 1, PROT_READ));
	if (r) {
		EXPECT_MAP_ERR("mremap_grow_across_vmas_efault_8.3.8", mremap(r, 2 * PG, 3 * PG, MREMAP_MAYMOVE),
			       EFAULT);
		munmap(r, 2 * PG);
	}

	/* A sealed source: EPERM for grow, shrink and move. */
	p = map_anon(2, RW);
	SETUP("setup_sealed_source", p && sys_mseal(p, 2 * PG, 0) == 0);
	if (p) {
		EXPECT_MAP_ERR("mremap_sealed_grow_eperm_8.3.6", mremap(p, 2 * PG, 3 * PG, MREMAP_MAYMOVE), EPERM);
		EXPECT_MAP_ERR("mremap_sealed_shrink_eperm_8.3.6", mremap(p, 2 * PG, PG, 0), EPERM);
		hole = reserve(2);
		EXPECT_MAP_ERR("mremap_sealed_move_eperm_8.3.6",
			       mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, hole), EPERM);
	}
}

/* ---- what must keep working ---- */

static void works(void)
{
	unsigned char *r = reserve(4), *p, *q, *dst;

	/* grow in place, shrink, same size */
	SETUP("setup_grow", r && (p = map_at(r, 1, RW)));
	if (!r || !p)
		return;
	memset(p, 0x31, PG);
	EXPECT_MAP_AT("mremap_grow_in_place_ok_8.3.10", mremap(p, PG, 3 * PG, 0), p);
	EXPECT_TRUE("mremap_grow_in_place_contents_8.3.11", intact(p, 1, 0x31) && intact(p + PG, 2, 0));
	EXPECT_MAP_AT("mremap_same_size_noop_ok_8.3.7", mremap(p, 3 * PG, 3 * PG, 0), p);
	EXPECT_MAP_AT("mremap_shrink_ok_8.3.7", mremap(p, 3 * PG, PG, 0), p);
	EXPECT_TRUE("mremap_shrink_tail_unmapped_8.3.7", perms_is(p + PG, "none") && perms_is(p + 2 * PG, "none"));

	/* grow without room: ENOMEM; with MAYMOVE: moved, contents kept */
	SETUP("setup_blocker", map_at(p + PG, 1, PROT_READ));
	EXPECT_MAP_ERR("mremap_grow_no_room_enomem_8.3.10", mremap(p, PG, 2 * PG, 0), ENOMEM);
	EXPECT_MAP_OK("mremap_grow_maymove_ok_8.3.10", q = mremap(p, PG, 2 * PG, MREMAP_MAYMOVE));
	if (q != MAP_FAILED) {
		EXPECT_TRUE("mremap_moved_contents_8.3.11", intact(q, 1, 0x31));
		EXPECT_TRUE("mremap_moved_old_gone_8.3.11", perms_is(p, "none"));
		EXPECT_TRUE("mremap_moved_prot_kept_8.3.11", perms_is(q, "rw-p"));
		/* MREMAP_FIXED move to a chosen free address */
		dst = reserve(2);
		EXPECT_MAP_AT("mremap_fixed_move_ok_8.3.9",
			      mremap(q, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), dst);
		EXPECT_TRUE("mremap_fixed_moved_contents_8.3.11", intact(dst, 1, 0x31));
		/* MREMAP_DONTUNMAP: the old range stays mapped, empty */
		EXPECT_MAP_OK("mremap_dontunmap_ok_8.3.11",
			      q = mremap(dst, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
		if (q != MAP_FAILED) {
			EXPECT_TRUE("mremap_dontunmap_new_has_contents_8.3.11", intact(q, 1, 0x31));
			EXPECT_TRUE("mremap_dontunmap_old_mapped_zero_8.3.11", intact(dst, 1, 0));
			munmap(q, 2 * PG);
		}
		munmap(dst, 2 * PG);
	}
	munmap(p + PG, PG);

	/* Moving keeps the protection: an RX mapping moves without a W^X
	 * check (§7.4: mremap never changes protection). */
	p = map_anon(1, RW);
	SETUP("setup_rx", p);
	if (p) {
		p[0] = 0xc3;
		SETUP("setup_rx_prot", mprotect(p, PG, PROT_READ) == 0 && mprotect(p, PG, RX) == 0);
		EXPECT_MAP_OK("mremap_rx_move_ok_7.4", q = mremap(p, PG, 2 * PG, MREMAP_MAYMOVE));
		if (q != MAP_FAILED) {
			EXPECT_TRUE("mremap_rx_moved_still_rx_7.4", perms_is(q, "r-xp"));
			EXPECT_TRUE("mremap_rx_moved_code_runs_7.4", probe_exec(q));
			munmap(q, 2 * PG);
		}
	}
}

int main(int argc, char **argv)
{
	check_init("mremap", &argc, argv);
	probe_install();
	arg_checks();
	vma_lookup();
	works();
	huge_sizes(); /* last: a broken runtime may take the whole child down */
	return check_finish();
}
