/* heap_grower: a process with a steady heap leak.
 *
 * Usage: heap_grower [MIB_PER_SEC [MAX_SECONDS]]
 *
 * Leaks: leak_request_buffer() mallocs 64 KiB blocks, touches every byte
 * (memset) and keeps them on a list that is never freed: MIB_PER_SEC
 * (default 4, may be 0 or fractional) MiB of anonymous memory per second, in
 * ten even steps a second.  The blocks are below glibc's mmap threshold, so
 * the [heap] mapping grows with them.  The function is noinline so later
 * heap call-site tests find it by name in the stacks.
 *
 * Must NOT be flagged: handle_request_scratch() allocates and frees a
 * temporary buffer (up to 256 KiB) every step; threads, descriptors and
 * file cache stay flat.
 *
 * Prints "started PID" once, then "leaked BYTES" (the total so far) once a
 * second on stdout, flushed, so a test can compare what leaktop saw.  Exits
 * 0 on SIGTERM, SIGINT or SIGHUP, and by itself after MAX_SECONDS (default
 * 600).
 */
#include "target.h"

#define BLOCK (64 * 1024)
#define STEPS_PER_SEC 10

struct block {
	struct block *next;
	char payload[];
};

/* Reachable from a global, so the memory stays live (not "lost"). */
static struct block *leaked;
static volatile unsigned char sink;

__attribute__((noinline)) static void leak_request_buffer(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);

	if (!b)
		return;
	memset(b->payload, 0xab, size);
	b->next = leaked;
	leaked = b;
}

__attribute__((noinline)) static void handle_request_scratch(size_t size)
{
	unsigned char *p = malloc(size);

	if (!p)
		return;
	memset(p, (int)size, size);
	sink ^= p[size / 2];
	free(p);
}

int main(int argc, char **argv)
{
	double rate = target_arg_double(argc, argv, 1, 4.0);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	double per_step, owed = 0;
	unsigned long long total = 0;
	struct target_pace pace;

	if (rate < 0 || rate > 1024 || max_seconds == 0)
		return target_usage("heap_grower [MIB_PER_SEC [MAX_SECONDS]]");
	target_stop_on_signals(max_seconds, NULL);
	per_step = rate * 1024 * 1024 / STEPS_PER_SEC;
	target_say_started();
	target_pace_start(&pace, STEPS_PER_SEC);
	for (unsigned long step = 1;; step++) {
		/* Whole blocks only; the remainder carries to the next step. */
		for (owed += per_step; owed >= BLOCK; owed -= BLOCK) {
			leak_request_buffer(BLOCK);
			total += BLOCK;
		}
		handle_request_scratch(1024 + (step * 7919) % (256 * 1024));
		if (step % STEPS_PER_SEC == 0)
			target_say("leaked %llu\n", total);
		target_pace_wait(&pace);
	}
}
