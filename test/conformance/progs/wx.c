/*
 * wx.c - W^X (the WXP rules, spec §7.4 current-state rule, §7.8, §8.1 step
 * 3, §8.4, §8.5; DECISIONS.md D1, D4) for mmap, mprotect and pkey_mprotect,
 * on anonymous and file mappings.
 *
 * Usage: wx [enforce|off|relax|log]
 *   enforce (default)  W^X is active (sandbox policy enforce or locked).
 *   off                W^X is inactive (sandbox policy --peios-wx=off):
 *                      every W^X case must then behave like Linux.
 *   relax              the program first relaxes W^X for itself with
 *                      prctl(PR_SET_DYNAMIC_CODE_POLICY, 1); then like off.
 *   log                two refusals in this process and two in a forked
 *                      child; prints "INFO addr <which> 0x..." lines for
 *                      the Go driver, which checks the sandbox log.
 */
#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)
#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
#define WX (PROT_WRITE | PROT_EXEC)

/* wx is 1 when W^X refusals are expected. */
static int wx = 1;

/*
 * WX_MAP: an mmap that W^X refuses with EACCES (a Peios rule) and that
 * succeeds when W^X is inactive (spec §7.8 #7).
 */
#define WX_MAP(base, sec, expr)                                                   \
	do {                                                                      \
		if (wx)                                                           \
			PEXPECT_MAP_ERR(nm("wx_%s_eacces_%s", base, sec), expr, EACCES); \
		else                                                              \
			EXPECT_MAP_OK(nm("nowx_%s_ok_7.8.7", base), expr);        \
	} while (0)

/* WX_CALL: the same for calls returning 0 / -1 (mprotect, pkey_mprotect). */
#define WX_CALL(base, sec, expr)                                                  \
	do {                                                                      \
		if (wx)                                                           \
			PEXPECT_ERR(nm("wx_%s_eacces_%s", base, sec), expr, EACCES); \
		else                                                              \
			EXPECT_OK(nm("nowx_%s_ok_7.8.7", base), expr);            \
	} while (0)

/* protect is mprotect or pkey_mprotect(pkey -1), chosen by use_pkey. */
static int use_pkey;

static long protect(void *p, size_t len, int prot)
{
	if (use_pkey)
		return sys_pkey_mprotect(p, len, prot, -1);
	return mprotect(p, len, prot);
}

static const char *callname(void)
{
	return use_pkey ? "pkey_mprotect" : "mprotect";
}

static const char *callsec(void)
{
	return use_pkey ? "8.5" : "7.4.2";
}

/* ---- anonymous mmap (§7.4 rule 1, §8.1 step 3b) ---- */

static void anon_mmap(void)
{
	unsigned char *p;

	WX_MAP("mmap_anon_private_rwx", "7.4.1",
	       mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	WX_MAP("mmap_anon_private_wx_noread", "7.4.1",
	       mmap(NULL, PG, WX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	WX_MAP("mmap_anon_shared_rwx", "7.4.1",
	       mmap(NULL, PG, RWX, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	WX_MAP("mmap_anon_populate_rwx", "7.4.1",
	       mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0));

	/* MAP_FIXED RWX over an existing RW mapping: refused, old mapping kept. */
	p = map_anon(1, RW);
	SETUP("setup_map_rw", p);
	if (p) {
		p[7] = 0x5a;
		WX_MAP("mmap_anon_fixed_rwx_over_rw", "7.4.1",
		       mmap(p, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
		if (wx) {
			PEXPECT_TRUE("wx_mmap_fixed_rwx_refused_keeps_old_mapping_0.1", perms_is(p, "rw-p"));
			PEXPECT_EQ("wx_mmap_fixed_rwx_refused_keeps_contents_0.1", p[7], 0x5a);
		}
		munmap(p, PG);
	}

	/* Order (§8.1): offset check (step 1) before W^X (step 3) before the
	 * length check (step 5a). */
	EXPECT_MAP_ERR("mmap_rwx_unaligned_offset_einval_before_wx_8.1.1",
		       mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), EINVAL);
	if (wx)
		PEXPECT_MAP_ERR("wx_mmap_rwx_len0_eacces_before_einval_8.1.3",
				mmap(NULL, 0, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EACCES);
	else
		EXPECT_MAP_ERR("nowx_mmap_rwx_len0_einval_8.1.5",
			       mmap(NULL, 0, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);

	/* Everything without both W and X passes (§7.4 rule 3). */
	EXPECT_MAP_OK("mmap_anon_rw_ok_7.4.3", mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	EXPECT_MAP_OK("mmap_anon_rx_ok_7.4.3", mmap(NULL, PG, RX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	EXPECT_MAP_OK("mmap_anon_x_ok_7.4.3", mmap(NULL, PG, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	EXPECT_MAP_OK("mmap_anon_w_ok_7.4.3", mmap(NULL, PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	EXPECT_MAP_OK("mmap_anon_none_ok_7.4.3", mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	EXPECT_MAP_OK("mmap_anon_shared_rx_ok_7.4.3", mmap(NULL, PG, RX, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
}

/* ---- mprotect / pkey_mprotect matrix (§7.4 rule 2, §8.5) ---- */

struct transition {
	const char *name; /* e.g. "rw_to_rx" */
	int from, to;
	int refused;      /* 1 if W^X refuses it */
	const char *rule; /* "a", "b" or "c" (§7.4 rule 2) or "3" */
	const char *after; /* perms in /proc/self/maps after success */
};

static const struct transition transitions[] = {
	/* refused: 2a requested W and X, 2b writable + EXEC, 2c executable + WRITE */
	{"rw_to_rx", RW, RX, 1, "b", "r-xp"},
	{"rw_to_x", RW, PROT_EXEC, 1, "b", "--xp"},
	{"rw_to_rwx", RW, RWX, 1, "a", "rwxp"},
	{"rw_to_wx", RW, WX, 1, "a", "-wxp"},
	{"w_to_x", PROT_WRITE, PROT_EXEC, 1, "b", "--xp"},
	{"r_to_rwx", PROT_READ, RWX, 1, "a", "rwxp"},
	{"none_to_rwx", PROT_NONE, RWX, 1, "a", "rwxp"},
	{"none_to_wx", PROT_NONE, WX, 1, "a", "-wxp"},
	{"rx_to_rw", RX, RW, 1, "c", "rw-p"},
	{"rx_to_w", RX, PROT_WRITE, 1, "c", "-w-p"},
	{"rx_to_rwx", RX, RWX, 1, "a", "rwxp"},
	{"x_to_w", PROT_EXEC, PROT_WRITE, 1, "c", "-w-p"},
	/* allowed (§7.4 rule 3; removing bits is always allowed, §7.1) */
	{"rw_to_r", RW, PROT_READ, 0, "3", "r--p"},
	{"rw_to_w", RW, PROT_WRITE, 0, "3", "-w-p"},
	{"rw_to_none", RW, PROT_NONE, 0, "3", "---p"},
	{"rw_to_rw", RW, RW, 0, "3", "rw-p"},
	{"r_to_rx", PROT_READ, RX, 0, "3", "r-xp"},
	{"r_to_rw", PROT_READ, RW, 0, "3", "rw-p"},
	{"rx_to_r", RX, PROT_READ, 0, "3", "r--p"},
	{"rx_to_x", RX, PROT_EXEC, 0, "3", "--xp"},
	{"rx_to_none", RX, PROT_NONE, 0, "3", "---p"},
	{"rx_to_rx", RX, RX, 0, "3", "r-xp"},
	{"none_to_rx", PROT_NONE, RX, 0, "3", "r-xp"},
	{"none_to_rw", PROT_NONE, RW, 0, "3", "rw-p"},
	{"x_to_rx", PROT_EXEC, RX, 0, "3", "r-xp"},
};

static const char *perms_of(int prot)
{
	static char s[8];

	s[0] = (prot & PROT_READ) ? 'r' : '-';
	s[1] = (prot & PROT_WRITE) ? 'w' : '-';
	s[2] = (prot & PROT_EXEC) ? 'x' : '-';
	s[3] = 'p';
	s[4] = 0;
	return s;
}

static void one_transition(const struct transition *t)
{
	unsigned char *p = map_anon(1, t->from);

	SETUP(nm("setup_%s_map_%s", callname(), t->name), p);
	if (!p)
		return;
	if (t->refused) {
		char before[8];

		strcpy(before, perms_of(t->from));
		WX_CALL(nm("%s_%s", callname(), t->name), nm("%s.%s", callsec(), t->rule),
			protect(p, PG, t->to));
		if (wx)
			PEXPECT_TRUE(nm("wx_%s_%s_refused_leaves_prot_0.1", callname(), t->name),
				     perms_is(p, before));
		else
			EXPECT_TRUE(nm("nowx_%s_%s_applied_7.8.7", callname(), t->name),
				    perms_is(p, t->after));
	} else {
		EXPECT_OK(nm("%s_%s_ok_7.4.3", callname(), t->name), protect(p, PG, t->to));
		EXPECT_TRUE(nm("%s_%s_applied_7.4.3", callname(), t->name), perms_is(p, t->after));
	}
	munmap(p, PG);
}

static void transitions_matrix(void)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		one_transition(&transitions[i]);
}

/* RW -> R -> RX works and the code written while RW runs (§7.8 #3). */
static void two_step(void)
{
	unsigned char *p = map_anon(1, RW);

	SETUP(nm("setup_%s_two_step", callname()), p);
	if (!p)
		return;
	p[0] = 0xc3; /* ret */
	EXPECT_OK(nm("%s_two_step_rw_to_r_ok_7.8.3", callname()), protect(p, PG, PROT_READ));
	EXPECT_OK(nm("%s_two_step_r_to_rx_ok_7.8.3", callname()), protect(p, PG, RX));
	EXPECT_TRUE(nm("%s_two_step_code_runs_7.8.3", callname()), probe_exec(p));
	/* Back again: RX -> R -> RW is allowed too. */
	EXPECT_OK(nm("%s_two_step_rx_to_r_ok_7.4.3", callname()), protect(p, PG, PROT_READ));
	EXPECT_OK(nm("%s_two_step_r_to_rw_ok_7.4.3", callname()), protect(p, PG, RW));
	EXPECT_TRUE(nm("%s_two_step_writable_again_7.4.3", callname()), probe_write(p + 1, 1));
	munmap(p, PG);
}

/* A refused RW -> RX leaves the page writable and not executable. */
static void refusal_state(void)
{
	unsigned char *p = map_anon(1, RW);

	SETUP("setup_refusal_state", p);
	if (!p)
		return;
	p[0] = 0xc3;
	if (wx) {
		PEXPECT_ERR("wx_mprotect_rw_to_rx_refused_eacces_7.4.2", mprotect(p, PG, RX), EACCES);
		PEXPECT_TRUE("wx_mprotect_refused_page_still_writable_0.1", probe_write(p + 1, 2));
		PEXPECT_TRUE("wx_mprotect_refused_page_not_executable_0.1", !probe_exec(p));
	}
	munmap(p, PG);
}

/* pkey_mprotect: key -1 is plain mprotect; any other key is EINVAL without
 * PKU, checked before the per-VMA (W^X) checks (§8.5, D5). */
static void pkey_keys(void)
{
	unsigned char *p = map_anon(1, RW);

	SETUP("setup_pkey_keys", p);
	if (!p)
		return;
	EXPECT_ERR("pkey_mprotect_key0_einval_nopku_8.5", sys_pkey_mprotect(p, PG, PROT_READ, 0), EINVAL);
	EXPECT_ERR("pkey_mprotect_key1_einval_nopku_8.5", sys_pkey_mprotect(p, PG, PROT_READ, 1), EINVAL);
	EXPECT_ERR("pkey_mprotect_key15_einval_nopku_8.5", sys_pkey_mprotect(p, PG, PROT_READ, 15), EINVAL);
	EXPECT_ERR("pkey_mprotect_bad_key_einval_before_wx_8.5", sys_pkey_mprotect(p, PG, RX, 1), EINVAL);
	EXPECT_TRUE("pkey_mprotect_bad_key_leaves_prot_8.5", perms_is(p, "rw-p"));
	munmap(p, PG);
	p = reserve(1);
	EXPECT_ERR("pkey_mprotect_bad_key_unmapped_einval_before_enomem_8.5",
		   sys_pkey_mprotect(p, PG, PROT_READ, 1), EINVAL);
	EXPECT_ERR("pkey_mprotect_minus1_unmapped_enomem_8.5", sys_pkey_mprotect(p, PG, PROT_READ, -1), ENOMEM);
}

/* ---- file mappings (§7.4 applies to file-backed mappings too, §7.8) ---- */

static void file_cases(void)
{
	char path[64];
	unsigned char buf[2 * PG];
	unsigned char *p;
	int fd, rofd, mfd;

	snprintf(path, sizeof(path), "/tmp/peios-wx-%d.bin", (int)getpid());
	memset(buf, 0xc3, sizeof(buf)); /* every byte is "ret" */
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0755);
	SETUP("setup_file_create", fd >= 0 && write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	rofd = open(path, O_RDONLY);
	SETUP("setup_file_open_rdonly", rofd >= 0);
	if (fd < 0 || rofd < 0)
		return;

	WX_MAP("mmap_file_private_rwx", "7.4.1", mmap(NULL, PG, RWX, MAP_PRIVATE, fd, 0));
	WX_MAP("mmap_file_shared_rwx", "7.4.1", mmap(NULL, PG, RWX, MAP_SHARED, fd, 0));
	WX_MAP("mmap_file_shared_wx", "7.4.1", mmap(NULL, PG, WX, MAP_SHARED, fd, 0));
	WX_MAP("mmap_file_private_rwx_offset1", "7.4.1", mmap(NULL, PG, RWX, MAP_PRIVATE, fd, PG));

	/* §7.8 #4: file R -> RX works, and the file's code runs. */
	p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	SETUP("setup_file_private_r", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		EXPECT_OK("file_private_r_to_rx_ok_7.8.4", mprotect(p, PG, RX));
		EXPECT_TRUE("file_private_r_to_rx_code_runs_7.8.4", probe_exec(p));
		munmap(p, PG);
	}

	/* §7.8 #5, #6: file RX directly is fine; RX -> RW refused; RX -> R ok. */
	EXPECT_MAP_OK("mmap_file_private_rx_ok_7.4", p = mmap(NULL, PG, RX, MAP_PRIVATE, fd, 0));
	if (p != MAP_FAILED) {
		EXPECT_TRUE("file_private_rx_code_runs_7.4", probe_exec(p));
		WX_CALL("mprotect_file_private_rx_to_rw", "7.8.5", mprotect(p, PG, RW));
		EXPECT_OK("file_private_rx_to_r_ok_7.8.6", mprotect(p, PG, PROT_READ));
		munmap(p, PG);
	}
	EXPECT_MAP_OK("mmap_file_shared_rx_ok_7.4", p = mmap(NULL, PG, RX, MAP_SHARED, fd, 0));
	if (p != MAP_FAILED) {
		WX_CALL("mprotect_file_shared_rx_to_rw", "7.4.2.c", mprotect(p, PG, RW));
		WX_CALL("pkey_mprotect_file_shared_rx_to_rw", "8.5", sys_pkey_mprotect(p, PG, RW, -1));
		munmap(p, PG);
	}

	/* Private and shared RW file mappings: RW -> RX refused, RW -> R -> RX ok. */
	EXPECT_MAP_OK("mmap_file_private_rw_ok_7.4", p = mmap(NULL, PG, RW, MAP_PRIVATE, fd, 0));
	if (p != MAP_FAILED) {
		WX_CALL("mprotect_file_private_rw_to_rx", "7.8.2", mprotect(p, PG, RX));
		munmap(p, PG);
	}
	EXPECT_MAP_OK("mmap_file_shared_rw_ok_7.4", p = mmap(NULL, PG, RW, MAP_SHARED, fd, 0));
	if (p != MAP_FAILED) {
		WX_CALL("mprotect_file_shared_rw_to_rx", "7.4.2.b", mprotect(p, PG, RX));
		EXPECT_OK("file_shared_rw_to_r_ok_7.8.3", mprotect(p, PG, PROT_READ));
		EXPECT_OK("file_shared_r_to_rx_ok_7.8.3", mprotect(p, PG, RX));
		EXPECT_TRUE("file_shared_r_to_rx_code_runs_7.8.3", probe_exec(p));
		munmap(p, PG);
	}

	/* §7.8 #9: O_RDONLY + MAP_SHARED has no MAYWRITE: +W is EACCES in
	 * every mode (maxprot, §7.2), RX is fine. */
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, rofd, 0);
	SETUP("setup_file_rdonly_shared_r", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		EXPECT_ERR("file_rdonly_shared_r_to_rw_eacces_maxprot_7.8.9", mprotect(p, PG, RW), EACCES);
		EXPECT_OK("file_rdonly_shared_r_to_rx_ok_7.8.4", mprotect(p, PG, RX));
		munmap(p, PG);
	}
	EXPECT_MAP_OK("mmap_file_rdonly_shared_rx_ok_7.4", mmap(NULL, PG, RX, MAP_SHARED, rofd, 0));
	EXPECT_MAP_ERR("mmap_file_rdonly_shared_rw_eacces_8.1.5j",
		       mmap(NULL, PG, RW, MAP_SHARED, rofd, 0), EACCES);

	/* Dual mapping of one memfd, RW in one VMA and RX in another, is not
	 * prevented (§7.4 consequences): W^X is per VMA. */
	mfd = syscall(SYS_memfd_create, "peios-wx", 0);
	SETUP("setup_memfd", mfd >= 0 && ftruncate(mfd, PG) == 0);
	if (mfd >= 0) {
		unsigned char *w = mmap(NULL, PG, RW, MAP_SHARED, mfd, 0);
		unsigned char *x = mmap(NULL, PG, RX, MAP_SHARED, mfd, 0);

		EXPECT_TRUE("memfd_dual_map_rw_ok_7.4", w != MAP_FAILED);
		EXPECT_TRUE("memfd_dual_map_rx_ok_7.4", x != MAP_FAILED);
		if (w != MAP_FAILED && x != MAP_FAILED) {
			w[0] = 0xc3;
			EXPECT_TRUE("memfd_dual_map_code_runs_7.4", probe_exec(x));
		}
		close(mfd);
	}
	close(fd);
	close(rofd);
	unlink(path);
}

/* ---- several VMAs in one call (§8.4 step 8, D4) ---- */

/* two_vmas maps [first][second] as two adjacent one-page VMAs at r. */
static unsigned char *two_vmas(int first, int second, int hole)
{
	unsigned char *r = reserve(3);

	if (!r)
		return NULL;
	if (!map_at(r, 1, first))
		return NULL;
	if (!map_at(r + (hole ? 2 : 1) * PG, 1, second))
		return NULL;
	return r;
}

static void multi_vma(void)
{
	unsigned char *r;

	/* [R][RW] -> RX: the second VMA is refused, so the first stays R. */
	r = two_vmas(PROT_READ, RW, 0);
	SETUP("setup_multi_r_rw", r);
	if (r) {
		WX_CALL("mprotect_multi_r_rw_to_rx", "8.4.8c", mprotect(r, 2 * PG, RX));
		if (wx) {
			PEXPECT_TRUE("wx_mprotect_multi_refused_first_vma_unchanged_D4", perms_is(r, "r--p"));
			PEXPECT_TRUE("wx_mprotect_multi_refused_second_vma_unchanged_D4", perms_is(r + PG, "rw-p"));
		} else {
			EXPECT_TRUE("nowx_mprotect_multi_applied_both_7.8.7",
				    perms_is(r, "r-xp") && perms_is(r + PG, "r-xp"));
		}
		munmap(r, 2 * PG);
	}
	/* [RW][R] -> RX: the first VMA is refused; nothing changes. */
	r = two_vmas(RW, PROT_READ, 0);
	SETUP("setup_multi_rw_r", r);
	if (r) {
		WX_CALL("mprotect_multi_rw_r_to_rx", "8.4.8c", mprotect(r, 2 * PG, RX));
		if (wx) {
			PEXPECT_TRUE("wx_mprotect_multi_refused_later_vma_unchanged_D4", perms_is(r + PG, "r--p"));
			PEXPECT_TRUE("wx_mprotect_multi_refused_first_vma_still_rw_D4", perms_is(r, "rw-p"));
		}
		munmap(r, 2 * PG);
	}
	/* [R][hole][R] -> RX: ENOMEM, and (D4) the first VMA is not changed. */
	r = two_vmas(PROT_READ, PROT_READ, 1);
	SETUP("setup_multi_r_hole_r", r);
	if (r) {
		EXPECT_ERR("mprotect_hole_enomem_8.4.8h", mprotect(r, 3 * PG, RX), ENOMEM);
		PEXPECT_TRUE("mprotect_hole_first_vma_unchanged_D4", perms_is(r, "r--p"));
		munmap(r, 3 * PG);
	}
	/* [RW][hole][R] -> RX: the first VMA's W^X check comes before the hole
	 * is noticed (§8.4 step 8h). */
	r = two_vmas(RW, PROT_READ, 1);
	SETUP("setup_multi_rw_hole_r", r);
	if (r) {
		if (wx)
			PEXPECT_ERR("wx_mprotect_rw_hole_r_eacces_before_enomem_8.4.8h",
				    mprotect(r, 3 * PG, RX), EACCES);
		else
			EXPECT_ERR("nowx_mprotect_rw_hole_r_enomem_8.4.8h", mprotect(r, 3 * PG, RX), ENOMEM);
		munmap(r, 3 * PG);
	}
	/* [R][hole][RW] -> RX: the hole is noticed before the RW VMA's checks. */
	r = two_vmas(PROT_READ, RW, 1);
	SETUP("setup_multi_r_hole_rw", r);
	if (r) {
		EXPECT_ERR("mprotect_r_hole_rw_enomem_before_wx_8.4.8h", mprotect(r, 3 * PG, RX), ENOMEM);
		munmap(r, 3 * PG);
	}
	/* Two pages of one RW VMA, the second made R: RW->RX over the pair. */
	r = map_anon(2, RW);
	SETUP("setup_split_rw", r);
	if (r) {
		EXPECT_OK("mprotect_split_second_page_r_ok_7.4.3", mprotect(r + PG, PG, PROT_READ));
		EXPECT_OK("mprotect_split_second_page_r_to_rx_ok_7.8.3", mprotect(r + PG, PG, RX));
		WX_CALL("mprotect_split_first_page_rw_to_rx", "7.4.2.b", mprotect(r, PG, RX));
		munmap(r, 2 * PG);
	}
}

/* ---- mprotect errno order (§8.4 steps 1-6) ---- */

static void mprotect_order(void)
{
	unsigned char *p = map_anon(1, RW);
	unsigned char *hole = reserve(1);

	SETUP("setup_mprotect_order", p && hole);
	if (!p || !hole)
		return;
	EXPECT_ERR("mprotect_growsdown_growsup_einval_8.4.1",
		   mprotect(hole + 1, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), EINVAL);
	EXPECT_ERR("mprotect_unaligned_einval_8.4.2", mprotect(hole + 1, PG, PROT_READ), EINVAL);
	EXPECT_ERR("mprotect_unaligned_len0_einval_8.4.2", mprotect(p + 1, 0, PROT_READ), EINVAL);
	EXPECT_OK("mprotect_len0_unmapped_ok_8.4.3", mprotect(hole, 0, PROT_READ));
	EXPECT_OK("mprotect_len0_bad_prot_ok_8.4.3", mprotect(hole, 0, 0x10));
	EXPECT_OK("mprotect_len0_rwx_ok_8.4.3", mprotect(p, 0, RWX));
	EXPECT_ERR("mprotect_wrap_enomem_8.4.4", mprotect(p, (size_t)0 - PG, PROT_READ), ENOMEM);
	EXPECT_ERR("mprotect_unknown_prot_einval_8.4.5", mprotect(p, PG, PROT_READ | 0x10), EINVAL);
	EXPECT_ERR("mprotect_unknown_prot_unmapped_einval_before_enomem_8.4.5",
		   mprotect(hole, PG, PROT_READ | 0x10), EINVAL);
	EXPECT_ERR("mprotect_unknown_prot_rwx_einval_before_wx_8.4.5", mprotect(p, PG, RWX | 0x10), EINVAL);
	EXPECT_ERR("mprotect_unmapped_enomem_8.4.6", mprotect(hole, PG, PROT_READ), ENOMEM);
	EXPECT_ERR("mprotect_unmapped_rwx_enomem_before_wx_8.4.6", mprotect(hole, PG, RWX), ENOMEM);
	EXPECT_ERR("mprotect_growsup_einval_8.4.6", mprotect(p, PG, PROT_READ | PROT_GROWSUP), EINVAL);
	EXPECT_ERR("mprotect_growsdown_not_growsdown_vma_einval_8.4.6",
		   mprotect(p, PG, PROT_READ | PROT_GROWSDOWN), EINVAL);
	EXPECT_OK("mprotect_prot_sem_ok_8.4.5", mprotect(p, PG, RW | 0x8));
	EXPECT_TRUE("mprotect_all_refusals_left_prot_8.4", perms_is(p, "rw-p"));
	munmap(p, PG);
}

/* ---- log mode ---- */

static void log_child(void *arg)
{
	unsigned char *c1 = map_anon(1, RW), *c2 = map_anon(1, RW);

	(void)arg;
	SETUP("setup_log_child", c1 && c2);
	INFO("addr child-first %#lx", (unsigned long)c1);
	INFO("addr child-second %#lx", (unsigned long)c2);
	PEXPECT_ERR("log_child_first_refusal_eacces_7.4.2", mprotect(c1, PG, RX), EACCES);
	PEXPECT_ERR("log_child_second_refusal_eacces_7.4.2", mprotect(c2, PG, RX), EACCES);
}

static int log_mode(void)
{
	unsigned char *p1 = map_anon(1, RW), *p2 = map_anon(1, RW);

	SETUP("setup_log", p1 && p2);
	INFO("addr parent-first %#lx", (unsigned long)p1);
	INFO("addr parent-second %#lx", (unsigned long)p2);
	PEXPECT_ERR("log_parent_first_refusal_eacces_7.4.2", mprotect(p1, PG, RX), EACCES);
	PEXPECT_ERR("log_parent_second_refusal_eacces_7.4.2", mprotect(p2, PG, RX), EACCES);
	check_fork_child("log_child_exited_0", log_child, NULL);
	return check_finish();
}

int main(int argc, char **argv)
{
	const char *mode;

	check_init("wx", &argc, argv);
	probe_install();
	mode = argc > 1 ? argv[1] : "enforce";
	if (strcmp(mode, "log") == 0)
		return log_mode();
	if (strcmp(mode, "off") == 0) {
		wx = 0;
	} else if (strcmp(mode, "relax") == 0) {
		PEXPECT_OK("relax_prctl_allow_dynamic_code_D1", dcp_set(1));
		wx = 0;
	} else if (strcmp(mode, "enforce") != 0) {
		check_out("usage: wx [enforce|off|relax|log]");
		return 2;
	}

	anon_mmap();
	use_pkey = 0;
	transitions_matrix();
	two_step();
	use_pkey = 1;
	transitions_matrix();
	two_step();
	use_pkey = 0;
	refusal_state();
	pkey_keys();
	file_cases();
	multi_vma();
	mprotect_order();
	return check_finish();
}
