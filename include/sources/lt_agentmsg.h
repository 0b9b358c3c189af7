/* Decoder of the agent's byte stream (lt_agent_proto.h): bytes go in as
 * they arrive, whole checked messages come out.
 *
 * Everything here is hostile input.  A header is checked as soon as its 16
 * bytes are in, so an oversized or unknown message is refused before its
 * payload is buffered; a payload is checked against its type's exact
 * layout before a byte of it is used.  After the first bad message the
 * reader stays failed: a byte stream cannot be resynchronised. */
#ifndef LT_AGENTMSG_H
#define LT_AGENTMSG_H

#include <stddef.h>
#include <stdint.h>

#include "lt_agent_proto.h"
#include "lt_err.h"

/* Stack ids the decoder accepts (dense from 0 in practice). */
#define LT_AGENTMSG_MAX_STACKS (1U << 20)
/* Largest magnitude of a site counter: exact in a double, far beyond any
 * real process. */
#define LT_AGENTMSG_MAX_VALUE (INT64_C(1) << 53)
/* Bytes of a HELLO of any protocol version (whose first field is always
 * the version): enough to read another version's and name it. */
#define LT_AGENTMSG_MAX_HELLO 4096

/* One decoded message.  Fields of other types are left as they were. */
struct lt_agentmsg {
	enum lt_agent_type type;
	uint32_t len;                        /* payload bytes */
	struct lt_msg_hello hello;           /* HELLO; unwinder NUL-terminated */
	struct lt_msg_stack stack;           /* STACK */
	uint64_t pcs[LT_AGENT_MAX_DEPTH];    /* STACK: stack.depth PCs */
	struct lt_msg_tick tick;             /* TICK */
	size_t nsites;                       /* SITES: records in sites */
	const unsigned char *sites;          /* SITES: raw, see lt_agentmsg_site;
						valid until the next feed/next */
	size_t nfdsites;                     /* FDSITES: records in fdsites */
	const unsigned char *fdsites;        /* FDSITES: raw, like sites */
	char error[LT_AGENT_MAX_ERROR + 1];  /* ERROR: printable, NUL-terminated */
	struct lt_msg_blocks blocks;         /* BLOCKS: its header */
	const unsigned char *blockrecs;      /* BLOCKS: blocks.n raw records, see
						lt_agentmsg_block */
};

/* Highest user-space address a sampled block may have (x86-64, 47 bits). */
#define LT_AGENTMSG_MAX_ADDR (UINT64_C(1) << 47)
/* Bytes of one range of agent memory a BLOCKS names (its tables take
 * about 60 MiB, mostly never touched). */
#define LT_AGENTMSG_MAX_AGENT_MEM (UINT64_C(256) << 20)

typedef struct lt_agentmsg_reader lt_agentmsg_reader;

lt_agentmsg_reader *lt_agentmsg_new(void);          /* never NULL */
void lt_agentmsg_free(lt_agentmsg_reader *r);       /* NULL-safe */

/* Appends n bytes of the stream.  Call lt_agentmsg_next until it returns
 * 0 after each feed: the buffer then never holds more than one message
 * and one feed. */
void lt_agentmsg_feed(lt_agentmsg_reader *r, const void *buf, size_t n);

/* Decodes the next whole message into *msg.  Returns 1 with a message, 0
 * when more bytes are needed, or -1 when the stream is corrupt (err says
 * what was wrong, code LT_EXIT_ERROR; every later call fails the same
 * way).  Checks: magic, known agent->leaktop type, flags and reserved 0,
 * len <= LT_AGENT_MAX_PAYLOAD and the type's exact size, the hello's
 * version (first: an agent of another protocol version is refused with a
 * message that says so, not as corrupt), NUL-padded unwinder, agent tid
 * and fd, depth 1..LT_AGENT_MAX_DEPTH, stack ids below
 * LT_AGENTMSG_MAX_STACKS, SITES and FDSITES whole numbers of records with
 * counters within +-LT_AGENTMSG_MAX_VALUE (free counters, sample counts,
 * ages and opened descriptors not negative, the oldest live sample -1 or
 * not negative, fd kinds known), error text at most LT_AGENT_MAX_ERROR
 * bytes, BLOCKS of exactly n records with last 0 or 1, each decoding to
 * a non-zero 8-byte aligned address below LT_AGENTMSG_MAX_ADDR, weight
 * and time in range and not negative, count at least 1, and its agent
 * memory ranges page-aligned, at most LT_AGENTMSG_MAX_AGENT_MEM each.  Whether a stack id was announced is left to
 * the caller, who keeps the stacks. */
int lt_agentmsg_next(lt_agentmsg_reader *r, struct lt_agentmsg *msg,
		     lt_err *err);

/* Bytes fed but not yet returned as messages (a partial message). */
size_t lt_agentmsg_pending(const lt_agentmsg_reader *r);

/* Site record i (< msg->nsites) of a SITES message, copied out aligned. */
void lt_agentmsg_site(const struct lt_agentmsg *msg, size_t i,
		      struct lt_msg_site *out);

/* Fd site record i (< msg->nfdsites) of an FDSITES message. */
void lt_agentmsg_fdsite(const struct lt_agentmsg *msg, size_t i,
			struct lt_msg_fdsite *out);

/* Block record i (< msg->blocks.n) of a BLOCKS message, its address
 * decoded (xaddr ^ key). */
void lt_agentmsg_block(const struct lt_agentmsg *msg, size_t i,
		       struct lt_msg_block *out);

/* Encodes a message header for type and len into out (16 bytes): for
 * leaktop's own STOP and for tests that build streams. */
void lt_agentmsg_header(void *out, enum lt_agent_type type, uint32_t len);

#endif
