/* leaktop demo: start the bundled leaking service and explore it live.
 *
 * The demo program (bin/leaktop-demo, built from
 * tests/targets/demo_service.c) sits next to the leaktop binary.  It is
 * our own child, started for this command and stopped when it ends,
 * whatever the view's end. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lt_cmd.h"
#include "lt_err.h"
#include "lt_ui.h"

static const char usage[] =
	"usage: leaktop demo [LIVE OPTIONS]\n"
	"\n"
	"Start the bundled leaking demo service (leaktop-demo, next to the\n"
	"leaktop binary) and open the live view on it, as `leaktop PID` does.\n"
	"The demo leaks memory in a cache that never evicts, starts a watcher\n"
	"thread every 2 s that never exits, and leaks sockets.  It is stopped\n"
	"when the view ends.  Options are those of `leaktop PID` (see\n"
	"leaktop --help); by default the session is kept in a new file in the\n"
	"current directory.\n";

/* Path of leaktop-demo next to our own executable. */
static int demo_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/leaktop-demo", self) >= len)
		return -1;
	return access(buf, X_OK);
}

static pid_t start_demo(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* The view's signal mask and handlers are not the demo's. */
		execl(path, path, "3600", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void stop_demo(pid_t pid)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int lt_cmd_demo(int argc, char **argv)
{
	char path[PATH_MAX + 32], pidbuf[16];
	struct timespec settle = {0, 300 * 1000 * 1000};
	char **av;
	pid_t pid;
	int status;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return LT_EXIT_OK;
		}
	if (demo_path(path, sizeof(path)) < 0)
		return lt_cmd_fail(LT_EXIT_ERROR,
				   "demo program not found: expected leaktop-demo next to leaktop (make builds bin/leaktop-demo)");
	pid = start_demo(path);
	if (pid < 0)
		return lt_cmd_fail(LT_EXIT_ERROR, "cannot start %s: %s", path, strerror(errno));
	/* Let it set up its threads and first allocations. */
	nanosleep(&settle, NULL);
	if (waitpid(pid, NULL, WNOHANG) == pid)
		return lt_cmd_fail(LT_EXIT_ERROR, "%s exited at once", path);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	av = lt_xcalloc((size_t)argc + 1, sizeof(char *));
	av[0] = pidbuf;
	for (int i = 1; i < argc; i++)
		av[i] = argv[i];
	status = lt_cmd_live(argc, av);
	free(av);
	stop_demo(pid);
	return status;
}
