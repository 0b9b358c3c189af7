/* alloc_storm: many threads allocating at full speed, checking their data.
 *
 * Usage: alloc_storm [THREADS [MAX_SECONDS]]
 *
 * THREADS (default 4) threads each keep 256 live blocks of 1 B..64 KiB and
 * replace them at random with malloc, calloc, realloc, posix_memalign and
 * aligned_alloc.  Every block carries a pattern derived from its address
 * and size, checked before it is freed or grown: a hook that corrupts or
 * loses memory aborts the process (exit by SIGABRT), a correct one leaves
 * it running.  Prints "ops N" (operations in the last second, all
 * threads) once a second.  Nothing leaks.  Exits 0 on SIGTERM, SIGINT or
 * SIGHUP, and after MAX_SECONDS (default 600).
 */
#include "target.h"

#include <stdint.h>

#define SLOTS 256

struct block {
	unsigned char *p;
	size_t n;
};

static volatile unsigned long ops[64];

static unsigned char pattern(const void *p, size_t n, size_t i)
{
	return (unsigned char)(((uintptr_t)p >> 4) ^ n ^ (i * 131));
}

static void fill(struct block *b)
{
	for (size_t i = 0; i < b->n; i += 61)
		b->p[i] = pattern(b->p, b->n, i);
}

static void check(const struct block *b)
{
	for (size_t i = 0; i < b->n; i += 61)
		if (b->p[i] != pattern(b->p, b->n, i)) {
			fprintf(stderr, "alloc_storm: block %p corrupted\n", (void *)b->p);
			abort();
		}
}

static void *worker(void *arg)
{
	size_t id = (size_t)arg;
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (id + 1);
	struct block slot[SLOTS] = {{0}};

	for (;;) {
		size_t k, n;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		k = rng % SLOTS;
		n = 1 + (rng >> 20) % (1u << ((rng >> 40) % 17));
		if (slot[k].p)
			check(&slot[k]);
		switch ((rng >> 50) % 5) {
		case 0: {
			void *q = realloc(slot[k].p, n);

			if (!q)
				continue;
			/* realloc keeps the old bytes: refill for the new size */
			slot[k].p = q;
			break;
		}
		case 1:
			free(slot[k].p);
			slot[k].p = calloc(1, n);
			break;
		case 2:
			free(slot[k].p);
			slot[k].p = NULL;
			if (posix_memalign((void **)&slot[k].p, 64, n))
				slot[k].p = NULL;
			break;
		case 3:
			free(slot[k].p);
			slot[k].p = aligned_alloc(32, (n + 31) & ~(size_t)31);
			break;
		default:
			free(slot[k].p);
			slot[k].p = malloc(n);
			break;
		}
		slot[k].n = slot[k].p ? n : 0;
		if (slot[k].p)
			fill(&slot[k]);
		ops[id % 64]++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = target_arg_long(argc, argv, 1, 4);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	unsigned long last = 0;

	if (threads < 1 || threads > 64 || max_seconds == 0)
		return target_usage("alloc_storm [THREADS [MAX_SECONDS]]");
	target_stop_on_signals(max_seconds, NULL);
	target_say_started();
	for (long i = 0; i < threads; i++)
		if (target_spawn(worker, (void *)(size_t)i))
			return 1;
	for (;;) {
		unsigned long sum = 0;

		target_sleep_ms(1000);
		for (int i = 0; i < 64; i++)
			sum += ops[i];
		target_say("ops %lu\n", sum - last);
		last = sum;
	}
}
