/*
 * mmap_flags.c - MAP_UNINITIALIZED on a standard image (spec §2.3, §8.1
 * step 4, §9, §22 #6) and its overlap with the huge-page size field.
 *
 * MAP_UNINITIALIZED (0x4000000, bit 26) is refused with EINVAL when
 * MAP_HUGETLB is clear; Linux silently ignores it. With MAP_HUGETLB the bit
 * is part of the huge-page size code (MAP_HUGE_2MB = 21 << 26 contains it)
 * and is not MAP_UNINITIALIZED. Order (§8.1): offset (1) -> fd (2) -> W^X
 * (3) -> MAP_UNINITIALIZED (4) -> length and placement (5).
 *
 * Usage: mmap_flags      (W^X active, the sandbox default)
 */
#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
#define UNINIT MAP_UNINITIALIZED_BIT

static void uninitialized(void)
{
	char path[64];
	unsigned char *p;
	int fd;

	PEXPECT_MAP_ERR("uninit_anon_private_einval_8.1.4",
			mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | UNINIT, -1, 0), EINVAL);
	PEXPECT_MAP_ERR("uninit_anon_shared_einval_8.1.4",
			mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS | UNINIT, -1, 0), EINVAL);
	PEXPECT_MAP_ERR("uninit_anon_private_read_only_einval_8.1.4",
			mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | UNINIT, -1, 0), EINVAL);
	PEXPECT_MAP_ERR("uninit_anon_populate_einval_8.1.4",
			mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | UNINIT, -1, 0), EINVAL);

	snprintf(path, sizeof(path), "/tmp/peios-mmap-flags-%d.bin", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	SETUP("setup_file", fd >= 0 && ftruncate(fd, PG) == 0);
	if (fd >= 0) {
		PEXPECT_MAP_ERR("uninit_file_private_einval_8.1.4",
				mmap(NULL, PG, RW, MAP_PRIVATE | UNINIT, fd, 0), EINVAL);
		PEXPECT_MAP_ERR("uninit_file_shared_einval_8.1.4",
				mmap(NULL, PG, RW, MAP_SHARED | UNINIT, fd, 0), EINVAL);
		PEXPECT_MAP_ERR("uninit_file_shared_validate_einval_8.1.4",
				mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | UNINIT, fd, 0), EINVAL);
		close(fd);
		unlink(path);
	}

	/* Ordering around step 4. */
	EXPECT_MAP_ERR("uninit_unaligned_offset_einval_8.1.1",
		       mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | UNINIT, -1, 1), EINVAL);
	EXPECT_MAP_ERR("uninit_bad_fd_ebadf_before_einval_8.1.2",
		       mmap(NULL, PG, RW, MAP_PRIVATE | UNINIT, -1, 0), EBADF);
	PEXPECT_MAP_ERR("uninit_rwx_wx_eacces_before_einval_8.1.3",
			mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS | UNINIT, -1, 0), EACCES);
	EXPECT_MAP_ERR("uninit_len0_einval_8.1.4",
		       mmap(NULL, 0, RW, MAP_PRIVATE | MAP_ANONYMOUS | UNINIT, -1, 0), EINVAL);
	p = map_anon(1, RW);
	SETUP("setup_existing", p);
	if (p) {
		PEXPECT_MAP_ERR("uninit_noreplace_over_mapping_einval_before_eexist_8.1.4",
				mmap(p, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | UNINIT, -1, 0),
				EINVAL);
		EXPECT_MAP_ERR("noreplace_over_mapping_eexist_8.1.5h",
			       mmap(p, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
		p[0] = 0x17;
		PEXPECT_MAP_ERR("uninit_fixed_over_mapping_einval_8.1.4",
				mmap(p, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | UNINIT, -1, 0), EINVAL);
		PEXPECT_EQ("uninit_fixed_refused_old_mapping_kept_8.1.4", p[0], 0x17);
		munmap(p, PG);
	}
	/* Without the bit, the same calls work. */
	EXPECT_MAP_OK("no_uninit_anon_private_ok_8.1", mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
}

/* With MAP_HUGETLB, bits 26-31 are the huge-page size (§2.3). */
static void hugetlb_overlap(void)
{
	void *p;

	/* MAP_HUGE_2MB contains bit 26: a valid size, never "MAP_UNINITIALIZED"
	 * EINVAL. Without a huge page pool this may be ENOMEM, never EINVAL. */
	errno = 0;
	p = mmap(NULL, 2UL << 20, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	INFO("hugetlb 2MB: %s errno %s", p == MAP_FAILED ? "failed" : "mapped",
	     p == MAP_FAILED ? errno_name(errno) : "0");
	EXPECT_TRUE("hugetlb_2mb_contains_bit26_not_einval_2.3", p != MAP_FAILED || errno != EINVAL);
	if (p != MAP_FAILED)
		munmap(p, 2UL << 20);

	errno = 0;
	p = mmap(NULL, 2UL << 20, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	EXPECT_TRUE("hugetlb_2mb_shared_not_einval_2.3", p != MAP_FAILED || errno != EINVAL);
	if (p != MAP_FAILED)
		munmap(p, 2UL << 20);

	/* Bit 26 alone with MAP_HUGETLB is size code 1 (2-byte pages): an
	 * unsupported size, EINVAL from step 2 - not from step 4. */
	EXPECT_MAP_ERR("hugetlb_size_code_1_unsupported_einval_8.1.2",
		       mmap(NULL, 2UL << 20, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | UNINIT, -1, 0), EINVAL);
}

int main(int argc, char **argv)
{
	check_init("mmap_flags", &argc, argv);
	probe_install();
	uninitialized();
	hugetlb_overlap();
	return check_finish();
}
