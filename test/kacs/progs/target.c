// target is the process other processes try to read and write: it prints
// its pid and the address of a secret, then serves until killed. It holds a
// token handle on its own token from the start. When the file <dir>/apply
// appears it installs the DACL in <dir>/sd.bin as its own process SD
// (kacs_set_sd through a pidfd of itself) and writes the result to
// <dir>/applied; when <dir>/query appears it writes its user SID, read
// through the token handle it holds, to <dir>/queried.
#include "kacs.h"

#include <fcntl.h>

char secret[32] = "target-secret";

// once reports whether <dir>/<name> exists and has not been handled yet.
static int once(const char *dir, const char *name, int *done)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (*done || access(path, F_OK) != 0)
		return 0;
	*done = 1;
	return 1;
}

static void result(const char *dir, const char *name, const char *fmt, ...)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

int main(int argc, char **argv)
{
	char path[256];
	int token = (int)open_self(0, TOKEN_QUERY);
	printf("%d %p\n", getpid(), (void *)secret);
	fflush(stdout);
	for (int applied = 0, queried = 0;; usleep(50000)) {
		if (once(argv[1], "apply", &applied)) {
			unsigned char sd[4096];
			snprintf(path, sizeof path, "%s/sd.bin", argv[1]);
			int fd = open(path, O_RDONLY);
			long n = read(fd, sd, sizeof sd);
			close(fd);
			int self = (int)pidfd_open_(getpid());
			long r = set_sd(self, "", 0x4 /* DACL */, sd, n, AT_EMPTY);
			result(argv[1], "applied", "%ld %s\n", r, r < 0 ? ename(errno) : "0");
			close(self);
		}
		if (once(argv[1], "query", &queried)) {
			unsigned char b[80];
			char s[128] = "none";
			if (query(token, 1, b, sizeof b) > 0)
				sid_string(b, s, sizeof s);
			result(argv[1], "queried", "%s\n", s);
		}
	}
}
