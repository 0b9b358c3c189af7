/* reach_fill: a heap of many small live blocks, for the reachability
 * scan's bench (tests/bench/reach_bench.c).
 *
 * Usage: reach_fill MIB [THREADS] [MAX_SECONDS]
 *
 * THREADS threads (default 2, so there are arena heaps besides [heap])
 * each allocate their share of MIB MiB in blocks of 16 to 512 bytes, each
 * block pointing to the one before it (a list from a global per thread,
 * so marking follows about a million links), and drop one block in 1000
 * (kept out of the list: unreachable).  Prints "started PID", then
 * "ready BLOCKS BYTES" when every thread is done, and idles until killed
 * (exit 0 on SIGTERM, SIGINT, SIGHUP, or after MAX_SECONDS, default 600).
 */
#include "target.h"

#include <stdint.h>

#define MAX_THREADS 16

static size_t share;
static void *volatile heads[MAX_THREADS];
static volatile size_t counts[MAX_THREADS];
static volatile size_t bytes[MAX_THREADS];
static volatile int done;

static void *filler(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t x = 88172645463325252ull + (uint64_t)id;
	void **prev = NULL;
	size_t total = 0, n = 0;

	while (total < share) {
		size_t sz;
		void **b;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sz = 16 + (size_t)(x % 497);
		b = malloc(sz);
		if (!b)
			abort();
		memset(b, 0, sz);
		total += sz;
		n++;
		if (x % 1000 == 0)
			continue; /* dropped */
		b[0] = prev;
		prev = b;
	}
	heads[id] = prev;
	counts[id] = n;
	bytes[id] = total;
	__sync_fetch_and_add(&done, 1);
	for (;;)
		target_sleep_ms(1000);
	return NULL;
}

int main(int argc, char **argv)
{
	long mib = target_arg_long(argc, argv, 1, 0);
	long nthreads = target_arg_long(argc, argv, 2, 2);
	unsigned max_seconds = target_arg_seconds(argc, argv, 3, 600);
	size_t n = 0, b = 0;

	if (mib <= 0 || nthreads < 1 || nthreads > MAX_THREADS || max_seconds == 0)
		return target_usage("reach_fill MIB [THREADS] [MAX_SECONDS]");
	target_stop_on_signals(max_seconds, NULL);
	target_say_started();
	share = (size_t)mib * 1048576 / (size_t)nthreads;
	for (long i = 0; i < nthreads; i++)
		if (target_spawn(filler, (void *)(intptr_t)i) != 0)
			return 1;
	while (done < nthreads)
		target_sleep_ms(10);
	for (long i = 0; i < nthreads; i++) {
		n += counts[i];
		b += bytes[i];
	}
	target_say("ready %zu %zu\n", n, b);
	for (;;)
		target_sleep_ms(1000);
}
