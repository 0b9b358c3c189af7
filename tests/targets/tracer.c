/* tracer: holds another process traced, as a debugger would, so tests can
 * check that leaktop refuses to inject into it.
 *
 * Usage: tracer PID [MAX_SECONDS]
 *
 * PTRACE_SEIZEs PID (without stopping it), prints "tracing PID" and sleeps;
 * on SIGTERM, SIGINT, SIGHUP or after MAX_SECONDS (default 600) it exits,
 * which detaches.  Exits 1 when the seize fails.
 */
#include "target.h"

#include <sys/ptrace.h>

int main(int argc, char **argv)
{
	long pid = target_arg_long(argc, argv, 1, 0);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);

	if (pid <= 0 || max_seconds == 0)
		return target_usage("tracer PID [MAX_SECONDS]");
	target_stop_on_signals(max_seconds, NULL);
	if (ptrace(PTRACE_SEIZE, (pid_t)pid, 0, 0)) {
		perror("tracer: PTRACE_SEIZE");
		return 1;
	}
	target_say("tracing %ld\n", pid);
	for (;;)
		pause();
}
