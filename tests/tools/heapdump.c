/* heapdump: the heap source's batches of a live process, as text, for the
 * integration tests (the agent's side seen without the model).
 *
 * Usage: heapdump PID SECONDS [SAMPLE_RATE [AGENT]]
 *
 * AGENT is the agent file (default bin/liblt-agent.so).
 * Injects the agent into PID, takes a batch every 250 ms for SECONDS, then
 * detaches and prints, from the last values seen:
 *   agent tid TID fd FD
 *   fd KIND live N opened N: FUNCTION < FUNCTION < ...
 *   site ID live_bytes N samples N freed N free_bytes N age_sum S oldest S: FUNCTION < ...
 *   batch samples N tracked N dropped N fd_lost N
 * Functions are innermost first; "??" where a frame has no symbol, with
 * the module in brackets.  Exits 1 when the heap source fails. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_clock.h"
#include "lt_heap.h"
#include "lt_symbols.h"

struct kept {
	uint64_t *pcs;
	uint32_t depth;
	int has_site;
	struct lt_heap_site site;
	int64_t fd_live[LT_HEAP_FD_KINDS], fd_opened[LT_HEAP_FD_KINDS];
	unsigned fd_seen;
};

static struct kept *kept;
static size_t nkept;

static struct kept *at(uint32_t id)
{
	if (id >= nkept) {
		size_t n = id + 64;

		kept = realloc(kept, n * sizeof(*kept));
		if (!kept)
			abort();
		memset(kept + nkept, 0, (n - nkept) * sizeof(*kept));
		nkept = n;
	}
	return &kept[id];
}

static void keep(const struct lt_heap_batch *b)
{
	for (size_t i = 0; i < b->nstacks; i++) {
		struct kept *k = at(b->stacks[i].id);

		k->depth = b->stacks[i].depth;
		k->pcs = malloc(k->depth * sizeof(uint64_t));
		if (!k->pcs)
			abort();
		memcpy(k->pcs, b->stacks[i].pcs, k->depth * sizeof(uint64_t));
	}
	for (size_t i = 0; i < b->n; i++) {
		struct kept *k = at(b->sites[i].id);

		k->site = b->sites[i];
		k->has_site = 1;
	}
	for (size_t i = 0; i < b->nfds; i++) {
		struct kept *k = at(b->fds[i].id);
		int kind = b->fds[i].kind;

		k->fd_live[kind] = b->fds[i].live;
		k->fd_opened[kind] = b->fds[i].opened;
		k->fd_seen |= 1u << kind;
	}
}

static void print_stack(lt_symbols *sy, const struct kept *k)
{
	for (uint32_t i = 0; i < k->depth; i++) {
		struct lt_sym s[8];
		size_t n = lt_symbols_resolve(sy, k->pcs[i], 0, s, 8);

		for (size_t j = 0; j < n; j++) {
			const char *m = s[j].module ? strrchr(s[j].module, '/') : NULL;

			printf("%s%s", i || j ? " < " : "", s[j].function ? s[j].function : "??");
			if (!s[j].function)
				printf("[%s]", m ? m + 1 : "?");
		}
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct lt_heap_opts o = {0};
	struct lt_heap_batch b;
	struct timespec t0, now;
	lt_symbols *sy;
	lt_heap *h;
	lt_err err = {0};
	double secs;

	if (argc < 3) {
		fprintf(stderr, "usage: heapdump PID SECONDS [SAMPLE_RATE]\n");
		return 2;
	}
	o.pid = atoi(argv[1]);
	secs = atof(argv[2]);
	o.sample_rate = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
	o.agent_path = argc > 4 ? argv[4] : "bin/liblt-agent.so";
	o.timeout_s = 30;   /* a loaded test machine */
	h = lt_heap_attach(&o, &err);
	if (!h) {
		fprintf(stderr, "heapdump: %s\n", err.msg);
		return 1;
	}
	printf("agent tid %d fd %d\n", (int)lt_heap_agent_tid(h), lt_heap_agent_fd(h));
	fflush(stdout);   /* a test looks at the agent while it runs */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct pollfd p = {.fd = lt_heap_fd(h), .events = POLLIN};

		poll(&p, 1, 250);
		if (lt_heap_poll(h, &err) < 0) {
			fprintf(stderr, "heapdump: %s\n", err.msg);
			lt_heap_detach(h);
			return 1;
		}
		lt_heap_take(h, &b);
		keep(&b);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	sy = lt_symbols_new(o.pid, &err);
	lt_heap_detach(h);
	if (!sy) {
		fprintf(stderr, "heapdump: %s\n", err.msg);
		return 1;
	}
	for (size_t id = 0; id < nkept; id++) {
		const struct kept *k = &kept[id];

		for (int kind = 0; kind < LT_HEAP_FD_KINDS; kind++) {
			if (!(k->fd_seen & (1u << kind)))
				continue;
			printf("fd %s live %lld opened %lld: ", lt_heap_fd_kind(kind),
			       (long long)k->fd_live[kind], (long long)k->fd_opened[kind]);
			print_stack(sy, k);
		}
		if (k->has_site) {
			const struct lt_heap_site *s = &k->site;

			printf("site %zu live_bytes %lld samples %u freed %u free_bytes %lld age_sum %.3f oldest %.3f: ",
			       id, (long long)s->live_bytes, s->samples, s->samples_freed,
			       (long long)s->free_bytes, s->freed_age_sum,
			       s->oldest_live_mono > 0 ? lt_clock_mono() - s->oldest_live_mono : -1.0);
			print_stack(sy, k);
		}
	}
	printf("batch samples %llu tracked %llu dropped %llu fd_lost %llu\n",
	       (unsigned long long)b.samples, (unsigned long long)b.tracked,
	       (unsigned long long)b.dropped, (unsigned long long)b.fd_lost);
	lt_symbols_free(sy);
	for (size_t i = 0; i < nkept; i++)
		free(kept[i].pcs);
	free(kept);
	return 0;
}
