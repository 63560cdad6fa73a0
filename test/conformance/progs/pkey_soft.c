/*
 * pkey_soft.c - software protection keys (spec §8.5, §8.6, §13, §19, §20;
 * DECISIONS D5): under the sandbox policy dev.peios.mm/pkeys=software the
 * key calls answer as Linux does on a CPU with PKU, and the Sentry checks
 * the calling thread's PKRU on its own accesses to user buffers. The
 * program's own loads and stores are not checked (no hardware keys), so
 * PKRU is observed through those syscalls: a thread's read(2) into a page
 * of key k fails EFAULT exactly when its PKRU access- or write-disables k.
 *
 * A buffer only partly on a denied page transfers what comes before it,
 * as Linux does when its copy faults there (checked natively with a
 * PROT_NONE page, which the kernel's copy meets the same way): read,
 * pread, getrandom, readv, pwrite return the short count; a write to a
 * pipe or a socket fails EFAULT (Linux copies a pipe page or a message
 * whole); a write to /dev/null never reads its buffer.
 *
 * Usage: pkey_soft            the default policy (none): as Linux without
 *                             PKU; buffers of pkey_mprotect(-1) work and
 *                             smaps has no ProtectionKey (also native)
 *        pkey_soft software   software keys (sandbox only)
 * Internal: pkey_soft --check-report-fd N software exec-child
 */
#include "check.h"
#include "mm_util.h"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define SYS_PKEY_ALLOC_NR 330
#define SYS_PKEY_FREE_NR 331
#define SYS_GETRANDOM_NR 318
#define SYS_PREADV2_NR 327
#define SYS_PWRITEV2_NR 328
#define SYS_PROCESS_VM_READV_NR 310
#define SYS_PROCESS_VM_WRITEV_NR 311
#define RWF_HIPRI_ 1
#define AD 1 /* PKEY_DISABLE_ACCESS */
#define WD 2 /* PKEY_DISABLE_WRITE */
#define N 16 /* bytes per transfer */

static long pkey_alloc_(unsigned long flags, unsigned long rights)
{
	return syscall(SYS_PKEY_ALLOC_NR, flags, rights);
}

static long pkey_free_(long key)
{
	return syscall(SYS_PKEY_FREE_NR, key);
}

/* pkey_of returns the smaps ProtectionKey of the VMA holding addr, or -1
 * if its entry has no such line. */
static long pkey_of(const void *addr)
{
	const char *s = read_file("/proc/self/smaps");
	unsigned long a = (unsigned long)(uintptr_t)addr;
	int in = 0;

	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long st, en;
		char c;

		if (sscanf(l, "%lx-%lx %c", &st, &en, &c) == 3 && strchr(l, '-') < strchr(l, ' '))
			in = a >= st && a < en;
		else if (in && strncmp(l, "ProtectionKey:", 14) == 0)
			return strtol(l + 14, NULL, 10);
	}
	return -1;
}

/* ---- the I/O calls the Sentry checks ---- */

static int zero_fd = -1, null_fd = -1, file_fd = -1, sock[2] = {-1, -1};
static unsigned char plain[N]; /* key 0 */

static void io_setup(void)
{
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	file_fd = tmpfile_of("pkey-soft", 1, 0x5a);
	if (file_fd >= 0)
		unlink(tmp_path);
	SETUP("setup_io_fds", zero_fd >= 0 && null_fd >= 0 && file_fd >= 0 &&
				      socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sock) == 0);
}

/* IO_CHECK checks one call of io_into or io_from: N, or -1 EFAULT if !ok. */
#define IO_CHECK(call, expr) CHECK_INT_(nm("%s_%s_%s_13", who, call, ok ? "ok" : "efault"), 0, expr, want, werr)

/* io_into runs every checked call that writes into p (N bytes); each must
 * return N, or fail EFAULT if !ok. */
static void io_into(const char *who, unsigned char *p, int ok)
{
	struct iovec iov = {p, N}, local = {p, N}, remote = {plain, N};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	long want = ok ? N : -1;
	int werr = ok ? 0 : EFAULT;
	char scratch[N];

	IO_CHECK("read", read(zero_fd, p, N));
	IO_CHECK("pread64", pread(file_fd, p, N, 0));
	IO_CHECK("readv", readv(zero_fd, &iov, 1));
	IO_CHECK("preadv", preadv(file_fd, &iov, 1, 0));
	IO_CHECK("preadv2", syscall(SYS_PREADV2_NR, file_fd, &iov, 1, 0L, 0L, 0));
	IO_CHECK("getrandom", syscall(SYS_GETRANDOM_NR, p, N, 0));
	SETUP(nm("%s_setup_send", who), send(sock[0], plain, N, 0) == N);
	IO_CHECK("recvfrom", recvfrom(sock[1], p, N, MSG_DONTWAIT, NULL, NULL));
	if (!ok)
		SETUP(nm("%s_setup_drain", who), recv(sock[1], scratch, N, MSG_DONTWAIT) == N);
	SETUP(nm("%s_setup_send_msg", who), send(sock[0], plain, N, 0) == N);
	IO_CHECK("recvmsg", recvmsg(sock[1], &msg, MSG_DONTWAIT));
	if (!ok)
		SETUP(nm("%s_setup_drain_msg", who), recv(sock[1], scratch, N, MSG_DONTWAIT) == N);
	IO_CHECK("process_vm_readv_local", syscall(SYS_PROCESS_VM_READV_NR, getpid(), &local, 1, &remote, 1, 0));
}

/* io_from runs every checked call that reads from p (N bytes). */
static void io_from(const char *who, unsigned char *p, int ok)
{
	struct iovec iov = {p, N}, local = {p, N}, remote = {plain, N};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	long want = ok ? N : -1;
	int werr = ok ? 0 : EFAULT;
	char scratch[N];

	IO_CHECK("write", write(file_fd, p, N));
	/* /dev/null never reads the buffer: no access to check. */
	EXPECT_RET(nm("%s_write_dev_null_not_read_ok_13", who), write(null_fd, p, N), N);
	IO_CHECK("pwrite64", pwrite(file_fd, p, N, 0));
	IO_CHECK("writev", writev(file_fd, &iov, 1));
	IO_CHECK("pwritev", pwritev(file_fd, &iov, 1, 0));
	IO_CHECK("pwritev2", syscall(SYS_PWRITEV2_NR, file_fd, &iov, 1, 0L, 0L, 0));
	IO_CHECK("sendto", sendto(sock[0], p, N, 0, NULL, 0));
	if (ok)
		SETUP(nm("%s_setup_drain", who), recv(sock[1], scratch, N, MSG_DONTWAIT) == N);
	IO_CHECK("sendmsg", sendmsg(sock[0], &msg, 0));
	if (ok)
		SETUP(nm("%s_setup_drain_msg", who), recv(sock[1], scratch, N, MSG_DONTWAIT) == N);
	IO_CHECK("process_vm_writev_local", syscall(SYS_PROCESS_VM_WRITEV_NR, getpid(), &local, 1, &remote, 1, 0));
}

/* ---- partial transfers ---- */

/*
 * partial checks the calls on buffers whose first 100 bytes are accessible
 * and whose rest lies on the page q + PG, which the caller made
 * inaccessible (PROT_NONE natively and in the default policy, or key 1,
 * access-disabled, under software keys: Linux's copy faults on both alike).
 * Names end in _none or _key.
 */
static void partial(const char *who, unsigned char *q)
{
	unsigned char *b = q + PG - 100;
	static unsigned char remote_buf[400];
	struct iovec one = {b, 200}, big = {remote_buf, sizeof(remote_buf)};
	struct iovec two_local[2] = {{q + PG - 300, 100}, {b, 200}};
	struct iovec at_edge[2] = {{q + PG - 300, 200}, {q + PG, 100}}, empty_first[2] = {{q, 0}, {b, 200}};
	struct msghdr msg = {.msg_iov = &one, .msg_iovlen = 1};
	int pp[2] = {-1, -1}, st[2] = {-1, -1};
	char scratch[300];

	SETUP(nm("setup_partial_%s", who), pipe2(pp, O_NONBLOCK | O_CLOEXEC) == 0 &&
						 socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st) == 0);
	EXPECT_RET(nm("read_partial_100_13_%s", who), read(zero_fd, b, 200), 100);
	EXPECT_RET(nm("pread_partial_100_13_%s", who), pread(file_fd, b, 200, 0), 100);
	EXPECT_RET(nm("getrandom_partial_100_13_%s", who), syscall(SYS_GETRANDOM_NR, b, 200, 0), 100);
	EXPECT_RET(nm("getrandom_small_partial_10_13_%s", who), syscall(SYS_GETRANDOM_NR, q + PG - 10, 20, 0), 10);
	EXPECT_RET(nm("readv_partial_100_13_%s", who), readv(zero_fd, &one, 1), 100);
	EXPECT_RET(nm("preadv_partial_100_13_%s", who), preadv(file_fd, &one, 1, 0), 100);
	EXPECT_RET(nm("preadv2_partial_100_13_%s", who), syscall(SYS_PREADV2_NR, file_fd, &one, 1, 0L, 0L, 0), 100);
	EXPECT_RET(nm("readv_empty_first_iovec_partial_100_13_%s", who), readv(zero_fd, empty_first, 2), 100);
	EXPECT_RET(nm("readv_ends_at_iovec_edge_200_13_%s", who), readv(zero_fd, at_edge, 2), 200);
	EXPECT_RET(nm("pwrite_partial_100_13_%s", who), pwrite(file_fd, b, 200, 0), 100);
	EXPECT_RET(nm("pwritev_partial_100_13_%s", who), pwritev(file_fd, &one, 1, 0), 100);
	EXPECT_RET(nm("process_vm_readv_local_partial_100_13_%s", who),
		   syscall(SYS_PROCESS_VM_READV_NR, getpid(), &one, 1, &big, 1, 0), 100);
	EXPECT_RET(nm("process_vm_writev_local_partial_100_13_%s", who),
		   syscall(SYS_PROCESS_VM_WRITEV_NR, getpid(), two_local, 2, &big, 1, 0), 100 + 100);
	EXPECT_RET(nm("read_zero_bytes_at_denied_0_13_%s", who), read(zero_fd, q + PG, 0), 0);
	EXPECT_ERR(nm("read_at_denied_efault_13_%s", who), read(zero_fd, q + PG, 16), EFAULT);
	EXPECT_RET(nm("write_dev_null_partial_not_read_200_13_%s", who), write(null_fd, b, 200), 200);
	/* Pipes and sockets: these hold natively for PROT_NONE too (Linux
	 * 6.18), but gVisor's own copies differ there (a pipe or socket
	 * write sends the accessible part; a receive into a buffer with a
	 * PROT_NONE page fails EFAULT), so only keys are checked. */
	if (strcmp(who, "key") == 0) {
		EXPECT_ERR(nm("write_pipe_partial_efault_13_%s", who), write(pp[1], b, 200), EFAULT);
		EXPECT_ERR(nm("write_pipe_partial_wrote_nothing_13_%s", who), read(pp[0], scratch, sizeof(scratch)), EAGAIN);
		EXPECT_ERR(nm("sendto_dgram_partial_efault_13_%s", who), sendto(sock[0], b, 200, 0, NULL, 0), EFAULT);
		EXPECT_ERR(nm("sendmsg_stream_partial_efault_13_%s", who), sendmsg(st[0], &msg, 0), EFAULT);
		EXPECT_ERR(nm("sendmsg_stream_partial_sent_nothing_13_%s", who), recv(st[1], scratch, sizeof(scratch), MSG_DONTWAIT), EAGAIN);
		EXPECT_RET(nm("sendto_dgram_accessible_part_100_13_%s", who), sendto(sock[0], b, 100, 0, NULL, 0), 100);
		/* Received data that fits the accessible part. */
		EXPECT_RET(nm("recvfrom_dgram_fits_100_13_%s", who), recvfrom(sock[1], b, 200, MSG_DONTWAIT, NULL, NULL), 100);
		SETUP(nm("setup_send_16_%s", who), write(pp[1], plain, N) == N);
		EXPECT_RET(nm("read_pipe_fits_16_13_%s", who), read(pp[0], b, 200), N);
	}
	close(pp[0]);
	close(pp[1]);
	close(st[0]);
	close(st[1]);
}

static void partial_prot_none(void)
{
	unsigned char *q = map_anon(2, PROT_READ | PROT_WRITE);

	SETUP("setup_partial_prot_none", q && mprotect(q + PG, PG, PROT_NONE) == 0);
	if (q) {
		partial("none", q);
		munmap(q, 2 * PG);
	}
}

/*
 * partial_keys: the same with key 1 (access-disabled for main), then what
 * only keys have: a write-disabled key (4) denies only writes, and
 * recvmsg, whose data cannot be clamped.
 */
static void partial_keys(void)
{
	unsigned char *q = map_anon(2, PROT_READ | PROT_WRITE), *r = map_anon(2, PROT_READ | PROT_WRITE);
	struct iovec two[2] = {{q + PG - 300, 100}, {q + PG - 100, 200}}, iov = {q + PG - 100, 200};
	struct iovec fits = {q + PG - 300, 200};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	SETUP("setup_partial_keys", q && r && sys_pkey_mprotect(q + PG, PG, PROT_READ | PROT_WRITE, 1) == 0 &&
					    sys_pkey_mprotect(r + PG, PG, PROT_READ | PROT_WRITE, 4) == 0);
	if (!q || !r)
		return;
	partial("key", q);
	/* Linux would go on into the second iovec's accessible part (200);
	 * only whole iovecs are transferred (README, Known gaps). */
	EXPECT_RET("readv_prefix_in_second_iovec_whole_iovecs_100_13", readv(zero_fd, two, 2), 100);
	/* preadv2 with flags has no single-buffer twin: EFAULT (Linux 100). */
	EXPECT_ERR("preadv2_flags_partial_first_iovec_efault_13",
		   syscall(SYS_PREADV2_NR, file_fd, &iov, 1, 0L, 0L, RWF_HIPRI_), EFAULT);
	/* Key 4 is write-disabled: reading from it is allowed. */
	EXPECT_RET("read_into_write_disabled_partial_100_13", read(zero_fd, r + PG - 100, 200), 100);
	EXPECT_RET("write_from_write_disabled_whole_200_13", pwrite(file_fd, r + PG - 100, 200, 0), 200);
	/* recvmsg cannot be clamped: EFAULT even for a message that fits
	 * (Linux receives it). */
	SETUP("setup_send_msg", send(sock[0], plain, N, 0) == N);
	EXPECT_ERR("recvmsg_partial_iovec_efault_13", recvmsg(sock[1], &msg, MSG_DONTWAIT), EFAULT);
	msg.msg_iov = &fits;
	EXPECT_RET("recvmsg_accessible_iovec_after_refusal_16_13", recvmsg(sock[1], &msg, MSG_DONTWAIT), N);
	/* The msghdr and the name buffer are checked whole. */
	EXPECT_ERR("recvmsg_msghdr_in_key_1_efault_13", recvmsg(sock[1], (struct msghdr *)(q + PG), MSG_DONTWAIT), EFAULT);
	EXPECT_ERR("sendmsg_msghdr_in_key_1_efault_13", sendmsg(sock[0], (struct msghdr *)(q + PG), 0), EFAULT);
	SETUP("setup_send_msg_2", send(sock[0], plain, N, 0) == N);
	msg.msg_name = r + PG;
	msg.msg_namelen = 16;
	EXPECT_ERR("recvmsg_name_in_write_disabled_efault_13", recvmsg(sock[1], &msg, MSG_DONTWAIT), EFAULT);
	msg.msg_name = NULL;
	msg.msg_namelen = 0;
	EXPECT_RET("recvmsg_without_name_16_13", recvmsg(sock[1], &msg, MSG_DONTWAIT), N);
	msg.msg_iov = two;
	msg.msg_iovlen = 2;
	EXPECT_ERR("sendmsg_partial_second_iovec_efault_13", sendmsg(sock[0], &msg, 0), EFAULT);
	munmap(q, 2 * PG);
	munmap(r, 2 * PG);
}

/* ---- the default policy ---- */

static void default_policy(void)
{
	unsigned char *p = map_anon(1, PROT_READ | PROT_WRITE);

	SETUP("setup_default", p);
	if (!p)
		return;
	EXPECT_ERR("default_first_alloc_einval_13", pkey_alloc_(0, 0), EINVAL);
	EXPECT_OK("default_pkey_mprotect_minus_1_ok_8.5", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, -1));
	EXPECT_ERR("default_pkey_mprotect_key_0_einval_8.5", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, 0), EINVAL);
	EXPECT_EQ("default_smaps_no_protection_key_19", pkey_of(p), -1);
	io_into("default_into_buffer", p, 1);
	io_from("default_from_buffer", p, 1);
	munmap(p, PG);
	partial_prot_none();
}

/* ---- software keys ---- */

/* A worker thread runs functions on request, to act as a thread other
 * than main. */
struct worker {
	pthread_t th;
	int req[2], done[2];
	void (*fn)(void);
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char c;

	while (read(w->req[0], &c, 1) == 1 && w->fn) {
		w->fn();
		if (write(w->done[1], &c, 1) != 1)
			break;
	}
	return NULL;
}

static int worker_start(struct worker *w)
{
	if (pipe(w->req) || pipe(w->done))
		return -1;
	return pthread_create(&w->th, NULL, worker_main, w) == 0 ? 0 : -1;
}

static void worker_run(struct worker *w, void (*fn)(void))
{
	char c = 0;

	w->fn = fn;
	if (write(w->req[1], &c, 1) != 1 || read(w->done[0], &c, 1) != 1)
		SETUP("setup_worker_run", 0);
}

static void worker_stop(struct worker *w)
{
	char c = 0;

	w->fn = NULL;
	if (write(w->req[1], &c, 1) == 1)
		pthread_join(w->th, NULL);
}

static void *thread_main(void *fn)
{
	((void (*)(void))fn)();
	return NULL;
}

/* run_thread runs fn in a new thread created by the caller. */
static void run_thread(void (*fn)(void))
{
	pthread_t th;

	if (pthread_create(&th, NULL, thread_main, (void *)fn) != 0) {
		SETUP("setup_thread", 0);
		return;
	}
	pthread_join(th, NULL);
}

static struct worker t0; /* created before any key is allocated */
static unsigned char *buf1; /* key 1: main allocated it PKEY_DISABLE_ACCESS */
static unsigned char *buf2; /* key 2: main allocated it with rights 0 */
static unsigned char *buf3; /* key 3: t0 allocated it with rights 0 */
static unsigned char *buf4; /* key 4: main allocated it PKEY_DISABLE_WRITE */
static long k3;

/* reads returns read(2) of N bytes into p: N or -1. */
static long reads(unsigned char *p)
{
	return read(zero_fd, p, N);
}

/* §8.6: allocation, in a fork child so the parent's keys stay free. */
static void alloc_all(void *arg)
{
	(void)arg;
	EXPECT_ERR("alloc_flags_einval_8.6", pkey_alloc_(1, 0), EINVAL);
	EXPECT_ERR("alloc_rights_0x4_einval_8.6", pkey_alloc_(0, 0x4), EINVAL);
	EXPECT_ERR("alloc_rights_high_einval_8.6", pkey_alloc_(0, 1UL << 40), EINVAL);
	for (long k = 1; k <= 15; k++)
		EXPECT_RET(nm("alloc_returns_%ld_8.6", k), pkey_alloc_(0, k % 4), k);
	EXPECT_ERR("alloc_16th_enospc_8.6", pkey_alloc_(0, 0), ENOSPC);
	EXPECT_ERR("alloc_full_flags_einval_first_8.6", pkey_alloc_(1, 0), EINVAL);
	EXPECT_ERR("alloc_full_rights_einval_first_8.6", pkey_alloc_(0, 4), EINVAL);
	EXPECT_OK("free_7_ok_8.6", pkey_free_(7));
	EXPECT_ERR("free_7_again_einval_8.6", pkey_free_(7), EINVAL);
	EXPECT_OK("free_12_ok_8.6", pkey_free_(12));
	EXPECT_RET("realloc_lowest_free_7_8.6", pkey_alloc_(0, 0), 7);
	EXPECT_RET("realloc_next_free_12_8.6", pkey_alloc_(0, 0), 12);
	EXPECT_ERR("realloc_full_enospc_8.6", pkey_alloc_(0, 0), ENOSPC);
	for (long k = -1; k <= 16; k += 17)
		EXPECT_ERR(nm("free_%ld_out_of_range_einval_8.6", k), pkey_free_(k), EINVAL);
	EXPECT_ERR("free_0_einval_8.6", pkey_free_(0), EINVAL);
}

static void t0_alloc(void)
{
	k3 = pkey_alloc_(0, 0);
}

static void t0_checks(void)
{
	EXPECT_ERR("t0_default_pkru_read_into_key_2_efault_13", reads(buf2), EFAULT);
	EXPECT_ERR("t0_default_pkru_read_into_key_1_efault_13", reads(buf1), EFAULT);
	EXPECT_ERR("t0_default_pkru_read_into_key_4_efault_13", reads(buf4), EFAULT);
	EXPECT_RET("t0_own_alloc_read_into_key_3_ok_8.6", reads(buf3), N);
	EXPECT_RET("t0_read_into_key_0_ok_13", reads(plain), N);
}

static void new_thread_checks(void)
{
	EXPECT_RET("new_thread_inherits_key_2_accessible_13", reads(buf2), N);
	EXPECT_ERR("new_thread_inherits_key_1_disabled_13", reads(buf1), EFAULT);
	EXPECT_ERR("new_thread_key_3_of_other_thread_disabled_13", reads(buf3), EFAULT);
	EXPECT_RET("new_thread_inherits_key_4_write_from_ok_13", write(null_fd, buf4, N), N);
	EXPECT_ERR("new_thread_inherits_key_4_read_into_efault_13", reads(buf4), EFAULT);
}

static void fork_main_child(void *arg)
{
	(void)arg;
	EXPECT_EQ("fork_child_keeps_vma_key_1_20", pkey_of(buf1), 1);
	EXPECT_EQ("fork_child_keeps_vma_key_3_20", pkey_of(buf3), 3);
	EXPECT_RET("fork_child_pkru_key_2_accessible_20", reads(buf2), N);
	EXPECT_ERR("fork_child_pkru_key_1_disabled_20", reads(buf1), EFAULT);
	EXPECT_ERR("fork_child_pkru_key_3_disabled_20", reads(buf3), EFAULT);
	EXPECT_ERR("fork_child_pkru_key_4_write_disabled_20", reads(buf4), EFAULT);
	EXPECT_RET("fork_child_pkru_key_4_readable_20", write(null_fd, buf4, N), N);
	EXPECT_RET("fork_child_alloc_after_inherited_5_20", pkey_alloc_(0, 0), 5);
	EXPECT_OK("fork_child_free_inherited_3_20", pkey_free_(3));
}

static void fork_t0_child(void *arg)
{
	(void)arg;
	EXPECT_RET("fork_from_t0_pkru_key_3_accessible_20", reads(buf3), N);
	EXPECT_ERR("fork_from_t0_pkru_key_2_disabled_20", reads(buf2), EFAULT);
}

static void t0_fork(void)
{
	check_fork_child("fork_from_t0_child_exits_0_20", fork_t0_child, NULL);
}

/* mprotect_keys: pkey_mprotect under software keys (§8.5). */
static void mprotect_keys(void)
{
	unsigned char *p = map_anon(2, PROT_READ | PROT_WRITE), *s = map_anon(1, PROT_READ), *r = reserve(1);

	SETUP("setup_mprotect", p && r && s);
	if (!p || !r || !s)
		return;
	EXPECT_EQ("smaps_new_mapping_key_0_19", pkey_of(p), 0);
	EXPECT_ERR("pkey_mprotect_unallocated_9_einval_8.5", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, 9), EINVAL);
	EXPECT_ERR("pkey_mprotect_16_einval_8.5", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, 16), EINVAL);
	EXPECT_ERR("pkey_mprotect_minus_2_einval_8.5", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, -2), EINVAL);
	EXPECT_ERR("pkey_mprotect_unallocated_unmapped_einval_8.5", sys_pkey_mprotect(r, PG, PROT_READ, 9), EINVAL);
	EXPECT_ERR("pkey_mprotect_allocated_unmapped_enomem_8.5", sys_pkey_mprotect(r, PG, PROT_READ, 2), ENOMEM);
	EXPECT_EQ("pkey_mprotect_refused_key_unchanged_8.5", pkey_of(p), 0);
	EXPECT_OK("pkey_mprotect_key_2_ok_8.5", sys_pkey_mprotect(p, 2 * PG, PROT_READ, 2));
	EXPECT_TRUE("pkey_mprotect_prot_applied_8.5", perms_is(p, "r--p"));
	EXPECT_EQ("pkey_mprotect_key_2_smaps_19", pkey_of(p + PG), 2);
	EXPECT_OK("mprotect_keeps_key_8.4", mprotect(p, PG, PROT_READ | PROT_WRITE));
	EXPECT_EQ("mprotect_kept_key_2_19", pkey_of(p), 2);
	EXPECT_OK("pkey_mprotect_minus_1_keeps_key_8.5", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, -1));
	EXPECT_EQ("pkey_mprotect_minus_1_kept_key_2_19", pkey_of(p), 2);
	EXPECT_ERR("pkey_mprotect_wx_eacces_7.4", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE | PROT_EXEC, 1), EACCES);
	EXPECT_EQ("pkey_mprotect_wx_refused_key_unchanged_7.4", pkey_of(p), 2);
	EXPECT_OK("pkey_mprotect_second_page_key_1_8.5", sys_pkey_mprotect(p + PG, PG, PROT_READ | PROT_WRITE, 1));
	EXPECT_EQ("pkey_mprotect_split_first_keeps_2_19", pkey_of(p), 2);
	EXPECT_EQ("pkey_mprotect_split_second_1_19", pkey_of(p + PG), 1);
	/* The check covers every page of the buffer (key 1: access-disabled). */
	EXPECT_RET("read_up_to_key_1_page_ok_13", read(zero_fd, p + PG - N, N), N);
	EXPECT_RET("read_straddling_key_1_page_short_13", read(zero_fd, p + PG - N / 2, N), N / 2);
	EXPECT_RET("read_zero_bytes_at_key_1_ok_13", read(zero_fd, p + PG, 0), 0);
	EXPECT_OK("pkey_mprotect_key_0_ok_8.5", sys_pkey_mprotect(p, 2 * PG, PROT_READ | PROT_WRITE, 0));
	EXPECT_EQ("pkey_mprotect_key_0_smaps_19", pkey_of(p + PG), 0);
	EXPECT_RET("read_after_key_0_ok_13", read(zero_fd, p + PG - N / 2, N), N);
	{
		/* mremap keeps the key, moved or grown in place (§8.3 step 11). */
		unsigned char *q = map_anon(1, PROT_READ | PROT_WRITE), *m;

		SETUP("setup_mremap", q && sys_pkey_mprotect(q, PG, PROT_READ | PROT_WRITE, 2) == 0);
		m = mremap(q, PG, 3 * PG, MREMAP_MAYMOVE);
		EXPECT_TRUE("mremap_keeps_key_2_8.3", m != MAP_FAILED && pkey_of(m) == 2 && pkey_of(m + 2 * PG) == 2);
		if (m != MAP_FAILED)
			munmap(m, 3 * PG);
	}
	SETUP("setup_seal", sys_mseal(s, PG, 0) == 0);
	EXPECT_ERR("pkey_mprotect_sealed_eperm_12", sys_pkey_mprotect(s, PG, PROT_READ, 2), EPERM);
	EXPECT_EQ("pkey_mprotect_sealed_key_unchanged_12", pkey_of(s), 0);
	/* MAP_FIXED over a keyed mapping: the new mapping has key 0. */
	EXPECT_OK("setup_key_for_map_fixed", sys_pkey_mprotect(p, PG, PROT_READ | PROT_WRITE, 2));
	EXPECT_MAP_AT("map_fixed_over_keyed_ok_9", mmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), p);
	EXPECT_EQ("map_fixed_new_mapping_key_0_19", pkey_of(p), 0);
	munmap(p, 2 * PG);
}

/* iovec_arrays: the iovec array itself is read from user memory. */
static void iovec_arrays(void)
{
	struct iovec *iov = (struct iovec *)buf1; /* key 1, access-disabled */
	struct iovec local = {plain, N};

	/* The program's own stores are not checked (no hardware keys). */
	iov->iov_base = plain;
	iov->iov_len = N;
	EXPECT_ERR("readv_iovec_array_in_key_1_efault_13", readv(zero_fd, iov, 1), EFAULT);
	EXPECT_ERR("writev_iovec_array_in_key_1_efault_13", writev(null_fd, iov, 1), EFAULT);
	EXPECT_ERR("process_vm_readv_remote_iovec_array_in_key_1_efault_13",
		   syscall(SYS_PROCESS_VM_READV_NR, getpid(), &local, 1, iov, 1, 0), EFAULT);
	/* The remote side ignores keys (§8.10 point 6). */
	struct iovec remote = {buf1 + 64, N};
	EXPECT_RET("process_vm_readv_remote_key_1_ok_8.10",
		   syscall(SYS_PROCESS_VM_READV_NR, getpid(), &local, 1, &remote, 1, 0), N);
	EXPECT_RET("process_vm_writev_remote_key_1_ok_8.10",
		   syscall(SYS_PROCESS_VM_WRITEV_NR, getpid(), &local, 1, &remote, 1, 0), N);
}

/* Before exec: allocate every key with rights 0, so that a PKRU that
 * survived exec would make key 1 accessible. */
static void before_exec(void)
{
	for (int k = 1; k <= 15; k++)
		pkey_alloc_(0, 0);
}

static struct worker tb; /* the exec-child's thread */
static unsigned char *exec_buf;

static void tb_read(void)
{
	EXPECT_ERR("exec_child_other_thread_default_pkru_efault_20", reads(exec_buf), EFAULT);
}

static void exec_child(void)
{
	SETUP("setup_exec_thread", worker_start(&tb) == 0);
	exec_buf = map_anon(1, PROT_READ | PROT_WRITE);
	EXPECT_RET("exec_child_alloc_1_bitmap_reset_20", pkey_alloc_(0, 0), 1);
	EXPECT_OK("exec_child_pkey_mprotect_1_20", sys_pkey_mprotect(exec_buf, PG, PROT_READ | PROT_WRITE, 1));
	EXPECT_EQ("exec_child_smaps_key_1_19", pkey_of(exec_buf), 1);
	EXPECT_RET("exec_child_own_alloc_ok_20", reads(exec_buf), N);
	worker_run(&tb, tb_read);
	worker_stop(&tb);
}

static void software(void)
{
	SETUP("setup_t0", worker_start(&t0) == 0);
	check_fork_child("alloc_child_exits_0_8.6", alloc_all, NULL);
	buf1 = map_anon(1, PROT_READ | PROT_WRITE);
	buf2 = map_anon(1, PROT_READ | PROT_WRITE);
	buf3 = map_anon(1, PROT_READ | PROT_WRITE);
	buf4 = map_anon(1, PROT_READ | PROT_WRITE);
	SETUP("setup_bufs", buf1 && buf2 && buf3 && buf4);
	if (!buf1 || !buf2 || !buf3 || !buf4)
		return;
	/* The fork child's allocations were its own. */
	EXPECT_RET("alloc_first_1_after_child_8.6", pkey_alloc_(0, AD), 1);
	EXPECT_RET("alloc_second_2_8.6", pkey_alloc_(0, 0), 2);
	worker_run(&t0, t0_alloc);
	EXPECT_EQ("alloc_by_other_thread_3_8.6", k3, 3);
	EXPECT_RET("alloc_write_disable_4_8.6", pkey_alloc_(0, WD), 4);
	EXPECT_OK("pkey_mprotect_buf1_key_1_8.5", sys_pkey_mprotect(buf1, PG, PROT_READ | PROT_WRITE, 1));
	EXPECT_OK("pkey_mprotect_buf2_key_2_8.5", sys_pkey_mprotect(buf2, PG, PROT_READ | PROT_WRITE, 2));
	EXPECT_OK("pkey_mprotect_buf3_key_3_8.5", sys_pkey_mprotect(buf3, PG, PROT_READ | PROT_WRITE, 3));
	EXPECT_OK("pkey_mprotect_buf4_key_4_8.5", sys_pkey_mprotect(buf4, PG, PROT_READ | PROT_WRITE, 4));
	EXPECT_EQ("smaps_protection_key_1_19", pkey_of(buf1), 1);
	EXPECT_EQ("smaps_protection_key_4_19", pkey_of(buf4), 4);

	/* main: key 1 access-disabled, 2 accessible, 3 default (disabled),
	 * 4 write-disabled. */
	io_into("access_disabled_into", buf1, 0);
	io_from("access_disabled_from", buf1, 0);
	io_into("accessible_into", buf2, 1);
	io_from("accessible_from", buf2, 1);
	io_into("write_disabled_into", buf4, 0);
	io_from("write_disabled_from", buf4, 1);
	EXPECT_ERR("main_other_threads_key_3_efault_8.6", reads(buf3), EFAULT);
	EXPECT_RET("main_key_0_ok_13", reads(plain), N);
	worker_run(&t0, t0_checks);
	run_thread(new_thread_checks);
	iovec_arrays();
	mprotect_keys();
	partial_keys();

	check_fork_child("fork_child_exits_0_20", fork_main_child, NULL);
	worker_run(&t0, t0_fork);
	EXPECT_RET("fork_child_allocs_were_its_own_5_20", pkey_alloc_(0, AD), 5);

	/* pkey_free leaves the key on the VMA and PKRU as they are. */
	EXPECT_OK("free_1_ok_8.6", pkey_free_(1));
	EXPECT_EQ("free_keeps_vma_key_1_8.6", pkey_of(buf1), 1);
	EXPECT_ERR("free_keeps_pkru_key_1_disabled_8.6", reads(buf1), EFAULT);
	EXPECT_ERR("pkey_mprotect_freed_key_einval_8.5", sys_pkey_mprotect(buf2, PG, PROT_READ | PROT_WRITE, 1), EINVAL);
	EXPECT_RET("realloc_freed_1_8.6", pkey_alloc_(0, 0), 1);
	EXPECT_RET("realloc_sets_pkru_key_1_accessible_8.6", reads(buf1), N);
	worker_stop(&t0);
	{
		const char *args[] = {"software", "exec-child", NULL};

		check_exec_child("exec_child_reported_20", before_exec, args);
	}
}

int main(int argc, char **argv)
{
	check_init("pkey_soft", &argc, argv);
	io_setup();
	memset(plain, 0x11, sizeof(plain));
	if (argc > 2 && strcmp(argv[1], "software") == 0 && strcmp(argv[2], "exec-child") == 0)
		exec_child();
	else if (argc > 1 && strcmp(argv[1], "software") == 0)
		software();
	else
		default_policy();
	return check_finish();
}
