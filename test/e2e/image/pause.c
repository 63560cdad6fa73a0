// pause is the pod sandbox's process: it waits for SIGTERM or SIGINT and
// exits 0, as Kubernetes' pause image does. Built static for an image that
// holds nothing else.
#include <signal.h>
#include <unistd.h>

static void stop(int sig) {
	(void)sig;
	_exit(0);
}

int main(void) {
	signal(SIGTERM, stop);
	signal(SIGINT, stop);
	for (;;)
		pause();
}
