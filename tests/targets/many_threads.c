/* many_threads: a process with a great many idle threads.
 *
 * Usage: many_threads [THREADS [MAX_SECONDS]]
 *
 * Starts THREADS threads (default 2000) with 64 KiB stacks; each parks for
 * good in many_threads_park(), blocked in pause() (every signal is blocked
 * in them, so nothing wakes them).  Nothing grows after start: one group of
 * THREADS threads "sleeping in pause - many_threads_park", steady.  It is
 * the load for sampling cost: a thread sampler must get through it within
 * its time budget per sample (rotating over samples and counting the rest
 * as skipped) without stalling the target's main thread.
 *
 * The main thread ticks every 10 ms and prints "started PID" once all
 * threads are parked, then "ticks N" once a second (ticks done in the last
 * second, 100 when nothing delays it).  Exits 0 on SIGTERM, SIGINT or
 * SIGHUP, and by itself after MAX_SECONDS (default 600).
 */
#include "target.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long parked;

__attribute__((noinline)) static void many_threads_park(void)
{
	pthread_mutex_lock(&lock);
	parked++;
	pthread_mutex_unlock(&lock);
	for (;;)
		pause();
}

static void *parker(void *arg)
{
	(void)arg;
	many_threads_park();
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = target_arg_long(argc, argv, 1, 2000);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	struct target_pace pace;
	long ticks = 0;
	double mark;

	if (threads < 0 || threads > 100000 || max_seconds == 0)
		return target_usage("many_threads [THREADS [MAX_SECONDS]]");
	target_stop_on_signals(max_seconds, NULL);
	for (long i = 0; i < threads; i++)
		if (target_spawn(parker, NULL) != 0) {
			fprintf(stderr, "many_threads: cannot start thread %ld\n", i);
			return 1;
		}
	for (;;) {
		pthread_mutex_lock(&lock);
		long n = parked;
		pthread_mutex_unlock(&lock);
		if (n == threads)
			break;
		target_sleep_ms(1);
	}
	target_say_started();
	target_pace_start(&pace, 100);
	mark = target_now();
	for (;;) {
		target_pace_wait(&pace);
		ticks++;
		if (target_now() - mark >= 1.0) {
			mark += 1.0;
			target_say("ticks %ld\n", ticks);
			ticks = 0;
		}
	}
}
