// demo shows the Peios memory rules from inside the sandbox: W^X refusing a
// writable and executable mapping, mseal refusing to let a sealed mapping be
// unmapped, and the dynamic-code opt-out a JIT uses.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_mseal_ 462
#define PR_SET_DYNAMIC_CODE_POLICY 0x50444350
#define PR_GET_DYNAMIC_CODE_POLICY 0x50444351

static void show(const char *what, long ret) {
	if (ret == -1)
		printf("  %-58s -> refused: %s\n", what, strerrorname_np(errno));
	else
		printf("  %-58s -> allowed\n", what);
}

static long map_rwx(void) {
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? -1 : 0;
}

int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("W^X is %s in this process (PR_GET_DYNAMIC_CODE_POLICY = %d)\n",
	       prctl(PR_GET_DYNAMIC_CODE_POLICY, 0, 0, 0, 0) == 0 ? "active" : "inactive",
	       prctl(PR_GET_DYNAMIC_CODE_POLICY, 0, 0, 0, 0));
	show("mmap(PROT_READ|PROT_WRITE|PROT_EXEC)", map_rwx());

	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("mprotect(RW page, PROT_READ|PROT_EXEC)", mprotect(p, 4096, PROT_READ | PROT_EXEC));
	show("mprotect(RW page, PROT_READ), then PROT_READ|PROT_EXEC",
	     mprotect(p, 4096, PROT_READ) == 0 ? mprotect(p, 4096, PROT_READ | PROT_EXEC) : -1);

	show("mseal(second page)", syscall(SYS_mseal_, p + 4096, 4096, 0));
	show("munmap(sealed page)", munmap(p + 4096, 4096));
	show("mprotect(sealed page, PROT_NONE)", mprotect(p + 4096, 4096, PROT_NONE));
	strcpy(p + 4096, "sealed memory is still writable");
	printf("  %-58s -> \"%s\"\n", "write to the sealed page", p + 4096);

	show("prctl(PR_SET_DYNAMIC_CODE_POLICY, 1): the JIT opt-out", prctl(PR_SET_DYNAMIC_CODE_POLICY, 1, 0, 0, 0));
	show("mmap(PROT_READ|PROT_WRITE|PROT_EXEC) after opting out", map_rwx());
	return 0;
}
