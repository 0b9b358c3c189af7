/* zombie_parent: keeps a zombie child around for "target unusable" tests.
 *
 * Usage: zombie_parent [MAX_SECONDS]
 *
 * Forks a child that exits at once and never reaps it, so the child stays a
 * zombie (state Z) while the parent lives.  Prints "zombie PID" once the
 * child has exited (waitid with WNOWAIT, which waits without reaping), so a
 * test can use the pid as soon as it reads the line.
 *
 * Leaks nothing else; it only sleeps.  Reaps the child and exits 0 on
 * SIGTERM, SIGINT or SIGHUP, and by itself after MAX_SECONDS (default 600),
 * so no zombie outlives it.
 */
#include <sys/wait.h>

#include "target.h"

static volatile pid_t child = -1;

/* Runs in the stop signal handler. */
static void reap_child(void)
{
	if (child > 0)
		waitpid(child, NULL, 0);
}

int main(int argc, char **argv)
{
	unsigned max_seconds = target_arg_seconds(argc, argv, 1, 600);
	siginfo_t si;
	pid_t pid;

	if (max_seconds == 0)
		return target_usage("zombie_parent [MAX_SECONDS]");
	target_stop_on_signals(max_seconds, reap_child);
	pid = fork();
	if (pid < 0) {
		perror("zombie_parent: fork");
		return 1;
	}
	if (pid == 0)
		_exit(0);
	child = pid;
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0)
		;
	target_say("zombie %d\n", (int)pid);
	for (;;)
		pause();
}
