/*
 * wx_threads.c - W^X under concurrency (spec §7.4 current-state rule,
 * DECISIONS.md D1): the W^X decision and the change it allows must be one
 * atomic step with respect to other threads of the process.
 *
 * Race 1 (mprotect vs mprotect): thread W loops RW <-> R on one page while
 * thread X loops R <-> RX on the same page. Each thread marks the interval
 * between its successful "set" mprotect and its "reset to R" mprotect in a
 * flag. With W^X atomic, the two intervals never overlap (each set is
 * refused while the other thread is inside its interval), so no thread may
 * ever see the other's flag, every write inside W's interval must work and
 * every call into the page inside X's interval must work. An observer
 * thread reads /proc/self/maps and must never see the page rwx.
 *
 * Race 2 (prctl vs mmap): with dynamic code allowed, thread M loops
 * mmap(RWX)/munmap while thread P loops prctl(SET, 0)/prctl(SET, 1).
 * prctl(SET, 0) must never succeed while an RWX mapping is alive.
 *
 * Also: prctl(SET, 0) from one thread while another thread keeps an RWX
 * mapping alive is EACCES; the policy is per process, not per thread.
 *
 * Usage: wx_threads
 */
#include "check.h"

#include <pthread.h>
#include <time.h>

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)
#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

/* Each race runs at least MIN_NS and stops after MAX_NS, or earlier once
 * it has seen enough successes and refusals on both sides. */
#define MIN_NS 500000000LL
#define MAX_NS 5000000000LL
#define ENOUGH 200

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define INC(x) __atomic_fetch_add(&(x), 1, __ATOMIC_SEQ_CST)

/* ---- race 1: mprotect RW<->R against R<->RX ---- */

static unsigned char *page;
static int stop;
static int in_w, in_x;

struct side {
	long set_ok;     /* successful RW (or RX) */
	long refused;    /* EACCES on the set */
	long bad_errno;  /* any other error on set or reset */
	long overlap;    /* saw the other thread inside its interval */
	long fault;      /* a write (or call) inside its own interval faulted */
};
static struct side side_w, side_x;
static long observer_rwx, observer_reads;

static void *thread_w(void *arg)
{
	(void)arg;
	while (!LOAD(stop)) {
		if (mprotect(page, PG, RW) == 0) {
			INC(side_w.set_ok);
			STORE(in_w, 1);
			if (LOAD(in_x))
				INC(side_w.overlap);
			if (!probe_write(page + 64, (unsigned char)side_w.set_ok))
				INC(side_w.fault);
			STORE(in_w, 0);
			if (mprotect(page, PG, PROT_READ) != 0)
				INC(side_w.bad_errno);
		} else if (errno == EACCES) {
			INC(side_w.refused);
		} else {
			INC(side_w.bad_errno);
		}
	}
	return NULL;
}

static void *thread_x(void *arg)
{
	(void)arg;
	while (!LOAD(stop)) {
		if (mprotect(page, PG, RX) == 0) {
			INC(side_x.set_ok);
			STORE(in_x, 1);
			if (LOAD(in_w))
				INC(side_x.overlap);
			if (!probe_exec(page))
				INC(side_x.fault);
			STORE(in_x, 0);
			if (mprotect(page, PG, PROT_READ) != 0)
				INC(side_x.bad_errno);
		} else if (errno == EACCES) {
			INC(side_x.refused);
		} else {
			INC(side_x.bad_errno);
		}
	}
	return NULL;
}

static void *thread_observer(void *arg)
{
	(void)arg;
	while (!LOAD(stop)) {
		if (perms_is(page, "rwxp"))
			INC(observer_rwx);
		INC(observer_reads);
	}
	return NULL;
}

static void race_mprotect(void)
{
	pthread_t tw, tx, to;
	long long start;

	page = map_anon(1, RW);
	SETUP("setup_race1_page", page);
	if (!page)
		return;
	page[0] = 0xc3; /* ret */
	SETUP("setup_race1_page_r", mprotect(page, PG, PROT_READ) == 0);

	STORE(stop, 0);
	pthread_create(&tw, NULL, thread_w, NULL);
	pthread_create(&tx, NULL, thread_x, NULL);
	pthread_create(&to, NULL, thread_observer, NULL);
	start = now_ns();
	for (;;) {
		long long el = now_ns() - start;
		struct timespec ts = {0, 10000000};

		if (el >= MAX_NS)
			break;
		if (el >= MIN_NS && LOAD(side_w.refused) + LOAD(side_x.refused) >= ENOUGH &&
		    LOAD(side_w.set_ok) >= ENOUGH && LOAD(side_x.set_ok) >= ENOUGH)
			break;
		nanosleep(&ts, NULL);
	}
	STORE(stop, 1);
	pthread_join(tw, NULL);
	pthread_join(tx, NULL);
	pthread_join(to, NULL);

	INFO("race1 W: set_ok=%ld refused=%ld bad_errno=%ld overlap=%ld fault=%ld", side_w.set_ok,
	     side_w.refused, side_w.bad_errno, side_w.overlap, side_w.fault);
	INFO("race1 X: set_ok=%ld refused=%ld bad_errno=%ld overlap=%ld fault=%ld", side_x.set_ok,
	     side_x.refused, side_x.bad_errno, side_x.overlap, side_x.fault);
	INFO("race1 observer: reads=%ld rwx=%ld", observer_reads, observer_rwx);

	EXPECT_TRUE("race_mprotect_only_0_or_eacces_7.4", side_w.bad_errno == 0 && side_x.bad_errno == 0);
	EXPECT_TRUE("race_mprotect_both_threads_progress_7.4", side_w.set_ok > 0 && side_x.set_ok > 0);
	EXPECT_TRUE("race_mprotect_page_never_rwx_in_maps_7.4", observer_rwx == 0 && observer_reads > 0);
	/* The Peios rule: writable and executable intervals never overlap, so
	 * no write faults while W holds RW and no call faults while X holds RX;
	 * and the race really happened (W^X refused some calls). */
	PEXPECT_TRUE("race_mprotect_never_writable_while_executable_7.4",
		     side_w.overlap == 0 && side_x.overlap == 0 && side_w.fault == 0 && side_x.fault == 0 &&
			     side_w.refused + side_x.refused > 0);
	munmap(page, PG);
}

/* ---- prctl(SET, 0) from another thread ---- */

static void *rwx_mapping;
static long thread_ret, thread_err;

static void *thread_prohibit(void *arg)
{
	(void)arg;
	errno = 0;
	thread_ret = dcp_set(0);
	thread_err = thread_ret == -1 ? errno : 0;
	return NULL;
}

static void other_thread_prohibit(void)
{
	pthread_t t;

	PEXPECT_OK("threads_relax_ok_D1", dcp_set(1));
	rwx_mapping = mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("threads_relaxed_mmap_rwx_ok_7.8.7", rwx_mapping != MAP_FAILED);

	pthread_create(&t, NULL, thread_prohibit, NULL);
	pthread_join(t, NULL);
	PEXPECT_TRUE("threads_other_thread_set_0_with_rwx_alive_eacces_D1",
		     thread_ret == -1 && thread_err == EACCES);
	PEXPECT_RET("threads_still_relaxed_after_refusal_D1", dcp_get(), 1);

	if (rwx_mapping != MAP_FAILED)
		munmap(rwx_mapping, PG);
	pthread_create(&t, NULL, thread_prohibit, NULL);
	pthread_join(t, NULL);
	PEXPECT_TRUE("threads_other_thread_set_0_after_munmap_ok_D1", thread_ret == 0);
	/* The policy belongs to the process: the main thread sees it. */
	PEXPECT_RET("threads_policy_is_per_process_get_0_D1", dcp_get(), 0);
	{
		void *p = mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		PEXPECT_TRUE("threads_main_thread_mmap_rwx_eacces_D1", p == MAP_FAILED && errno == EACCES);
		if (p != MAP_FAILED)
			munmap(p, PG);
	}
}

/* ---- race 2: prctl(SET, 0) against mmap(RWX) ---- */

static int alive;
static long m_ok, m_refused, m_bad;
static long p_ok, p_refused, p_bad, p_violation, p_relax_bad;

static void *thread_mapper(void *arg)
{
	(void)arg;
	while (!LOAD(stop)) {
		void *p = mmap(NULL, PG, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			INC(m_ok);
			STORE(alive, 1);
			((volatile unsigned char *)p)[0] = 0xc3;
			STORE(alive, 0);
			munmap(p, PG);
		} else if (errno == EACCES) {
			INC(m_refused);
		} else {
			INC(m_bad);
		}
	}
	return NULL;
}

static void *thread_prctl(void *arg)
{
	(void)arg;
	while (!LOAD(stop)) {
		if (dcp_set(0) == 0) {
			INC(p_ok);
			if (LOAD(alive))
				INC(p_violation);
			if (dcp_set(1) != 0)
				INC(p_relax_bad);
		} else if (errno == EACCES) {
			INC(p_refused);
		} else {
			INC(p_bad);
		}
	}
	return NULL;
}

static void race_prctl(void)
{
	pthread_t tm, tp;
	long long start;

	PEXPECT_OK("race_prctl_relax_ok_D1", dcp_set(1));
	STORE(stop, 0);
	pthread_create(&tm, NULL, thread_mapper, NULL);
	pthread_create(&tp, NULL, thread_prctl, NULL);
	start = now_ns();
	for (;;) {
		long long el = now_ns() - start;
		struct timespec ts = {0, 10000000};

		if (el >= MAX_NS)
			break;
		if (el >= MIN_NS && LOAD(p_ok) >= ENOUGH && LOAD(p_refused) >= ENOUGH && LOAD(m_ok) >= ENOUGH)
			break;
		nanosleep(&ts, NULL);
	}
	STORE(stop, 1);
	pthread_join(tm, NULL);
	pthread_join(tp, NULL);

	INFO("race2 mapper: ok=%ld refused=%ld bad=%ld", m_ok, m_refused, m_bad);
	INFO("race2 prctl: ok=%ld refused=%ld bad=%ld violation=%ld relax_bad=%ld", p_ok, p_refused, p_bad,
	     p_violation, p_relax_bad);

	EXPECT_TRUE("race_prctl_mmap_only_ok_or_eacces_7.4.1", m_bad == 0 && m_ok > 0);
	/* The Peios rule: prohibiting never succeeds while an RWX mapping is
	 * alive; prohibiting and relaxing otherwise work, and the race
	 * happened (some prohibits were refused). */
	PEXPECT_TRUE("race_prctl_set_0_never_with_rwx_alive_D1",
		     p_violation == 0 && p_bad == 0 && p_relax_bad == 0 && p_ok > 0 && p_refused > 0);
}

int main(int argc, char **argv)
{
	check_init("wx_threads", &argc, argv);
	probe_install();
	race_mprotect();
	other_thread_prohibit();
	race_prctl();
	dcp_set(0);
	return check_finish();
}
