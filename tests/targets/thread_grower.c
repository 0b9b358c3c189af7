/* thread_grower: a process that leaks blocked threads.
 *
 * Usage: thread_grower [INTERVAL_MS [MAX_SECONDS [MAX_THREADS]]]
 *
 * Leaks: every INTERVAL_MS (default 200, i.e. 5 threads a second) it starts
 * a detached thread that blocks forever in read() on a pipe nobody writes
 * to, in the function zk_watch_loop() (think of a ZooKeeper watcher started
 * per request and never stopped).  At most MAX_THREADS (default 1000) are
 * started; after that the count stays flat.  Their stacks are 64 KiB, so
 * memory grows only a little with them.
 *
 * Must NOT be flagged: a steady pool of 4 workers (worker_loop) that wake
 * every 50 ms to do a little arithmetic; descriptors stay flat (one pipe,
 * opened at start).
 *
 * Prints "started PID", then "threads N" (leaked watchers so far) once a
 * second.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and by itself after
 * MAX_SECONDS (default 600).
 */
#include "target.h"

#define WORKERS 4

static int watch_fd = -1;
static volatile double sink;

__attribute__((noinline)) static void zk_watch_loop(int fd)
{
	char buf[64];

	/* Nobody writes to the pipe, so this blocks forever. */
	while (read(fd, buf, sizeof(buf)) != 0)
		;
}

static void *watcher_main(void *arg)
{
	(void)arg;
	zk_watch_loop(watch_fd);
	return NULL;
}

static void *worker_loop(void *arg)
{
	double x = (double)(long)arg;

	for (;;) {
		for (int i = 0; i < 1000; i++)
			x = x * 1.0000001 + 1;
		sink = x;
		target_sleep_ms(50);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long interval_ms = target_arg_long(argc, argv, 1, 200);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	long max_threads = target_arg_long(argc, argv, 3, 1000);
	long started = 0, elapsed_ms = 0;
	int fds[2];

	if (interval_ms <= 0 || max_seconds == 0 || max_threads < 0)
		return target_usage("thread_grower [INTERVAL_MS [MAX_SECONDS [MAX_THREADS]]]");
	target_stop_on_signals(max_seconds, NULL);
	if (pipe(fds) != 0) {
		perror("thread_grower: pipe");
		return 1;
	}
	watch_fd = fds[0];
	for (long i = 0; i < WORKERS; i++)
		if (target_spawn(worker_loop, (void *)i) != 0) {
			fprintf(stderr, "thread_grower: cannot start workers\n");
			return 1;
		}
	target_say_started();
	for (;;) {
		target_sleep_ms(interval_ms);
		elapsed_ms += interval_ms;
		if (started < max_threads && target_spawn(watcher_main, NULL) == 0)
			started++;
		if (elapsed_ms % 1000 < interval_ms)
			target_say("threads %ld\n", started);
	}
}
