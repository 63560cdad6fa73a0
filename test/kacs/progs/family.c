/*
 * family checks that parent and child get no shortcut (spec §6.1, §6.2):
 * only the process SD and PIP decide, so a child whose SD shuts its parent
 * out is a stranger to it, and a child reaches its parent through the
 * parent's default SD like any process of the same user. Each line is
 * probe_target's (kacs.h):
 *
 *   parent->child      a child with its default SD (it grants its user)
 *   parent->child(SD)  a child that replaced its DACL with
 *                      "SYSTEM: GENERIC_ALL" (pidfd taken before)
 *   child->parent      the child acting on its parent's default SD
 *
 * plus "after-sd-change pidfd_open=R" for pidfd_open once the SD is in
 * place, and "parent secret S" for what the child wrote into its parent. Caller and targets share a UID, so gVisor's own ptrace-mode
 * check passes and /proc/<pid>/mem shows the gate's decision.
 */
#include "kacs.h"

#include <sys/wait.h>

static char secret[32] = "family-secret!";

/* SD with only "D:(A;;GA;;;SY)". */
static const unsigned char systemOnly[48] = {
	0x01, 0x00, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0,
	0x02, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0, 0, 0, 0, 0, 0x05, 0x12, 0, 0, 0,
};

/* child forks a child that optionally shuts its parent out (after the
 * parent took its pidfd) or probes its parent, then waits for go to close. */
static void child(int shut_out, int probe_parent)
{
	int step[2], ready[2];
	if (pipe(step) || pipe(ready))
		_exit(4);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(step[1]);
		close(ready[0]);
		read(step[0], &c, 1); /* the parent has its pidfd */
		if (shut_out) {
			int self = (int)pidfd_open_(getpid());
			if (set_sd(self, "", 0x04, systemOnly, sizeof systemOnly, AT_EMPTY) != 0)
				out("child: set_sd -1 %s", ename(errno));
		}
		if (probe_parent) {
			int pfd = (int)pidfd_open_(parent);
			probe_target("child->parent", parent, pfd, (unsigned long)secret, "child-wrote-it");
		}
		write(ready[1], "r", 1);
		read(step[0], &c, 1); /* until the parent closes step */
		_exit(0);
	}
	close(step[0]);
	close(ready[1]);
	int pidfd = (int)pidfd_open_(pid);
	char c;
	write(step[1], "s", 1);
	read(ready[0], &c, 1);
	if (!probe_parent) {
		probe_target(shut_out ? "parent->child(SD)" : "parent->child", pid, pidfd, (unsigned long)secret, "parent-wrote!!");
		if (shut_out)
			out("after-sd-change pidfd_open=%s", opened(pidfd_open_(pid)));
	}
	close(step[1]);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	child(0, 0);
	child(1, 0);
	child(0, 1);
	out("parent secret %s", secret);
	return 0;
}
