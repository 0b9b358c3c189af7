/* The wire format between the heap agent (liblt-agent.so, inside the
 * target) and leaktop's heap collector: a unix stream socket carrying
 * framed messages in the machine's own byte order (both ends run on the
 * same host).
 *
 * The agent connects to the socket path it was given; leaktop accepts only
 * a peer whose SO_PEERCRED pid is the target.  Everything leaktop reads is
 * hostile input: src/agentmsg.c checks every length against the type and
 * the caps below before using a byte of it.
 *
 * Configuration reaches the agent as one string, from lt_agent_start()
 * (injection) or the environment variable LEAKTOP_AGENT (leaktop run):
 *     "sock=/path/to/socket;rate=524288;depth=64"
 * Unknown keys are ignored; sock is required. */
#ifndef LT_AGENT_PROTO_H
#define LT_AGENT_PROTO_H

#include <stdint.h>

/* Bumped whenever a message changes.  The version is the first field of
 * the hello in every version, so leaktop can name the version of an agent
 * left loaded in a long-running target by another leaktop. */
#define LT_AGENT_PROTO_VERSION 3
#define LT_AGENT_MAGIC 0x4d41544cU        /* "LTAM" little-endian */
#define LT_AGENT_MAX_PAYLOAD (1U << 20)   /* bytes of one message */
#define LT_AGENT_MAX_DEPTH 256            /* frames of one stack */
#define LT_AGENT_MAX_ERROR 256            /* bytes of an error text */
#define LT_AGENT_ENV "LEAKTOP_AGENT"
#define LT_AGENT_START "lt_agent_start"   /* exported by the agent */
#define LT_AGENT_DEFAULT_RATE 524288      /* bytes; 1 = every allocation */
#define LT_AGENT_DEFAULT_DEPTH 64

/* int lt_agent_start(const char *config, int *result): starts (or
 * restarts, after a detach) the agent.  Returns 0, or a negative errno:
 * -EBUSY while an earlier session is still stopping, -EINVAL for a bad
 * config; the same value is stored in *result unless result is NULL
 * (leaktop's injected call cannot see a return value: it returns through
 * a signal frame). */

enum lt_agent_type {
	/* agent -> leaktop */
	LT_MSG_HELLO = 1,  /* first message: struct lt_msg_hello */
	LT_MSG_STACK = 2,  /* a new stack: struct lt_msg_stack + depth PCs */
	LT_MSG_SITES = 3,  /* n x struct lt_msg_site: counters that changed */
	LT_MSG_TICK  = 4,  /* ends one report: struct lt_msg_tick */
	LT_MSG_ERROR = 5,  /* text (not NUL-terminated); the agent stops */
	LT_MSG_BYE   = 6,  /* hooks removed after STOP; nothing follows */
	LT_MSG_FDSITES = 7, /* n x struct lt_msg_fdsite: fd sites that changed */
	/* leaktop -> agent */
	LT_MSG_STOP  = 16, /* no payload: restore every GOT slot, send BYE */
	/* Added in version 3 without a change of layout: an agent that does
	 * not know BLOCKS_ASK ignores it, an old leaktop never asks. */
	LT_MSG_BLOCKS_ASK = 17, /* leaktop -> agent, no payload: send every
				   sampled block live now, as BLOCKS */
	LT_MSG_BLOCKS = 18,     /* agent -> leaktop: struct lt_msg_blocks +
				   n x struct lt_msg_block; the answer to one
				   ask may take several, the last has last 1 */
};

/* What a descriptor-creating call made (fd sites).  dup, dup2 and dup3
 * make the kind of the descriptor they duplicate. */
enum lt_fd_kind {
	LT_FD_FILE = 0,    /* open, openat, creat */
	LT_FD_SOCKET = 1,  /* socket, accept, accept4, socketpair */
	LT_FD_PIPE = 2,    /* pipe, pipe2 */
	LT_FD_ANON = 3,    /* eventfd, timerfd, epoll, signalfd, inotify, memfd */
	LT_FD_KINDS_
};

struct lt_msg_hdr {
	uint32_t magic;    /* LT_AGENT_MAGIC */
	uint16_t type;     /* enum lt_agent_type */
	uint16_t flags;    /* 0 */
	uint32_t len;      /* payload bytes that follow, <= MAX_PAYLOAD */
	uint32_t reserved; /* 0 */
};

struct lt_msg_hello {
	uint32_t version;        /* LT_AGENT_PROTO_VERSION */
	int32_t pid;             /* getpid() of the target */
	uint64_t sample_rate;    /* bytes, as configured */
	uint32_t max_depth;      /* frames */
	uint32_t starts;         /* 1 on the first start, 2 on a re-attach... */
	uint32_t objects;        /* loaded objects whose GOT was patched */
	uint32_t slots;          /* GOT slots patched */
	char unwinder[16];       /* "libunwind", "libgcc"; NUL-padded */
	/* The agent's own footprint in the target, not the target's: */
	int32_t agent_tid;       /* its reporting thread ("lt-agent") */
	int32_t agent_fd;        /* its socket to leaktop */
	uint32_t fd_slots;       /* descriptors 0..fd_slots-1 are followed to
				    their close; higher ones are not counted */
	uint32_t reserved;       /* 0 */
};

/* Followed by depth uint64_t return addresses, innermost first (the
 * caller of malloc first; the agent's own frames are not included). */
struct lt_msg_stack {
	uint32_t id;             /* the agent's stack id, dense from 0 */
	uint32_t depth;          /* 1..LT_AGENT_MAX_DEPTH */
};

/* Counters since this start of the agent.  Bytes and counts are weighted
 * (see the design: s / (1 - exp(-s/R)) per sampled allocation of size s),
 * rounded; samples are raw.  Times are on the agent's clock: microseconds
 * since this start (CLOCK_MONOTONIC_COARSE: in steps of 1-4 ms).  The
 * oldest live sample is looked for every report when sampling, every
 * fifth (about once a second) when every allocation is tracked. */
struct lt_msg_site {
	uint32_t stack_id;
	uint32_t reserved;
	int64_t live_bytes, live_count;
	int64_t alloc_bytes, alloc_count;
	int64_t free_bytes, free_count;  /* sampled blocks freed */
	int64_t samples;                 /* sampled allocations */
	int64_t samples_freed;           /* of them freed */
	int64_t freed_age_us;            /* their ages at free, summed */
	int64_t oldest_live_us;          /* when the oldest sample still live
					    was taken; -1: none is live */
	/* Allocation flow in usable bytes (malloc_usable_size), the unit
	 * of the free flow it is weighed against. */
	int64_t alloc_ubytes;
	/* The free flow through this stack as the stack of free calls:
	 * frees sampled by usable bytes whatever the block, weighted. */
	int64_t ff_bytes, ff_count, ff_samples;
};

/* Descriptors created by one stack, one kind: every call is counted.
 * A site is sent when a counter changed. */
struct lt_msg_fdsite {
	uint32_t stack_id;
	uint32_t kind;                   /* enum lt_fd_kind */
	int64_t live;                    /* open now */
	int64_t opened;                  /* created since this start */
};

struct lt_msg_tick {
	uint64_t seq;            /* 1, 2, 3 ... per report */
	uint64_t dlopens;        /* objects patched after start (dlopen) */
	uint64_t samples;        /* sampled allocations so far */
	uint64_t tracked;        /* sampled blocks live now */
	uint64_t dropped;        /* samples lost: tables full */
	uint64_t stacks;         /* stacks sent so far */
	uint64_t now_us;         /* the agent's clock at this report */
	uint64_t fd_lost;        /* descriptors not followed (fd table full,
				    or stack table full) */
	/* Appended without a version change: an older agent's tick ends
	 * above (LT_MSG_TICK_V3_SIZE bytes) and these read as 0.  Decoders
	 * accept any length from that size up in steps of 8 and ignore
	 * what they do not know, so later fields can be appended too.
	 * The agent's cost and losses since this start: */
	uint64_t sample_ns;      /* ns spent in the sampled paths (clock read
				    on entry and exit of a sample only) */
	uint64_t free_hits;      /* frees whose pointer passed the filter and
				    were looked up in the table */
	uint64_t lock_waits;     /* slow-path lock acquisitions that waited */
	uint64_t dropped_bytes;  /* weighted bytes of the dropped samples */
	uint64_t cpu_ns;         /* the target's CPU time (all its threads,
				    the agent's too), CLOCK_PROCESS_CPUTIME_ID */
	uint64_t agent_cpu_ns;   /* the reporting thread's own CPU time */
	uint64_t ptr_cap;        /* entries of the sampled-block table now */
	uint64_t grows;          /* times a table was grown */
	uint64_t reused;         /* samples whose stack a thread knew again
				    without unwinding (0 from older agents) */
};
#define LT_MSG_TICK_V3_SIZE 64   /* the tick before the fields above */
#define LT_MSG_TICK_MAX 4096     /* longest tick a decoder accepts */

/* The sampled blocks live now, for leaktop's reachability scan.  The agent
 * keeps every sampled address XOR-ed with key, which has bit 62 set and
 * bit 63 clear: no stored or sent value is a canonical address, so the
 * agent's table and buffers never keep a block reachable.  The address is
 * xaddr ^ key.  Times are on the agent's clock, like lt_msg_site's. */
struct lt_msg_blocks {
	uint64_t key;
	uint64_t now_us;         /* the agent's clock when this part was read */
	uint32_t ask;            /* 1, 2, 3 ...: which BLOCKS_ASK this answers */
	uint32_t n;              /* records that follow */
	uint32_t last;           /* 1 on the last part of the answer */
	uint32_t reserved;       /* 0 */
	/* The agent's own memory, which holds no pointer of the target's:
	 * its tables and its message buffer, [lo, hi) each, page-aligned.
	 * A scan need not read them as roots. */
	uint64_t tables_lo, tables_hi, buf_lo, buf_hi;
};

struct lt_msg_block {
	uint64_t xaddr;          /* address ^ key */
	uint64_t size;           /* bytes asked for (saturated at 2^32 - 1) */
	int64_t weight;          /* bytes this sample stands for */
	int64_t t_us;            /* when it was sampled (agent clock) */
	uint32_t stack_id;
	uint32_t count;          /* allocations it stands for, >= 1 */
};

_Static_assert(sizeof(struct lt_msg_hdr) == 16, "wire layout");
_Static_assert(sizeof(struct lt_msg_hello) == 64, "wire layout");
_Static_assert(sizeof(struct lt_msg_stack) == 8, "wire layout");
_Static_assert(sizeof(struct lt_msg_site) == 120, "wire layout");
_Static_assert(sizeof(struct lt_msg_fdsite) == 24, "wire layout");
_Static_assert(sizeof(struct lt_msg_tick) == 136, "wire layout");
_Static_assert(sizeof(struct lt_msg_blocks) == 64, "wire layout");
_Static_assert(sizeof(struct lt_msg_block) == 40, "wire layout");

#endif
