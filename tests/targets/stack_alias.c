/* stack_alias: call paths that a stack known without unwinding could
 * confuse, each with its exact count of allocations.
 *
 * Usage: stack_alias [SECONDS [SHORT_THREADS]]
 *
 * For SECONDS (default 3) it allocates 24-byte blocks through one leaf
 * function, leaf(), called from: alias_a and alias_b (two callers with
 * one frame layout, so leaf runs at the same stack pointer for both),
 * fp_a and fp_b (the same, keeping frame pointers), vla (a frame whose
 * size changes from call to call), rec (recursion 1 to 4 deep), on_usr1
 * (a signal handler, run by raise() on the same stack) and a second
 * thread (thread_fn).  The paths come in a pseudo-random order, so a
 * thread's next sample often comes from another path at the same call
 * site.  Then SHORT_THREADS (default 0) threads, one after another, each
 * allocate 200 times through short_fn, so that threads come and go.
 * Every block is freed at once.  Then it prints "count FUNCTION N"
 * for each caller of leaf and "done", and idles 1.5 s more (so that a
 * recorder gets the agent's last counts) before it exits 0.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "target.h"

#define PATHS 7
#define SHORT PATHS + 1   /* counts[] index of short_fn */

static volatile uintptr_t sink;
static atomic_long counts[PATHS + 2];
static const char *names[PATHS + 2] = {"alias_a", "alias_b", "fp_a", "fp_b", "vla",
				       "rec", "on_usr1", "thread_fn", "short_fn"};
static volatile sig_atomic_t stop;

static __attribute__((noinline)) void leaf(int path)
{
	void *p = malloc(24);

	sink += (uintptr_t)p;
	free(p);
	atomic_fetch_add_explicit(&counts[path], 1, memory_order_relaxed);
}

static __attribute__((noinline)) void alias_a(void)
{
	leaf(0);
	sink++;
}

static __attribute__((noinline)) void alias_b(void)
{
	leaf(1);
	sink++;
}

static __attribute__((noinline, optimize("no-omit-frame-pointer"))) void fp_a(void)
{
	leaf(2);
	sink++;
}

static __attribute__((noinline, optimize("no-omit-frame-pointer"))) void fp_b(void)
{
	leaf(3);
	sink++;
}

static __attribute__((noinline)) void vla(unsigned n)
{
	volatile char pad[16 + 16 * (n % 8)];

	pad[0] = 1;
	leaf(4);
	sink += pad[0];
}

static __attribute__((noinline)) void rec(unsigned depth)
{
	if (depth > 1)
		rec(depth - 1);
	else
		leaf(5);
	sink++;
}

static void on_usr1(int sig)
{
	(void)sig;
	leaf(6);
}

static void *thread_fn(void *arg)
{
	(void)arg;
	while (!stop) {
		leaf(7);
		sink++;
	}
	return NULL;
}

static void *short_fn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		leaf(SHORT);
		sink++;
	}
	return NULL;
}

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

int main(int argc, char **argv)
{
	double secs = target_arg_double(argc, argv, 1, 3);
	long shorts = target_arg_long(argc, argv, 2, 0);
	uint64_t rng = 0x243f6a8885a308d3ULL;
	struct timespec t0, t;
	pthread_t th;

	if (secs <= 0 || secs > 3600 || shorts < 0 || shorts > 100000)
		return target_usage("stack_alias [SECONDS [SHORT_THREADS]]");
	signal(SIGUSR1, on_usr1);
	if (pthread_create(&th, NULL, thread_fn, NULL))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 4096; i++) {
			uint64_t r = next(&rng);

			switch (r % PATHS) {
			case 0: alias_a(); break;
			case 1: alias_b(); break;
			case 2: fp_a(); break;
			case 3: fp_b(); break;
			case 4: vla((unsigned)(r >> 8)); break;
			case 5: rec(1 + (unsigned)(r >> 8) % 4); break;
			default: raise(SIGUSR1); break;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	stop = 1;
	pthread_join(th, NULL);
	for (long i = 0; i < shorts; i++) {
		if (pthread_create(&th, NULL, short_fn, NULL))
			return 1;
		pthread_join(th, NULL);
	}
	for (int i = 0; i <= SHORT; i++)
		printf("count %s %ld\n", names[i], atomic_load(&counts[i]));
	printf("done\n");
	fflush(stdout);
	target_sleep_ms(1500);
	return 0;
}
