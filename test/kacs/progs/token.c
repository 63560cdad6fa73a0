/*
 * token reads and adjusts its own token through token handles (spec
 * §24.7-§24.14) and checks the §24.19 rows that one process can check on
 * itself and its children: 1, 2, 4, 5 (process SDs), 6, 7, 8, 9 (token
 * handles). Row 3 needs a protected process: test/kacs's matrix checks it. Run it with the token
 *
 *   user=S-1-5-21-1-2-3-1001;group=S-1-5-21-1-2-3-513;
 *   privileges=SeChangeNotifyPrivilege,SeDebugPrivilege:disabled,
 *   SeSecurityPrivilege:disabled,SeRelabelPrivilege:disabled,
 *   SeTimeZonePrivilege:default
 *
 * (the user and group of the §24.6 C example, so the default SD is 184
 * bytes). Its output is compared line by line with testdata/token.golden.
 *
 * With the argument "system" it instead checks the token SD through a
 * handle (§24.14) as a SYSTEM token, whose SD grants it everything
 * (testdata/token_system.golden).
 */
#include "kacs.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* §24.6 A: DACL "SYSTEM: GENERIC_ALL; Everyone: QUERY_LIMITED". */
static const unsigned char exampleA[68] = {
	0x01, 0x00, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0,
	0x02, 0x00, 0x30, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0, 0, 0, 0, 0, 0x05, 0x12, 0, 0, 0,
	0x00, 0x00, 0x14, 0x00, 0x00, 0x10, 0x00, 0x00, 0x01, 0x01, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0,
};

/* §24.6 B with level 12288 (High): a LABEL SACL, NO_READ_UP | NO_WRITE_UP. */
static const unsigned char exampleBHigh[48] = {
	0x01, 0x00, 0x10, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0,
	0x02, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x11, 0x00, 0x14, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x01, 0, 0, 0, 0, 0, 0x10, 0x00, 0x30, 0x00, 0x00,
};

static char secret[32] = "token-child-secret";

static void show_privileges(const char *name, int fd)
{
	uint64_t p[4];
	if (privileges(fd, p) != 0) {
		out("%s -1 %s", name, ename(errno));
		return;
	}
	out("%s present=%#llx enabled=%#llx default=%#llx used=%#llx", name, (unsigned long long)p[0],
	    (unsigned long long)p[1], (unsigned long long)p[2], (unsigned long long)p[3]);
}

static void show_sid(const char *name, int fd, uint32_t cls)
{
	unsigned char b[80];
	char s[128];
	long n = query(fd, cls, b, sizeof b);
	if (n <= 0)
		out("%s -1 %s", name, ename(errno));
	else
		out("%s %s", name, sid_string(b, s, sizeof s));
}

static void show_u32(const char *name, int fd, uint32_t cls)
{
	unsigned char b[4];
	uint32_t v;
	if (query(fd, cls, b, sizeof b) != 4) {
		out("%s -1 %s", name, ename(errno));
		return;
	}
	memcpy(&v, b, 4);
	out("%s %u", name, v);
}

/* identity prints what the §24.12 recipe reads. */
static void identity(int fd)
{
	char link[64], path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	long n = readlink(path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	out("handle_name %s", link);
	out("handle_cloexec %d", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	char c;
	R("handle_read", read(fd, &c, 1));
	show_sid("user", fd, 1);
	unsigned char b[256];
	char s[128];
	if (query(fd, 5, b, sizeof b) == 12) {
		uint32_t level;
		memcpy(&level, b + 8, 4);
		out("integrity %s level %u", sid_string(b, s, sizeof s), level);
	}
	show_privileges("privileges", fd);
	long len = query(fd, 2, b, sizeof b);
	if (len >= 4) {
		uint32_t count, off = 4;
		memcpy(&count, b, 4);
		for (uint32_t i = 0; i < count; i++) {
			uint32_t sl, attr;
			memcpy(&sl, b + off, 4);
			memcpy(&attr, b + off + 4 + sl, 4);
			out("group %s %#x", sid_string(b + off + 4, s, sizeof s), attr);
			off += 8 + sl;
		}
	}
	show_u32("type", fd, 4);
	show_sid("owner", fd, 6);
	show_sid("primary_group", fd, 7);
	show_u32("mandatory_policy", fd, 17);
	show_u32("impersonation_level", fd, 21);
	R("statistics_size", query(fd, 11, b, sizeof b));
	R("restricted_sids_size", query(fd, 9, b, sizeof b));
	R("appcontainer_size", query(fd, 15, b, sizeof b));
}

/* row6 is §24.19 #6 and the other kacs_open_self_token cases of §24.8. */
static void row6(void)
{
	R("24.19.6 open_self(2,QUERY)", open_self(2, TOKEN_QUERY));
	R("24.19.6 open_self(0,0)", open_self(0, 0));
	R("24.19.6 open_self(0,SYNCHRONIZE)", open_self(0, 0x00100000));
	R("24.8 open_self(0,0x200)", open_self(0, 0x200));
	R("24.8 open_self(0,reserved 0x00200000)", open_self(0, 0x00200000));
	FD("24.19.6 open_self(0,QUERY)", open_self(0, TOKEN_QUERY));
	R("24.19.6 open_self(0,DUPLICATE)", open_self(0, TOKEN_DUPLICATE));
	R("24.7 open_self(0,IMPERSONATE)", open_self(0, TOKEN_IMPERSONATE));
	R("24.7 open_self(0,WRITE_DAC)", open_self(0, WRITE_DAC));
	R("24.7 open_self(0,READ_CONTROL)", open_self(0, READ_CONTROL));
	R("24.7 open_self(0,GENERIC_READ)", open_self(0, GENERIC_READ));
	FD("24.7 open_self(0,QUERY|ADJUST_PRIVILEGES)", open_self(0, TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES));
	FD("24.8 open_self(REAL,QUERY)", open_self(1, TOKEN_QUERY));
	int m = FD("24.8 open_self(0,MAXIMUM_ALLOWED)", open_self(0, MAXIMUM_ALLOWED));
	/* The cached mask is everything granted: 0xE8 includes both. */
	show_u32("24.8 maximum_allowed_handle_query", m, 4);
	struct priv_entry e = {SE_CHANGE_NOTIFY, 2};
	R("24.8 maximum_allowed_handle_adjust", adjust(m, &e, 1, NULL));
	R("24.8 open_self(0,MAXIMUM_ALLOWED|DUPLICATE)", open_self(0, MAXIMUM_ALLOWED | TOKEN_DUPLICATE));
}

/* row7 is §24.19 #7 and the rest of §24.10.1's order. */
static void row7(int fd)
{
	struct query_args a;
	unsigned char b[64];

	a = (struct query_args){0, 77, 0};
	R("24.19.7 query class 0", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.19.7 query class 0 buf_len %u", a.buf_len);
	a = (struct query_args){25, 77, 0};
	R("24.19.7 query class 25", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.19.7 query class 25 buf_len %u", a.buf_len);
	a = (struct query_args){1, 0, 0};
	R("24.19.7 probe class 1", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.19.7 probe class 1 buf_len %u", a.buf_len);
	a = (struct query_args){1, 0, (uint64_t)(uintptr_t)b};
	R("24.10.1 probe with a buffer and buf_len 0", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.10.1 probe with a buffer and buf_len 0 buf_len %u", a.buf_len);
	a = (struct query_args){1, 1, (uint64_t)(uintptr_t)b};
	R("24.19.7 class 1 into 1 byte", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.19.7 class 1 into 1 byte buf_len %u", a.buf_len);
	a = (struct query_args){5, sizeof b, (uint64_t)(uintptr_t)b};
	R("24.19.7 class 5", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.19.7 class 5 buf_len %u", a.buf_len);
	a = (struct query_args){3, sizeof b, (uint64_t)(uintptr_t)b};
	R("24.19.7 class 3", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.19.7 class 3 buf_len %u", a.buf_len);
	a = (struct query_args){15, sizeof b, (uint64_t)(uintptr_t)b};
	R("24.10.1 empty class 15", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.10.1 empty class 15 buf_len %u", a.buf_len);
	R("24.10.1 query NULL args", ioctl(fd, KACS_IOC_QUERY, NULL));
	struct {
		struct query_args a;
		unsigned char rest[64];
	} over = {{1, 64, 0}, {0}};
	over.a.buf_ptr = (uint64_t)(uintptr_t)&over.a.buf_ptr;
	R("24.10.1 buffer overlapping the args", ioctl(fd, KACS_IOC_QUERY, &over.a));
	a = (struct query_args){1, 64, 8};
	R("24.10.1 unwritable buffer", ioctl(fd, KACS_IOC_QUERY, &a));
	out("24.10.1 unwritable buffer buf_len %u", a.buf_len);
	R("24.10 DUPLICATE request", ioctl(fd, 0xC0104B02u, &a));
	R("24.10 unknown request", ioctl(fd, 0x1234, &a));
	int adj = FD("24.19.7 open_self(0,ADJUST_PRIVILEGES)", open_self(0, TOKEN_ADJUST_PRIVILEGES));
	a = (struct query_args){1, 0, 0};
	R("24.19.7 query without TOKEN_QUERY", ioctl(adj, KACS_IOC_QUERY, &a));
	close(adj);
}

/* A child target for cross-process checks: it optionally replaces its
 * DACL with §24.6 A, reports through ready, then waits until go closes. */
struct child {
	pid_t pid;
	int pidfd;
	int go;
};

static struct child spawn(int apply_example_a)
{
	int ready[2], go[2];
	if (pipe(ready) || pipe(go))
		_exit(4);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		long r = 0;
		if (apply_example_a) {
			int self = pidfd_open_(getpid());
			r = set_sd(self, "", 0x04, exampleA, sizeof exampleA, AT_EMPTY);
		}
		char c = r == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(5);
		read(go[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	char c = 0;
	read(ready[0], &c, 1);
	close(ready[0]);
	if (c != 'y')
		out("child setup failed");
	struct child ch = {pid, (int)pidfd_open_(pid), go[1]};
	return ch;
}

static void finish(struct child ch)
{
	close(ch.go);
	close(ch.pidfd);
	waitpid(ch.pid, NULL, 0);
}

static long readv_child(pid_t pid, char *buf)
{
	struct iovec local = {buf, 18}, remote = {secret, 18};
	memset(buf, 0, 32);
	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

/* row8 is §24.19 #8 and the rest of §24.10.2, with the effect of
 * SeDebugPrivilege on a child whose SD (§24.6 A) denies its parent (§24.19
 * #4, §6.2: the parent gets no shortcut). */
static void row8(int q)
{
	int adj = (int)open_self(0, TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES);
	struct priv_entry e[3];
	struct adjust_args a;
	uint64_t prev = 0;

	e[0] = (struct priv_entry){SE_DEBUG, 2};
	R("24.19.8 adjust on a QUERY-only handle", adjust(q, e, 1, NULL));
	R("24.10.2 adjust NULL args", ioctl(adj, KACS_IOC_ADJUST_PRIVS, NULL));
	a = (struct adjust_args){1, 1, (uint64_t)(uintptr_t)e, 0};
	R("24.10.2 adjust _pad 1", ioctl(adj, KACS_IOC_ADJUST_PRIVS, &a));
	a = (struct adjust_args){0, 0, (uint64_t)(uintptr_t)e, 0};
	R("24.10.2 adjust count 0", ioctl(adj, KACS_IOC_ADJUST_PRIVS, &a));
	a = (struct adjust_args){65, 0, (uint64_t)(uintptr_t)e, 0};
	R("24.10.2 adjust count 65", ioctl(adj, KACS_IOC_ADJUST_PRIVS, &a));
	a = (struct adjust_args){1, 0, 0, 0};
	R("24.10.2 adjust NULL entries", ioctl(adj, KACS_IOC_ADJUST_PRIVS, &a));
	e[0] = (struct priv_entry){7 /* SeTcbPrivilege, absent */, 2};
	R("24.19.8 enable an absent privilege", adjust(adj, e, 1, NULL));
	e[0] = (struct priv_entry){SE_DEBUG, 2};
	e[1] = (struct priv_entry){SE_DEBUG, 2};
	R("24.19.8 the same luid twice", adjust(adj, e, 2, NULL));
	e[0] = (struct priv_entry){SE_DEBUG, 6};
	R("24.19.8 attributes 6", adjust(adj, e, 1, NULL));
	e[0] = (struct priv_entry){SE_DEBUG, 1};
	R("24.10.2 attributes 1", adjust(adj, e, 1, NULL));
	e[0] = (struct priv_entry){64, 0};
	R("24.10.2 luid 64", adjust(adj, e, 1, NULL));
	e[0] = (struct priv_entry){0, 0x80000000};
	e[1] = (struct priv_entry){SE_DEBUG, 2};
	R("24.19.8 reset with count 2", adjust(adj, e, 2, NULL));
	e[0] = (struct priv_entry){1, 0x80000000};
	R("24.10.2 reset with luid 1", adjust(adj, e, 1, NULL));
	e[0] = (struct priv_entry){SE_DEBUG, 2};
	e[1] = (struct priv_entry){SE_DEBUG + 1, 0x80000000};
	R("24.10.2 a misplaced reset", adjust(adj, e, 2, NULL));
	show_privileges("24.19.8 unchanged", q);

	/* The child denies its parent; only SeDebugPrivilege helps. */
	struct child ch = spawn(1);
	char buf[32];
	R("24.19.4 readv into a child with SD A", readv_child(ch.pid, buf));
	R("24.9 open_process_token(child with SD A)", open_process(ch.pidfd, TOKEN_QUERY));
	e[0] = (struct priv_entry){SE_DEBUG, 2};
	R("24.19.8 enable SeDebugPrivilege", adjust(adj, e, 1, &prev));
	out("24.19.8 previous_enabled %#llx", (unsigned long long)prev);
	show_privileges("24.19.8 seen through another handle", q);
	R("6.2 readv with SeDebugPrivilege", readv_child(ch.pid, buf));
	out("6.2 read %s", buf);
	FD("24.9 open_process_token(child with SD A) with SeDebugPrivilege", open_process(ch.pidfd, TOKEN_QUERY));
	show_privileges("3.8 SeDebugPrivilege used", q);
	e[0] = (struct priv_entry){SE_DEBUG, 0};
	R("24.10.2 disable SeDebugPrivilege", adjust(adj, e, 1, &prev));
	out("24.10.2 previous_enabled %#llx", (unsigned long long)prev);
	R("6.2 readv without SeDebugPrivilege again", readv_child(ch.pid, buf));
	finish(ch);

	e[0] = (struct priv_entry){SE_DEBUG, 2};
	adjust(adj, e, 1, NULL);
	e[0] = (struct priv_entry){0, 0x80000000};
	R("24.10.2 reset to the defaults", adjust(adj, e, 1, &prev));
	out("24.10.2 previous_enabled %#llx", (unsigned long long)prev);
	show_privileges("24.10.2 after reset", q);
	e[0] = (struct priv_entry){SE_TIME_ZONE, 4};
	R("24.19.8 remove SeTimeZonePrivilege", adjust(adj, e, 1, NULL));
	e[0] = (struct priv_entry){SE_TIME_ZONE, 2};
	R("24.19.8 enable it after removal", adjust(adj, e, 1, NULL));
	e[0] = (struct priv_entry){7, 4};
	e[1] = (struct priv_entry){9, 0};
	R("24.10.2 remove and disable absent privileges", adjust(adj, e, 2, NULL));
	show_privileges("24.10.2 after removal", q);
	close(adj);
}

/* row9 is §24.19 #9 and the rest of §24.9. */
static void row9(void)
{
	int self = (int)pidfd_open_(getpid());
	int q = (int)open_self(0, TOKEN_QUERY);
	R("24.19.9 open_process_token(-1)", open_process(-1, TOKEN_QUERY));
	R("24.9 open_process_token(-1, mask 0)", open_process(-1, 0));
	R("24.9 open_process_token(a token handle)", open_process(q, TOKEN_QUERY));
	FD("24.9 open_process_token(self)", open_process(self, TOKEN_QUERY));
	R("24.9 open_process_token(self, DUPLICATE)", open_process(self, TOKEN_DUPLICATE));
	FD("24.9 open_thread_token(self, gettid())", open_thread(self, gettid(), TOKEN_QUERY));
	R("24.9 open_thread_token(self, 0)", open_thread(self, 0, TOKEN_QUERY));
	R("24.9 open_thread_token(self, -1, mask 0)", open_thread(self, -1, 0));

	struct child ch = spawn(0);
	int h = (int)FD("24.9 open_process_token(child)", open_process(ch.pidfd, TOKEN_QUERY));
	show_sid("24.9 child token user", h, 1);
	R("24.9 open_thread_token(self, child's tid)", open_thread(self, ch.pid, TOKEN_QUERY));
	close(ch.go);
	siginfo_t si;
	waitid(P_PID, ch.pid, &si, WEXITED | WNOWAIT);
	FD("24.2 open_process_token(zombie child)", open_process(ch.pidfd, TOKEN_QUERY));
	R("24.2 get_sd(zombie child)", get_sd(ch.pidfd, "", 0x04, NULL, 0, AT_EMPTY));
	waitpid(ch.pid, NULL, 0);
	R("24.19.9 open_process_token(reaped child)", open_process(ch.pidfd, TOKEN_QUERY));
	R("24.2 get_sd(reaped child)", get_sd(ch.pidfd, "", 0x04, NULL, 0, AT_EMPTY));
	close(ch.pidfd);
}

/* fork_copy checks §24.7: after fork the child has an independent copy. */
static void fork_copy(int q)
{
	pid_t pid = fork();
	if (pid == 0) {
		int adj = (int)open_self(0, TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES);
		struct priv_entry e = {SE_DEBUG, 2};
		R("24.7 child enables SeDebugPrivilege on its own token", adjust(adj, &e, 1, NULL));
		show_privileges("24.7 child", adj);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	show_privileges("24.7 parent after the child's change", q);
}

/* rows125 are the process-SD rows §24.19 #1, #2 and #5, in a child so
 * that the changes stay there. */
static void rows125(void)
{
	pid_t pid = fork();
	if (pid) {
		waitpid(pid, NULL, 0);
		return;
	}
	int self = (int)pidfd_open_(getpid());
	unsigned char b[512], c[512];
	long n = get_sd(self, "", 0x07, NULL, 0, AT_EMPTY);
	out("24.19.1 probe 0x07 %ld", n);
	R("24.19.1 get 0x07", get_sd(self, "", 0x07, b, n, AT_EMPTY));
	out("24.19.1 control %#x", b[2] | b[3] << 8);
	memset(c, 0xAA, sizeof c);
	R("24.19.1 get 0x07 into n-1 bytes", get_sd(self, "", 0x07, c, n - 1, AT_EMPTY));
	out("24.19.1 buffer untouched %d", c[0] == 0xAA && c[n - 2] == 0xAA);
	R("24.6 probe 0x10", get_sd(self, "", 0x10, NULL, 0, AT_EMPTY));
	R("24.19.2 get_sd(-1)", get_sd(-1, "", 0x04, b, sizeof b, AT_EMPTY));
	R("24.19.2 get_sd(path x)", get_sd(self, "x", 0x04, b, sizeof b, AT_EMPTY));
	R("24.19.2 get_sd(flags 0x1001)", get_sd(self, "", 0x04, b, sizeof b, 0x1001));
	R("24.19.2 get_sd(0x18)", get_sd(self, "", 0x18, b, sizeof b, AT_EMPTY));
	R("24.19.2 get_sd(0)", get_sd(self, "", 0, b, sizeof b, AT_EMPTY));
	R("24.19.2 get_sd(0x08) without SeSecurityPrivilege", get_sd(self, "", 0x08, b, sizeof b, AT_EMPTY));
	int adj = (int)open_self(0, TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES);
	struct priv_entry e = {SE_SECURITY, 2};
	adjust(adj, &e, 1, NULL);
	R("24.19.2 get_sd(0x08) with SeSecurityPrivilege", get_sd(self, "", 0x08, b, sizeof b, AT_EMPTY));

	R("24.19.5 set_sd(sd_len 0)", set_sd(self, "", 0x04, exampleA, 0, AT_EMPTY));
	R("24.19.5 set_sd(sd_len 65536)", set_sd(self, "", 0x04, exampleA, 65536, AT_EMPTY));
	memcpy(c, exampleA, sizeof exampleA);
	c[0] = 2;
	R("24.19.5 set_sd(revision 2)", set_sd(self, "", 0x04, c, sizeof exampleA, AT_EMPTY));
	memcpy(c, exampleA, sizeof exampleA);
	c[3] = 0x00;
	R("24.19.5 set_sd(SELF_RELATIVE clear)", set_sd(self, "", 0x04, c, sizeof exampleA, AT_EMPTY));
	memcpy(c, exampleA, sizeof exampleA);
	c[16] = 0;
	R("24.19.5 set_sd(DACL_PRESENT, offset 0)", set_sd(self, "", 0x04, c, sizeof exampleA, AT_EMPTY));
	memcpy(c, exampleA, sizeof exampleA);
	c[34] = 0x20; /* ACE 0 mask 0x10200000 */
	R("24.19.5 set_sd(mask bit 0x00200000)", set_sd(self, "", 0x04, c, sizeof exampleA, AT_EMPTY));
	static const unsigned char ownerSystem[32] = {
		0x01, 0x00, 0x00, 0x80, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x01, 0x01, 0, 0, 0, 0, 0, 0x05, 0x12, 0, 0, 0,
	};
	R("24.19.5 set_sd(OWNER S-1-5-18)", set_sd(self, "", 0x01, ownerSystem, sizeof ownerSystem, AT_EMPTY));
	R("24.19.5 set_sd(LABEL High) from Medium", set_sd(self, "", 0x10, exampleBHigh, sizeof exampleBHigh, AT_EMPTY));
	e = (struct priv_entry){SE_RELABEL, 2};
	adjust(adj, &e, 1, NULL);
	R("24.19.5 set_sd(LABEL High) with SeRelabelPrivilege", set_sd(self, "", 0x10, exampleBHigh, sizeof exampleBHigh, AT_EMPTY));
	unsigned char two[68];
	memcpy(two, exampleBHigh, 48);
	memcpy(two + 48, exampleBHigh + 28, 20);
	two[22] = 48; /* AclSize 48 */
	two[24] = 2;  /* AceCount 2 */
	R("24.19.5 set_sd(LABEL with two ACEs)", set_sd(self, "", 0x10, two, sizeof two, AT_EMPTY));
	_exit(0);
}

/* row4 is §24.19 #4 on the process itself, in a child (the peer that
 * example A shuts out is checked in row8). */
static void row4(void)
{
	pid_t pid = fork();
	if (pid) {
		waitpid(pid, NULL, 0);
		return;
	}
	int self = (int)pidfd_open_(getpid());
	unsigned char b[512];
	R("24.19.4 set_sd(example A)", set_sd(self, "", 0x04, exampleA, sizeof exampleA, AT_EMPTY));
	memset(b, 0, sizeof b);
	R("24.19.4 get_sd(0x04)", get_sd(self, "", 0x04, b, sizeof b, AT_EMPTY));
	out("24.19.4 identical %d", memcmp(b, exampleA, sizeof exampleA) == 0);
	/* The owner keeps READ_CONTROL | WRITE_DAC (§24.6 A). */
	R("24.6 get_sd(0x07) as the owner", get_sd(self, "", 0x07, NULL, 0, AT_EMPTY));
	R("24.6 set_sd(OWNER) without WRITE_OWNER", set_sd(self, "", 0x01, exampleA, sizeof exampleA, AT_EMPTY));
	_exit(0);
}

/* token_sd is §24.14 for a token whose SD denies READ_CONTROL and
 * WRITE_DAC to its user. */
static void token_sd(int q)
{
	unsigned char b[256];
	R("24.14 get_sd(token handle)", get_sd(q, "", 0x04, b, sizeof b, AT_EMPTY));
	R("24.14 set_sd(token handle)", set_sd(q, "", 0x04, exampleA, sizeof exampleA, AT_EMPTY));
	R("24.14 get_sd(token handle, path x)", get_sd(q, "x", 0x04, b, sizeof b, AT_EMPTY));
	R("24.14 get_sd(token handle, flags 0x1001)", get_sd(q, "", 0x04, b, sizeof b, 0x1001));
	R("24.14 get_sd(token handle, 0x18)", get_sd(q, "", 0x18, b, sizeof b, AT_EMPTY));
}

/* system is §24.14 for a SYSTEM token, which its SD grants everything. */
static int system_token(void)
{
	unsigned char b[256], st[40];
	int q = (int)FD("open_self(0,QUERY)", open_self(0, TOKEN_QUERY));
	show_sid("user", q, 1);
	long n = get_sd(q, "", 0x07, NULL, 0, AT_EMPTY);
	out("24.14 probe 0x07 %ld", n);
	R("24.14 get 0x07", get_sd(q, "", 0x07, b, sizeof b, AT_EMPTY));
	out("24.14 control %#x", b[2] | b[3] << 8);
	R("24.14 get 0x08", get_sd(q, "", 0x08, b, sizeof b, AT_EMPTY));
	uint64_t before = 0, after = 0;
	if (query(q, 11, st, sizeof st) == 40)
		memcpy(&before, st + 16, 8);
	R("24.14 set_sd(example A)", set_sd(q, "", 0x04, exampleA, sizeof exampleA, AT_EMPTY));
	if (query(q, 11, st, sizeof st) == 40)
		memcpy(&after, st + 16, 8);
	out("24.14 modified_id bumped %d", after == before + 1);
	memset(b, 0, sizeof b);
	R("24.14 get 0x04", get_sd(q, "", 0x04, b, sizeof b, AT_EMPTY));
	out("24.14 identical %d", memcmp(b, exampleA, sizeof exampleA) == 0);
	/* Example A gives SYSTEM GENERIC_ALL still, and Everyone nothing that
	 * a token maps. */
	FD("24.14 open_self(0,ALL) after the change", open_self(0, 0x000F01FF));
	R("24.14 set_sd(LABEL High)", set_sd(q, "", 0x10, exampleBHigh, sizeof exampleBHigh, AT_EMPTY));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "system") == 0)
		return system_token();
	int q = (int)FD("24.12 open_self(0,QUERY)", open_self(0, TOKEN_QUERY));
	identity(q);
	row6();
	row7(q);
	rows125();
	row4();
	row8(q);
	row9();
	fork_copy(q);
	token_sd(q);
	return 0;
}
