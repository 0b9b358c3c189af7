/* The agent stream decoder (lt_agentmsg.h).  The buffer holds the bytes
 * not yet decoded from off to len; consumed bytes are dropped lazily, when
 * the next feed needs room. */
#include "lt_agentmsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR sizeof(struct lt_msg_hdr)

struct lt_agentmsg_reader {
	unsigned char *buf;
	size_t off, len, cap;
	int failed;
	char why[256];  /* the first failure, repeated by later calls */
};

lt_agentmsg_reader *lt_agentmsg_new(void)
{
	return lt_xcalloc(1, sizeof(lt_agentmsg_reader));
}

void lt_agentmsg_free(lt_agentmsg_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

void lt_agentmsg_feed(lt_agentmsg_reader *r, const void *buf, size_t n)
{
	if (r->failed || n == 0)
		return;
	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len < n) {
		size_t cap = r->cap ? r->cap : 4096;

		while (cap - r->len < n)
			cap *= 2;
		r->buf = lt_xrealloc(r->buf, cap);
		r->cap = cap;
	}
	memcpy(r->buf + r->len, buf, n);
	r->len += n;
}

size_t lt_agentmsg_pending(const lt_agentmsg_reader *r)
{
	return r->len - r->off;
}

static int fail(lt_agentmsg_reader *r, lt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(lt_agentmsg_reader *r, lt_err *err, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(r->why, sizeof(r->why), "corrupt message from the heap agent: %s", text);
	r->failed = 1;
	lt_err_set(err, LT_EXIT_ERROR, "%s", r->why);
	return -1;
}

/* Not corrupt, but not ours to read: an agent of another leaktop version,
 * typically one left loaded in a long-running target. */
static int wrong_version(lt_agentmsg_reader *r, uint32_t version, lt_err *err)
{
	snprintf(r->why, sizeof(r->why),
		 "the heap agent in the target speaks protocol version %u, this leaktop "
		 "version %d: an agent of another leaktop version is already loaded there "
		 "(use that leaktop version, or restart the target)",
		 (unsigned)version, LT_AGENT_PROTO_VERSION);
	r->failed = 1;
	lt_err_set(err, LT_EXIT_ERROR, "%s", r->why);
	return -1;
}

static const char *type_name(unsigned type)
{
	switch (type) {
	case LT_MSG_HELLO: return "HELLO";
	case LT_MSG_STACK: return "STACK";
	case LT_MSG_SITES: return "SITES";
	case LT_MSG_TICK: return "TICK";
	case LT_MSG_ERROR: return "ERROR";
	case LT_MSG_BYE: return "BYE";
	case LT_MSG_FDSITES: return "FDSITES";
	case LT_MSG_BLOCKS: return "BLOCKS";
	default: return NULL;
	}
}

/* Checks len against the layout of type; 0 or -1. */
static int check_len(lt_agentmsg_reader *r, unsigned type, uint32_t len,
		     lt_err *err)
{
	switch (type) {
	case LT_MSG_HELLO:
		/* Its size is checked after its version, which every version
		 * puts first: another version's hello is named as such. */
		if (len < sizeof(uint32_t) || len > LT_AGENTMSG_MAX_HELLO)
			return fail(r, err, "HELLO of %u bytes", len);
		return 0;
	case LT_MSG_TICK:
		/* An older agent's tick is shorter, a newer one's longer:
		 * the fields both know are read. */
		if (len < LT_MSG_TICK_V3_SIZE || len > LT_MSG_TICK_MAX || len % 8)
			return fail(r, err, "TICK of %u bytes", len);
		return 0;
	case LT_MSG_BYE:
		if (len != 0)
			return fail(r, err, "BYE with %u bytes of payload", len);
		return 0;
	case LT_MSG_STACK:
		if (len < sizeof(struct lt_msg_stack) + 8 ||
		    len > sizeof(struct lt_msg_stack) + 8 * LT_AGENT_MAX_DEPTH ||
		    (len - sizeof(struct lt_msg_stack)) % 8)
			return fail(r, err, "STACK of %u bytes", len);
		return 0;
	case LT_MSG_SITES:
		if (len % sizeof(struct lt_msg_site))
			return fail(r, err, "SITES of %u bytes, not a whole number of records", len);
		return 0;
	case LT_MSG_FDSITES:
		if (len % sizeof(struct lt_msg_fdsite))
			return fail(r, err, "FDSITES of %u bytes, not a whole number of records", len);
		return 0;
	case LT_MSG_BLOCKS:
		if (len < sizeof(struct lt_msg_blocks) ||
		    (len - sizeof(struct lt_msg_blocks)) % sizeof(struct lt_msg_block))
			return fail(r, err, "BLOCKS of %u bytes, not a header and whole records", len);
		return 0;
	case LT_MSG_ERROR:
		if (len > LT_AGENT_MAX_ERROR)
			return fail(r, err, "ERROR text of %u bytes", len);
		return 0;
	}
	return fail(r, err, "unknown message type %u", type);
}

static int check_header(lt_agentmsg_reader *r, const struct lt_msg_hdr *h,
			lt_err *err)
{
	if (h->magic != LT_AGENT_MAGIC)
		return fail(r, err, "bad magic 0x%08x", (unsigned)h->magic);
	if (!type_name(h->type))
		return fail(r, err, "unknown message type %u", (unsigned)h->type);
	if (h->flags || h->reserved)
		return fail(r, err, "reserved header fields set (flags 0x%x, reserved 0x%x)", (unsigned)h->flags, (unsigned)h->reserved);
	if (h->len > LT_AGENT_MAX_PAYLOAD)
		return fail(r, err, "payload of %u bytes, over the limit of %u", (unsigned)h->len, LT_AGENT_MAX_PAYLOAD);
	return check_len(r, h->type, h->len, err);
}

static int decode_hello(lt_agentmsg_reader *r, const unsigned char *p,
			uint32_t len, struct lt_agentmsg *msg, lt_err *err)
{
	struct lt_msg_hello *h = &msg->hello;
	uint32_t version;
	size_t n;

	memcpy(&version, p, sizeof(version));
	if (version != LT_AGENT_PROTO_VERSION)
		return wrong_version(r, version, err);
	if (len != sizeof(*h))
		return fail(r, err, "HELLO of %u bytes", len);
	memcpy(h, p, sizeof(*h));
	n = strnlen(h->unwinder, sizeof(h->unwinder));
	if (n == 0 || n == sizeof(h->unwinder))
		return fail(r, err, "HELLO unwinder name of %zu bytes", n);
	for (size_t i = 0; i < sizeof(h->unwinder); i++) {
		unsigned char c = (unsigned char)h->unwinder[i];

		if (i < n ? (c < 0x21 || c > 0x7e) : c != 0)
			return fail(r, err, "HELLO unwinder name not printable and NUL-padded (byte %zu)", i);
	}
	if (h->pid <= 0)
		return fail(r, err, "HELLO with pid %d", (int)h->pid);
	if (h->max_depth < 1 || h->max_depth > LT_AGENT_MAX_DEPTH)
		return fail(r, err, "HELLO with max_depth %u", (unsigned)h->max_depth);
	if (h->agent_tid <= 0 || h->agent_fd < 0)
		return fail(r, err, "HELLO with agent tid %d, fd %d", (int)h->agent_tid,
			    (int)h->agent_fd);
	if (h->reserved)
		return fail(r, err, "HELLO with reserved field 0x%x", (unsigned)h->reserved);
	return 0;
}

static int decode_stack(lt_agentmsg_reader *r, const unsigned char *p,
			uint32_t len, struct lt_agentmsg *msg, lt_err *err)
{
	memcpy(&msg->stack, p, sizeof(msg->stack));
	if (msg->stack.depth < 1 || msg->stack.depth > LT_AGENT_MAX_DEPTH)
		return fail(r, err, "STACK of depth %u", (unsigned)msg->stack.depth);
	if (len != sizeof(msg->stack) + 8 * (size_t)msg->stack.depth)
		return fail(r, err, "STACK of %u bytes does not match its depth %u", len, (unsigned)msg->stack.depth);
	if (msg->stack.id >= LT_AGENTMSG_MAX_STACKS)
		return fail(r, err, "STACK id %u over the limit", (unsigned)msg->stack.id);
	memcpy(msg->pcs, p + sizeof(msg->stack), 8 * (size_t)msg->stack.depth);
	return 0;
}

static int in_range(int64_t v)
{
	return v >= -LT_AGENTMSG_MAX_VALUE && v <= LT_AGENTMSG_MAX_VALUE;
}

static int decode_sites(lt_agentmsg_reader *r, const unsigned char *p,
			uint32_t len, struct lt_agentmsg *msg, lt_err *err)
{
	msg->nsites = len / sizeof(struct lt_msg_site);
	msg->sites = p;
	for (size_t i = 0; i < msg->nsites; i++) {
		struct lt_msg_site s;

		lt_agentmsg_site(msg, i, &s);
		if (s.stack_id >= LT_AGENTMSG_MAX_STACKS)
			return fail(r, err, "SITES stack id %u over the limit", (unsigned)s.stack_id);
		if (!in_range(s.live_bytes) || !in_range(s.live_count) ||
		    !in_range(s.alloc_bytes) || !in_range(s.alloc_count))
			return fail(r, err, "SITES counter out of range for stack %u", (unsigned)s.stack_id);
		/* The new counters only ever grow from 0. */
		if (!in_range(s.free_bytes) || !in_range(s.free_count) ||
		    s.free_bytes < 0 || s.free_count < 0 ||
		    !in_range(s.samples) || !in_range(s.samples_freed) ||
		    s.samples < 0 || s.samples_freed < 0 ||
		    !in_range(s.freed_age_us) || s.freed_age_us < 0 ||
		    !in_range(s.alloc_ubytes) || s.alloc_ubytes < 0 ||
		    !in_range(s.ff_bytes) || !in_range(s.ff_count) ||
		    !in_range(s.ff_samples) || s.ff_bytes < 0 || s.ff_count < 0 ||
		    s.ff_samples < 0)
			return fail(r, err, "SITES free counter out of range for stack %u", (unsigned)s.stack_id);
		if (s.oldest_live_us < -1 || !in_range(s.oldest_live_us))
			return fail(r, err, "SITES oldest live sample at %lld us for stack %u",
				    (long long)s.oldest_live_us, (unsigned)s.stack_id);
		if (s.reserved)
			return fail(r, err, "SITES reserved field set for stack %u", (unsigned)s.stack_id);
	}
	return 0;
}

static int decode_fdsites(lt_agentmsg_reader *r, const unsigned char *p,
			  uint32_t len, struct lt_agentmsg *msg, lt_err *err)
{
	msg->nfdsites = len / sizeof(struct lt_msg_fdsite);
	msg->fdsites = p;
	for (size_t i = 0; i < msg->nfdsites; i++) {
		struct lt_msg_fdsite f;

		lt_agentmsg_fdsite(msg, i, &f);
		if (f.stack_id >= LT_AGENTMSG_MAX_STACKS)
			return fail(r, err, "FDSITES stack id %u over the limit", (unsigned)f.stack_id);
		if (f.kind >= LT_FD_KINDS_)
			return fail(r, err, "FDSITES kind %u for stack %u", (unsigned)f.kind,
				    (unsigned)f.stack_id);
		if (!in_range(f.live) || !in_range(f.opened) || f.opened < 0)
			return fail(r, err, "FDSITES counter out of range for stack %u", (unsigned)f.stack_id);
	}
	return 0;
}

/* The agent's own memory must be whole pages of user space, and not
 * more than it can have: a scan leaves it out of the roots. */
static int bad_range(uint64_t lo, uint64_t hi)
{
	return lo > hi || lo % 4096 || hi % 4096 || hi > LT_AGENTMSG_MAX_ADDR ||
	       hi - lo > LT_AGENTMSG_MAX_AGENT_MEM;
}

static int decode_blocks(lt_agentmsg_reader *r, const unsigned char *p,
			 uint32_t len, struct lt_agentmsg *msg, lt_err *err)
{
	struct lt_msg_blocks *b = &msg->blocks;

	memcpy(b, p, sizeof(*b));
	if ((size_t)b->n * sizeof(struct lt_msg_block) != len - sizeof(*b))
		return fail(r, err, "BLOCKS of %u bytes for %u records", len, (unsigned)b->n);
	if (b->last > 1 || b->reserved)
		return fail(r, err, "BLOCKS with last %u, reserved 0x%x", (unsigned)b->last,
			    (unsigned)b->reserved);
	if (b->now_us > (uint64_t)LT_AGENTMSG_MAX_VALUE)
		return fail(r, err, "BLOCKS at %llu us", (unsigned long long)b->now_us);
	if (bad_range(b->tables_lo, b->tables_hi) || bad_range(b->buf_lo, b->buf_hi))
		return fail(r, err, "BLOCKS with agent memory 0x%llx-0x%llx, 0x%llx-0x%llx",
			    (unsigned long long)b->tables_lo, (unsigned long long)b->tables_hi,
			    (unsigned long long)b->buf_lo, (unsigned long long)b->buf_hi);
	msg->blockrecs = p + sizeof(*b);
	for (size_t i = 0; i < b->n; i++) {
		struct lt_msg_block k;

		lt_agentmsg_block(msg, i, &k);
		if (!k.xaddr || k.xaddr >= LT_AGENTMSG_MAX_ADDR || k.xaddr % 8)
			return fail(r, err, "BLOCKS address 0x%llx", (unsigned long long)k.xaddr);
		if (k.stack_id >= LT_AGENTMSG_MAX_STACKS || k.count < 1 ||
		    k.size >= LT_AGENTMSG_MAX_ADDR || !in_range(k.weight) || k.weight < 0 ||
		    !in_range(k.t_us) || k.t_us < 0)
			return fail(r, err, "BLOCKS record %zu out of range", i);
	}
	return 0;
}

/* The agent's last words, kept printable: they end up in a terminal and
 * in the session file. */
static void decode_error(const unsigned char *p, uint32_t len,
			 struct lt_agentmsg *msg)
{
	for (uint32_t i = 0; i < len; i++)
		msg->error[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	msg->error[len] = '\0';
}

int lt_agentmsg_next(lt_agentmsg_reader *r, struct lt_agentmsg *msg,
		     lt_err *err)
{
	struct lt_msg_hdr h;
	const unsigned char *p;
	size_t avail;

	if (r->failed) {
		lt_err_set(err, LT_EXIT_ERROR, "%s", r->why);
		return -1;
	}
	avail = r->len - r->off;
	if (avail < HDR)
		return 0;
	memcpy(&h, r->buf + r->off, HDR);
	if (check_header(r, &h, err) < 0)
		return -1;
	if (avail - HDR < h.len)
		return 0;
	p = r->buf + r->off + HDR;
	msg->type = (enum lt_agent_type)h.type;
	msg->len = h.len;
	switch (h.type) {
	case LT_MSG_HELLO:
		if (decode_hello(r, p, h.len, msg, err) < 0)
			return -1;
		break;
	case LT_MSG_STACK:
		if (decode_stack(r, p, h.len, msg, err) < 0)
			return -1;
		break;
	case LT_MSG_SITES:
		if (decode_sites(r, p, h.len, msg, err) < 0)
			return -1;
		break;
	case LT_MSG_FDSITES:
		if (decode_fdsites(r, p, h.len, msg, err) < 0)
			return -1;
		break;
	case LT_MSG_TICK:
		memset(&msg->tick, 0, sizeof(msg->tick));
		memcpy(&msg->tick, p, h.len < sizeof(msg->tick) ? h.len : sizeof(msg->tick));
		if (msg->tick.now_us > (uint64_t)LT_AGENTMSG_MAX_VALUE)
			return fail(r, err, "TICK at %llu us", (unsigned long long)msg->tick.now_us);
		break;
	case LT_MSG_ERROR:
		decode_error(p, h.len, msg);
		break;
	case LT_MSG_BLOCKS:
		if (decode_blocks(r, p, h.len, msg, err) < 0)
			return -1;
		break;
	default:
		break;
	}
	r->off += HDR + h.len;
	return 1;
}

void lt_agentmsg_site(const struct lt_agentmsg *msg, size_t i,
		      struct lt_msg_site *out)
{
	memcpy(out, msg->sites + i * sizeof(*out), sizeof(*out));
}

void lt_agentmsg_fdsite(const struct lt_agentmsg *msg, size_t i,
			struct lt_msg_fdsite *out)
{
	memcpy(out, msg->fdsites + i * sizeof(*out), sizeof(*out));
}

void lt_agentmsg_block(const struct lt_agentmsg *msg, size_t i,
		       struct lt_msg_block *out)
{
	memcpy(out, msg->blockrecs + i * sizeof(*out), sizeof(*out));
	out->xaddr ^= msg->blocks.key;
}

void lt_agentmsg_header(void *out, enum lt_agent_type type, uint32_t len)
{
	struct lt_msg_hdr h = {.magic = LT_AGENT_MAGIC, .type = (uint16_t)type,
			       .len = len};

	memcpy(out, &h, sizeof(h));
}
