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

#include "target.h"

#define CHUNK (256 * 1024)
#define STEPS_PER_SEC 10

static char path[PATH_MAX];
static char chunk[CHUNK];

/* Runs in the stop signal handler. */
static void remove_log(void)
{
	unlink(path);
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
	double rate = target_arg_double(argc, argv, 2, 8);
	unsigned max_seconds = target_arg_seconds(argc, argv, 3, 600);
	double max_mib = target_arg_double(argc, argv, 4, 1024);
	long long written = 0, limit;
	double owed = 0;
	struct target_pace pace;
	int fd;

	if (argc < 2 || rate < 0 || rate > 1024 || max_seconds == 0 || max_mib < 0)
		return target_usage("file_writer DIR [MIB_PER_SEC [MAX_SECONDS [MAX_FILE_MIB]]]");
	limit = (long long)(max_mib * 1024 * 1024);
	if (snprintf(path, sizeof(path), "%s/file_writer.log", argv[1]) >= (int)sizeof(path)) {
		fprintf(stderr, "file_writer: directory name too long\n");
		return 2;
	}
	/* Before the file is created, so a signal never leaves it behind. */
	target_stop_on_signals(max_seconds, remove_log);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror("file_writer: open");
		return 1;
	}
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	target_say_started();
	target_pace_start(&pace, STEPS_PER_SEC);
	for (unsigned long step = 1;; step++) {
		owed = written < limit ? owed + rate * 1024 * 1024 / STEPS_PER_SEC : 0;
		if (owed >= 1) {
			long want = (long)owed;

			if (want > limit - written)
				want = (long)(limit - written);
			written += append_log(fd, want);
			owed -= want;
		}
		if (step % STEPS_PER_SEC == 0)
			target_say("written %lld\n", written);
		target_pace_wait(&pace);
	}
}
