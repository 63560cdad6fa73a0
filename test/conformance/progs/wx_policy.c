/*
 * wx_policy.c - the dynamic-code policy (DECISIONS.md D1) and the WXP
 * mitigation set by kacs_set_psb (spec §4.2, §4.3, §7.4, §7.7, §20):
 * prctl(PR_SET/GET_DYNAMIC_CODE_POLICY) argument rules, relaxing and
 * prohibiting W^X, kacs_set_psb's EINVAL / transactional EACCES / one-way
 * lock, inheritance over fork, and exec's reset (the program re-executes
 * itself through /proc/self/exe).
 *
 * Usage: wx_policy [enforce|off|locked]
 *   The sandbox policy the program runs under (--peios-wx=... or the OCI
 *   annotation dev.peios.mm/wx); enforce is the default.
 * Internal: wx_policy --check-report-fd N exec-child <mode> <case>
 */
#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)
#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

enum mode { ENFORCE, OFF, LOCKED };

static enum mode mode = ENFORCE;
static const char *mode_name = "enforce";

/* def_allow is what PR_GET_DYNAMIC_CODE_POLICY returns in a fresh image. */
static long def_allow(void)
{
	return mode == OFF ? 1 : 0;
}

static void *map_rwx(void)
{
	return mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/*
 * expect_wx checks that W^X is active (want_active) or not, by trying an
 * RWX mmap; the mapping is removed again.
 */
static void expect_wx(const char *what, int want_active)
{
	void *p = map_rwx();

	if (want_active) {
		PEXPECT_TRUE(nm("%s_wx_active_mmap_rwx_eacces_7.4.1", what), p == MAP_FAILED && errno == EACCES);
	} else {
		EXPECT_TRUE(nm("%s_wx_inactive_mmap_rwx_ok_7.8.7", what), p != MAP_FAILED);
	}
	if (p != MAP_FAILED)
		munmap(p, PG);
}

/* ---- prctl argument rules (D1) ---- */

static void prctl_args(void)
{
	EXPECT_ERR("prctl_set_arg2_2_einval_D1",
		   syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, 2UL, 0UL, 0UL, 0UL), EINVAL);
	EXPECT_ERR("prctl_set_arg2_max_einval_D1",
		   syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, ~0UL, 0UL, 0UL, 0UL), EINVAL);
	EXPECT_ERR("prctl_set_1_arg3_nonzero_einval_D1",
		   syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, 1UL, 1UL, 0UL, 0UL), EINVAL);
	EXPECT_ERR("prctl_set_1_arg4_nonzero_einval_D1",
		   syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, 1UL, 0UL, 1UL, 0UL), EINVAL);
	EXPECT_ERR("prctl_set_1_arg5_nonzero_einval_D1",
		   syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, 1UL, 0UL, 0UL, 1UL), EINVAL);
	EXPECT_ERR("prctl_set_0_arg3_nonzero_einval_D1",
		   syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, 0UL, 1UL, 0UL, 0UL), EINVAL);
	EXPECT_ERR("prctl_set_0_arg5_nonzero_einval_D1",
		   syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, 0UL, 0UL, 0UL, 1UL), EINVAL);
	PEXPECT_RET(nm("prctl_get_after_einval_unchanged_%ld_D1", def_allow()), dcp_get(), def_allow());
}

/* ---- relaxing and prohibiting (D1) ---- */

static void relax_and_prohibit(void)
{
	unsigned char *a, *b;

	PEXPECT_OK("prctl_set_1_allow_ok_D1", dcp_set(1));
	PEXPECT_RET("prctl_get_after_allow_1_D1", dcp_get(), 1);
	PEXPECT_OK("prctl_set_1_again_ok_D1", dcp_set(1));
	expect_wx("relaxed", 0);

	/* A live W+X mapping blocks prohibiting, and the refusal changes
	 * nothing. */
	a = map_rwx();
	EXPECT_TRUE("relaxed_mmap_rwx_ok_D1", a != MAP_FAILED);
	PEXPECT_ERR("prctl_set_0_with_rwx_mapping_eacces_D1", dcp_set(0), EACCES);
	PEXPECT_RET("prctl_get_after_refused_prohibit_still_1_D1", dcp_get(), 1);
	EXPECT_TRUE("relaxed_rwx_mapping_still_rwx_D1", a != MAP_FAILED && perms_is(a, "rwxp"));

	/* Removing X (or W) from it makes prohibiting possible. */
	EXPECT_OK("relaxed_rwx_to_rw_ok_7.4.3", mprotect(a, PG, RW));
	PEXPECT_OK("prctl_set_0_after_rwx_gone_ok_D1", dcp_set(0));
	PEXPECT_RET("prctl_get_after_prohibit_0_D1", dcp_get(), 0);
	PEXPECT_OK("prctl_set_0_again_ok_D1", dcp_set(0));
	expect_wx("prohibited", 1);
	PEXPECT_ERR("prohibited_mprotect_rw_to_rx_eacces_7.4.2", mprotect(a, PG, RX), EACCES);
	munmap(a, PG);

	/* W+X made by mprotect, and a write+exec-only (no read) mapping, block
	 * prohibiting too. */
	PEXPECT_OK("prctl_set_1_allow_again_ok_D1", dcp_set(1));
	a = map_anon(1, RW);
	SETUP("setup_relaxed_rw", a);
	EXPECT_OK("relaxed_mprotect_rw_to_rwx_ok_7.8.7", mprotect(a, PG, RWX));
	PEXPECT_ERR("prctl_set_0_with_mprotect_rwx_eacces_D1", dcp_set(0), EACCES);
	munmap(a, PG);
	b = mmap(NULL, PG, PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("relaxed_mmap_shared_wx_ok_7.8.7", b != MAP_FAILED);
	PEXPECT_ERR("prctl_set_0_with_shared_wx_eacces_D1", dcp_set(0), EACCES);
	if (b != MAP_FAILED)
		munmap(b, PG);

	/* RW -> RX directly while relaxed; an RX mapping does not block
	 * prohibiting, and afterwards RX -> RW is refused. */
	a = map_anon(1, RW);
	SETUP("setup_relaxed_rw2", a);
	a[0] = 0xc3;
	EXPECT_OK("relaxed_mprotect_rw_to_rx_ok_7.8.7", mprotect(a, PG, RX));
	PEXPECT_OK("prctl_set_0_with_rx_mapping_ok_D1", dcp_set(0));
	EXPECT_TRUE("prohibited_rx_code_runs_7.4", probe_exec(a));
	PEXPECT_ERR("prohibited_mprotect_rx_to_rw_eacces_7.4.2", mprotect(a, PG, RW), EACCES);
	munmap(a, PG);
}

/* Under --peios-wx=locked, relaxing is refused; prohibiting is a no-op. */
static void locked_rules(void)
{
	PEXPECT_ERR("locked_prctl_set_1_eperm_D1", dcp_set(1), EPERM);
	PEXPECT_RET("locked_prctl_get_0_D1", dcp_get(), 0);
	PEXPECT_OK("locked_prctl_set_0_ok_D1", dcp_set(0));
	expect_wx("locked", 1);
}

/* ---- kacs_set_psb (§4.3) ---- */

static void exec_case(const char *which);

/*
 * psb_order checks kacs_set_psb's order of §24.16 (§24.19 #10): the pidfd
 * first (EBADF, ESRCH), then the bits (EINVAL), then the CFI family, which
 * the sandbox cannot enforce (ENODEV); a refused request commits nothing.
 */
static void psb_order(void)
{
	int p[2] = {-1, -1};
	pid_t pid;
	int pidfd, st = -1;

	PEXPECT_ERR("psb_cfif_enodev_24.16", sys_kacs_set_psb(-1, PSB_CFIF), ENODEV);
	PEXPECT_ERR("psb_cfib_enodev_24.16", sys_kacs_set_psb(-1, PSB_CFIB), ENODEV);
	PEXPECT_ERR("psb_cfi_alias_enodev_24.16", sys_kacs_set_psb(-1, PSB_CFI), ENODEV);
	PEXPECT_ERR("psb_cfif_plus_bad_bit_einval_first_24.16", sys_kacs_set_psb(-1, PSB_CFIF | 0x400), EINVAL);
	PEXPECT_ERR("psb_bad_fd_before_bits_ebadf_24.16", sys_kacs_set_psb(1000, 0x400), EBADF);
	PEXPECT_ERR("psb_negative_fd_before_bits_ebadf_24.16", sys_kacs_set_psb(-2, 0x400), EBADF);
	if (pipe(p) == 0) {
		PEXPECT_ERR("psb_not_pidfd_before_bits_ebadf_24.16", sys_kacs_set_psb(p[0], 0x400), EBADF);
		close(p[0]);
		close(p[1]);
	}
	pidfd = syscall(434 /* pidfd_open */, getpid(), 0);
	PEXPECT_ERR("psb_self_pidfd_cfif_enodev_24.16", sys_kacs_set_psb(pidfd, PSB_CFIF), ENODEV);
	PEXPECT_ERR("psb_self_pidfd_bad_bit_einval_24.16", sys_kacs_set_psb(pidfd, 0x400), EINVAL);
	close(pidfd);

	/* A reaped process: ESRCH before the bits are looked at. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	pidfd = syscall(434 /* pidfd_open */, pid, 0);
	waitpid(pid, &st, 0);
	PEXPECT_ERR("psb_reaped_before_bits_esrch_24.16", sys_kacs_set_psb(pidfd, 0x400), ESRCH);
	PEXPECT_ERR("psb_reaped_esrch_24.16", sys_kacs_set_psb(pidfd, PSB_UI_ACCESS), ESRCH);
	close(pidfd);

	/* ENODEV commits nothing of the request: NO_CHILD stays clear. */
	PEXPECT_ERR("psb_no_child_cfib_enodev_24.16", sys_kacs_set_psb(-1, PSB_NO_CHILD | PSB_CFIB), ENODEV);
	pid = fork();
	if (pid == 0)
		_exit(0);
	EXPECT_TRUE("psb_enodev_no_child_not_set_fork_ok_24.16",
		    pid > 0 && waitpid(pid, &st, 0) == pid && st == 0);
}

static void psb_child(void *arg)
{
	void *a;

	(void)arg;
	PEXPECT_ERR("psb_bit_0x400_einval_4.3", sys_kacs_set_psb(-1, 0x400), EINVAL);
	PEXPECT_ERR("psb_bit_31_einval_4.3", sys_kacs_set_psb(-1, 0x80000000u), EINVAL);
	PEXPECT_ERR("psb_wxp_plus_bad_bit_einval_4.3", sys_kacs_set_psb(-1, PSB_WXP | 0x400), EINVAL);
	psb_order();
	if (mode != LOCKED) {
		/* The EINVAL above set nothing: relaxing still works. */
		PEXPECT_OK("psb_einval_set_nothing_relax_ok_4.3", dcp_set(1));

		/* WXP while a W+X mapping exists: EACCES, nothing committed. */
		a = map_rwx();
		EXPECT_TRUE("psb_relaxed_mmap_rwx_ok_7.8.7", a != MAP_FAILED);
		PEXPECT_ERR("psb_wxp_with_rwx_mapping_eacces_4.3", sys_kacs_set_psb(-1, PSB_WXP), EACCES);
		PEXPECT_ERR("psb_wxp_no_child_with_rwx_eacces_4.3",
			    sys_kacs_set_psb(-1, PSB_WXP | PSB_NO_CHILD), EACCES);
		PEXPECT_RET("psb_refused_still_relaxed_get_1_4.3", dcp_get(), 1);
		PEXPECT_OK("psb_refused_not_locked_relax_ok_4.3", dcp_set(1));
		expect_wx("psb_refused", 0);
		{
			/* NO_CHILD was not committed either: fork still works. */
			pid_t pid = fork();
			int st = -1;

			if (pid == 0)
				_exit(0);
			EXPECT_TRUE("psb_refused_no_child_not_set_fork_ok_4.3",
				    pid > 0 && waitpid(pid, &st, 0) == pid && st == 0);
		}
		if (a != MAP_FAILED)
			munmap(a, PG);
	}

	/* No W+X mapping left: WXP is set and locks W^X on. */
	PEXPECT_OK("psb_wxp_ok_4.3", sys_kacs_set_psb(-1, PSB_WXP));
	PEXPECT_RET("psb_wxp_get_0_D1", dcp_get(), 0);
	expect_wx("psb_wxp", 1);
	PEXPECT_ERR("psb_wxp_prctl_set_1_eperm_D1", dcp_set(1), EPERM);
	PEXPECT_OK("psb_wxp_prctl_set_0_ok_D1", dcp_set(0));
	PEXPECT_OK("psb_wxp_again_noop_ok_4.3", sys_kacs_set_psb(-1, PSB_WXP));
	PEXPECT_OK("psb_zero_bits_noop_ok_4.3", sys_kacs_set_psb(-1, 0));
	PEXPECT_ERR("psb_one_way_prctl_set_1_still_eperm_4.3", dcp_set(1), EPERM);
	PEXPECT_RET("psb_one_way_get_still_0_4.3", dcp_get(), 0);

	/* Inherited by fork (§4.4) and preserved across exec (§20). */
	{
		pid_t pid = fork();
		int st = -1;

		if (pid == 0) {
			PEXPECT_ERR("psb_wxp_fork_child_prctl_set_1_eperm_4.4", dcp_set(1), EPERM);
			PEXPECT_RET("psb_wxp_fork_child_get_0_4.4", dcp_get(), 0);
			expect_wx("psb_wxp_fork_child", 1);
			_exit(0);
		}
		EXPECT_TRUE("psb_wxp_fork_child_exited_0", pid > 0 && waitpid(pid, &st, 0) == pid && st == 0);
	}
	exec_case("wxp");
}

/* ---- fork inheritance (D1) ---- */

struct fork_want {
	long get;
	int relax_ok; /* child may relax (prctl SET 1 -> 0), else EPERM */
	const char *tag;
};

static void fork_child(void *arg)
{
	struct fork_want *w = arg;

	PEXPECT_RET(nm("fork_child_of_%s_get_%ld_D1", w->tag, w->get), dcp_get(), w->get);
	expect_wx(nm("fork_child_of_%s", w->tag), w->get == 0);
	if (w->relax_ok) {
		/* The child flips its own policy; the parent must not see it. */
		long other = w->get ? 0 : 1;

		PEXPECT_OK(nm("fork_child_of_%s_set_%ld_ok_D1", w->tag, other), dcp_set(other));
		PEXPECT_RET(nm("fork_child_of_%s_get_%ld_after_set_D1", w->tag, other), dcp_get(), other);
	} else {
		PEXPECT_ERR(nm("fork_child_of_%s_set_1_eperm_D1", w->tag), dcp_set(1), EPERM);
	}
}

static void fork_inheritance(void)
{
	struct fork_want w;

	if (mode == LOCKED) {
		w = (struct fork_want){0, 0, "locked"};
		check_fork_child("fork_child_of_locked_exited_0", fork_child, &w);
		return;
	}
	PEXPECT_OK("fork_parent_relax_ok_D1", dcp_set(1));
	w = (struct fork_want){1, 1, "relaxed"};
	check_fork_child("fork_child_of_relaxed_exited_0", fork_child, &w);
	PEXPECT_RET("fork_parent_still_relaxed_after_child_D1", dcp_get(), 1);

	PEXPECT_OK("fork_parent_prohibit_ok_D1", dcp_set(0));
	w = (struct fork_want){0, 1, "prohibited"};
	check_fork_child("fork_child_of_prohibited_exited_0", fork_child, &w);
	PEXPECT_RET("fork_parent_still_prohibited_after_child_D1", dcp_get(), 0);
}

/* ---- exec reset (D1, §20) ---- */

static void set_relaxed(void)
{
	dcp_set(1);
}

static void set_prohibited(void)
{
	dcp_set(0);
}

static void set_wxp(void)
{
	sys_kacs_set_psb(-1, PSB_WXP);
}

/*
 * exec_case re-executes this program (case "which") and collects its checks.
 * The state to carry over is set again in the forked child right before
 * execve, so that exec is tested on its own, whatever fork does.
 */
static void exec_case(const char *which)
{
	const char *args[] = {"exec-child", mode_name, which, NULL};
	void (*setup)(void) = NULL;

	if (strcmp(which, "relaxed") == 0)
		setup = set_relaxed;
	else if (strcmp(which, "prohibited") == 0)
		setup = set_prohibited;
	else if (strcmp(which, "wxp") == 0)
		setup = set_wxp;
	check_exec_child(nm("exec_%s_child_reported", which), setup, args);
}

/* exec_child runs in the re-executed image. */
static void exec_child(const char *which)
{
	if (strcmp(which, "wxp") == 0) {
		/* A WXP set by kacs_set_psb survives exec (§4.4). */
		PEXPECT_ERR("exec_after_wxp_prctl_set_1_eperm_4.4", dcp_set(1), EPERM);
		PEXPECT_RET("exec_after_wxp_get_0_4.4", dcp_get(), 0);
		expect_wx("exec_after_wxp", 1);
		return;
	}
	/* A relaxed (or prohibited) process is reset to the sandbox default. */
	PEXPECT_RET(nm("exec_after_%s_get_sandbox_default_%ld_D1", which, def_allow()), dcp_get(), def_allow());
	expect_wx(nm("exec_after_%s", which), def_allow() == 0);
	if (mode == LOCKED)
		PEXPECT_ERR(nm("exec_after_%s_locked_set_1_eperm_D1", which), dcp_set(1), EPERM);
	else
		PEXPECT_OK(nm("exec_after_%s_relax_ok_D1", which), dcp_set(1));
}

static int parse_mode(const char *s)
{
	if (strcmp(s, "enforce") == 0)
		mode = ENFORCE;
	else if (strcmp(s, "off") == 0)
		mode = OFF;
	else if (strcmp(s, "locked") == 0)
		mode = LOCKED;
	else
		return -1;
	mode_name = s;
	return 0;
}

int main(int argc, char **argv)
{
	check_init("wx_policy", &argc, argv);
	probe_install();

	if (argc == 4 && strcmp(argv[1], "exec-child") == 0) {
		if (parse_mode(argv[2]) != 0)
			return 2;
		exec_child(argv[3]);
		return check_finish();
	}
	if (argc > 1 && parse_mode(argv[1]) != 0) {
		check_out("usage: wx_policy [enforce|off|locked]");
		return 2;
	}

	PEXPECT_RET(nm("prctl_get_initial_%ld_D1", def_allow()), dcp_get(), def_allow());
	expect_wx("initial", def_allow() == 0);
	prctl_args();
	if (mode == LOCKED)
		locked_rules();
	else
		relax_and_prohibit();

	fork_inheritance();

	/* exec from a relaxed and from a prohibited process. */
	if (mode != LOCKED) {
		exec_case("relaxed");
		exec_case("prohibited");
	} else {
		exec_case("locked");
	}

	/* kacs_set_psb locks this process for good: do it in a child. */
	if (mode != LOCKED)
		dcp_set(0); /* no RWX mapping is left; the child starts prohibited */
	check_fork_child("psb_child_exited_0", psb_child, NULL);
	if (mode != LOCKED)
		PEXPECT_OK("psb_in_child_parent_not_locked_relax_ok_4.4", dcp_set(1));
	return check_finish();
}
