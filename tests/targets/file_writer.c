/* file_writer: a process whose memory "grows" only as page cache.
 *
 * Usage: file_writer DIR [MIB_PER_SEC [MAX_SECONDS [MAX_FILE_MIB]]]
 *
 * Grows: append_log() appends MIB_PER_SEC (default 8) MiB a second to
 * DIR/file_writer.log with write(), in 256 KiB chunks from one reused
 * buffer, and never fsyncs.  The dirty and cached pages are charged to the
 * process's memory cgroup as file cache, so cgroup usage and file cache
 * rise while the process's own anonymous memory stays flat.  Writing stops
 * (and everything stays flat) once the file reaches MAX_FILE_MIB (default
 * 1024), so a forgotten run cannot fill the disk.
 *
 * Must NOT be flagged: anonymous memory (RssAnon, cgroup anon) as a heap
 * leak; threads and descriptors stay flat.  This is seed story 3: "memory
 * growth is file cache, anonymous memory is flat: not a heap leak".
 *
 * The file is removed at exit.  Prints "started PID", then "written BYTES"
 * once a second.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and by itself after
 * MAX_SECONDS (default 600).
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)
#define STEPS_PER_SEC 10

static char path[PATH_MAX];
static char chunk[CHUNK];

static void on_stop(int sig)
{
	(void)sig;
	unlink(path);
	_exit(0);
}

static void install_stop(unsigned max_seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm(max_seconds);
}

static void sleep_until(struct timespec *next, long step_ns)
{
	next->tv_nsec += step_ns;
	while (next->tv_nsec >= 1000000000L) {
		next->tv_nsec -= 1000000000L;
		next->tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) != 0)
		;
}

__attribute__((noinline)) static long append_log(int fd, long bytes)
{
	long done = 0;

	while (done < bytes) {
		long n = bytes - done < CHUNK ? bytes - done : CHUNK;
		ssize_t w = write(fd, chunk, (size_t)n);

		if (w <= 0)
			break;
		done += w;
	}
	return done;
}

int main(int argc, char **argv)
{
	double rate = argc > 2 ? atof(argv[2]) : 8;
	unsigned max_seconds = argc > 3 ? (unsigned)atoi(argv[3]) : 600;
	double max_mib = argc > 4 ? atof(argv[4]) : 1024;
	long long written = 0, limit;
	double owed = 0;
	struct timespec next;
	int fd;

	if (argc < 2 || rate < 0 || rate > 1024 || max_seconds == 0 || max_mib < 0) {
		fprintf(stderr, "usage: file_writer DIR [MIB_PER_SEC [MAX_SECONDS [MAX_FILE_MIB]]]\n");
		return 2;
	}
	limit = (long long)(max_mib * 1024 * 1024);
	if (snprintf(path, sizeof(path), "%s/file_writer.log", argv[1]) >= (int)sizeof(path)) {
		fprintf(stderr, "file_writer: directory name too long\n");
		return 2;
	}
	/* Before the file is created, so a signal never leaves it behind. */
	install_stop(max_seconds);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror("file_writer: open");
		return 1;
	}
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	printf("started %d\n", (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (unsigned long step = 1;; step++) {
		owed = written < limit ? owed + rate * 1024 * 1024 / STEPS_PER_SEC : 0;
		if (owed >= 1) {
			long want = (long)owed;

			if (want > limit - written)
				want = (long)(limit - written);
			written += append_log(fd, want);
			owed -= want;
		}
		if (step % STEPS_PER_SEC == 0) {
			printf("written %lld\n", written);
			fflush(stdout);
		}
		sleep_until(&next, 1000000000L / STEPS_PER_SEC);
	}
}
