/* Fuzzes the agent stream decoder (src/sources/agentmsg.c): the bytes a
 * hostile target sends over the heap agent's socket.
 *
 * Input: one byte choosing how the stream is cut into feeds (0: one feed;
 * k: feeds of 1..k bytes, as a socket may deliver them), then the stream.
 * After each feed the decoder is drained the way sources/heap.c drains
 * it, and every record of every message is read: a decoder that accepted
 * a message must have checked every byte the reader then touches. */
#include <stdlib.h>

#include "fuzz.h"
#include "lt_agentmsg.h"

static uint64_t sink;

static void use(const struct lt_agentmsg *m)
{
	struct lt_msg_site s;
	struct lt_msg_fdsite f;

	switch (m->type) {
	case LT_MSG_HELLO:
		sink += strlen(m->hello.unwinder) + m->hello.max_depth;
		break;
	case LT_MSG_STACK:
		for (uint32_t i = 0; i < m->stack.depth; i++)
			sink += m->pcs[i];
		break;
	case LT_MSG_SITES:
		for (size_t i = 0; i < m->nsites; i++) {
			lt_agentmsg_site(m, i, &s);
			sink += (uint64_t)s.live_bytes + s.stack_id;
		}
		break;
	case LT_MSG_FDSITES:
		for (size_t i = 0; i < m->nfdsites; i++) {
			lt_agentmsg_fdsite(m, i, &f);
			sink += (uint64_t)f.live + f.kind;
		}
		break;
	case LT_MSG_ERROR:
		sink += strlen(m->error);
		break;
	default:
		sink += m->tick.seq;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	unsigned cut = fz_u8(&in), k = 0;
	lt_agentmsg_reader *r = lt_agentmsg_new();
	struct lt_agentmsg *m = malloc(sizeof(*m));
	int failed = 0;

	while (in.n && !failed) {
		size_t n = cut ? 1 + (k++ * 7 + in.n) % cut : in.n;
		int rc;

		if (n > in.n)
			n = in.n;
		lt_agentmsg_feed(r, in.p, n);
		in.p += n;
		in.n -= n;
		while ((rc = lt_agentmsg_next(r, m, NULL)) == 1)
			use(m);
		if (rc < 0) {
			lt_err err = {0};

			/* Failed stays failed, with the same reason. */
			if (lt_agentmsg_next(r, m, &err) != -1 || !err.msg[0])
				abort();
			failed = 1;
		}
	}
	if (!failed && lt_agentmsg_pending(r) > size)
		abort();
	lt_agentmsg_free(r);
	free(m);
	return 0;
}
