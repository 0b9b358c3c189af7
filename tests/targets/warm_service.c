/* warm_service: a service whose cache is already full when leaktop
 * attaches, with one real leak beside it.
 *
 * Usage: warm_service [REQ_PER_SEC [CACHE_MIB [MAX_SECONDS]]]
 *
 * Serves REQ_PER_SEC (default 128) requests a second; each request:
 *   - LEAKS: client_new() creates a client through xmalloc (libsvc.so): a
 *     256-byte struct and two 4 KiB buffers owned only by it, on three
 *     lines of client_new; the client is dropped, never closed (about
 *     1.06 MiB/s at the default rate).
 *   - must NOT be flagged: cache_put() inserts a 4 KiB entry into a bounded
 *     cache of CACHE_MIB (default 16) MiB, evicting the oldest entry first
 *     (lru_evict); the cache is filled before "warm" is printed, so every
 *     block it holds was allocated before an attach, and an entry lives
 *     CACHE_MIB * 256 / REQ_PER_SEC seconds (32 s at the defaults), longer
 *     than a 12 s session.
 *   - must NOT be flagged: serve_request() mallocs a 64 KiB scratch buffer
 *     and frees it before returning.
 * Prints "started PID", then "warm" once the cache is full, then "served N"
 * every second.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and after
 * MAX_SECONDS (default 600).
 */
#include "target.h"

void *xmalloc(size_t n);
void xfree(void *p);

#define ENTRY 4096

struct client {
	char name[240];
	char *rbuf, *wbuf;
	long id;
};

static void **cache;
static size_t cache_len, cache_used, cache_next;
static volatile unsigned char sink;

__attribute__((noinline)) static struct client *client_new(long id)
{
	struct client *c = xmalloc(sizeof(*c));

	c->rbuf = xmalloc(4096);
	c->wbuf = xmalloc(4096);
	c->id = id;
	return c;
}

__attribute__((noinline)) static void lru_evict(void)
{
	free(cache[cache_next]);
	cache[cache_next] = NULL;
	cache_used--;
}

__attribute__((noinline)) static void cache_put(unsigned char v)
{
	void *p;

	if (cache_used == cache_len)
		lru_evict();
	p = malloc(ENTRY);
	if (!p)
		abort();
	memset(p, v, ENTRY);
	cache[cache_next] = p;
	cache_next = (cache_next + 1) % cache_len;
	cache_used++;
}

__attribute__((noinline)) static void serve_request(long id)
{
	unsigned char *scratch = malloc(64 * 1024);
	struct client *c;

	if (!scratch)
		abort();
	memset(scratch, (int)id, 4096);
	c = client_new(id);
	c->rbuf[0] = scratch[1];
	sink = (unsigned char)(sink + c->rbuf[0]);
	/* The client is dropped here: nothing closes it. */
	cache_put(scratch[2]);
	free(scratch);
}

int main(int argc, char **argv)
{
	long rate = target_arg_long(argc, argv, 1, 128);
	long mib = target_arg_long(argc, argv, 2, 16);
	unsigned max = target_arg_seconds(argc, argv, 3, 600);
	struct target_pace pace;
	long served = 0, steps = 10;

	if (rate < 10 || rate > 100000 || mib < 1 || mib > 4096 || !max)
		return target_usage("warm_service [REQ_PER_SEC [CACHE_MIB [MAX_SECONDS]]]");
	target_stop_on_signals(max, NULL);
	cache_len = (size_t)mib * 1024 * 1024 / ENTRY;
	cache = calloc(cache_len, sizeof(*cache));
	if (!cache)
		return 1;
	target_say_started();
	/* Warm: the cache full before anyone looks. */
	while (cache_used < cache_len)
		cache_put((unsigned char)cache_used);
	target_say("warm\n");
	target_pace_start(&pace, steps);
	for (;;) {
		for (long i = 0; i < rate / steps; i++)
			serve_request(served++);
		if (served % rate < rate / steps)
			target_say("served %ld\n", served);
		target_pace_wait(&pace);
	}
}
