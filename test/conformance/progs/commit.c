/*
 * commit.c - commit accounting (spec §11, §21 #13; DECISIONS D3).
 *
 * Usage: commit                    heuristic (the default policy, and
 *                                  Linux's overcommit_memory 0): only a
 *                                  single request larger than the commit
 *                                  limit is refused; MAP_NORESERVE never is
 *        commit strict LIMIT       the sandbox runs with --peios-commit=
 *                                  strict --peios-commit-limit=LIMIT (bytes):
 *                                  charges, refusals and releases, exactly
 *        commit mass N             strict: N processes map and touch memory
 *                                  and are killed with SIGKILL; afterwards
 *                                  Committed_AS is back at its baseline
 */
#include "check.h"
#include "mm_util.h"

#include <signal.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MIB (1UL << 20)

/* committed returns Committed_AS in bytes. */
static long committed(void)
{
	return field_kb("/proc/meminfo", "Committed_AS") * 1024;
}

static long commit_limit(void)
{
	return field_kb("/proc/meminfo", "CommitLimit") * 1024;
}

/* overcommit returns the first byte of /proc/sys/vm/overcommit_memory. */
static int overcommit(void)
{
	return read_file("/proc/sys/vm/overcommit_memory")[0];
}

/* ---- heuristic ---- */

static void heuristic(void)
{
	void *p;

	EXPECT_EQ("overcommit_memory_0_heuristic_11.1", overcommit(), '0');
	EXPECT_TRUE("meminfo_commit_limit_shown_11.1", commit_limit() > 0);
	EXPECT_TRUE("meminfo_committed_as_shown_11.1", committed() >= 0);
	EXPECT_MAP_ERR("heuristic_single_absurd_request_enomem_22.5",
		       mmap(NULL, 64UL << 40, RW, ANON, -1, 0), ENOMEM);
	p = mmap(NULL, 64UL << 40, RW, ANON | MAP_NORESERVE, -1, 0);
	EXPECT_MAP_OK("heuristic_absurd_noreserve_ok_11.3", p);
	if (p != MAP_FAILED)
		munmap(p, 64UL << 40);
	p = mmap(NULL, 64UL << 40, PROT_READ, ANON, -1, 0);
	EXPECT_MAP_OK("heuristic_absurd_read_only_not_accountable_ok_11.2", p);
	if (p != MAP_FAILED)
		munmap(p, 64UL << 40);
	p = mmap(NULL, 1UL << 30, RW, ANON, -1, 0);
	EXPECT_MAP_OK("heuristic_large_request_ok_11.1", p);
	if (p != MAP_FAILED)
		munmap(p, 1UL << 30);
}

/* ---- strict ---- */

static long limit_bytes;

/* charged checks that Committed_AS moved by delta bytes from base. */
#define CHARGED(name, base, delta) EXPECT_EQ(name, committed() - (base), (long)(delta))

static int memfd(size_t pages)
{
	int fd = syscall(SYS_memfd_create, "peios-commit", 0);

	if (fd >= 0 && ftruncate(fd, pages * PG) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void strict_kinds(void)
{
	long base = committed();
	unsigned char *p, *q;
	int fd = memfd(16);

	EXPECT_EQ("overcommit_memory_2_strict_11.1", overcommit(), '2');
	EXPECT_EQ("commit_limit_from_flag_D6", commit_limit(), limit_bytes);
	p = mmap(NULL, MIB, RW, ANON, -1, 0);
	CHARGED("private_rw_charged_11.2", base, MIB);
	munmap(p, MIB);
	CHARGED("munmap_releases_11.2", base, 0);
	p = mmap(NULL, MIB, PROT_READ, ANON, -1, 0);
	CHARGED("private_read_only_not_charged_11.2", base, 0);
	EXPECT_OK("mprotect_add_write_ok_11.2", mprotect(p, MIB / 2, RW));
	CHARGED("mprotect_add_write_charges_part_11.2", base, MIB / 2);
	EXPECT_OK("mprotect_remove_write_ok_11.2", mprotect(p, MIB, PROT_READ));
	CHARGED("mprotect_remove_write_keeps_charge_11.2", base, MIB / 2);
	EXPECT_OK("mprotect_add_write_again_ok_11.2", mprotect(p, MIB, RW));
	CHARGED("mprotect_charges_only_uncharged_11.2", base, MIB);
	munmap(p, MIB);
	CHARGED("munmap_after_mprotect_releases_11.2", base, 0);
	p = mmap(NULL, MIB, RW, ANON | MAP_NORESERVE, -1, 0);
	CHARGED("noreserve_not_charged_11.3", base, 0);
	EXPECT_OK("noreserve_mprotect_not_charged_11.3", mprotect(p, MIB, PROT_READ) || mprotect(p, MIB, RW));
	CHARGED("noreserve_after_mprotect_not_charged_11.3", base, 0);
	memset(p, 1, MIB);
	munmap(p, MIB);
	p = mmap(NULL, MIB, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHARGED("shared_anon_charged_11.2", base, MIB);
	munmap(p, MIB);
	if (fd >= 0) {
		p = mmap(NULL, 16 * PG, RW, MAP_SHARED, fd, 0);
		CHARGED("shared_file_not_charged_11.2", base, 0);
		q = mmap(NULL, 16 * PG, RW, MAP_PRIVATE, fd, 0);
		CHARGED("private_file_writable_charged_11.2", base, 16 * PG);
		munmap(p, 16 * PG);
		munmap(q, 16 * PG);
		close(fd);
	}
	p = mmap(NULL, 2 * MIB, RW, ANON | MAP_HUGETLB, -1, 0);
	CHARGED("hugetlb_not_charged_11.2", base, 0);
	if (p != MAP_FAILED)
		munmap(p, 2 * MIB);
	p = mmap(NULL, 4 * MIB, RW, ANON, -1, 0);
	q = p == MAP_FAILED ? MAP_FAILED : mmap(p + MIB, MIB, RW, ANON | MAP_FIXED, -1, 0);
	CHARGED("map_fixed_replacement_net_zero_11.2", base, 4 * MIB);
	EXPECT_OK("munmap_middle_ok_11.2", munmap(p + MIB, 2 * MIB));
	CHARGED("munmap_middle_releases_part_11.2", base, 2 * MIB);
	q = mremap(p, MIB, 2 * MIB, MREMAP_MAYMOVE);
	EXPECT_MAP_OK("mremap_grow_ok_11.2", q);
	CHARGED("mremap_grow_charges_added_11.2", base, 3 * MIB);
	if (q != MAP_FAILED)
		EXPECT_MAP_AT("mremap_shrink_ok_11.2", mremap(q, 2 * MIB, MIB / 2, 0), q);
	CHARGED("mremap_shrink_releases_tail_11.2", base, MIB + MIB / 2);
	munmap(q, MIB / 2);
	munmap(p + 3 * MIB, MIB);
	CHARGED("all_released_11.2", base, 0);
}

static void strict_refusals(void)
{
	long base = committed(), room = limit_bytes - base;
	unsigned char *p, *q, *cur, *got;

	INFO("strict: limit %ld, committed %ld, room %ld", limit_bytes, base, room);
	EXPECT_MAP_ERR("mmap_over_limit_enomem_21.13", mmap(NULL, room + PG, RW, ANON, -1, 0), ENOMEM);
	CHARGED("refused_mmap_charges_nothing_11.1", base, 0);
	p = mmap(NULL, room + PG, RW, ANON | MAP_NORESERVE, -1, 0);
	EXPECT_MAP_OK("noreserve_over_limit_ok_21.13", p);
	if (p != MAP_FAILED)
		munmap(p, room + PG);
	p = mmap(NULL, room + PG, PROT_READ, ANON, -1, 0);
	EXPECT_MAP_OK("read_only_over_limit_ok_21.13", p);
	if (p != MAP_FAILED) {
		EXPECT_ERR("mprotect_write_over_limit_enomem_21.13", mprotect(p, room + PG, RW), ENOMEM);
		EXPECT_TRUE("mprotect_refused_prot_unchanged_0.1", perms_is(p, "r--p"));
		EXPECT_OK("mprotect_write_within_limit_ok_21.13", mprotect(p, PG, RW));
		munmap(p, room + PG);
	}
	/* Fill the room exactly: then one more page is refused. */
	p = mmap(NULL, room, RW, ANON, -1, 0);
	EXPECT_MAP_OK("mmap_exactly_to_limit_ok_11.1", p);
	EXPECT_MAP_ERR("mmap_one_page_past_limit_enomem_11.1", mmap(NULL, PG, RW, ANON, -1, 0), ENOMEM);
	EXPECT_MAP_ERR("mmap_shared_anon_past_limit_enomem_11.1",
		       mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0), ENOMEM);
	if (p != MAP_FAILED) {
		q = mmap(p, PG, RW, ANON | MAP_FIXED, -1, 0);
		EXPECT_MAP_AT("map_fixed_replacing_charged_at_limit_ok_11.2", q, p);
		EXPECT_MAP_ERR("mremap_grow_past_limit_enomem_8.3.8", mremap(p, room, room + PG, MREMAP_MAYMOVE), ENOMEM);
		EXPECT_TRUE("mremap_refused_mapping_kept_0.1", perms_is(p + room - PG, "rw-p"));
		cur = (unsigned char *)syscall(SYS_brk, 0);
		got = (unsigned char *)syscall(SYS_brk, cur + 16 * PG);
		EXPECT_TRUE("brk_past_limit_break_kept_11.2", got == cur);
		EXPECT_ERR("fork_past_limit_enomem_11.2", fork(), ENOMEM);
		munmap(p, room);
	}
	CHARGED("refusals_leave_nothing_charged_11.1", base, 0);
	cur = (unsigned char *)syscall(SYS_brk, 0);
	got = (unsigned char *)syscall(SYS_brk, cur + 16 * PG);
	EXPECT_TRUE("brk_within_limit_grows_11.2", got == cur + 16 * PG);
	CHARGED("brk_growth_charged_11.2", base, 16 * PG);
	syscall(SYS_brk, cur);
	CHARGED("brk_shrink_releases_11.2", base, 0);
}

static void fork_child(void *arg)
{
	unsigned char *p = mmap(NULL, MIB, RW, ANON, -1, 0);

	(void)arg;
	if (p != MAP_FAILED)
		memset(p, 1, MIB);
}

static void strict_lifecycle(void)
{
	long base = committed(), room = limit_bytes - base;
	unsigned char *p;
	int pfd[2];
	pid_t pid;
	char c;

	/* A fork child is charged what it inherits: with more than half the
	 * room used, fork fails; with that memory DONTFORK, it works. */
	p = mmap(NULL, room / 2 + MIB, RW, ANON, -1, 0);
	SETUP("setup_fork_big", p != MAP_FAILED);
	EXPECT_ERR("fork_child_charge_over_limit_enomem_20", fork(), ENOMEM);
	SETUP("setup_dontfork", madvise(p, room / 2 + MIB, MADV_DONTFORK) == 0);
	check_fork_child("fork_dontfork_not_charged_ok_20", fork_child, NULL);
	munmap(p, room / 2 + MIB);
	CHARGED("fork_child_exit_released_20", base, 0);

	/* SIGKILL releases too. */
	SETUP("setup_pipe", pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		p = mmap(NULL, 4 * MIB, RW, ANON, -1, 0);
		if (p != MAP_FAILED)
			memset(p, 1, 4 * MIB);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	EXPECT_RET("sigkill_child_ready_20", read(pfd[0], &c, 1), 1);
	EXPECT_TRUE("sigkill_child_charged_20", committed() - base >= 4 * (long)MIB);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHARGED("sigkill_released_20", base, 0);
	close(pfd[0]);
	close(pfd[1]);
}

/* mass: n processes map and touch 1 MiB each and are killed. */
static void mass(int n)
{
	long base = committed();
	pid_t *pids = calloc(n, sizeof(*pids));
	int pfd[2], ready = 0;
	char buf[256];

	SETUP("setup_mass", pids && pipe(pfd) == 0);
	if (!pids)
		return;
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			unsigned char *p = mmap(NULL, MIB, RW, ANON, -1, 0);

			if (p != MAP_FAILED)
				memset(p, i, MIB);
			if (write(pfd[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (pids[i] < 0) {
			check_result("mass_fork_ok_20", 0, CK_INT, -1, errno, 0, 0);
			n = i;
			break;
		}
	}
	while (ready < n) {
		ssize_t r = read(pfd[0], buf, sizeof(buf) < (size_t)(n - ready) ? sizeof(buf) : (size_t)(n - ready));

		if (r <= 0)
			break;
		ready += r;
	}
	EXPECT_EQ("mass_all_ready_20", ready, n);
	INFO("mass: %d processes, committed %ld -> %ld", n, base, committed());
	EXPECT_TRUE("mass_charged_20", committed() - base >= (long)n * (long)MIB);
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	CHARGED("mass_sigkill_back_to_baseline_20", base, 0);
	free(pids);
}

int main(int argc, char **argv)
{
	check_init("commit", &argc, argv);
	probe_install();
	if (argc > 2 && strcmp(argv[1], "strict") == 0) {
		limit_bytes = atol(argv[2]);
		strict_kinds();
		strict_refusals();
		strict_lifecycle();
	} else if (argc > 2 && strcmp(argv[1], "mass") == 0) {
		EXPECT_EQ("mass_overcommit_memory_2_11.1", overcommit(), '2');
		mass(atoi(argv[2]));
	} else {
		heuristic();
	}
	return check_finish();
}
