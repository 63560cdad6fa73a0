/*
 * pkey.c - memory protection keys without hardware keys (spec §8.5, §8.6,
 * §13, §21 #14; DECISIONS D5): the sandbox answers exactly as Linux does on
 * a CPU without PKU - the first pkey_alloc of an address space EINVAL,
 * every later one ENOSPC (fork children included, exec resets), every
 * pkey_free EINVAL, pkey_mprotect with any key but -1 EINVAL before the
 * range is looked at. The test host has no PKU either, so this is also
 * what Linux does here.
 *
 * Usage: pkey
 * Internal: pkey --check-report-fd N exec-child
 */
#include "check.h"
#include "mm_util.h"

#define SYS_PKEY_ALLOC_NR 330
#define SYS_PKEY_FREE_NR 331

static long pkey_alloc_(unsigned long flags, unsigned long rights)
{
	return syscall(SYS_PKEY_ALLOC_NR, flags, rights);
}

static long pkey_free_(long key)
{
	return syscall(SYS_PKEY_FREE_NR, key);
}

static void arguments(void)
{
	EXPECT_ERR("alloc_flags_einval_8.6", pkey_alloc_(1, 0), EINVAL);
	EXPECT_ERR("alloc_rights_0x4_einval_21.14", pkey_alloc_(0, 0x4), EINVAL);
	EXPECT_ERR("alloc_rights_high_einval_8.6", pkey_alloc_(0, 1UL << 40), EINVAL);
}

static void first_then_enospc(const char *who)
{
	EXPECT_ERR(nm("%sfirst_alloc_einval_13", who), pkey_alloc_(0, 0), EINVAL);
	EXPECT_ERR(nm("%ssecond_alloc_enospc_13", who), pkey_alloc_(0, 0), ENOSPC);
	EXPECT_ERR(nm("%salloc_disable_write_enospc_13", who), pkey_alloc_(0, 2), ENOSPC);
	EXPECT_ERR(nm("%salloc_flags_still_einval_8.6", who), pkey_alloc_(1, 0), EINVAL);
}

static void frees(void)
{
	for (long key = -1; key <= 16; key++)
		EXPECT_ERR(nm("free_%ld_einval_8.6", key), pkey_free_(key), EINVAL);
}

static void mprotect_keys(void)
{
	unsigned char *p = map_anon(2, PROT_READ | PROT_WRITE), *r = reserve(1);

	SETUP("setup_mprotect", p);
	if (!p)
		return;
	EXPECT_OK("pkey_mprotect_minus_1_ok_8.5", sys_pkey_mprotect(p, PG, PROT_READ, -1));
	EXPECT_TRUE("pkey_mprotect_minus_1_applied_8.5", perms_is(p, "r--p"));
	for (int key = 0; key <= 15; key++)
		EXPECT_ERR(nm("pkey_mprotect_key_%d_einval_8.5", key), sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, key),
			   EINVAL);
	EXPECT_TRUE("pkey_mprotect_refused_prot_unchanged_8.5", perms_is(p, "r--p"));
	EXPECT_ERR("pkey_mprotect_key_unmapped_einval_before_enomem_8.5", sys_pkey_mprotect(r, PG, PROT_READ, 1), EINVAL);
	EXPECT_ERR("pkey_mprotect_bad_prot_einval_first_8.5", sys_pkey_mprotect(p, PG, 0x10, 1), EINVAL);
	EXPECT_ERR("pkey_mprotect_unaligned_einval_first_8.5", sys_pkey_mprotect(p + 1, PG, PROT_READ, 1), EINVAL);
	EXPECT_OK("pkey_mprotect_len0_key_ok_8.5", sys_pkey_mprotect(p, 0, PROT_READ, 5));
	munmap(p, 2 * PG);
}

static void fork_child_enospc(void *arg)
{
	(void)arg;
	EXPECT_ERR("fork_child_alloc_enospc_8.6", pkey_alloc_(0, 0), ENOSPC);
	EXPECT_ERR("fork_child_free_einval_8.6", pkey_free_(1), EINVAL);
}

int main(int argc, char **argv)
{
	check_init("pkey", &argc, argv);
	if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
		/* A new image has a new address space: its first call EINVAL. */
		first_then_enospc("exec_child_");
		return check_finish();
	}
	arguments();
	frees();
	mprotect_keys();
	first_then_enospc("");
	check_fork_child("fork_child_exits_0_8.6", fork_child_enospc, NULL);
	{
		const char *args[] = {"exec-child", NULL};

		check_exec_child("exec_child_reported_8.6", NULL, args);
	}
	return check_finish();
}
