/*
 * check.h - a tiny harness for the runsc-peios conformance programs.
 *
 * Every check compares the exact return value AND errno of one expression
 * with what the spec (/work/shared/spec/peios-memory.md) requires, and prints
 * exactly one line:
 *
 *   PASS <prog>/<name>
 *   PASS <prog>/<name> [peios]
 *   FAIL <prog>/<name>: got <ret> errno <E> want <ret> errno <E>
 *   FAIL <prog>/<name>: got <ret> errno <E> want <ret> errno <E> [peios]
 *
 * "[peios]" marks a check of a Peios rule where native Linux is EXPECTED to
 * answer differently (PEXPECT_* macros). The marker is printed on PASS lines
 * too, so that a native run can tell which checks it is allowed to fail.
 *
 * A check name states the rule and the spec section it checks, e.g.
 * "wx_mmap_anon_private_rwx_eacces_7.4.1".
 *
 * Conventions:
 *   - errno is cleared before the expression runs; it is only read when the
 *     expression returned -1 (or MAP_FAILED), so a success always reports
 *     errno 0.
 *   - Counters live in a MAP_SHARED page, so checks made in forked children
 *     count towards the parent's summary. A re-executed image (see
 *     check_exec_child) sends its counters back through a pipe.
 *   - Output goes through write(2), one line per call, so lines from
 *     children and threads never interleave or get duplicated by stdio
 *     buffers across fork.
 *   - mseal, pkey_mprotect and kacs_set_psb are called through raw
 *     syscall(2) so the programs build with any libc headers.
 *
 * check_finish() prints "<prog>: N passed, N failed" and returns the exit
 * status: 0 only if no check failed.
 */
#ifndef PEIOS_CONFORMANCE_CHECK_H
#define PEIOS_CONFORMANCE_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- constants that older libc headers may lack ---- */

#define PG 4096UL

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_UNINITIALIZED_BIT
#define MAP_UNINITIALIZED_BIT 0x4000000
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef PROT_GROWSDOWN
#define PROT_GROWSDOWN 0x01000000
#endif
#ifndef PROT_GROWSUP
#define PROT_GROWSUP 0x02000000
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE 9
#endif
#ifndef MADV_DONTFORK
#define MADV_DONTFORK 10
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif

/* Peios ABI (spec §2.1, §4.2, DECISIONS.md D1). */
#define SYS_MSEAL_NR 462
#define SYS_PKEY_MPROTECT_NR 329
#define SYS_KACS_SET_PSB_NR 1005
#define PR_SET_DYNAMIC_CODE_POLICY 0x50444350
#define PR_GET_DYNAMIC_CODE_POLICY 0x50444351
#define PSB_WXP 0x001
#define PSB_CFI 0x008
#define PSB_UI_ACCESS 0x010
#define PSB_NO_CHILD 0x020
#define PSB_CFIF 0x040
#define PSB_CFIB 0x080
#define PSB_ALL 0x3FF

/* TASK_SIZE with 4-level paging (spec §2.7). */
#define TASK_SIZE_4L 0x00007ffffffff000UL

static inline long sys_mseal(void *addr, unsigned long len, unsigned long flags)
{
	return syscall(SYS_MSEAL_NR, addr, len, flags);
}

static inline long sys_pkey_mprotect(void *addr, unsigned long len, int prot, int pkey)
{
	return syscall(SYS_PKEY_MPROTECT_NR, addr, len, prot, pkey);
}

static inline long sys_kacs_set_psb(int pidfd, unsigned int mitigations)
{
	return syscall(SYS_KACS_SET_PSB_NR, pidfd, mitigations);
}

static inline long dcp_set(unsigned long allow)
{
	return syscall(SYS_prctl, PR_SET_DYNAMIC_CODE_POLICY, allow, 0UL, 0UL, 0UL);
}

static inline long dcp_get(void)
{
	return syscall(SYS_prctl, PR_GET_DYNAMIC_CODE_POLICY, 0UL, 0UL, 0UL, 0UL);
}

/* ---- output ---- */

static const char *check_prog = "?";

struct check_counters {
	long passed;
	long failed;
};
static struct check_counters *check_ctr;
static struct check_counters check_ctr_fallback;

/* A pipe fd to report counters to when this image was started by
 * check_exec_child; -1 otherwise. */
static int check_report_fd = -1;

/* If >= 0, every output line is also written to this fd (seal_cr uses it
 * to keep its results in a file). */
static int check_tee_fd = -1;

static void check_write_all(int fd, const char *buf, int n)
{
	for (int off = 0; off < n;) {
		ssize_t w = write(fd, buf + off, n - off);

		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		off += w;
	}
}

static void check_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void check_out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	check_write_all(1, buf, n);
	if (check_tee_fd >= 0)
		check_write_all(check_tee_fd, buf, n);
}

/* INFO lines are ignored by the Go driver; they help a human read a run. */
#define INFO(...) check_out("INFO " __VA_ARGS__)

static const char *errno_name(int e)
{
	static __thread char buf[16];

	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ETXTBSY: return "ETXTBSY";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default:
		snprintf(buf, sizeof(buf), "%d", e);
		return buf;
	}
}

/* How a value is printed. */
enum check_kind {
	CK_INT, /* a long; success is a specific value */
	CK_PTR, /* a pointer returned by mmap/mremap; -1 is MAP_FAILED */
};

/* CHECK_ANY_OK as the wanted value of a CK_PTR check means "any address". */
#define CHECK_ANY_OK ((long)0x7eadbeefdeadbeefL)

static void check_fmt(char *buf, size_t n, enum check_kind kind, long v)
{
	if (v == CHECK_ANY_OK)
		snprintf(buf, n, "ok");
	else if (kind == CK_PTR && v != -1)
		snprintf(buf, n, "%#lx", (unsigned long)v);
	else
		snprintf(buf, n, "%ld", v);
}

/*
 * check_result records and prints one check. got_err/want_err are errno
 * values (0 for success).
 */
static void check_result(const char *name, int peios, enum check_kind kind,
			 long got, int got_err, long want, int want_err)
{
	int ok;

	if (want == CHECK_ANY_OK)
		ok = (got != -1 && got_err == 0 && want_err == 0);
	else
		ok = (got == want && got_err == want_err);

	if (!check_ctr)
		check_ctr = &check_ctr_fallback;
	if (ok) {
		__atomic_fetch_add(&check_ctr->passed, 1, __ATOMIC_SEQ_CST);
		check_out("PASS %s/%s%s", check_prog, name, peios ? " [peios]" : "");
	} else {
		char g[32], w[32];

		__atomic_fetch_add(&check_ctr->failed, 1, __ATOMIC_SEQ_CST);
		check_fmt(g, sizeof(g), kind, got);
		check_fmt(w, sizeof(w), kind, want);
		check_out("FAIL %s/%s: got %s errno %s want %s errno %s%s", check_prog, name,
			  g, errno_name(got_err), w, errno_name(want_err), peios ? " [peios]" : "");
	}
}

/* ---- check macros ---- */

#define CHECK_INT_(name, peios, expr, want, werr)                                   \
	do {                                                                        \
		errno = 0;                                                          \
		long r_ = (long)(expr);                                             \
		int e_ = (r_ == -1) ? errno : 0;                                    \
		check_result((name), (peios), CK_INT, r_, e_, (long)(want), (werr)); \
	} while (0)

#define CHECK_PTR_(name, peios, expr, want, werr)                                   \
	do {                                                                        \
		errno = 0;                                                          \
		long r_ = (long)(uintptr_t)(expr);                                  \
		int e_ = (r_ == -1) ? errno : 0;                                    \
		check_result((name), (peios), CK_PTR, r_, e_, (long)(want), (werr)); \
	} while (0)

/* expr must return 0. */
#define EXPECT_OK(name, expr) CHECK_INT_(name, 0, expr, 0, 0)
/* expr must return -1 with errno E. */
#define EXPECT_ERR(name, expr, E) CHECK_INT_(name, 0, expr, -1, E)
/* expr must return exactly want (not -1). */
#define EXPECT_RET(name, expr, want) CHECK_INT_(name, 0, expr, want, 0)
/* got must equal want. */
#define EXPECT_EQ(name, got, want) check_result((name), 0, CK_INT, (long)(got), 0, (long)(want), 0)
/* cond must be true. */
#define EXPECT_TRUE(name, cond) EXPECT_EQ(name, !!(cond), 1)
/* expr (an mmap/mremap call) must succeed; any address. */
#define EXPECT_MAP_OK(name, expr) CHECK_PTR_(name, 0, expr, CHECK_ANY_OK, 0)
/* expr (an mmap/mremap call) must return exactly addr. */
#define EXPECT_MAP_AT(name, expr, addr) CHECK_PTR_(name, 0, expr, (long)(uintptr_t)(addr), 0)
/* expr (an mmap/mremap call) must fail with errno E. */
#define EXPECT_MAP_ERR(name, expr, E) CHECK_PTR_(name, 0, expr, -1, E)

/* Peios rules: native Linux is expected to answer differently. */
#define PEXPECT_OK(name, expr) CHECK_INT_(name, 1, expr, 0, 0)
#define PEXPECT_ERR(name, expr, E) CHECK_INT_(name, 1, expr, -1, E)
#define PEXPECT_RET(name, expr, want) CHECK_INT_(name, 1, expr, want, 0)
#define PEXPECT_EQ(name, got, want) check_result((name), 1, CK_INT, (long)(got), 0, (long)(want), 0)
#define PEXPECT_TRUE(name, cond) PEXPECT_EQ(name, !!(cond), 1)
#define PEXPECT_MAP_OK(name, expr) CHECK_PTR_(name, 1, expr, CHECK_ANY_OK, 0)
#define PEXPECT_MAP_AT(name, expr, addr) CHECK_PTR_(name, 1, expr, (long)(uintptr_t)(addr), 0)
#define PEXPECT_MAP_ERR(name, expr, E) CHECK_PTR_(name, 1, expr, -1, E)

/* ---- lifecycle ---- */

/*
 * check_init names the program and sets up the shared counters. If argv is
 * "<prog> --check-report-fd N ...", the fd is remembered and the two
 * arguments are removed from argv (argc is updated).
 */
static void check_init(const char *prog, int *argc, char **argv)
{
	void *p;

	check_prog = prog;
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check_ctr = (p == MAP_FAILED) ? &check_ctr_fallback : (struct check_counters *)p;
	if (*argc >= 3 && strcmp(argv[1], "--check-report-fd") == 0) {
		check_report_fd = atoi(argv[2]);
		for (int i = 3; i <= *argc; i++)
			argv[i - 2] = argv[i];
		*argc -= 2;
	}
}

/*
 * check_finish ends the program's checks. In a re-executed image it sends
 * "passed failed" to the parent and prints no summary; otherwise it prints
 * "<prog>: N passed, N failed". Returns the exit status to use.
 */
static int check_finish(void)
{
	long passed = __atomic_load_n(&check_ctr->passed, __ATOMIC_SEQ_CST);
	long failed = __atomic_load_n(&check_ctr->failed, __ATOMIC_SEQ_CST);

	if (check_report_fd >= 0) {
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "%ld %ld\n", passed, failed);

		if (write(check_report_fd, buf, n) != n)
			return 2;
		close(check_report_fd);
		return failed ? 1 : 0;
	}
	check_out("%s: %ld passed, %ld failed", check_prog, passed, failed);
	return failed ? 1 : 0;
}

/*
 * check_exec_child forks, and the child re-executes /proc/self/exe with
 * argv = {prog, "--check-report-fd", N, args...}. policy_setup, if not
 * NULL, runs in the child after fork and before execve (e.g. to relax the
 * dynamic-code policy so that exec's reset can be observed). The
 * re-executed image's PASS/FAIL lines go to the same stdout; its counters
 * are added to ours. Returns 0 if the child ran and reported, -1 otherwise
 * (a FAIL line is printed under "name").
 */
static int check_exec_child(const char *name, void (*policy_setup)(void), const char *const *args)
{
	int pfd[2];
	pid_t pid;
	char *argv[16];
	char fdbuf[16];
	int n = 0, status = 0;

	if (pipe(pfd) != 0) {
		check_result(name, 0, CK_INT, -1, errno, 0, 0);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		check_result(name, 0, CK_INT, -1, errno, 0, 0);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (policy_setup)
			policy_setup();
		snprintf(fdbuf, sizeof(fdbuf), "%d", pfd[1]);
		argv[n++] = (char *)check_prog;
		argv[n++] = "--check-report-fd";
		argv[n++] = fdbuf;
		for (int i = 0; args && args[i] && n < 15; i++)
			argv[n++] = (char *)args[i];
		argv[n] = NULL;
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(pfd[1]);
	{
		char buf[64] = {0};
		ssize_t got = 0, r;
		long p = 0, f = 0;

		while (got < (ssize_t)sizeof(buf) - 1 &&
		       (r = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
			got += r;
		close(pfd[0]);
		waitpid(pid, &status, 0);
		if (got <= 0 || sscanf(buf, "%ld %ld", &p, &f) != 2) {
			/* The image never reported: exec failed or it crashed. */
			check_result(name, 0, CK_INT, status, 0, 0, 0);
			return -1;
		}
		__atomic_fetch_add(&check_ctr->passed, p, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&check_ctr->failed, f, __ATOMIC_SEQ_CST);
	}
	return 0;
}

/*
 * check_fork_child runs fn in a forked child and waits for it. Checks made
 * by the child count in the shared counters. If the child does not exit
 * with status 0 (e.g. it was killed by a signal), a FAIL line "name" is
 * printed with got = the raw wait status.
 */
static void check_fork_child(const char *name, void (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0) {
		check_result(name, 0, CK_INT, -1, errno, 0, 0);
		return;
	}
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || status != 0)
		check_result(name, 0, CK_INT, status, 0, 0, 0);
}

/* ---- probes ---- */

static __thread sigjmp_buf probe_jmp;
static __thread volatile int probe_armed;

static void probe_handler(int sig)
{
	if (probe_armed)
		siglongjmp(probe_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* probe_install routes SIGSEGV/SIGBUS to the probes (process-wide). */
static void probe_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* probe_read returns 1 if *p can be read (value stored in *out). */
static int probe_read(const volatile unsigned char *p, unsigned char *out)
{
	if (sigsetjmp(probe_jmp, 1)) {
		probe_armed = 0;
		return 0;
	}
	probe_armed = 1;
	unsigned char v = *p;
	probe_armed = 0;
	if (out)
		*out = v;
	return 1;
}

/* probe_write returns 1 if v could be stored at p. */
static int probe_write(volatile unsigned char *p, unsigned char v)
{
	if (sigsetjmp(probe_jmp, 1)) {
		probe_armed = 0;
		return 0;
	}
	probe_armed = 1;
	*p = v;
	probe_armed = 0;
	return 1;
}

/* probe_exec calls p as a function (it must hold a "ret" = 0xc3) and
 * returns 1 if that worked. */
static int probe_exec(void *p)
{
	if (sigsetjmp(probe_jmp, 1)) {
		probe_armed = 0;
		return 0;
	}
	probe_armed = 1;
	((void (*)(void))p)();
	probe_armed = 0;
	return 1;
}

/* ---- /proc/self/maps ---- */

/*
 * maps_perms returns the 4-character permission field ("rw-p") of the
 * mapping that contains addr, or "none" if no mapping contains it. The
 * result is in a static buffer.
 */
static const char *maps_perms(const void *addr)
{
	static char res[8];
	static char buf[1 << 16];
	unsigned long a = (unsigned long)(uintptr_t)addr;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t got = 0, r;
	char *line, *save = NULL;

	strcpy(res, "none");
	if (fd < 0) {
		strcpy(res, "err");
		return res;
	}
	while (got < (ssize_t)sizeof(buf) - 1 && (r = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += r;
	close(fd);
	buf[got] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3)
			continue;
		if (a >= s && a < e) {
			memcpy(res, perms, 4);
			res[4] = 0;
			break;
		}
	}
	return res;
}

/* perms_is returns 1 if the mapping at addr has exactly the perms given. */
static int perms_is(const void *addr, const char *want)
{
	return strcmp(maps_perms(addr), want) == 0;
}

/* ---- helpers ---- */

/* map_anon maps n anonymous private pages with prot, or returns NULL. */
static unsigned char *map_anon(size_t n, int prot)
{
	void *p = mmap(NULL, n * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : (unsigned char *)p;
}

/*
 * reserve returns the start of n free pages (mapped then unmapped), so a
 * caller can lay out mappings at known neighbouring addresses with
 * MAP_FIXED_NOREPLACE.
 */
static unsigned char *reserve(size_t n)
{
	void *p = mmap(NULL, n * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p, n * PG);
	return (unsigned char *)p;
}

/* map_at maps n anonymous private pages at addr (MAP_FIXED_NOREPLACE). */
static unsigned char *map_at(void *addr, size_t n, int prot)
{
	void *p = mmap(addr, n * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	return p == addr ? (unsigned char *)p : NULL;
}

/*
 * SETUP reports a setup step that later checks depend on: it prints a FAIL
 * line (got 0, with the current errno) only when cond is false, so a broken
 * setup is never silent.
 */
#define SETUP(name, cond)                                                            \
	do {                                                                         \
		if (!(cond))                                                         \
			check_result((name), 0, CK_INT, 0, errno, 1, 0);             \
	} while (0)


/* nm formats a check name from a printf format. It rotates through four
 * buffers, so a name may be built from names built just before. */
static const char *nm(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static const char *nm(const char *fmt, ...)
{
	static char bufs[4][256];
	static int next;
	char *b = bufs[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

/* intact returns 1 if n pages at p are all mapped and hold byte v. */
static int intact(const unsigned char *p, size_t n, unsigned char v) __attribute__((unused));
static int intact(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n * PG; i += 512) {
		unsigned char got;

		if (!probe_read(p + i, &got) || got != v)
			return 0;
	}
	return 1;
}

#endif /* PEIOS_CONFORMANCE_CHECK_H */
