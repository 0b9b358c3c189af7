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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4

static int watch_fd = -1;
static volatile double sink;

static void on_stop(int sig)
{
	(void)sig;
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

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

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
		sleep_ms(50);
	}
	return NULL;
}

/* Signals go to the main thread only, so the handler runs there. */
static int spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t, &attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

int main(int argc, char **argv)
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 200;
	unsigned max_seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 600;
	long max_threads = argc > 3 ? atol(argv[3]) : 1000;
	long started = 0, elapsed_ms = 0;
	int fds[2];

	if (interval_ms <= 0 || max_seconds == 0 || max_threads < 0) {
		fprintf(stderr, "usage: thread_grower [INTERVAL_MS [MAX_SECONDS [MAX_THREADS]]]\n");
		return 2;
	}
	install_stop(max_seconds);
	if (pipe(fds) != 0) {
		perror("thread_grower: pipe");
		return 1;
	}
	watch_fd = fds[0];
	for (long i = 0; i < WORKERS; i++)
		if (spawn(worker_loop, (void *)i) != 0) {
			fprintf(stderr, "thread_grower: cannot start workers\n");
			return 1;
		}
	printf("started %d\n", (int)getpid());
	fflush(stdout);
	for (;;) {
		sleep_ms(interval_ms);
		elapsed_ms += interval_ms;
		if (started < max_threads && spawn(watcher_main, NULL) == 0)
			started++;
		if (elapsed_ms % 1000 < interval_ms) {
			printf("threads %ld\n", started);
			fflush(stdout);
		}
	}
}
