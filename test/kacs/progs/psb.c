/*
 * psb reads /proc/<pid>/psb (spec §24.16, §24.19 #11) and prints one line
 * per check, "<name> <result>", where a result is the file's line (without
 * its newline; "nonl:" marks one that lacks it) or "-1 <errno>".
 *
 *   psb self        checks on its own process and on a forked child; run
 *                   as uid 0 with the default identity
 *   psb read <pid>  reads /proc/<pid>/psb ("psb") and opens
 *                   /proc/<pid>/status ("status", ok or the errno) and
 *                   /proc/<pid>/token ("token")
 *
 * It also checks the query-only token files of §24.13 ("tok_*" lines:
 * the user SID read through KACS_IOC_QUERY on the handle, or the errno).
 */
#include "kacs.h"

#include <sys/stat.h>
#include <sys/wait.h>

/* show prints the line read from fd at offset 0, or the errno. */
static void show(const char *name, int fd)
{
	char line[256];
	errno = 0;
	ssize_t r = fd < 0 ? -1 : pread(fd, line, sizeof line - 1, 0);
	if (r < 0) {
		out("%s -1 %s", name, ename(errno));
		return;
	}
	line[r] = 0;
	if (r > 0 && line[r - 1] == '\n')
		line[r - 1] = 0;
	else
		out("%s nonl:%s", name, line);
	if (r > 0 && line[r - 1] == 0)
		out("%s %s", name, line);
}

/* showPath opens path, shows it and closes it. */
static void showPath(const char *name, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	show(name, fd);
	if (fd >= 0)
		close(fd);
}

/* tokenUser opens path and prints the user SID its handle queries, then
 * whether privileges can be adjusted through it (they must not: the
 * handle's cached mask is TOKEN_QUERY alone). */
static void tokenUser(const char *name, const char *path)
{
	unsigned char b[128];
	char sid[128], n2[64];
	errno = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		out("%s -1 %s", name, ename(errno));
		return;
	}
	if (query(fd, 1, b, sizeof b) < 0)
		out("%s query -1 %s", name, ename(errno));
	else
		out("%s %s", name, sid_string(b, sid, sizeof sid));
	struct priv_entry e = {23, 2};
	snprintf(n2, sizeof n2, "%s_adjust", name);
	R(n2, adjust(fd, &e, 1, NULL));
	close(fd);
}

/* attrs prints "<name> <mode> <uid> <gid> <nlink> <size> <same>" for a
 * stat result r (or -1 and the errno), where same is 1 when st has the
 * inode and device of the file like (the stat file beside it; with
 * like NULL, 1 when the inode is 0x4b414353, kacs/self's). */
static void attrs(const char *name, int r, const struct stat *st, const char *like)
{
	struct stat l;
	if (r != 0) {
		out("%s -1 %s", name, ename(errno));
		return;
	}
	int same = like ? stat(like, &l) == 0 && l.st_ino == st->st_ino && l.st_dev == st->st_dev
			: st->st_ino == 0x4b414353;
	out("%s %o %u %u %lu %lld %d", name, (unsigned)st->st_mode, (unsigned)st->st_uid, (unsigned)st->st_gid,
	    (unsigned long)st->st_nlink, (long long)st->st_size, same);
}

/* statAll prints the attributes of path (sibling stat file like) through
 * stat ("<name>_stat"), lstat, fstatat and statx ("<name>_statx", where
 * same also needs the sibling's statx mask, or with like NULL every basic
 * field), and access for F_OK, R_OK, W_OK, X_OK, then faccessat with
 * AT_EACCESS for R_OK and faccessat2 for W_OK ("<name>_access": six
 * results). */
static void statAll(const char *name, const char *path, const char *like)
{
	char n[64];
	struct stat st;
	struct statx sx;

	snprintf(n, sizeof n, "%s_stat", name);
	errno = 0;
	attrs(n, stat(path, &st), &st, like);
	snprintf(n, sizeof n, "%s_lstat", name);
	errno = 0;
	attrs(n, lstat(path, &st), &st, like);
	snprintf(n, sizeof n, "%s_fstatat", name);
	errno = 0;
	attrs(n, fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW), &st, like);
	snprintf(n, sizeof n, "%s_statx", name);
	errno = 0;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &sx) != 0) {
		out("%s -1 %s", n, ename(errno));
	} else {
		struct statx l;
		int same = like ? statx(AT_FDCWD, like, 0, STATX_BASIC_STATS, &l) == 0 && l.stx_ino == sx.stx_ino &&
					  l.stx_dev_major == sx.stx_dev_major && l.stx_dev_minor == sx.stx_dev_minor &&
					  l.stx_mask == sx.stx_mask
				: sx.stx_ino == 0x4b414353 && (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS;
		out("%s %o %u %u %u %llu %d", n, (unsigned)sx.stx_mode, sx.stx_uid, sx.stx_gid, sx.stx_nlink,
		    (unsigned long long)sx.stx_size, same);
	}
	int r[6];
	int e[6];
	int modes[4] = {F_OK, R_OK, W_OK, X_OK};
	for (int i = 0; i < 4; i++) {
		errno = 0;
		r[i] = access(path, modes[i]);
		e[i] = errno;
	}
	errno = 0;
	r[4] = faccessat(AT_FDCWD, path, R_OK, AT_EACCESS);
	e[4] = errno;
	errno = 0;
	r[5] = syscall(439 /* faccessat2 */, AT_FDCWD, path, W_OK, AT_EACCESS);
	e[5] = errno;
	char buf[256];
	int len = 0;
	for (int i = 0; i < 6; i++)
		len += snprintf(buf + len, sizeof buf - len, " %s", r[i] == 0 ? "0" : ename(e[i]));
	snprintf(n, sizeof n, "%s_access", name);
	out("%s%s", n, buf);
}

/* A DACL that grants only SYSTEM (as forkrace.c). */
static const unsigned char systemOnly[48] = {
	0x01, 0x00, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0,
	0x02, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0, 0, 0, 0, 0, 0x05, 0x12, 0, 0, 0,
};

static int self(void)
{
	char path[64];
	struct stat st;

	showPath("self", "/proc/self/psb");
	snprintf(path, sizeof path, "/proc/%d/psb", getpid());
	showPath("pid", path);
	R("set_psb", syscall(SYS_KACS_SET_PSB, -1, 0x110));
	showPath("self_after", "/proc/self/psb");

	snprintf(path, sizeof path, "/proc/self/task/%d/psb", (int)gettid());
	R("task_open", open(path, O_RDONLY | O_CLOEXEC));
	R("write_open", open("/proc/self/psb", O_WRONLY | O_CLOEXEC));
	R("rdwr_open", open("/proc/self/psb", O_RDWR | O_CLOEXEC));
	R("nonexistent_open", open("/proc/self/psbx", O_RDONLY | O_CLOEXEC));
	int fd = open("/proc/self/psb", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0)
		out("fstat %o", (unsigned)st.st_mode);
	R("write", write(fd, "x", 1));
	close(fd);
	int dir = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = openat(dir, "psb", O_RDONLY | O_CLOEXEC);
	show("openat", fd);
	close(fd);
	struct {
		uint64_t flags, mode, resolve;
	} how = {O_RDONLY | O_CLOEXEC, 0, 0};
	fd = syscall(437 /* openat2 */, dir, "psb", &how, sizeof how);
	show("openat2", fd);
	close(fd);
	close(dir);

	/* stat and access (psbstat.go). */
	statAll("psb", "/proc/self/psb", "/proc/self/stat");
	snprintf(path, sizeof path, "/proc/self/task/%d/token", (int)gettid());
	char like[64];
	snprintf(like, sizeof like, "/proc/self/task/%d/stat", (int)gettid());
	statAll("tok_task", path, like);
	statAll("tok", "/proc/self/token", "/proc/self/stat");
	statAll("sys", "/sys/kernel/security/kacs/self", NULL);
	snprintf(path, sizeof path, "/proc/self/task/%d/psb", (int)gettid());
	R("task_stat", stat(path, &st));
	R("task_access", access(path, F_OK));
	R("nonexistent_stat", stat("/proc/self/psbx", &st));
	R("nonexistent_access", access("/proc/self/psbx", R_OK));
	dir = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	errno = 0;
	attrs("psb_fstatat_dir", fstatat(dir, "psb", &st, 0), &st, "/proc/self/stat");
	R("psb_faccessat_dir", faccessat(dir, "psb", R_OK, 0));
	R("psb_faccessat_dir_w", faccessat(dir, "psb", W_OK, 0));
	R("psb_stat_trailing_slash", stat("/proc/self/psb/", &st));
	close(dir);

	/* The query-only token files (§24.13). */
	tokenUser("tok_self", "/proc/self/token");
	snprintf(path, sizeof path, "/proc/self/task/%d/token", (int)gettid());
	tokenUser("tok_task", path);
	tokenUser("tok_sys", "/sys/kernel/security/kacs/self");
	R("tok_write_open", open("/proc/self/token", O_WRONLY | O_CLOEXEC));
	R("tok_sys_write_open", open("/sys/kernel/security/kacs/self", O_RDWR | O_CLOEXEC));

	/* A child: its PSB is a copy with a new GUID (§4.4). */
	int go[2], ready[2];
	char c;
	if (pipe(go) != 0 || pipe(ready) != 0)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		int me = (int)pidfd_open_(getpid());
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		/* Deny everyone but SYSTEM on this process. */
		R("child_set_sd", set_sd(me, "", 0x04, systemOnly, sizeof systemOnly, AT_EMPTY));
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		showPath("child_self", "/proc/self/psb");
		_exit(0);
	}
	int pidfd = (int)pidfd_open_(pid);
	snprintf(path, sizeof path, "/proc/%d/token", pid);
	tokenUser("tok_child", path);
	snprintf(path, sizeof path, "/proc/%d/psb", pid);
	showPath("child", path);
	snprintf(like, sizeof like, "/proc/%d/stat", pid);
	statAll("child_psb", path, like);
	R("set_child", syscall(SYS_KACS_SET_PSB, pidfd, 0x200));
	showPath("child_sml", path);
	int gone = open(path, O_RDONLY | O_CLOEXEC);
	if (write(go[1], "g", 1) != 1 || read(ready[0], &c, 1) != 1)
		return 2;
	/* The child's SD now denies PROCESS_QUERY_LIMITED: open works, read
	 * does not. */
	statAll("denied_psb", path, like);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	R("denied_open", fd >= 0 ? 0 : -1);
	show("denied_read", fd);
	close(fd);
	snprintf(path, sizeof path, "/proc/%d/token", pid);
	tokenUser("tok_child_denied", path);
	if (write(go[1], "g", 1) != 1)
		return 2;
	waitpid(pid, NULL, 0);
	show("gone", gone);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "self") == 0)
		return self();
	if (argc != 3 || strcmp(argv[1], "read") != 0)
		return 2;
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/psb", argv[2]);
	showPath("psb", path);
	snprintf(path, sizeof path, "/proc/%s/status", argv[2]);
	out("status %s", opened(open(path, O_RDONLY | O_CLOEXEC)));
	snprintf(path, sizeof path, "/proc/%s/token", argv[2]);
	tokenUser("token", path);
	char like[64];
	snprintf(like, sizeof like, "/proc/%s/stat", argv[2]);
	snprintf(path, sizeof path, "/proc/%s/psb", argv[2]);
	statAll("psb", path, like);
	snprintf(path, sizeof path, "/proc/%s/token", argv[2]);
	statAll("token", path, like);
	tokenUser("tok_sys", "/sys/kernel/security/kacs/self");
	return 0;
}
