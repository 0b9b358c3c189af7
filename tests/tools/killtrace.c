/* killtrace: SIGKILLs a tracer in the middle of its tracing of a target,
 * at a chosen point, for tests/integration/inject_kill.sh.
 *
 *   killtrace TRACER TARGET USEC [TIMEOUT_S [MIN_THREADS]]
 *
 * Polls /proc/TARGET/task/STAR/status in a tight loop (a shell loop takes
 * milliseconds per look, longer than a whole injection now) until a
 * thread of TARGET shows TRACER as its TracerPid, then keeps polling
 * until USEC microseconds have passed since and sends TRACER SIGKILL the
 * first time it sees the tracing after that (an injection may let go of
 * a thread that was not at a safe point and take another: the kill waits
 * for the next one).  Prints "landed US" (the kill came while TRACER
 * traced TARGET, US microseconds after the tracing was first seen) and
 * exits 0, or prints "missed WHY" and exits 1 (TRACER ended, or traced
 * nothing for 0.5 s once it had begun, or TIMEOUT_S, default 10,
 * passed).
 *
 * With MIN_THREADS, tracing counts only while at least that many threads
 * of TARGET are traced at once (a reachability scan holds every thread,
 * the thread sampler one at a time), by TRACER or any thread of it: /proc
 * shows the tracing thread's tid as TracerPid, and the scan runs in a
 * thread of its own.  Without it only TRACER itself counts: the injection
 * traces from leaktop's main thread, and the brief tracing of its other
 * threads (symbols, the agent's start) must not stretch what is timed. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Any thread of the tracer counts as the tracer (MIN_THREADS given). */
static int any_thread;

/* Whether tid is tracer, or one of its threads when any_thread. */
static int of_tracer(long tid, long tracer)
{
	char path[64];

	if (tid <= 0)
		return 0;
	if (tid == tracer)
		return 1;
	if (!any_thread)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld", tracer, tid);
	return access(path, F_OK) == 0;
}

/* Whether at least min threads of target have tracer (see of_tracer) as
 * their TracerPid. */
static int traced_by(const char *target, long tracer, int min)
{
	char path[512], buf[4096];
	struct dirent *d;
	DIR *dir;
	int hit = 0;

	snprintf(path, sizeof(path), "/proc/%s/task", target);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (hit < min && (d = readdir(dir))) {
		char *p;
		ssize_t n;
		int fd;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/status", target,
			 d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strstr(buf, "\nTracerPid:");
		if (p && of_tracer(strtol(p + 11, NULL, 10), tracer))
			hit++;
	}
	closedir(dir);
	return hit >= min;
}

int main(int argc, char **argv)
{
	long tracer, usec;
	int min;
	long long deadline, first = -1, last = -1;
	char alive[64];

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: killtrace TRACER TARGET USEC [TIMEOUT_S [MIN_THREADS]]\n");
		return 2;
	}
	any_thread = argc == 6;
	min = any_thread ? atoi(argv[5]) : 1;
	if (min < 1)
		min = 1;
	tracer = strtol(argv[1], NULL, 10);
	usec = strtol(argv[3], NULL, 10);
	deadline = now_us() + (argc >= 5 ? atol(argv[4]) : 10) * 1000000LL;
	snprintf(alive, sizeof(alive), "/proc/%ld", tracer);
	while (now_us() < deadline) {
		int t = traced_by(argv[2], tracer, min);
		long long now = now_us();

		if (t && first < 0)
			first = now;
		if (t)
			last = now;
		if (first >= 0 && now - last > 500000) {
			printf("missed tracing ended after %lld us\n", last - first);
			return 1;
		}
		if (t && now - first >= usec) {
			kill((pid_t)tracer, SIGKILL);
			printf("landed %lld\n", now - first);
			return 0;
		}
		if (access(alive, F_OK)) {
			printf("missed tracer gone\n");
			return 1;
		}
	}
	printf("missed timeout\n");
	return 1;
}
