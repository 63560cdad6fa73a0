/*
 * growsdown.c - MAP_GROWSDOWN mappings (spec §9) and PROT_GROWSDOWN
 * (§8.4): a fault anywhere in the gap below a grows-down mapping grows it
 * down to the faulting page, unless the growth would come within
 * stack_guard_gap (256 pages) of an accessible mapping below, or make the
 * mapping larger than RLIMIT_STACK; then the access raises SIGSEGV. These
 * are Linux rules: every check passes natively too.
 *
 * The same growth happens when the kernel (the Sentry) accesses the gap
 * for a syscall: read, pread, getrandom, readv (its iovec array too),
 * write to a pipe, sendmsg, recvmsg and process_vm_readv's local buffer
 * grow the mapping down to the first byte they touch, by the same limits,
 * else fail EFAULT; a write to /dev/null, which never reads its buffer,
 * grows nothing (verified on Linux 6.18).
 *
 * The mappings are laid out in a reserved, unmapped region, so the gaps
 * below them are known.
 *
 * Usage: growsdown
 */
#include "check.h"
#include "mm_util.h"

#include <sys/socket.h>
#include <sys/uio.h>

#define RW (PROT_READ | PROT_WRITE)
#define GD (MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE)
#define MIB (1UL << 20)
#define GUARD (256 * PG)

/* set_stack_limit sets the soft RLIMIT_STACK; returns the old one. */
static rlim_t set_stack_limit(rlim_t cur)
{
	struct rlimit rl;

	getrlimit(RLIMIT_STACK, &rl);
	rlim_t old = rl.rlim_cur;
	rl.rlim_cur = cur;
	setrlimit(RLIMIT_STACK, &rl);
	return old;
}

/* ---- growth on a fault (§9) ---- */

static void growth(unsigned char *base)
{
	unsigned char *p = base + 48 * MIB, *b, *cur;
	rlim_t old = set_stack_limit(64 * MIB);

	SETUP("setup_growsdown_map", mmap(p, 4 * PG, RW, GD, -1, 0) == p);
	p[0] = 0x5a;
	EXPECT_TRUE("fault_one_byte_below_grows_9", probe_write(p - 1, 0x11));
	EXPECT_EQ("fault_one_byte_below_grows_one_page_9", vma_start(p), (unsigned long)(p - PG));
	EXPECT_TRUE("grown_keeps_contents_9", p[0] == 0x5a && p[-1] == 0x11 && p[-PG] == 0);
	EXPECT_TRUE("grown_smaps_gd_19", has_flag(p - PG, "gd"));
	EXPECT_TRUE("fault_ten_pages_below_grows_9", probe_write(p - 10 * PG, 0x22));
	EXPECT_EQ("fault_ten_pages_below_starts_at_page_9", vma_start(p), (unsigned long)(p - 10 * PG));
	EXPECT_TRUE("fault_ten_pages_below_gap_filled_zero_9", filled(p - 9 * PG, 8 * PG, 0));
	EXPECT_TRUE("fault_3mib_below_grows_9", probe_read(p - 3 * MIB, NULL));
	EXPECT_EQ("fault_3mib_below_starts_at_page_9", vma_start(p), (unsigned long)(p - 3 * MIB));
	EXPECT_TRUE("grown_is_one_mapping_rw_9", perms_is(p - 3 * MIB, "rw-p") && vma_start(p + PG) == vma_start(p - PG));

	/* An accessible mapping below: the guard gap is kept (§9). */
	cur = p - 3 * MIB;
	b = cur - 4 * MIB;
	SETUP("setup_mapping_below", map_at(b, 1, PROT_READ) == b);
	EXPECT_TRUE("fault_inside_guard_gap_sigsegv_9", !probe_write(b + PG + GUARD - PG, 1));
	EXPECT_EQ("fault_inside_guard_gap_not_grown_9", vma_start(p), (unsigned long)cur);
	EXPECT_TRUE("fault_just_above_mapping_sigsegv_9", !probe_read(b + PG, NULL));
	EXPECT_TRUE("fault_at_guard_gap_grows_9", probe_write(b + PG + GUARD, 0x33));
	EXPECT_EQ("fault_at_guard_gap_starts_there_9", vma_start(p), (unsigned long)(b + PG + GUARD));
	munmap(b, PG);

	/* A PROT_NONE mapping below needs no gap. */
	SETUP("setup_prot_none_below", map_at(b, 1, PROT_NONE) == b);
	EXPECT_TRUE("prot_none_below_no_guard_gap_9", probe_write(b + PG, 0x44));
	EXPECT_EQ("prot_none_below_grown_to_it_9", vma_start(p), (unsigned long)(b + PG));
	munmap(b, PG);
	munmap(b + PG, (size_t)(p + 4 * PG - (b + PG)));
	set_stack_limit(old);
}

/* A grows-down mapping below needs no gap either. (The Sentry then merges
 * the two mappings, which are alike, into one: only the layout of
 * /proc/self/maps differs, so only the growth is checked.) */
static void growsdown_below(unsigned char *base)
{
	unsigned char *p = base + 40 * MIB, *q = p - 2 * MIB;

	SETUP("setup_gd_upper", mmap(p, 4 * PG, RW, GD, -1, 0) == p);
	SETUP("setup_gd_lower", mmap(q, 4 * PG, RW, GD, -1, 0) == q);
	EXPECT_TRUE("growsdown_below_no_guard_gap_9", probe_write(q + 4 * PG, 0x55));
	EXPECT_TRUE("growsdown_below_grown_to_it_9", perms_is(q + 4 * PG, "rw-p") && filled(q + 4 * PG + 1, 2 * PG, 0));
	munmap(q, (size_t)(p + 4 * PG - q));
}

/* RLIMIT_STACK bounds the size of the grown mapping. */
static void stack_limit(unsigned char *base)
{
	unsigned char *q = base + 32 * MIB;
	rlim_t old = set_stack_limit(MIB);

	SETUP("setup_growsdown_map", mmap(q, 4 * PG, RW, GD, -1, 0) == q);
	EXPECT_TRUE("rlimit_stack_growth_to_limit_ok_9", probe_write(q + 4 * PG - MIB, 1));
	EXPECT_EQ("rlimit_stack_grown_to_limit_9", vma_start(q), (unsigned long)(q + 4 * PG - MIB));
	EXPECT_TRUE("rlimit_stack_growth_past_limit_sigsegv_9", !probe_write(q + 4 * PG - MIB - 1, 1));
	EXPECT_EQ("rlimit_stack_not_grown_past_limit_9", vma_start(q), (unsigned long)(q + 4 * PG - MIB));
	set_stack_limit(old);
	munmap(q + 4 * PG - MIB, MIB);
}

/* The growth comes before the access check; a locked mapping grows locked. */
static void read_only_and_locked(unsigned char *base)
{
	unsigned char *r = base + 24 * MIB, *l = base + 16 * MIB;
	struct rlimit rl = {MIB, MIB};
	long before;

	SETUP("setup_read_only_map", mmap(r, 4 * PG, PROT_READ, GD, -1, 0) == r);
	EXPECT_TRUE("read_below_read_only_grows_9", probe_read(r - 1, NULL));
	EXPECT_EQ("read_below_read_only_grown_9", vma_start(r), (unsigned long)(r - PG));
	EXPECT_TRUE("write_below_read_only_sigsegv_9", !probe_write(r - 2 * PG, 1));
	EXPECT_EQ("write_below_read_only_grown_first_9", vma_start(r), (unsigned long)(r - 2 * PG));
	EXPECT_TRUE("write_below_read_only_grown_read_only_9", perms_is(r - 2 * PG, "r--p"));
	munmap(r - 2 * PG, 6 * PG);

	getrlimit(RLIMIT_MEMLOCK, &rl);
	if (rl.rlim_max >= MIB)
		rl.rlim_cur = MIB;
	setrlimit(RLIMIT_MEMLOCK, &rl);
	SETUP("setup_locked_map", mmap(l, 4 * PG, RW, GD, -1, 0) == l);
	before = field_kb("/proc/self/status", "VmLck");
	SETUP("setup_mlock", mlock(l, 4 * PG) == 0);
	EXPECT_EQ("mlock_counts_4_pages_14", field_kb("/proc/self/status", "VmLck") - before, 16);
	EXPECT_TRUE("locked_growth_ok_9", probe_write(l - 2 * PG, 1));
	EXPECT_EQ("locked_grows_locked_14", field_kb("/proc/self/status", "VmLck") - before, 24);
	EXPECT_OK("munlock_grown_ok_8.12", munlock(l - 2 * PG, 6 * PG));
	munmap(l - 2 * PG, 6 * PG);
}

/* ---- growth on the Sentry's accesses for a syscall (§9) ---- */

/* below returns how many pages below p the mapping holding p starts. */
static long below(unsigned char *p)
{
	return (long)(p - (unsigned char *)(uintptr_t)vma_start(p)) / (long)PG;
}

static void sentry_growth(unsigned char *base)
{
	unsigned char *g = base + 60 * MIB, *k = base + 56 * MIB, *m;
	rlim_t old = set_stack_limit(MIB);
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int file = tmpfile_of("growsdown", 1, 0x5a), pp[2] = {-1, -1}, sock[2] = {-1, -1};
	char src[16] = {1}, scratch[16];
	struct iovec iov, local, remote = {src, sizeof(src)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (file >= 0)
		unlink(tmp_path);
	SETUP("setup_sentry_growth", zero >= 0 && null >= 0 && file >= 0 && pipe(pp) == 0 &&
					     socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sock) == 0 &&
					     mmap(g, 4 * PG, RW, GD, -1, 0) == g);
	EXPECT_RET("read_into_gap_16_9", read(zero, g - 10 * PG, 16), 16);
	EXPECT_EQ("read_into_gap_grows_to_buffer_9", below(g), 10);
	EXPECT_RET("read_straddling_page_16_9", read(zero, g - 12 * PG - 8, 16), 16);
	EXPECT_EQ("read_straddling_grows_to_first_byte_page_9", below(g), 13);
	EXPECT_RET("pread_into_gap_16_9", pread(file, g - 20 * PG, 16, 0), 16);
	EXPECT_TRUE("pread_into_gap_grown_holds_data_9", below(g) == 20 && g[-20 * (long)PG] == 0x5a);
	EXPECT_RET("getrandom_into_gap_16_9", syscall(SYS_getrandom, g - 30 * PG, 16, 0), 16);
	EXPECT_EQ("getrandom_into_gap_grows_9", below(g), 30);
	/* The iovec array itself in the gap: grown, read as zeros. */
	EXPECT_RET("readv_iovec_array_in_gap_0_9", readv(zero, (struct iovec *)(g - 40 * PG), 1), 0);
	EXPECT_EQ("readv_iovec_array_in_gap_grows_9", below(g), 40);
	iov = (struct iovec){g - 45 * PG, 16};
	EXPECT_RET("readv_buffer_in_gap_16_9", readv(zero, &iov, 1), 16);
	EXPECT_EQ("readv_buffer_in_gap_grows_9", below(g), 45);
	EXPECT_RET("write_dev_null_from_gap_16_9", write(null, g - 50 * PG, 16), 16);
	EXPECT_EQ("write_dev_null_from_gap_not_grown_9", below(g), 45);
	EXPECT_RET("write_pipe_from_gap_16_9", write(pp[1], g - 50 * PG, 16), 16);
	EXPECT_EQ("write_pipe_from_gap_grows_9", below(g), 50);
	SETUP("setup_drain_pipe", read(pp[0], scratch, sizeof(scratch)) == 16);
	iov = (struct iovec){g - 60 * PG, 16};
	EXPECT_RET("sendmsg_from_gap_16_9", sendmsg(sock[0], &msg, 0), 16);
	EXPECT_EQ("sendmsg_from_gap_grows_9", below(g), 60);
	iov = (struct iovec){g - 70 * PG, 16};
	EXPECT_RET("recvmsg_into_gap_16_9", recvmsg(sock[1], &msg, MSG_DONTWAIT), 16);
	EXPECT_EQ("recvmsg_into_gap_grows_9", below(g), 70);
	local = (struct iovec){g - 80 * PG, 16};
	EXPECT_RET("process_vm_readv_local_in_gap_16_9",
		   syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0), 16);
	EXPECT_TRUE("process_vm_readv_local_in_gap_grows_9", below(g) == 80 && g[-80 * (long)PG] == 1);
	/* RLIMIT_STACK (1 MiB): the mapping may reach g + 4 pages - 1 MiB. */
	m = g + 4 * PG - MIB;
	EXPECT_ERR("read_past_rlimit_stack_efault_9", read(zero, m - PG, 16), EFAULT);
	EXPECT_EQ("read_past_rlimit_stack_not_grown_9", below(g), 80);
	EXPECT_ERR("getrandom_past_rlimit_stack_efault_9", syscall(SYS_getrandom, m - 1, 16, 0), EFAULT);
	EXPECT_RET("read_at_rlimit_stack_16_9", read(zero, m, 16), 16);
	EXPECT_TRUE("read_at_rlimit_stack_grown_to_limit_9", vma_start(g) == (unsigned long)m);
	munmap(m, (size_t)(g + 4 * PG - m));

	/* The guard gap to an accessible mapping below. */
	SETUP("setup_guard_maps", mmap(k, 4 * PG, RW, GD, -1, 0) == k && map_at(k - 300 * PG, 1, PROT_READ));
	EXPECT_ERR("read_inside_guard_gap_efault_9", read(zero, k - 299 * PG + 10 * PG, 16), EFAULT);
	EXPECT_ERR("pread_inside_guard_gap_efault_9", pread(file, k - 299 * PG + 255 * PG, 16, 0), EFAULT);
	EXPECT_EQ("inside_guard_gap_not_grown_9", below(k), 0);
	EXPECT_RET("read_at_guard_gap_16_9", read(zero, k - 299 * PG + 256 * PG, 16), 16);
	EXPECT_EQ("read_at_guard_gap_grows_9", below(k), 43);
	munmap(k - 300 * PG, 304 * PG);
	set_stack_limit(old);
	close(zero);
	close(null);
	close(file);
	close(pp[0]);
	close(pp[1]);
	close(sock[0]);
	close(sock[1]);
}

/* ---- PROT_GROWSDOWN (§8.4 steps 1 and 6) ---- */

static void prot_growsdown(unsigned char *base)
{
	unsigned char *p = base + 8 * MIB, *n;

	SETUP("setup_growsdown_map", mmap(p, 4 * PG, RW, GD, -1, 0) == p);
	SETUP("setup_grow", probe_write(p - 2 * PG, 1));
	EXPECT_OK("prot_growsdown_ok_8.4", mprotect(p + PG, PG, PROT_READ | PROT_GROWSDOWN));
	EXPECT_TRUE("prot_growsdown_reaches_grown_start_8.4", perms_is(p - 2 * PG, "r--p"));
	EXPECT_TRUE("prot_growsdown_stops_at_range_end_8.4", perms_is(p + 2 * PG, "rw-p"));
	EXPECT_ERR("prot_growsdown_and_growsup_einval_8.4.1",
		   mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), EINVAL);
	EXPECT_ERR("prot_growsup_einval_8.4.6", mprotect(p, PG, PROT_READ | PROT_GROWSUP), EINVAL);
	EXPECT_ERR("prot_growsdown_no_vma_enomem_8.4.6", mprotect(p - 8 * PG, PG, PROT_READ | PROT_GROWSDOWN), ENOMEM);
	munmap(p - 2 * PG, 6 * PG);

	n = map_at(p, 2, RW);
	SETUP("setup_plain_map", n);
	if (n) {
		EXPECT_ERR("prot_growsdown_not_growsdown_einval_8.4.6", mprotect(n, PG, PROT_READ | PROT_GROWSDOWN),
			   EINVAL);
		SETUP("setup_seal", sys_mseal(n, 2 * PG, 0) == 0);
		EXPECT_ERR("prot_growsdown_not_growsdown_sealed_einval_first_8.4.6",
			   mprotect(n, PG, PROT_READ | PROT_GROWSDOWN), EINVAL);
		EXPECT_TRUE("plain_map_no_gd_19", !has_flag(n, "gd"));
		EXPECT_TRUE("fault_below_plain_map_sigsegv_9", !probe_read(n - 1, NULL));
	}
}

/* ---- MAP_GROWSDOWN: private anonymous only (§9, §8.1 5j, 5k) ---- */

static void refused(void)
{
	int fd = syscall(SYS_memfd_create, "peios-growsdown", 0);

	SETUP("setup_memfd", fd >= 0 && ftruncate(fd, PG) == 0);
	EXPECT_MAP_ERR("growsdown_file_private_einval_9", mmap(NULL, PG, RW, MAP_PRIVATE | MAP_GROWSDOWN, fd, 0),
		       EINVAL);
	EXPECT_MAP_ERR("growsdown_file_shared_einval_9", mmap(NULL, PG, RW, MAP_SHARED | MAP_GROWSDOWN, fd, 0),
		       EINVAL);
	EXPECT_MAP_ERR("growsdown_shared_anon_einval_9",
		       mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0), EINVAL);
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned char *base;

	check_init("growsdown", &argc, argv);
	probe_install();
	base = reserve(64 * MIB / PG);
	SETUP("setup_reserve", base);
	if (base) {
		growth(base);
		growsdown_below(base);
		stack_limit(base);
		read_only_and_locked(base);
		prot_growsdown(base);
		sentry_growth(base);
	}
	refused();
	return check_finish();
}
