/* growth_load: what the session file's growth is measured on (make bench).
 *
 * Usage: growth_load [SITES [GROUPS [MAX_SECONDS]]]
 *
 * SITES (default 200, at most 1000) allocation call stacks each keep 8
 * blocks of 1 to 32 KiB live and replace one of them 50 times a second,
 * so every site's sampled counters keep changing; GROUPS (default 50, at
 * most 200) threads sit in nanosleep at distinct stack depths, one thread
 * group each.  Nothing grows.  Prints "started PID" once every thread is
 * in place.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and after MAX_SECONDS
 * (default 600).
 */
#include "target.h"

#include <stdint.h>

#define KEEP 8

typedef void *(*step_fn)(int level, unsigned path, size_t size);
static step_fn steps[10];
static volatile unsigned long sink;

static __attribute__((noinline)) void *descend(int level, unsigned path, size_t size)
{
	void *p = steps[path % 10](level, path / 10, size);

	sink += (unsigned long)p & 1;
	return p;
}

#define STEP(k)                                                              \
	static __attribute__((noinline)) void *step##k(int level, unsigned path, size_t size) \
	{                                                                    \
		void *p = level > 1 ? descend(level - 1, path, size) : malloc(size); \
		sink += k;                                                   \
		return p;                                                    \
	}
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) STEP(8) STEP(9)

/* A thread parked `depth` frames down: its stack is its group. */
static volatile int parked_forever = 1;

static __attribute__((noinline)) void park(long depth)
{
	if (depth > 0) {
		park(depth - 1);
		sink++;
		return;
	}
	while (parked_forever)
		target_sleep_ms(1000);
}

static void *parked(void *arg)
{
	park((long)(intptr_t)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	long sites = target_arg_long(argc, argv, 1, 200);
	long groups = target_arg_long(argc, argv, 2, 50);
	unsigned max_s = target_arg_seconds(argc, argv, 3, 600);
	step_fn all[10] = {step0, step1, step2, step3, step4, step5, step6,
			   step7, step8, step9};
	static void *keep[1000][KEEP];
	struct target_pace pace;
	uint64_t rng = 88172645463325252ull;

	if (sites < 1 || sites > 1000 || groups < 0 || groups > 200 || !max_s)
		return target_usage("growth_load [SITES [GROUPS [MAX_SECONDS]]]");
	target_stop_on_signals(max_s, NULL);
	memcpy(steps, all, sizeof(all));
	for (long g = 0; g < groups; g++)
		if (target_spawn(parked, (void *)(intptr_t)g))
			return 1;
	target_say_started();
	target_pace_start(&pace, 50);
	for (;;) {
		for (long s = 0; s < sites; s++) {
			size_t k, size;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			k = rng % KEEP;
			size = 1024 + (size_t)(rng >> 20) % 31744;
			free(keep[s][k]);
			keep[s][k] = descend(3, (unsigned)s, size);
		}
		target_pace_wait(&pace);
	}
}
