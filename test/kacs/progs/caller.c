// caller acts on the target process named by argv[1] (pid) and argv[2] (the
// secret's address) and prints one line per call: name, return value and
// errno name. argv[3], if present, is written into the target's secret.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char *name, long r) {
	printf("%s %ld %s\n", name, r < 0 ? -1 : r > 0 && strncmp(name, "open", 4) == 0 ? 1 : r,
	       r < 0 ? strerrorname_np(errno) : "0");
}

int main(int argc, char **argv) {
	pid_t pid = atoi(argv[1]);
	void *addr = (void *)strtoul(argv[2], NULL, 16);
	char buf[32] = {0};
	struct iovec local = {buf, 14}, remote = {addr, 14};
	long r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	show("readv", r);
	if (r > 0)
		printf("read %s\n", buf);
	if (argc > 3) {
		strncpy(buf, argv[3], sizeof buf - 1);
		show("writev", process_vm_writev(pid, &local, 1, &remote, 1, 0));
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	show("open_mem_r", open(path, O_RDONLY));
	show("open_mem_w", open(path, O_RDWR));
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	show("open_maps", open(path, O_RDONLY));
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	show("open_status", open(path, O_RDONLY) >= 0 ? 0 : -1);
	errno = 0;
	show("ptrace_peek", ptrace(PTRACE_PEEKDATA, pid, addr, NULL) == -1 && errno ? -1 : 0);
	int pidfd = syscall(434, pid, 0);
	show("pidfd_open", pidfd);
	if (pidfd >= 0) {
		unsigned char sd[1024];
		show("get_sd", syscall(1021, pidfd, "", 0x4, sd, sizeof sd, 0x1000));
		show("set_psb", syscall(1005, pidfd, 0x10));
		struct iovec page = {(void *)((unsigned long)addr & ~4095ul), 4096};
		show("madvise_cold", syscall(440, pidfd, &page, 1, 20 /* MADV_COLD */, 0));
		show("madvise_dontneed", syscall(440, pidfd, &page, 1, 4 /* MADV_DONTNEED */, 0));
	}
	return 0;
}
