// membench: memory-management syscall microbenchmark for runsc-peios.
//
// Usage: membench <workload> <iterations> [arg]
//
// Runs <workload> for a short warm-up (a tenth of <iterations>) and then for
// exactly <iterations> timed iterations, split into BATCHES equal batches
// each timed with clock_gettime(CLOCK_MONOTONIC) inside the sandbox. On
// success it prints one line:
//
//   membench: workload=<name> arg=<arg> iters=<n> ns/op=<f> median=<f> mean=<f>
//
// where ns/op is the fastest batch's time per op, median the median batch's
// and mean the total time over all iterations. The harness uses ns/op: on a
// shared 2-core machine other load only ever adds time, often to whole
// stretches of a run, so the fastest batch is the most repeatable estimate
// of the syscalls' own cost. It exits 0. Any syscall failure prints a diagnostic to stderr and exits 1.
// One "op" is one call of the workload's step function, as documented on
// each workload below.
//
// To add a workload: write its setup/step/teardown functions, add them to
// the workloads[] table, and add a row naming it, its iteration count and
// its argument to the Go harness's table (../rows.go).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define REGION (64 * 1024)
#define BATCHES 15

static long page_size;

// die reports the failing call with errno and exits non-zero.
static void die(const char *what) {
  fprintf(stderr, "membench: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) die("clock_gettime");
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// touch writes one byte to every page of [p, p+len).
static void touch(char *p, size_t len) {
  for (size_t off = 0; off < len; off += (size_t)page_size) {
    ((volatile char *)p)[off] = 1;
  }
}

static void *map_anon(size_t len, int prot) {
  void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  return p;
}

// A workload is split into setup (untimed, once), step (the op, run for
// warm-up and timed iterations) and teardown (untimed, once).
typedef struct {
  const char *name;
  void (*setup)(long arg);
  void (*step)(void);
  void (*teardown)(void);
} workload;

// sink receives reads that populate pages, so they are not optimised away.
static volatile char sink;

// ---- mmap_touch: mmap 64 KiB RW private anon, touch every page, munmap.
static void mmap_touch_step(void) {
  char *p = map_anon(REGION, PROT_READ | PROT_WRITE);
  touch(p, REGION);
  if (munmap(p, REGION) != 0) die("munmap");
}

// ---- mprotect: toggle one page R -> RW -> R (two mprotect calls per op)
// with `arg` other single-page VMAs mapped around it.
//
// Layout: a contiguous run of arg+1 pages, each created by its own
// MAP_FIXED mmap. Even pages are PROT_READ, odd pages PROT_NONE, so no two
// neighbours share protections and nothing merges. The toggled page sits at
// an even index near the middle; both its neighbours are PROT_NONE, so it
// never merges with them in either state and the VMA count stays arg+1.
static char *mp_base, *mp_page;
static size_t mp_len;

static void mprotect_setup(long others) {
  if (others < 2) {
    errno = EINVAL;
    die("mprotect workload needs arg >= 2");
  }
  size_t npages = (size_t)others + 1;
  size_t mid = (npages / 2) & ~(size_t)1;
  mp_len = npages * (size_t)page_size;
  mp_base = map_anon(mp_len, PROT_NONE);  // reserve the address range
  for (size_t i = 0; i < npages; i++) {
    char *p = mp_base + i * (size_t)page_size;
    int prot = (i % 2 == 0) ? PROT_READ : PROT_NONE;
    if (i == mid) prot = PROT_READ | PROT_WRITE;
    if (mmap(p, (size_t)page_size, prot,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
      die("mmap MAP_FIXED");
    }
    if (prot & PROT_READ) sink = ((volatile char *)p)[0];  // populate
  }
  mp_page = mp_base + mid * (size_t)page_size;
  mp_page[0] = 1;
  if (mprotect(mp_page, (size_t)page_size, PROT_READ) != 0) die("mprotect");
}

static void mprotect_step(void) {
  if (mprotect(mp_page, (size_t)page_size, PROT_READ | PROT_WRITE) != 0) {
    die("mprotect RW");
  }
  if (mprotect(mp_page, (size_t)page_size, PROT_READ) != 0) die("mprotect R");
}

static void mprotect_teardown(void) {
  if (munmap(mp_base, mp_len) != 0) die("munmap");
}

// ---- madvise_dontneed: touch a 64 KiB RW region, then MADV_DONTNEED it.
static char *region;

static void region_setup(long arg) {
  (void)arg;
  region = map_anon(REGION, PROT_READ | PROT_WRITE);
  touch(region, REGION);
}

static void region_teardown(void) {
  if (munmap(region, REGION) != 0) die("munmap");
}

static void madvise_dontneed_step(void) {
  touch(region, REGION);
  if (madvise(region, REGION, MADV_DONTNEED) != 0) die("madvise");
}

// madvise_allowing calls madvise and dies on failure, except EINVAL from a
// runtime that does not support the advice (stock gVisor for PAGEOUT and
// POPULATE_WRITE).
static void madvise_allowing_einval(void *p, size_t len, int advice) {
  if (madvise(p, len, advice) != 0 && errno != EINVAL) die("madvise");
}

// ---- madvise_pageout: touch a 64 KiB RW region, then MADV_PAGEOUT it.
static void madvise_pageout_step(void) {
  touch(region, REGION);
  madvise_allowing_einval(region, REGION, 21 /* MADV_PAGEOUT */);
}

// ---- madvise_populate_write: MADV_DONTNEED a 64 KiB RW region, fault it
// in with MADV_POPULATE_WRITE, then touch every page.
static void madvise_populate_write_step(void) {
  if (madvise(region, REGION, MADV_DONTNEED) != 0) die("madvise DONTNEED");
  madvise_allowing_einval(region, REGION, 23 /* MADV_POPULATE_WRITE */);
  touch(region, REGION);
}

// ---- mremap_grow: grow a touched 4 KiB mapping to 64 KiB with
// MREMAP_MAYMOVE, then shrink it back to 4 KiB (two mremap calls per op).
static char *mr_page;

static void mremap_setup(long arg) {
  (void)arg;
  mr_page = map_anon((size_t)page_size, PROT_READ | PROT_WRITE);
  mr_page[0] = 1;
}

static void mremap_grow_step(void) {
  char *p = mremap(mr_page, (size_t)page_size, REGION, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) die("mremap grow");
  mr_page = mremap(p, REGION, (size_t)page_size, 0);
  if (mr_page == MAP_FAILED) die("mremap shrink");
}

static void mremap_teardown(void) {
  if (munmap(mr_page, (size_t)page_size) != 0) die("munmap");
}

// ---- read_zero: read 4 KiB from /dev/zero into a touched page (the cost
// runsc-peios adds to a plain I/O call: its user-buffer pre-pass). With
// arg 1 the address space also holds a protection key on another page, so
// that under software keys (--peios-pkeys=software) the buffer is checked;
// where keys are unavailable (stock gVisor, no PKU) pkey_alloc fails and
// the row measures the plain call.
static int zero_fd = -1;
static char *read_buf, *keyed_page;

static void read_zero_setup(long arg) {
  zero_fd = open("/dev/zero", O_RDONLY);
  if (zero_fd < 0) die("open /dev/zero");
  read_buf = map_anon((size_t)page_size, PROT_READ | PROT_WRITE);
  touch(read_buf, (size_t)page_size);
  if (arg == 1) {
    keyed_page = map_anon((size_t)page_size, PROT_READ | PROT_WRITE);
    long key = syscall(330 /* pkey_alloc */, 0, 0);
    if (key > 0 && syscall(329 /* pkey_mprotect */, keyed_page, page_size,
                           PROT_READ | PROT_WRITE, key) != 0) {
      die("pkey_mprotect");
    }
  }
}

static void read_zero_step(void) {
  if (read(zero_fd, read_buf, (size_t)page_size) != page_size) die("read");
}

static void read_zero_teardown(void) {
  close(zero_fd);
  if (munmap(read_buf, (size_t)page_size) != 0) die("munmap");
  if (keyed_page && munmap(keyed_page, (size_t)page_size) != 0) die("munmap");
}

static void no_setup(long arg) { (void)arg; }
static void no_teardown(void) {}

static const workload workloads[] = {
    {"mmap_touch", no_setup, mmap_touch_step, no_teardown},
    {"mprotect", mprotect_setup, mprotect_step, mprotect_teardown},
    {"madvise_dontneed", region_setup, madvise_dontneed_step, region_teardown},
    {"mremap_grow", mremap_setup, mremap_grow_step, mremap_teardown},
    {"madvise_pageout", region_setup, madvise_pageout_step, region_teardown},
    {"madvise_populate_write", region_setup, madvise_populate_write_step,
     region_teardown},
    {"read_zero", read_zero_setup, read_zero_step, read_zero_teardown},
};

static const workload *find(const char *name) {
  for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
    if (strcmp(workloads[i].name, name) == 0) return &workloads[i];
  }
  return NULL;
}

static void usage(void) {
  fprintf(stderr, "usage: membench <workload> <iterations, >= %d> [arg]\n",
          BATCHES);
  fprintf(stderr, "workloads:");
  for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
    fprintf(stderr, " %s", workloads[i].name);
  }
  fprintf(stderr, "\n");
  exit(2);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// timing is the per-op cost of one timed run, in ns.
typedef struct {
  double best, median, mean;
} timing;

// run_timed runs iters steps in BATCHES batches and returns the fastest and
// median batch's ns/op and the overall ns/op.
static timing run_timed(const workload *w, long iters) {
  double per_op[BATCHES];
  uint64_t total = 0;
  for (int b = 0; b < BATCHES; b++) {
    long n = iters / BATCHES + (b < iters % BATCHES ? 1 : 0);
    uint64_t start = now_ns();
    for (long i = 0; i < n; i++) w->step();
    uint64_t elapsed = now_ns() - start;
    total += elapsed;
    per_op[b] = (double)elapsed / (double)n;
  }
  qsort(per_op, BATCHES, sizeof(per_op[0]), cmp_double);
  timing t = {per_op[0], per_op[BATCHES / 2], (double)total / (double)iters};
  return t;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) usage();
  const workload *w = find(argv[1]);
  long iters = atol(argv[2]);
  long arg = argc == 4 ? atol(argv[3]) : 0;
  if (w == NULL || iters < BATCHES) usage();
  page_size = sysconf(_SC_PAGESIZE);

  w->setup(arg);
  for (long i = 0; i < iters / 10; i++) w->step();  // warm-up
  timing t = run_timed(w, iters);
  w->teardown();

  printf("membench: workload=%s arg=%ld iters=%ld ns/op=%.1f median=%.1f "
         "mean=%.1f\n",
         w->name, arg, iters, t.best, t.median, t.mean);
  return 0;
}
