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
				 .starts = 1, .objects = 3, .slots = 12};

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
				.alloc_count = allocs};

	ta_msg(s, LT_MSG_SITES, &x, sizeof(x));
}

static inline void ta_tick(struct ta_stream *s, uint64_t seq, uint64_t dlopens)
{
	struct lt_msg_tick t = {.seq = seq, .dlopens = dlopens};

	ta_msg(s, LT_MSG_TICK, &t, sizeof(t));
}

#endif
