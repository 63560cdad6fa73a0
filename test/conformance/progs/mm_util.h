/*
 * mm_util.h - helpers shared by the conformance programs of the mapping
 * flags, madvise, locking, keys, residency and commit accounting
 * (madvise.c, mapflags.c, mlock.c, pkey.c, residency.c, commit.c).
 * Include after check.h.
 */
#ifndef PEIOS_CONFORMANCE_MM_UTIL_H
#define PEIOS_CONFORMANCE_MM_UTIL_H

#include <linux/capability.h>
#include <sys/resource.h>

#ifndef MADV_KEEPONFORK
#define MADV_KEEPONFORK 19
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << 26)
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

#define HUGE_2M (2UL << 20)
#define HUGE_1G (1UL << 30)

/* filled returns 1 if n bytes at p all hold v (read with probes). */
static int filled(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i += 512) {
		unsigned char got;

		if (!probe_read(p + i, &got) || got != v)
			return 0;
	}
	return 1;
}

/*
 * drop_cap removes capability cap from the effective, permitted and
 * inheritable sets, so that native Linux answers like a process without the
 * privilege Peios maps it to (CAP_IPC_LOCK -> SeLockMemoryPrivilege,
 * CAP_SYS_ADMIN -> SeTcbPrivilege). Peios ignores capabilities (root is not
 * special), so this changes nothing in the sandbox. Returns 0 on success.
 */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	d[cap / 32].inheritable &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -1;
}

/* read_file reads a whole (small) file into a static buffer. */
static const char *read_file(const char *path)
{
	static char buf[1 << 17];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = 0, r;

	buf[0] = 0;
	if (fd < 0)
		return buf;
	while (got < (ssize_t)sizeof(buf) - 1 && (r = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += r;
	close(fd);
	buf[got] = 0;
	return buf;
}

/* vma_bounds sets *start and *end to the bounds of the mapping holding p
 * (from /proc/self/maps); it returns 0 if none holds p. */
static int vma_bounds(const void *p, unsigned long *start, unsigned long *end)
{
	const char *s = read_file("/proc/self/maps");
	unsigned long a = (unsigned long)(uintptr_t)p;

	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (sscanf(l, "%lx-%lx", start, end) == 2 && a >= *start && a < *end)
			return 1;
	}
	*start = *end = 0;
	return 0;
}

/* vma_start returns the start of the mapping holding p, or 0. */
static unsigned long vma_start(const void *p)
{
	unsigned long start, end;

	vma_bounds(p, &start, &end);
	return start;
}

/* vma_length returns the length of the mapping holding p, or 0. */
static unsigned long vma_length(const void *p)
{
	unsigned long start, end;

	vma_bounds(p, &start, &end);
	return end - start;
}

/* field_kb returns the number after "name:" in a /proc file, or -1. */
static long field_kb(const char *path, const char *name)
{
	const char *s = read_file(path);
	size_t n = strlen(name);

	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, name, n) == 0 && l[n] == ':')
			return strtol(l + n + 1, NULL, 10);
	}
	return -1;
}

/*
 * vmflags copies the VmFlags line of the smaps entry holding addr into out
 * (with a leading and trailing space, so " lo " can be searched), or
 * "none".
 */
static const char *vmflags(const void *addr)
{
	static char out[256];
	const char *s = read_file("/proc/self/smaps");
	unsigned long a = (unsigned long)(uintptr_t)addr;
	int in = 0;

	strcpy(out, "none");
	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long st, en;
		char c;

		if (sscanf(l, "%lx-%lx %c", &st, &en, &c) == 3 && strchr(l, '-') < strchr(l, ' '))
			in = a >= st && a < en;
		else if (in && strncmp(l, "VmFlags:", 8) == 0) {
			const char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l - 8) : strlen(l + 8);

			if (n > sizeof(out) - 3)
				n = sizeof(out) - 3;
			out[0] = ' ';
			memcpy(out + 1, l + 8, n);
			out[n + 1] = ' ';
			out[n + 2] = 0;
			return out;
		}
	}
	return out;
}

/* has_flag reports whether the smaps entry of addr shows VmFlags flag. */
static int has_flag(const void *addr, const char *flag)
{
	char want[8];

	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(vmflags(addr), want) != NULL;
}

/*
 * hugetlb_pool returns 1 if MAP_HUGETLB can be backed: the sandbox backs it
 * with its memory (its /proc/meminfo has no HugePages_Total); Linux needs a
 * configured pool.
 */
static int hugetlb_pool(void)
{
	long total = field_kb("/proc/meminfo", "HugePages_Total");

	return total != 0;
}

/* huge_align returns a 2 MiB-aligned address with n 2 MiB blocks free
 * after it (reserved, then released). */
static unsigned char *huge_free(size_t blocks, size_t align)
{
	size_t len = blocks * HUGE_2M + align;
	unsigned char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (unsigned char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	munmap(p, len);
	return a;
}

/* tmp_path is the path of the last file tmpfile_of made. */
static char tmp_path[96];

/* tmpfile_of creates an n-page file under /tmp filled with byte v, opened
 * O_RDWR; its path is in tmp_path until the caller unlinks it. */
static int tmpfile_of(const char *tag, size_t n, unsigned char v)
{
	unsigned char page[PG];
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/peios-%s-%d.bin", tag, (int)getpid());
	fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	memset(page, v, sizeof(page));
	for (size_t i = 0; i < n; i++) {
		if (write(fd, page, PG) != (ssize_t)PG) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

#endif /* PEIOS_CONFORMANCE_MM_UTIL_H */
