/* heap_sites: a known leak among allocation noise, for heap call-site tests.
 *
 * Usage: heap_sites [KIB_PER_SEC [LEAK_SECONDS [MAX_SECONDS]]]
 *
 * Leaks: leak_request_buffer() mallocs 4000-byte blocks (KIB_PER_SEC KiB a
 * second, default 512, in 20 steps a second) and keeps them for ever, for
 * LEAK_SECONDS (default 600) seconds; after that it leaks nothing more.
 * Prints "leaked BYTES" (the exact sum of the sizes passed to malloc by
 * leak_request_buffer so far) after every step that leaked, and "done
 * BYTES" once when it stops leaking.
 *
 * Must NOT rank as growing:
 *   - handle_temporary() mallocs 1..64 KiB and frees it in the same step;
 *   - fill_cache() fills a bounded cache of 2 MiB in the first 2 seconds
 *     and after that replaces entries in place (free + malloc of the same
 *     size), so its live bytes stay flat;
 *   - churn_strings() reallocs a buffer up and down.
 * Exits 0 on SIGTERM, SIGINT or SIGHUP, and after MAX_SECONDS (default 600).
 */
#include "target.h"

#include <sys/mman.h>

#define STEPS 20
#define BLOCK 4000
#define CACHE_SLOTS 512
#define CACHE_ENTRY 4096

static void **leaked;
static size_t nleaked, capleaked;
static void *cache[CACHE_SLOTS];
static volatile unsigned char sink;

static void **mmap_list(size_t n)
{
	void *p = mmap(NULL, n * sizeof(void *), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

__attribute__((noinline)) static void leak_request_buffer(void)
{
	char *p = malloc(BLOCK);

	if (!p)
		return;
	memset(p, 0x5a, BLOCK);
	if (nleaked == capleaked) {
		/* The list lives in mmap'd memory so that it is not a heap
		 * site of its own. */
		size_t cap = capleaked ? capleaked * 2 : 4096;
		void **n = mmap_list(cap);

		if (leaked)
			memcpy(n, leaked, nleaked * sizeof(void *));
		leaked = n;
		capleaked = cap;
	}
	leaked[nleaked++] = p;
}

__attribute__((noinline)) static void handle_temporary(unsigned long step)
{
	size_t n = 1024 + (step * 7919) % (63 * 1024);
	unsigned char *p = malloc(n);

	if (!p)
		return;
	memset(p, 1, n);
	sink = p[n / 2];
	free(p);
}

__attribute__((noinline)) static void fill_cache(unsigned long step, int filling)
{
	size_t k = (step * 31) % CACHE_SLOTS;

	if (filling) {
		for (size_t i = 0; i < CACHE_SLOTS / (2 * STEPS) + 1; i++) {
			size_t j = (step * (CACHE_SLOTS / (2 * STEPS) + 1) + i) % CACHE_SLOTS;

			if (!cache[j])
				cache[j] = malloc(CACHE_ENTRY);
		}
		return;
	}
	free(cache[k]);
	cache[k] = malloc(CACHE_ENTRY);
}

__attribute__((noinline)) static void churn_strings(unsigned long step)
{
	char *s = malloc(16);

	for (size_t n = 32; s && n < 8192; n *= 2) {
		char *t = realloc(s, n + step % 13);

		if (!t)
			break;
		s = t;
	}
	free(s);
}

int main(int argc, char **argv)
{
	double kib = target_arg_double(argc, argv, 1, 512);
	double leak_secs = target_arg_double(argc, argv, 2, 600);
	unsigned max_seconds = target_arg_seconds(argc, argv, 3, 600);
	double per_step, owed = 0, start;
	unsigned long long total = 0;
	struct target_pace pace;
	int leaking = 1;

	if (kib < 0 || kib > 65536 || leak_secs < 0 || max_seconds == 0)
		return target_usage("heap_sites [KIB_PER_SEC [LEAK_SECONDS [MAX_SECONDS]]]");
	target_stop_on_signals(max_seconds, NULL);
	per_step = kib * 1024 / STEPS;
	target_say_started();
	start = target_now();
	target_pace_start(&pace, STEPS);
	for (unsigned long step = 1;; step++) {
		int leaked_now = 0;

		if (leaking && target_now() - start >= leak_secs) {
			leaking = 0;
			target_say("done %llu\n", total);
		}
		for (owed += leaking ? per_step : 0; owed >= BLOCK; owed -= BLOCK) {
			leak_request_buffer();
			total += BLOCK;
			leaked_now = 1;
		}
		handle_temporary(step);
		fill_cache(step, target_now() - start < 2);
		churn_strings(step);
		if (leaked_now)
			target_say("leaked %llu\n", total);
		target_pace_wait(&pace);
	}
}
