/* worker_pool: a steady pool of workers fed through a condition variable.
 *
 * Usage: worker_pool [WORKERS [MAX_SECONDS [JOBS_PER_SEC]]]
 *
 * Must NOT be flagged: WORKERS threads (default 8) are started at once and
 * never more; each waits for work in pool_wait_job() (pthread_cond_wait, a
 * futex wait) and runs a job of a few microseconds of arithmetic in
 * pool_do_job().  The thread count, the group "sleeping in futex -
 * pool_wait_job" and memory stay flat: a thread sampler must classify the
 * group steady.  Nothing leaks.
 *
 * The main thread posts JOBS_PER_SEC jobs a second (default 200) at a fixed
 * rate; 0 posts as fast as the workers take them, which makes it a
 * throughput benchmark of thread hand-offs (what stopping threads slows
 * down first).
 *
 * Prints "started PID" once the workers wait, then "jobs N" (jobs done in
 * the last second) once a second.  Exits 0 on SIGTERM, SIGINT or SIGHUP,
 * and by itself after MAX_SECONDS (default 600).
 */
#include "target.h"

#define QUEUE_MAX 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t room = PTHREAD_COND_INITIALIZER;
static long queued, done, waiting;
static volatile double sink;

/* Returns with the lock held and one job taken. */
__attribute__((noinline)) static void pool_wait_job(void)
{
	pthread_mutex_lock(&lock);
	waiting++;
	while (queued == 0)
		pthread_cond_wait(&work, &lock);
	waiting--;
	queued--;
	pthread_cond_signal(&room);
}

__attribute__((noinline)) static void pool_do_job(long seed)
{
	double x = (double)seed;

	for (int i = 0; i < 2000; i++)
		x = x * 1.0000001 + 1;
	sink = x;
}

static void *pool_worker(void *arg)
{
	long id = (long)arg;

	for (;;) {
		pool_wait_job();
		pthread_mutex_unlock(&lock);
		pool_do_job(id);
		pthread_mutex_lock(&lock);
		done++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void post_job(void)
{
	pthread_mutex_lock(&lock);
	while (queued >= QUEUE_MAX)
		pthread_cond_wait(&room, &lock);
	queued++;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&lock);
}

static long take_done(void)
{
	long n;

	pthread_mutex_lock(&lock);
	n = done;
	done = 0;
	pthread_mutex_unlock(&lock);
	return n;
}

int main(int argc, char **argv)
{
	long workers = target_arg_long(argc, argv, 1, 8);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	long rate = target_arg_long(argc, argv, 3, 200);
	struct target_pace pace;
	double mark;

	if (workers <= 0 || workers > 10000 || max_seconds == 0 || rate < 0)
		return target_usage("worker_pool [WORKERS [MAX_SECONDS [JOBS_PER_SEC]]]");
	target_stop_on_signals(max_seconds, NULL);
	for (long i = 0; i < workers; i++)
		if (target_spawn(pool_worker, (void *)i) != 0) {
			fprintf(stderr, "worker_pool: cannot start workers\n");
			return 1;
		}
	for (;;) {
		pthread_mutex_lock(&lock);
		long w = waiting;
		pthread_mutex_unlock(&lock);
		if (w == workers)
			break;
		target_sleep_ms(1);
	}
	target_say_started();
	if (rate > 0)
		target_pace_start(&pace, rate);
	mark = target_now();
	for (;;) {
		if (rate > 0)
			target_pace_wait(&pace);
		post_job();
		if (target_now() - mark >= 1.0) {
			mark += 1.0;
			target_say("jobs %ld\n", take_done());
		}
	}
}
