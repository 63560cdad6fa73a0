/*
 * forkrace checks the fork rule of spec §4.4 under concurrency: a child's
 * state is exactly its parent's at one instant of the fork, even while the
 * parent changes its own state from other threads.
 *
 * Run it with a token whose privileges 36-61 are present and disabled.
 * Thread "privs" counts t = 1, 2, ... and for each t sets, in ONE
 * KACS_IOC_ADJUST_PRIVS call, privileges 36-48 to the 13-bit value
 * v(t) = (t-1) % 8191 + 1 and privileges 49-61 to the same value: every
 * state the token passes through has two equal halves. It publishes t
 * before (inflight) and after (done) each call. Thread "sd" keeps replacing
 * the parent's own DACL. The main thread forks; each child reads its
 * token's enabled mask and its own process SD and reports them through a
 * shared page. For each fork with done = b before and inflight = a after,
 * the child's halves must be equal (not torn) and equal v(t) for some t in
 * [b, a] (neither older than the fork nor newer), and its DACL must be the
 * default one built from the token, not the parent's current one (§5.3).
 * Thread "psb" adds one mitigation bit with kacs_set_psb every FORKS/5
 * forks (WXP, UI_ACCESS, PIE, SML: state k is the first k of them ORed);
 * each child reads its /proc/self/psb (§24.16): its mitigations must be a
 * state k the parent had during the fork, and its process GUID a new one.
 *
 * Output, one line: forks=N torn=N stale=N sd=N psb=N overlapped=N; the
 * test wants torn, stale, sd and psb 0 and overlapped > 0 (forks during
 * which the parent changed its token).
 */
#include "kacs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define FORKS 300
#define LOW 36
#define HIGH 49
#define BITS 13
#define PERIOD 8191

static atomic_ulong inflight, done;
static atomic_int stop;

static uint64_t value(uint64_t t) { return t == 0 ? 0 : (t - 1) % PERIOD + 1; }

static void *privs(void *arg)
{
	int fd = (int)open_self(0, TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES);
	struct priv_entry e[2 * BITS];
	for (uint64_t t = 1; !atomic_load(&stop); t++) {
		uint64_t v = value(t);
		for (int i = 0; i < BITS; i++) {
			uint32_t attr = (v >> i & 1) ? 2 : 0;
			e[i] = (struct priv_entry){LOW + i, attr};
			e[BITS + i] = (struct priv_entry){HIGH + i, attr};
		}
		atomic_store(&inflight, t);
		if (adjust(fd, e, 2 * BITS, NULL) != 0) {
			out("adjust -1 %s", ename(errno));
			_exit(2);
		}
		atomic_store(&done, t);
	}
	return arg;
}

/* A DACL that differs from the default one: SYSTEM only. */
static const unsigned char systemOnly[48] = {
	0x01, 0x00, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0,
	0x02, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0, 0, 0, 0, 0, 0x05, 0x12, 0, 0, 0,
};

static unsigned char defaultDACL[256];
static long defaultLen;

static void *sd(void *arg)
{
	int self = (int)pidfd_open_(getpid());
	for (int i = 0; !atomic_load(&stop); i++) {
		const unsigned char *b = i % 2 ? defaultDACL : systemOnly;
		long n = i % 2 ? defaultLen : (long)sizeof systemOnly;
		if (set_sd(self, "", 0x04, b, n, AT_EMPTY) != 0) {
			out("set_sd -1 %s", ename(errno));
			_exit(2);
		}
	}
	return arg;
}

/* The mitigation states of thread psb: state k is the first k bits. */
static const unsigned mbits[] = {0x001, 0x010, 0x100, 0x200};
static atomic_ulong mInflight, mDone, forked;

static unsigned mstate(uint64_t k)
{
	unsigned m = 0;
	for (uint64_t i = 0; i < k; i++)
		m |= mbits[i];
	return m;
}

static void *psb(void *arg)
{
	for (uint64_t k = 1; k <= 4; k++) {
		while (atomic_load(&forked) < k * FORKS / 5)
			if (atomic_load(&stop))
				return arg;
			else
				usleep(50);
		atomic_store(&mInflight, k);
		if (syscall(SYS_KACS_SET_PSB, -1, mbits[k - 1]) != 0) {
			out("set_psb -1 %s", ename(errno));
			_exit(2);
		}
		atomic_store(&mDone, k);
	}
	return arg;
}

/* readPSB reads /proc/self/psb's mitigations and GUID. */
static int readPSB(unsigned *m, char guid[40])
{
	char line[256];
	int fd = open("/proc/self/psb", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, line, sizeof line - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	line[n] = 0;
	unsigned t, r;
	return sscanf(line, "pip_type=%u pip_trust=%u mitigations=0x%x process_guid=%36s", &t, &r, m, guid) == 4 ? 0 : -1;
}

struct report {
	uint64_t enabled;
	int sd_ok;
	int psb_ok;
	unsigned mitigations;
	char guid[40];
};

int main(void)
{
	int self = (int)pidfd_open_(getpid());
	defaultLen = get_sd(self, "", 0x04, defaultDACL, sizeof defaultDACL, AT_EMPTY);
	struct report *r = mmap(NULL, FORKS * sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned m0;
	char guid[40];
	if (readPSB(&m0, guid) != 0 || m0 != 0) {
		out("parent psb unreadable or mitigations %#x", m0);
		return 2;
	}
	pthread_t p1, p2, p3;
	pthread_create(&p1, NULL, privs, NULL);
	pthread_create(&p2, NULL, sd, NULL);
	pthread_create(&p3, NULL, psb, NULL);
	while (atomic_load(&done) < 10)
		usleep(100);

	int torn = 0, stale = 0, sdBad = 0, psbBad = 0, overlapped = 0;
	for (int i = 0; i < FORKS; i++) {
		uint64_t mb = atomic_load(&mDone);
		uint64_t b = atomic_load(&done);
		pid_t pid = fork();
		if (pid == 0) {
			uint64_t p[4] = {0};
			unsigned char dacl[256];
			int q = (int)open_self(0, TOKEN_QUERY);
			int me = (int)pidfd_open_(getpid());
			privileges(q, p);
			long n = get_sd(me, "", 0x04, dacl, sizeof dacl, AT_EMPTY);
			r[i].enabled = p[1];
			r[i].sd_ok = n == defaultLen && memcmp(dacl, defaultDACL, n) == 0;
			r[i].psb_ok = readPSB(&r[i].mitigations, r[i].guid) == 0;
			_exit(0);
		}
		uint64_t a = atomic_load(&inflight);
		uint64_t ma = atomic_load(&mInflight);
		atomic_fetch_add(&forked, 1);
		waitpid(pid, NULL, 0);
		uint64_t lo = r[i].enabled >> LOW & ((1u << BITS) - 1);
		uint64_t hi = r[i].enabled >> HIGH & ((1u << BITS) - 1);
		if (lo != hi) {
			torn++;
			out("fork %d: torn state %#llx", i, (unsigned long long)r[i].enabled);
			continue;
		}
		int found = 0;
		for (uint64_t t = b; t <= a && !found; t++)
			found = value(t) == lo;
		if (!found) {
			stale++;
			out("fork %d: state %llu is not one the parent had during the fork (t %llu..%llu)", i,
			    (unsigned long long)lo, (unsigned long long)b, (unsigned long long)a);
		}
		if (!r[i].sd_ok)
			sdBad++;
		int mfound = 0;
		for (uint64_t k = mb; k <= ma && !mfound; k++)
			mfound = mstate(k) == r[i].mitigations;
		if (!r[i].psb_ok || !mfound || strcmp(r[i].guid, guid) == 0) {
			psbBad++;
			out("fork %d: psb ok=%d mitigations %#x (states %llu..%llu), guid %s (parent %s)", i, r[i].psb_ok,
			    r[i].mitigations, (unsigned long long)mb, (unsigned long long)ma, r[i].guid, guid);
		}
		if (a > b)
			overlapped++;
	}
	atomic_store(&stop, 1);
	pthread_join(p1, NULL);
	pthread_join(p2, NULL);
	pthread_join(p3, NULL);
	out("forks=%d torn=%d stale=%d sd=%d psb=%d overlapped=%s", FORKS, torn, stale, sdBad, psbBad,
	    overlapped > 0 ? "yes" : "no");
	return 0;
}
