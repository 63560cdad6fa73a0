/*
 * kacs.h - the Peios KACS ABI (spec §24) and output helpers shared by the
 * test/kacs programs. Every line a program prints is "<name> <result>": a
 * value, "ok" for a descriptor, or "-1 <ERRNO>" for a failure, so the Go
 * tests can compare the whole output with the exact text the spec requires.
 */
#ifndef PEIOS_KACS_H
#define PEIOS_KACS_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define SYS_OPEN_SELF_TOKEN 1000
#define SYS_OPEN_PROCESS_TOKEN 1001
#define SYS_OPEN_THREAD_TOKEN 1002
#define SYS_KACS_SET_PSB 1005
#define SYS_KACS_GET_SD 1021
#define SYS_KACS_SET_SD 1022
#define SYS_PIDFD_OPEN 434
#define SYS_PROCESS_MADVISE 440

#define KACS_IOC_QUERY 0xC0104B00u
#define KACS_IOC_ADJUST_PRIVS 0x40184B01u
#define AT_EMPTY 0x1000

#define TOKEN_DUPLICATE 0x2
#define TOKEN_IMPERSONATE 0x4
#define TOKEN_QUERY 0x8
#define TOKEN_ADJUST_PRIVILEGES 0x20
#define READ_CONTROL 0x20000
#define WRITE_DAC 0x40000
#define MAXIMUM_ALLOWED 0x02000000
#define GENERIC_READ 0x80000000u

#define SE_SECURITY 8
#define SE_DEBUG 20
#define SE_CHANGE_NOTIFY 23
#define SE_RELABEL 32
#define SE_TIME_ZONE 34

struct query_args {
	uint32_t token_class;
	uint32_t buf_len;
	uint64_t buf_ptr;
};

struct adjust_args {
	uint32_t count;
	uint32_t pad;
	uint64_t data_ptr;
	uint64_t previous_enabled;
};

struct priv_entry {
	uint32_t luid;
	uint32_t attributes;
};

/* out prints one line with write(2), so lines of forked children never
 * interleave or repeat through stdio buffers. */
static inline void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void out(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) != n)
		_exit(3);
}

static inline const char *ename(int e)
{
	const char *s = strerrorname_np(e);
	return s ? s : "?";
}

/* R prints expr's result: its value, or -1 and the errno name. */
#define R(name, expr)                                             \
	do {                                                      \
		errno = 0;                                        \
		long r_ = (long)(expr);                           \
		if (r_ < 0)                                       \
			out("%s -1 %s", (name), ename(errno));    \
		else                                              \
			out("%s %ld", (name), r_);                \
	} while (0)

/* FD prints "ok" for a descriptor, else -1 and the errno name; it
 * evaluates to the descriptor. */
static inline long fd_result(const char *name, long r)
{
	if (r < 0)
		out("%s -1 %s", name, ename(errno));
	else
		out("%s ok", name);
	return r;
}
#define FD(name, expr) (errno = 0, fd_result((name), (long)(expr)))

static inline long open_self(unsigned flags, unsigned mask) { return syscall(SYS_OPEN_SELF_TOKEN, flags, mask); }
static inline long open_process(int pidfd, unsigned mask) { return syscall(SYS_OPEN_PROCESS_TOKEN, pidfd, mask); }
static inline long open_thread(int pidfd, int tid, unsigned mask) { return syscall(SYS_OPEN_THREAD_TOKEN, pidfd, tid, mask); }
static inline long pidfd_open_(pid_t pid) { return syscall(SYS_PIDFD_OPEN, pid, 0); }

static inline long get_sd(int fd, const char *path, unsigned si, void *buf, unsigned len, unsigned flags)
{
	return syscall(SYS_KACS_GET_SD, fd, path, si, buf, len, flags);
}

static inline long set_sd(int fd, const char *path, unsigned si, const void *buf, unsigned len, unsigned flags)
{
	return syscall(SYS_KACS_SET_SD, fd, path, si, buf, len, flags);
}

/* query runs the §24.12 recipe: probe, then fetch. It returns the payload
 * length (buf holds it) or -1. */
static inline long query(int fd, uint32_t cls, unsigned char *buf, uint32_t cap)
{
	struct query_args a = {cls, 0, 0};
	if (ioctl(fd, KACS_IOC_QUERY, &a) != 0)
		return -1;
	if (a.buf_len == 0)
		return 0;
	if (a.buf_len > cap) {
		errno = ERANGE;
		return -1;
	}
	a.buf_ptr = (uint64_t)(uintptr_t)buf;
	if (ioctl(fd, KACS_IOC_QUERY, &a) != 0)
		return -1;
	return a.buf_len;
}

/* sid_string renders a binary SID (§3.1) into s. */
static inline const char *sid_string(const unsigned char *b, char *s, size_t n)
{
	uint64_t auth = 0;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | b[i];
	int off = snprintf(s, n, "S-%u-%llu", b[0], (unsigned long long)auth);
	for (int i = 0; i < b[1] && off < (int)n; i++) {
		uint32_t sub;
		memcpy(&sub, b + 8 + 4 * i, 4);
		off += snprintf(s + off, n - off, "-%u", sub);
	}
	return s;
}

/* privileges reads class 3 through fd. */
static inline int privileges(int fd, uint64_t p[4])
{
	unsigned char b[32];
	if (query(fd, 3, b, sizeof b) != 32)
		return -1;
	memcpy(p, b, 32);
	return 0;
}

/* adjust applies n entries through fd; *prev gets previous_enabled. */
static inline long adjust(int fd, const struct priv_entry *e, uint32_t n, uint64_t *prev)
{
	struct adjust_args a = {n, 0, (uint64_t)(uintptr_t)e, 0};
	long r = ioctl(fd, KACS_IOC_ADJUST_PRIVS, &a);
	if (prev)
		*prev = a.previous_enabled;
	return r;
}

/* cell renders a result: ok when r is want (or, with want < 0, any
 * non-negative value), else the errno name. */
static inline const char *cell(long r, long want)
{
	static char buf[16][32];
	static int i;
	char *b = buf[i++ % 16];
	if (r >= 0 && (want < 0 || r == want))
		return "ok";
	snprintf(b, 32, "%s", r < 0 ? ename(errno) : "short");
	return b;
}

/* opened renders an open: ok (and closes it) or the errno name. */
static inline const char *opened(long fd)
{
	const char *c = cell(fd, -1);
	if (fd >= 0)
		close(fd);
	return c;
}

/* memio opens path (a /proc/<pid>/mem) with flags and moves 14 bytes at
 * addr through it (pread into buf, or pwrite of buf): ok, "short", or the
 * errno name of the open or of the transfer. */
static inline const char *memio(const char *path, int flags, unsigned long addr, char *buf)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return cell(-1, 0);
	long r = (flags & O_ACCMODE) == O_RDONLY ? pread(fd, buf, 14, (off_t)addr) : pwrite(fd, buf, 14, (off_t)addr);
	const char *c = cell(r, 14);
	close(fd);
	return c;
}

/*
 * probe_target acts on process pid (pidfd names it; addr is a 14-byte
 * buffer in it) and prints
 *
 *   <name> readv=R writev=R madvise=R mem_r=R mem_w=R pidfd_open=R token=R get_sd=R
 *
 * where R is "ok" or the errno name of, in this order:
 *   readv       process_vm_readv of 14 bytes at addr (PROCESS_VM_READ; EPERM)
 *   writev      process_vm_writev of tag to addr (PROCESS_VM_WRITE; EPERM)
 *   madvise     process_madvise(pidfd, MADV_COLD) of addr's page
 *               (PROCESS_VM_WRITE; EACCES)
 *   mem_r/mem_w open("/proc/<pid>/mem", O_RDONLY / O_WRONLY), then
 *               pread 14 bytes at addr / pwrite tag there
 *               (PROCESS_VM_READ / PROCESS_VM_WRITE; EACCES)
 *   pidfd_open  pidfd_open(pid) (PROCESS_QUERY_LIMITED; EACCES)
 *   token       kacs_open_process_token(pidfd, TOKEN_QUERY)
 *               (PROCESS_QUERY_INFORMATION, then the token's own SD; EACCES)
 *   get_sd      kacs_get_sd(pidfd, DACL) (READ_CONTROL, no SeDebugPrivilege
 *               rescue; EACCES)
 * Each is the two-check rule of §6.2 (SD, then PIP) with the errno of §6.3.
 */
static inline void probe_target(const char *name, int pid, int pidfd, unsigned long addr, const char *tag)
{
	char path[64], buf[16] = {0};
	struct iovec local = {buf, 14}, remote = {(void *)addr, 14};
	const char *readv = cell(process_vm_readv(pid, &local, 1, &remote, 1, 0), 14);
	struct iovec src = {(void *)tag, 14};
	const char *writev = cell(process_vm_writev(pid, &src, 1, &remote, 1, 0), 14);
	struct iovec page = {(void *)(addr & ~4095ul), 4096};
	const char *madvise = cell(syscall(SYS_PROCESS_MADVISE, pidfd, &page, 1, 20 /* MADV_COLD */, 0), 4096);
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	char membuf[16] = {0};
	const char *memr = memio(path, O_RDONLY, addr, membuf);
	memcpy(membuf, tag, 14);
	const char *memw = memio(path, O_WRONLY, addr, membuf);
	const char *pidfdOpen = opened(pidfd_open_(pid));
	const char *token = opened(open_process(pidfd, TOKEN_QUERY));
	const char *getSD = cell(get_sd(pidfd, "", 0x04, NULL, 0, AT_EMPTY), -1);
	out("%s readv=%s writev=%s madvise=%s mem_r=%s mem_w=%s pidfd_open=%s token=%s get_sd=%s",
	    name, readv, writev, madvise, memr, memw, pidfdOpen, token, getSD);
}

#endif
