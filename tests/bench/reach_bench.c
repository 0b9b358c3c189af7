/* reach_bench: how long the reachability scan (lt_reach) takes per GiB of
 * live heap.  Not a test: it prints figures and asserts nothing.
 *
 * Usage: build/bench/reach_bench [MIB] [THREADS]   (from the repo root)
 *
 * Starts build/targets/reach_fill MIB THREADS (default 1024 MiB of blocks
 * of 16..512 bytes, 2 threads), waits until it is ready, then scans it
 * twice in each stop mode and prints, per scan: wall time, time per GiB of
 * heap walked, bytes read, blocks, the longest and the total pause of the
 * target's threads, and our own peak RSS at the end. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt_reach.h"

#define FILL "build/targets/reach_fill"

int main(int argc, char **argv)
{
	const char *mib = argc > 1 ? argv[1] : "1024";
	const char *threads = argc > 2 ? argv[2] : "2";
	static const struct { enum lt_reach_stop stop; const char *name; } modes[] = {
		{LT_REACH_STOP_ROOTS, "stop roots"},
		{LT_REACH_STOP_EACH, "stop each"},
		{LT_REACH_STOP_WORLD, "stop world"},
	};
	char line[256] = "";
	int fd[2];
	pid_t pid;
	FILE *f;
	struct rusage ru;

	if (pipe(fd) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		dup2(fd[1], 1);
		close(fd[0]);
		execl(FILL, FILL, mib, threads, "600", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	while (fgets(line, sizeof(line), f) && strncmp(line, "ready", 5) != 0)
		;
	if (strncmp(line, "ready", 5) != 0) {
		fprintf(stderr, "reach_bench: %s did not get ready (make %s)\n", FILL, FILL);
		return 1;
	}
	printf("target: %s MiB in %s threads: %s", mib, threads, line);
	for (size_t m = 0; m < sizeof(modes) / sizeof(*modes); m++) {
		for (int k = 0; k < 2; k++) {
			struct lt_reach_opts o = {0, modes[m].stop, 0, -1, NULL, 0};
			struct lt_reach_result r;
			lt_err err;
			double s, gib;

			if (lt_reach_scan(pid, NULL, 0, &o, &r, &err) != 0) {
				fprintf(stderr, "reach_bench: %s\n", err.msg);
				kill(pid, SIGKILL);
				return 1;
			}
			s = (double)(r.st.t_end_ns - r.st.t_start_ns) / 1e9;
			gib = (double)r.st.heap_bytes / (1u << 30);
			printf("%-10s scan %d: %s%s %.3f s, %.3f s/GiB of heap (%.2f GiB walked), "
			       "%.0f MiB read, %llu blocks (%llu reachable), %d arena heaps, "
			       "pause max %.1f ms total %.1f ms (%d threads)\n",
			       modes[m].name, k + 1, r.proof ? "" : "CANNOT PROVE: ",
			       r.proof ? "" : r.reason, s, gib > 0 ? s / gib : 0, gib,
			       (double)r.st.bytes_read / 1048576,
			       (unsigned long long)r.st.blocks,
			       (unsigned long long)r.st.blocks_reachable,
			       r.st.arena_heaps, (double)r.st.max_stop_ns / 1e6,
			       (double)r.st.total_stop_ns / 1e6, r.st.threads);
			lt_reach_result_free(&r);
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("reach_bench peak RSS: %ld MiB\n", ru.ru_maxrss / 1024);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
