/* soak_alloc: the target of `make soak` (tests/soak.sh) — four threads
 * allocating all the time, each checking every byte of its own blocks.
 *
 * Usage: soak_alloc [THREADS [MAX_SECONDS [CORRUPT_AFTER]]]
 *
 * THREADS (default 4) threads each keep 128 live blocks of 1 B..16 KiB and
 * replace one at a time with malloc, calloc, realloc, posix_memalign or
 * aligned_alloc, filled with a pattern of the block's own seed.  Before a
 * block is freed or grown every byte is compared with its pattern (after
 * realloc, the bytes it kept must still be there; calloc's must be zero
 * before they are filled).  A mismatch prints "corrupt: ..." on stderr and
 * exits with status 3 at once, so leaktop hooks that lose, move or
 * overwrite memory are caught as an exit, not as a later crash.  Each
 * thread pauses 1 ms every 256 operations: busy enough that an injection
 * always lands among mallocs, light enough for a shared machine.  Prints
 * "ops N" (operations in the last second, all threads) once a second.
 * Nothing leaks.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and after
 * MAX_SECONDS (default 3600).  CORRUPT_AFTER N (> 0) makes thread 0 flip a
 * byte of one of its blocks after N operations, as a broken hook would:
 * the soak's self-check that corruption is caught (exit 3).
 */
#include "target.h"

#include <stdint.h>

#define SLOTS 128

struct block {
	unsigned char *p;
	size_t n;
	uint32_t seed;
};

static volatile unsigned long ops[64];
static unsigned long corrupt_after;

static unsigned char pattern(uint32_t seed, size_t i)
{
	return (unsigned char)((seed >> (i % 24)) ^ (i * 131) ^ (i >> 8));
}

static void corrupt(const struct block *b, size_t i, const char *when)
{
	fprintf(stderr, "corrupt: block %p of %zu bytes, byte %zu %s\n",
		(void *)b->p, b->n, i, when);
	_exit(3);
}

/* Bytes [0, n) of b hold its pattern. */
static void verify(const struct block *b, size_t n, const char *when)
{
	for (size_t i = 0; i < n; i++)
		if (b->p[i] != pattern(b->seed, i))
			corrupt(b, i, when);
}

static void fill(struct block *b)
{
	for (size_t i = 0; i < b->n; i++)
		b->p[i] = pattern(b->seed, i);
}

static uint64_t next(uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return *rng;
}

static void *worker(void *arg)
{
	size_t id = (size_t)arg;
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (id + 1);
	struct block slot[SLOTS] = {{0}};

	for (unsigned long op = 1;; op++) {
		uint64_t r = next(&rng);
		struct block *b = &slot[r % SLOTS];
		size_t n = 1 + (r >> 20) % (1u << ((r >> 40) % 15));
		size_t keep = b->n < n ? b->n : n;
		void *q;

		if (b->p)
			verify(b, b->n, "before it was released");
		switch ((r >> 50) % 5) {
		case 0:
			q = realloc(b->p, n);
			if (!q)
				continue;
			b->p = q;
			b->n = n;
			verify(b, keep, "after realloc kept it");
			break;
		case 1:
			free(b->p);
			b->p = calloc(1, n);
			for (size_t i = 0; b->p && i < n; i++)
				if (b->p[i]) {
					b->n = n;
					corrupt(b, i, "of calloc not zero");
				}
			break;
		case 2:
			free(b->p);
			b->p = NULL;
			if (posix_memalign((void **)&b->p, 64, n) || ((uintptr_t)b->p & 63))
				b->p = NULL;
			break;
		case 3:
			free(b->p);
			b->p = aligned_alloc(32, (n + 31) & ~(size_t)31);
			break;
		default:
			free(b->p);
			b->p = malloc(n);
			break;
		}
		b->n = b->p ? n : 0;
		b->seed = (uint32_t)(r >> 7);
		if (b->p)
			fill(b);
		ops[id % 64]++;
		if (id == 0 && op == corrupt_after && b->n)
			b->p[b->n / 2] ^= 0x5a;
		if (op % 256 == 0)
			target_sleep_ms(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = target_arg_long(argc, argv, 1, 4);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 3600);
	unsigned long last = 0;
	long corrupt = target_arg_long(argc, argv, 3, 0);

	if (threads < 1 || threads > 64 || max_seconds == 0 || corrupt < 0)
		return target_usage("soak_alloc [THREADS [MAX_SECONDS [CORRUPT_AFTER]]]");
	corrupt_after = (unsigned long)corrupt;
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
