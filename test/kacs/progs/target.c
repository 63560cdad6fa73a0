// target is the process other processes try to read and write: it prints
// its pid and the address of a secret, then serves until killed. It holds a
// token handle on its own token from the start, and hands a pidfd of
// itself to whoever connects to the abstract unix socket
// "peios-target-<pid>" (so callers that may not pidfd_open it can still
// try process_madvise). It watches its directory argv[1]:
//   apply: install the DACL in sd.bin as its own process SD (kacs_set_sd
//          through a pidfd of itself); the result goes to applied
//   query: write its user SID, read through the token handle, to queried
//   dump:  write its secret to secret, then remove dump (repeatable)
#include "kacs.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <stddef.h>
#include <sys/un.h>

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

// result writes <dir>/<name> atomically (through a rename).
static void result(const char *dir, const char *name, const char *fmt, ...)
{
	char path[256], tmp[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s", dir, name);
	FILE *f = fopen(tmp, "w");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	rename(tmp, path);
}

// serve_pidfd hands self to one pending connection of the listening
// socket l, if there is one.
static void serve_pidfd(int l, int self)
{
	int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	char byte = 'p';
	struct iovec iov = {&byte, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &self, sizeof(int));
	sendmsg(c, &msg, 0);
	close(c);
}

int main(int argc, char **argv)
{
	char path[256];
	int token = (int)open_self(0, TOKEN_QUERY);
	int self = (int)pidfd_open_(getpid());
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int n = snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "peios-target-%d", getpid());
	if (bind(l, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + n) != 0 || listen(l, 16) != 0)
		return 2;
	printf("%d %p\n", getpid(), (void *)secret);
	fflush(stdout);
	for (int applied = 0, queried = 0;; usleep(20000)) {
		serve_pidfd(l, self);
		if (once(argv[1], "apply", &applied)) {
			unsigned char sd[4096];
			snprintf(path, sizeof path, "%s/sd.bin", argv[1]);
			int fd = open(path, O_RDONLY);
			long r = read(fd, sd, sizeof sd);
			close(fd);
			r = set_sd(self, "", 0x4 /* DACL */, sd, r, AT_EMPTY);
			result(argv[1], "applied", "%ld %s\n", r, r < 0 ? ename(errno) : "0");
		}
		if (once(argv[1], "query", &queried)) {
			unsigned char b[80];
			char s[128] = "none";
			if (query(token, 1, b, sizeof b) > 0)
				sid_string(b, s, sizeof s);
			result(argv[1], "queried", "%s\n", s);
		}
		int dumped = 0;
		if (once(argv[1], "dump", &dumped)) {
			result(argv[1], "secret", "%s\n", secret);
			snprintf(path, sizeof path, "%s/dump", argv[1]);
			unlink(path);
		}
	}
}
