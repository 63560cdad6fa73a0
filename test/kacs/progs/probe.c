/*
 * probe is one row of the cross-process matrix (spec §6.2, §6.3): it acts
 * on each target named on its command line, "name:pid:addr", with
 * probe_target (kacs.h), writing argv[1] (14 bytes) into each target's
 * secret. The pidfd it uses is one the target hands over on its socket, so
 * that a caller that may not pidfd_open a target still reaches
 * process_madvise's own gate.
 */
#include "kacs.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>

/* handed_pidfd asks the target for a pidfd of itself. */
static int handed_pidfd(int pid)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "peios-target-%d", pid);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(s, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + n) != 0)
		return -1;
	char byte;
	struct iovec iov = {&byte, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	int fd = -1;
	if (recvmsg(s, &msg, 0) == 1 && CMSG_FIRSTHDR(&msg))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof fd);
	close(s);
	return fd;
}

int main(int argc, char **argv)
{
	char tag[15] = {0};
	strncpy(tag, argv[1], 14);
	for (int i = 2; i < argc; i++) {
		char name[32];
		int pid;
		unsigned long addr;
		if (sscanf(argv[i], "%31[^:]:%d:%lx", name, &pid, &addr) != 3)
			return 2;
		int pidfd = handed_pidfd(pid);
		if (pidfd < 0) {
			out("%s no pidfd from the target", name);
			continue;
		}
		probe_target(name, pid, pidfd, addr, tag);
		close(pidfd);
	}
	return 0;
}
