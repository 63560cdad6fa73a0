/*
 * seal_cr.c - seals and the dynamic-code policy survive checkpoint/restore
 * (spec §12.1: a seal holds for the lifetime of the mapping; D1: the
 * policy is process state).
 *
 * Usage: seal_cr <dir> [default|relaxed]
 *   1. maps [S: 2 pages RW, sealed][U: 1 page RW, unsealed] and a separate
 *      RW region W, fills them; in "relaxed" mode also allows dynamic code
 *      and keeps an RWX page X;
 *      last, a MAP_GROWSDOWN mapping G with free room below it;
 *   2. writes <dir>/ready (atomically) and waits until <dir>/go exists
 *      (checkpoint and restore happen in between);
 *   3. checks that G still grows on a fault below it (§9), that the seal
 *      still holds (munmap/mprotect/mremap/MAP_FIXED EPERM, contents intact), that U is still unsealed, that W is intact
 *      and that the policy is what it was;
 *   4. writes all its PASS/FAIL lines and the summary to <dir>/results
 *      (atomically, via results.tmp) as well as to stdout.
 */
#include "check.h"

#include <sys/stat.h>
#include <time.h>

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)
#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

#define WAIT_NS 600000000000LL /* give up waiting for "go" after 600 s */

static int pattern_ok(const unsigned char *w, size_t n)
{
	for (size_t i = 0; i < n * PG; i++) {
		if (w[i] != (unsigned char)(i * 7 + 3))
			return 0;
	}
	return 1;
}

static int write_file_atomic(const char *dir, const char *name, const char *text)
{
	char tmp[512], dst[512];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	check_write_all(fd, text, strlen(text));
	fsync(fd);
	close(fd);
	return rename(tmp, dst);
}

static int wait_for(const char *dir, const char *name)
{
	char path[512];
	struct timespec ts = {0, 50000000}, t0, t;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (stat(path, &st) == 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000LL + (t.tv_nsec - t0.tv_nsec) > WAIT_NS)
			return 0;
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	const char *dir;
	int relaxed;
	unsigned char *r, *S, *U, *W, *X = NULL, *G = NULL, *room;
	char path[512], text[64];
	int rc;

	check_init("seal_cr", &argc, argv);
	probe_install();
	if (argc < 2) {
		check_out("usage: seal_cr <dir> [default|relaxed]");
		return 2;
	}
	dir = argv[1];
	relaxed = argc > 2 && strcmp(argv[2], "relaxed") == 0;
	snprintf(path, sizeof(path), "%s/results.tmp", dir);
	check_tee_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	SETUP("setup_results_file", check_tee_fd >= 0);

	/* 1. set up */
	r = reserve(3);
	SETUP("setup_map", r && map_at(r, 3, RW));
	if (!r)
		return check_finish();
	S = r;
	U = r + 2 * PG;
	memset(S, 0x5e, 2 * PG);
	memset(U, 0x75, PG);
	EXPECT_OK("before_mseal_ok_8.11", sys_mseal(S, 2 * PG, 0));
	W = map_anon(4, RW);
	SETUP("setup_rw_region", W);
	for (size_t i = 0; W && i < 4 * PG; i++)
		W[i] = (unsigned char)(i * 7 + 3);
	if (relaxed) {
		PEXPECT_OK("before_relax_ok_D1", dcp_set(1));
		X = mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		EXPECT_TRUE("before_relaxed_rwx_ok_7.8.7", X != MAP_FAILED);
		if (X != MAP_FAILED)
			X[0] = 0xc3;
	}
	EXPECT_ERR("before_munmap_sealed_eperm_8.2.2", munmap(S, PG), EPERM);

	/* G: 4 grows-down pages on top of 508 free ones (beyond the guard gap
	 * of 256), made last so that nothing is placed in the room. */
	room = reserve(512);
	if (room)
		G = mmap(room + 508 * PG, 4 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	SETUP("setup_growsdown", room && G == room + 508 * PG);

	/* 2. checkpoint and restore happen while we wait */
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	SETUP("setup_ready_file", write_file_atomic(dir, "ready", text) == 0);
	EXPECT_TRUE("setup_go_file_appeared", wait_for(dir, "go"));

	/* 3. after restore */
	EXPECT_TRUE("after_growsdown_grows_on_fault_9", G && probe_write(G - PG, 0x47));
	EXPECT_TRUE("after_growsdown_grown_page_mapped_9", G && perms_is(G - PG, "rw-p"));
	EXPECT_ERR("after_munmap_sealed_eperm_12.1", munmap(S, 2 * PG), EPERM);
	EXPECT_ERR("after_munmap_sealed_plus_unsealed_eperm_8.2.2", munmap(S + PG, 2 * PG), EPERM);
	EXPECT_ERR("after_mprotect_sealed_eperm_12.1", mprotect(S, 2 * PG, PROT_READ), EPERM);
	EXPECT_ERR("after_mprotect_sealed_same_prot_eperm_12.1", mprotect(S, PG, RW), EPERM);
	EXPECT_MAP_ERR("after_mremap_sealed_eperm_8.3.6", mremap(S, 2 * PG, 3 * PG, MREMAP_MAYMOVE), EPERM);
	EXPECT_MAP_ERR("after_mmap_fixed_over_sealed_eperm_8.1.6a",
		       mmap(S, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EPERM);
	EXPECT_TRUE("after_sealed_still_rw_12.1", perms_is(S, "rw-p"));
	EXPECT_TRUE("after_sealed_contents_intact_12.1", intact(S, 2, 0x5e));
	EXPECT_TRUE("after_sealed_writable_12.1", probe_write(S + 9, 0x5e));
	PEXPECT_ERR("after_madvise_dontneed_sealed_eperm_8.8.6", madvise(S, PG, MADV_DONTNEED), EPERM);
	PEXPECT_TRUE("after_madvise_refused_contents_intact_12.1", intact(S, 2, 0x5e));
	/* the unsealed neighbour is still unsealed */
	EXPECT_TRUE("after_unsealed_contents_intact_12.2", intact(U, 1, 0x75));
	EXPECT_OK("after_unsealed_mprotect_ok_12.2", mprotect(U, PG, PROT_READ));
	EXPECT_OK("after_unsealed_munmap_ok_12.2", munmap(U, PG));
	/* the RW region */
	EXPECT_TRUE("after_rw_region_intact_0.5", W && pattern_ok(W, 4));
	EXPECT_TRUE("after_rw_region_writable_0.5", W && probe_write(W + 100, (unsigned char)(100 * 7 + 3)));
	/* the dynamic-code policy */
	if (relaxed) {
		PEXPECT_RET("after_policy_still_relaxed_get_1_D1", dcp_get(), 1);
		EXPECT_TRUE("after_rwx_page_still_rwx_7.8.7", X != MAP_FAILED && perms_is(X, "rwxp"));
		EXPECT_TRUE("after_rwx_page_code_runs_7.8.7", X != MAP_FAILED && probe_exec(X));
		EXPECT_TRUE("after_relaxed_mmap_rwx_ok_7.8.7",
			    mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED);
		PEXPECT_ERR("after_relaxed_set_0_with_rwx_eacces_D1", dcp_set(0), EACCES);
	} else {
		PEXPECT_RET("after_policy_still_enforced_get_0_D1", dcp_get(), 0);
		PEXPECT_MAP_ERR("after_mmap_rwx_eacces_7.4.1",
				mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EACCES);
		PEXPECT_ERR("after_mprotect_rw_to_rx_eacces_7.4.2", mprotect(W, PG, RX), EACCES);
	}
	/* new seals still work after restore */
	EXPECT_OK("after_mseal_new_region_ok_8.11", sys_mseal(W, PG, 0));
	EXPECT_ERR("after_new_seal_holds_eperm_12.1", munmap(W, PG), EPERM);

	/* 4. results */
	rc = check_finish();
	if (check_tee_fd >= 0) {
		char tmp[512], dst[512];

		fsync(check_tee_fd);
		close(check_tee_fd);
		snprintf(tmp, sizeof(tmp), "%s/results.tmp", dir);
		snprintf(dst, sizeof(dst), "%s/results", dir);
		rename(tmp, dst);
	}
	return rc;
}
