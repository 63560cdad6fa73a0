/*
 * fuzz.c - random arguments to the syscalls the Peios layer handles
 * (the Sentry must never panic, hang or leak on any argument a program can
 * pass).
 *
 * Children make calls with arguments drawn from values that reach the
 * interesting paths: 0, -1, page-aligned and unaligned addresses in a
 * scratch area and anywhere, lengths from 0 to 64 MiB and ones that wrap,
 * every flag bit. A child may well kill itself (it may unmap its own code,
 * or be refused on a pointer it then uses); the parent starts another until
 * the calls are done. RLIMIT_AS keeps a child at 1 GiB, so that no
 * combination of MAP_POPULATE, mlock and POPULATE advice can take the
 * machine's memory when the program runs natively. The checks: every child
 * ends (by exit or by a signal) within its time, and afterwards the parent
 * still maps, touches and unmaps memory, so the Sentry is alive and sane.
 *
 * Usage: fuzz [calls] [seed]
 * The default seed is fixed, so that a run is repeatable; the seed is
 * printed, and any other can be given.
 */
#include "check.h"
#include "mm_util.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#define CHILD_CALLS 1500
#define CHILD_SECONDS 60

/* Syscalls the layer wraps or adds (x86-64 numbers). */
static const long calls[] = {
	9,    /* mmap */
	10,   /* mprotect */
	11,   /* munmap */
	12,   /* brk */
	25,   /* mremap */
	26,   /* msync */
	27,   /* mincore */
	28,   /* madvise */
	0,    /* read */
	1,    /* write */
	17,   /* pread64 */
	18,   /* pwrite64 */
	19,   /* readv */
	20,   /* writev */
	295,  /* preadv */
	296,  /* pwritev */
	318,  /* getrandom */
	44,   /* sendto */
	45,   /* recvfrom */
	46,   /* sendmsg */
	47,   /* recvmsg */
	149,  /* mlock */
	150,  /* munlock */
	151,  /* mlockall */
	152,  /* munlockall */
	325,  /* mlock2 */
	157,  /* prctl */
	216,  /* remap_file_pages */
	237,  /* mbind */
	238,  /* set_mempolicy */
	239,  /* get_mempolicy */
	329,  /* pkey_mprotect */
	330,  /* pkey_alloc */
	331,  /* pkey_free */
	310,  /* process_vm_readv */
	311,  /* process_vm_writev */
	440,  /* process_madvise */
	434,  /* pidfd_open */
	462,  /* mseal */
	160,  /* setrlimit */
	4,    /* stat */
	21,   /* access */
	332,  /* statx */
	257,  /* openat */
	16,   /* ioctl */
	1000, /* kacs_open_self_token */
	1001, /* kacs_open_process_token */
	1002, /* kacs_open_thread_token */
	1005, /* kacs_set_psb */
	1021, /* kacs_get_sd */
	1022, /* kacs_set_sd */
};

static const char *paths[] = {
	"/proc/self/psb", "/proc/self/token", "/proc/self/mem", "/proc/self/maps", "/proc/self/smaps",
	"/proc/self/status", "/proc/self/environ", "/sys/kernel/security/kacs/self", "/proc/self/task/1/token", "/",
};

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned char *scratch;
static int fds[8];

/* addr returns an address worth trying. */
static unsigned long addr(void)
{
	switch (next() % 8) {
	case 0:
		return 0;
	case 1:
		return (unsigned long)-1 & ~(PG - 1);
	case 2:
		return (unsigned long)scratch + (next() % 256) * PG;
	case 3:
		return (unsigned long)scratch + next() % (256 * PG);
	case 4:
		return (next() & ((1UL << 47) - 1)) & ~(PG - 1);
	case 5:
		return 0xffff800000000000UL;
	case 6:
		return (unsigned long)&rng; /* the data segment */
	default:
		return (unsigned long)scratch + 128 * PG - (next() % 8) * PG;
	}
}

/* len returns a length worth trying (at most 64 MiB, or one that wraps). */
static unsigned long len(void)
{
	switch (next() % 6) {
	case 0:
		return 0;
	case 1:
		return (next() % 16) * PG;
	case 2:
		return next() % (64 << 20);
	case 3:
		return (unsigned long)-1 - (next() % 4) * PG;
	case 4:
		return 1;
	default:
		return PG;
	}
}

/* flags returns flag bits worth trying. */
static unsigned long flags(void)
{
	switch (next() % 4) {
	case 0:
		return 0;
	case 1:
		return 1UL << (next() % 32);
	case 2:
		return next() & 0xffffffff;
	default:
		return next() % 128;
	}
}

/* any returns one of the above, or an fd, or a path. */
static unsigned long any(void)
{
	switch (next() % 5) {
	case 0:
		return addr();
	case 1:
		return len();
	case 2:
		return flags();
	case 3:
		return (unsigned long)(long)fds[next() % 8];
	default:
		return (unsigned long)paths[next() % (sizeof(paths) / sizeof(paths[0]))];
	}
}

/* one makes one random call. */
static void one(void)
{
	long nr = calls[next() % (sizeof(calls) / sizeof(calls[0]))];
	unsigned long a[6];
	struct iovec iov[2] = {{(void *)addr(), len() % (4 * PG)}, {(void *)addr(), len() % (4 * PG)}};
	struct msghdr msg = {0};

	for (int i = 0; i < 6; i++)
		a[i] = any();
	switch (nr) {
	case 0: case 1: case 17: case 18: case 318: case 44: case 45:
		/* I/O on the program's own descriptors, never blocking. */
		if (nr != 318)
			a[0] = (unsigned long)(long)fds[next() % 8];
		a[1] = addr();
		a[2] = len() % (8 * PG);
		if (nr == 44 || nr == 45)
			a[3] = MSG_DONTWAIT;
		break;
	case 19: case 20: case 295: case 296: case 310: case 311:
		if (nr == 310 || nr == 311) {
			a[0] = (unsigned long)getpid();
			a[2] = next() % 3;
			a[3] = next() % 2 ? (unsigned long)iov : addr();
			a[4] = next() % 3;
		} else {
			a[0] = (unsigned long)(long)fds[next() % 8];
			a[2] = next() % 3;
		}
		a[1] = next() % 2 ? (unsigned long)iov : addr();
		break;
	case 46: case 47:
		msg.msg_iov = iov;
		msg.msg_iovlen = next() % 3;
		msg.msg_name = next() % 2 ? NULL : (void *)addr();
		msg.msg_namelen = next() % 64;
		a[0] = (unsigned long)(long)fds[next() % 8];
		a[1] = next() % 2 ? (unsigned long)&msg : addr();
		a[2] = MSG_DONTWAIT;
		break;
	case 9:
		a[0] = addr();
		a[1] = len();
		a[2] = next() % 16;
		a[3] = flags();
		a[4] = (unsigned long)(long)fds[next() % 8];
		a[5] = (next() % 4) * PG;
		break;
	case 10: case 11: case 26: case 28: case 149: case 150: case 325: case 462: case 329:
		a[0] = addr();
		a[1] = len();
		a[2] = nr == 10 || nr == 329 ? next() % 16 | (next() % 8 == 0 ? 0x01000000 : 0) : flags();
		/* Never MADV_HWPOISON or MADV_SOFT_OFFLINE: run natively as
		 * root they would poison the host's memory. */
		if (nr == 28 && (a[2] == 100 || a[2] == 101))
			a[2] = 4;
		a[3] = (unsigned long)(long)(next() % 18) - 1;
		break;
	case 16:
		a[0] = (unsigned long)(long)fds[next() % 8]; /* never stdio */
		break;
	case 25:
		a[0] = addr();
		a[1] = len();
		a[2] = len();
		a[3] = next() % 8;
		a[4] = addr();
		break;
	case 27:
		a[0] = addr();
		a[1] = len();
		a[2] = next() % 2 ? (unsigned long)scratch + 200 * PG : addr();
		break;
	case 157:
		a[0] = 0x50444350 + next() % 2; /* the dynamic-code policy */
		a[1] = next() % 3;
		break;
	case 160:
		a[0] = 3; /* RLIMIT_STACK only: RLIMIT_AS must stay */
		a[1] = addr();
		break;
	case 4: case 21: case 332: case 257:
		a[0] = (nr == 332 || nr == 257) ? (unsigned long)(long)-100 : (unsigned long)paths[next() % 10];
		if (nr == 332 || nr == 257)
			a[1] = (unsigned long)paths[next() % 10];
		if (nr == 4 || nr == 332)
			a[nr == 4 ? 1 : 4] = next() % 2 ? (unsigned long)scratch + 220 * PG : addr();
		if (nr == 257) /* read-only opens of existing files */
			a[2] &= ~(unsigned long)(O_CREAT | O_TMPFILE | O_TRUNC | O_ACCMODE);
		break;
	case 440:
		a[0] = (unsigned long)(long)fds[next() % 8];
		a[1] = next() % 2 ? (unsigned long)iov : addr();
		a[2] = next() % 3;
		a[3] = next() % 30;
		break;
	case 434:
		a[0] = next() % 2 ? (unsigned long)getpid() : next() % 64;
		break;
	}
	syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* child makes CHILD_CALLS calls, counting them in *done. */
static void child(unsigned long seed, volatile long *done)
{
	struct rlimit as = {1UL << 30, 1UL << 30};
	int sv[2];

	rng = seed * 0x9e3779b97f4a7c15UL + 1;
	setrlimit(RLIMIT_AS, &as);
	alarm(CHILD_SECONDS / 2);
	fds[0] = -1;
	fds[1] = open("/dev/zero", O_RDWR);
	fds[2] = open("/dev/null", O_RDWR);
	fds[3] = tmpfile_of("fuzz", 4, 0x42);
	fds[4] = socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0 ? sv[0] : -1;
	fds[5] = fds[4] >= 0 ? sv[1] : -1;
	fds[6] = (int)syscall(434, getpid(), 0); /* pidfd_open */
	fds[7] = (int)syscall(1000, 0x8, 0);      /* kacs_open_self_token */
	unlink(tmp_path);
	for (int i = 0; i < CHILD_CALLS; i++) {
		one();
		__atomic_fetch_add(done, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

/* reap waits up to CHILD_SECONDS for pid; it reports whether pid ended by
 * itself. */
static int reap(pid_t pid)
{
	struct timespec tick = {0, 20000000};
	int status;

	for (int i = 0; i < CHILD_SECONDS * 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return 1;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}

int main(int argc, char **argv)
{
	long total = argc > 1 ? atol(argv[1]) : 30000;
	unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 0x5eed;
	volatile long *done;
	int children = 0, hung = 0;
	unsigned char *p;

	check_init("fuzz", &argc, argv);
	INFO("seed %lu, %ld calls", seed, total);
	done = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	scratch = reserve(256);
	SETUP("setup_fuzz", done != MAP_FAILED && scratch);
	if (done == MAP_FAILED || !scratch)
		return check_finish();
	/* Half of the scratch area mapped, in pieces, so that calls meet
	 * VMAs, holes and edges. */
	for (int i = 0; i < 256; i += 4)
		map_at(scratch + i * PG, 2, PROT_READ | PROT_WRITE);
	while (*done < total && children < 1000) {
		pid_t pid = fork();

		if (pid == 0)
			child(seed + (unsigned long)children, done);
		children++;
		if (pid < 0 || !reap(pid))
			hung++;
	}
	INFO("%d children made %ld calls", children, *done);
	EXPECT_EQ("every_child_ended_by_itself", hung, 0);
	EXPECT_TRUE("every_call_made", *done >= total);
	p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("sandbox_still_maps_memory", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		memset(p, 0x5a, 16 * PG);
		EXPECT_TRUE("sandbox_memory_intact", intact(p, 16, 0x5a));
		EXPECT_OK("sandbox_still_unmaps_memory", munmap(p, 16 * PG));
	}
	return check_finish();
}
