/*
 * ident prints what a process runsc started begins with, one line per item:
 * its token's user SID ("user"), its process SD's owner ("sd_owner"), its
 * /proc/self/psb line ("psb"), PR_GET_DYNAMIC_CODE_POLICY ("wx_get": 0 when
 * W^X is active), a writable and executable mmap ("mmap_wx": 0 or the
 * errno) and PR_SET_DYNAMIC_CODE_POLICY(1), the JIT opt-out ("wx_optout":
 * 0, or -1 EPERM when the policy is locked). With an argument it then waits
 * for ever. The multi-container test runs it in each container of one
 * sandbox (container_test.go).
 */
#include "kacs.h"

#include <sys/mman.h>
#include <sys/prctl.h>

#define PR_SET_DYNAMIC_CODE_POLICY 0x50444350
#define PR_GET_DYNAMIC_CODE_POLICY 0x50444351

int main(int argc, char **argv)
{
	(void)argv;
	unsigned char b[1024];
	char s[128];
	int fd = (int)open_self(0, TOKEN_QUERY);
	if (fd < 0 || query(fd, 1, b, sizeof b) <= 0)
		out("user -1 %s", ename(errno));
	else
		out("user %s", sid_string(b, s, sizeof s));

	int me = (int)pidfd_open_(getpid());
	long n = me < 0 ? -1 : get_sd(me, "", 0x01, b, sizeof b, AT_EMPTY);
	uint32_t owner = 0;
	if (n >= 20)
		memcpy(&owner, b + 4, 4);
	if (n < 20 || owner == 0 || owner >= (uint32_t)n)
		out("sd_owner -1 %s", ename(errno));
	else
		out("sd_owner %s", sid_string(b + owner, s, sizeof s));

	int psb = open("/proc/self/psb", O_RDONLY);
	n = psb < 0 ? -1 : read(psb, s, sizeof s - 1);
	if (n <= 0) {
		out("psb -1 %s", ename(errno));
	} else {
		s[n] = 0;
		s[strcspn(s, "\n")] = 0;
		out("psb %s", s);
	}

	R("wx_get", prctl(PR_GET_DYNAMIC_CODE_POLICY, 0, 0, 0, 0));
	R("mmap_wx", mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);
	R("wx_optout", prctl(PR_SET_DYNAMIC_CODE_POLICY, 1, 0, 0, 0));
	if (argc > 1)
		for (;;)
			pause();
	return 0;
}
