/* churn: a malloc-churn loop for make bench.
 *
 * Keeps a working set of 4096 live blocks of random sizes (16 B to 16 KiB,
 * log-uniform) and replaces one at random per operation, so it allocates
 * and frees at full speed without growing.  Every PERIOD_MS (argv[1],
 * default 500) it prints "ops N" with the operations done in that period;
 * it exits after argv[2] seconds (default 600) or on SIGTERM.
 * Nothing here leaks: a leak finder must not flag it.
 *
 * With argv[3] = MIB (the reachability bench), it first allocates a
 * ballast of MIB MiB of 64-byte blocks, each pointing to the one before
 * (a list from a global: reachable), so that a scan takes a while, and
 * then prints "ops N WALL_NS" (the period's end, CLOCK_REALTIME ns). */
#include <stdint.h>

#include "target.h"

#define SLOTS 4096

static volatile sig_atomic_t done;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	double period = target_arg_double(argc, argv, 1, 500) / 1000.0;
	double limit = target_arg_double(argc, argv, 2, 600);
	size_t ballast = (size_t)target_arg_double(argc, argv, 3, 0) << 20;
	static void *slot[SLOTS];
	static void *volatile ballast_head;
	double start, mark;
	unsigned long ops = 0;

	for (size_t b = 0; b < ballast; b += 64) {
		void **p = malloc(64);

		if (!p)
			return 1;
		p[0] = ballast_head;
		ballast_head = p;
	}
	start = mark = target_now();

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!done) {
		for (int i = 0; i < 1024; i++) {
			size_t k = next() % SLOTS;
			size_t size = (size_t)16 << (next() % 11);

			size += next() % size;
			free(slot[k]);
			slot[k] = malloc(size);
			if (slot[k])
				((char *)slot[k])[0] = 1;
		}
		ops += 1024;
		double t = target_now();
		if (t - mark >= period) {
			struct timespec w;

			clock_gettime(CLOCK_REALTIME, &w);
			if (ballast)
				printf("ops %lu %lld\n", (unsigned long)(ops / (t - mark)),
				       (long long)w.tv_sec * 1000000000LL + w.tv_nsec);
			else
				printf("ops %lu\n", (unsigned long)(ops / (t - mark)));
			ops = 0;
			mark = t;
		}
		if (t - start > limit)
			break;
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	return 0;
}
