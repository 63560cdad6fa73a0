/*
 * seal.c - memory sealing with mseal (spec §8.11, §12, §8.2, §8.3 step 6
 * and 9, §8.4 step 8f, §8.8 step 6, §20; DECISIONS.md D4).
 *
 * Covers mseal's argument rules; every operation a seal refuses (munmap,
 * mremap as source and destination, mprotect, pkey_mprotect, MAP_FIXED,
 * the content-discarding madvise advices, brk shrinking, shmdt) including
 * ranges only partly sealed; what still works (loads, stores, WILLNEED,
 * msync, mlock); VMA split and merge around a sealed page; sealing across
 * VMA boundaries; mremap of an unsealed neighbour; W^X before the seal
 * check; fork (seals kept) and exec (seals gone).
 *
 * Usage: seal            (runs with W^X active, the sandbox default)
 * Internal: seal --check-report-fd N exec-child <hex address>
 */
#include "check.h"

#include <sys/ipc.h>
#include <sys/shm.h>

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)

/* An address for the exec test, well away from where anything is mapped. */
#define EXEC_FIXED_ADDR ((unsigned char *)0x3e0000000000UL)

/* ---- mseal arguments (§8.11) ---- */

static void seal_args(void)
{
	unsigned char *p = map_anon(2, RW), *r, *q;

	SETUP("setup_args", p);
	if (!p)
		return;
	EXPECT_ERR("mseal_flags_nonzero_einval_8.11.1", sys_mseal(p, PG, 1), EINVAL);
	EXPECT_ERR("mseal_flags_high_bit_einval_8.11.1", sys_mseal(p, PG, 1UL << 63), EINVAL);
	EXPECT_ERR("mseal_unaligned_einval_8.11.2", sys_mseal(p + 1, PG, 0), EINVAL);
	EXPECT_ERR("mseal_wrap_einval_8.11.3", sys_mseal(p, (size_t)0 - PG, 0), EINVAL);
	EXPECT_OK("mseal_len0_ok_8.11.4", sys_mseal(p, 0, 0));
	EXPECT_OK("mseal_len0_unmapped_ok_8.11.4", sys_mseal(reserve(1), 0, 0));
	EXPECT_OK("mseal_len0_sealed_nothing_12.2", mprotect(p, 2 * PG, PROT_READ));
	munmap(p, 2 * PG);

	r = reserve(1);
	EXPECT_ERR("mseal_unmapped_enomem_8.11.5", sys_mseal(r, PG, 0), ENOMEM);
	EXPECT_ERR("mseal_flags_before_enomem_einval_8.11.1", sys_mseal(r, PG, 1), EINVAL);

	/* A hole in the middle: ENOMEM and nothing sealed. */
	r = reserve(3);
	SETUP("setup_hole", r && map_at(r, 1, RW) && map_at(r + 2 * PG, 1, RW));
	EXPECT_ERR("mseal_hole_enomem_8.11.5", sys_mseal(r, 3 * PG, 0), ENOMEM);
	EXPECT_OK("mseal_hole_sealed_nothing_first_12.2", munmap(r, PG));
	EXPECT_OK("mseal_hole_sealed_nothing_last_12.2", munmap(r + 2 * PG, PG));

	/* The range runs past the last VMA: ENOMEM, nothing sealed. */
	r = reserve(2);
	SETUP("setup_tail", r && map_at(r, 1, RW));
	EXPECT_ERR("mseal_end_unmapped_enomem_8.11.5", sys_mseal(r, 2 * PG, 0), ENOMEM);
	EXPECT_OK("mseal_end_unmapped_sealed_nothing_12.2", mprotect(r, PG, PROT_READ));
	munmap(r, PG);

	/* The length is rounded up to whole pages; resealing is a no-op. */
	q = map_anon(1, RW);
	SETUP("setup_round", q);
	EXPECT_OK("mseal_len1_ok_8.11.3", sys_mseal(q, 1, 0));
	EXPECT_ERR("mseal_len1_sealed_whole_page_12.2", munmap(q, PG), EPERM);
	EXPECT_OK("mseal_again_noop_ok_8.11.6", sys_mseal(q, PG, 0));
}

/* ---- a sealed region and its unsealed neighbours (§12.1) ---- */

/*
 * Layout at r (5 pages): [A 1 page RW][S 2 pages RW, sealed][C 1 page RW]
 * [free page]. A, S and C are filled with 0xaa, 0x5e and 0xcc.
 */
static unsigned char *A, *S, *C;

static int layout(void)
{
	unsigned char *r = reserve(5);

	if (!r || !map_at(r, 4, RW))
		return 0;
	A = r;
	S = r + PG;
	C = r + 3 * PG;
	memset(A, 0xaa, PG);
	memset(S, 0x5e, 2 * PG);
	memset(C, 0xcc, PG);
	return sys_mseal(S, 2 * PG, 0) == 0;
}

static void sealed_refusals(void)
{
	unsigned char *dst, *src;

	SETUP("setup_layout", layout());
	if (!S)
		return;

	/* munmap (§8.2 step 2): nothing is unmapped, even partly. */
	EXPECT_ERR("munmap_sealed_eperm_8.2.2", munmap(S, 2 * PG), EPERM);
	EXPECT_ERR("munmap_sealed_one_page_eperm_8.2.2", munmap(S + PG, PG), EPERM);
	EXPECT_ERR("munmap_unsealed_plus_sealed_eperm_8.2.2", munmap(A, 2 * PG), EPERM);
	EXPECT_TRUE("munmap_partly_sealed_left_unsealed_part_12.1", intact(A, 1, 0xaa));
	EXPECT_ERR("munmap_sealed_plus_unsealed_eperm_8.2.2", munmap(S + PG, 2 * PG), EPERM);
	EXPECT_TRUE("munmap_partly_sealed_left_later_part_12.1", intact(C, 1, 0xcc));
	EXPECT_ERR("munmap_covering_all_eperm_8.2.2", munmap(A, 5 * PG), EPERM);
	EXPECT_TRUE("munmap_refused_sealed_intact_12.1", intact(S, 2, 0x5e) && perms_is(S, "rw-p"));

	/* mprotect / pkey_mprotect (§8.4 step 8f): even to the same prot. */
	EXPECT_ERR("mprotect_sealed_same_prot_eperm_8.4.8f", mprotect(S, 2 * PG, RW), EPERM);
	EXPECT_ERR("mprotect_sealed_to_r_eperm_8.4.8f", mprotect(S, PG, PROT_READ), EPERM);
	EXPECT_ERR("mprotect_sealed_to_none_eperm_8.4.8f", mprotect(S + PG, PG, PROT_NONE), EPERM);
	EXPECT_ERR("pkey_mprotect_sealed_to_r_eperm_8.5", sys_pkey_mprotect(S, PG, PROT_READ, -1), EPERM);
	EXPECT_ERR("pkey_mprotect_sealed_same_prot_eperm_8.5", sys_pkey_mprotect(S, PG, RW, -1), EPERM);
	EXPECT_ERR("pkey_mprotect_sealed_bad_key_einval_first_8.5", sys_pkey_mprotect(S, PG, PROT_READ, 1),
		   EINVAL);
	EXPECT_ERR("mprotect_sealed_then_unsealed_eperm_8.4.8f", mprotect(S + PG, 2 * PG, PROT_READ), EPERM);
	EXPECT_TRUE("mprotect_refused_later_unsealed_unchanged_8.4.8", perms_is(C, "rw-p"));
	EXPECT_ERR("mprotect_unsealed_then_sealed_eperm_8.4.8f", mprotect(A, 2 * PG, PROT_READ), EPERM);
	PEXPECT_TRUE("mprotect_refused_earlier_unsealed_unchanged_D4", perms_is(A, "rw-p"));
	EXPECT_TRUE("mprotect_refused_sealed_still_rw_12.1", perms_is(S, "rw-p") && perms_is(S + PG, "rw-p"));

	/* W^X comes before the seal check, per VMA (§8.4 step 8c before 8f). */
	PEXPECT_ERR("mprotect_sealed_rw_to_rx_wx_eacces_before_eperm_8.4.8", mprotect(S, PG, RX), EACCES);

	/* mremap as source (§8.3 step 6): grow, move, shrink. */
	EXPECT_MAP_ERR("mremap_sealed_grow_eperm_8.3.6", mremap(S, 2 * PG, 3 * PG, 0), EPERM);
	EXPECT_MAP_ERR("mremap_sealed_grow_maymove_eperm_8.3.6", mremap(S, 2 * PG, 4 * PG, MREMAP_MAYMOVE),
		       EPERM);
	EXPECT_MAP_ERR("mremap_sealed_shrink_eperm_8.3.6", mremap(S, 2 * PG, PG, 0), EPERM);
	EXPECT_TRUE("mremap_sealed_shrink_refused_tail_kept_12.1", intact(S + PG, 1, 0x5e));
	dst = reserve(2);
	EXPECT_MAP_ERR("mremap_sealed_move_fixed_eperm_8.3.6",
		       mremap(S, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), EPERM);
	EXPECT_TRUE("mremap_sealed_move_refused_dest_unmapped_12.1", perms_is(dst, "none"));
	EXPECT_MAP_ERR("mremap_sealed_dontunmap_eperm_8.3.6",
		       mremap(S, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), EPERM);
	/* Steps 1-5 look at no VMA: an overlapping FIXED target is EINVAL. */
	EXPECT_MAP_ERR("mremap_sealed_overlapping_fixed_einval_8.3.5",
		       mremap(S, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, S + PG), EINVAL);

	/* mremap as MREMAP_FIXED destination (§8.3 step 9). */
	src = map_anon(2, RW);
	SETUP("setup_mremap_src", src);
	if (src) {
		memset(src, 0x77, 2 * PG);
		EXPECT_MAP_ERR("mremap_fixed_dest_sealed_eperm_8.3.9",
			       mremap(src, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, S), EPERM);
		EXPECT_MAP_ERR("mremap_fixed_dest_partly_sealed_eperm_8.3.9",
			       mremap(src, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, A), EPERM);
		EXPECT_TRUE("mremap_fixed_dest_refused_source_kept_8.3.9", intact(src, 2, 0x77));
		EXPECT_TRUE("mremap_fixed_dest_refused_dest_kept_8.3.9",
			    intact(A, 1, 0xaa) && intact(S, 2, 0x5e));
		munmap(src, 2 * PG);
	}

	/* mmap MAP_FIXED over it (§8.1 step 6a); NOREPLACE reports EEXIST. */
	EXPECT_MAP_ERR("mmap_fixed_over_sealed_eperm_8.1.6a",
		       mmap(S, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EPERM);
	EXPECT_MAP_ERR("mmap_fixed_over_partly_sealed_eperm_8.1.6a",
		       mmap(A, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EPERM);
	EXPECT_MAP_ERR("mmap_fixed_r_over_sealed_eperm_8.1.6a",
		       mmap(S, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EPERM);
	EXPECT_MAP_ERR("mmap_fixed_noreplace_over_sealed_eexist_8.1.5h",
		       mmap(S, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	EXPECT_TRUE("mmap_fixed_refused_all_intact_12.1",
		    intact(A, 1, 0xaa) && intact(S, 2, 0x5e) && intact(C, 1, 0xcc));

	/* madvise: the content-discarding advices are refused up front on
	 * sealed memory (§8.8 step 6, §22 #8). Linux only refuses them on
	 * read-only private anonymous memory, so on this RW mapping they are
	 * Peios rules. */
	PEXPECT_ERR("madvise_dontneed_sealed_rw_eperm_8.8.6", madvise(S, PG, MADV_DONTNEED), EPERM);
	PEXPECT_ERR("madvise_free_sealed_rw_eperm_8.8.6", madvise(S, PG, MADV_FREE), EPERM);
	PEXPECT_ERR("madvise_dontneed_locked_sealed_rw_eperm_12.1",
		    madvise(S, PG, MADV_DONTNEED_LOCKED), EPERM);
	PEXPECT_ERR("madvise_remove_sealed_rw_eperm_12.1", madvise(S, PG, MADV_REMOVE), EPERM);
	PEXPECT_ERR("madvise_dontfork_sealed_rw_eperm_12.1", madvise(S, PG, MADV_DONTFORK), EPERM);
	PEXPECT_ERR("madvise_wipeonfork_sealed_rw_eperm_12.1", madvise(S, PG, MADV_WIPEONFORK), EPERM);
	PEXPECT_TRUE("madvise_refused_contents_intact_12.1", intact(S, 2, 0x5e));
	PEXPECT_ERR("madvise_dontneed_unsealed_plus_sealed_eperm_8.8.6", madvise(A, 2 * PG, MADV_DONTNEED),
		    EPERM);
	PEXPECT_TRUE("madvise_refused_unsealed_part_intact_8.8.6", intact(A, 1, 0xaa));

	/* Still allowed (§12.1). */
	EXPECT_OK("madvise_willneed_sealed_ok_12.1", madvise(S, 2 * PG, MADV_WILLNEED));
	EXPECT_OK("madvise_normal_sealed_ok_12.1", madvise(S, 2 * PG, MADV_NORMAL));
	EXPECT_OK("madvise_sequential_sealed_ok_12.1", madvise(S, 2 * PG, MADV_SEQUENTIAL));
	EXPECT_TRUE("sealed_rw_write_works_12.1", probe_write(S + 5, 0x11));
	EXPECT_EQ("sealed_rw_read_back_12.1", S[5], 0x11);
	S[5] = 0x5e;
	EXPECT_OK("msync_sealed_ok_12.1", msync(S, 2 * PG, MS_SYNC));
	EXPECT_OK("mlock_sealed_ok_12.1", mlock(S, PG));
	EXPECT_OK("munlock_sealed_ok_12.1", munlock(S, PG));
	EXPECT_OK("mseal_sealed_again_ok_8.11.6", sys_mseal(S, 2 * PG, 0));

	/* The unsealed neighbours are still unsealed. */
	EXPECT_OK("unsealed_neighbour_mprotect_ok_12.2", mprotect(C, PG, PROT_READ));
	EXPECT_OK("unsealed_neighbour_munmap_ok_12.2", munmap(C, PG));
	EXPECT_OK("unsealed_neighbour_before_munmap_ok_12.2", munmap(A, PG));
	EXPECT_TRUE("sealed_survives_neighbours_unmap_12.1", perms_is(S, "rw-p") && perms_is(S + PG, "rw-p"));
}

/* Read-only private anonymous memory: Linux refuses the discarding
 * advices too; other kinds of mapping: Peios only (§22 #8). */
static void madvise_kinds(void)
{
	static const struct {
		const char *name;
		int advice;
	} advs[] = {
		{"dontneed", MADV_DONTNEED},         {"free", MADV_FREE},
		{"dontneed_locked", MADV_DONTNEED_LOCKED}, {"dontfork", MADV_DONTFORK},
		{"wipeonfork", MADV_WIPEONFORK},
	};
	unsigned char *ro = map_anon(1, RW), *sh, *fm;
	char path[64];
	int fd;

	SETUP("setup_madvise_ro", ro);
	if (ro) {
		memset(ro, 0x42, PG);
		SETUP("setup_madvise_ro_seal", mprotect(ro, PG, PROT_READ) == 0 && sys_mseal(ro, PG, 0) == 0);
		for (size_t i = 0; i < sizeof(advs) / sizeof(advs[0]); i++)
			EXPECT_ERR(nm("madvise_%s_sealed_ro_anon_eperm_12.1", advs[i].name),
				   madvise(ro, PG, advs[i].advice), EPERM);
		EXPECT_TRUE("madvise_sealed_ro_anon_intact_12.1", intact(ro, 1, 0x42));
	}

	sh = mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP("setup_madvise_shared", sh != MAP_FAILED && sys_mseal(sh, PG, 0) == 0);
	if (sh != MAP_FAILED) {
		memset(sh, 0x43, PG);
		PEXPECT_ERR("madvise_dontneed_sealed_shared_anon_eperm_8.8.6", madvise(sh, PG, MADV_DONTNEED), EPERM);
		PEXPECT_ERR("madvise_remove_sealed_shared_anon_eperm_12.1", madvise(sh, PG, MADV_REMOVE), EPERM);
		PEXPECT_TRUE("madvise_sealed_shared_anon_intact_12.1", intact(sh, 1, 0x43));
	}

	snprintf(path, sizeof(path), "/tmp/peios-seal-%d.bin", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	SETUP("setup_madvise_file", fd >= 0 && ftruncate(fd, PG) == 0);
	if (fd >= 0) {
		fm = mmap(NULL, PG, RW, MAP_PRIVATE, fd, 0);
		SETUP("setup_madvise_file_seal", fm != MAP_FAILED && sys_mseal(fm, PG, 0) == 0);
		if (fm != MAP_FAILED) {
			fm[0] = 0x44;
			PEXPECT_ERR("madvise_dontneed_sealed_private_file_eperm_8.8.6",
				    madvise(fm, PG, MADV_DONTNEED), EPERM);
			PEXPECT_EQ("madvise_sealed_private_file_cow_copy_kept_12.1", fm[0], 0x44);
		}
		close(fd);
		unlink(path);
	}
}

/* ---- split and merge (§12.2) ---- */

static void split_merge(void)
{
	unsigned char *m = map_anon(3, RW), *n;

	SETUP("setup_split", m && sys_mseal(m + PG, PG, 0) == 0);
	if (!m)
		return;
	EXPECT_OK("split_first_page_mprotect_ok_12.2", mprotect(m, PG, PROT_READ));
	EXPECT_OK("split_last_page_mprotect_ok_12.2", mprotect(m + 2 * PG, PG, PROT_READ));
	EXPECT_ERR("split_middle_page_mprotect_eperm_12.2", mprotect(m + PG, PG, PROT_READ), EPERM);
	EXPECT_TRUE("split_prots_r_rw_r_12.2",
		    perms_is(m, "r--p") && perms_is(m + PG, "rw-p") && perms_is(m + 2 * PG, "r--p"));
	EXPECT_ERR("split_all_three_mprotect_eperm_12.2", mprotect(m, 3 * PG, PROT_READ), EPERM);
	EXPECT_OK("split_first_page_munmap_ok_12.2", munmap(m, PG));
	EXPECT_OK("split_last_page_munmap_ok_12.2", munmap(m + 2 * PG, PG));
	EXPECT_ERR("split_middle_page_munmap_eperm_12.2", munmap(m + PG, PG), EPERM);
	EXPECT_TRUE("split_middle_still_mapped_rw_12.2", perms_is(m + PG, "rw-p"));

	/* Same protection everywhere: the sealed page never merges with its
	 * neighbours, so they stay unsealed. */
	n = map_anon(3, PROT_READ);
	SETUP("setup_merge", n && sys_mseal(n + PG, PG, 0) == 0);
	if (!n)
		return;
	EXPECT_OK("merge_first_same_prot_mprotect_ok_12.2", mprotect(n, PG, PROT_READ));
	EXPECT_OK("merge_first_page_munmap_ok_12.2", munmap(n, PG));
	EXPECT_OK("merge_last_page_munmap_ok_12.2", munmap(n + 2 * PG, PG));
	EXPECT_ERR("merge_middle_page_munmap_eperm_12.2", munmap(n + PG, PG), EPERM);
}

/* Sealing across a VMA boundary seals both VMAs (§8.11 step 6). */
static void across_vmas(void)
{
	unsigned char *r = reserve(2);

	SETUP("setup_across", r && map_at(r, 1, PROT_READ) && map_at(r + PG, 1, RW));
	if (!r)
		return;
	EXPECT_OK("mseal_across_two_vmas_ok_8.11.6", sys_mseal(r, 2 * PG, 0));
	EXPECT_ERR("across_first_vma_munmap_eperm_12.1", munmap(r, PG), EPERM);
	EXPECT_ERR("across_second_vma_munmap_eperm_12.1", munmap(r + PG, PG), EPERM);
	EXPECT_ERR("across_first_vma_mprotect_eperm_12.1", mprotect(r, PG, PROT_READ), EPERM);
	EXPECT_ERR("across_second_vma_mprotect_eperm_12.1", mprotect(r + PG, PG, RW), EPERM);
	EXPECT_TRUE("across_prots_kept_12.1", perms_is(r, "r--p") && perms_is(r + PG, "rw-p"));
	/* W^X per VMA: the R VMA passes W^X and is sealed (EPERM); the RW one
	 * fails W^X first (EACCES). */
	EXPECT_ERR("across_sealed_r_to_rx_eperm_8.4.8f", mprotect(r, PG, RX), EPERM);
	EXPECT_ERR("across_sealed_r_then_rw_to_rx_eperm_8.4.8", mprotect(r, 2 * PG, RX), EPERM);
	PEXPECT_ERR("across_sealed_rw_to_rx_wx_eacces_8.4.8c", mprotect(r + PG, PG, RX), EACCES);

	/* [RW unsealed][R sealed] -> RX: the first VMA fails W^X (EACCES)
	 * before the second one's seal is looked at; Linux changes the first
	 * VMA and reports the seal. */
	r = reserve(2);
	SETUP("setup_wx_then_seal", r && map_at(r, 1, RW) && map_at(r + PG, 1, PROT_READ) &&
					    sys_mseal(r + PG, PG, 0) == 0);
	if (!r)
		return;
	PEXPECT_ERR("mprotect_unsealed_rw_then_sealed_r_to_rx_wx_eacces_8.4.8", mprotect(r, 2 * PG, RX), EACCES);
	PEXPECT_TRUE("mprotect_wx_refused_unsealed_unchanged_D4", perms_is(r, "rw-p"));
}

/* mremap of an unsealed mapping next to a sealed one (§8.3 steps 7-10). */
static void mremap_neighbour(void)
{
	unsigned char *r = reserve(3), *u, *b, *moved;

	/* [U][B sealed]: no room to grow in place. */
	SETUP("setup_neigh1", r && (u = map_at(r, 1, RW)) && (b = map_at(r + PG, 1, RW)) &&
				      sys_mseal(b, PG, 0) == 0);
	if (!r || !u || !b)
		return;
	memset(u, 0x31, PG);
	memset(b, 0x32, PG);
	EXPECT_MAP_ERR("mremap_unsealed_grow_into_sealed_enomem_8.3.10", mremap(u, PG, 2 * PG, 0), ENOMEM);
	EXPECT_TRUE("mremap_grow_refused_sealed_intact_12.1", intact(b, 1, 0x32) && perms_is(b, "rw-p"));
	/* Shrinking a range whose tail is the sealed VMA unmaps that tail:
	 * refused (§8.3 step 7). */
	EXPECT_MAP_ERR("mremap_shrink_tail_sealed_eperm_8.3.7", mremap(u, 2 * PG, PG, 0), EPERM);
	EXPECT_MAP_OK("mremap_unsealed_grow_maymove_ok_8.3.10",
		      moved = mremap(u, PG, 2 * PG, MREMAP_MAYMOVE));
	if (moved != MAP_FAILED) {
		EXPECT_TRUE("mremap_unsealed_moved_away_8.3.10", moved != u);
		EXPECT_TRUE("mremap_unsealed_moved_contents_8.3.11", intact(moved, 1, 0x31));
		munmap(moved, 2 * PG);
	}
	EXPECT_ERR("mremap_neighbour_sealed_still_sealed_12.1", munmap(b, PG), EPERM);

	/* [U][free][B sealed]: grow in place into the free page only. */
	r = reserve(3);
	SETUP("setup_neigh2", r && (u = map_at(r, 1, RW)) && (b = map_at(r + 2 * PG, 1, RW)) &&
				      sys_mseal(b, PG, 0) == 0);
	if (!r || !u || !b)
		return;
	memset(u, 0x33, PG);
	EXPECT_MAP_AT("mremap_unsealed_grow_in_place_ok_8.3.10", mremap(u, PG, 2 * PG, 0), u);
	EXPECT_MAP_ERR("mremap_unsealed_grow_onto_sealed_enomem_8.3.10", mremap(u, 2 * PG, 3 * PG, 0), ENOMEM);
	EXPECT_TRUE("mremap_grown_contents_8.3.11", intact(u, 1, 0x33));
	EXPECT_OK("mremap_grown_unsealed_munmap_ok_12.2", munmap(u, 2 * PG));
	EXPECT_ERR("mremap_neighbour2_sealed_still_sealed_12.1", munmap(b, PG), EPERM);
}

/* ---- brk (§12.1) ---- */

static void seal_brk(void)
{
	unsigned long cur = syscall(SYS_brk, 0UL);
	unsigned long base = (cur + PG - 1) & ~(PG - 1);

	EXPECT_RET("brk_grow_ok_setup_12.1", syscall(SYS_brk, base + 2 * PG), base + 2 * PG);
	EXPECT_OK("mseal_heap_ok_8.11", sys_mseal((void *)base, 2 * PG, 0));
	EXPECT_RET("brk_shrink_into_sealed_unchanged_12.1", syscall(SYS_brk, base), base + 2 * PG);
	EXPECT_RET("brk_shrink_one_sealed_page_unchanged_12.1", syscall(SYS_brk, base + PG), base + 2 * PG);
	EXPECT_TRUE("brk_refused_heap_still_mapped_12.1", perms_is((void *)base, "rw-p"));
	EXPECT_RET("brk_grow_past_sealed_ok_12.1", syscall(SYS_brk, base + 3 * PG), base + 3 * PG);
	EXPECT_RET("brk_shrink_unsealed_part_ok_12.1", syscall(SYS_brk, base + 2 * PG), base + 2 * PG);
}

/* ---- SysV shm (§12.1: shmdt is an unmap) ---- */

static void seal_shmdt(void)
{
	int id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
	void *a;

	SETUP("setup_shmget", id >= 0);
	if (id < 0)
		return;
	a = shmat(id, NULL, 0);
	SETUP("setup_shmat", a != (void *)-1);
	if (a != (void *)-1) {
		memset(a, 0x55, PG);
		EXPECT_OK("mseal_shm_attachment_ok_8.11", sys_mseal(a, PG, 0));
		/* Linux 6.18 ignores the seal error in shmdt and returns 0
		 * (the attachment stays mapped); Peios reports EPERM. */
		PEXPECT_ERR("shmdt_sealed_eperm_12.1", shmdt(a), EPERM);
		EXPECT_TRUE("shmdt_refused_still_attached_12.1", intact(a, 1, 0x55));
	}
	shmctl(id, IPC_RMID, NULL);
}

/* ---- munmap arguments (§8.2 step 1) ---- */

static void munmap_args(void)
{
	unsigned char *p = map_anon(1, RW);

	SETUP("setup_munmap_args", p);
	EXPECT_ERR("munmap_unaligned_einval_8.2.1", munmap(p + 1, PG), EINVAL);
	EXPECT_ERR("munmap_len0_einval_8.2.1", munmap(p, 0), EINVAL);
	EXPECT_ERR("munmap_above_task_size_einval_8.2.1", munmap((void *)(TASK_SIZE_4L + PG), PG), EINVAL);
	EXPECT_OK("munmap_hole_ok_8.2.5", munmap(reserve(1), PG));
	munmap(p, PG);
}

/* ---- fork (§12.4, §20) ---- */

static unsigned char *fork_sealed;

static void fork_child(void *arg)
{
	(void)arg;
	EXPECT_ERR("fork_child_munmap_sealed_eperm_12.4", munmap(fork_sealed, PG), EPERM);
	EXPECT_ERR("fork_child_mprotect_sealed_eperm_12.4", mprotect(fork_sealed, PG, PROT_READ), EPERM);
	EXPECT_MAP_ERR("fork_child_mremap_sealed_eperm_12.4",
		       mremap(fork_sealed, PG, 2 * PG, MREMAP_MAYMOVE), EPERM);
	EXPECT_TRUE("fork_child_sealed_contents_12.4", intact(fork_sealed, 1, 0x66));
	EXPECT_TRUE("fork_child_sealed_writable_12.4", probe_write(fork_sealed + 1, 0x66));
	PEXPECT_ERR("fork_child_madvise_dontneed_sealed_eperm_12.4", madvise(fork_sealed, PG, MADV_DONTNEED),
		    EPERM);
}

static void seal_fork(void)
{
	fork_sealed = map_anon(1, RW);
	SETUP("setup_fork", fork_sealed && sys_mseal(fork_sealed, PG, 0) == 0);
	if (!fork_sealed)
		return;
	memset(fork_sealed, 0x66, PG);
	check_fork_child("fork_child_exited_0", fork_child, NULL);
	EXPECT_ERR("fork_parent_still_sealed_12.4", munmap(fork_sealed, PG), EPERM);
}

/* ---- exec (§12.4): seals are gone with the old address space ---- */

static void seal_exec(void)
{
	unsigned char *f = map_at(EXEC_FIXED_ADDR, 1, RW);
	char addr[32];
	const char *args[] = {"exec-child", addr, NULL};

	SETUP("setup_exec_fixed", f && sys_mseal(f, PG, 0) == 0);
	if (!f)
		return;
	EXPECT_ERR("exec_parent_sealed_eperm_12.1", munmap(f, PG), EPERM);
	snprintf(addr, sizeof(addr), "%#lx", (unsigned long)f);
	check_exec_child("exec_child_reported", NULL, args);
}

static void exec_child(unsigned char *f)
{
	/* The parent's sealed page is not in the new image: the address is
	 * free, a new mapping there is unsealed. */
	EXPECT_TRUE("exec_child_old_sealed_address_free_12.4", perms_is(f, "none"));
	EXPECT_MAP_AT("exec_child_map_same_address_ok_12.4",
		      mmap(f, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), f);
	EXPECT_OK("exec_child_new_mapping_unsealed_munmap_ok_12.4", munmap(f, PG));
}

int main(int argc, char **argv)
{
	check_init("seal", &argc, argv);
	probe_install();
	if (argc == 3 && strcmp(argv[1], "exec-child") == 0) {
		exec_child((unsigned char *)strtoul(argv[2], NULL, 0));
		return check_finish();
	}
	seal_args();
	munmap_args();
	sealed_refusals();
	madvise_kinds();
	split_merge();
	across_vmas();
	mremap_neighbour();
	seal_shmdt();
	seal_fork();
	seal_exec();
	seal_brk(); /* last: the heap stays sealed */
	return check_finish();
}
