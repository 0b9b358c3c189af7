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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENTRY (64 * 1024)
#define STEPS_PER_SEC 10
#define REPLACE_PER_STEP 20

static void **ring;
static size_t ring_len, ring_used, ring_next;

static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void install_stop(unsigned max_seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm(max_seconds);
}

static void sleep_until(struct timespec *next, long step_ns)
{
	next->tv_nsec += step_ns;
	while (next->tv_nsec >= 1000000000L) {
		next->tv_nsec -= 1000000000L;
		next->tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) != 0)
		;
}

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
	double cap_mib = argc > 1 ? atof(argv[1]) : 32;
	double fill_s = argc > 2 ? atof(argv[2]) : 2;
	unsigned max_seconds = argc > 3 ? (unsigned)atoi(argv[3]) : 600;
	double per_step, owed = 0;
	struct timespec next;
	int full = 0;

	if (cap_mib < 1 || cap_mib > 4096 || fill_s < 0.1 || max_seconds == 0) {
		fprintf(stderr, "usage: bounded_cache [CAP_MIB [FILL_SECONDS [MAX_SECONDS]]]\n");
		return 2;
	}
	install_stop(max_seconds);
	ring_len = (size_t)(cap_mib * 1024 * 1024 / ENTRY);
	ring = calloc(ring_len, sizeof(*ring));
	if (!ring) {
		perror("bounded_cache: calloc");
		return 1;
	}
	per_step = ring_len / (fill_s * STEPS_PER_SEC);
	printf("started %d\n", (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (unsigned long step = 1;; step++) {
		if (!full) {
			for (owed += per_step; owed >= 1 && ring_used < ring_len; owed--)
				cache_insert((unsigned char)step);
			if (ring_used == ring_len) {
				full = 1;
				printf("full %zu\n", ring_used * (size_t)ENTRY);
				fflush(stdout);
			}
		} else {
			for (int i = 0; i < REPLACE_PER_STEP; i++)
				cache_insert((unsigned char)step);
		}
		if (step % STEPS_PER_SEC == 0) {
			printf("cached %zu\n", ring_used * (size_t)ENTRY);
			fflush(stdout);
		}
		sleep_until(&next, 1000000000L / STEPS_PER_SEC);
	}
}
