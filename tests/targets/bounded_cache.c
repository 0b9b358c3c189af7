/* bounded_cache: memory that rises and then plateaus — not a leak.
 *
 * Usage: bounded_cache [CAP_MIB [FILL_SECONDS [MAX_SECONDS]]]
 *
 * Grows, then stops: cache_insert() fills a ring of 64 KiB entries (each
 * touched with memset) evenly until it holds CAP_MIB (default 32) MiB, which
 * takes FILL_SECONDS (default 2).  From then on every insert evicts the
 * oldest entry (free) before allocating its replacement, 200 replacements a
 * second, so the heap reuses the same chunks and anonymous memory stays at
 * the cap.
 *
 * Must NOT be flagged: anonymous memory as growing.  A recording whose
 * plateau dominates (e.g. 6 s with the cache full after 2 s) must classify
 * it as a cache that levelled off.  Threads and descriptors stay flat.
 *
 * Prints "started PID", "full BYTES" once the cap is reached, then "cached
 * BYTES" once a second.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and by
 * itself after MAX_SECONDS (default 600).
 */
#include "target.h"

#define ENTRY (64 * 1024)
#define STEPS_PER_SEC 10
#define REPLACE_PER_STEP 20

static void **ring;
static size_t ring_len, ring_used, ring_next;

/* Inserts one entry, evicting the oldest when the ring is full. */
__attribute__((noinline)) static void cache_insert(unsigned char fill)
{
	void *p;

	if (ring_used == ring_len) {
		free(ring[ring_next]);
		ring[ring_next] = NULL;
		ring_used--;
	}
	p = malloc(ENTRY);
	if (!p)
		return;
	memset(p, fill, ENTRY);
	ring[ring_next] = p;
	ring_next = (ring_next + 1) % ring_len;
	ring_used++;
}

int main(int argc, char **argv)
{
	double cap_mib = target_arg_double(argc, argv, 1, 32);
	double fill_s = target_arg_double(argc, argv, 2, 2);
	unsigned max_seconds = target_arg_seconds(argc, argv, 3, 600);
	double per_step, owed = 0;
	struct target_pace pace;
	int full = 0;

	if (cap_mib < 1 || cap_mib > 4096 || fill_s < 0.1 || max_seconds == 0)
		return target_usage("bounded_cache [CAP_MIB [FILL_SECONDS [MAX_SECONDS]]]");
	target_stop_on_signals(max_seconds, NULL);
	ring_len = (size_t)(cap_mib * 1024 * 1024 / ENTRY);
	ring = calloc(ring_len, sizeof(*ring));
	if (!ring) {
		perror("bounded_cache: calloc");
		return 1;
	}
	per_step = ring_len / (fill_s * STEPS_PER_SEC);
	target_say_started();
	target_pace_start(&pace, STEPS_PER_SEC);
	for (unsigned long step = 1;; step++) {
		if (!full) {
			for (owed += per_step; owed >= 1 && ring_used < ring_len; owed--)
				cache_insert((unsigned char)step);
			if (ring_used == ring_len) {
				full = 1;
				target_say("full %zu\n", ring_used * (size_t)ENTRY);
			}
		} else {
			for (int i = 0; i < REPLACE_PER_STEP; i++)
				cache_insert((unsigned char)step);
		}
		if (step % STEPS_PER_SEC == 0)
			target_say("cached %zu\n", ring_used * (size_t)ENTRY);
		target_pace_wait(&pace);
	}
}
