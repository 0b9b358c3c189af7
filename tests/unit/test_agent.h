/* test_agent.h: building agent streams (lt_agent_proto.h) by hand, for the
 * decoder and collector tests.  A stream is a growing byte buffer; every
 * helper appends one framed message. */
#ifndef LT_TEST_AGENT_H
#define LT_TEST_AGENT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_agent_proto.h"

struct ta_stream {
	unsigned char *b;
	size_t n, cap;
};

static inline void ta_raw(struct ta_stream *s, const void *p, size_t n)
{
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2 + 64;
		s->b = realloc(s->b, s->cap);
		if (!s->b)
			abort();
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static inline void ta_msg(struct ta_stream *s, uint16_t type, const void *p,
			  uint32_t len)
{
	struct lt_msg_hdr h = {.magic = LT_AGENT_MAGIC, .type = type, .len = len};

	ta_raw(s, &h, sizeof(h));
	if (len)
		ta_raw(s, p, len);
}

static inline void ta_hello(struct ta_stream *s, int32_t pid, uint64_t rate)
{
	struct lt_msg_hello h = {.version = LT_AGENT_PROTO_VERSION, .pid = pid,
				 .sample_rate = rate, .max_depth = 64,
				 .starts = 1, .objects = 3, .slots = 12,
				 .agent_tid = pid + 1, .agent_fd = 7,
				 .fd_slots = 1024};

	strcpy(h.unwinder, "libunwind");
	ta_msg(s, LT_MSG_HELLO, &h, sizeof(h));
}

static inline void ta_stack(struct ta_stream *s, uint32_t id,
			    const uint64_t *pcs, uint32_t depth)
{
	unsigned char buf[sizeof(struct lt_msg_stack) + 8 * LT_AGENT_MAX_DEPTH];
	struct lt_msg_stack st = {.id = id, .depth = depth};

	memcpy(buf, &st, sizeof(st));
	memcpy(buf + sizeof(st), pcs, 8 * (size_t)depth);
	ta_msg(s, LT_MSG_STACK, buf, (uint32_t)(sizeof(st) + 8 * (size_t)depth));
}

static inline void ta_site(struct ta_stream *s, uint32_t id, int64_t live,
			   int64_t count, int64_t alloc, int64_t allocs)
{
	struct lt_msg_site x = {.stack_id = id, .live_bytes = live,
				.live_count = count, .alloc_bytes = alloc,
				.alloc_count = allocs,
				.oldest_live_us = count > 0 ? 0 : -1};

	ta_msg(s, LT_MSG_SITES, &x, sizeof(x));
}

/* The free side of a site: raw samples, of them freed, the weighted
 * frees, their ages summed and the oldest live sample's time (us). */
struct ta_frees {
	int64_t samples, samples_freed, free_bytes, free_count;
	int64_t freed_age_us, oldest_live_us;
};

static inline void ta_site_frees(struct ta_stream *s, uint32_t id, int64_t live,
				 int64_t count, int64_t alloc, int64_t allocs,
				 const struct ta_frees *f)
{
	struct lt_msg_site x = {.stack_id = id, .live_bytes = live,
				.live_count = count, .alloc_bytes = alloc,
				.alloc_count = allocs, .free_bytes = f->free_bytes,
				.free_count = f->free_count, .samples = f->samples,
				.samples_freed = f->samples_freed,
				.freed_age_us = f->freed_age_us,
				.oldest_live_us = f->oldest_live_us};

	ta_msg(s, LT_MSG_SITES, &x, sizeof(x));
}

/* A stack's free flow: frees sampled by bytes under it as a free's stack
 * (nothing allocated there). */
static inline void ta_free_flow(struct ta_stream *s, uint32_t id, int64_t bytes,
				int64_t count, int64_t samples)
{
	struct lt_msg_site x = {.stack_id = id, .oldest_live_us = -1,
				.ff_bytes = bytes, .ff_count = count,
				.ff_samples = samples};

	ta_msg(s, LT_MSG_SITES, &x, sizeof(x));
}

static inline void ta_fdsite(struct ta_stream *s, uint32_t id, uint32_t kind,
			     int64_t live, int64_t opened)
{
	struct lt_msg_fdsite x = {.stack_id = id, .kind = kind, .live = live,
				  .opened = opened};

	ta_msg(s, LT_MSG_FDSITES, &x, sizeof(x));
}

static inline void ta_tick_at(struct ta_stream *s, uint64_t seq,
			      uint64_t dlopens, uint64_t now_us)
{
	struct lt_msg_tick t = {.seq = seq, .dlopens = dlopens, .now_us = now_us};

	ta_msg(s, LT_MSG_TICK, &t, sizeof(t));
}

static inline void ta_tick(struct ta_stream *s, uint64_t seq, uint64_t dlopens)
{
	ta_tick_at(s, seq, dlopens, seq * 200000);
}

#endif
