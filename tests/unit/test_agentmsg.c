/* The agent stream decoder: whole messages from any split of the stream,
 * and a clear refusal of everything malformed, without reading past what
 * was fed (run under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_agentmsg.h"
#include "lt_heapblk.h"
#include "test_agent.h"

static const uint64_t pcs[3] = {0x401234, 0x7f0000001000, 0x402000};

/* A valid stream of every agent->leaktop type. */
static void good_stream(struct ta_stream *s)
{
	struct lt_msg_site two[2] = {
		{.stack_id = 0, .live_bytes = 100, .live_count = 1, .alloc_bytes = 300, .alloc_count = 3},
		{.stack_id = 1, .live_bytes = 7, .live_count = 7, .alloc_bytes = 7, .alloc_count = 7},
	};

	ta_hello(s, 4242, 524288);
	ta_stack(s, 0, pcs, 3);
	ta_stack(s, 1, pcs, 1);
	ta_msg(s, LT_MSG_SITES, two, sizeof(two));
	ta_site_frees(s, 0, 100, 1, 300, 3, &(struct ta_frees){
		.samples = 3, .samples_freed = 2, .free_bytes = 200, .free_count = 2,
		.freed_age_us = 1500000, .oldest_live_us = 250000});
	ta_fdsite(s, 1, LT_FD_SOCKET, 5, 9);
	ta_tick_at(s, 1, 0, 400000);
	ta_msg(s, LT_MSG_ERROR, "bad\001thing", 9);
	ta_msg(s, LT_MSG_BYE, NULL, 0);
}

/* Feeds s in pieces of step bytes and checks each message. */
static void decode_in_steps(const struct ta_stream *s, size_t step)
{
	static const int want[] = {LT_MSG_HELLO, LT_MSG_STACK, LT_MSG_STACK, LT_MSG_SITES,
				   LT_MSG_SITES, LT_MSG_FDSITES, LT_MSG_TICK, LT_MSG_ERROR,
				   LT_MSG_BYE};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	lt_agentmsg_reader *r = lt_agentmsg_new();
	struct lt_agentmsg *m = calloc(1, sizeof(*m));
	size_t got = 0;
	lt_err err = {0};

	for (size_t off = 0; off < s->n; off += step) {
		size_t n = s->n - off < step ? s->n - off : step;
		/* An exact-size heap copy, so ASan sees any over-read. */
		unsigned char *piece = malloc(n);
		int rc;

		memcpy(piece, s->b + off, n);
		lt_agentmsg_feed(r, piece, n);
		free(piece);
		while ((rc = lt_agentmsg_next(r, m, &err)) > 0) {
			struct lt_msg_site site;
			struct lt_msg_fdsite fd;

			assert_true(got < nwant);
			assert_int_equal(m->type, want[got]);
			switch (got) {
			case 0:
				assert_int_equal(m->hello.pid, 4242);
				assert_string_equal(m->hello.unwinder, "libunwind");
				assert_int_equal(m->hello.agent_tid, 4243);
				assert_int_equal(m->hello.agent_fd, 7);
				break;
			case 1:
				assert_int_equal(m->stack.depth, 3);
				assert_true(m->pcs[1] == 0x7f0000001000);
				break;
			case 3:
				assert_int_equal(m->nsites, 2);
				lt_agentmsg_site(m, 1, &site);
				assert_int_equal(site.stack_id, 1);
				lt_agentmsg_site(m, 0, &site);
				assert_int_equal(site.alloc_bytes, 300);
				break;
			case 4:
				assert_int_equal(m->nsites, 1);
				lt_agentmsg_site(m, 0, &site);
				assert_int_equal(site.samples, 3);
				assert_int_equal(site.samples_freed, 2);
				assert_int_equal(site.free_bytes, 200);
				assert_int_equal(site.free_count, 2);
				assert_int_equal(site.freed_age_us, 1500000);
				assert_int_equal(site.oldest_live_us, 250000);
				break;
			case 5:
				assert_int_equal(m->nfdsites, 1);
				lt_agentmsg_fdsite(m, 0, &fd);
				assert_int_equal(fd.stack_id, 1);
				assert_int_equal(fd.kind, LT_FD_SOCKET);
				assert_int_equal(fd.live, 5);
				assert_int_equal(fd.opened, 9);
				break;
			case 6:
				assert_int_equal(m->tick.seq, 1);
				assert_int_equal(m->tick.now_us, 400000);
				break;
			case 7:
				assert_string_equal(m->error, "bad?thing");
				break;
			}
			got++;
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(got, nwant);
	assert_int_equal(lt_agentmsg_pending(r), 0);
	free(m);
	lt_agentmsg_free(r);
}

static void test_every_split(void **state)
{
	struct ta_stream s = {0};
	(void)state;

	good_stream(&s);
	for (size_t step = 1; step <= 64; step++)
		decode_in_steps(&s, step);
	decode_in_steps(&s, s.n);
	free(s.b);
}

/* Decodes s in one feed; returns next()'s last result and the error. */
static int decode_all(const struct ta_stream *s, lt_err *err, int *msgs)
{
	lt_agentmsg_reader *r = lt_agentmsg_new();
	struct lt_agentmsg *m = calloc(1, sizeof(*m));
	unsigned char *copy = malloc(s->n ? s->n : 1);
	int rc;

	*msgs = 0;
	memcpy(copy, s->b, s->n);
	lt_agentmsg_feed(r, copy, s->n);
	free(copy);
	while ((rc = lt_agentmsg_next(r, m, err)) > 0)
		(*msgs)++;
	if (rc < 0) {
		/* A failed reader stays failed, even fed good bytes. */
		lt_err again = {0};

		lt_agentmsg_feed(r, "x", 1);
		assert_int_equal(lt_agentmsg_next(r, m, &again), -1);
		assert_string_equal(again.msg, err->msg);
	}
	free(m);
	lt_agentmsg_free(r);
	return rc;
}

/* Expects s to be refused with a message containing what. */
static void refused(const struct ta_stream *s, const char *what)
{
	lt_err err = {0};
	int msgs;

	assert_int_equal(decode_all(s, &err, &msgs), -1);
	if (!strstr(err.msg, what) || !strstr(err.msg, "corrupt message"))
		fail_msg("error '%s' lacks '%s'", err.msg, what);
	assert_int_equal(err.code, LT_EXIT_ERROR);
}

static void test_bad_headers(void **state)
{
	struct ta_stream s = {0};
	struct lt_msg_hdr h = {.magic = LT_AGENT_MAGIC, .type = LT_MSG_TICK, .len = 48};
	(void)state;

	s.n = 0; h.magic = 0x12345678; ta_raw(&s, &h, sizeof(h));
	refused(&s, "bad magic");
	h.magic = LT_AGENT_MAGIC;
	s.n = 0; h.type = 99; ta_raw(&s, &h, sizeof(h));
	refused(&s, "unknown message type 99");
	s.n = 0; h.type = LT_MSG_STOP; ta_raw(&s, &h, sizeof(h)); /* leaktop's own */
	refused(&s, "unknown message type 16");
	h.type = LT_MSG_TICK;
	s.n = 0; h.flags = 1; ta_raw(&s, &h, sizeof(h));
	refused(&s, "reserved");
	h.flags = 0;
	/* Oversized: refused from the header alone, nothing buffered. */
	s.n = 0; h.type = LT_MSG_SITES; h.len = LT_AGENT_MAX_PAYLOAD + 40; ta_raw(&s, &h, sizeof(h));
	refused(&s, "over the limit");
	s.n = 0; h.len = 0xffffffffu; ta_raw(&s, &h, sizeof(h));
	refused(&s, "over the limit");
	free(s.b);
}

static void test_bad_sizes(void **state)
{
	struct ta_stream s = {0};
	unsigned char junk[LT_AGENTMSG_MAX_HELLO + 8] = {0};
	(void)state;

	uint32_t v = LT_AGENT_PROTO_VERSION;

	s.n = 0; ta_msg(&s, LT_MSG_HELLO, junk, 3); /* not even a version */
	refused(&s, "HELLO of 3 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_HELLO, junk, LT_AGENTMSG_MAX_HELLO + 1);
	refused(&s, "HELLO of 4097 bytes");
	/* Our version, but the size of version 1's hello. */
	memcpy(junk, &v, sizeof(v));
	s.n = 0; ta_msg(&s, LT_MSG_HELLO, junk, 48);
	refused(&s, "HELLO of 48 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_HELLO, junk, sizeof(struct lt_msg_hello) + 1);
	refused(&s, "HELLO of 65 bytes");
	memset(junk, 0, sizeof(junk));
	s.n = 0; ta_msg(&s, LT_MSG_TICK, junk, 48); /* version 1's tick */
	refused(&s, "TICK of 48 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_TICK, junk, 68);
	refused(&s, "TICK of 68 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_TICK, junk, LT_MSG_TICK_MAX + 8);
	refused(&s, "TICK of 4104 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_SITES, junk, 40); /* version 1's site */
	refused(&s, "SITES of 40 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_FDSITES, junk, 25);
	refused(&s, "FDSITES of 25 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_BYE, junk, 1);
	refused(&s, "BYE with 1 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_SITES, junk, 89);
	refused(&s, "not a whole number");
	s.n = 0; ta_msg(&s, LT_MSG_STACK, junk, 8); /* depth 0 by size */
	refused(&s, "STACK of 8 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_STACK, junk, 13);
	refused(&s, "STACK of 13 bytes");
	s.n = 0; ta_msg(&s, LT_MSG_ERROR, junk, LT_AGENT_MAX_ERROR + 1);
	refused(&s, "ERROR text of 257 bytes");
	free(s.b);
}

static void test_bad_payloads(void **state)
{
	struct ta_stream s = {0};
	struct lt_msg_hello h = {.version = LT_AGENT_PROTO_VERSION, .pid = 5, .max_depth = 64};
	unsigned char st[8 + 16];
	struct lt_msg_stack sh = {.id = 0, .depth = 3}; /* 2 PCs follow */
	(void)state;

	strcpy(h.unwinder, "libgcc");
	h.agent_tid = 6;
	h.agent_fd = 3;
	s.n = 0; h.agent_tid = 0; ta_msg(&s, LT_MSG_HELLO, &h, sizeof(h));
	refused(&s, "agent tid 0");
	h.agent_tid = 6;
	s.n = 0; h.agent_fd = -1; ta_msg(&s, LT_MSG_HELLO, &h, sizeof(h));
	refused(&s, "fd -1");
	h.agent_fd = 3;
	s.n = 0; h.reserved = 1; ta_msg(&s, LT_MSG_HELLO, &h, sizeof(h));
	refused(&s, "reserved");
	h.reserved = 0;
	s.n = 0; memset(h.unwinder, 'a', sizeof(h.unwinder)); ta_msg(&s, LT_MSG_HELLO, &h, sizeof(h));
	refused(&s, "unwinder");
	memset(h.unwinder, 0, sizeof(h.unwinder));
	strcpy(h.unwinder, "libgcc");
	h.unwinder[10] = 'x'; /* garbage after the NUL */
	s.n = 0; ta_msg(&s, LT_MSG_HELLO, &h, sizeof(h));
	refused(&s, "NUL-padded");
	h.unwinder[10] = 0;
	h.unwinder[0] = '\033';
	s.n = 0; ta_msg(&s, LT_MSG_HELLO, &h, sizeof(h));
	refused(&s, "printable");
	h.unwinder[0] = 'l';
	s.n = 0; h.max_depth = LT_AGENT_MAX_DEPTH + 1; ta_msg(&s, LT_MSG_HELLO, &h, sizeof(h));
	refused(&s, "max_depth");
	h.max_depth = 64;
	memcpy(st, &sh, sizeof(sh));
	memset(st + 8, 0, 16);
	s.n = 0; ta_msg(&s, LT_MSG_STACK, st, sizeof(st));
	refused(&s, "does not match its depth");
	sh.depth = 0; memcpy(st, &sh, sizeof(sh));
	s.n = 0; ta_msg(&s, LT_MSG_STACK, st, sizeof(st));
	refused(&s, "depth 0");
	sh.depth = 2; sh.id = LT_AGENTMSG_MAX_STACKS; memcpy(st, &sh, sizeof(sh));
	s.n = 0; ta_msg(&s, LT_MSG_STACK, st, sizeof(st));
	refused(&s, "over the limit");
	s.n = 0; ta_site(&s, LT_AGENTMSG_MAX_STACKS, 1, 1, 1, 1);
	refused(&s, "stack id");
	s.n = 0; ta_site(&s, 1, INT64_MIN, 1, 1, 1);
	refused(&s, "out of range");
	s.n = 0; ta_site(&s, 1, 1, 1, LT_AGENTMSG_MAX_VALUE + 1, 1);
	refused(&s, "out of range");
	free(s.b);
}

/* The free side of sites, fd sites and the tick's clock. */
static void test_bad_new_fields(void **state)
{
	struct ta_stream s = {0};
	const struct ta_frees good = {.samples = 2, .samples_freed = 1,
				      .free_bytes = 10, .free_count = 1,
				      .freed_age_us = 5, .oldest_live_us = -1};
	struct ta_frees f;
	struct lt_msg_site site = {.stack_id = 1, .oldest_live_us = -1};
	struct lt_msg_tick t = {.seq = 1};
	(void)state;

	f = good; f.free_count = -1;
	s.n = 0; ta_site_frees(&s, 1, 0, 0, 0, 0, &f);
	refused(&s, "free counter out of range");
	f = good; f.samples_freed = -3;
	s.n = 0; ta_site_frees(&s, 1, 0, 0, 0, 0, &f);
	refused(&s, "free counter out of range");
	f = good; f.samples = LT_AGENTMSG_MAX_VALUE + 1;
	s.n = 0; ta_site_frees(&s, 1, 0, 0, 0, 0, &f);
	refused(&s, "free counter out of range");
	f = good; f.freed_age_us = INT64_MIN;
	s.n = 0; ta_site_frees(&s, 1, 0, 0, 0, 0, &f);
	refused(&s, "free counter out of range");
	f = good; f.oldest_live_us = -2;
	s.n = 0; ta_site_frees(&s, 1, 0, 0, 0, 0, &f);
	refused(&s, "oldest live sample at -2 us");
	f = good; f.oldest_live_us = INT64_MAX;
	s.n = 0; ta_site_frees(&s, 1, 0, 0, 0, 0, &f);
	refused(&s, "oldest live sample");
	s.n = 0; ta_free_flow(&s, 1, -1, 1, 1);
	refused(&s, "free counter out of range");
	s.n = 0; ta_free_flow(&s, 1, 10, 1, -5);
	refused(&s, "free counter out of range");
	site.reserved = 9;
	s.n = 0; ta_msg(&s, LT_MSG_SITES, &site, sizeof(site));
	refused(&s, "reserved");
	s.n = 0; ta_fdsite(&s, LT_AGENTMSG_MAX_STACKS, LT_FD_FILE, 1, 1);
	refused(&s, "FDSITES stack id");
	s.n = 0; ta_fdsite(&s, 1, LT_FD_KINDS_, 1, 1);
	refused(&s, "FDSITES kind 4");
	s.n = 0; ta_fdsite(&s, 1, 0xffffffffu, 1, 1);
	refused(&s, "FDSITES kind");
	s.n = 0; ta_fdsite(&s, 1, LT_FD_PIPE, INT64_MIN, 1);
	refused(&s, "FDSITES counter out of range");
	s.n = 0; ta_fdsite(&s, 1, LT_FD_PIPE, 1, -1);
	refused(&s, "FDSITES counter out of range");
	t.now_us = UINT64_MAX;
	s.n = 0; ta_msg(&s, LT_MSG_TICK, &t, sizeof(t));
	refused(&s, "TICK at");
	free(s.b);
}

/* An older agent's tick (without the cost counters) decodes with them 0;
 * a longer one from a later agent decodes the fields known here. */
static void test_tick_lengths(void **state)
{
	struct ta_stream s = {0};
	lt_agentmsg_reader *r = lt_agentmsg_new();
	struct lt_agentmsg *m = calloc(1, sizeof(*m));
	unsigned char buf[sizeof(struct lt_msg_tick) + 16];
	struct lt_msg_tick t;
	lt_err err = {0};
	(void)state;

	memset(&t, 0, sizeof(t));
	t.seq = 7;
	t.fd_lost = 3;
	t.sample_ns = 5000;
	t.free_hits = 9;
	t.dropped_bytes = 4096;
	t.grows = 2;
	memset(buf, 0xab, sizeof(buf));
	memcpy(buf, &t, sizeof(t));
	ta_msg(&s, LT_MSG_TICK, buf, LT_MSG_TICK_V3_SIZE);
	ta_msg(&s, LT_MSG_TICK, buf, sizeof(buf));
	lt_agentmsg_feed(r, s.b, s.n);
	assert_int_equal(lt_agentmsg_next(r, m, &err), 1);
	assert_int_equal(m->tick.seq, 7);
	assert_int_equal(m->tick.fd_lost, 3);
	assert_int_equal(m->tick.sample_ns, 0);
	assert_int_equal(m->tick.grows, 0);
	assert_int_equal(lt_agentmsg_next(r, m, &err), 1);
	assert_int_equal(m->tick.seq, 7);
	assert_int_equal(m->tick.sample_ns, 5000);
	assert_int_equal(m->tick.free_hits, 9);
	assert_int_equal(m->tick.dropped_bytes, 4096);
	assert_int_equal(m->tick.grows, 2);
	assert_int_equal(lt_agentmsg_next(r, m, &err), 0);
	free(m);
	lt_agentmsg_free(r);
	free(s.b);
}

/* An agent of another protocol version (left loaded in a long-running
 * target by another leaktop) is named as such, not as corrupt. */
static void test_other_version(void **state)
{
	struct ta_stream s = {0};
	unsigned char old[48] = {0};
	unsigned char newer[80] = {0};
	uint32_t v;
	lt_err err = {0};
	int msgs;
	(void)state;

	v = 1;
	memcpy(old, &v, sizeof(v));
	ta_msg(&s, LT_MSG_HELLO, old, sizeof(old));
	assert_int_equal(decode_all(&s, &err, &msgs), -1);
	assert_non_null(strstr(err.msg, "protocol version 1, this leaktop version "));
	assert_non_null(strstr(err.msg, "another leaktop version is already loaded"));
	assert_null(strstr(err.msg, "corrupt"));
	v = LT_AGENT_PROTO_VERSION + 1;
	memcpy(newer, &v, sizeof(v));
	s.n = 0;
	ta_msg(&s, LT_MSG_HELLO, newer, sizeof(newer));
	memset(&err, 0, sizeof(err));
	assert_int_equal(decode_all(&s, &err, &msgs), -1);
	{
		char want[64];

		snprintf(want, sizeof(want), "protocol version %d", LT_AGENT_PROTO_VERSION + 1);
		assert_non_null(strstr(err.msg, want));
	}
	free(s.b);
}

/* A good stream with one byte flipped, at every offset: the decoder
 * refuses or accepts, never misreads memory (ASan) or hangs. */
static void test_garbage(void **state)
{
	struct ta_stream s = {0};
	lt_err err;
	int msgs;
	(void)state;

	good_stream(&s);
	for (size_t i = 0; i < s.n; i++) {
		for (unsigned v = 0; v < 256; v += 51) {
			unsigned char keep = s.b[i];

			s.b[i] ^= (unsigned char)(v | 1);
			memset(&err, 0, sizeof(err));
			if (decode_all(&s, &err, &msgs) < 0)
				assert_true(strstr(err.msg, "corrupt") != NULL ||
					    (i < sizeof(struct lt_msg_hdr) + 4 &&
					     strstr(err.msg, "protocol version") != NULL));
			s.b[i] = keep;
		}
	}
	/* Random bytes. */
	srand(7);
	for (int k = 0; k < 200; k++) {
		s.n = 0;
		for (int j = 0, n = rand() % 300; j < n; j++) {
			unsigned char c = (unsigned char)rand();

			ta_raw(&s, &c, 1);
		}
		memset(&err, 0, sizeof(err));
		(void)decode_all(&s, &err, &msgs);
	}
	free(s.b);
}

static void test_truncated(void **state)
{
	struct ta_stream s = {0};
	lt_err err = {0};
	int msgs;
	(void)state;

	good_stream(&s);
	/* Every prefix decodes the whole messages in it and waits for the
	 * rest: 0, never -1. */
	for (size_t n = 0; n < s.n; n++) {
		struct ta_stream p = {.b = s.b, .n = n};

		assert_int_equal(decode_all(&p, &err, &msgs), 0);
		assert_true(msgs < 9);
	}
	free(s.b);
}

/* BLOCKS: a header and n records. */
static void ta_blocks(struct ta_stream *s, const struct lt_msg_blocks *h,
		      const struct lt_msg_block *b, size_t n)
{
	unsigned char buf[sizeof(*h) + 4 * sizeof(*b)];

	memcpy(buf, h, sizeof(*h));
	memcpy(buf + sizeof(*h), b, n * sizeof(*b));
	ta_msg(s, LT_MSG_BLOCKS, buf, (uint32_t)(sizeof(*h) + n * sizeof(*b)));
}

static int known_even(void *ctx, uint32_t id)
{
	(void)ctx;
	return id % 2 == 0;
}

/* The sampled blocks for a reachability scan: addresses come XOR-ed with
 * the key and are decoded; everything out of range is refused; the parts
 * of one answer are gathered (lt_heapblk), those of an older ask and of
 * unknown stacks dropped. */
static void test_blocks(void **state)
{
	const uint64_t key = 0x4123000000000000ull | 0xabcdef0ull;
	struct lt_msg_blocks h = {.key = key, .now_us = 2000000, .ask = 1, .n = 2, .last = 0,
				  .tables_lo = 0x7f0000000000, .tables_hi = 0x7f0004000000,
				  .buf_lo = 0x7f1000000000, .buf_hi = 0x7f1000101000};
	struct lt_msg_block b[2] = {
		{.xaddr = 0x55550000a010 ^ key, .size = 100, .weight = 100, .t_us = 1000000,
		 .stack_id = 0, .count = 1},
		{.xaddr = 0x7f00000b0020 ^ key, .size = 4096, .weight = 524288, .t_us = 1500000,
		 .stack_id = 3, .count = 128},
	};
	struct lt_agentmsg *m = calloc(1, sizeof(*m));
	lt_agentmsg_reader *r = lt_agentmsg_new();
	struct lt_heapblk k = {0};
	struct ta_stream s = {0};
	struct lt_msg_block got;
	lt_err err = {0};
	(void)state;

	assert_non_null(m);
	ta_blocks(&s, &h, b, 2);
	lt_agentmsg_feed(r, s.b, s.n);
	assert_int_equal(lt_agentmsg_next(r, m, &err), 1);
	assert_int_equal(m->type, LT_MSG_BLOCKS);
	assert_int_equal(m->blocks.n, 2);
	lt_agentmsg_block(m, 1, &got);
	assert_int_equal(got.xaddr, 0x7f00000b0020);
	assert_int_equal(got.weight, 524288);
	assert_int_equal(got.count, 128);
	/* Gathered: stack 3 is not announced, the answer is not whole yet. */
	lt_heapblk_ask(&k);
	lt_heapblk_add(&k, m, 100.0, known_even, NULL);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.b[0].addr, 0x55550000a010);
	assert_true(k.b[0].alloc_mono >= 101.0 && k.b[0].alloc_mono < 101.1);
	assert_false(k.ready);
	assert_int_equal(k.agent_mem[0][1], 0x7f0004000000);
	/* The last part, then a part of an older ask, dropped. */
	s.n = 0;
	h.last = 1;
	h.n = 1;
	ta_blocks(&s, &h, b, 1);
	h.ask = 0;
	ta_blocks(&s, &h, b, 1);
	lt_agentmsg_feed(r, s.b, s.n);
	assert_int_equal(lt_agentmsg_next(r, m, &err), 1);
	lt_heapblk_add(&k, m, 100.0, known_even, NULL);
	assert_true(k.ready);
	assert_int_equal(lt_agentmsg_next(r, m, &err), 1);
	lt_heapblk_add(&k, m, 100.0, known_even, NULL);
	assert_int_equal(k.n, 2);
	lt_heapblk_free(&k);
	lt_agentmsg_free(r);
	free(m);

	h = (struct lt_msg_blocks){.key = key, .ask = 1, .n = 1, .last = 1};
	s.n = 0; ta_blocks(&s, &h, b, 2);
	refused(&s, "BLOCKS of 144 bytes for 1 records");
	s.n = 0; ta_msg(&s, LT_MSG_BLOCKS, &h, 20);
	refused(&s, "not a header and whole records");
	h.last = 2;
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "last 2");
	h.last = 1;
	h.tables_lo = 0x1000; h.tables_hi = 0x1000 + (512 << 20);
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "agent memory");
	h.tables_lo = h.tables_hi = 0;
	h.buf_lo = 0x2001; h.buf_hi = 0x3000;
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "agent memory");
	h.buf_lo = h.buf_hi = 0;
	b[0].xaddr = 0x55550000a010; /* not XOR-ed: decodes above 2^47 */
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "BLOCKS address");
	b[0].xaddr = 0x55550000a014 ^ key;
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "BLOCKS address");
	b[0].xaddr = 0x55550000a010 ^ key;
	b[0].count = 0;
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "out of range");
	b[0].count = 1;
	b[0].t_us = -1;
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "out of range");
	b[0].t_us = 0;
	b[0].stack_id = LT_AGENTMSG_MAX_STACKS;
	s.n = 0; ta_blocks(&s, &h, b, 1);
	refused(&s, "out of range");
	free(s.b);
}

static void test_header_helper(void **state)
{
	unsigned char b[16];
	struct lt_msg_hdr h;
	(void)state;

	lt_agentmsg_header(b, LT_MSG_STOP, 0);
	memcpy(&h, b, sizeof(h));
	assert_int_equal(h.magic, LT_AGENT_MAGIC);
	assert_int_equal(h.type, LT_MSG_STOP);
	assert_int_equal(h.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_bad_payloads),
		cmocka_unit_test(test_bad_new_fields),
		cmocka_unit_test(test_tick_lengths),
		cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header_helper),
		cmocka_unit_test(test_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
