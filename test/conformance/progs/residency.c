/*
 * residency.c - msync (spec §8.13), mincore with real residency (§8.14)
 * and remap_file_pages, emulated (§8.7).
 *
 * Residency is what the address space has backed: gVisor backs small
 * anonymous mappings as soon as they are made and faults private memory in
 * 2 MiB chunks, so the checks only rely on what both Linux and gVisor do:
 * touched pages are resident, pages dropped by MADV_DONTNEED are not, a
 * large untouched mapping (and MAP_POPULATE|MAP_NONBLOCK) is not,
 * MAP_POPULATE and MADV_POPULATE_* are.
 *
 * Usage: residency
 */
#include <sys/shm.h>
#include <sys/stat.h>

#include "check.h"
#include "mm_util.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* ---- msync (§8.13) ---- */

static void msync_rules(void)
{
	int fd = tmpfile_of("msync", 2, 0x10);
	unsigned char *p = map_anon(2, RW), *r = reserve(3), *f, *l, buf[4];

	SETUP("setup_msync", p && fd >= 0);
	if (!p || fd < 0)
		return;
	EXPECT_ERR("msync_bad_flags_einval_8.13", msync(p, PG, 8), EINVAL);
	EXPECT_ERR("msync_unaligned_einval_8.13", msync(p + 1, PG, MS_ASYNC), EINVAL);
	EXPECT_ERR("msync_async_and_sync_einval_8.13", msync(p, PG, MS_ASYNC | MS_SYNC), EINVAL);
	EXPECT_ERR("msync_bad_flags_unmapped_einval_8.13", msync(r, PG, 8), EINVAL);
	EXPECT_OK("msync_len_rounds_to_0_ok_8.13", msync(p, (size_t)-1, MS_SYNC));
	EXPECT_ERR("msync_wraps_enomem_8.13", msync(p, (size_t)0 - 2 * PG, MS_ASYNC), ENOMEM);
	EXPECT_OK("msync_len0_ok_8.13", msync(r, 0, MS_SYNC));
	EXPECT_OK("msync_flags_0_ok_8.13", msync(p, PG, 0));
	EXPECT_OK("msync_anon_sync_ok_8.13", msync(p, 2 * PG, MS_SYNC));
	EXPECT_OK("msync_invalidate_ok_8.13", msync(p, 2 * PG, MS_INVALIDATE));
	EXPECT_ERR("msync_unmapped_enomem_8.13", msync(r, PG, MS_ASYNC), ENOMEM);
	SETUP("setup_msync_hole", map_at(r, 1, RW) && map_at(r + 2 * PG, 1, RW));
	EXPECT_ERR("msync_hole_enomem_8.13", msync(r, 3 * PG, MS_ASYNC), ENOMEM);
	EXPECT_ERR("msync_hole_sync_enomem_8.13", msync(r, 3 * PG, MS_SYNC), ENOMEM);
	munmap(r, 3 * PG);

	f = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
	SETUP("setup_msync_file", f != MAP_FAILED);
	if (f != MAP_FAILED) {
		memset(f, 0x20, 2 * PG);
		EXPECT_OK("msync_shared_file_sync_ok_8.13", msync(f, 2 * PG, MS_SYNC));
		EXPECT_RET("msync_shared_file_written_8.13", pread(fd, buf, 4, PG), 4);
		EXPECT_TRUE("msync_shared_file_contents_8.13", buf[0] == 0x20 && buf[3] == 0x20);
		EXPECT_OK("msync_shared_file_async_ok_8.13", msync(f, PG, MS_ASYNC | MS_INVALIDATE));
		munmap(f, 2 * PG);
	}
	l = map_anon(1, RW);
	SETUP("setup_msync_locked", l && mlock(l, PG) == 0);
	if (l) {
		EXPECT_ERR("msync_invalidate_locked_ebusy_8.13", msync(l, PG, MS_INVALIDATE), EBUSY);
		EXPECT_OK("msync_sync_locked_ok_8.13", msync(l, PG, MS_SYNC));
		munmap(l, PG);
	}
	close(fd);
	unlink(tmp_path);
	munmap(p, 2 * PG);
}

/* ---- mincore (§8.14) ---- */

static void mincore_rules(void)
{
	unsigned char vec[2048], *p = map_anon(4, RW), *ro = map_anon(1, PROT_READ), *r = reserve(3);
	unsigned char *kernel = (unsigned char *)0xffff800000000000UL;

	SETUP("setup_mincore", p && ro);
	if (!p || !ro)
		return;
	EXPECT_ERR("mincore_unaligned_einval_8.14", mincore(p + 1, PG, vec), EINVAL);
	EXPECT_ERR("mincore_beyond_user_space_enomem_8.14", mincore((void *)(TASK_SIZE_4L - PG), 4 * PG, vec), ENOMEM);
	EXPECT_ERR("mincore_wraps_enomem_8.14", mincore(p, (size_t)0 - PG, vec), ENOMEM);
	EXPECT_ERR("mincore_kernel_vec_efault_8.14", mincore(p, PG, kernel), EFAULT);
	EXPECT_ERR("mincore_kernel_vec_len0_efault_8.14", mincore(p, 0, kernel), EFAULT);
	EXPECT_OK("mincore_len0_ok_8.14", mincore(r, 0, vec));
	EXPECT_ERR("mincore_unmapped_enomem_8.14", mincore(r, PG, vec), ENOMEM);
	EXPECT_ERR("mincore_ro_vec_efault_8.14", mincore(p, PG, ro), EFAULT);
	EXPECT_ERR("mincore_hole_ro_vec_enomem_8.14", mincore(r, PG, ro), ENOMEM);
	SETUP("setup_mincore_hole", map_at(r, 1, RW) && map_at(r + 2 * PG, 1, RW));
	memset(vec, 0x7f, 3);
	r[0] = 1;
	EXPECT_ERR("mincore_hole_enomem_8.14", mincore(r, 3 * PG, vec), ENOMEM);
	EXPECT_TRUE("mincore_hole_entries_before_written_8.14", vec[0] == 1 && vec[1] == 0x7f);
	munmap(r, 3 * PG);

	memset(p, 1, 4 * PG);
	EXPECT_OK("mincore_touched_ok_8.14", mincore(p, 4 * PG - 1, vec));
	EXPECT_TRUE("mincore_touched_resident_8.14", vec[0] == 1 && vec[1] == 1 && vec[2] == 1 && vec[3] == 1);
	SETUP("setup_dontneed", madvise(p + PG, 2 * PG, MADV_DONTNEED) == 0);
	EXPECT_OK("mincore_after_dontneed_ok_8.14", mincore(p, 4 * PG, vec));
	EXPECT_TRUE("mincore_dontneed_pages_not_resident_8.14", vec[0] == 1 && vec[1] == 0 && vec[2] == 0 && vec[3] == 1);
	SETUP("setup_populate", madvise(p + PG, PG, MADV_POPULATE_WRITE) == 0);
	EXPECT_OK("mincore_after_populate_ok_8.14", mincore(p, 4 * PG, vec));
	EXPECT_TRUE("mincore_populated_resident_10.2", vec[1] == 1);
	munmap(p, 4 * PG);

	p = mmap(NULL, 8 * HUGE_2M, RW, ANON, -1, 0);
	SETUP("setup_large", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		EXPECT_OK("mincore_large_ok_8.14", mincore(p + 4 * HUGE_2M, 1024 * PG, vec));
		EXPECT_TRUE("mincore_untouched_not_resident_8.14", vec[0] == 0 && vec[1023] == 0);
		munmap(p, 8 * HUGE_2M);
	}
	p = mmap(NULL, 4 * HUGE_2M, RW, ANON | MAP_POPULATE | MAP_NONBLOCK, -1, 0);
	SETUP("setup_nonblock", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		EXPECT_OK("mincore_nonblock_ok_8.14", mincore(p + HUGE_2M, 512 * PG, vec));
		EXPECT_TRUE("map_populate_nonblock_not_resident_9", vec[0] == 0 && vec[511] == 0);
		munmap(p, 4 * HUGE_2M);
	}
	p = mmap(NULL, 2 * HUGE_2M, RW, ANON | MAP_POPULATE, -1, 0);
	SETUP("setup_populate_map", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		EXPECT_OK("mincore_populate_ok_8.14", mincore(p, 1024 * PG, vec));
		EXPECT_TRUE("map_populate_resident_9", vec[0] == 1 && vec[1023] == 1);
		munmap(p, 2 * HUGE_2M);
	}
	munmap(ro, PG);
}

/* ---- mincore of files the caller may not see into (§8.14) ---- */

/* file_for makes an n-page file under /tmp with owner uid and mode, its
 * pages written back and dropped from the page cache where the host's
 * filesystem can drop them (so that untouched pages are not resident),
 * and returns its path in path. */
static int file_for(const char *tag, size_t n, uid_t uid, mode_t mode, char *path)
{
	int fd = tmpfile_of(tag, n, 0x5a);

	if (fd < 0)
		return -1;
	strcpy(path, tmp_path);
	fsync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (fchown(fd, uid, uid) || fchmod(fd, mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* map_file maps path read-only and shared, n pages, or returns NULL. */
static unsigned char *map_file(const char *path, size_t n)
{
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0)
		return NULL;
	p = mmap(NULL, n * PG, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* all_resident reports whether the n entries of vec are 1. */
static int all_resident(const unsigned char *vec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vec[i] != 1)
			return 0;
	return 1;
}

/*
 * A file VMA whose file the caller neither owns nor may open for writing
 * shows every page resident, whatever is (Linux's can_do_mincore); a file
 * it owns or may write shows its real residency. The caller is a child
 * that drops to uid 65534, so that no capability stands in.
 */
static void mincore_file_rules(void)
{
	enum { N = 1024 }; /* 4 MiB: untouched pages stay unmapped */
	static unsigned char vec[N];
	char other[96], owned[96], writable[96];
	int fo = file_for("mincore-other", N, 0, 0444, other);
	int fm = file_for("mincore-owned", N, 65534, 0444, owned);
	int fw = file_for("mincore-writable", N, 0, 0666, writable);
	int status = -1;
	pid_t pid;

	SETUP("setup_mincore_files", fo >= 0 && fm >= 0 && fw >= 0);
	if (fo < 0 || fm < 0 || fw < 0)
		return;
	pid = fork();
	if (pid == 0) {
		unsigned char *o, *m, *w;

		SETUP("setup_mincore_nobody", setgid(65534) == 0 && setuid(65534) == 0);
		o = map_file(other, N);
		m = map_file(owned, N);
		w = map_file(writable, N);
		SETUP("setup_mincore_file_maps", o && m && w);
		if (!o || !m || !w)
			_exit(0);
		EXPECT_OK("mincore_unowned_readonly_file_ok_8.14", mincore(o, N * PG, vec));
		EXPECT_TRUE("mincore_unowned_readonly_file_all_resident_8.14", all_resident(vec, N));
		(void)*(volatile unsigned char *)m;
		EXPECT_OK("mincore_owned_file_ok_8.14", mincore(m, N * PG, vec));
		EXPECT_TRUE("mincore_owned_file_real_residency_8.14", vec[0] == 1 && vec[N - 1] == 0);
		(void)*(volatile unsigned char *)w;
		EXPECT_OK("mincore_writable_file_ok_8.14", mincore(w, N * PG, vec));
		EXPECT_TRUE("mincore_writable_file_real_residency_8.14", vec[0] == 1 && vec[N - 1] == 0);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	EXPECT_TRUE("mincore_file_child_exits_8.14", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fo);
	close(fm);
	close(fw);
	unlink(other);
	unlink(owned);
	unlink(writable);
}

/* ---- remap_file_pages (§8.7) ---- */

static void fill_pages(unsigned char *p, int n)
{
	for (int i = 0; i < n; i++)
		memset(p + i * PG, i + 1, PG);
}

static void remap_rules(void)
{
	unsigned char *sh = mmap(NULL, 4 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0), *priv = map_anon(2, RW);
	int fd = tmpfile_of("remap", 4, 0), fdr;
	unsigned char *f, *fr, *fp;

	SETUP("setup_remap", sh != MAP_FAILED && priv && fd >= 0);
	if (sh == MAP_FAILED || !priv || fd < 0)
		return;
	fill_pages(sh, 4);
	EXPECT_ERR("remap_prot_einval_8.7", remap_file_pages(sh, PG, PROT_READ, 1, 0), EINVAL);
	EXPECT_ERR("remap_size_0_einval_8.7", remap_file_pages(sh, 0, 0, 1, 0), EINVAL);
	EXPECT_ERR("remap_size_below_page_einval_8.7", remap_file_pages(sh, PG - 1, 0, 1, 0), EINVAL);
	EXPECT_ERR("remap_wraps_einval_8.7", remap_file_pages(sh, (size_t)0 - PG, 0, 1, 0), EINVAL);
	EXPECT_ERR("remap_pgoff_wraps_einval_8.7", remap_file_pages(sh, PG, 0, (size_t)-1, 0), EINVAL);
	EXPECT_ERR("remap_private_anon_einval_8.7", remap_file_pages(priv, PG, 0, 0, 0), EINVAL);
	EXPECT_ERR("remap_unmapped_einval_8.7", remap_file_pages(reserve(1), PG, 0, 0, 0), EINVAL);
	EXPECT_ERR("remap_runs_past_end_einval_8.7", remap_file_pages(sh + 3 * PG, 2 * PG, 0, 0, 0), EINVAL);

	EXPECT_OK("remap_shared_anon_ok_8.7", remap_file_pages(sh, PG, 0, 3, 0));
	EXPECT_TRUE("remap_shared_anon_shows_page_3_8.7", filled(sh, PG, 4) && filled(sh + PG, PG, 2));
	sh[0] = 0x44;
	EXPECT_TRUE("remap_shared_anon_same_object_8.7", sh[3 * PG] == 0x44);
	/* Offsets at or above the lowest one still mapped (1 now). */
	EXPECT_OK("remap_lower_offset_ok_8.7", remap_file_pages(sh + 3 * PG, PG, 0, 1, MAP_NONBLOCK | 0x10));
	EXPECT_TRUE("remap_lower_offset_shows_page_1_8.7", filled(sh + 3 * PG, PG, 2));
	EXPECT_OK("remap_flags_masked_ok_8.7", remap_file_pages(sh + PG, 2 * PG, 0, 2, ~0));
	EXPECT_TRUE("remap_two_pages_8.7", filled(sh + PG, PG, 3) && sh[2 * PG] == 0x44 && filled(sh, PG, 0x44) == 0);

	f = mmap(NULL, 4 * PG, RW, MAP_SHARED, fd, 0);
	fp = mmap(NULL, 4 * PG, RW, MAP_PRIVATE, fd, 0);
	fdr = open(tmp_path, O_RDONLY);
	fr = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fdr, 0);
	SETUP("setup_remap_file", f != MAP_FAILED && fp != MAP_FAILED && fr != MAP_FAILED);
	if (f != MAP_FAILED && fp != MAP_FAILED && fr != MAP_FAILED) {
		fill_pages(f, 4);
		EXPECT_ERR("remap_private_file_einval_8.7", remap_file_pages(fp, PG, 0, 1, 0), EINVAL);
		EXPECT_ERR("remap_shared_file_opened_ro_einval_8.7", remap_file_pages(fr, PG, 0, 1, 0), EINVAL);
		EXPECT_OK("remap_shared_file_ok_8.7", remap_file_pages(f + PG, 2 * PG, 0, 2, 0));
		EXPECT_TRUE("remap_shared_file_contents_8.7",
			    filled(f, PG, 1) && filled(f + PG, PG, 3) && filled(f + 2 * PG, PG, 4) && filled(f + 3 * PG, PG, 4));
		EXPECT_TRUE("remap_keeps_protection_8.7", perms_is(f + PG, "rw-s"));
		SETUP("setup_remap_mprotect", mprotect(f + 3 * PG, PG, PROT_READ) == 0);
		EXPECT_ERR("remap_across_other_prot_einval_8.7", remap_file_pages(f + 2 * PG, 2 * PG, 0, 0, 0), EINVAL);
		SETUP("setup_remap_seal", sys_mseal(f + 3 * PG, PG, 0) == 0);
		EXPECT_ERR("remap_sealed_eperm_12.1", remap_file_pages(f + 3 * PG, PG, 0, 0, 0), EPERM);
		EXPECT_TRUE("remap_sealed_unchanged_12.1", filled(f + 3 * PG, PG, 4));
	}
	close(fd);
	close(fdr);
	unlink(tmp_path);
	munmap(sh, 4 * PG);
	munmap(priv, 2 * PG);
}

/*
 * Offsets below every one the address space maps of the object: the new
 * mapping is made from the VMA's own object, as Linux maps vm_file again,
 * whatever else maps it (files, unlinked files, shared anonymous memory,
 * PROT_NONE and locked VMAs).
 */
static void remap_below_rules(void)
{
	int fd = tmpfile_of("remap-below", 4, 0);
	unsigned char *f, *n, *l, *u, *sh, page[PG], b = 0;

	SETUP("setup_remap_below", fd >= 0);
	if (fd < 0)
		return;
	for (int i = 0; i < 4; i++) {
		memset(page, 0x10 + i, PG);
		SETUP("setup_remap_below_fill", pwrite(fd, page, PG, i * PG) == PG);
	}
	f = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 2 * PG);
	n = mmap(NULL, PG, PROT_NONE, MAP_SHARED, fd, 3 * PG);
	l = mmap(NULL, PG, RW, MAP_SHARED, fd, 3 * PG);
	u = mmap(NULL, PG, RW, MAP_SHARED, fd, 3 * PG);
	SETUP("setup_remap_below_maps", f != MAP_FAILED && n != MAP_FAILED && l != MAP_FAILED && u != MAP_FAILED);
	if (f == MAP_FAILED || n == MAP_FAILED || l == MAP_FAILED || u == MAP_FAILED)
		return;
	/* Nothing maps offsets 0 or 1. */
	EXPECT_OK("remap_below_file_ok_8.7", remap_file_pages(f, PG, 0, 0, 0));
	EXPECT_TRUE("remap_below_file_contents_8.7", filled(f, PG, 0x10) && filled(f + PG, PG, 0x13));
	EXPECT_TRUE("remap_below_keeps_protection_8.7", perms_is(f, "rw-s"));
	f[0] = 0x77;
	EXPECT_RET("remap_below_file_read_back_8.7", pread(fd, &b, 1, 0), 1);
	EXPECT_TRUE("remap_below_file_writes_reach_file_8.7", b == 0x77);
	EXPECT_OK("remap_below_two_pages_ok_8.7", remap_file_pages(f, 2 * PG, 0, 1, 0));
	EXPECT_TRUE("remap_below_two_pages_contents_8.7", filled(f, PG, 0x11) && filled(f + PG, PG, 0x12));

	EXPECT_OK("remap_below_prot_none_ok_8.7", remap_file_pages(n, PG, 0, 0, 0));
	EXPECT_TRUE("remap_below_prot_none_stays_8.7", perms_is(n, "---s"));
	SETUP("setup_remap_below_prot_none_read", mprotect(n, PG, PROT_READ) == 0);
	EXPECT_TRUE("remap_below_prot_none_contents_8.7", n[0] == 0x77 && filled(n + 512, PG - 512, 0x10));

	SETUP("setup_remap_below_lock", mlock(l, PG) == 0);
	EXPECT_OK("remap_below_locked_ok_8.7", remap_file_pages(l, PG, 0, 0, 0));
	EXPECT_TRUE("remap_below_locked_stays_locked_8.7", has_flag(l, "lo"));
	EXPECT_TRUE("remap_below_locked_contents_8.7", l[0] == 0x77 && filled(l + 512, PG - 512, 0x10));
	munlock(l, PG);

	/* An unlinked file: the maps path no longer names it. */
	close(fd);
	unlink(tmp_path);
	EXPECT_OK("remap_below_unlinked_ok_8.7", remap_file_pages(u, PG, 0, 1, 0));
	EXPECT_TRUE("remap_below_unlinked_contents_8.7", filled(u, PG, 0x11));
	u[0] = 0x66;
	EXPECT_TRUE("remap_below_unlinked_same_file_8.7", f[0] == 0x66);

	sh = mmap(NULL, 4 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP("setup_remap_below_shared_anon", sh != MAP_FAILED);
	if (sh != MAP_FAILED) {
		fill_pages(sh, 4);
		SETUP("setup_remap_below_shared_anon_move", remap_file_pages(sh, PG, 0, 3, 0) == 0);
		/* sh shows offsets 3, 1, 2, 3: nothing maps offset 0. */
		EXPECT_OK("remap_below_shared_anon_ok_8.7", remap_file_pages(sh + PG, PG, 0, 0, 0));
		EXPECT_TRUE("remap_below_shared_anon_contents_8.7", filled(sh + PG, PG, 1));
		EXPECT_OK("remap_below_shared_anon_again_ok_8.7", remap_file_pages(sh + 2 * PG, PG, 0, 0, 0));
		sh[PG] = 0x55;
		EXPECT_TRUE("remap_below_shared_anon_same_object_8.7", sh[2 * PG] == 0x55 && filled(sh, PG, 4));
		munmap(sh, 4 * PG);
	}
	munmap(f, 2 * PG);
	munmap(n, PG);
	munmap(l, PG);
	munmap(u, PG);
}

/* A SysV shared memory attachment is mapped again from its segment; one
 * attached SHM_RDONLY is no VM_SHARED mapping. */
static void remap_shm_rules(void)
{
	int id = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	unsigned char *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0), *r = id < 0 ? (void *)-1 : shmat(id, NULL, SHM_RDONLY);

	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
	SETUP("setup_remap_shm", p != (void *)-1 && r != (void *)-1);
	if (p == (void *)-1 || r == (void *)-1)
		return;
	fill_pages(p, 4);
	EXPECT_OK("remap_shm_ok_8.7", remap_file_pages(p, PG, 0, 3, 0));
	EXPECT_TRUE("remap_shm_contents_8.7", filled(p, PG, 4) && filled(p + PG, PG, 2));
	/* p shows offsets 3, 1, 2, 3: nothing maps offset 0 (r is another
	 * VMA). */
	EXPECT_OK("remap_below_shm_ok_8.7", remap_file_pages(p + PG, PG, 0, 0, 0));
	EXPECT_TRUE("remap_below_shm_contents_8.7", filled(p + PG, PG, 1));
	p[PG] = 0x33;
	EXPECT_TRUE("remap_below_shm_same_segment_8.7", r[0] == 0x33);
	EXPECT_ERR("remap_shm_rdonly_einval_8.7", remap_file_pages(r, PG, 0, 1, 0), EINVAL);
	EXPECT_TRUE("remap_shm_rdonly_unchanged_8.7", r[0] == 0x33 && filled(r + PG, PG, 2) && perms_is(r, "r--s"));
	shmdt(p);
	shmdt(r);
}

/* A hugetlb mapping is remapped in whole huge pages (the new mapping is a
 * MAP_FIXED mmap of its hugetlbfs file). */
static void remap_hugetlb_rules(void)
{
	unsigned char *p;

	if (!hugetlb_pool())
		return;
	p = mmap(NULL, 2 * HUGE_2M, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	SETUP("setup_remap_hugetlb", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, 1, HUGE_2M);
	memset(p + HUGE_2M, 2, HUGE_2M);
	EXPECT_ERR("remap_hugetlb_page_einval_15", remap_file_pages(p, PG, 0, 0, 0), EINVAL);
	EXPECT_ERR("remap_hugetlb_unaligned_offset_einval_15", remap_file_pages(p, HUGE_2M, 0, 1, 0), EINVAL);
	EXPECT_OK("remap_hugetlb_ok_15", remap_file_pages(p, HUGE_2M, 0, HUGE_2M / PG, 0));
	EXPECT_TRUE("remap_hugetlb_contents_15", filled(p, HUGE_2M, 2) && filled(p + HUGE_2M, HUGE_2M, 2));
	munmap(p, 2 * HUGE_2M);
}

int main(int argc, char **argv)
{
	check_init("residency", &argc, argv);
	probe_install();
	msync_rules();
	mincore_rules();
	mincore_file_rules();
	remap_rules();
	remap_below_rules();
	remap_shm_rules();
	remap_hugetlb_rules();
	return check_finish();
}
