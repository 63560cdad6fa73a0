// peios-check checks two Peios memory rules from inside a container and
// prints one line the end-to-end test parses:
//
//   peios-check: wx=EACCES mseal=0 munmap-sealed=EPERM
//
// wx is the result of mmap(PROT_READ|PROT_WRITE|PROT_EXEC): EACCES under the
// default W^X policy, "ok" under dev.peios.mm/wx=off. mseal is the return of
// mseal(2) (syscall 462) on a fresh mapping and munmap-sealed the result of
// unmapping it afterwards (EPERM: sealed).
//
// With the argument "loop" it seals a page once and then, every 200 ms,
// rewrites /tmp/peios-status with a tick count and the result of unmapping
// the sealed page again, until killed. The lifecycle stage reads that file
// before a checkpoint and after the restore: the ticks go on and the page is
// still sealed in the restored process.
//
// Built static (gcc -static) so it runs in an image without a libc.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SYS_mseal_ 462

// result formats the outcome of a call returning -1/errno on failure.
static const char *result(long ret, char *buf, size_t n) {
	if (ret == -1)
		snprintf(buf, n, "%s", strerrorname_np(errno));
	else
		snprintf(buf, n, "ok");
	return buf;
}

// map_rwx tries a writable and executable anonymous mapping.
static long map_rwx(void) {
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	munmap(p, 4096);
	return 0;
}

// sealed_page maps a page and seals it; *seal gets mseal's return.
static char *sealed_page(long *seal) {
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	*seal = syscall(SYS_mseal_, p, 4096, 0);
	return p;
}

static int loop(void) {
	long seal;
	char *p = sealed_page(&seal);
	char b1[32], b2[32];
	if (p == NULL)
		return 1;
	for (unsigned long tick = 1;; tick++) {
		long un = munmap(p, 4096);
		FILE *f = fopen("/tmp/peios-status.new", "w");
		if (f == NULL) {
			perror("fopen");
			return 1;
		}
		fprintf(f, "tick=%lu mseal=%s munmap-sealed=%s\n", tick, seal == 0 ? "0" : result(seal, b1, sizeof b1),
			result(un, b2, sizeof b2));
		fclose(f);
		rename("/tmp/peios-status.new", "/tmp/peios-status");
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "loop") == 0)
		return loop();
	char b1[32], b2[32], b3[32];
	const char *wx = result(map_rwx(), b1, sizeof b1);
	long seal;
	char *p = sealed_page(&seal);
	if (p == NULL)
		return 1;
	const char *sealres = seal == 0 ? "0" : result(seal, b2, sizeof b2);
	const char *un = result(munmap(p, 4096), b3, sizeof b3);
	printf("peios-check: wx=%s mseal=%s munmap-sealed=%s\n", wx, sealres, un);
	fflush(stdout);
	return 0;
}
