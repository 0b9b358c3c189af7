/* churn: a malloc-churn loop for make bench.
 *
 * Usage: churn [PERIOD_MS [SECONDS [THREADS [FRAMES [MAX_SIZE [BALLAST_MIB]]]]]]
 *
 * Each of THREADS threads (default 1) keeps a working set of 4096 live
 * blocks of random sizes (log-uniform from 16 B to MAX_SIZE, default
 * 32 KiB) and replaces one at random per operation, so it allocates and
 * frees at full speed without growing.  Each malloc and free is made
 * FRAMES (default 0) calls deep, through distinct functions, so that
 * unwinding has real frames to walk.  Every PERIOD_MS (default 500) it
 * prints "ops N START_NS END_NS CPU_NS": the operations per second of all
 * threads in that period, its bounds on CLOCK_REALTIME (a bench keeps only
 * periods wholly inside a recording) and the CPU time the workers spent in
 * it (ns per operation is then a cost that another process's load on the
 * machine hardly changes).  It exits after SECONDS (default 600) or on
 * SIGTERM.  Nothing here leaks: a leak finder must not flag it.
 *
 * With BALLAST_MIB (the reachability bench) it first allocates that many
 * MiB of 64-byte blocks, each pointing to the one before (a list from a
 * global: reachable), so that a scan takes a while.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "target.h"

#define SLOTS 4096
#define MAX_THREADS 16

static volatile sig_atomic_t done;
static atomic_ulong ops;
static atomic_ullong cpu_ns;      /* the workers' CPU time, summed */
static int frames;
static size_t max_size;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

static uint64_t next(uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return *rng;
}

static volatile unsigned long sink;
static void *volatile ballast_head;

/* One replacement, `depth` calls below the loop: three functions that
 * call each other in turn so every level has its own return address. */
static void *level_a(int depth, void *old, size_t size);
static __attribute__((noinline)) void *level_b(int depth, void *old, size_t size)
{
	void *p = level_a(depth, old, size);

	sink++;
	return p;
}

static __attribute__((noinline)) void *level_c(int depth, void *old, size_t size)
{
	void *p = level_a(depth, old, size);

	sink++;
	return p;
}

static __attribute__((noinline)) void *level_a(int depth, void *old, size_t size)
{
	void *p;

	if (depth <= 0) {
		free(old);
		p = malloc(size);
	} else {
		p = depth % 2 ? level_b(depth - 1, old, size) : level_c(depth - 1, old, size);
	}
	sink++;
	return p;
}

static void *worker(void *arg)
{
	uint64_t rng = 88172645463325252ull ^ (uint64_t)(uintptr_t)arg;
	static __thread void *slot[SLOTS];
	int shift = 0;

	struct timespec c0, c1;

	while (((size_t)16 << (shift + 1)) <= max_size)
		shift++;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	while (!done) {
		for (int i = 0; i < 1024; i++) {
			size_t k = next(&rng) % SLOTS;
			size_t size = (size_t)16 << (next(&rng) % (unsigned)(shift + 1));

			size += next(&rng) % size;
			if (size > max_size)
				size = max_size;
			slot[k] = level_a(frames, slot[k], size);
			if (slot[k])
				((char *)slot[k])[0] = 1;
		}
		atomic_fetch_add(&ops, 1024);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		atomic_fetch_add(&cpu_ns, (unsigned long long)((c1.tv_sec - c0.tv_sec) * 1000000000LL +
							     (c1.tv_nsec - c0.tv_nsec)));
		c0 = c1;
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	return NULL;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	double period = target_arg_double(argc, argv, 1, 500) / 1000.0;
	double limit = target_arg_double(argc, argv, 2, 600);
	long threads = target_arg_long(argc, argv, 3, 1);
	pthread_t t[MAX_THREADS];
	double start, mark;
	int64_t wmark;
	size_t ballast;

	frames = (int)target_arg_long(argc, argv, 4, 0);
	max_size = (size_t)target_arg_long(argc, argv, 5, 32768);
	ballast = (size_t)target_arg_long(argc, argv, 6, 0);
	if (period <= 0 || limit <= 0 || threads < 1 || threads > MAX_THREADS ||
	    frames < 0 || frames > 64 || max_size < 16 || ballast > 65536)
		return target_usage("churn [PERIOD_MS [SECONDS [THREADS [FRAMES [MAX_SIZE [BALLAST_MIB]]]]]]");
	for (size_t b = 0; b < ballast << 20; b += 64) {
		void **p = malloc(64);

		if (!p)
			return 1;
		p[0] = ballast_head;
		ballast_head = p;
	}
	start = mark = target_now();
	wmark = wall_ns();
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	while (!done) {
		struct timespec ts = {0, 5000000};
		double now;

		nanosleep(&ts, NULL);
		now = target_now();
		if (now - mark >= period) {
			int64_t w = wall_ns();
			unsigned long n = atomic_exchange(&ops, 0);
			unsigned long long c = atomic_exchange(&cpu_ns, 0);

			printf("ops %lu %lld %lld %llu\n", (unsigned long)(n / (now - mark)),
			       (long long)wmark, (long long)w, c);
			mark = now;
			wmark = w;
		}
		if (now - start > limit)
			done = 1;
	}
	for (long i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
