// target is the process other processes try to read and write: it prints
// its pid and the address of a secret, then serves until killed. When the
// file <dir>/apply appears it installs the DACL in <dir>/sd.bin as its own
// process SD (kacs_set_sd through a pidfd of itself) and writes the result
// to <dir>/applied.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

char secret[32] = "target-secret";

int main(int argc, char **argv) {
	char path[256];
	printf("%d %p\n", getpid(), (void *)secret);
	fflush(stdout);
	for (int applied = 0;; usleep(50000)) {
		snprintf(path, sizeof path, "%s/apply", argv[1]);
		if (applied || access(path, F_OK) != 0)
			continue;
		applied = 1;
		unsigned char sd[4096];
		snprintf(path, sizeof path, "%s/sd.bin", argv[1]);
		int fd = open(path, O_RDONLY);
		long n = read(fd, sd, sizeof sd);
		close(fd);
		int self = syscall(434, getpid(), 0);
		long r = syscall(1022, self, "", 0x4 /* DACL */, sd, n, 0x1000 /* AT_EMPTY_PATH */);
		snprintf(path, sizeof path, "%s/applied", argv[1]);
		FILE *f = fopen(path, "w");
		fprintf(f, "%ld %s\n", r, r < 0 ? strerrorname_np(errno) : "0");
		fclose(f);
	}
}
