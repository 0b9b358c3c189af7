/* many_sites: a million live blocks from a hundred thousand call stacks,
 * for the agent's table sizes and leaktop's "no silent loss".
 *
 * Usage: many_sites [BLOCKS [LEVELS [PER_SEC [MAX_SECONDS]]]]
 *
 * Allocates BLOCKS (default 1,000,000) blocks of 32 bytes, keeps them all,
 * at PER_SEC blocks a second (default 400,000; 0: as fast as it can).
 * Block i is allocated through a chain of LEVELS (default 5, 1..9) calls,
 * each one of ten functions chosen by a decimal digit of i, so there are
 * 10^LEVELS distinct stacks (100,000 by default).  Prints "live BYTES"
 * (exactly what it holds, the sizes passed to malloc) after each 10% and
 * "done BYTES" at the end, then sleeps.  Exits 0 on SIGTERM, SIGINT or
 * SIGHUP, and after MAX_SECONDS (default 600).
 */
#include "target.h"

#include <sys/mman.h>

#define BLOCK 32

typedef void *(*step_fn)(int level, unsigned long path);
static step_fn steps[10];
static volatile unsigned long sink;

/* The next level: one call site for every step, so the return address
 * into the step that called it is what tells stacks apart. */
static __attribute__((noinline)) void *descend(int level, unsigned long path)
{
	void *p = steps[path % 10](level, path / 10);

	sink += (unsigned long)p & 1;  /* no tail call: the frame stays */
	return p;
}

#define STEP(k)                                                              \
	static __attribute__((noinline)) void *step##k(int level, unsigned long path) \
	{                                                                    \
		void *p = level > 1 ? descend(level - 1, path) : malloc(BLOCK); \
		sink += k;                                                   \
		return p;                                                    \
	}
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) STEP(8) STEP(9)

int main(int argc, char **argv)
{
	long blocks = target_arg_long(argc, argv, 1, 1000000);
	long levels = target_arg_long(argc, argv, 2, 5);
	long per_sec = target_arg_long(argc, argv, 3, 400000);
	unsigned max_s = target_arg_seconds(argc, argv, 4, 600);
	step_fn all[10] = {step0, step1, step2, step3, step4, step5, step6,
			   step7, step8, step9};
	unsigned long distinct = 1;
	struct target_pace pace;
	void **keep;
	long chunk;

	if (blocks < 1 || levels < 1 || levels > 9 || per_sec < 0 || !max_s)
		return target_usage("many_sites [BLOCKS [LEVELS [PER_SEC [MAX_SECONDS]]]]");
	target_stop_on_signals(max_s, NULL);
	memcpy(steps, all, sizeof(all));
	for (long l = 0; l < levels; l++)
		distinct *= 10;
	/* The list of blocks outside malloc: it is not what is measured. */
	keep = mmap(NULL, (size_t)blocks * sizeof(void *), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (keep == MAP_FAILED)
		return 1;
	target_say_started();
	/* 100 steps a second when paced. */
	chunk = per_sec ? (per_sec + 99) / 100 : blocks;
	if (per_sec)
		target_pace_start(&pace, 100);
	for (long i = 0, next = blocks / 10; i < blocks;) {
		for (long j = 0; j < chunk && i < blocks; j++, i++)
			keep[i] = descend((int)levels, (unsigned long)i % distinct);
		if (i >= next || i == blocks) {
			target_say("live %ld\n", i * BLOCK);
			next += blocks >= 10 ? blocks / 10 : 1;
		}
		if (per_sec)
			target_pace_wait(&pace);
	}
	target_say("done %ld\n", blocks * BLOCK);
	for (;;)
		target_sleep_ms(1000);
}
